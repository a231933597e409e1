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
use crate::http::{parse_request, Head, Limits, Side, Status};

/// Why no request head came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFail {
    /// The client closed or reset, or an idle probe timed out: close without a word.
    Silent,
    /// Answer with this status (400, 408, 413, 422, ...), then close.
    Status(u16),
}

/// The parser limits of a frontend (`tune.bufsize`, `tune.http.maxhdr`).
pub fn limits() -> Limits {
    Limits::default()
}

/// Reads until a whole request head is buffered; its bytes leave `cl.buf`, the body's stay.
pub async fn read<C: ClientIo>(cl: &mut Client<C>) -> Result<Head, ReadFail> {
    let fe = &cl.fe;
    let limit = fe.http_request_timeout.or(fe.client_timeout);
    let deadline = io::deadline(limit);
    let limits = limits();
    loop {
        if !cl.buf.is_empty() {
            match parse_request(&cl.buf, &limits) {
                Status::Complete(head, used) => {
                    cl.buf.advance(used);
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
    use crate::http::body::{Decoder, Event};
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
        // Walk the buffered bytes with a fresh decoder: done, or how far it got.
        let mut dec = Decoder::new(len);
        let mut at = 0usize;
        while let Some(rest) = cl.buf.get(at..) {
            match dec.step(rest) {
                Ok(step) => {
                    if matches!(step.event, Some(Event::Done)) || dec.is_done() {
                        return Ok(());
                    }
                    if step.consumed == 0 {
                        break;
                    }
                    at += step.consumed;
                }
                Err(e) => return Err(ReadFail::Status(e.status(Side::Request))),
            }
        }
        if cl.buf.len() >= io::BUFSIZE {
            return Ok(());
        }
        match io::read_more(&mut cl.io, &mut cl.buf, deadline).await {
            Ok(_) => {}
            Err(IoEnd::Timeout) => return Err(ReadFail::Status(408)),
            Err(_) => return Err(ReadFail::Silent),
        }
    }
}
