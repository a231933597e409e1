//! `http-request` and `http-response` rules over the stream's [`Head`] (configuration.txt
//! 4.2 "http-request", "http-response", "redirect"): `return`, `deny`, `allow`, `auth`,
//! `redirect`, `set-header`, `add-header`, `del-header`, `set-path`, `set-pathq`,
//! `set-query`, `set-uri`, `set-method`, `set-status`, `reject`, `silent-drop`, `tarpit`,
//! `track-sc*` and the `sc-*` counter actions. Actions the config room accepts but that are
//! not run are announced at start-up by `config::inactive`.

use bytes::Bytes;

use super::reply::Reply;
use crate::config::model::{Acl, HttpAction, HttpRule, ReturnBody};
use crate::http::Head;
use crate::proxy::acl::{self, Ctx, Regexes};
use crate::proxy::errorfile::ErrorPages;
use crate::proxy::sample::{self, Sample};
use crate::proxy::socket::Peer;
use crate::proxy::stick::{Request as StickRequest, View};

/// The proxy whose rules run: its ACLs, regexes and stick counters.
pub type Scope<'a> = (&'a [Acl], &'a Regexes, &'a View<'a>);

/// The sample context of a request.
pub fn sample_of(req: &Head, peer: Peer) -> Sample<'_> {
    Sample {
        src: peer.src,
        dst: peer.dst,
        req: Some(req),
    }
}

/// The ACL context of a request.
pub fn ctx_of<'a>(
    req: &'a Head,
    peer: Peer,
    re: &'a Regexes,
    stick: Option<&'a View<'a>>,
) -> Ctx<'a> {
    Ctx {
        src: peer.src.map(|a| a.ip()),
        src_port: peer.src.map(|a| a.port()),
        dst: peer.dst,
        req: Some(req),
        regexes: Some(re),
        stick,
        ..Ctx::default()
    }
}

/// Runs `http-request` rules; `Some(reply)` when one answered.
pub fn request(
    rules: &[HttpRule],
    (acls, re, view): Scope<'_>,
    req: &mut Head,
    peer: Peer,
    chain: &[&ErrorPages],
) -> Option<Reply> {
    for rule in rules {
        if !acl::holds(rule.cond.as_ref(), acls, &ctx_of(req, peer, re, Some(view))) {
            continue;
        }
        match &rule.action {
            HttpAction::TrackSc(t) => {
                if let Some(stream) = view.stream {
                    let r = StickRequest {
                        src: peer.src.map(|a| a.ip()),
                        req: Some(req),
                    };
                    view.proxy.track(t, stream, &r, None, true);
                }
            }
            HttpAction::Allow => return None,
            HttpAction::Redirect { args } => {
                if let Some(r) = redirect(args, req, peer) {
                    return Some(r);
                }
            }
            HttpAction::Other { name, args } if view.sc_action(name, args) => {}
            HttpAction::Other { name, args } => {
                if let Some(r) = other(name, args, req, peer, chain) {
                    return Some(r);
                }
            }
            HttpAction::DelHeader { name } => {
                req.remove(name);
            }
            action => {
                if request_header_edit(action, req, peer) {
                    continue;
                }
                if let Some(r) = answer(action, &sample_of(req, peer), chain) {
                    return Some(r);
                }
            }
        }
    }
    None
}

/// The answering actions both rule sets share: `return`, `deny`, `auth`.
fn answer(action: &HttpAction, s: &Sample<'_>, chain: &[&ErrorPages]) -> Option<Reply> {
    match action {
        HttpAction::Return {
            status,
            content_type,
            body,
            headers,
        } => Some(build(*status, content_type.as_deref(), body, headers, s)),
        HttpAction::Deny { status, reply } => Some(match reply {
            None => Reply::page(chain, *status),
            Some(r) => build(*status, r.content_type.as_deref(), &r.body, &r.headers, s),
        }),
        HttpAction::Auth { realm } => {
            let mut r = Reply::page(chain, 401);
            let realm = realm.as_deref().unwrap_or("haproxy");
            if let Some(h) = r.head.as_mut() {
                h.append(
                    b"www-authenticate",
                    format!("Basic realm=\"{realm}\"").as_bytes(),
                );
            }
            Some(r)
        }
        _ => None,
    }
}

/// Expands the value of a `set-header` / `add-header` against the message before editing it.
fn edit_value(action: &HttpAction, s: &Sample<'_>) -> Option<(String, String, bool)> {
    match action {
        HttpAction::SetHeader { name, value } => {
            Some((name.clone(), sample::expand(value, s).into_owned(), true))
        }
        HttpAction::AddHeader { name, value } => {
            Some((name.clone(), sample::expand(value, s).into_owned(), false))
        }
        _ => None,
    }
}

/// Runs a `set-header` / `add-header` on `msg`, whose samples are read from `s`.
fn header_edit(action: &HttpAction, msg: &mut Head, s: &Sample<'_>) -> bool {
    let Some((name, value, set)) = edit_value(action, s) else {
        return false;
    };
    if set {
        msg.set(&name, value.as_bytes());
    } else {
        msg.append(name.as_bytes(), value.as_bytes());
    }
    true
}

/// `http-request set-header|add-header` reading the request they edit.
fn request_header_edit(action: &HttpAction, req: &mut Head, peer: Peer) -> bool {
    let edit = {
        let s = sample_of(req, peer);
        edit_value(action, &s)
    };
    match edit {
        Some((name, value, true)) => {
            req.set(&name, value.as_bytes());
            true
        }
        Some((name, value, false)) => {
            req.append(name.as_bytes(), value.as_bytes());
            true
        }
        None => false,
    }
}

/// `reject`, `silent-drop`, `tarpit`, `set-method`, `set-path`, `set-pathq`, `set-query`,
/// `set-uri`, and the header edits.
fn other(
    name: &str,
    args: &[String],
    req: &mut Head,
    peer: Peer,
    chain: &[&ErrorPages],
) -> Option<Reply> {
    match name {
        "reject" | "silent-drop" => return Some(Reply::silent(0)),
        "tarpit" => {
            let status = match (args.first().map(String::as_str), args.get(1)) {
                (Some("deny_status" | "status"), Some(v)) => v.parse().unwrap_or(500),
                _ => 500,
            };
            let mut r = Reply::page(chain, status);
            r.tarpit = true;
            return Some(r);
        }
        _ => {}
    }
    let fmt = args.first()?;
    let value = sample::expand(fmt, &sample_of(req, peer)).into_owned();
    let target = req.target().to_vec();
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(i) => (target.get(..i).unwrap_or_default(), target.get(i + 1..)),
        None => (&target[..], None),
    };
    let new_target: Vec<u8> = match name {
        "set-path" => match query {
            Some(q) => [value.as_bytes(), b"?", q].concat(),
            None => value.into_bytes(),
        },
        "set-pathq" | "set-uri" => value.into_bytes(),
        "set-query" => [path, b"?", value.as_bytes()].concat(),
        "set-method" => {
            req.set_method(value.as_bytes());
            return None;
        }
        _ => return None,
    };
    req.set_target(&new_target);
    None
}

/// Runs `http-response` rules on a server's response head; `Some(reply)` replaces it.
pub fn response(
    rules: &[HttpRule],
    (acls, re, view): Scope<'_>,
    res: &mut Head,
    peer: Peer,
    chain: &[&ErrorPages],
) -> Option<Reply> {
    let sample = Sample {
        src: peer.src,
        dst: peer.dst,
        req: None,
    };
    for rule in rules {
        let ctx = Ctx {
            src: peer.src.map(|a| a.ip()),
            src_port: peer.src.map(|a| a.port()),
            dst: peer.dst,
            status: Some(res.status()),
            res: Some(res),
            regexes: Some(re),
            stick: Some(view),
            ..Ctx::default()
        };
        if !acl::holds(rule.cond.as_ref(), acls, &ctx) {
            continue;
        }
        match &rule.action {
            HttpAction::Allow => return None,
            HttpAction::TrackSc(t) => {
                if let Some(stream) = view.stream {
                    let r = StickRequest {
                        src: peer.src.map(|a| a.ip()),
                        req: None,
                    };
                    view.proxy.track(t, stream, &r, Some(res), false);
                }
            }
            HttpAction::Other { name, args } if view.sc_action(name, args) => {}
            HttpAction::Other { name, args } if name == "set-status" => {
                if let Some(code) = args.first().and_then(|c| c.parse::<u16>().ok()) {
                    let reason = match (args.get(1).map(String::as_str), args.get(2)) {
                        (Some("reason"), Some(r)) => r.clone(),
                        _ => super::reply::reason(code).to_string(),
                    };
                    res.set_status(code, reason.as_bytes());
                }
            }
            HttpAction::DelHeader { name } => {
                res.remove(name);
            }
            action => {
                if header_edit(action, res, &sample) {
                    continue;
                }
                if let Some(r) = answer(action, &sample, chain) {
                    return Some(r);
                }
            }
        }
    }
    None
}

/// `redirect location|prefix|scheme TARGET [code N] [drop-query]` (configuration.txt 4.2
/// "redirect"); default code 302. HAProxy writes `content-length: 0` then `location`.
fn redirect(args: &[String], req: &Head, peer: Peer) -> Option<Reply> {
    let kind = args.first()?.as_str();
    let s = sample_of(req, peer);
    let target = sample::expand(args.get(1)?, &s);
    let mut code = 302u16;
    let mut drop_query = false;
    let mut i = 2;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "code" => {
                code = args.get(i + 1).and_then(|c| c.parse().ok()).unwrap_or(302);
                i += 1;
            }
            "drop-query" => drop_query = true,
            "if" | "unless" => break,
            _ => {}
        }
        i += 1;
    }
    let path_part = String::from_utf8_lossy(super::route::path_of(req.target())).into_owned();
    let tail = if drop_query {
        path_part.split('?').next().unwrap_or("/").to_string()
    } else {
        path_part
    };
    let loc = match kind {
        "location" => target.into_owned(),
        "prefix" => format!("{}{}", target.trim_end_matches('/'), tail),
        "scheme" => {
            let host = req
                .get("host")
                .map(|h| String::from_utf8_lossy(h).into_owned())?;
            format!("{target}://{host}{tail}")
        }
        _ => return None,
    };
    let mut r = Reply::build(code, &[], None, Bytes::new());
    if let Some(h) = r.head.as_mut() {
        h.append(b"location", loc.as_bytes());
    }
    Some(r)
}

/// A `return` (or `deny` with reply arguments): `hdr` lines whose value expands to nothing
/// are omitted, as HAProxy does.
fn build(
    status: u16,
    ctype: Option<&str>,
    body: &ReturnBody,
    headers: &[(String, String)],
    s: &Sample<'_>,
) -> Reply {
    let bytes = match body {
        // `errorfiles NAME` is resolved at load; one left here has no page.
        ReturnBody::Empty | ReturnBody::Errorfiles(_) => Bytes::new(),
        ReturnBody::Bytes(b) => Bytes::copy_from_slice(b),
        ReturnBody::LogFormat(f) => Bytes::from(sample::expand(f, s).into_owned()),
        ReturnBody::RawResponse(raw) => return Reply::raw(raw),
    };
    let values: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), sample::expand(v, s).into_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let hdrs: Vec<(&str, &[u8])> = values
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let ctype = if bytes.is_empty() && ctype.is_none() {
        None
    } else {
        ctype
    };
    Reply::build(status, &hdrs, ctype.map(str::as_bytes), bytes)
}
