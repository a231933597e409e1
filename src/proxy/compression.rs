//! HTTP compression as a response filter (configuration.txt 4.2 "compression", 9.1 "HTTP
//! compression filter"): HAProxy 2.6's `src/flt_http_comp.c` and `src/compression.c`, pure.
//! The stream pipeline calls, in order:
//!
//! 1. [`request_edits`] on the request head, once the backend is known: picks the algorithm
//!    from `Accept-Encoding` ([`choose`] alone does not edit) and, for `compression offload`,
//!    removes `Accept-Encoding` (`select_compression_request_header`);
//! 2. [`response_allows`] on the response head (`select_compression_response_header`), then
//!    [`edit_response`] (`set_compression_response_header`) when it says yes;
//! 3. an [`Encoder`] over the response body: [`Encoder::push`] for each piece of payload,
//!    [`Encoder::finish`] at its end; the output is then chunk-encoded
//!    (`http::body::encode_chunk`), since [`edit_response`] made the body chunked.
//!
//! DEFLATE itself is flate2's (HAProxy 2.6 uses libslz or zlib); only the 10-byte gzip
//! header and 8-byte trailer are written here. Like HAProxy each [`Encoder::push`] ends with
//! a sync flush, so every piece of payload reaches the client at once.
//!
//! Not modelled: `maxcomprate` and `maxcompcpuusage` (2.6 skips compression or lowers the
//! level under load; both are kept without effect), and the second filter instance 2.6 runs
//! when both the frontend and the backend have `compression` (it can only ever add an
//! `identity` pass after an offload, which this module does not reproduce).
//!
//! No sockets, no tokio; imports `config::model`, `http` and flate2.

use bytes::BytesMut;
use flate2::{Compress, Crc, FlushCompress, Status};

use crate::config::model::{CompAlgo, Compression};
use crate::http::Head;

/// `tune.comp.maxlevel`'s default: the zlib level compression runs at (libslz, in the
/// Debian build, only knows 0 and 1).
pub const DEFAULT_MAXLEVEL: u32 = 1;

/// The algorithms in the order 2.6 searches them: the backend's when it has any, else the
/// frontend's, last configured first (`comp_append_algo` pushes at the head of the list).
fn algos<'a>(
    fe: Option<&'a Compression>,
    be: Option<&'a Compression>,
) -> impl Iterator<Item = CompAlgo> + 'a {
    let own = |c: Option<&'a Compression>| c.filter(|c| !c.algos.is_empty());
    own(be)
        .or_else(|| own(fe))
        .into_iter()
        .flat_map(|c| c.algos.iter().rev().copied())
}

/// The `compression type` list that applies: the backend's when it has one, else the
/// frontend's.
fn types<'a>(fe: Option<&'a Compression>, be: Option<&'a Compression>) -> Option<&'a [String]> {
    let own = |c: Option<&'a Compression>| c.filter(|c| !c.types.is_empty());
    own(be).or_else(|| own(fe)).map(|c| c.types.as_slice())
}

/// The algorithm for this request, or None: `select_compression_request_header`.
///
/// - Nothing when neither proxy has `compression` settings, or for a `Mozilla/4` user agent
///   other than MSIE 6 SP2 (`SV1`) and later.
/// - Each `Accept-Encoding` value is a token and an optional `q=` (`http_parse_qvalue`,
///   thousandths, 1.000 when absent or unreadable); a value whose q is not above the best
///   so far is skipped (so `q=0` never wins and ties go to the first); `*` takes the first
///   algorithm searched, otherwise the token must name one (case-insensitively).
/// - Without a match, `identity` when it is among the algorithms, else nothing.
pub fn choose(fe: Option<&Compression>, be: Option<&Compression>, req: &Head) -> Option<CompAlgo> {
    select(fe, be, req).map(|(algo, _)| algo)
}

/// [`choose`], then `compression offload` (the backend's or the frontend's): when an
/// algorithm was matched in `Accept-Encoding` (not the implicit `identity`), every
/// `Accept-Encoding` header is removed so the server sends an uncompressed response.
pub fn request_edits(
    fe: Option<&Compression>,
    be: Option<&Compression>,
    req: &mut Head,
) -> Option<CompAlgo> {
    let (algo, matched) = select(fe, be, req)?;
    let offload = [fe, be].into_iter().flatten().any(|c| c.offload);
    if matched && offload {
        req.remove("accept-encoding");
    }
    Some(algo)
}

/// The choice and whether it came from `Accept-Encoding` (false: implicit `identity`).
fn select(
    fe: Option<&Compression>,
    be: Option<&Compression>,
    req: &Head,
) -> Option<(CompAlgo, bool)> {
    if fe.is_none() && be.is_none() {
        return None;
    }
    if req.get("user-agent").is_some_and(old_mozilla) {
        return None;
    }
    let mut best: Option<(CompAlgo, u32)> = None;
    for v in req.get_all("accept-encoding").flat_map(split_values) {
        let toklen = v.iter().take_while(|&&c| is_token(c)).count();
        let q = qvalue(v.get(toklen..).unwrap_or(&[]));
        if q <= best.map_or(0, |(_, q)| q) {
            continue;
        }
        let token = v.get(..toklen).unwrap_or(&[]);
        let star = v.first() == Some(&b'*');
        if let Some(a) = algos(fe, be).find(|a| star || word_match(token, a.token())) {
            best = Some((a, q));
        }
    }
    if let Some((algo, _)) = best {
        return Some((algo, true));
    }
    algos(fe, be)
        .find(|&a| a == CompAlgo::Identity)
        .map(|a| (a, false))
}

/// Whether the response may be compressed: `select_compression_response_header`, after an
/// algorithm was chosen for the request. All of these must hold:
///
/// - both the request and the response are HTTP/1.1 or above, and the method is not `HEAD`;
/// - the status is 200, 201, 202 or 203;
/// - the body has a known, non-zero length (`Content-Length` above 0, or chunked): neither
///   a body-less response nor one delimited by the connection close;
/// - no `Content-Encoding` header (even empty), no `Cache-Control` value `no-transform`;
/// - at most one `ETag`, and a well-formed one (`"..."` or `W/"..."`);
/// - a `Content-Type` not starting with `multipart`, and starting (case-insensitively) with
///   one of the `compression type` prefixes (the backend's, else the frontend's) when there
///   are some; without a `Content-Type` only when there are none.
pub fn response_allows(
    fe: Option<&Compression>,
    be: Option<&Compression>,
    req: &Head,
    res: &Head,
) -> bool {
    use crate::http::BodyLength;
    if !req.flags().ver_11 || !res.flags().ver_11 || req.method() == b"HEAD" {
        return false;
    }
    if !(200..=203).contains(&res.status()) {
        return false;
    }
    if !matches!(
        res.response_length(req.method()),
        BodyLength::ContentLength(_) | BodyLength::Chunked
    ) {
        return false;
    }
    if res.contains("content-encoding") {
        return false;
    }
    let no_transform = res
        .get_all("cache-control")
        .flat_map(split_values)
        .any(|v| word_match(v, "no-transform"));
    if no_transform {
        return false;
    }
    let mut etags = res.get_all("etag");
    if etags.next().is_some_and(|e| etag_type(e).is_none()) || etags.next().is_some() {
        return false;
    }
    let wanted = types(fe, be);
    match res.get("content-type") {
        Some(ct) => {
            if starts_with_ignore_case(ct, "multipart") {
                return false;
            }
            wanted.is_none_or(|t| t.iter().any(|t| starts_with_ignore_case(ct, t)))
        }
        None => wanted.is_none(),
    }
}

/// The header edits of a compressed response: `set_compression_response_header`.
///
/// - `Content-Encoding: <token>` appended, except for `identity`;
/// - every `Content-Length` removed and, unless the body already was chunked,
///   `Transfer-Encoding: chunked` appended: the head's framing flags now say chunked;
/// - a strong `ETag` (`"..."`) becomes weak (`W/"..."`);
/// - `Vary: Accept-Encoding` appended, always (also for `identity`, and even when the
///   response already has a `Vary`).
pub fn edit_response(res: &mut Head, algo: CompAlgo) {
    if algo != CompAlgo::Identity {
        res.append(b"Content-Encoding", algo.token().as_bytes());
    }
    if res.flags.clen {
        res.remove("content-length");
        res.flags.clen = false;
        res.body_len = 0;
    }
    if !res.flags.chunked {
        res.append(b"Transfer-Encoding", b"chunked");
        res.flags.xfer_enc = true;
        res.flags.te_chunked = true;
        res.flags.chunked = true;
    }
    if let Some(etag) = res.get("etag").filter(|e| e.first() == Some(&b'"')) {
        let mut weak = b"W/".to_vec();
        weak.extend_from_slice(etag);
        res.set_values("etag", [weak.as_slice()]);
    }
    res.append(b"Vary", b"Accept-Encoding");
}

/// A DEFLATE stream failed (flate2 refused its input or output); the stream must abort, as
/// HAProxy's filter returns an error.
#[derive(Debug, thiserror::Error)]
#[error("compression failed: {0}")]
pub struct EncodeError(String);

/// The body encoder of one response (HAProxy's `comp_ctx`).
pub struct Encoder {
    algo: CompAlgo,
    /// None for `identity`.
    deflate: Option<Compress>,
    /// gzip only: the CRC-32 and length of the input, and whether the header is out.
    gzip: Option<(Crc, bool)>,
    level: u32,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("algo", &self.algo)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// An encoder at the default `tune.comp.maxlevel` ([`DEFAULT_MAXLEVEL`]).
    pub fn new(algo: CompAlgo) -> Self {
        Self::with_level(algo, DEFAULT_MAXLEVEL)
    }

    /// An encoder at `level` (`tune.comp.maxlevel`, 1 to 9; larger values act as 9).
    pub fn with_level(algo: CompAlgo, level: u32) -> Self {
        let level = level.min(9);
        let z = |zlib_header| Compress::new(flate2::Compression::new(level), zlib_header);
        let (deflate, gzip) = match algo {
            CompAlgo::Identity => (None, None),
            CompAlgo::Deflate => (Some(z(true)), None),
            CompAlgo::RawDeflate => (Some(z(false)), None),
            CompAlgo::Gzip => (Some(z(false)), Some((Crc::new(), false))),
        };
        Encoder {
            algo,
            deflate,
            gzip,
            level,
        }
    }

    /// The algorithm.
    pub fn algo(&self) -> CompAlgo {
        self.algo
    }

    /// Compresses `data` and flushes (zlib's `Z_SYNC_FLUSH`, as 2.6 does after each block of
    /// payload), appending the bytes to send to `out`.
    pub fn push(&mut self, data: &[u8], out: &mut BytesMut) -> Result<(), EncodeError> {
        let Some(z) = self.deflate.as_mut() else {
            out.extend_from_slice(data);
            return Ok(());
        };
        if let Some((crc, header)) = self.gzip.as_mut() {
            if !*header {
                out.extend_from_slice(&gzip_header(self.level));
                *header = true;
            }
            crc.update(data);
        }
        run(z, data, FlushCompress::Sync, out)
    }

    /// Ends the stream (zlib's `Z_FINISH`), appending the last bytes (and the gzip trailer)
    /// to `out`.
    pub fn finish(mut self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let Some(z) = self.deflate.as_mut() else {
            return Ok(());
        };
        if let Some((_, header)) = self.gzip.as_mut() {
            if !*header {
                out.extend_from_slice(&gzip_header(self.level));
                *header = true;
            }
        }
        run(z, &[], FlushCompress::Finish, out)?;
        if let Some((crc, _)) = &self.gzip {
            out.extend_from_slice(&crc.sum().to_le_bytes());
            out.extend_from_slice(&crc.amount().to_le_bytes());
        }
        Ok(())
    }
}

/// RFC 1952's member header: magic, CM=8 (deflate), no flags, no mtime, XFL (2: best
/// compression, 4: fastest), OS=3 (Unix), as zlib and libslz write it.
fn gzip_header(level: u32) -> [u8; 10] {
    let xfl = match level {
        9 => 2,
        0 | 1 => 4,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]
}

/// Feeds `input` through `z` with `flush` until all of it is taken and the flush is done.
fn run(
    z: &mut Compress,
    mut input: &[u8],
    flush: FlushCompress,
    out: &mut BytesMut,
) -> Result<(), EncodeError> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let (in0, out0) = (z.total_in(), z.total_out());
        let status = z
            .compress(input, &mut buf, flush)
            .map_err(|e| EncodeError(e.to_string()))?;
        let took = usize::try_from(z.total_in() - in0).unwrap_or(usize::MAX);
        let made = usize::try_from(z.total_out() - out0).unwrap_or(usize::MAX);
        out.extend_from_slice(buf.get(..made).unwrap_or(&buf));
        input = input.get(took..).unwrap_or(&[]);
        let finishing = matches!(flush, FlushCompress::Finish);
        if status == Status::StreamEnd {
            return Ok(());
        }
        if input.is_empty() && made < buf.len() && !finishing {
            return Ok(());
        }
        if made == 0 && took == 0 {
            return Err(EncodeError("the deflate stream made no progress".into()));
        }
    }
}

/// The comma-separated values of a header value (commas inside quotes do not count), each
/// trimmed of blanks, as `http_find_header(..., full=0)` walks them.
fn split_values(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(v);
    std::iter::from_fn(move || {
        let v = rest?;
        let end = value_end(v);
        rest = v.get(end + 1..).filter(|_| end < v.len());
        Some(trim_lws(v.get(..end).unwrap_or(v)))
    })
}

/// `http_find_hdr_value_end`: the first comma outside a quoted string, or the end.
fn value_end(v: &[u8]) -> usize {
    let (mut quoted, mut escaped) = (false, false);
    for (i, &c) in v.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted {
            match c {
                b'\\' => escaped = true,
                b'"' => quoted = false,
                _ => {}
            }
        } else if c == b'"' {
            quoted = true;
        } else if c == b',' {
            return i;
        }
    }
    v.len()
}

fn is_lws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim_lws(v: &[u8]) -> &[u8] {
    let lead = v.iter().take_while(|&&c| is_lws(c)).count();
    let v = v.get(lead..).unwrap_or(&[]);
    let trail = v.iter().rev().take_while(|&&c| is_lws(c)).count();
    v.get(..v.len() - trail).unwrap_or(&[])
}

/// RFC 7230's `tchar` (`HTTP_IS_TOKEN`).
fn is_token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// The q-value after a token: the first `;`-separated parameter that starts with `q=`
/// (compared over at most what is left, as 2.6's `strncmp` does), read by
/// [`parse_qvalue`]; 1000 without one.
fn qvalue(mut rest: &[u8]) -> u32 {
    loop {
        rest = rest
            .get(rest.iter().take_while(|&&c| is_lws(c)).count()..)
            .unwrap_or(&[]);
        let Some(after) = rest.strip_prefix(b";") else {
            return 1000;
        };
        rest = after
            .get(after.iter().take_while(|&&c| is_lws(c)).count()..)
            .unwrap_or(&[]);
        if rest.is_empty() {
            return 1000;
        }
        let n = rest.len().min(2);
        if rest.get(..n) == b"q=".get(..n) {
            return parse_qvalue(rest.get(2..).unwrap_or(&[]));
        }
        rest = rest
            .get(rest.iter().take_while(|&&c| c != b';').count()..)
            .unwrap_or(&[]);
    }
}

/// `http_parse_qvalue`: `D[.DDD]` in thousandths, at most 1000; 1000 when it does not start
/// with a digit, and the digits read so far when it stops early (`0` is 0, `0.5` is 500).
fn parse_qvalue(v: &[u8]) -> u32 {
    let digit = |i: usize| {
        v.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let Some(units) = digit(0) else {
        return 1000;
    };
    let mut q = units * 1000;
    if v.get(1) == Some(&b'.') {
        for (i, scale) in [(2, 100), (3, 10), (4, 1)] {
            match digit(i) {
                Some(d) => q += d * scale,
                None => break,
            }
        }
    }
    q.min(1000)
}

/// 2.6's `word_match`: `word` at the start of `sample`, letters compared loosely (bytes may
/// differ by the ASCII case bit only), then nothing but blanks.
fn word_match(sample: &[u8], word: &str) -> bool {
    let word = word.as_bytes();
    if sample.len() < word.len() {
        return false;
    }
    let (head, tail) = sample.split_at(word.len());
    head.iter()
        .zip(word)
        .all(|(a, b)| matches!(a ^ b, 0 | 0x20))
        && tail.iter().all(|&c| c == b' ' || c == b'\t')
}

fn starts_with_ignore_case(v: &[u8], prefix: &str) -> bool {
    v.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `http_get_etag_type`: Some(true) for a strong `"..."`, Some(false) for a weak `W/"..."`,
/// None when malformed.
fn etag_type(e: &[u8]) -> Option<bool> {
    if e.len() < 2 || e.last() != Some(&b'"') {
        return None;
    }
    if e.first() == Some(&b'"') {
        Some(true)
    } else if e.starts_with(b"W/\"") {
        Some(false)
    } else {
        None
    }
}

/// The user agents 2.6 never compresses for: `Mozilla/4...` unless MSIE 6 with XP SP2
/// (`SV1` at offset 51) or MSIE 7 and later (the version digit at offset 30).
fn old_mozilla(ua: &[u8]) -> bool {
    if !ua.starts_with(b"Mozilla/4") {
        return false;
    }
    let msie = ua.len() >= 31 && ua.get(25..30) == Some(b"MSIE ".as_slice());
    let major = ua.get(30).copied().unwrap_or(0);
    let sv1 = ua.len() >= 54 && ua.get(51..54) == Some(b"SV1".as_slice());
    !msie || major < b'6' || (major == b'6' && !sv1)
}

#[cfg(test)]
#[path = "compression_tests.rs"]
mod tests;
