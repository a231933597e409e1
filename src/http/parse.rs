//! The HTTP/1 head parser: bytes in, [`Status`] out (`Incomplete`, `Complete(head, consumed)` or
//! `Error(kind)`), with HAProxy 2.6's accept/refuse decisions. It mirrors
//! `h1_headers_to_hdr_list`, `h1_parse_cont_len_header`, `h1_parse_xfer_enc_header`,
//! `h1_parse_connection_header` and `h1_parse_upgrade_header` (`src/h1.c`), the version checks
//! `h1_process_req_vsn`/`h1_process_res_vsn` (`src/h1_htx.c`) and the checks of
//! `h1_handle_headers` (`src/mux_h1.c`). Decisions were checked against the installed
//! `haproxy` 2.6.12 (Debian, with the 2023 security backports: `#` in the URI, empty header
//! names and empty `Content-Length` are refused).
//!
//! Each call parses from the start of the slice (HAProxy also re-parses an incomplete head);
//! the head is capped by [`Limits::max_head`] so this stays bounded. The head's bytes are copied
//! once into the [`Head`]'s own buffer, where obs-folds are replaced by spaces.
//!
//! Pure: no sockets, no tokio.

use bytes::BytesMut;
use thiserror::Error;

use super::head::{Field, Flags, Head, Span, StartLine};

/// Parser limits (HAProxy's tunables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `tune.http.maxhdr` (default 101): the header slots, one of which the end-of-headers
    /// marker takes, so at most 100 header fields.
    pub max_headers: usize,
    /// The room for the parsed head, `tune.bufsize` minus `tune.maxrewrite` (16384 - 1024):
    /// HAProxy converts the head to HTX there, where it takes [`HTX_HEAD_OVERHEAD`] bytes plus
    /// the start line's words plus, per field, its name, its value and [`HTX_FIELD_OVERHEAD`].
    /// On 2.6.12 a request head with no header passes at 15281 bytes and is refused (400) at
    /// 15282; each `Xn: y` header lowers that by 4.
    pub max_head: usize,
    /// The largest raw head, blanks and folds included: `tune.bufsize` minus 64 (the H1
    /// demux's input buffer; measured on 2.6.12 with 16384 and 4096). A head still
    /// incomplete at this size is refused.
    pub max_raw: usize,
    /// `option accept-invalid-http-request` (requests) or `accept-invalid-http-response`
    /// (responses): HAProxy's `err_pos = -1` mode, where the parser lets through non-token
    /// bytes in header names (not `:` nor LF), non-ASCII bytes and `#` in the request target,
    /// a `Host` that disagrees with the target's authority, any version string made of
    /// version characters, and HTTP/0.9 `GET` requests (taken as HTTP/1.0 without headers).
    pub accept_invalid: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_headers: 101,
            max_head: 16384 - 1024,
            max_raw: 16384 - 64,
            accept_invalid: false,
        }
    }
}

/// What an HTX message head costs besides its words (the message and start-line blocks and the
/// end-of-headers block), as measured on 2.6.12: the `max_head` budget minus 85 is left for
/// the start line's words and the fields.
pub const HTX_HEAD_OVERHEAD: usize = 85;
/// What one header field costs in HTX besides its name and value (its block).
pub const HTX_FIELD_OVERHEAD: usize = 8;

/// Which side a message came from: decides the status an error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A request from a client.
    Request,
    /// A response from a server.
    Response,
}

/// Why a head was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// A byte that cannot appear where it was found in the start line.
    #[error("invalid start line at byte {pos}")]
    StartLine {
        /// Offset in the input.
        pos: usize,
    },
    /// A `#` fragment in the request target.
    #[error("fragment in request target at byte {pos}")]
    Fragment {
        /// Offset in the input.
        pos: usize,
    },
    /// Missing or malformed version (HTTP/0.9 requests included).
    #[error("invalid HTTP version")]
    Version,
    /// A CR not followed by LF.
    #[error("CR without LF at byte {pos}")]
    LineEnding {
        /// Offset in the input.
        pos: usize,
    },
    /// A byte that is not a token character in a header name, or an empty name.
    #[error("invalid header name at byte {pos}")]
    HeaderName {
        /// Offset in the input.
        pos: usize,
    },
    /// Empty, non-numeric, overflowing or disagreeing `Content-Length` values.
    #[error("invalid Content-Length")]
    ContentLength,
    /// `chunked` applied twice, or not last in a request, or absent from a request's codings.
    #[error("invalid Transfer-Encoding")]
    TransferEncoding,
    /// A transfer coding other than `chunked` (HAProxy answers 422 to requests).
    #[error("unsupported transfer coding")]
    UnknownCoding,
    /// Two `Host` headers with different values, or a `Host` that disagrees with the
    /// authority of an absolute URI.
    #[error("conflicting Host")]
    Host,
    /// More fields than `tune.http.maxhdr` allows.
    #[error("too many headers")]
    TooManyHeaders,
    /// The head does not fit in the buffer.
    #[error("head too large")]
    TooLarge,
    /// An HTTP/1.0 GET, HEAD or DELETE with a body (HAProxy answers 413).
    #[error("HTTP/1.0 GET/HEAD/DELETE with a payload")]
    PayloadForbidden,
}

impl ParseError {
    /// The status HAProxy answers: 400 (or 413, 422) for a request, 502 for a response.
    pub fn status(&self, side: Side) -> u16 {
        match (side, self) {
            (Side::Response, _) => 502,
            (Side::Request, ParseError::PayloadForbidden) => 413,
            (Side::Request, ParseError::UnknownCoding) => 422,
            (Side::Request, _) => 400,
        }
    }
}

/// The outcome of one parse attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// More bytes are needed.
    Incomplete,
    /// A full head, and how many input bytes it used (the body starts there).
    Complete(Head, usize),
    /// The head is refused.
    Error(ParseError),
}

/// Parses a request head (`H1_MSG_RQBEFORE` start state).
pub fn parse_request(input: &[u8], limits: &Limits) -> Status {
    parse(input, limits, Side::Request)
}

/// Parses a response head (`H1_MSG_RPBEFORE` start state).
pub fn parse_response(input: &[u8], limits: &Limits) -> Status {
    parse(input, limits, Side::Response)
}

fn parse(input: &[u8], limits: &Limits, side: Side) -> Status {
    let capped = input.get(..limits.max_raw).unwrap_or(input);
    match scan(capped, limits, side) {
        Ok(raw) => match build(capped, raw, limits, side) {
            Ok((head, _)) if htx_size(&head) > limits.max_head => {
                Status::Error(ParseError::TooLarge)
            }
            Ok((head, used)) => Status::Complete(head, used),
            Err(e) => Status::Error(e),
        },
        Err(Stop::More) if input.len() >= limits.max_raw => Status::Error(ParseError::TooLarge),
        Err(Stop::More) => Status::Incomplete,
        Err(Stop::Bad(e)) => Status::Error(e),
    }
}

/// The room `head` takes once converted to HTX (`h1_eval_htx_size` plus the blocks).
fn htx_size(head: &Head) -> usize {
    let words = match head.start {
        StartLine::Request {
            method,
            target,
            version,
        } => [method, target, version],
        StartLine::Response {
            version, reason, ..
        } => [version, Span::new(0, 3), reason],
    };
    let line: usize = words
        .iter()
        .map(|s| s.end.saturating_sub(s.start) as usize)
        .sum();
    let fields: usize = head
        .fields
        .iter()
        .map(|f| {
            (f.name.end.saturating_sub(f.name.start) + f.value.end.saturating_sub(f.value.start))
                as usize
                + HTX_FIELD_OVERHEAD
        })
        .sum();
    HTX_HEAD_OVERHEAD + line + fields
}

enum Stop {
    More,
    Bad(ParseError),
}

type R<T> = Result<T, Stop>;

/// `HTTP_IS_TOKEN`: RFC 7230 tchar, one table lookup per byte (as HAProxy's
/// `http_char_classes`).
fn is_token(c: u8) -> bool {
    TOKEN[c as usize]
}

const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        c += 1;
    }
    t
};

/// `HTTP_IS_VER_TOKEN`: digits, upper-case letters, `/` and `.` (`http_char_classes`).
fn is_ver_token(c: u8) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || matches!(c, b'/' | b'.')
}

fn is_spht(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn is_crlf(c: u8) -> bool {
    c == b'\r' || c == b'\n'
}

/// `HTTP_IS_LWS`: SP, HT, CR, LF.
fn is_lws(c: u8) -> bool {
    is_spht(c) || is_crlf(c)
}

/// What the scan found, as offsets into the input.
struct Raw {
    skip: usize,
    start: StartLine,
    fields: Vec<(Span, Span)>,
    folds: Vec<(usize, usize)>,
    end: usize,
}

struct Cur<'a> {
    b: &'a [u8],
    p: usize,
}

impl Cur<'_> {
    fn peek(&self) -> R<u8> {
        self.b.get(self.p).copied().ok_or(Stop::More)
    }
    fn skip_spht(&mut self) -> R<()> {
        while is_spht(self.peek()?) {
            self.p += 1;
        }
        Ok(())
    }
    /// Eats CRLF or a bare LF (`EXPECT_LF_HERE`: a CR must be followed by LF).
    fn eol(&mut self) -> R<()> {
        if self.peek()? == b'\r' {
            self.p += 1;
            if self.peek()? != b'\n' {
                return Err(Stop::Bad(ParseError::LineEnding { pos: self.p }));
            }
        }
        self.p += 1;
        Ok(())
    }
    fn bad_sl(&self) -> Stop {
        Stop::Bad(ParseError::StartLine { pos: self.p })
    }
}

/// `h1_headers_to_hdr_list`, the syntax pass.
fn scan(b: &[u8], limits: &Limits, side: Side) -> R<Raw> {
    let mut c = Cur { b, p: 0 };
    // H1_MSG_RQBEFORE / RPBEFORE: leading empty lines are skipped.
    loop {
        let ch = c.peek()?;
        if is_token(ch) {
            break;
        }
        if !is_crlf(ch) {
            return Err(c.bad_sl());
        }
        c.eol()?;
    }
    let skip = c.p;
    let start = match side {
        Side::Request => request_line(&mut c, limits.accept_invalid)?,
        Side::Response => status_line(&mut c)?,
    };
    let mut fields = Vec::new();
    let mut folds = Vec::new();
    if let StartLine::Request { version, .. } = start {
        if version.start == version.end {
            // HTTP/0.9 (only reached under accept-invalid): the request ends with its line.
            return Ok(Raw {
                skip,
                start,
                fields,
                folds,
                end: c.p,
            });
        }
    }
    // Under accept-invalid, any byte but `:` and LF is taken into a name (err_pos = -1).
    let name_byte = |ch: u8| is_token(ch) || (limits.accept_invalid && ch != b':' && ch != b'\n');
    loop {
        let line = c.p;
        if is_crlf(c.peek()?) {
            c.eol()?;
            break;
        }
        while name_byte(c.peek()?) {
            c.p += 1;
        }
        if c.peek()? != b':' || c.p == line {
            return Err(Stop::Bad(ParseError::HeaderName { pos: c.p }));
        }
        let name = Span::new(line - skip, c.p - skip);
        c.p += 1;
        c.skip_spht()?;
        let sov = c.p;
        let eol = loop {
            let ch = c.peek()?;
            if !is_crlf(ch) {
                c.p += 1;
                continue;
            }
            let eol = c.p;
            c.eol()?;
            // obs-fold (H1_MSG_HDR_L2_LWS): CR LF then SP/HT continues the value.
            if is_spht(c.peek()?) {
                folds.push((eol - skip, c.p - skip));
                continue;
            }
            break eol;
        };
        fields.push((name, Span::new(sov - skip, eol - skip)));
        if fields.len() > limits.max_headers {
            return Err(Stop::Bad(ParseError::TooManyHeaders));
        }
    }
    Ok(Raw {
        skip,
        start,
        fields,
        folds,
        end: c.p,
    })
}

/// H1_MSG_RQMETH .. H1_MSG_RQLINE_END. Offsets are made relative to `skip` by the caller.
/// `relaxed` is accept-invalid-http-request; an HTTP/0.9 line then gets an empty version.
fn request_line(c: &mut Cur, relaxed: bool) -> R<StartLine> {
    let m0 = c.p;
    while is_token(c.peek()?) {
        c.p += 1;
    }
    let m1 = c.p;
    let ch = c.peek()?;
    if is_crlf(ch) {
        // HTTP/0.9 request: refused without accept-invalid-http-request (h1_process_req_vsn).
        return Err(Stop::Bad(ParseError::Version));
    }
    if !is_spht(ch) {
        return Err(c.bad_sl());
    }
    // Several SP/HT between words are accepted (H1_MSG_RQMETH_SP).
    c.skip_spht()?;
    let u0 = c.p;
    loop {
        let ch = c.peek()?;
        if (33..=126).contains(&ch) || (relaxed && ch >= 128) {
            if ch == b'#' && !relaxed {
                return Err(Stop::Bad(ParseError::Fragment { pos: c.p }));
            }
            c.p += 1;
        } else if is_spht(ch) {
            break;
        } else if is_crlf(ch) && relaxed && c.p > u0 {
            return http09(c, m0, m1, u0, c.p);
        } else if is_crlf(ch) {
            return Err(Stop::Bad(ParseError::Version));
        } else {
            // controls, DEL and non-ASCII (unless accept-invalid-http-request).
            return Err(c.bad_sl());
        }
    }
    let u1 = c.p;
    c.skip_spht()?;
    let v0 = c.p;
    while is_ver_token(c.peek()?) {
        c.p += 1;
    }
    let v1 = c.p;
    if v0 == v1 && relaxed && is_crlf(c.peek()?) {
        return http09(c, m0, m1, u0, u1);
    }
    if v0 == v1 {
        return Err(Stop::Bad(ParseError::Version));
    }
    if !is_crlf(c.peek()?) {
        return Err(c.bad_sl());
    }
    c.eol()?;
    Ok(StartLine::Request {
        method: Span::new(m0, m1),
        target: Span::new(u0, u1),
        version: Span::new(v0, v1),
    })
}

/// An HTTP/0.9 request line (`h1_process_req_vsn` under accept-invalid-http-request): only a
/// `GET` with a target passes; its version is left empty, and the head ends with the line.
fn http09(c: &mut Cur, m0: usize, m1: usize, u0: usize, u1: usize) -> R<StartLine> {
    if c.b.get(m0..m1) != Some(b"GET".as_slice()) {
        return Err(Stop::Bad(ParseError::Version));
    }
    c.eol()?;
    Ok(StartLine::Request {
        method: Span::new(m0, m1),
        target: Span::new(u0, u1),
        version: Span::new(c.p, c.p),
    })
}

/// H1_MSG_RPVER .. H1_MSG_RPLINE_END.
fn status_line(c: &mut Cur) -> R<StartLine> {
    let v0 = c.p;
    while is_ver_token(c.peek()?) {
        c.p += 1;
    }
    let v1 = c.p;
    if !is_spht(c.peek()?) {
        return Err(c.bad_sl());
    }
    c.skip_spht()?;
    let mut status: u16 = 0;
    let mut digits = 0;
    loop {
        let ch = c.peek()?;
        if ch.is_ascii_digit() {
            status = status
                .saturating_mul(10)
                .saturating_add(u16::from(ch - b'0'));
            digits += 1;
            c.p += 1;
        } else if is_lws(ch) && digits > 0 {
            break;
        } else {
            return Err(c.bad_sl());
        }
    }
    c.skip_spht()?;
    let r0 = c.p;
    while !is_crlf(c.peek()?) {
        c.p += 1;
    }
    let r1 = c.p;
    c.eol()?;
    Ok(StartLine::Response {
        version: Span::new(v0, v1),
        status,
        reason: Span::new(r0, r1),
    })
}

fn shift(s: Span, by: usize) -> Span {
    Span::new(
        (s.start as usize).saturating_sub(by),
        (s.end as usize).saturating_sub(by),
    )
}

/// The semantic pass: copies the head, unfolds, trims, and applies HAProxy's header checks.
fn build(input: &[u8], raw: Raw, limits: &Limits, side: Side) -> Result<(Head, usize), ParseError> {
    let mut buf = BytesMut::from(input.get(raw.skip..raw.end).unwrap_or(&[]));
    // obs-fold: HT, CR and LF of the fold become spaces (H1_MSG_HDR_L2_LWS).
    for &(a, b) in &raw.folds {
        if let Some(bytes) = buf.get_mut(a..b) {
            bytes.fill(b' ');
        }
    }
    let buf = buf.freeze();
    let start = match raw.start {
        StartLine::Request {
            method,
            target,
            version,
        } => StartLine::Request {
            method: shift(method, raw.skip),
            target: shift(target, raw.skip),
            version: shift(version, raw.skip),
        },
        StartLine::Response {
            version,
            status,
            reason,
        } => StartLine::Response {
            version: shift(version, raw.skip),
            status,
            reason: shift(reason, raw.skip),
        },
    };
    let mut head = Head {
        buf,
        extra: BytesMut::new(),
        start,
        fields: Vec::with_capacity(raw.fields.len()),
        flags: Flags::default(),
        body_len: 0,
    };
    let mut host: Option<Span> = None;
    let b = head.buf.clone();
    let at = |s: Span| b.get(s.start as usize..s.end as usize).unwrap_or(&[]);
    for (name, value) in raw.fields {
        // http_output_full: one slot per stored field, checked before each.
        if head.fields.len() >= limits.max_headers {
            return Err(ParseError::TooManyHeaders);
        }
        let value = trim(&head, value);
        let n = at(name);
        let mut field = Field { name, value };
        if n.eq_ignore_ascii_case(b"transfer-encoding") {
            xfer_enc(&mut head.flags, at(value), side)?;
        } else if n.eq_ignore_ascii_case(b"content-length") {
            match cont_len(&mut head.flags, &mut head.body_len, at(value), value)? {
                Some(word) => field.value = word,
                None => continue,
            }
        } else if n.eq_ignore_ascii_case(b"connection") {
            connection(&mut head.flags, at(value));
        } else if n.eq_ignore_ascii_case(b"upgrade") {
            head.flags.upgrade_websocket =
                words(at(value)).any(|w| w.eq_ignore_ascii_case(b"websocket"));
        } else if side == Side::Request && n.eq_ignore_ascii_case(b"host") {
            match host {
                None => {
                    let auth = authority(head.target());
                    if !auth.is_empty()
                        && !limits.accept_invalid
                        && !auth.eq_ignore_ascii_case(head.slice(value))
                    {
                        return Err(ParseError::Host);
                    }
                    host = Some(value);
                }
                Some(first) => {
                    if !head.slice(first).eq_ignore_ascii_case(head.slice(value)) {
                        return Err(ParseError::Host);
                    }
                    continue; // the same host again is dropped
                }
            }
        }
        head.fields.push(field);
    }
    // The end-of-headers marker takes a slot too.
    if head.fields.len() >= limits.max_headers {
        return Err(ParseError::TooManyHeaders);
    }
    if head.version().is_empty() {
        // HTTP/0.9, converted to HTTP/1.0 (h1_process_req_vsn).
        let v = head.store(b"HTTP/1.0");
        if let StartLine::Request { version, .. } = &mut head.start {
            *version = v;
        }
    }
    let version = head.version();
    let ok_version = limits.accept_invalid
        || match side {
            Side::Request => version.len() == 8 && version.starts_with(b"HTTP/"),
            Side::Response => version.len() == 8 && version.get(4) == Some(&b'/'),
        } && version.get(5).is_some_and(u8::is_ascii_digit)
            && version.get(6) == Some(&b'.')
            && version.get(7).is_some_and(u8::is_ascii_digit);
    if !ok_version {
        return Err(ParseError::Version);
    }
    let major = version.get(5).copied().unwrap_or(b'0');
    let minor = version.get(7).copied().unwrap_or(b'0');
    head.flags.ver_11 = version.len() == 8 && (major > b'1' || (major == b'1' && minor >= b'1'));
    if head.flags.xfer_enc {
        if head.flags.clen {
            // T-E + C-L: T-E wins, C-L is removed and the connection will close.
            head.flags.conn_close = true;
            head.flags.clen = false;
            head.body_len = 0;
            let buf = head.buf.clone();
            head.fields.retain(|f| {
                !buf.get(f.name.start as usize..f.name.end as usize)
                    .unwrap_or(&[])
                    .eq_ignore_ascii_case(b"content-length")
            });
        } else if !head.flags.ver_11 {
            // T-E in HTTP/1.0: accepted, but the connection will close.
            head.flags.conn_close = true;
        }
        if !head.flags.chunked && side == Side::Request {
            return Err(ParseError::TransferEncoding);
        }
    }
    if side == Side::Request {
        let method = head.method();
        if method == b"CONNECT" {
            head.flags.clen = false;
            head.flags.chunked = false;
            head.body_len = 0;
        } else if !head.flags.ver_11
            && ((head.flags.clen && head.body_len > 0) || head.flags.chunked)
            && matches!(method, b"GET" | b"HEAD" | b"DELETE")
        {
            return Err(ParseError::PayloadForbidden);
        }
    }
    if head.flags.te_other {
        return Err(ParseError::UnknownCoding);
    }
    Ok((head, raw.end))
}

fn trim(head: &Head, v: Span) -> Span {
    let bytes = head.slice(v);
    let lead = bytes.iter().take_while(|&&c| is_lws(c)).count();
    let rest = bytes.get(lead..).unwrap_or(&[]);
    let trail = rest.iter().rev().take_while(|&&c| is_lws(c)).count();
    let start = v.start as usize + lead;
    Span::new(start, start + rest.len() - trail)
}

/// Comma-separated words with blanks trimmed (`http_find_hdr_value_end` loops).
fn words(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|&c| c == b',').filter_map(|w| {
        let lead = w.iter().take_while(|&&c| is_lws(c)).count();
        let w = w.get(lead..)?;
        let trail = w.iter().rev().take_while(|&&c| is_lws(c)).count();
        let w = w.get(..w.len() - trail)?;
        (!w.is_empty()).then_some(w)
    })
}

/// `h1_parse_xfer_enc_header`: `chunked` at most once and, in a request, last.
fn xfer_enc(flags: &mut Flags, v: &[u8], side: Side) -> Result<(), ParseError> {
    flags.xfer_enc = true;
    for w in words(v) {
        flags.chunked = false;
        if w.eq_ignore_ascii_case(b"chunked") {
            if flags.te_chunked {
                return Err(ParseError::TransferEncoding);
            }
            flags.chunked = true;
            flags.te_chunked = true;
        } else {
            if side == Side::Request && flags.te_chunked {
                return Err(ParseError::TransferEncoding);
            }
            flags.te_other = true;
        }
    }
    Ok(())
}

/// `h1_parse_cont_len_header`: digits only, a list of equal values is one value; returns the
/// cleaned word to keep for the first header, None to drop a repeated one.
fn cont_len(
    flags: &mut Flags,
    body_len: &mut u64,
    bytes: &[u8],
    v: Span,
) -> Result<Option<Span>, ParseError> {
    let not_first = flags.clen;
    let mut word = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(b',');
        if is_lws(c) || (c == b',' && word.is_some()) {
            i += 1;
            continue;
        }
        let w0 = i;
        let mut n: u64 = 0;
        while let Some(d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(ParseError::ContentLength)?;
            i += 1;
        }
        if i == w0 {
            return Err(ParseError::ContentLength);
        }
        let w1 = i;
        while let Some(&c) = bytes.get(i) {
            if c == b',' {
                break;
            }
            if !is_lws(c) {
                return Err(ParseError::ContentLength);
            }
            i += 1;
        }
        if flags.clen && n != *body_len {
            return Err(ParseError::ContentLength);
        }
        flags.clen = true;
        *body_len = n;
        word = Some(Span::new(v.start as usize + w0, v.start as usize + w1));
    }
    // An empty value is refused (2.6.12's backport of the empty Content-Length fix).
    let word = word.ok_or(ParseError::ContentLength)?;
    Ok((!not_first).then_some(word))
}

/// `h1_parse_connection_header`: flags only; the header is kept as received.
fn connection(flags: &mut Flags, v: &[u8]) {
    for w in words(v) {
        if w.eq_ignore_ascii_case(b"keep-alive") {
            flags.conn_keep_alive = true;
        } else if w.eq_ignore_ascii_case(b"close") {
            flags.conn_close = true;
        } else if w.eq_ignore_ascii_case(b"upgrade") {
            flags.conn_upgrade = true;
        }
    }
}

/// The authority of an absolute-form or authority-form target, without userinfo
/// (`http_parse_authority(parser, 1)`); empty for origin-form and `*`.
fn authority(target: &[u8]) -> &[u8] {
    match target.first() {
        None | Some(b'/') | Some(b'*') => return &[],
        _ => {}
    }
    let rest = match target.windows(3).position(|w| w == b"://") {
        Some(i) => target.get(i + 3..).unwrap_or(&[]),
        None => target,
    };
    let end = rest
        .iter()
        .position(|&c| c == b'/' || c == b'?')
        .unwrap_or(rest.len());
    let auth = rest.get(..end).unwrap_or(&[]);
    match auth.iter().rposition(|&c| c == b'@') {
        Some(at) => auth.get(at + 1..).unwrap_or(&[]),
        None => auth,
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
