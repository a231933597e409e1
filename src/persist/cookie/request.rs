//! Request side of cookie persistence (configuration.txt 4.2 "cookie", "option persist",
//! "force-persist", "ignore-persist"): reads every `Cookie` header in order, finds the
//! server the persistence cookie names and rewrites the headers as HAProxy 2.6's
//! `http_manage_client_side_cookies()` does, byte for byte:
//!
//! - cookies are split on unquoted `;` and `,`; spaces around `=` are removed from every
//!   cookie (`a = 1` reaches the server as `a=1`); `$` attributes are skipped but go away
//!   with a removed cookie before them;
//! - the value is `SRV`, or `SRV|LAST|FIRST` with `maxidle`/`maxlife` dates, or in prefix
//!   mode `SRV~APPVALUE`; expired dates (or dates more than a day ahead) make the cookie
//!   count as absent (`E`, `O`);
//! - the first running server with that cookie wins; a STOPPED one is used only with
//!   `option persist` or `force-persist` (`D`), else the next server with the same value
//!   is tried; `ignore-persist` or an earlier `use-server` choice make it `U`;
//! - only the first occurrence can set `I` or `U`, a later one can still find a server;
//! - in `insert indirect` mode every occurrence is removed (a header left empty is
//!   removed), in prefix mode `SRV~` is stripped.
//!
//! Pure: no I/O, no clock. Must not import proxy or tokio.

use super::date::b64tos30;
use super::scan::{at, cookie_value_end, cut, del_hdr_value, is_spht, shift};
use super::{CookiePolicy, CookieServer, CookieStatus};
use crate::balance::ServerId;
use crate::config::model::CookieMode;
use crate::http::Head;

/// What the stream knows before the cookie is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestCtx {
    /// A `force-persist` rule matched (HAProxy's `SF_FORCE_PRST`).
    pub force_persist: bool,
    /// An `ignore-persist` rule matched (`SF_IGNORE_PRST`).
    pub ignore_persist: bool,
    /// A server is already assigned, by a `use-server` rule (`SF_ASSIGNED`).
    pub assigned: bool,
    /// Seconds since the epoch, for `maxidle`/`maxlife`.
    pub now: u64,
}

/// What the request's cookies decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestCookie {
    /// The server to use without balancing (HAProxy's `SF_DIRECT | SF_ASSIGNED`).
    pub server: Option<ServerId>,
    /// The log letter's status.
    pub status: CookieStatus,
    /// The cookie's last-seen date in seconds (0: none), kept for [`super::on_response`].
    pub last_date: u32,
    /// The cookie's first-seen date in seconds (0: none), kept for [`super::on_response`].
    pub first_date: u32,
}

struct State<'a> {
    policy: &'a CookiePolicy,
    servers: &'a [CookieServer<'a>],
    ctx: &'a RequestCtx,
    assigned: bool,
    out: RequestCookie,
}

/// Reads the `Cookie` headers for the persistence cookie of `policy`, picks the server it
/// names among `servers` (in backend order) and rewrites the headers to send to the server.
/// Call it only for backends with a `cookie` line, after `use-server` rules.
pub fn on_request(
    policy: &CookiePolicy,
    servers: &[CookieServer<'_>],
    ctx: &RequestCtx,
    headers: &mut Head,
) -> RequestCookie {
    let mut st = State {
        policy,
        servers,
        ctx,
        assigned: ctx.assigned,
        out: RequestCookie::default(),
    };
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let mut changed = false;
    for v in headers.get_all("cookie") {
        let mut buf = trim(v).to_vec();
        let len = buf.len();
        let keep = scan(&mut buf, &mut st);
        if !keep {
            changed = true;
        } else {
            changed |= buf.len() != len;
            kept.push(buf);
        }
    }
    if changed {
        // An emptied header goes away (HAProxy's `http_remove_header`).
        headers.set_values("cookie", kept.iter().map(Vec::as_slice));
    }
    st.out
}

/// The value without the spaces around it (HAProxy's header values never have them).
fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !is_spht(*b)).unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !is_spht(*b))
        .map_or(start, |e| e + 1);
    v.get(start..end).unwrap_or(&[])
}

/// Processes one `Cookie` header value in place; false when the whole header must go.
fn scan(buf: &mut Vec<u8>, st: &mut State<'_>) -> bool {
    let original = buf.len();
    let mut del_from: Option<usize> = None;
    let mut preserve_hdr = false;
    let mut is_first = true;
    let mut prev = 0usize;
    while prev < buf.len() {
        let end = buf.len();
        let mut att_beg = if is_first { prev } else { prev + 1 };
        is_first = false;
        while att_beg < end && is_spht(at(buf, att_beg)) {
            att_beg += 1;
        }
        let (mut equal, mut att_end) = (att_beg, att_beg);
        while let Some(&c) = buf.get(equal) {
            if c == b'=' || c == b',' || c == b';' {
                break;
            }
            equal += 1;
            if !is_spht(c) {
                att_end = equal;
            }
        }
        let (mut val_beg, mut val_end, mut next);
        if buf.get(equal) == Some(&b'=') {
            val_beg = equal + 1;
            while val_beg < end && is_spht(at(buf, val_beg)) {
                val_beg += 1;
            }
            next = cookie_value_end(buf, val_beg);
            val_end = next;
            while val_end > val_beg && is_spht(at(buf, val_end - 1)) {
                val_end -= 1;
            }
        } else {
            (val_beg, val_end, next) = (equal, equal, equal);
        }
        if buf.get(att_beg) == Some(&b'$') {
            prev = next;
            continue;
        }
        if equal == next {
            // No '=': an application cookie without value, always kept.
            preserve_hdr = true;
            if let Some(from) = del_from.take() {
                let (_, delta) = del_hdr_value(buf, 0, from, prev);
                next = shift(next, delta);
            }
            prev = next;
            continue;
        }
        if att_end != equal || val_beg > equal + 1 {
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
        }
        let name = buf.get(att_beg..att_end).unwrap_or(&[]);
        if name == st.policy.name.as_bytes() {
            let delim = ours(buf, st, val_beg, val_end);
            if st.policy.mode == CookieMode::Prefix && delim != val_end {
                // Strip "SRV~": the server gets its own value back.
                let d = delim + 1 - val_beg;
                cut(buf, val_beg, delim + 1);
                next = next.saturating_sub(d);
                del_from = None;
                preserve_hdr = true;
            } else if del_from.is_none()
                && st.policy.mode == CookieMode::Insert
                && st.policy.indirect
            {
                del_from = Some(prev);
            }
        } else {
            preserve_hdr = true;
            if let Some(from) = del_from.take() {
                let (_, delta) = del_hdr_value(buf, 0, from, prev);
                next = shift(next, delta);
            }
        }
        prev = next;
    }
    if let Some(from) = del_from {
        buf.truncate(if preserve_hdr { from } else { 0 });
    }
    buf.len() == original || !buf.is_empty()
}

/// Handles one occurrence of the persistence cookie whose value is `val_beg..val_end`;
/// returns where the server part ends (`delim`).
fn ours(buf: &[u8], st: &mut State<'_>, val_beg: usize, val_end: usize) -> usize {
    let p = st.policy;
    let value = buf.get(val_beg..val_end).unwrap_or(&[]);
    let mut delim = val_end;
    if p.mode == CookieMode::Prefix {
        if let Some(i) = value.iter().position(|b| *b == b'~') {
            delim = val_beg + i;
        }
    } else if let Some(i) = value.iter().position(|b| *b == b'|') {
        delim = val_beg + i;
        let v1 = delim + 1;
        if val_end.saturating_sub(v1) >= 5 {
            if let Some(v) = buf.get(v1..).and_then(b64tos30).filter(|v| *v > 0) {
                st.out.last_date = v << 2;
            }
        }
        let rest = buf.get(v1..val_end).unwrap_or(&[]);
        if let Some(j) = rest.iter().position(|b| *b == b'|') {
            let v2 = v1 + j;
            if val_end - v2 > 5 {
                if let Some(v) = buf.get(v2 + 1..).and_then(b64tos30).filter(|v| *v > 0) {
                    st.out.first_date = v << 2;
                }
            }
        }
    }
    let now = i64::try_from(st.ctx.now).unwrap_or(i64::MAX);
    // HAProxy compares in 32-bit signed arithmetic; a date over a day ahead is refused.
    let too_far = |date: u32, max: u32| {
        let d = i64::from(date);
        (now - d) as i32 > max as i32 || (d - now) as i32 > 86400
    };
    if st.out.first_date != 0 && p.maxlife != 0 && too_far(st.out.first_date, p.maxlife) {
        st.out.status = CookieStatus::Old;
        delim = val_beg;
        (st.out.first_date, st.out.last_date) = (0, 0);
    } else if st.out.last_date != 0 && p.maxidle != 0 && too_far(st.out.last_date, p.maxidle) {
        st.out.status = CookieStatus::Expired;
        delim = val_beg;
        (st.out.first_date, st.out.last_date) = (0, 0);
    }
    let wanted = buf.get(val_beg..delim).unwrap_or(&[]);
    let mut found = false;
    if delim != val_beg && !st.ctx.ignore_persist && !st.assigned {
        for s in st.servers {
            if s.cookie.map(str::as_bytes) != Some(wanted) {
                continue;
            }
            if s.running || p.persist || st.ctx.force_persist {
                st.out.status = if s.running {
                    CookieStatus::Valid
                } else {
                    CookieStatus::Down
                };
                st.out.server = Some(s.id);
                st.assigned = true;
                found = true;
                break;
            }
            st.out.status = CookieStatus::Down;
        }
    }
    // HAProxy tests the status field with a bit mask that any status matches, so only an
    // occurrence seen while the status is still "none" can set I or U.
    if !found && st.out.status == CookieStatus::None {
        st.out.status = if st.ctx.ignore_persist || st.assigned {
            CookieStatus::Unused
        } else {
            CookieStatus::Invalid
        };
    }
    delim
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
