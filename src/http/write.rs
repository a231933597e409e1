//! The head writer: a [`Head`] back to HTTP/1 bytes as HAProxy forwards it
//! (`h1_format_htx_reqline`, `h1_format_htx_stline`, `h1_format_htx_hdr` in `src/h1_htx.c`,
//! called from `h1_process_mux` in `src/mux_h1.c`):
//! - a version at or above 1.1 is written `HTTP/1.1` (`HTTP/1.2` leaves as `HTTP/1.1`), any other
//!   is written as received (an HTTP/1.0 request stays HTTP/1.0 upstream: checked against 2.6.12);
//! - header names are written in lower case, as HTX stores them, unless [`Edits::case`] (the
//!   `h1-case-adjust` map) has an entry for the lower-case name, as `h1_adjust_case_outgoing_hdr`
//!   does, added fields included; values as parsed (folds already unfolded, blanks trimmed);
//! - fields are written in order, after removals and replacements, then additions.
//!
//! Pure: no sockets, no tokio.

use std::collections::HashMap;

use bytes::{BufMut, BytesMut};

use super::head::{Head, StartLine};

/// `h1-case-adjust`: the name to write for a lower-case name.
pub type CaseMap = HashMap<Vec<u8>, Vec<u8>>;

/// Changes applied while writing (the stream's header rewrites, `Connection` handling).
#[derive(Debug, Clone, Copy, Default)]
pub struct Edits<'a> {
    /// Names (case-insensitive) of fields not to write.
    pub remove: &'a [&'a str],
    /// Fields whose every occurrence is replaced by one field with this value, written where
    /// the first occurrence was (appended if absent).
    pub set: &'a [(&'a str, &'a [u8])],
    /// Fields appended after the others.
    pub add: &'a [(&'a str, &'a [u8])],
    /// Write names as received instead of in lower case.
    pub keep_case: bool,
    /// `h1-case-adjust` towards this peer (`option h1-case-adjust-bogus-client/-server`).
    pub case: Option<&'a CaseMap>,
}

fn put_name(out: &mut BytesMut, name: &[u8], edits: &Edits) {
    if edits.keep_case {
        out.put_slice(name);
        return;
    }
    if let Some(map) = edits.case {
        let lower = name.to_ascii_lowercase();
        if let Some(to) = map.get(&lower) {
            out.put_slice(to);
        } else {
            out.put_slice(&lower);
        }
        return;
    }
    let start = out.len();
    out.put_slice(name);
    if let Some(written) = out.get_mut(start..) {
        written.make_ascii_lowercase();
    }
}

fn put_field(out: &mut BytesMut, name: &[u8], value: &[u8], edits: &Edits) {
    put_name(out, name, edits);
    out.put_slice(b": ");
    out.put_slice(value);
    out.put_slice(b"\r\n");
}

/// The start line as HAProxy writes it.
pub fn write_start_line(head: &Head, out: &mut BytesMut) {
    let version: &[u8] = if head.flags().ver_11 {
        b"HTTP/1.1"
    } else {
        head.version()
    };
    match head.start_line() {
        StartLine::Request { .. } => {
            out.put_slice(head.method());
            out.put_u8(b' ');
            out.put_slice(head.target());
            out.put_u8(b' ');
            out.put_slice(version);
        }
        StartLine::Response { status, .. } => {
            out.put_slice(version);
            out.put_u8(b' ');
            out.put_slice(status.to_string().as_bytes());
            out.put_u8(b' ');
            out.put_slice(head.reason());
        }
    }
    out.put_slice(b"\r\n");
}

/// The whole head: start line, fields, edits, empty line.
pub fn write_head(head: &Head, edits: &Edits, out: &mut BytesMut) {
    write_start_line(head, out);
    let mut set_done = vec![false; edits.set.len()];
    for (name, value) in head.headers() {
        if edits
            .remove
            .iter()
            .any(|r| name.eq_ignore_ascii_case(r.as_bytes()))
        {
            continue;
        }
        if let Some(i) = edits
            .set
            .iter()
            .position(|(n, _)| name.eq_ignore_ascii_case(n.as_bytes()))
        {
            if let (Some(done), Some((n, v))) = (set_done.get_mut(i), edits.set.get(i)) {
                if !*done {
                    *done = true;
                    put_field(out, n.as_bytes(), v, edits);
                }
            }
            continue;
        }
        put_field(out, name, value, edits);
    }
    for ((n, v), done) in edits.set.iter().zip(set_done) {
        if !done {
            put_field(out, n.as_bytes(), v, edits);
        }
    }
    for (n, v) in edits.add {
        put_field(out, n.as_bytes(), v, edits);
    }
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::{parse_request, parse_response, Limits, Status};

    fn head(raw: &[u8]) -> Head {
        let parsed = if raw.starts_with(b"HTTP/") {
            parse_response(raw, &Limits::default())
        } else {
            parse_request(raw, &Limits::default())
        };
        match parsed {
            Status::Complete(h, _) => h,
            other => panic!("{other:?}"),
        }
    }

    fn written(raw: &[u8], edits: &Edits) -> Vec<u8> {
        let mut out = BytesMut::new();
        write_head(&head(raw), edits, &mut out);
        out.to_vec()
    }

    #[test]
    fn http_1_2_is_forwarded_as_1_1_with_unfolded_lowercase_headers() {
        // Seen on the wire from 2.6.12: "GET /y HTTP/1.1\r\nhost: a\r\nx: a    b\r\n\r\n".
        let out = written(
            b"GET /y HTTP/1.2\r\nhost: a\r\nX:  a\r\n  b \r\n\r\n",
            &Edits::default(),
        );
        assert_eq!(out, b"GET /y HTTP/1.1\r\nhost: a\r\nx: a    b\r\n\r\n");
    }

    #[test]
    fn http_1_0_request_is_forwarded_as_http_1_0() {
        let out = written(b"GET /x HTTP/1.0\r\nHost: a\r\n\r\n", &Edits::default());
        assert_eq!(out, b"GET /x HTTP/1.0\r\nhost: a\r\n\r\n");
    }

    #[test]
    fn edits_remove_replace_in_place_and_append() {
        let edits = Edits {
            remove: &["x-drop"],
            set: &[("Host", b"b"), ("X-New", b"1")],
            add: &[("Connection", b"close")],
            keep_case: true,
            case: None,
        };
        let out = written(
            b"GET / HTTP/1.1\r\nA: 1\r\nHost: a\r\nX-Drop: z\r\nHost: a\r\n\r\n",
            &edits,
        );
        assert_eq!(
            out,
            b"GET / HTTP/1.1\r\nA: 1\r\nHost: b\r\nX-New: 1\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn status_line_keeps_reason_and_http_1_0() {
        let out = written(
            b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            &Edits::default(),
        );
        assert_eq!(out, b"HTTP/1.0 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    }

    #[test]
    fn h1_case_adjust_rewrites_lower_case_names_added_ones_included() {
        let map: CaseMap = [
            (b"content-type".to_vec(), b"Content-Type".to_vec()),
            (b"connection".to_vec(), b"CONNECTION".to_vec()),
            (b"X-Up".to_vec(), b"x-up".to_vec()),
        ]
        .into_iter()
        .collect();
        let out = written(
            b"HTTP/1.1 200 OK\r\nCONTENT-TYPE: a\r\nX-Up: b\r\n\r\n",
            &Edits {
                add: &[("connection", b"close")],
                case: Some(&map),
                ..Edits::default()
            },
        );
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nContent-Type: a\r\nx-up: b\r\nCONNECTION: close\r\n\r\n"
        );
    }
}
