//! Stage 4: the response (HAProxy's `http_process_res_common` and the H1 mux's output):
//! the persistence cookie and `option checkcache`, `stick store-response`, the backend's then
//! the frontend's `http-response` rules, the `Connection` header, the head and body written
//! to the client, tunnels after `101` or a `CONNECT` 2xx, and the server connection given back
//! to the idle pool when the exchange ended cleanly.

use std::sync::Arc;

use super::body::{self, RelayError};
use super::conn::Client;
use super::exchange::Exchange;
use super::io::{self, ClientIo};
use super::outgoing;
use super::rules;
use super::server;
use super::txn::{self, answer, Next, Txn};
use crate::http::write::{write_head, Edits};
use crate::http::BodyLength;
use crate::proxy::acl::{self, Ctx};
use crate::proxy::backend::Backend;
use crate::proxy::compression;
use crate::proxy::persist;
use crate::proxy::stick::{self, View};
use crate::proxy::stream::Phase;
use crate::proxy::Side;
use crate::server::Counters;

/// Processes and forwards the response of `ex`.
pub async fn run<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    be: &Arc<Backend>,
    mut ex: Exchange,
) -> Next {
    let fe = Arc::clone(&cl.fe);
    let chain = [&be.errors, &fe.errors];
    let status = ex.res.status();
    let cookie = persist::response_cookie(
        be,
        ex.slot.server(),
        &ex.assigned,
        txn.req.method(),
        status,
        &mut ex.res,
    );
    if cookie.block {
        txn.tr.ended(Side::Proxy, false, Phase::Headers);
        return answer(cl, txn, super::reply::Reply::page(&chain, status)).await;
    }
    if let Some(r) = process(cl, txn, be, &mut ex) {
        txn.tr.ended(Side::Proxy, false, Phase::Headers);
        return answer(cl, txn, r).await;
    }
    forward(cl, txn, be, ex).await
}

/// `stick store-response`, then the backend's and the frontend's `http-response` rules;
/// `Some` when a rule answers instead of the server.
fn process<C: ClientIo>(
    cl: &Client<C>,
    txn: &Txn,
    be: &Arc<Backend>,
    ex: &mut Exchange,
) -> Option<super::reply::Reply> {
    let fe = &cl.fe;
    let chain = [&be.errors, &fe.errors];
    let peer = cl.peer;
    let status = ex.res.status();
    let view = View {
        proxy: &be.stick,
        stream: Some(&txn.slots),
        session: Some(&cl.session),
    };
    {
        let ctx = Ctx {
            src: peer.src.map(|a| a.ip()),
            src_port: peer.src.map(|a| a.port()),
            dst: peer.dst,
            status: Some(status),
            res: Some(&ex.res),
            regexes: Some(&be.regexes),
            stick: Some(&view),
            ..Ctx::default()
        };
        let no_req = stick::Request {
            src: peer.src.map(|a| a.ip()),
            req: None,
        };
        be.stick.response_rules(
            |rule| acl::holds(rule.cond.as_ref(), &be.acls, &ctx),
            &no_req,
            &ex.res,
            &mut ex.pending,
        );
    }
    std::mem::take(&mut ex.pending).commit(ex.slot.server());
    let fe_view = View {
        proxy: &fe.stick,
        stream: Some(&txn.slots),
        session: Some(&cl.session),
    };
    let own = fe.is_own(be);
    let scopes = [
        Some((&be.http_response[..], (&be.acls[..], &be.regexes, &view))),
        (!own).then_some((&fe.http_response[..], (&fe.acls[..], &fe.regexes, &fe_view))),
    ];
    let env = txn::env(fe, &txn.tr, &txn.vars, peer);
    for (rules_of, scope) in scopes.into_iter().flatten() {
        if let Some(r) = rules::response(rules_of, scope, &mut ex.res, env, &chain) {
            return Some(r);
        }
    }
    None
}

/// Writes the response head and relays its body (or the tunnel).
async fn forward<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    be: &Arc<Backend>,
    mut ex: Exchange,
) -> Next {
    let len = ex.res.response_length(txn.req.method());
    let tunnel = len == BodyLength::Tunnel;
    // Body bytes that came with the head are parsed before the head leaves (a bad first
    // chunk gives 502, as HAProxy's H1 demux does).
    if !tunnel && body::scan(&ex.conn.buf, len).is_err() {
        Counters::inc(&ex.slot.server().counters.resp_errors);
        txn.tr.ended(Side::Server, false, Phase::Headers);
        let fe = Arc::clone(&cl.fe);
        return answer(
            cl,
            txn,
            super::reply::Reply::page(&[&be.errors, &fe.errors], 502),
        )
        .await;
    }
    if len == BodyLength::CloseDelimited || ex.body_left {
        txn.client_close = true;
    }
    if !ex.res.flags().conn_upgrade && !tunnel {
        outgoing::strip_tokens(&mut ex.res);
    }
    let fe = Arc::clone(&cl.fe);
    let encoder = ex
        .comp
        .filter(|_| {
            compression::response_allows(
                fe.compression.as_ref(),
                be.compression.as_ref(),
                &txn.req,
                &ex.res,
            )
        })
        .map(|algo| {
            compression::edit_response(&mut ex.res, algo);
            compression::Encoder::new(algo)
        });
    let add = outgoing::response_connection(&ex.res, Some(&txn.req), txn.client_close);
    let mut out = io::out_buffer(ex.res.buffer().len() + 64, ex.conn.buf.len());
    write_head(
        &ex.res,
        &Edits {
            add: add.as_slice(),
            case: fe.case_adjust.as_deref(),
            ..Edits::default()
        },
        &mut out,
    );
    let head_len = out.len() as u64;
    txn.tr.status = Some(ex.res.status());
    if tunnel {
        if io::write(&mut cl.io, &out).await.is_err() {
            txn.tr.ended(Side::Client, false, Phase::Data);
            return Next::Close;
        }
        out.clear();
        io::give(&mut out);
        // Boxed: tunnels are rare, their state would weigh on every stream.
        return Box::pin(super::tunnel::run(cl, txn, be, ex)).await;
    }
    let killed = ex.slot.server().killable.then(|| ex.slot.killed());
    let chunked_out = len == BodyLength::Chunked || encoder.is_some();
    // The head leaves with the first body bytes, in one write.
    let relay = body::relay(
        &mut ex.conn.io,
        &mut ex.conn.buf,
        &mut cl.io,
        (len, chunked_out),
        encoder,
        out,
    );
    let moved = match killed {
        Some(k) => tokio::select! {
            r = relay => r,
            () = k => {
                txn.tr.ended(Side::Down, false, Phase::Data);
                return Next::Close;
            }
        },
        None => relay.await,
    };
    let server = ex.slot.server();
    let n = match moved {
        Ok(n) => n,
        Err(e) => {
            let (side, timeout) = match e {
                RelayError::Receiver(io::IoEnd::Timeout) => (Side::Client, true),
                RelayError::Receiver(_) => (Side::Client, false),
                RelayError::SenderTimeout => (Side::Server, true),
                RelayError::Bad(_) | RelayError::Truncated => (Side::Server, false),
                RelayError::Encoder => (Side::Internal, false),
            };
            txn.tr.ended(side, timeout, Phase::Data);
            return Next::Close;
        }
    };
    txn.tr.bytes_out = head_len + n;
    Counters::add(&server.counters.bytes_out, n);
    Counters::add(&ex.slot.farm().counters.bytes_out, n);
    Counters::add(&server.counters.bytes_in, txn.tr.bytes_in);
    Counters::add(&ex.slot.farm().counters.bytes_in, txn.tr.bytes_in);
    let reusable = !ex.server_close
        && !ex.res.wants_close()
        && len != BodyLength::CloseDelimited
        && !ex.body_left;
    if reusable {
        server::keep(cl, be, &ex.slot, ex.conn);
    }
    if txn.client_close {
        Next::Close
    } else {
        Next::KeepAlive
    }
}
