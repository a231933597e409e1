//! Stage 1: read and parse the request head (HAProxy's `http_wait_for_request` analyser and
//! the H1 demux of `mux_h1.c`).
//!
//! Keywords: `timeout http-request`, `timeout client`, `option http-ignore-probes`,
//! `tune.bufsize`, `tune.http.maxhdr`, `option accept-invalid-http-request`.
//!
//! Verdicts follow HAProxy 2.6.12 (`src/http/parse.rs`): a malformed head gets 400 (413 for
//! an HTTP/1.0 GET with a body, 422 for an unknown transfer coding), a head still incomplete
//! when `timeout http-request` fires gets 408, an empty connection that times out closes
//! silently under `option http-ignore-probes`.

use bytes::Buf;

use super::conn::Client;
use super::io::{self, ClientIo, IoEnd};
use crate::config::model::Tune;
use crate::http::{parse_request, Head, Limits, Side, Status};

/// Why no request head came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFail {
    /// The client closed or reset, or an idle probe timed out: close without a word.
    Silent,
    /// Answer with this status (400, 408, 413, 422, ...), then close.
    Status(u16),
}

/// The parser limits of a frontend's requests or a backend's responses, from the global
/// tunables: `relaxed` is `option accept-invalid-http-request` (frontend) or
/// `accept-invalid-http-response` (backend).
pub fn limits(tune: &Tune, relaxed: bool) -> Limits {
    Limits {
        max_headers: tune.http_maxhdr,
        max_head: tune.bufsize.saturating_sub(tune.maxrewrite()),
        max_raw: tune.bufsize.saturating_sub(64),
        accept_invalid: relaxed,
    }
}

/// Reads until a whole request head is buffered; its bytes leave `cl.buf`, the body's stay.
pub async fn read<C: ClientIo>(cl: &mut Client<C>) -> Result<Head, ReadFail> {
    let fe = &cl.fe;
    let limit = fe.http_request_timeout.or(fe.client_timeout);
    let deadline = io::deadline(limit);
    let limits = fe.limits;
    loop {
        if !cl.buf.is_empty() {
            match parse_request(&cl.buf, &limits) {
                Status::Complete(head, used) => {
                    cl.buf.advance(used);
                    let mut head = head;
                    check(&head, &cl.buf)?;
                    normalize(&mut head);
                    return Ok(head);
                }
                Status::Error(e) => return Err(ReadFail::Status(e.status(Side::Request))),
                Status::Incomplete => {}
            }
        }
        match io::read_more(&mut cl.io, &mut cl.buf, deadline).await {
            Ok(_) => {}
            Err(IoEnd::Timeout) if cl.buf.is_empty() && (cl.fe.ignore_probes || cl.served > 0) => {
                return Err(ReadFail::Silent)
            }
            Err(IoEnd::Timeout) => return Err(ReadFail::Status(408)),
            // A client that closes in the middle of a head gets a 400 (HAProxy's
            // "bad request" on a truncated head), an empty close nothing.
            Err(IoEnd::Closed)
                if !cl.buf.is_empty() && cl.buf.iter().any(|b| !b.is_ascii_whitespace()) =>
            {
                return Err(ReadFail::Status(400))
            }
            Err(_) => return Err(ReadFail::Silent),
        }
    }
}

/// `option http-buffer-request` (HAProxy's `http_wait_for_request_body`): waits until the
/// whole body is buffered, or a buffer is full, before the request goes to a server;
/// `timeout http-request` gives 408 and the server is never contacted.
pub async fn buffer_body<C: ClientIo>(cl: &mut Client<C>, req: &Head) -> Result<(), ReadFail> {
    let len = req.body_length();
    if matches!(
        len,
        crate::http::BodyLength::Empty | crate::http::BodyLength::Tunnel
    ) {
        return Ok(());
    }
    let fe = &cl.fe;
    let deadline = io::deadline(fe.http_request_timeout.or(fe.client_timeout));
    loop {
        match super::body::scan(&cl.buf, len) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(ReadFail::Status(e.status(Side::Request))),
        }
        if cl.buf.len() >= io::bufsize() {
            return Ok(());
        }
        match io::read_more(&mut cl.io, &mut cl.buf, deadline).await {
            Ok(_) => {}
            Err(IoEnd::Timeout) => return Err(ReadFail::Status(408)),
            Err(_) => return Err(ReadFail::Silent),
        }
    }
}

/// What HAProxy's H1 demux refuses once the head is parsed: a `CONNECT` target without a
/// port, a WebSocket upgrade without `Sec-WebSocket-Key` (`h1_process_input`), and a bad
/// framing in the body bytes that came with the head (all 400).
fn check(head: &Head, buffered: &[u8]) -> Result<(), ReadFail> {
    if head.method() == b"CONNECT" {
        let t = head.target();
        let port = t
            .iter()
            .rposition(|&b| b == b':')
            .and_then(|i| t.get(i + 1..));
        if !port.is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit)) {
            return Err(ReadFail::Status(400));
        }
    }
    let f = head.flags();
    if f.conn_upgrade && f.upgrade_websocket && !head.contains("sec-websocket-key") {
        return Err(ReadFail::Status(400));
    }
    match super::body::scan(buffered, head.body_length()) {
        Err(e) => Err(ReadFail::Status(e.status(Side::Request))),
        Ok(_) => Ok(()),
    }
}

/// HAProxy 2.6.12 forwards a `CONNECT`'s `Host` without the default port (`host:443` leaves as
/// `host`; seen on the wire, tests/h1 `connect-host-port`).
fn normalize(head: &mut Head) {
    if head.method() != b"CONNECT" {
        return;
    }
    let Some(host) = head.get("host") else { return };
    let bare = host
        .strip_suffix(b":443")
        .or_else(|| host.strip_suffix(b":80"))
        .map(<[u8]>::to_vec);
    if let Some(b) = bare {
        head.set_values("host", [&b[..]]);
    }
}
