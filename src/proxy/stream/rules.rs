//! `http-request` and `http-response` rules over the stream's [`Head`] (configuration.txt
//! 4.2 "http-request", "http-response", "redirect"): `return`, `deny`, `allow`, `auth`,
//! `redirect`, `set-header`, `add-header`, `del-header`, `set-path`, `set-pathq`,
//! `set-query`, `set-uri`, `set-method`, `set-status`, `set-var`, `set-var-fmt`,
//! `unset-var`, `reject`, `silent-drop`, `tarpit`, `track-sc*` and the `sc-*` counter
//! actions. Log-format arguments were typed at load; they render here through the `sample`
//! room. Actions the config room accepts but that are not run are announced at start-up by
//! `config::inactive`.

use std::sync::Mutex;

use bytes::Bytes;

use super::reply::Reply;
use crate::config::model::{
    Acl, HttpAction, HttpRule, LogFormat, ReturnBody, SetVar, TargetPart, VarValue,
};
use crate::http::Head;
use crate::proxy::acl::{self, Ctx, Names, Regexes};
use crate::proxy::errorfile::ErrorPages;
use crate::proxy::sample::Sample;
use crate::proxy::socket::Peer;
use crate::proxy::stick::{Request as StickRequest, View};
use crate::sample::{self as smp, Value, Vars};

/// The proxy whose rules run: its ACLs, regexes and stick counters.
pub type Scope<'a> = (&'a [Acl], &'a Regexes, &'a View<'a>);

/// What rules read besides the message: the connection's addresses, the names the stream
/// has reached and its variables.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// Addresses.
    pub peer: Peer,
    /// Frontend, backend and server names and ids.
    pub names: Names<'a>,
    /// The stream's variables.
    pub vars: &'a Mutex<Vars>,
}

impl<'a> Env<'a> {
    /// The `sample` room's context over these heads.
    pub fn sample(&self, req: Option<&'a Head>, res: Option<&'a Head>) -> smp::Ctx<'a> {
        smp::Ctx {
            src: self.peer.src,
            dst: self.peer.dst,
            req,
            res,
            frontend: self.names.frontend,
            backend: self.names.backend,
            server: self.names.server,
            body: None,
        }
    }

    /// Renders a log-format argument; text without samples is copied as is.
    pub fn render(&self, f: &LogFormat, req: Option<&'a Head>, res: Option<&'a Head>) -> Vec<u8> {
        if let Some(t) = smp::logformat::literal(f) {
            return t.as_bytes().to_vec();
        }
        let ctx = self.sample(req, res);
        match self.vars.try_lock() {
            Ok(mut v) => smp::logformat::render(f, &ctx, &mut v),
            Err(_) => smp::logformat::render(f, &ctx, &mut Vars::default()),
        }
    }
}

/// The sample context of a request, for the `%[...]` expander not moved yet.
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
    env: Env<'a>,
    re: &'a Regexes,
    stick: Option<&'a View<'a>>,
) -> Ctx<'a> {
    let src = env.peer.src;
    Ctx {
        src: src.map(|a| a.ip()),
        src_port: src.map(|a| a.port()),
        dst: env.peer.dst,
        req: Some(req),
        regexes: Some(re),
        stick,
        names: env.names,
        vars: Some(env.vars),
        ..Ctx::default()
    }
}

/// Runs `http-request` rules; `Some(reply)` when one answered.
pub fn request(
    rules: &[HttpRule],
    (acls, re, view): Scope<'_>,
    req: &mut Head,
    env: Env<'_>,
    chain: &[&ErrorPages],
) -> Option<Reply> {
    for rule in rules {
        if !acl::holds(rule.cond.as_ref(), acls, &ctx_of(req, env, re, Some(view))) {
            continue;
        }
        match &rule.action {
            HttpAction::TrackSc(t) => {
                if let Some(stream) = view.stream {
                    let r = StickRequest {
                        src: env.peer.src.map(|a| a.ip()),
                        req: Some(req),
                    };
                    view.proxy.track(t, stream, &r, None, true);
                }
            }
            HttpAction::Allow => return None,
            HttpAction::Redirect { args, target } => {
                if let Some(r) = redirect(args, &env.render(target, Some(req), None), req) {
                    return Some(r);
                }
            }
            HttpAction::SetTarget { part, value } => {
                let v = env.render(value, Some(req), None);
                set_target(req, *part, &v);
            }
            HttpAction::Other { name, args } if view.sc_action(name, args) => {}
            HttpAction::Other { name, args } => {
                if let Some(r) = other(name, args, chain) {
                    return Some(r);
                }
            }
            action => {
                if edit(action, req, env, true) {
                    continue;
                }
                if let Some(r) = answer(action, env, Some(req), None, chain) {
                    return Some(r);
                }
            }
        }
    }
    None
}

/// Runs `http-response` rules on a server's response head; `Some(reply)` replaces it.
pub fn response(
    rules: &[HttpRule],
    (acls, re, view): Scope<'_>,
    res: &mut Head,
    env: Env<'_>,
    chain: &[&ErrorPages],
) -> Option<Reply> {
    for rule in rules {
        let ctx = Ctx {
            src: env.peer.src.map(|a| a.ip()),
            src_port: env.peer.src.map(|a| a.port()),
            dst: env.peer.dst,
            status: Some(res.status()),
            res: Some(res),
            regexes: Some(re),
            stick: Some(view),
            names: env.names,
            vars: Some(env.vars),
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
                        src: env.peer.src.map(|a| a.ip()),
                        req: None,
                    };
                    view.proxy.track(t, stream, &r, Some(res), false);
                }
            }
            HttpAction::Other { name, args } if view.sc_action(name, args) => {}
            HttpAction::SetStatus { code, reason } => {
                let reason = reason
                    .as_deref()
                    .unwrap_or_else(|| super::reply::reason(*code));
                res.set_status(*code, reason.as_bytes());
            }
            action => {
                if edit(action, res, env, false) {
                    continue;
                }
                if let Some(r) = answer(action, env, None, Some(res), chain) {
                    return Some(r);
                }
            }
        }
    }
    None
}

/// The editing actions both rule sets share, on `msg` (the request when `is_req`):
/// `set-header`, `add-header`, `del-header` and the variable actions. False when `action`
/// is not one of them.
fn edit(action: &HttpAction, msg: &mut Head, env: Env<'_>, is_req: bool) -> bool {
    let (req, res) = if is_req {
        (Some(&*msg), None)
    } else {
        (None, Some(&*msg))
    };
    match action {
        HttpAction::SetHeader { name, value } => {
            let v = env.render(value, req, res);
            msg.set(name, &v);
        }
        HttpAction::AddHeader { name, value } => {
            let v = env.render(value, req, res);
            msg.append(name.as_bytes(), &v);
        }
        HttpAction::DelHeader { name } => {
            msg.remove(name);
        }
        HttpAction::SetVar(v) => set_var(v, env, req, res),
        HttpAction::UnsetVar { var } => {
            if let Ok(mut vars) = env.vars.try_lock() {
                vars.unset(var);
            }
        }
        _ => return false,
    }
    true
}

/// `set-var(NAME[,COND...]) EXPR` / `set-var-fmt`: nothing is stored when the sample is
/// missing, as in HAProxy's `action_store()`.
fn set_var<'a>(v: &SetVar, env: Env<'a>, req: Option<&'a Head>, res: Option<&'a Head>) {
    let ctx = env.sample(req, res);
    let Ok(mut vars) = env.vars.try_lock() else {
        return;
    };
    let value = match &v.value {
        VarValue::Expr(e) => smp::eval(e, &ctx, &mut vars).map(Value::into_owned),
        VarValue::Format(f) => Some(Value::string(smp::logformat::render(f, &ctx, &mut vars))),
    };
    if let Some(value) = value {
        vars.set_if(&v.var, value, &v.conds);
    }
}

/// `set-method`, `set-path`, `set-pathq`, `set-query`, `set-uri`.
fn set_target(req: &mut Head, part: TargetPart, value: &[u8]) {
    if part == TargetPart::Method {
        req.set_method(value);
        return;
    }
    let target = req.target();
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(i) => (target.get(..i).unwrap_or_default(), target.get(i + 1..)),
        None => (target, None),
    };
    let new_target: Vec<u8> = match part {
        TargetPart::Path => match query {
            Some(q) => [value, b"?", q].concat(),
            None => value.to_vec(),
        },
        TargetPart::Query => [path, b"?", value].concat(),
        _ => value.to_vec(),
    };
    req.set_target(&new_target);
}

/// The answering actions both rule sets share: `return`, `deny`, `auth`.
fn answer<'a>(
    action: &HttpAction,
    env: Env<'a>,
    req: Option<&'a Head>,
    res: Option<&'a Head>,
    chain: &[&ErrorPages],
) -> Option<Reply> {
    match action {
        HttpAction::Return {
            status,
            content_type,
            body,
            headers,
        } => Some(build(
            *status,
            content_type.as_deref(),
            body,
            headers,
            env,
            req,
            res,
        )),
        HttpAction::Deny { status, reply } => Some(match reply {
            None => Reply::page(chain, *status),
            Some(r) => build(
                *status,
                r.content_type.as_deref(),
                &r.body,
                &r.headers,
                env,
                req,
                res,
            ),
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

/// `reject`, `silent-drop`, `tarpit`.
fn other(name: &str, args: &[String], chain: &[&ErrorPages]) -> Option<Reply> {
    match name {
        "reject" | "silent-drop" => Some(Reply::silent(0)),
        "tarpit" => {
            let status = match (args.first().map(String::as_str), args.get(1)) {
                (Some("deny_status" | "status"), Some(v)) => v.parse().unwrap_or(500),
                _ => 500,
            };
            let mut r = Reply::page(chain, status);
            r.tarpit = true;
            Some(r)
        }
        _ => None,
    }
}

/// `redirect location|prefix|scheme TARGET [code N] [drop-query]` (configuration.txt 4.2
/// "redirect"); default code 302. HAProxy writes `content-length: 0` then `location`.
fn redirect(args: &[String], target: &[u8], req: &Head) -> Option<Reply> {
    let kind = args.first()?.as_str();
    let target = String::from_utf8_lossy(target);
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

/// A `return` (or `deny` with reply arguments): `hdr` lines whose value renders to nothing
/// are omitted, as HAProxy does.
fn build<'a>(
    status: u16,
    ctype: Option<&str>,
    body: &ReturnBody,
    headers: &[(String, LogFormat)],
    env: Env<'a>,
    req: Option<&'a Head>,
    res: Option<&'a Head>,
) -> Reply {
    let bytes = match body {
        // `errorfiles NAME` is resolved at load; one left here has no page.
        ReturnBody::Empty | ReturnBody::Errorfiles(_) => Bytes::new(),
        ReturnBody::Bytes(b) => Bytes::copy_from_slice(b),
        ReturnBody::LogFormat(f) => Bytes::from(env.render(f, req, res)),
        ReturnBody::RawResponse(raw) => return Reply::raw(raw),
    };
    let values: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), env.render(v, req, res)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let hdrs: Vec<(&str, &[u8])> = values
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let ctype = if bytes.is_empty() && ctype.is_none() {
        None
    } else {
        ctype
    };
    Reply::build(status, &hdrs, ctype.map(str::as_bytes), bytes)
}
