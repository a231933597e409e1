//! The backend stage that may choose a server before balancing (HAProxy's
//! `process_switching_rules()` persist part, `process_server_rules()` and
//! `http_manage_client_side_cookies()`), and the response side of the cookie.
//!
//! configuration.txt 4.2 "force-persist", "ignore-persist", "use-server", "cookie",
//! "option persist", "option checkcache". The cookie bytes are the pure functions of
//! `persist::cookie`; this file only gathers what they need from the stream.
//!
//! Order, as HAProxy: the first matching `force-persist`/`ignore-persist` rule, then the
//! first `use-server` rule whose condition holds and whose server is not DOWN (or is, with
//! `option persist` or `force-persist`), then the persistence cookie (which still strips
//! its prefix or `indirect` value when `use-server` already chose).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::model::PersistKind;
use crate::http::Head;
use crate::persist::cookie::{self, CookieServer, RequestCookie, RequestCtx};
use crate::server::{OpState, Server, ServerId};

use super::acl::{self, Ctx};
use super::backend::Backend;
use super::sample::{self, Sample};

/// What the stage decided for one request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Assignment {
    /// The server to use without balancing.
    pub server: Option<ServerId>,
    /// Chosen by `use-server` or the cookie (HAProxy's `SF_DIRECT`).
    pub direct: bool,
    /// A `force-persist` rule matched.
    pub force: bool,
    /// An `ignore-persist` rule matched.
    pub ignore: bool,
    /// What the request's cookie said.
    pub cookie: RequestCookie,
}

/// Seconds since the epoch, for cookie dates.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A server as the cookie functions see it: "running" unless DOWN or in maintenance.
pub fn cookie_server(s: &Server) -> CookieServer<'_> {
    CookieServer {
        id: s.id,
        cookie: s.cookie.as_deref(),
        running: s.op_state() != OpState::Stopped && !s.admin().maint,
    }
}

/// Runs the persist rules and `use-server` of `be` ([`request_cookie`] comes next).
pub fn rules(be: &Backend, ctx: &Ctx<'_>, smp: &Sample<'_>) -> Assignment {
    let mut a = Assignment::default();
    if let Some(r) = be
        .persist_rules
        .iter()
        .find(|r| acl::holds(Some(&r.cond), &be.acls, ctx))
    {
        match r.kind {
            PersistKind::Force => a.force = true,
            PersistKind::Ignore => a.ignore = true,
        }
    }
    for u in &be.use_servers {
        if !acl::holds(Some(&u.cond), &be.acls, ctx) {
            continue;
        }
        let name = if u.server.contains("%[") {
            sample::expand(&u.server, smp).into_owned()
        } else {
            u.server.clone()
        };
        let Some(s) = be.farm.find(&name) else {
            // A dynamic name that names no server ends the rules.
            break;
        };
        if s.op_state() != OpState::Stopped || be.option_persist || a.force {
            a.server = Some(s.id);
            a.direct = true;
            break;
        }
    }
    a
}

/// Reads the request's persistence cookie, rewrites the `Cookie` headers for the server,
/// and assigns its server when no `use-server` rule did.
pub fn request_cookie(be: &Backend, a: &mut Assignment, headers: &mut Head) {
    if let Some(policy) = &be.cookie {
        let servers: Vec<CookieServer<'_>> =
            be.servers().iter().map(|s| cookie_server(s)).collect();
        let rc = RequestCtx {
            force_persist: a.force,
            ignore_persist: a.ignore,
            assigned: a.server.is_some(),
            now: now_secs(),
        };
        a.cookie = cookie::on_request(policy, &servers, &rc, headers);
        if a.server.is_none() {
            if let Some(id) = a.cookie.server {
                a.server = Some(id);
                a.direct = true;
            }
        }
    }
}

/// Handles the persistence cookie and `option checkcache` on a server's response head.
/// When the response must be blocked (`option checkcache`), logs HAProxy's alert.
pub fn response_cookie(
    be: &Backend,
    server: &Server,
    a: &Assignment,
    method: &[u8],
    status: u16,
    headers: &mut Head,
) -> cookie::ResponseCookie {
    if be.cookie.is_none() && !be.checkcache {
        return cookie::ResponseCookie::default();
    }
    let ctx = cookie::ResponseCtx {
        server: Some(cookie_server(server)),
        // A redispatched stream is no longer direct: the cookie is set anew.
        direct: a.direct && a.server == Some(server.id),
        ignore_persist: a.ignore,
        method,
        status,
        request: a.cookie,
        now: now_secs(),
    };
    let out = cookie::on_response(be.cookie.as_ref(), be.checkcache, &ctx, headers);
    if out.block {
        crate::log::event(
            crate::log::Level::Alert,
            &cookie::checkcache_alert(&be.name, Some(&server.name)),
        );
    }
    out
}

/// Runs the backend's request-side `stick` rules (after `use-server` and the cookie): a
/// stuck server not DOWN (or DOWN, under `option persist` / `force-persist`) is assigned.
/// Returns what the stream stores once its server is known.
pub fn stick_rules(
    be: &Backend,
    ctx: &Ctx<'_>,
    r: &super::stick::Request<'_>,
    a: &mut Assignment,
) -> super::stick::Pending {
    if be.stick.rules.is_empty() {
        return super::stick::Pending::default();
    }
    let before = a.server;
    let pending = be.stick.request_rules(
        |rule| acl::holds(rule.cond.as_ref(), &be.acls, ctx),
        r,
        be.servers(),
        |s| s.op_state() != OpState::Stopped || be.option_persist || a.force,
        &mut a.server,
    );
    if before.is_none() && a.server.is_some() {
        a.direct = true;
    }
    pending
}
