//! Cookie persistence (configuration.txt 4.2 "cookie", "option persist", "force-persist",
//! "ignore-persist", "option checkcache", 5.2 server "cookie"): pure functions over the
//! codec's [`crate::http::Head`] (header edits in place, no copy of the other fields), ported from HAProxy 2.6's `http_manage_client_side_cookies()`,
//! `http_manage_server_side_cookies()` and the Set-Cookie insertion of
//! `http_process_res_common()` (`http_ana.c`), and pinned by bytes read from the real binary
//! (see `tests/cookie_bytes.rs`).
//!
//! Call order for one HTTP transaction of a backend that has a [`CookiePolicy`]:
//!
//! 1. after `use-server` rules and before balancing: [`on_request`] (finds the server the
//!    `Cookie` headers name, rewrites them for `indirect`/`prefix`), then balance only when
//!    it returned no server;
//! 2. on the server's response head (status >= 200 or 101): [`on_response`] (rewrites,
//!    deletes or inserts `Set-Cookie`, adds `Cache-control: private`, tells whether
//!    `option checkcache` blocks it);
//! 3. for the log: [`log_flags`].
//!
//! Files: [`request`], [`response`], `scan` (byte helpers), `date` (maxidle/maxlife dates).
//! No sockets, no clock (`now` is passed in, seconds since the epoch), no panics on any
//! header bytes. Cookie values are never logged. Must not import proxy or tokio.

mod date;
pub mod request;
pub mod response;
mod scan;

pub use request::{on_request, RequestCookie, RequestCtx};
pub use response::{checkcache_alert, on_response, ResponseCookie, ResponseCtx};

use crate::balance::ServerId;
use crate::config::model::{CookieMode, CookieSpec, Proxy};

/// A backend's cookie settings, compiled once from the model (HAProxy's `ck_opts`,
/// `cookie_name`, `cookie_domain`, `cookie_attrs`, `cookie_maxidle/maxlife`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookiePolicy {
    name: String,
    mode: CookieMode,
    indirect: bool,
    nocache: bool,
    postonly: bool,
    preserve: bool,
    /// Seconds, 0 when off.
    maxidle: u32,
    /// Seconds, 0 when off.
    maxlife: u32,
    /// `option persist`.
    persist: bool,
    /// What follows `; path=/` in an inserted cookie: domains, `HttpOnly`, `Secure`, attrs.
    suffix: String,
}

fn secs(d: Option<std::time::Duration>) -> u32 {
    d.map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
}

impl CookiePolicy {
    /// Compiles `spec`; `option_persist` is the backend's `option persist`.
    pub fn new(spec: &CookieSpec, option_persist: bool) -> Self {
        let mut suffix = String::new();
        for d in &spec.domains {
            suffix.push_str("; domain=");
            suffix.push_str(d);
        }
        if spec.httponly {
            suffix.push_str("; HttpOnly");
        }
        if spec.secure {
            suffix.push_str("; Secure");
        }
        for a in &spec.attrs {
            suffix.push_str("; ");
            suffix.push_str(a);
        }
        CookiePolicy {
            name: spec.name.clone(),
            mode: spec.mode,
            indirect: spec.indirect,
            nocache: spec.nocache,
            postonly: spec.postonly,
            preserve: spec.preserve,
            maxidle: secs(spec.maxidle),
            maxlife: secs(spec.maxlife),
            persist: option_persist,
            suffix,
        }
    }

    /// The policy of a backend, if it has a `cookie` line.
    pub fn from_proxy(p: &Proxy) -> Option<Self> {
        p.cookie
            .as_ref()
            .map(|c| CookiePolicy::new(c, p.options.persist))
    }

    /// The cookie name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when HAProxy shows the two cookie letters of the termination state (any of
    /// `rewrite`, `insert`, `prefix`, `indirect`); a passive cookie logs `--`.
    pub fn logs_flags(&self) -> bool {
        self.mode != CookieMode::Passive || self.indirect
    }
}

/// One server of the backend as cookie persistence sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieServer<'a> {
    /// Its index in the backend.
    pub id: ServerId,
    /// Its cookie value (`cookie VALUE`, or the dynamic one filled in at load).
    pub cookie: Option<&'a str>,
    /// False only when its operational state is STOPPED (down, or in maintenance): a
    /// draining or weight-0 server is still running and keeps its cookie clients.
    pub running: bool,
}

/// What the request's persistence cookie said (HAProxy's `TX_CK_*`), the third character
/// of the log's termination state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieStatus {
    /// `N`: no persistence cookie.
    #[default]
    None,
    /// `I`: it named no server (unknown or empty value).
    Invalid,
    /// `D`: it named a DOWN server (redispatched, or used with `option persist` /
    /// `force-persist`).
    Down,
    /// `V`: it named a running server, which was used.
    Valid,
    /// `E`: expired (`maxidle`), ignored.
    Expired,
    /// `O`: too old (`maxlife`), ignored.
    Old,
    /// `U`: present but not used (`ignore-persist`, or a `use-server` rule chose first).
    Unused,
}

impl CookieStatus {
    /// The log letter.
    pub fn letter(self) -> char {
        match self {
            CookieStatus::None => 'N',
            CookieStatus::Invalid => 'I',
            CookieStatus::Down => 'D',
            CookieStatus::Valid => 'V',
            CookieStatus::Expired => 'E',
            CookieStatus::Old => 'O',
            CookieStatus::Unused => 'U',
        }
    }
}

/// What happened to the persistence cookie in the response (HAProxy's `TX_SCK_*`), the
/// fourth character of the log's termination state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetCookieStatus {
    /// `N`: none seen, none inserted.
    #[default]
    None,
    /// `P`: the server set it and it was left alone (passive, `preserve`, or no server
    /// cookie to rewrite with).
    Found,
    /// `D`: the server set it and it was deleted.
    Deleted,
    /// `I`: HAProxy inserted one.
    Inserted,
    /// `R`: the server's was rewritten (`rewrite`) or prefixed (`prefix`).
    Replaced,
    /// `U`: HAProxy re-inserted it only to refresh its dates (`maxidle`/`maxlife`).
    Updated,
}

impl SetCookieStatus {
    /// The log letter.
    pub fn letter(self) -> char {
        match self {
            SetCookieStatus::None => 'N',
            SetCookieStatus::Found => 'P',
            SetCookieStatus::Deleted => 'D',
            SetCookieStatus::Inserted => 'I',
            SetCookieStatus::Replaced => 'R',
            SetCookieStatus::Updated => 'U',
        }
    }
}

/// The two cookie characters of the log's termination state (`--` when the backend has no
/// cookie or a passive one without `indirect`, as HAProxy prints it).
pub fn log_flags(
    policy: Option<&CookiePolicy>,
    request: CookieStatus,
    response: SetCookieStatus,
) -> [char; 2] {
    match policy {
        Some(p) if p.logs_flags() => [request.letter(), response.letter()],
        _ => ['-', '-'],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(line: &str) -> CookieSpec {
        let l = crate::config::lexer::Line {
            loc: crate::config::diag::Loc::new("t.cfg", 1),
            words: line.split_whitespace().map(String::from).collect(),
        };
        crate::config::kw::cookie::parse_cookie(&l, &[])
            .spec
            .unwrap()
    }

    #[test]
    fn passive_cookies_log_dashes_like_haproxy() {
        // Real binary: `cookie SERVERID` logs `----`, `cookie SERVERID indirect` `--VD`.
        let passive = CookiePolicy::new(&spec("cookie SERVERID"), false);
        let ind = CookiePolicy::new(&spec("cookie SERVERID indirect"), false);
        let (v, d) = (CookieStatus::Valid, SetCookieStatus::Deleted);
        assert_eq!(log_flags(Some(&passive), v, d), ['-', '-']);
        assert_eq!(log_flags(Some(&ind), v, d), ['V', 'D']);
        assert_eq!(log_flags(None, v, d), ['-', '-']);
    }

    #[test]
    fn the_attribute_suffix_follows_haproxys_order() {
        let p = CookiePolicy::new(
            &spec("cookie SRV insert attr A=1 secure domain .a.com httponly domain b.org attr B"),
            false,
        );
        assert_eq!(
            p.suffix,
            "; domain=.a.com; domain=b.org; HttpOnly; Secure; A=1; B"
        );
    }
}
