//! The last stage: the stream's summary for the log hook (HAProxy's `stream_process` end and
//! `http_end_txn`), with the final status, byte counts, timers and termination state.

use std::sync::Arc;

use super::conn::Client;
use super::io::ClientIo;
use super::txn::Trace;
use crate::proxy::stream::StreamInfo;

/// Hands the stream's summary to the frontend's log hook, if one is installed.
pub fn log<C: ClientIo>(cl: &Client<C>, tr: &Trace) {
    let Some(hook) = cl.fe.log_hook.as_ref() else {
        return;
    };
    hook(&StreamInfo {
        accept: tr.accept.unwrap_or(std::time::SystemTime::UNIX_EPOCH),
        client: cl.peer.src,
        frontend: Arc::from(cl.fe.name.as_str()),
        backend: tr.backend.as_ref().map(|b| Arc::from(b.name.as_str())),
        server: tr.server.as_ref().map(|s| Arc::from(s.name.as_str())),
        t_queue: tr.t_queue,
        t_connect: tr.t_connect,
        t_response: tr.t_response,
        t_total: tr.start.map(|s| s.elapsed()).unwrap_or_default(),
        status: tr.status,
        bytes_out: tr.bytes_out,
        bytes_in: tr.bytes_in,
        retries: tr.retries,
        request_line: tr.request_line.clone(),
        termination: tr.term,
    });
}
