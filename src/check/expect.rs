//! Evaluating a check response against `expect` rules (configuration.txt 4.2 "http-check
//! expect", "tcp-check expect"; HAProxy 2.6 tcpcheck.c `tcpcheck_eval_expect()`,
//! `tcpcheck_eval_expect_http()` and their messages), pure: bytes in, verdict out.
//!
//! HTTP: the response head is read with httparse, the body framed by `content-length`,
//! chunks or the close. Status and header rules are decided on the head; body rules wait for
//! the body (or the end of the response). A failed status or header rule reports the reason
//! phrase as its info (`"Service Unavailable"`), a body rule `HTTP content check did not
//! match`; an invalid or missing response is `L7RSP` with no info. With `disable-on-404`, a
//! 404 from a server that is not down passes the rule and ends as `L7OKC`.
//!
//! TCP: rules match the bytes received since the last `send` (`string`, `binary` anywhere,
//! `rstring` as a regex, `rbinary` against the upper-case hex dump), waiting for more data
//! while a match is still possible; failures read `TCPCHK did not match content 'X' at step
//! N`. Every message was checked against the real binary (see `probe.rs` tests).
//!
//! Must not import tokio, the proxy or the server room.

use regex_automata::meta::Regex;

use super::CheckError;
use crate::config::model::{CheckStatus, ExpectPattern, ExpectRule, HeaderMatch, Loc, MatchMethod};

/// HAProxy's default buffer size (`tune.bufsize`): a response filling it is evaluated as it is.
pub const BUFSIZE: usize = 16384;

/// An `expect` rule with its regexes compiled once.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The rule.
    pub rule: ExpectRule,
    /// `rstatus`, `rstring`, `rbinary`, or the value regex of `hdr ... value -m reg`.
    regex: Option<Regex>,
    /// The name regex of `hdr name -m reg`.
    name_regex: Option<Regex>,
}

fn compile(pattern: &str, icase: bool, loc: &Loc) -> Result<Regex, CheckError> {
    let syntax = regex_automata::util::syntax::Config::new()
        .case_insensitive(icase)
        .utf8(false);
    Regex::builder()
        .syntax(syntax)
        .build(pattern)
        .map_err(|e| CheckError::Regex {
            loc: loc.clone(),
            pattern: pattern.to_string(),
            reason: e.to_string(),
        })
}

impl Matcher {
    /// Compiles the regexes of `rule` (written at `loc`).
    pub fn new(rule: &ExpectRule, loc: &Loc) -> Result<Self, CheckError> {
        let (regex, name_regex) = match &rule.pattern {
            ExpectPattern::RStatus(p) | ExpectPattern::RString(p) | ExpectPattern::RBinary(p) => {
                (Some(compile(p, false, loc)?), None)
            }
            ExpectPattern::Header(h) => {
                let name = match h.name_method {
                    MatchMethod::Reg => Some(compile(&h.name, true, loc)?),
                    _ => None,
                };
                let value = match &h.value {
                    Some((MatchMethod::Reg, v)) => Some(compile(v, false, loc)?),
                    _ => None,
                };
                (value, name)
            }
            _ => (None, None),
        };
        Ok(Matcher {
            rule: rule.clone(),
            regex,
            name_regex,
        })
    }

    fn is_match(&self, hay: &[u8]) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(hay))
    }
}

/// What an `expect` rule says about the data so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// More data is needed.
    Wait,
    /// The rule passed: go on with the next one.
    Pass,
    /// The rule failed: the check ends with this status and info.
    Fail {
        /// The check status.
        status: CheckStatus,
        /// The info text (may be empty).
        info: String,
    },
}

/// HAProxy's `tcpcheck_expect_onerror_message()`: `desc` if any, else `on-error`, else (TCP
/// rulesets only) the generic text; then the rule's comment.
fn error_info(m: &Matcher, desc: &str, tcp: Option<(bool, u32)>, comment: Option<&str>) -> String {
    let mut msg = String::new();
    if !desc.is_empty() {
        msg.push_str(desc);
    } else if let Some(e) = &m.rule.on_error {
        msg.push_str(e);
    } else if let Some((matched, step)) = tcp {
        msg.push_str(if matched {
            "TCPCHK matched unwanted content"
        } else {
            "TCPCHK did not match content"
        });
        let what = match &m.rule.pattern {
            ExpectPattern::String(s) => format!(" '{}'", String::from_utf8_lossy(s)),
            ExpectPattern::Binary(_) => " (binary)".into(),
            ExpectPattern::RString(_) | ExpectPattern::RStatus(_) => " (regex)".into(),
            ExpectPattern::RBinary(_) => " (binary regex)".into(),
            // Not reachable in a TCP ruleset; HAProxy prints this one without a step.
            ExpectPattern::Status(_) => "(status codes)".into(),
            ExpectPattern::Header(_) => " (header pattern)".into(),
        };
        msg.push_str(&what);
        msg.push_str(&format!(" at step {step}"));
    }
    if let Some(c) = comment {
        msg.push_str(" comment: ");
        msg.push_str(c);
    }
    msg
}

/// HAProxy's `tcpcheck_expect_onsuccess_message()`: `on-success`, else `(tcp-check)` for a
/// TCP ruleset, else nothing.
pub fn success_info(m: &Matcher, tcp: bool) -> String {
    match &m.rule.on_success {
        Some(s) => s.clone(),
        None if tcp => "(tcp-check)".into(),
        None => String::new(),
    }
}

/// Where `needle` first occurs in `hay` (an empty needle is found at once).
fn find(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Upper-case hex, as HAProxy's `dump_binary()`.
fn hex(data: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(data.len() * 2);
    for b in data {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
    out
}

/// A TCP `expect` rule against `data` (everything received since the last `send`);
/// `last_read` when no more data will come. `step` and `comment` go into the failure text.
pub fn eval_tcp(
    m: &Matcher,
    data: &[u8],
    last_read: bool,
    step: u32,
    comment: Option<&str>,
) -> Verdict {
    let r = &m.rule;
    let last_read = last_read || data.len() >= BUFSIZE;
    let min_recv = r.min_recv.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    if !last_read {
        let literal = match &r.pattern {
            ExpectPattern::String(s) | ExpectPattern::Binary(s) => Some(s.len()),
            _ => None,
        };
        if literal.is_some_and(|l| data.len() < l) {
            return Verdict::Wait;
        }
        if min_recv.is_some_and(|n| n > 0 && data.len() < n) {
            return Verdict::Wait;
        }
    }
    let matched = match &r.pattern {
        ExpectPattern::String(s) | ExpectPattern::Binary(s) => find(data, s),
        ExpectPattern::RString(_) => m.is_match(data.get(..BUFSIZE - 1).unwrap_or(data)),
        ExpectPattern::RBinary(_) => m.is_match(&hex(data)),
        // HTTP-only patterns never reach a TCP ruleset.
        _ => false,
    };
    if !matched && !last_read && min_recv.is_none() {
        return Verdict::Wait;
    }
    if matched != r.inverse {
        return Verdict::Pass;
    }
    Verdict::Fail {
        status: r.error_status.unwrap_or(CheckStatus::L7Rsp),
        info: error_info(m, "", Some((matched, step)), comment),
    }
}

/// A parsed HTTP response (the first final one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers in order, names as received.
    pub headers: Vec<(String, String)>,
    /// The body received so far, de-chunked.
    pub body: Vec<u8>,
    /// The whole message arrived (length reached, last chunk, or connection closed).
    pub complete: bool,
}

/// The state of an HTTP response being received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parse {
    /// The head is not complete yet.
    Partial,
    /// Not HTTP (or closed before a complete head).
    Invalid,
    /// The head, and the body so far.
    Response(Response),
}

/// Reads an HTTP/1 response from `buf`; `eof` when the server closed. `head_request` for a
/// `HEAD` check (no body follows). Interim 1xx responses are skipped.
pub fn parse_response(buf: &[u8], eof: bool, head_request: bool) -> Parse {
    let mut rest = buf;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 101];
        let mut resp = httparse::Response::new(&mut headers);
        let n = match resp.parse(rest) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if eof => return Parse::Invalid,
            Ok(httparse::Status::Partial) => return Parse::Partial,
            Err(_) => return Parse::Invalid,
        };
        let status = resp.code.unwrap_or(0);
        let hdrs: Vec<(String, String)> = resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).trim().to_string(),
                )
            })
            .collect();
        let reason = resp.reason.unwrap_or("").to_string();
        let body_bytes = rest.get(n..).unwrap_or(&[]);
        if (100..200).contains(&status) {
            rest = body_bytes;
            continue;
        }
        let get = |name: &str| {
            hdrs.iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        let chunked = get("transfer-encoding")
            .iter()
            .any(|v| v.to_ascii_lowercase().contains("chunked"));
        let bodyless = head_request || status == 204 || status == 304;
        let (body, complete) = if bodyless {
            (Vec::new(), true)
        } else if chunked {
            match dechunk(body_bytes) {
                Some(r) => r,
                None => return Parse::Invalid,
            }
        } else if let Some(len) = get("content-length").first() {
            let Ok(len) = len.parse::<usize>() else {
                return Parse::Invalid;
            };
            let take = body_bytes.get(..len).unwrap_or(body_bytes);
            (take.to_vec(), take.len() == len)
        } else {
            (body_bytes.to_vec(), eof)
        };
        return Parse::Response(Response {
            status,
            reason,
            headers: hdrs,
            body,
            complete: complete || eof,
        });
    }
}

/// Decodes the chunks present in `data`: the body so far and whether the last chunk (and
/// the trailers) arrived; `None` on a malformed chunk size.
fn dechunk(mut data: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return Some((body, false));
        };
        let line = std::str::from_utf8(data.get(..eol)?).ok()?;
        let size_text = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        data = data.get(eol + 2..)?;
        if size == 0 {
            // Trailers end with an empty line.
            let done = data.starts_with(b"\r\n") || data.windows(4).any(|w| w == b"\r\n\r\n");
            return Some((body, done));
        }
        if data.len() < size {
            body.extend_from_slice(data);
            return Some((body, false));
        }
        body.extend_from_slice(data.get(..size)?);
        data = data.get(size..)?;
        if data.len() < 2 {
            return Some((body, false));
        }
        data = data.get(2..)?;
    }
}

/// How an HTTP rule is evaluated for this check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpContext {
    /// No more data will come (closed, complete, or buffer full).
    pub last_read: bool,
    /// `disable-on-404` is on and the server is not down: a 404 passes.
    pub accept_404: bool,
}

/// The values HAProxy's header lookup yields for one header: each comma-separated part, or
/// the whole value for `fhdr` and name-only rules.
fn header_values(value: &str, full: bool) -> Vec<&str> {
    if full {
        return vec![value.trim()];
    }
    value.split(',').map(str::trim).collect()
}

fn text_match(method: MatchMethod, value: &str, pattern: &str, icase: bool) -> bool {
    let (v, p) = if icase {
        (value.to_ascii_lowercase(), pattern.to_ascii_lowercase())
    } else {
        (value.to_string(), pattern.to_string())
    };
    match method {
        MatchMethod::Str => v == p,
        MatchMethod::Beg => v.starts_with(&p),
        MatchMethod::End => v.ends_with(&p),
        MatchMethod::Sub => v.contains(&p),
        // Handled by the caller with the compiled regex.
        MatchMethod::Reg => false,
    }
}

fn header_match(m: &Matcher, h: &HeaderMatch, resp: &Response) -> bool {
    let full = h.full || h.value.is_none();
    for (name, value) in &resp.headers {
        let name_ok = match h.name_method {
            MatchMethod::Reg => m.name_regex.as_ref().is_some_and(|r| r.is_match(name)),
            meth => text_match(meth, name, &h.name, true),
        };
        if !name_ok {
            continue;
        }
        let Some((vmeth, vpat)) = &h.value else {
            return true;
        };
        for v in header_values(value, full) {
            let ok = match vmeth {
                MatchMethod::Reg => m.is_match(v.as_bytes()),
                meth => text_match(*meth, v, vpat, false),
            };
            if ok {
                return true;
            }
        }
    }
    false
}

/// An HTTP `expect` rule against `resp`. The caller reports `resp.status` as the check code.
/// A 404 accepted by `disable-on-404` passes here; the probe turns it into `L7OKC` when it
/// is the last rule.
pub fn eval_http(m: &Matcher, resp: &Response, ctx: HttpContext, comment: Option<&str>) -> Verdict {
    let r = &m.rule;
    let last_read = ctx.last_read || resp.complete || resp.body.len() >= BUFSIZE;
    if ctx.accept_404 && resp.status == 404 {
        return Verdict::Pass;
    }
    let err = r.error_status;
    let reason = if r.on_error.is_some() {
        ""
    } else {
        resp.reason.as_str()
    };
    let (matched, status, desc) = match &r.pattern {
        ExpectPattern::Status(codes) => {
            let c = u32::from(resp.status);
            let ok = codes.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
            (ok, err.unwrap_or(CheckStatus::L7Sts), reason)
        }
        ExpectPattern::RStatus(_) => {
            let ok = m.is_match(resp.status.to_string().as_bytes());
            (ok, err.unwrap_or(CheckStatus::L7Sts), reason)
        }
        ExpectPattern::Header(h) => (
            header_match(m, h, resp),
            err.unwrap_or(CheckStatus::L7Sts),
            reason,
        ),
        ExpectPattern::String(_) | ExpectPattern::RString(_) => {
            let body = &resp.body;
            let status = err.unwrap_or(CheckStatus::L7Rsp);
            if body.is_empty() {
                if !last_read {
                    return Verdict::Wait;
                }
                let desc = if r.on_error.is_some() {
                    ""
                } else {
                    "HTTP content check could not find a response body"
                };
                return Verdict::Fail {
                    status,
                    info: error_info(m, desc, None, comment),
                };
            }
            let min_recv = r.min_recv.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
            if !last_read {
                let short = matches!(&r.pattern, ExpectPattern::String(s) if body.len() < s.len());
                if short || min_recv.is_some_and(|n| n > 0 && body.len() < n) {
                    return Verdict::Wait;
                }
            }
            let ok = match &r.pattern {
                ExpectPattern::String(s) => find(body, s),
                _ => m.is_match(body),
            };
            if !ok && !last_read && min_recv.is_none() {
                return Verdict::Wait;
            }
            let desc = match (r.on_error.is_some(), r.inverse) {
                (true, _) => "",
                (false, true) => "HTTP check matched unwanted content",
                (false, false) => "HTTP content check did not match",
            };
            (ok, status, desc)
        }
        // TCP-only patterns never reach an HTTP ruleset.
        ExpectPattern::Binary(_) | ExpectPattern::RBinary(_) => {
            (false, err.unwrap_or(CheckStatus::L7Rsp), "")
        }
    };
    if matched != r.inverse {
        return Verdict::Pass;
    }
    Verdict::Fail {
        status,
        info: error_info(m, desc, None, comment),
    }
}

/// The failure of an HTTP rule when the response is not HTTP or never came.
pub fn invalid_http(m: &Matcher, comment: Option<&str>) -> Verdict {
    Verdict::Fail {
        status: CheckStatus::L7Rsp,
        info: error_info(m, "", None, comment),
    }
}

#[cfg(test)]
#[path = "expect_tests.rs"]
mod tests;
