//! `http-request` and `http-response` rules of `mode http` (configuration.txt 4.2
//! "http-request", "http-response", "redirect"): `return`, `deny`, `allow`, `auth`,
//! `redirect`, `set-header`, `add-header`, `del-header`, `set-path`, `set-pathq`,
//! `set-query`, `set-uri`, `set-method`, `reject`, `silent-drop`, `tarpit`; and the error
//! responses built from errorfiles. Other actions are accepted and ignored.

use super::*;
use crate::proxy::stick::{Request as StickRequest, View};

pub(super) fn error_response(chain: &[&ErrorPages], status: u16) -> Response<RespBody> {
    page_response(&errorfile::lookup(chain, status))
}

/// The response for an error page; an empty page (`errorfile CODE /dev/null`) closes the
/// connection without a word, as HAProxy does.
pub(super) fn page_response(page: &ErrorPage) -> Response<RespBody> {
    let mut r = page.response(RespBody::full(page.body.clone()));
    if page.silent {
        r.extensions_mut().insert(Rejected);
    }
    r
}

// Throwaway: goes with the hyper path (issue 6).
/// The codec's head of a hyper request (method, target, version, headers), which the rules,
/// samples and persistence read. Built by writing the head out and parsing it back.
pub(super) fn head_of_request<B>(req: &Request<B>) -> Option<crate::http::Head> {
    let version = if req.version() == Version::HTTP_10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let start = format!("{} {} {version}", req.method(), req.uri());
    reparse(&start, req.headers(), crate::http::parse_request)
}

// Throwaway: goes with the hyper path (issue 6).
/// The codec's head of a hyper response's status and headers.
pub(super) fn head_of_response(
    status: StatusCode,
    headers: &HeaderMap,
) -> Option<crate::http::Head> {
    let reason = status.canonical_reason().unwrap_or("Unknown");
    let start = format!("HTTP/1.1 {} {reason}", status.as_u16());
    reparse(&start, headers, crate::http::parse_response)
}

// Throwaway: goes with the hyper path (issue 6).
/// Fields hyper accepts where the codec may refuse them (framing, a `Host` that disagrees
/// with an absolute target): left out of the head when it does not parse with them.
const FRAGILE: [HeaderName; 3] = [
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::HOST,
];

// Throwaway: goes with the hyper path (issue 6).
fn reparse(
    start: &str,
    headers: &HeaderMap,
    parse: fn(&[u8], &crate::http::Limits) -> crate::http::Status,
) -> Option<crate::http::Head> {
    let limits = crate::http::Limits {
        max_headers: usize::MAX,
        max_head: 1 << 26,
    };
    let raw = |skip: &[HeaderName], all: bool| {
        let mut b = Vec::with_capacity(start.len() + 64 * headers.len());
        b.extend_from_slice(start.as_bytes());
        b.extend_from_slice(b"\r\n");
        for (n, v) in headers.iter().filter(|(n, _)| !all && !skip.contains(n)) {
            b.extend_from_slice(n.as_str().as_bytes());
            b.extend_from_slice(b": ");
            b.extend_from_slice(v.as_bytes());
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"\r\n");
        b
    };
    [(&[][..], false), (&FRAGILE[..], false), (&[][..], true)]
        .into_iter()
        .find_map(|(skip, all)| match parse(&raw(skip, all), &limits) {
            crate::http::Status::Complete(h, _) => Some(h),
            _ => None,
        })
}

// Throwaway: goes with the hyper path (issue 6).
/// Replaces the fields of `h` by those of `head` (edited by the persistence cookie), in
/// order; the [`FRAGILE`] fields a head could not hold stay as they were.
pub(super) fn write_back(head: &crate::http::Head, h: &mut HeaderMap) {
    let mut out = HeaderMap::with_capacity(head.len());
    for (n, v) in head.headers() {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(n), HeaderValue::from_bytes(v)) {
            out.append(n, v);
        }
    }
    for n in FRAGILE {
        if !head.contains(n.as_str()) {
            for v in h.get_all(&n) {
                out.append(n.clone(), v.clone());
            }
        }
    }
    *h = out;
}

pub(super) fn ctx_of<'a>(
    req: Option<&'a crate::http::Head>,
    src: Option<IpAddr>,
    re: &'a Regexes,
    stick: Option<&'a View<'a>>,
) -> Ctx<'a> {
    Ctx {
        src,
        regexes: Some(re),
        stick,
        req,
        ..Ctx::default()
    }
}

/// Runs `http-request` rules; `Some(response)` when a rule answered.
pub(super) fn run_rules(
    rules: &[HttpRule],
    (acls, re, view): (&[crate::config::model::Acl], &Regexes, &View<'_>),
    req: &mut Request<Incoming>,
    peer: Peer,
    chain: &[&ErrorPages],
) -> Option<Response<RespBody>> {
    let src = peer.src.map(|a| a.ip());
    for rule in rules {
        let head = head_of_request(req);
        let ctx = ctx_of(head.as_ref(), src, re, Some(view));
        if !acl::holds(rule.cond.as_ref(), acls, &ctx) {
            continue;
        }
        match &rule.action {
            HttpAction::TrackSc(t) => {
                if let Some(stream) = view.stream {
                    let r = StickRequest {
                        src,
                        req: head.as_ref(),
                    };
                    view.proxy.track(t, stream, &r, None, true);
                }
            }
            HttpAction::Return {
                status,
                content_type,
                body,
                headers,
            } => {
                let s = sample_of(head.as_ref(), peer);
                return Some(return_response(
                    *status,
                    content_type.as_deref(),
                    body,
                    headers,
                    &s,
                ));
            }
            HttpAction::Deny { status, reply } => {
                return Some(deny_response(
                    chain,
                    *status,
                    reply.as_ref(),
                    &sample_of(head.as_ref(), peer),
                ));
            }
            HttpAction::Allow => return None,
            HttpAction::Auth { realm } => {
                let mut r = error_response(chain, 401);
                let realm = realm.as_deref().unwrap_or("haproxy");
                if let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{realm}\"")) {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                return Some(r);
            }
            HttpAction::Redirect { args } => {
                if let Some(r) = redirect(args, req, peer) {
                    return Some(r);
                }
            }
            HttpAction::Other { name, args } if view.sc_action(name, args) => {}
            HttpAction::Other { name, args } => {
                if let Some(r) = other_action(name, args, req, peer, chain) {
                    return Some(r);
                }
            }
            action => {
                let value = header_value(action, &sample_of(head.as_ref(), peer));
                edit_headers(req.headers_mut(), action, value);
            }
        }
    }
    None
}

pub(super) fn sample_of(req: Option<&crate::http::Head>, peer: Peer) -> Sample<'_> {
    Sample {
        src: peer.src,
        dst: peer.dst,
        req,
    }
}

/// Marks a response that must not be sent: `http-request reject` / `silent-drop` close the
/// connection instead.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rejected;

/// Marks an error response that is held for `timeout tarpit` first (`http-request tarpit`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tarpit;

/// The error a client connection ends with when a rule rejects it.
#[derive(Debug, thiserror::Error)]
#[error("connection rejected by an http-request rule")]
pub struct RejectedByRule;

/// `http-request set-path|set-pathq|set-query|set-uri|set-method|reject|silent-drop|tarpit`.
/// Other actions are ignored.
pub(super) fn other_action(
    name: &str,
    args: &[String],
    req: &mut Request<Incoming>,
    peer: Peer,
    chain: &[&ErrorPages],
) -> Option<Response<RespBody>> {
    match name {
        "reject" | "silent-drop" => {
            let mut r = Response::new(RespBody::full(Bytes::new()));
            r.extensions_mut().insert(Rejected);
            return Some(r);
        }
        "tarpit" => {
            let status = match (args.first().map(String::as_str), args.get(1)) {
                (Some("deny_status" | "status"), Some(v)) => v.parse().unwrap_or(500),
                _ => 500,
            };
            let mut r = error_response(chain, status);
            r.extensions_mut().insert(Tarpit);
            return Some(r);
        }
        _ => {}
    }
    let fmt = args.first()?;
    let head = head_of_request(req);
    let value = sample::expand(fmt, &sample_of(head.as_ref(), peer)).into_owned();
    let uri = req.uri();
    let (path, query) = (uri.path(), uri.query());
    let new_target = match name {
        "set-path" => match query {
            Some(q) => format!("{value}?{q}"),
            None => value,
        },
        "set-pathq" | "set-uri" => value,
        "set-query" => format!("{path}?{value}"),
        "set-method" => {
            if let Ok(m) = http::Method::from_bytes(value.as_bytes()) {
                *req.method_mut() = m;
            }
            return None;
        }
        _ => return None,
    };
    let mut parts = uri.clone().into_parts();
    if name == "set-uri" {
        if let Ok(u) = new_target.parse::<http::Uri>() {
            *req.uri_mut() = u;
        }
        return None;
    }
    if let Ok(pq) = new_target.parse::<http::uri::PathAndQuery>() {
        parts.path_and_query = Some(pq);
        if let Ok(u) = http::Uri::from_parts(parts) {
            *req.uri_mut() = u;
        }
    }
    None
}

/// Runs `http-response` rules on a server response's headers; `Some(response)` replaces it
/// (`deny`, `return`).
pub(super) fn run_response_rules(
    rules: &[HttpRule],
    (acls, re, view): (&[crate::config::model::Acl], &Regexes, &View<'_>),
    parts: &mut http::response::Parts,
    peer: Peer,
    chain: &[&ErrorPages],
) -> Option<Response<RespBody>> {
    let sample = Sample {
        src: peer.src,
        dst: peer.dst,
        ..Sample::default()
    };
    for rule in rules {
        let head = head_of_response(parts.status, &parts.headers);
        let ctx = Ctx {
            src: peer.src.map(|a| a.ip()),
            status: Some(parts.status.as_u16()),
            res: head.as_ref(),
            regexes: Some(re),
            stick: Some(view),
            ..Ctx::default()
        };
        if !acl::holds(rule.cond.as_ref(), acls, &ctx) {
            continue;
        }
        match &rule.action {
            HttpAction::Return {
                status,
                content_type,
                body,
                headers: hdrs,
            } => {
                return Some(return_response(
                    *status,
                    content_type.as_deref(),
                    body,
                    hdrs,
                    &sample,
                ));
            }
            HttpAction::Deny { status, reply } => {
                return Some(deny_response(chain, *status, reply.as_ref(), &sample));
            }
            HttpAction::Allow => return None,
            HttpAction::TrackSc(t) => {
                if let Some(stream) = view.stream {
                    let r = StickRequest {
                        src: peer.src.map(|a| a.ip()),
                        req: None,
                    };
                    view.proxy.track(t, stream, &r, head.as_ref(), false);
                }
            }
            HttpAction::Other { name, args } if view.sc_action(name, args) => {}
            HttpAction::Other { name, args } if name == "set-status" => {
                // `set-status CODE [reason TEXT]`
                if let Some(code) = args.first().and_then(|c| c.parse().ok()) {
                    if let Ok(st) = StatusCode::from_u16(code) {
                        parts.status = st;
                        parts.extensions.remove::<hyper::ext::ReasonPhrase>();
                    }
                }
                if let (Some("reason"), Some(r)) = (args.get(1).map(String::as_str), args.get(2)) {
                    if let Ok(rp) = hyper::ext::ReasonPhrase::try_from(r.as_bytes().to_vec()) {
                        parts.extensions.insert(rp);
                    }
                }
            }
            action => {
                let value = header_value(action, &sample);
                edit_headers(&mut parts.headers, action, value);
            }
        }
    }
    None
}

/// The expanded value of a `set-header`/`add-header` action.
pub(super) fn header_value(action: &HttpAction, s: &Sample<'_>) -> Option<HeaderValue> {
    match action {
        HttpAction::SetHeader { value, .. } | HttpAction::AddHeader { value, .. } => {
            HeaderValue::from_str(&sample::expand(value, s)).ok()
        }
        _ => None,
    }
}

/// Applies a `set-header`, `add-header` or `del-header` action with its expanded `value`;
/// other actions are ignored.
pub(super) fn edit_headers(h: &mut HeaderMap, action: &HttpAction, value: Option<HeaderValue>) {
    match (action, value) {
        (HttpAction::SetHeader { name, .. }, Some(v)) => {
            if let Ok(n) = HeaderName::try_from(name.as_str()) {
                h.insert(n, v);
            }
        }
        (HttpAction::AddHeader { name, .. }, Some(v)) => {
            if let Ok(n) = HeaderName::try_from(name.as_str()) {
                h.append(n, v);
            }
        }
        (HttpAction::DelHeader { name }, _) => {
            if let Ok(n) = HeaderName::try_from(name.as_str()) {
                h.remove(n);
            }
        }
        _ => {}
    }
}

/// `redirect location|prefix|scheme TARGET [code N] [drop-query] ...` (configuration.txt
/// 4.2 "redirect"); default code 302.
pub(super) fn redirect(
    args: &[String],
    req: &Request<Incoming>,
    peer: Peer,
) -> Option<Response<RespBody>> {
    let kind = args.first()?.as_str();
    let head = head_of_request(req);
    let s = sample_of(head.as_ref(), peer);
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
    let uri = req.uri();
    let tail = if drop_query {
        uri.path()
    } else {
        uri.path_and_query().map_or("/", |p| p.as_str())
    };
    let loc = match kind {
        "location" => target.into_owned(),
        "prefix" => format!("{}{}", target.trim_end_matches('/'), tail),
        "scheme" => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .or_else(|| uri.authority().map(|a| a.as_str()))?;
            format!("{target}://{host}{tail}")
        }
        _ => return None,
    };
    let mut r = Response::new(RespBody::full(Bytes::new()));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::FOUND);
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_str(&loc).ok()?);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(r)
}

/// `deny`: the proxy's error page for `status`, or the reply its arguments built.
fn deny_response(
    chain: &[&ErrorPages],
    status: u16,
    reply: Option<&Reply>,
    s: &Sample<'_>,
) -> Response<RespBody> {
    match reply {
        None => error_response(chain, status),
        Some(r) => {
            let ctype = r.content_type.as_deref();
            return_response(status, ctype, &r.body, &r.headers, s)
        }
    }
}

pub(super) fn return_response(
    status: u16,
    content_type: Option<&str>,
    body: &ReturnBody,
    headers: &[(String, String)],
    s: &Sample<'_>,
) -> Response<RespBody> {
    let bytes = match body {
        // `errorfiles NAME` is resolved at load; one left here has no page.
        ReturnBody::Empty | ReturnBody::Errorfiles(_) => Bytes::new(),
        ReturnBody::Bytes(b) => Bytes::copy_from_slice(b),
        ReturnBody::LogFormat(f) => Bytes::from(sample::expand(f, s).into_owned()),
        ReturnBody::RawResponse(raw) => {
            if let Some(p) = ErrorPage::parse(raw) {
                return page_response(&p);
            }
            Bytes::new()
        }
    };
    let mut r = Response::new(RespBody::full(bytes));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = r.headers_mut();
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    for (n, v) in headers {
        // HAProxy omits a `hdr` whose value expands to nothing.
        let value = sample::expand(v, s);
        if value.is_empty() {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(n.as_str()),
            HeaderValue::from_str(&value),
        ) {
            h.append(n, v);
        }
    }
    r
}
