//! Answers the proxy writes itself: error pages (`errorfile`, `http-errors`, the built-in
//! pages), `http-request return|deny|auth|redirect|tarpit`, `monitor-uri`. Like HAProxy's
//! `http_reply_message`, a reply is a response head and a body written through the same
//! writer as a server's response, so the `Connection` rules of the client side apply to it.

use bytes::{BufMut, Bytes, BytesMut};

use super::conn::Client;
use super::io::{self, ClientIo};
use super::outgoing;
use crate::http::write::{write_head, Edits};
use crate::http::{parse_response, Head, Limits, Status};
use crate::proxy::errorfile::{self, ErrorPage, ErrorPages};

/// What to do after the rules decided to answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The response head; `None` closes the connection without a word (`reject`,
    /// `silent-drop`, an empty errorfile).
    pub head: Option<Head>,
    /// The body.
    pub body: Bytes,
    /// `http-request tarpit`: held for `timeout tarpit` first.
    pub tarpit: bool,
    /// The status reported in logs and counters (also for a silent reply).
    pub status: u16,
}

impl Reply {
    /// Closes without answering.
    pub fn silent(status: u16) -> Reply {
        Reply {
            head: None,
            body: Bytes::new(),
            tarpit: false,
            status,
        }
    }

    /// The error page for `status` along `chain` (backend, then frontend, then built-in).
    pub fn page(chain: &[&ErrorPages], status: u16) -> Reply {
        Reply::of_page(&errorfile::lookup(chain, status))
    }

    /// A parsed error page; an empty one is silent.
    pub fn of_page(page: &ErrorPage) -> Reply {
        let status = page.status;
        if page.silent {
            return Reply::silent(status);
        }
        let mut r = Reply::raw(&page.raw);
        if r.status != status {
            if let Some(h) = r.head.as_mut() {
                h.set_status(status, reason(status).as_bytes());
            }
            r.status = status;
        }
        r
    }

    /// A raw HTTP response (an errorfile, `return errorfile`): head parsed, body as is.
    pub fn raw(raw: &[u8]) -> Reply {
        match parse_response(raw, &Limits::default()) {
            Status::Complete(head, used) => {
                let status = head.status();
                // The body is what the page announces, or the rest of the file.
                let rest = raw.get(used..).unwrap_or_default();
                let body = match head.content_length() {
                    Some(n) => rest.get(..n as usize).unwrap_or(rest),
                    None => rest,
                };
                Reply {
                    head: Some(head),
                    body: Bytes::copy_from_slice(body),
                    tarpit: false,
                    status,
                }
            }
            _ => Reply::silent(500),
        }
    }

    /// A generated response: `headers` in order, then `content-length`, then the
    /// `content-type` when given (the order HAProxy 2.6 writes a `return`).
    pub fn build(
        status: u16,
        headers: &[(&str, &[u8])],
        ctype: Option<&[u8]>,
        body: Bytes,
    ) -> Reply {
        let mut raw = BytesMut::with_capacity(128 + body.len());
        raw.put_slice(b"HTTP/1.1 ");
        raw.put_slice(status.to_string().as_bytes());
        raw.put_u8(b' ');
        raw.put_slice(reason(status).as_bytes());
        raw.put_slice(b"\r\n");
        for (n, v) in headers {
            raw.put_slice(n.as_bytes());
            raw.put_slice(b": ");
            raw.put_slice(v);
            raw.put_slice(b"\r\n");
        }
        raw.put_slice(b"content-length: ");
        raw.put_slice(body.len().to_string().as_bytes());
        raw.put_slice(b"\r\n");
        if let Some(ct) = ctype {
            raw.put_slice(b"content-type: ");
            raw.put_slice(ct);
            raw.put_slice(b"\r\n");
        }
        raw.put_slice(b"\r\n");
        match parse_response(&raw, &Limits::default()) {
            Status::Complete(head, _) => Reply {
                head: Some(head),
                body,
                tarpit: false,
                status,
            },
            _ => Reply::silent(status),
        }
    }
}

/// The canonical reason phrase HAProxy writes for `status` (`http_get_reason`).
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested range unsatisfiable",
        417 => "Expectation failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        // `http_get_reason()`: by class.
        _ => match status / 100 {
            1 => "Informational",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            5 => "Server Error",
            _ => "Other",
        },
    }
}

/// Writes `reply` to the client, after `timeout tarpit` for a tarpit. `close` says the
/// connection ends after it (`Connection: close` is then announced to an HTTP/1.1 client);
/// `req` is the request being answered, if one was parsed. Returns whether the connection
/// can go on.
pub async fn send<C: ClientIo>(
    cl: &mut Client<C>,
    reply: &Reply,
    req: Option<&Head>,
    close: bool,
) -> bool {
    if reply.tarpit {
        if let Some(t) = cl.fe.tarpit_timeout {
            tokio::time::sleep(t).await;
        }
    }
    let Some(head) = &reply.head else {
        return false;
    };
    // A page without a length (a raw errorfile) ends with the connection.
    let unframed = head.content_length().is_none() && !head.flags().chunked;
    let close = close || unframed || head.wants_close() || req.is_none_or(Head::wants_close);
    let conn = outgoing::response_connection(head, req, close);
    let mut out = io::out_buffer(head.buffer().len() + 64, reply.body.len());
    let edits = Edits {
        remove: &["connection"],
        add: conn.as_slice(),
        case: cl.fe.case_adjust.as_deref(),
        ..Edits::default()
    };
    write_head(head, &edits, &mut out);
    let bodyless = req.is_some_and(|r| r.method() == b"HEAD");
    if !bodyless {
        out.put_slice(&reply.body);
    }
    let ok = io::write(&mut cl.io, &out).await.is_ok();
    out.clear();
    io::give(&mut out);
    ok && !close
}
