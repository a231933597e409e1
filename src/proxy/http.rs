//! `mode http` streams with hyper (HTTP/1.1 and 1.0 clients).
//!
//! Keywords: `option httpclose`, `option http-server-close`, `option http-keep-alive`
//! (configuration.txt 4 "HTTP connection modes"), `option forwardfor [except NET]
//! [header NAME] [if-none]`, `http-request return|deny|allow|auth|set-header|add-header|
//! del-header`, `http-reuse` (idle server connections are pooled per server and reused,
//! except in `never` or close modes), `timeout http-request`, `timeout client`,
//! `timeout http-keep-alive`, `timeout server`.
//!
//! The first request head of a connection is read here (so that a malformed request gets
//! the 400 errorfile and a slow one the 408 errorfile), then the connection is handed to
//! hyper. Errors: 503 when no server can take the request, 502 on a bad or missing server
//! response, 504 on `timeout server`, 403 on `deny`.
//!
//! Header values of rules are used as written: log-format tags (`%[...]`) are not expanded.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Version};
use hyper::body::{Body, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::balance::Key;
use crate::config::model::{
    Balance, HttpAction, HttpConnMode, HttpReuse, HttpRule, Reply, ReturnBody,
};

use super::acl::{self, Ctx, Regexes};
use super::backend::{AcquireError, Backend, PooledConn, ReqBody, Slot, Stick, Want};
use super::errorfile::{self, ErrorPage, ErrorPages};
use super::frontend::Frontend;
use super::persist;
use super::sample::{self, Sample};
use super::socket::{after, IdleIo, IdleLimit, Peer, Rewind};
use super::stick::{self, Slots, View};
use super::stream::{Phase, StreamInfo, Termination};
use super::Side;
use crate::server::{Analyze, Server};

/// Largest request head accepted (HAProxy's default `tune.bufsize` is 16384).
const MAX_HEAD: usize = 16 * 1024;
/// How long a pooled connection may take to become ready again.
const POOL_READY: Duration = Duration::from_secs(1);

#[path = "http_body.rs"]
mod body;
#[path = "http_retry.rs"]
mod retry;
use body::Killed;
pub use body::{BodyError, RespBody, UpstreamBody};
use retry::{bodyless, l7_retry, Replay};

/// Per client connection state shared by its requests.
#[derive(Debug)]
struct ConnCtl {
    /// Requests seen so far (`http-reuse safe`: the first one never takes an idle
    /// connection of another client).
    served: AtomicU32,
    /// The client side's inactivity limit, switched to `timeout tunnel` after an upgrade.
    client_idle: Option<IdleLimit>,
    /// The counters the connection tracks (`tcp-request ... track-sc*`).
    session: Arc<Slots>,
    /// The backend and server of the previous request (`option prefer-last-server`).
    last_server: std::sync::Mutex<Option<(String, crate::server::ServerId)>>,
}

/// The outcome of reading the first request head.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    Complete,
    Closed,
    Timeout,
    Bad,
}

/// The request's `Content-Length` headers, if any, all hold the same valid number (RFC 7230
/// 3.3.2; HAProxy answers 400 otherwise).
fn framing_is_valid(headers: &[httparse::Header<'_>]) -> bool {
    let mut seen: Option<u64> = None;
    for h in headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
    {
        let Ok(text) = std::str::from_utf8(h.value) else {
            return false;
        };
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            let Ok(n) = part.parse::<u64>() else {
                return false;
            };
            if seen.is_some_and(|v| v != n) {
                return false;
            }
            seen = Some(n);
        }
    }
    true
}

async fn read_first_head<C>(client: &mut C, buf: &mut BytesMut, limit: Option<Duration>) -> Head
where
    C: AsyncRead + Unpin,
{
    let deadline = limit.map(|d| after(tokio::time::Instant::now(), d));
    loop {
        if !buf.is_empty() {
            let mut hdrs = [httparse::EMPTY_HEADER; 100];
            let mut req = httparse::Request::new(&mut hdrs);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(_)) if framing_is_valid(req.headers) => {
                    return Head::Complete
                }
                Ok(httparse::Status::Complete(_)) => return Head::Bad,
                Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
                Ok(httparse::Status::Partial) | Err(_) => return Head::Bad,
            }
        }
        buf.reserve(4096);
        let read = client.read_buf(buf);
        let n = match deadline {
            Some(d) => match tokio::time::timeout_at(d, read).await {
                Ok(r) => r,
                Err(_) => return Head::Timeout,
            },
            None => read.await,
        };
        match n {
            // The `timeout client` idle timer of the socket itself fired first.
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return Head::Timeout,
            Ok(0) | Err(_) => return Head::Closed,
            Ok(_) => {}
        }
    }
}

/// Serves one client connection of a `mode http` frontend until it closes; with
/// `timeout client`, the connection dies after that long without any I/O.
pub async fn serve<C>(fe: Arc<Frontend>, client: C, peer: Peer)
where
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    serve_session(fe, client, peer, Arc::new(Slots::default())).await;
}

/// [`serve`] with the counters the connection tracks (`tcp-request connection track-sc*`).
pub async fn serve_session<C>(fe: Arc<Frontend>, client: C, peer: Peer, session: Arc<Slots>)
where
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if !fe.tcp_rules.is_empty() {
        let view = View {
            proxy: &fe.stick,
            stream: None,
            session: Some(&session),
        };
        let ctx = Ctx {
            src: peer.src.map(|a| a.ip()),
            regexes: Some(&fe.regexes),
            stick: Some(&view),
            ..Ctx::default()
        };
        if !fe.tcp_accepts(true, &ctx, &session) {
            return;
        }
    }
    match fe.client_timeout {
        Some(t) => {
            let limit = IdleLimit::new(t);
            serve_conn(
                fe,
                IdleIo::with_limit(client, limit.clone()),
                peer,
                (Some(limit), session),
            )
            .await
        }
        None => serve_conn(fe, client, peer, (None, session)).await,
    }
}

async fn serve_conn<C>(
    fe: Arc<Frontend>,
    mut client: C,
    peer: Peer,
    (client_idle, session): (Option<IdleLimit>, Arc<Slots>),
) where
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut buf = BytesMut::with_capacity(4096);
    let limit = fe.http_request_timeout.or(fe.client_timeout);
    match read_first_head(&mut client, &mut buf, limit).await {
        Head::Complete => {}
        Head::Closed => return,
        Head::Timeout if buf.is_empty() && fe.ignore_probes => return,
        Head::Timeout => return write_raw_error(&fe, &mut client, 408).await,
        Head::Bad => return write_raw_error(&fe, &mut client, 400).await,
    }
    let io = TokioIo::new(Rewind::new(buf.freeze(), client));
    let fe2 = Arc::clone(&fe);
    let ctl = Arc::new(ConnCtl {
        served: AtomicU32::new(0),
        client_idle,
        session,
        last_server: std::sync::Mutex::new(None),
    });
    let svc = service_fn(move |req| handle(Arc::clone(&fe2), peer, req, Arc::clone(&ctl)));
    let mut b = hyper::server::conn::http1::Builder::new();
    b.timer(TokioTimer::new())
        .keep_alive(fe.conn_mode != HttpConnMode::Close)
        .auto_date_header(false)
        .writev(false)
        // A client's end of stream aborts its request only under `option abortonclose`.
        .half_close(!fe.abort_on_close)
        .header_read_timeout(fe.http_keep_alive_timeout.or(limit));
    let _ = b.serve_connection(io, svc).with_upgrades().await;
}

async fn write_raw_error<C: AsyncWrite + Unpin>(fe: &Frontend, client: &mut C, status: u16) {
    let page = errorfile::lookup(&[&fe.errors], status);
    let _ = client.write_all(&page.raw).await;
    let _ = client.shutdown().await;
}

/// True if an I/O `TimedOut` (our idle timers) is somewhere in the error's source chain.
fn caused_by_timeout(e: &hyper::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cur = err.source();
    }
    e.is_timeout()
}

/// Removes the hop-by-hop headers (`Connection` and those it names, `Keep-Alive`,
/// `Proxy-Connection`, `Upgrade`, `TE`).
fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::try_from(t.trim()).ok())
        .filter(|n| n != header::CONTENT_LENGTH && n != header::TRANSFER_ENCODING)
        .collect();
    for n in named {
        h.remove(n);
    }
    h.remove(header::CONNECTION);
    h.remove("keep-alive");
    h.remove("proxy-connection");
    h.remove(header::UPGRADE);
    h.remove(header::TE);
}

/// The effective mode: `httpclose` on either side wins, then `http-server-close`.
fn conn_mode(a: HttpConnMode, b: HttpConnMode) -> HttpConnMode {
    use HttpConnMode::*;
    match (a, b) {
        (Close, _) | (_, Close) => Close,
        (ServerClose, _) | (_, ServerClose) => ServerClose,
        _ => KeepAlive,
    }
}

fn key_of<'a>(algo: &'a Balance, req: &'a Request<Incoming>, src: Option<IpAddr>) -> Key<'a> {
    use crate::balance::key;
    let target = || {
        req.uri()
            .path_and_query()
            .map_or(req.uri().path(), |p| p.as_str())
            .as_bytes()
    };
    match algo {
        Balance::Source => src.map_or(Key::None, Key::Source),
        Balance::Uri {
            len,
            depth,
            whole,
            path_only,
        } => Key::Bytes(key::uri_key(target(), *len, *depth, *whole, *path_only)),
        Balance::UrlParam { name, .. } => {
            key::url_param(target(), name.as_bytes()).map_or(Key::None, Key::Bytes)
        }
        Balance::Hdr {
            name,
            use_domain_only,
        } => req
            .headers()
            .get(name.as_str())
            .and_then(|v| key::hdr_key(v.as_bytes(), *use_domain_only))
            .map_or(Key::None, Key::Bytes),
        _ => Key::None,
    }
}

/// One request: the log hook (if any) sees its summary once the response head is ready.
async fn handle(
    fe: Arc<Frontend>,
    peer: Peer,
    req: Request<Incoming>,
    ctl: Arc<ConnCtl>,
) -> Result<Response<RespBody>, RejectedByRule> {
    let mut tr = Trace::new();
    let stream = Slots::default();
    let Some(hook) = fe.log_hook.clone() else {
        let r = route(&fe, peer, req, &ctl, (&mut tr, &stream)).await;
        stick::count_status(&[&stream, &ctl.session], r.status().as_u16());
        return deliver(&fe, r).await;
    };
    let accept = SystemTime::now();
    let request_line = format!("{} {} {:?}", req.method(), req.uri(), req.version());
    let r = route(&fe, peer, req, &ctl, (&mut tr, &stream)).await;
    stick::count_status(&[&stream, &ctl.session], r.status().as_u16());
    let bytes_out = r
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or_else(|| r.body().size_hint().exact())
        .unwrap_or(0);
    hook(&StreamInfo {
        accept,
        client: peer.src,
        frontend: Arc::from(fe.name.as_str()),
        backend: tr.backend.as_ref().map(|b| Arc::from(b.name.as_str())),
        server: tr.server.as_ref().map(|s| Arc::from(s.name.as_str())),
        t_queue: tr.t_queue,
        t_connect: tr.t_connect,
        t_response: tr.t_response,
        t_total: tr.start.elapsed(),
        status: Some(r.status().as_u16()),
        bytes_out,
        bytes_in: 0,
        retries: tr.retries,
        request_line: Some(request_line),
        termination: tr.term,
    });
    deliver(&fe, r).await
}

/// Sends `r`, or closes the connection for `reject` or an empty errorfile, or holds a `tarpit` answer for
/// `timeout tarpit` (else `timeout connect`) first.
async fn deliver(
    fe: &Frontend,
    r: Response<RespBody>,
) -> Result<Response<RespBody>, RejectedByRule> {
    if r.extensions().get::<Rejected>().is_some() {
        return Err(RejectedByRule);
    }
    if r.extensions().get::<Tarpit>().is_some() {
        if let Some(t) = fe.tarpit_timeout {
            tokio::time::sleep(t).await;
        }
    }
    Ok(r)
}

/// Routes a request: monitor-uri, rules, backend choice, forwarding.
async fn route(
    fe: &Arc<Frontend>,
    peer: Peer,
    mut req: Request<Incoming>,
    ctl: &ConnCtl,
    (tr, stream): (&mut Trace, &Slots),
) -> Response<RespBody> {
    let fe = Arc::clone(fe);
    let first = ctl.served.fetch_add(1, Ordering::Relaxed) == 0;
    let src = peer.src.map(|a| a.ip());
    // Counters the connection tracks see every request.
    stick::count_request(&ctl.session);
    let fe_view = View {
        proxy: &fe.stick,
        stream: Some(stream),
        session: Some(&ctl.session),
    };
    if let Some(m) = fe.monitor_uri.as_deref() {
        let uri = req.uri();
        if uri.path_and_query().is_some_and(|p| p.as_str() == m) || uri == m {
            return finish_response(error_response(&[&fe.errors], 200), fe.conn_mode);
        }
    }
    if let Some(r) = run_rules(
        &fe.http_request,
        (&fe.acls, &fe.regexes, &fe_view),
        &mut req,
        peer,
        &[&fe.errors],
    ) {
        tr.term = PROXY_REQUEST;
        return finish_response(r, fe.conn_mode);
    }
    let head = rules::head_of_request(&req);
    let Some(be) = fe.select(
        &ctx_of(head.as_ref(), src, &fe.regexes, Some(&fe_view)),
        &rules::sample_of(head.as_ref(), peer),
    ) else {
        tr.term = PROXY_REQUEST;
        return finish_response(error_response(&[&fe.errors], 503), fe.conn_mode);
    };
    let chain = [&be.errors, &fe.errors];
    let mode = conn_mode(fe.conn_mode, be.conn_mode);
    let be_view = View {
        proxy: &be.stick,
        stream: Some(stream),
        session: Some(&ctl.session),
    };
    if !fe.is_own(&be) {
        tr.backend = Some(Arc::clone(&be));
        if let Some(r) = run_rules(
            &be.http_request,
            (&be.acls, &be.regexes, &be_view),
            &mut req,
            peer,
            &chain,
        ) {
            tr.term = PROXY_REQUEST;
            return finish_response(r, mode);
        }
    }
    if let (Some(ff), Some(ip)) = (be.forwardfor.as_ref().or(fe.forwardfor.as_ref()), src) {
        let excepted = ff.except.is_some_and(|n| n.contains(ip));
        if let Ok(name) = HeaderName::try_from(ff.header.as_str()) {
            let present = req.headers().contains_key(&name);
            let skip = excepted || (ff.if_none && present);
            if !skip {
                if let Ok(v) = HeaderValue::from_str(&ip.to_string()) {
                    req.headers_mut().append(name, v);
                }
            }
        }
    }
    if let (Some(ot), Some(dst)) = (be.originalto.as_ref().or(fe.originalto.as_ref()), peer.dst) {
        let ip = dst.ip();
        let excepted = ot.except.is_some_and(|n| n.contains(ip));
        if let (false, Ok(name), Ok(v)) = (
            excepted,
            HeaderName::try_from(ot.header.as_str()),
            HeaderValue::from_str(&ip.to_string()),
        ) {
            req.headers_mut().append(name, v);
        }
    }
    tr.backend = Some(Arc::clone(&be));
    let r = forward(&fe, &be, &chain, req, peer, mode, (first, ctl, tr, stream)).await;
    finish_response(r, mode)
}

/// Adds `Connection: close` in `option httpclose` mode.
fn finish_response(mut r: Response<RespBody>, mode: HttpConnMode) -> Response<RespBody> {
    if mode == HttpConnMode::Close {
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

/// What [`route`] and [`forward`] learnt about a request, for its log line.
#[derive(Debug)]
struct Trace {
    start: Instant,
    backend: Option<Arc<Backend>>,
    server: Option<Arc<Server>>,
    t_queue: Option<Duration>,
    t_connect: Option<Duration>,
    t_response: Option<Duration>,
    retries: u32,
    term: Termination,
}

impl Trace {
    fn new() -> Trace {
        Trace {
            start: Instant::now(),
            backend: None,
            server: None,
            t_queue: None,
            t_connect: None,
            t_response: None,
            retries: 0,
            term: Termination::NORMAL,
        }
    }
}

const PROXY_REQUEST: Termination = Termination {
    side: Some(Side::Proxy),
    timeout: false,
    phase: Phase::Request,
};

fn term(side: Side, timeout: bool, phase: Phase) -> Termination {
    Termination {
        side: Some(side),
        timeout,
        phase,
    }
}

/// Sends `req` to a server of `be` and returns its response, or the error page.
async fn forward(
    fe: &Frontend,
    be: &Arc<Backend>,
    chain: &[&ErrorPages],
    mut req: Request<Incoming>,
    peer: Peer,
    mode: HttpConnMode,
    (first, ctl, tr, stream): (bool, &ConnCtl, &mut Trace, &Slots),
) -> Response<RespBody> {
    let be_view = View {
        proxy: &be.stick,
        stream: Some(stream),
        session: Some(&ctl.session),
    };
    let fe_view = View {
        proxy: &fe.stick,
        stream: Some(stream),
        session: Some(&ctl.session),
    };
    let chain_errors = |s| error_response(chain, s);
    let upgrade = upgrade_of(req.headers());
    let close_server =
        mode != HttpConnMode::KeepAlive || be.reuse == HttpReuse::Never || upgrade.is_some();
    strip_hop_by_hop(req.headers_mut());
    // force-persist/ignore-persist, use-server and the persistence cookie.
    let src = peer.src.map(|a| a.ip());
    let mut head = rules::head_of_request(&req);
    let mut assigned = persist::rules(
        be,
        &ctx_of(head.as_ref(), src, &be.regexes, Some(&be_view)),
        &rules::sample_of(head.as_ref(), peer),
    );
    if let (Some(_), Some(h)) = (&be.cookie, head.as_mut()) {
        persist::request_cookie(be, &mut assigned, h);
        rules::write_back(h, req.headers_mut());
    }
    let stick_req = stick::Request {
        src,
        req: head.as_ref(),
    };
    let mut pending = persist::stick_rules(
        be,
        &ctx_of(head.as_ref(), src, &be.regexes, Some(&be_view)),
        &stick_req,
        &mut assigned,
    );
    let method = req.method().clone();
    let request_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    // Like HAProxy, an HTTP/1.0 client's request says it wants the server connection kept.
    if req.version() == Version::HTTP_10 && !close_server && upgrade.is_none() {
        req.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    }
    *req.version_mut() = Version::HTTP_11;
    let mut client_upgrade = match upgrade {
        Some(proto) => {
            let h = req.headers_mut();
            h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
            h.insert(header::UPGRADE, proto);
            Some(hyper::upgrade::on(&mut req))
        }
        None => {
            if close_server {
                req.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            None
        }
    };
    let queued_at = Instant::now();
    let acquired = {
        // `balance hash EXPR`: the expression's value, expanded like a log-format string.
        let hashed = match &be.balance {
            Balance::Hash { expr } => {
                let fmt = format!("%[{expr}]");
                let head = rules::head_of_request(&req);
                Some(sample::expand(&fmt, &rules::sample_of(head.as_ref(), peer)).into_owned())
            }
            _ => None,
        };
        let key = match &hashed {
            Some(h) if !h.is_empty() => Key::Bytes(h.as_bytes()),
            Some(_) => Key::None,
            None => key_of(&be.balance, &req, peer.src.map(|a| a.ip())),
        };
        // `option prefer-last-server`: the previous request's server when it can take this one.
        let last = if be.prefer_last_server && assigned.server.is_none() {
            prefer_last(be, ctl)
        } else {
            None
        };
        be.farm
            .acquire(Want {
                key,
                server: assigned.server.or(last),
                avoid: None,
                force_persist: assigned.force,
            })
            .await
    };
    tr.t_queue = Some(queued_at.elapsed());
    if let Ok(slot) = &acquired {
        if be.prefer_last_server {
            *ctl.last_server.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((be.name.clone(), slot.id()));
        }
        // Request bodies are streamed by hyper: their declared length is what is counted.
        let n = request_length;
        crate::server::Counters::add(&slot.server().counters.bytes_in, n);
        crate::server::Counters::add(&slot.farm().counters.bytes_in, n);
    }
    let mut slot = match acquired {
        Ok(s) => s,
        Err(e) => {
            tr.term = match e {
                AcquireError::NoServer => term(Side::Server, false, Phase::Connect),
                AcquireError::QueueTimeout => term(Side::Server, true, Phase::Queue),
                AcquireError::QueueFull => term(Side::Server, false, Phase::Queue),
            };
            return chain_errors(503);
        }
    };
    // `retry-on` layer-7 conditions replay the request: only bodyless ones can be.
    let replay = (be.retry_on.layer7() && bodyless(&req)).then(|| Replay::of(&req));
    let mut req = req.map(ReqBody::Left);
    let mut tries = 0u32;
    let stick = Stick {
        direct: assigned.direct,
        force: assigned.force,
    };
    loop {
        // An idle pooled connection first, then a new one.
        let private_first = first && be.reuse == HttpReuse::Safe;
        let pooled = if close_server || private_first || slot.server().send_proxy {
            None
        } else {
            be.pool(slot.id()).and_then(|p| p.take())
        };
        let (mut sender, fresh) = match pooled {
            Some(mut c) => match tokio::time::timeout(POOL_READY, c.ready()).await {
                Ok(Ok(())) => (c, false),
                _ => continue,
            },
            None => {
                tr.server = Some(Arc::clone(slot.server()));
                let connect_at = Instant::now();
                let Some(sock) = be.connect_once(&slot, &peer).await else {
                    tr.term = term(Side::Server, false, Phase::Connect);
                    tries += 1;
                    if tries > be.retries || !be.retry_on.conn_failure {
                        return chain_errors(503);
                    }
                    tr.retries = tr.retries.saturating_add(1);
                    slot = match be.next_attempt(slot, tries, stick, true).await {
                        Ok(s) => s,
                        Err(_) => return chain_errors(503),
                    };
                    continue;
                };
                tr.t_connect = Some(connect_at.elapsed());
                let hs = match be.server_timeout {
                    Some(t) if client_upgrade.is_none() => open(IdleIo::new(sock, t)).await,
                    _ => open(sock).await,
                };
                match hs {
                    Ok(s) => (s, true),
                    Err(_) => {
                        tr.term = term(Side::Server, false, Phase::Headers);
                        return chain_errors(502);
                    }
                }
            }
        };
        tr.server = Some(Arc::clone(slot.server()));
        tr.t_connect.get_or_insert(Duration::ZERO);
        tr.term = Termination::NORMAL;
        let sent_at = Instant::now();
        let sent = sender.try_send_request(req);
        let res = match be.server_timeout {
            Some(t) => match tokio::time::timeout(t, sent).await {
                Ok(r) => r,
                Err(_) => {
                    tr.term = term(Side::Server, true, Phase::Headers);
                    if let Some(r) = l7_retry(be, &replay, be.retry_on.response_timeout, &mut tries)
                    {
                        tr.retries = tr.retries.saturating_add(1);
                        slot = match be.next_attempt(slot, tries, stick, false).await {
                            Ok(s) => s,
                            Err(_) => return chain_errors(503),
                        };
                        req = r;
                        continue;
                    }
                    return chain_errors(504);
                }
            },
            None => sent.await,
        };
        tr.t_response = Some(sent_at.elapsed());
        if let Ok(resp) = &res {
            let status = resp.status().as_u16();
            slot.server().counters.http_response(status);
            slot.server().observe(Analyze::of_status(status));
            let retry = be.retry_on.statuses.contains(status);
            if let Some(r) = l7_retry(be, &replay, retry, &mut tries) {
                tr.retries = tr.retries.saturating_add(1);
                slot = match be.next_attempt(slot, tries, stick, false).await {
                    Ok(s) => s,
                    Err(_) => return chain_errors(503),
                };
                req = r;
                continue;
            }
        }
        match res {
            Ok(mut resp) => {
                // The persistence cookie and `option checkcache` on the server's answer.
                let status = resp.status().as_u16();
                let mut res_head = rules::head_of_response(resp.status(), resp.headers());
                let mut cookie = crate::persist::cookie::ResponseCookie::default();
                if let Some(h) = res_head.as_mut() {
                    cookie = persist::response_cookie(
                        be,
                        slot.server(),
                        &assigned,
                        method.as_str().as_bytes(),
                        status,
                        h,
                    );
                    if be.cookie.is_some() || be.checkcache {
                        rules::write_back(h, resp.headers_mut());
                    }
                }
                if cookie.block {
                    tr.term = term(Side::Proxy, false, Phase::Headers);
                    return chain_errors(status);
                }
                // `stick store-response`, then every stick store with the server that answered.
                let res_ctx = Ctx {
                    src,
                    status: Some(status),
                    res: res_head.as_ref(),
                    regexes: Some(&be.regexes),
                    stick: Some(&be_view),
                    ..Ctx::default()
                };
                let no_req = stick::Request { src, req: None };
                if let Some(h) = &res_head {
                    be.stick.response_rules(
                        |rule| acl::holds(rule.cond.as_ref(), &be.acls, &res_ctx),
                        &no_req,
                        h,
                        &mut pending,
                    );
                }
                std::mem::take(&mut pending).commit(slot.server());
                if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
                    if let Some(client_up) = client_upgrade.take() {
                        let server_up = hyper::upgrade::on(&mut resp);
                        let tunnel_t = be.tunnel_timeout.or(fe.tunnel_timeout);
                        if let (Some(t), Some(l)) = (tunnel_t, ctl.client_idle.as_ref()) {
                            l.set(t);
                        }
                        let idle = tunnel_t.or(be.server_timeout);
                        tokio::spawn(tunnel(client_up, server_up, slot, idle));
                        let (parts, _) = resp.into_parts();
                        return Response::from_parts(parts, RespBody::full(Bytes::new()));
                    }
                }
                let (mut parts, body) = resp.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                let own = fe.is_own(be);
                let be_rules = (&be.http_response[..], (&be.acls[..], &be.regexes, &be_view));
                let fe_rules = (&fe.http_response[..], (&fe.acls[..], &fe.regexes, &fe_view));
                for (rules, acls) in [Some(be_rules), (!own).then_some(fe_rules)]
                    .into_iter()
                    .flatten()
                {
                    if let Some(r) = run_response_rules(rules, acls, &mut parts, peer, chain) {
                        tr.term = term(Side::Proxy, false, Phase::Headers);
                        return r;
                    }
                }
                let conn = if close_server || slot.server().send_proxy {
                    None
                } else {
                    Some(sender)
                };
                let killed = slot
                    .server()
                    .killable
                    .then(|| Killed(Box::pin(slot.killed())));
                let body = RespBody::Upstream(UpstreamBody {
                    killed,
                    inner: body,
                    conn,
                    slot: Some(slot),
                    backend: Arc::clone(be),
                    idle: be.server_timeout,
                    last: tokio::time::Instant::now(),
                    timer: None,
                });
                return Response::from_parts(parts, body);
            }
            Err(mut e) => match e.take_message() {
                // A stale pooled connection: the request was not sent, try again.
                Some(r) if !fresh => req = r,
                // The server socket's idle timer (`timeout server`) fired before the headers.
                _ => {
                    let timed_out = caused_by_timeout(e.error());
                    tr.term = term(Side::Server, timed_out, Phase::Headers);
                    crate::server::Counters::inc(&slot.server().counters.resp_errors);
                    crate::server::Counters::inc(&be.farm.counters.resp_errors);
                    slot.server().observe(if timed_out {
                        Analyze::HttpReadTimeout
                    } else if e.error().is_parse() {
                        Analyze::HttpInvalid
                    } else {
                        Analyze::HttpBrokenPipe
                    });
                    let wanted = if timed_out {
                        be.retry_on.response_timeout
                    } else if e.error().is_parse() {
                        be.retry_on.junk_response
                    } else {
                        be.retry_on.empty_response
                    };
                    if let Some(r) = l7_retry(be, &replay, wanted, &mut tries) {
                        tr.retries = tr.retries.saturating_add(1);
                        slot = match be.next_attempt(slot, tries, stick, false).await {
                            Ok(s) => s,
                            Err(_) => return chain_errors(503),
                        };
                        req = r;
                        continue;
                    }
                    return chain_errors(if timed_out { 504 } else { 502 });
                }
            },
        }
    }
}

/// The server the previous request of this connection used, if it is in `be`, its
/// connection was private to this client, and it is usable with a free slot
/// (`option prefer-last-server`).
fn prefer_last(be: &Backend, ctl: &ConnCtl) -> Option<crate::server::ServerId> {
    let last = ctl
        .last_server
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let (name, id) = last?;
    let s = be.farm.server(id).filter(|_| name == be.name)?;
    // HAProxy only finds the last server through a server connection still attached to
    // the session: private ones (`http-reuse never`, `send-proxy`); others go to the
    // shared idle pool and the request is balanced.
    let private = be.reuse == HttpReuse::Never || s.send_proxy;
    (private && s.usable() && (s.maxconn == 0 || s.served() < s.maxconn)).then_some(id)
}

/// Runs the HTTP/1.1 handshake on a new server connection and spawns its driver task.
async fn open<S>(io: S) -> Result<PooledConn, hyper::Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::Builder::new()
        .writev(false)
        .handshake(TokioIo::new(io))
        .await?;
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    Ok(sender)
}

/// The `Upgrade` protocol when the request asks for one (`Connection: upgrade`).
fn upgrade_of(h: &HeaderMap) -> Option<HeaderValue> {
    let asks = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    if asks {
        h.get(header::UPGRADE).cloned()
    } else {
        None
    }
}

/// After a `101 Switching Protocols`, copies bytes both ways between the client and the
/// server (WebSocket and friends) until both ended or `timeout tunnel` of inactivity.
async fn tunnel(
    client: hyper::upgrade::OnUpgrade,
    server: hyper::upgrade::OnUpgrade,
    slot: Slot,
    idle: Option<Duration>,
) {
    let (Ok(c), Ok(s)) = tokio::join!(client, server) else {
        return;
    };
    let killed = slot.killed();
    tokio::select! {
        _ = super::tcp::pump(TokioIo::new(c), TokioIo::new(s), idle) => {}
        () = killed => {}
    }
    drop(slot);
}

#[path = "http_rules.rs"]
mod rules;
use rules::{
    ctx_of, error_response, run_response_rules, run_rules, Rejected, RejectedByRule, Tarpit,
};

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
