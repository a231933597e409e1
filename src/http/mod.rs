//! The HTTP/1 codec: a neutral message head ([`head::Head`]: ordered name/value ranges into
//! one buffer, framing flags) that HTTP/2 can feed later; the head parser ([`parse`]), the head
//! writer ([`write`]) and the body state machines ([`body`]). It mirrors HAProxy 2.6's
//! `src/h1.c`, `src/h1_htx.c` and the parsing checks of `src/mux_h1.c`.
//!
//! Pure: no sockets, no tokio, no clock; every function takes bytes and returns a verdict, so
//! each is fuzzable. Imports only `bytes` and `thiserror`.

pub mod body;
pub mod head;
pub mod parse;
pub mod write;

#[cfg(test)]
mod fuzz;

pub use head::{BodyLength, Field, Flags, Head, Span, StartLine};
pub use parse::{parse_request, parse_response, Limits, ParseError, Side, Status};

/// Heads for unit tests elsewhere in the crate, parsed from text as a peer would send them.
/// `s` without leading and trailing blanks (spaces, tabs, CR, LF).
pub fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod testing {
    use super::{parse_request, parse_response, Head, Limits, Status};

    fn raw(start: &str, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut b = format!("{start}\r\n");
        for (n, v) in headers {
            b.push_str(&format!("{n}: {v}\r\n"));
        }
        b.push_str("\r\n");
        b.into_bytes()
    }

    /// A request head: `start` is the request line (`GET / HTTP/1.1`).
    pub(crate) fn request(start: &str, headers: &[(&str, &str)]) -> Head {
        match parse_request(&raw(start, headers), &Limits::default()) {
            Status::Complete(h, _) => h,
            other => panic!("{start}: {other:?}"),
        }
    }

    /// A `HTTP/1.1 <status> X` response head.
    pub(crate) fn response(status: u16, headers: &[(&str, &str)]) -> Head {
        let start = format!("HTTP/1.1 {status} X");
        match parse_response(&raw(&start, headers), &Limits::default()) {
            Status::Complete(h, _) => h,
            other => panic!("{start}: {other:?}"),
        }
    }
}
