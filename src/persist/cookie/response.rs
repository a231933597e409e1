//! Response side of cookie persistence (configuration.txt 4.2 "cookie", "option
//! checkcache"), as HAProxy 2.6's `http_manage_server_side_cookies()` and the insertion
//! block of `http_process_res_common()`:
//!
//! - each `Set-Cookie` (then `Set-Cookie2`) header: spaces around `=` are removed; the
//!   server's persistence cookie is left alone with `preserve` (`P`), deleted in insert
//!   mode or when `indirect` and the cookie chose the server (`D`, a header left empty is
//!   removed), replaced by the server's value in rewrite mode or prefixed with `SRV~` in
//!   prefix mode (`R`); `ignore-persist` skips all this;
//! - insert mode then appends `Set-Cookie: NAME=SRV[|LAST[|FIRST]]; path=/[; domain=D]*
//!   [; HttpOnly][; Secure][; ATTR]*` unless the client already came with a valid cookie for
//!   this server whose dates need no refresh, the server kept its own (`preserve`), the
//!   request was not a POST under `postonly`, or `ignore-persist` matched. A server without
//!   cookie gets `NAME=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/...` (removal);
//! - with `nocache`, an inserted cookie on a cacheable response adds
//!   `Cache-control: private` (a new header line, after the others);
//! - `option checkcache` blocks a cacheable response whose server sent any `Set-Cookie`.
//!
//! Added headers are appended after all the others, in lower case as HTX stores them (the
//! inserted `set-cookie`, then `cache-control: private`). Pure: no I/O, no clock. Must not
//! import proxy or tokio.

use super::date::{s30tob64, units};
use super::scan::{
    at, cookie_value_end, cut, del_hdr_value_in_place, hdr_value_end, is_spht, shift, splice,
};
use super::{CookiePolicy, CookieServer, RequestCookie, SetCookieStatus};
use crate::config::model::CookieMode;
use crate::http::Head;
use crate::persist::cache::{response_cacheability, Cacheability};

/// What the stream knows when the server's response head arrives.
#[derive(Debug, Clone, Copy)]
pub struct ResponseCtx<'a> {
    /// The server that answered; None when the response does not come from a server.
    pub server: Option<CookieServer<'a>>,
    /// The server was chosen by the request's cookie or by a `use-server` rule, and the
    /// stream was not redispatched since (HAProxy's `SF_DIRECT`).
    pub direct: bool,
    /// An `ignore-persist` rule matched.
    pub ignore_persist: bool,
    /// The request method.
    pub method: &'a [u8],
    /// The response status.
    pub status: u16,
    /// What [`super::on_request`] returned (its dates), or the default when it did not run.
    pub request: RequestCookie,
    /// Seconds since the epoch, for `maxidle`/`maxlife` dates.
    pub now: u64,
}

/// What the response side did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseCookie {
    /// The log letter's status.
    pub status: SetCookieStatus,
    /// The server sent a `Set-Cookie`/`Set-Cookie2` (HAProxy's `TX_SCK_PRESENT`).
    pub server_set_cookie: bool,
    /// The response as it leaves is cacheable (after `nocache`'s `private`).
    pub cacheable: Cacheability,
    /// `option checkcache` refuses it. HAProxy 2.6 then logs [`checkcache_alert`] as an
    /// ALERT (also on stderr), drops the server's response and answers its built-in page
    /// for the server's status, with that status (its `deny` path sets none): for a 200,
    /// `200 OK` with `cache-control: no-cache`, `content-type: text/html` and the body
    /// `<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n`; a status without a
    /// page gets the 500 page. The log shows the server's status and termination state `PH`.
    pub block: bool,
}

/// The alert of `option checkcache` (HAProxy's wording; `<dispatch>` without a server).
pub fn checkcache_alert(backend: &str, server: Option<&str>) -> String {
    format!(
        "Blocking cacheable cookie in response from instance {backend}, server {}.",
        server.unwrap_or("<dispatch>")
    )
}

/// Handles the response headers of a server for the backend's `policy` (None without a
/// `cookie` line) and `option checkcache`. Call it for responses with status >= 200 or 101
/// that come from a server; it does nothing for other 1xx.
pub fn on_response(
    policy: Option<&CookiePolicy>,
    checkcache: bool,
    ctx: &ResponseCtx<'_>,
    headers: &mut Head,
) -> ResponseCookie {
    let mut out = ResponseCookie::default();
    if ctx.status < 200 && ctx.status != 101 {
        return out;
    }
    if policy.is_some() || checkcache {
        server_cookies(policy, ctx, headers, &mut out);
    }
    let mut cache = Cacheability::default();
    if checkcache || policy.is_some_and(|p| p.nocache) {
        cache = response_cacheability(ctx.method, ctx.status, headers);
    }
    if let (Some(p), Some(srv)) = (policy, ctx.server) {
        if must_insert(p, ctx, out.status) {
            let value = set_cookie_value(p, srv.cookie, &ctx.request, ctx.now);
            headers.append(b"set-cookie", value.as_bytes());
            out.status = if srv.cookie.is_some() && ctx.direct {
                SetCookieStatus::Updated
            } else {
                SetCookieStatus::Inserted
            };
            if p.nocache && cache.cacheable {
                cache = Cacheability::default();
                headers.append(b"cache-control", b"private");
            }
        }
    }
    out.cacheable = cache;
    out.block = checkcache && cache.cacheable && cache.with_cookies && out.server_set_cookie;
    out
}

/// HAProxy's condition for adding a `Set-Cookie` in insert mode.
fn must_insert(p: &CookiePolicy, ctx: &ResponseCtx<'_>, status: SetCookieStatus) -> bool {
    if p.mode != CookieMode::Insert || ctx.ignore_persist {
        return false;
    }
    if status == SetCookieStatus::Found && p.preserve {
        return false;
    }
    if p.postonly && ctx.method != b"POST" {
        return false;
    }
    let (last, first) = (ctx.request.last_date, ctx.request.first_date);
    let now = i64::try_from(ctx.now).unwrap_or(i64::MAX);
    !ctx.direct
        || ((p.maxidle != 0 || last != 0) && (last == 0 || i64::from(last) - now < 0))
        || (p.maxlife != 0 && first == 0)
        || (p.maxlife == 0 && first != 0)
}

/// The inserted `Set-Cookie` value.
fn set_cookie_value(
    p: &CookiePolicy,
    cookie: Option<&str>,
    req: &RequestCookie,
    now: u64,
) -> String {
    let mut s = String::with_capacity(64);
    s.push_str(&p.name);
    match cookie {
        None => s.push_str("=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"),
        Some(c) => {
            s.push('=');
            s.push_str(c);
            if p.maxidle != 0 || p.maxlife != 0 {
                s.push('|');
                s.push_str(&date_text(units(now)));
                if p.maxlife != 0 {
                    let first = if req.first_date != 0 {
                        req.first_date >> 2
                    } else {
                        units(now)
                    };
                    s.push('|');
                    s.push_str(&date_text(first));
                }
            }
            s.push_str("; path=/");
        }
    }
    s.push_str(&p.suffix);
    s
}

fn date_text(v: u32) -> String {
    String::from_utf8_lossy(&s30tob64(v)).into_owned()
}

/// Processes `Set-Cookie` then `Set-Cookie2` headers.
fn server_cookies(
    policy: Option<&CookiePolicy>,
    ctx: &ResponseCtx<'_>,
    headers: &mut Head,
    out: &mut ResponseCookie,
) {
    for (name, is2) in [("set-cookie", false), ("set-cookie2", true)] {
        if !headers.contains(name) {
            continue;
        }
        out.server_set_cookie = true;
        let Some(p) = policy else {
            return;
        };
        let mut kept: Vec<Vec<u8>> = Vec::new();
        let mut changed = false;
        for v in headers.get_all(name) {
            let mut buf = v.to_vec();
            let (s, e) = trim_len(v);
            let before = v.get(s..e).unwrap_or(&[]);
            if !one_header(&mut buf, is2, p, ctx, &mut out.status) {
                changed = true;
            } else {
                changed |= buf != before;
                kept.push(buf);
            }
        }
        if changed {
            // An emptied header goes away (HAProxy's `http_remove_header`).
            headers.set_values(name, kept.iter().map(Vec::as_slice));
        }
    }
}

/// One `Set-Cookie` (or `Set-Cookie2`) value; false when the whole header must go.
///
/// `end` is HAProxy's logical end of the value. Removing one cookie of a `Set-Cookie2`
/// that holds several moves bytes without shortening the header in HAProxy 2.6 (the stale
/// tail stays: `x=1, SRV=q; Version=1, y=2` becomes `x=1, y=2=q; Version=1, y=2`); this is
/// reproduced, since it is what clients of HAProxy 2.6 receive.
fn one_header(
    buf: &mut Vec<u8>,
    is2: bool,
    p: &CookiePolicy,
    ctx: &ResponseCtx<'_>,
    status: &mut SetCookieStatus,
) -> bool {
    let trimmed = trim_len(buf);
    if trimmed != (0, buf.len()) {
        buf.truncate(trimmed.1);
        cut(buf, 0, trimmed.0);
    }
    let mut end = buf.len();
    let mut prev = 0usize;
    let mut is_first = true;
    while prev < end {
        let mut att_beg = if is_first { prev } else { prev + 1 };
        is_first = false;
        while att_beg < end && is_spht(at(buf, att_beg)) {
            att_beg += 1;
        }
        let (mut equal, mut att_end) = (att_beg, att_beg);
        while equal < end {
            let c = at(buf, equal);
            if c == b'=' || c == b';' || (is2 && c == b',') {
                break;
            }
            equal += 1;
            if !is_spht(c) {
                att_end = equal;
            }
        }
        let view = buf.get(..end).unwrap_or(&[]);
        let (mut val_beg, mut val_end, mut next);
        if equal < end && at(buf, equal) == b'=' {
            val_beg = equal + 1;
            while val_beg < end && is_spht(at(buf, val_beg)) {
                val_beg += 1;
            }
            next = cookie_value_end(view, val_beg);
            val_end = next;
            while val_end > val_beg && is_spht(at(buf, val_end - 1)) {
                val_end -= 1;
            }
        } else {
            (val_beg, val_end, next) = (equal, equal, equal);
        }
        if next < end {
            // Set-Cookie2 holds several cookies; Set-Cookie one (its Expires has commas).
            next = if is2 { hdr_value_end(view, next) } else { end };
        }
        if equal == val_end {
            prev = next;
            continue;
        }
        if att_end != equal || val_beg > equal + 1 {
            // HAProxy also sets the header's length to the logical end here.
            buf.truncate(end);
            let mut stripped = 0usize;
            if att_end != equal {
                let d = equal - att_end;
                cut(buf, att_end, equal);
                equal = att_end;
                val_beg -= d;
                stripped += d;
            }
            if val_beg > equal + 1 {
                let d = val_beg - (equal + 1);
                cut(buf, equal + 1, val_beg);
                val_beg = equal + 1;
                stripped += d;
            }
            val_end = val_end.saturating_sub(stripped);
            next = next.saturating_sub(stripped);
            end = buf.len();
        }
        let ours = !ctx.ignore_persist && buf.get(att_beg..att_end) == Some(p.name.as_bytes());
        if ours {
            *status = SetCookieStatus::Found;
            let cookie = ctx.server.and_then(|s| s.cookie);
            if p.preserve {
                // The server's own cookie stays, e.g. to end persistence on logout.
            } else if (ctx.server.is_some() && p.mode == CookieMode::Insert)
                || (ctx.direct && p.indirect)
            {
                *status = SetCookieStatus::Deleted;
                if prev == 0 && next >= end {
                    return false;
                }
                let (from, delta) = del_hdr_value_in_place(buf, 0, prev, next, end);
                end = shift(end, delta);
                next = from;
            } else if let (Some(c), CookieMode::Rewrite) = (cookie, p.mode) {
                splice(buf, val_beg, val_end, c.as_bytes());
                let grown = c.len() as isize - (val_end - val_beg) as isize;
                next = shift(next, grown);
                end = shift(end, grown);
                *status = SetCookieStatus::Replaced;
            } else if let (Some(c), CookieMode::Prefix) = (cookie, p.mode) {
                let mut with = c.as_bytes().to_vec();
                with.push(b'~');
                splice(buf, val_beg, val_beg, &with);
                next += with.len();
                end += with.len();
                *status = SetCookieStatus::Replaced;
            }
        }
        prev = next;
    }
    true
}

/// Where a value starts and ends once the spaces around it are left out.
fn trim_len(v: &[u8]) -> (usize, usize) {
    let start = v.iter().position(|b| !is_spht(*b)).unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !is_spht(*b))
        .map_or(start, |e| e + 1);
    (start, end)
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
