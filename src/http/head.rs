//! The neutral message head: a request or response start line and its header fields, kept as
//! byte ranges into one owned [`Bytes`] buffer (no allocation per header), plus the framing
//! facts the parser found (HAProxy's `H1_MF_*` flags of `struct h1m`, `include/haproxy/h1.h`).
//!
//! HTTP/2 can fill the same type later. Pure: no sockets, no tokio.

use bytes::{Bytes, BytesMut};

/// A byte range `[start, end)` into a [`Head`]'s buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `usize` bounds (heads are far below 4 GiB: the parser caps them).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
}

/// One header field: name and value ranges (value already trimmed and unfolded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name, as received (case kept).
    pub name: Span,
    /// The value, without surrounding blanks.
    pub value: Span,
}

/// The start line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD target HTTP/x.y`.
    Request {
        /// The method token.
        method: Span,
        /// The request target (URI), as bytes.
        target: Span,
        /// The version text (`HTTP/1.1`).
        version: Span,
    },
    /// `HTTP/x.y code reason`.
    Response {
        /// The version text.
        version: Span,
        /// The status code.
        status: u16,
        /// The reason phrase (may be empty).
        reason: Span,
    },
}

/// How the body that follows the head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLength {
    /// No body at all.
    Empty,
    /// Exactly this many bytes (`Content-Length`).
    ContentLength(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (responses only).
    CloseDelimited,
    /// The connection becomes a tunnel (`CONNECT` 2xx, `101 Switching Protocols`).
    Tunnel,
}

/// Framing facts found while parsing (after HAProxy's `H1_MF_*` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// Version is HTTP/1.1 or above (`H1_MF_VER_11`).
    pub ver_11: bool,
    /// A valid `Content-Length` was seen (`H1_MF_CLEN`); cleared when `Transfer-Encoding` wins.
    pub clen: bool,
    /// A `Transfer-Encoding` header was seen (`H1_MF_XFER_ENC`).
    pub xfer_enc: bool,
    /// `chunked` was seen among the transfer codings (`H1_MF_TE_CHUNKED`).
    pub te_chunked: bool,
    /// `chunked` is the last transfer coding (`H1_MF_CHNK`).
    pub chunked: bool,
    /// A coding other than `chunked` was seen (`H1_MF_TE_OTHER`).
    pub te_other: bool,
    /// `Connection: close` (`H1_MF_CONN_CLO`), also forced by TE+CL and TE in HTTP/1.0.
    pub conn_close: bool,
    /// `Connection: keep-alive` (`H1_MF_CONN_KAL`).
    pub conn_keep_alive: bool,
    /// `Connection: upgrade` (`H1_MF_CONN_UPG`).
    pub conn_upgrade: bool,
    /// `Upgrade: websocket` (`H1_MF_UPG_WEBSOCKET`).
    pub upgrade_websocket: bool,
}

/// A parsed HTTP/1 message head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub(crate) buf: Bytes,
    /// Bytes written by edits (rules, cookies); spans at or past `buf.len()` point here.
    pub(crate) extra: BytesMut,
    pub(crate) start: StartLine,
    pub(crate) fields: Vec<Field>,
    pub(crate) flags: Flags,
    pub(crate) body_len: u64,
}

impl Head {
    /// The bytes of a span (empty if the span is out of range).
    pub fn slice(&self, s: Span) -> &[u8] {
        let (a, b, base) = (s.start as usize, s.end as usize, self.buf.len());
        if a < base || (a == b && a == base) {
            self.buf.get(a..b).unwrap_or(&[])
        } else {
            self.extra.get(a - base..b - base).unwrap_or(&[])
        }
    }

    /// Stores `bytes` after the parsed ones and returns their span.
    pub(crate) fn store(&mut self, bytes: &[u8]) -> Span {
        let start = self.buf.len() + self.extra.len();
        self.extra.extend_from_slice(bytes);
        Span::new(start, start + bytes.len())
    }

    /// The owned buffer the spans point into.
    pub fn buffer(&self) -> &Bytes {
        &self.buf
    }

    /// The start line.
    pub fn start_line(&self) -> StartLine {
        self.start
    }

    /// Whether this is a request head.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// The request method (empty for a response).
    pub fn method(&self) -> &[u8] {
        match self.start {
            StartLine::Request { method, .. } => self.slice(method),
            StartLine::Response { .. } => &[],
        }
    }

    /// The request target (empty for a response).
    pub fn target(&self) -> &[u8] {
        match self.start {
            StartLine::Request { target, .. } => self.slice(target),
            StartLine::Response { .. } => &[],
        }
    }

    /// The path of the request target, without the query string (HAProxy's `http_get_path()`
    /// as the `path` fetch uses it): `/p` for `/p?q` and for `http://h/p?q`. None for `*`, an
    /// authority (`CONNECT h:443`), an absolute URI without path, or a response.
    pub fn path(&self) -> Option<&[u8]> {
        let t = self.target();
        let first = *t.first()?;
        let rest = if first == b'*' {
            return None;
        } else if first.is_ascii_alphabetic() {
            // A scheme (RFC 3986 3.1), then `://`; an authority-form target has no `//`.
            let n = t
                .iter()
                .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
                .unwrap_or(t.len());
            t.get(n..)?.strip_prefix(b"://")?
        } else {
            t
        };
        let slash = rest.iter().position(|&c| c == b'/')?;
        let path = rest.get(slash..)?;
        let end = path.iter().position(|&c| c == b'?').unwrap_or(path.len());
        path.get(..end)
    }

    /// What follows the first `?` of the request target (HAProxy's `query` fetch); None
    /// without `?`.
    pub fn query(&self) -> Option<&[u8]> {
        let t = self.target();
        let q = t.iter().position(|&c| c == b'?')?;
        t.get(q + 1..)
    }

    /// The version text as received (`HTTP/1.2` stays `HTTP/1.2`; see [`Flags::ver_11`]).
    pub fn version(&self) -> &[u8] {
        match self.start {
            StartLine::Request { version, .. } | StartLine::Response { version, .. } => {
                self.slice(version)
            }
        }
    }

    /// The response status (0 for a request).
    pub fn status(&self) -> u16 {
        match self.start {
            StartLine::Response { status, .. } => status,
            StartLine::Request { .. } => 0,
        }
    }

    /// The reason phrase (empty for a request).
    pub fn reason(&self) -> &[u8] {
        match self.start {
            StartLine::Response { reason, .. } => self.slice(reason),
            StartLine::Request { .. } => &[],
        }
    }

    /// The framing flags.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// Number of header fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there is no header field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The header fields in order, as `(name, value)` byte slices.
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields
            .iter()
            .map(move |f| (self.slice(f.name), self.slice(f.value)))
    }

    /// The raw field ranges in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The first value of header `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// Whether header `name` is present (case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The `Content-Length` the parser validated (None when absent or overridden by
    /// `Transfer-Encoding`).
    pub fn content_length(&self) -> Option<u64> {
        self.flags.clen.then_some(self.body_len)
    }

    /// Body framing of a request (`h1_postparse_req_hdrs`): chunked, length, `CONNECT` tunnel,
    /// or no body. For a response this assumes a `GET` request; use
    /// [`Head::response_length`] with the real method.
    pub fn body_length(&self) -> BodyLength {
        match self.start {
            StartLine::Request { .. } => {
                if self.method() == b"CONNECT" {
                    BodyLength::Tunnel
                } else if self.flags.chunked {
                    BodyLength::Chunked
                } else if self.flags.clen && self.body_len > 0 {
                    BodyLength::ContentLength(self.body_len)
                } else {
                    BodyLength::Empty
                }
            }
            StartLine::Response { .. } => self.response_length(b"GET"),
        }
    }

    /// Body framing of a response to a request with `method` (`h1_postparse_res_hdrs`):
    /// HEAD, 1xx, 204 and 304 have none; 101 and a 2xx to `CONNECT` become a tunnel; otherwise
    /// chunked, length, or until close.
    pub fn response_length(&self, method: &[u8]) -> BodyLength {
        let status = self.status();
        if status == 101 || (method == b"CONNECT" && (200..300).contains(&status)) {
            return BodyLength::Tunnel;
        }
        if method == b"HEAD" || (100..200).contains(&status) || status == 204 || status == 304 {
            return BodyLength::Empty;
        }
        if self.flags.chunked {
            BodyLength::Chunked
        } else if self.flags.clen {
            if self.body_len == 0 {
                BodyLength::Empty
            } else {
                BodyLength::ContentLength(self.body_len)
            }
        } else {
            BodyLength::CloseDelimited
        }
    }

    // ---- Edits (HAProxy's `http_add_header`, `http_replace_header_value`, ...) ----

    /// Replaces the method (`http-request set-method`).
    pub fn set_method(&mut self, method: &[u8]) {
        let span = self.store(method);
        if let StartLine::Request { method, .. } = &mut self.start {
            *method = span;
        }
    }

    /// Replaces the request target (`set-uri`, `set-path`, `set-query`).
    pub fn set_target(&mut self, target: &[u8]) {
        let span = self.store(target);
        if let StartLine::Request { target, .. } = &mut self.start {
            *target = span;
        }
    }

    /// Replaces the status code and reason (`http-response set-status`).
    pub fn set_status(&mut self, code: u16, reason: &[u8]) {
        let span = self.store(reason);
        if let StartLine::Response { status, reason, .. } = &mut self.start {
            *status = code;
            *reason = span;
        }
    }

    /// Appends a header field (`add-header`).
    pub fn append(&mut self, name: &[u8], value: &[u8]) {
        let name = self.store(name);
        let value = self.store(value);
        self.fields.push(Field { name, value });
    }

    /// Removes every field named `name` (case-insensitive); returns how many went.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.fields.len();
        let (buf, extra) = (&self.buf, &self.extra);
        let base = buf.len();
        self.fields.retain(|f| {
            let n = slice_in(buf, extra, base, f.name);
            !n.eq_ignore_ascii_case(name.as_bytes())
        });
        before - self.fields.len()
    }

    /// Keeps only the fields for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&[u8], &[u8]) -> bool) {
        let (buf, extra) = (&self.buf, &self.extra);
        let base = buf.len();
        self.fields.retain(|f| {
            keep(
                slice_in(buf, extra, base, f.name),
                slice_in(buf, extra, base, f.value),
            )
        });
    }

    /// Removes every `name` field, then appends one with `value` (`set-header`: HAProxy
    /// deletes then adds, so the field moves to the end).
    pub fn set(&mut self, name: &str, value: &[u8]) {
        self.remove(name);
        self.append(name.as_bytes(), value);
    }

    /// Replaces the values of the `name` fields in place, in order: the first value goes
    /// where the first field was, and so on; fields left over are removed, values left over
    /// are appended. An empty `values` removes the header.
    pub fn set_values<'v>(&mut self, name: &str, values: impl IntoIterator<Item = &'v [u8]>) {
        let mut values = values.into_iter();
        let mut i = 0;
        while i < self.fields.len() {
            let Some(&f) = self.fields.get(i) else { break };
            if !self.slice(f.name).eq_ignore_ascii_case(name.as_bytes()) {
                i += 1;
                continue;
            }
            match values.next() {
                Some(v) => {
                    let span = self.store(v);
                    if let Some(f) = self.fields.get_mut(i) {
                        f.value = span;
                    }
                    i += 1;
                }
                None => {
                    self.fields.remove(i);
                }
            }
        }
        for v in values {
            self.append(name.as_bytes(), v);
        }
    }

    /// Whether the connection must close after this message (HTTP/1.0 without keep-alive,
    /// `Connection: close`, or forced by the parser).
    pub fn wants_close(&self) -> bool {
        self.flags.conn_close || (!self.flags.ver_11 && !self.flags.conn_keep_alive)
    }
}

fn slice_in<'a>(buf: &'a Bytes, extra: &'a BytesMut, base: usize, s: Span) -> &'a [u8] {
    let (a, b) = (s.start as usize, s.end as usize);
    if a < base || (a == b && a == base) {
        buf.get(a..b).unwrap_or(&[])
    } else {
        extra.get(a - base..b - base).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::{parse_request, parse_response, Limits, Status};

    fn req(raw: &[u8]) -> Head {
        match parse_request(raw, &Limits::default()) {
            Status::Complete(h, _) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lookups_are_case_insensitive_and_keep_order() {
        let h = req(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
        assert_eq!(h.get("x-A"), Some(&b"1"[..]));
        assert_eq!(
            h.get_all("X-A").collect::<Vec<_>>(),
            vec![&b"1"[..], &b"2"[..]]
        );
        assert!(h.contains("HOST"));
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn path_and_query_follow_haproxys_fetches() {
        let p = |t: &str| {
            let h = req(format!("GET {t} HTTP/1.1\r\n\r\n").as_bytes());
            (h.path().map(<[u8]>::to_vec), h.query().map(<[u8]>::to_vec))
        };
        let some = |s: &str| Some(s.as_bytes().to_vec());
        assert_eq!(p("/a/b?x=1&y"), (some("/a/b"), some("x=1&y")));
        assert_eq!(p("/a"), (some("/a"), None));
        assert_eq!(p("/a?"), (some("/a"), some("")));
        assert_eq!(p("http://h:80/p?q"), (some("/p"), some("q")));
        assert_eq!(p("https://user@h"), (None, None));
        assert_eq!(p("*"), (None, None));
        assert_eq!(p("h:443"), (None, None));
        let conn = req(b"CONNECT h:443 HTTP/1.1\r\n\r\n");
        assert_eq!(conn.path(), None);
    }

    #[test]
    fn connect_request_is_a_tunnel_and_get_without_length_is_empty() {
        assert_eq!(
            req(b"CONNECT a:443 HTTP/1.1\r\n\r\n").body_length(),
            BodyLength::Tunnel
        );
        assert_eq!(
            req(b"GET / HTTP/1.1\r\n\r\n").body_length(),
            BodyLength::Empty
        );
    }

    #[test]
    fn response_framing_depends_on_method_and_status() {
        let r = |raw: &[u8]| match parse_response(raw, &Limits::default()) {
            Status::Complete(h, _) => h,
            other => panic!("{other:?}"),
        };
        let ok = r(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
        assert_eq!(ok.response_length(b"GET"), BodyLength::ContentLength(4));
        assert_eq!(ok.response_length(b"HEAD"), BodyLength::Empty);
        assert_eq!(ok.response_length(b"CONNECT"), BodyLength::Tunnel);
        assert_eq!(
            r(b"HTTP/1.1 304 NM\r\n\r\n").body_length(),
            BodyLength::Empty
        );
        assert_eq!(
            r(b"HTTP/1.0 200 OK\r\n\r\n").body_length(),
            BodyLength::CloseDelimited
        );
        assert_eq!(
            r(b"HTTP/1.1 101 SP\r\n\r\n").body_length(),
            BodyLength::Tunnel
        );
    }

    #[test]
    fn edits_keep_order_and_read_back() {
        let mut h =
            req(b"GET /a HTTP/1.1\r\nHost: a\r\nCookie: x=1\r\nX: 1\r\nCookie: y=2\r\n\r\n");
        h.set_method(b"POST");
        h.set_target(b"/b?q");
        h.append(b"X-Add", b"v");
        h.set("x", b"2");
        h.set_values("cookie", [&b"z=3"[..]]);
        assert_eq!(h.method(), b"POST");
        assert_eq!(h.target(), b"/b?q");
        let all: Vec<_> = h.headers().collect();
        assert_eq!(
            all,
            vec![
                (&b"Host"[..], &b"a"[..]),
                (&b"Cookie"[..], &b"z=3"[..]),
                (&b"X-Add"[..], &b"v"[..]),
                (&b"x"[..], &b"2"[..]),
            ]
        );
        assert_eq!(h.remove("HOST"), 1);
        h.set_values("cookie", std::iter::empty());
        assert!(!h.contains("cookie"));
        h.retain(|n, _| n != b"x");
        assert_eq!(h.len(), 1);
    }
}
