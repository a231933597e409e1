//! Stage 2: the frontend and backend request analysers (`http_process_req_common` and
//! `process_switching_rules`): `monitor-uri`, the frontend's `http-request` rules,
//! `use_backend` / `default_backend`, the backend's `http-request` rules, then `option
//! forwardfor` and `option originalto`.

use std::sync::Arc;

use super::conn::Client;
use super::io::ClientIo;
use super::outgoing;
use super::reply::Reply;
use super::rules::{self, ctx_of, sample_of};
use super::txn::{self, Txn};
use crate::config::model::{ForwardFor, HttpConnMode};
use crate::http::Head;
use crate::proxy::backend::Backend;
use crate::proxy::stick::View;
use crate::proxy::stream::Phase;
use crate::proxy::Side;

/// Where the request goes.
pub enum Route {
    /// The proxy answers.
    Reply(Reply),
    /// To this backend.
    Backend(Arc<Backend>),
}

/// Runs the frontend and backend request rules and picks the backend.
pub fn run<C: ClientIo>(cl: &Client<C>, txn: &mut Txn) -> Route {
    let fe = &cl.fe;
    let peer = cl.peer;
    if fe
        .monitor_uri
        .as_deref()
        .is_some_and(|m| monitor_matches(&txn.req, m))
    {
        return Route::Reply(Reply::page(&[&fe.errors], 200));
    }
    let view = View {
        proxy: &fe.stick,
        stream: Some(&txn.slots),
        session: Some(&cl.session),
    };
    let scope = (&fe.acls[..], &fe.regexes, &view);
    let env = txn::env(fe, &txn.tr, &txn.vars, peer);
    if let Some(r) = rules::request(&fe.http_request, scope, &mut txn.req, env, &[&fe.errors]) {
        txn.tr.ended(Side::Proxy, false, Phase::Request);
        return Route::Reply(r);
    }
    let chosen = fe.select(
        &ctx_of(&txn.req, env, &fe.regexes, Some(&view)),
        &sample_of(&txn.req, peer),
    );
    let Some(be) = chosen else {
        txn.tr.ended(Side::Proxy, false, Phase::Request);
        return Route::Reply(Reply::page(&[&fe.errors], 503));
    };
    txn.tr.backend = Some(Arc::clone(&be));
    txn.mode = outgoing::mode(fe.conn_mode, be.conn_mode);
    if txn.mode == HttpConnMode::Close {
        txn.client_close = true;
    }
    if !fe.is_own(&be) {
        let view = View {
            proxy: &be.stick,
            stream: Some(&txn.slots),
            session: Some(&cl.session),
        };
        let scope = (&be.acls[..], &be.regexes, &view);
        let chain = [&be.errors, &fe.errors];
        let env = txn::env(fe, &txn.tr, &txn.vars, peer);
        if let Some(r) = rules::request(&be.http_request, scope, &mut txn.req, env, &chain) {
            txn.tr.ended(Side::Proxy, false, Phase::Request);
            return Route::Reply(r);
        }
    }
    if let (Some(ff), Some(src)) = (be.forwardfor.as_ref().or(fe.forwardfor.as_ref()), peer.src) {
        forwardfor(&mut txn.req, ff, src.ip());
    }
    if let (Some(ot), Some(dst)) = (be.originalto.as_ref().or(fe.originalto.as_ref()), peer.dst) {
        if !ot.except.is_some_and(|n| n.contains(dst.ip())) {
            txn.req
                .append(ot.header.as_bytes(), dst.ip().to_string().as_bytes());
        }
    }
    Route::Backend(be)
}

/// `monitor-uri`: the whole target, or its path for an absolute URI.
fn monitor_matches(req: &Head, m: &str) -> bool {
    let t = req.target();
    t == m.as_bytes() || path_of(t) == m.as_bytes()
}

/// The path and query of a target (an absolute URI loses its scheme and authority).
pub(super) fn path_of(t: &[u8]) -> &[u8] {
    let Some(i) = t.windows(3).position(|w| w == b"://") else {
        return t;
    };
    let rest = t.get(i + 3..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'/') {
        Some(j) => rest.get(j..).unwrap_or_default(),
        None => b"/",
    }
}

/// `option forwardfor [except NET] [header NAME] [if-none]`.
fn forwardfor(req: &mut Head, ff: &ForwardFor, ip: std::net::IpAddr) {
    if ff.except.is_some_and(|n| n.contains(ip)) {
        return;
    }
    if ff.if_none && req.contains(&ff.header) {
        return;
    }
    req.append(ff.header.as_bytes(), ip.to_string().as_bytes());
}
