//! One stream (request and response) through its stages, in HAProxy's analyser order:
//! [`super::request`] (read the head) → [`super::route`] (frontend rules, `use_backend`,
//! backend rules) → [`super::exchange`] (persistence, balance, queue, connect with retries,
//! forward the head and body, read the response head) → [`super::response`] (cookie,
//! `stick store-response`, `http-response` rules, forward the response) → [`super::end`]
//! (counters and the log hook).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::conn::Client;
use super::io::ClientIo;
use super::reply::{self, Reply};
use super::request::{self, ReadFail};
use super::route::{self, Route};
use super::rules::Env;
use super::{end, exchange, response};
use crate::config::model::HttpConnMode;
use crate::http::Head;
use crate::proxy::acl::Names;
use crate::proxy::backend::Backend;
use crate::proxy::frontend::Frontend;
use crate::proxy::socket::Peer;
use crate::proxy::stick::{self, Slots};
use crate::proxy::stream::{Phase, Termination};
use crate::proxy::Side;
use crate::sample::Vars;
use crate::server::Server;

/// Whether the client connection goes on after a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait for the next request.
    KeepAlive,
    /// Close the connection.
    Close,
}

/// What the stages learnt, for the log line and the counters.
#[derive(Debug)]
pub struct Trace {
    /// When the stream started (timers are read only when a log hook will use them).
    pub start: Option<Instant>,
    /// Its wall-clock start.
    pub accept: Option<SystemTime>,
    /// The backend, once chosen.
    pub backend: Option<Arc<Backend>>,
    /// The server, once chosen.
    pub server: Option<Arc<Server>>,
    /// Queue time.
    pub t_queue: Option<Duration>,
    /// Connect time.
    pub t_connect: Option<Duration>,
    /// Time to the response head.
    pub t_response: Option<Duration>,
    /// Retries done.
    pub retries: u32,
    /// How it ended.
    pub term: Termination,
    /// The status sent to the client.
    pub status: Option<u16>,
    /// Body bytes from the client.
    pub bytes_in: u64,
    /// Bytes sent to the client.
    pub bytes_out: u64,
    /// `METHOD TARGET VERSION`.
    pub request_line: Option<String>,
}

impl Trace {
    fn new(timed: bool) -> Trace {
        Trace {
            start: timed.then(Instant::now),
            accept: timed.then(SystemTime::now),
            backend: None,
            server: None,
            t_queue: None,
            t_connect: None,
            t_response: None,
            retries: 0,
            term: Termination::NORMAL,
            status: None,
            bytes_in: 0,
            bytes_out: 0,
            request_line: None,
        }
    }

    /// Now, when this stream's timers are read (a log hook is installed).
    pub fn now(&self) -> Option<Instant> {
        self.start.map(|_| Instant::now())
    }

    /// Records how the stream ended.
    pub fn ended(&mut self, side: Side, timeout: bool, phase: Phase) {
        self.term = Termination {
            side: Some(side),
            timeout,
            phase,
        };
    }
}

/// The stream's state between stages.
#[derive(Debug)]
pub struct Txn {
    /// The request head, edited by the rules.
    pub req: Head,
    /// The connection mode of the frontend and, once chosen, the backend.
    pub mode: HttpConnMode,
    /// The client connection must close after this stream.
    pub client_close: bool,
    /// Stick counters tracked by this stream (`http-request track-sc*`).
    pub slots: Slots,
    /// What the log line needs.
    pub tr: Trace,
    /// Its variables (`sess` ones come from the connection and go back to it).
    pub vars: Mutex<Vars>,
}

/// What the rules of a stream read besides its messages: addresses, names, variables.
pub fn env<'a>(fe: &'a Frontend, tr: &'a Trace, vars: &'a Mutex<Vars>, peer: Peer) -> Env<'a> {
    Env {
        peer,
        names: Names {
            frontend: Some((fe.name.as_str(), fe.id)),
            backend: tr.backend.as_deref().map(|b| (b.name.as_str(), b.id)),
            server: tr
                .server
                .as_deref()
                .map(|s| (s.name.as_str(), i64::from(s.puid))),
        },
        vars,
    }
}

/// Runs one stream on `cl`.
pub async fn run<C: ClientIo>(cl: &mut Client<C>) -> Next {
    super::count_started();
    let mut tr = Trace::new(cl.fe.log_hook.is_some());
    let req = match request::read(cl).await {
        Ok(h) => h,
        Err(ReadFail::Silent) => return Next::Close,
        Err(ReadFail::Status(s)) => {
            tr.ended(Side::Client, s == 408, Phase::Request);
            let r = Reply::page(&[&cl.fe.errors], s);
            tr.status = Some(r.status);
            reply::send(cl, &r, None, true).await;
            end::log(cl, &tr);
            return Next::Close;
        }
    };
    // Only a log line reads it: no formatting per request otherwise.
    if cl.fe.log_hook.is_some() {
        tr.request_line = Some(request_line(&req));
    }
    let mut txn = Txn {
        client_close: req.wants_close() || cl.fe.conn_mode == HttpConnMode::Close,
        mode: cl.fe.conn_mode,
        req,
        slots: Slots::default(),
        tr,
        vars: Mutex::new(std::mem::take(&mut cl.vars)),
    };
    stick::count_request(&cl.session);
    let next = match route::run(cl, &mut txn) {
        Route::Reply(r) => answer(cl, &mut txn, r).await,
        Route::Backend(be) => backend(cl, &mut txn, &be).await,
    };
    if let Some(s) = txn.tr.status {
        stick::count_status(&[&txn.slots, &cl.session], s);
    }
    end::log(cl, &txn.tr);
    let mut vars = txn.vars.into_inner().unwrap_or_else(|e| e.into_inner());
    vars.end_txn();
    cl.vars = vars;
    next
}

/// The backend stages: the buffered body if asked, the exchange with a server, the response.
async fn backend<C: ClientIo>(cl: &mut Client<C>, txn: &mut Txn, be: &Arc<Backend>) -> Next {
    if let Some(r) = buffered(cl, txn, be).await {
        return answer(cl, txn, r).await;
    }
    let ex = match exchange::run(cl, txn, be).await {
        Ok(ex) => ex,
        Err(r) => return answer(cl, txn, r).await,
    };
    response::run(cl, txn, be, ex).await
}

/// `option http-buffer-request` on the frontend or the backend: the body first.
async fn buffered<C: ClientIo>(cl: &mut Client<C>, txn: &mut Txn, be: &Backend) -> Option<Reply> {
    if !cl.fe.buffer_request && !be.buffer_request {
        return None;
    }
    match request::buffer_body(cl, &txn.req).await {
        Ok(()) => None,
        Err(ReadFail::Silent) => Some(Reply::silent(400)),
        Err(ReadFail::Status(s)) => {
            txn.client_close = true;
            txn.tr.ended(Side::Client, s == 408, Phase::Data);
            Some(Reply::page(&[&be.errors, &cl.fe.errors], s))
        }
    }
}

/// Sends a reply of the proxy. A request body not read yet makes the connection close.
pub async fn answer<C: ClientIo>(cl: &mut Client<C>, txn: &mut Txn, r: Reply) -> Next {
    txn.tr.status = Some(r.status);
    let unread = !matches!(txn.req.body_length(), crate::http::BodyLength::Empty);
    let close = txn.client_close || unread;
    if reply::send(cl, &r, Some(&txn.req), close).await {
        Next::KeepAlive
    } else {
        Next::Close
    }
}

fn request_line(req: &Head) -> String {
    let mut s = String::with_capacity(req.target().len() + 20);
    s.push_str(&String::from_utf8_lossy(req.method()));
    s.push(' ');
    s.push_str(&String::from_utf8_lossy(req.target()));
    s.push(' ');
    s.push_str(&String::from_utf8_lossy(req.version()));
    s
}
