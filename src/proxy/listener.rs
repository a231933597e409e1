//! Listening sockets and accept loops: `bind` (configuration.txt 5.1: IPv4, IPv6, unix
//! paths, `fd@N`, `backlog`, `maxconn`, `v4v6`, `v6only`, `mode`), frontend `maxconn` and
//! global `maxconn` (3.2). Above a limit the listener stops accepting; pending connections
//! wait in the kernel backlog, as in HAProxy.
//!
//! [`start`] builds every backend and frontend of a [`Config`], binds every address and
//! spawns the accept loops; the runtime room calls it, and so do the tests.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Type};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::config::model::{Bind, BindAddr, Config, Mode, Proxy};

use super::backend::Backend;
use super::frontend::Frontend;
use super::socket::{Peer, Rewind, Socket};
use super::stream::LogHook;
use super::{proxy_protocol, tcp, ProxyError};

/// Default `backlog` when neither `backlog` nor `maxconn` is set.
const DEFAULT_BACKLOG: u32 = 1024;

/// A bound listening socket.
#[derive(Debug)]
pub enum Listener {
    /// TCP, with the address every accepted connection has as destination when the
    /// listener is bound to one (not a wildcard): no `getsockname` per connection then.
    Tcp(TcpListener, Option<SocketAddr>),
    /// Unix stream socket.
    Unix(UnixListener),
}

/// The address a listener ended up bound to (the real port when the config said 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundAddr {
    /// TCP address.
    Inet(SocketAddr),
    /// Unix socket path.
    Unix(PathBuf),
    /// An inherited fd of unknown address.
    Fd(i32),
}

impl Listener {
    /// Where it listens.
    pub fn local_addr(&self) -> io::Result<BoundAddr> {
        match self {
            Listener::Tcp(l, _) => l.local_addr().map(BoundAddr::Inet),
            Listener::Unix(l) => Ok(l
                .local_addr()?
                .as_pathname()
                .map_or(BoundAddr::Unix(PathBuf::new()), |p| {
                    BoundAddr::Unix(p.to_path_buf())
                })),
        }
    }

    async fn accept(&self) -> io::Result<(Socket, Peer)> {
        match self {
            Listener::Tcp(l, fixed) => {
                let (s, src) = l.accept().await?;
                let _ = s.set_nodelay(true);
                let dst = fixed.or_else(|| s.local_addr().ok());
                Ok((
                    Socket::Tcp(s),
                    Peer {
                        src: Some(src),
                        dst,
                    },
                ))
            }
            Listener::Unix(l) => {
                let (s, _) = l.accept().await?;
                Ok((
                    Socket::Unix(s),
                    Peer {
                        src: None,
                        dst: None,
                    },
                ))
            }
        }
    }
}

fn backlog_of(b: &Bind, fe_maxconn: Option<u32>) -> i32 {
    let n = b.backlog.or(fe_maxconn).unwrap_or(DEFAULT_BACKLOG).max(1);
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn bind_inet(addr: SocketAddr, b: &Bind, backlog: i32) -> io::Result<Listener> {
    let s = socket2::Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    if addr.is_ipv6() {
        if b.v6only {
            s.set_only_v6(true)?;
        } else if b.v4v6 {
            s.set_only_v6(false)?;
        }
    }
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    s.listen(backlog)?;
    let l = TcpListener::from_std(s.into())?;
    // Connections reach a listener bound to one address only at that address, unless it is
    // `transparent` (TPROXY hands it connections for any address).
    let fixed = l
        .local_addr()
        .ok()
        .filter(|a| !a.ip().is_unspecified() && !b.transparent);
    Ok(Listener::Tcp(l, fixed))
}

fn bind_unix(path: &Path, b: &Bind, backlog: i32) -> io::Result<Listener> {
    // A stale socket left by a previous process is replaced, as HAProxy does.
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_socket() {
            std::fs::remove_file(path)?;
        }
    }
    let s = socket2::Socket::new(Domain::UNIX, Type::STREAM, None)?;
    s.set_nonblocking(true)?;
    s.bind(&SockAddr::unix(path)?)?;
    if let Some(mode) = b.unix_mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    s.listen(backlog)?;
    let std_l: std::os::unix::net::UnixListener = s.into();
    Ok(Listener::Unix(UnixListener::from_std(std_l)?))
}

/// Takes ownership of an inherited file descriptor (`fd@N`).
#[allow(unsafe_code)]
fn adopt_fd(fd: i32) -> io::Result<socket2::Socket> {
    // SAFETY: fcntl(F_GETFD) only queries descriptor flags; it has no memory effects.
    let open = unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1;
    if fd < 0 || !open {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: `fd` is open (checked above) and was handed to us by the parent process for
    // this `bind fd@N` line only; nothing else in this process owns or closes it, so the
    // new Socket becomes its single owner.
    Ok(unsafe { <socket2::Socket as std::os::fd::FromRawFd>::from_raw_fd(fd) })
}

fn bind_fd(fd: i32, backlog: i32) -> io::Result<Listener> {
    let s = adopt_fd(fd)?;
    s.set_nonblocking(true)?;
    s.listen(backlog)?;
    if s.local_addr()?.is_unix() {
        let l: std::os::unix::net::UnixListener = s.into();
        Ok(Listener::Unix(UnixListener::from_std(l)?))
    } else {
        // An inherited socket may be transparent: its destination is asked each time.
        Ok(Listener::Tcp(TcpListener::from_std(s.into())?, None))
    }
}

/// Binds one address of a `bind` line. Must run inside a tokio runtime.
pub fn bind_one(addr: &BindAddr, b: &Bind, fe_maxconn: Option<u32>) -> io::Result<Listener> {
    let backlog = backlog_of(b, fe_maxconn);
    match addr {
        BindAddr::Inet(a) => bind_inet(*a, b, backlog),
        BindAddr::Unix(p) => bind_unix(p, b, backlog),
        BindAddr::Fd(fd) => bind_fd(*fd, backlog),
    }
}

fn addr_text(addr: &BindAddr) -> String {
    match addr {
        BindAddr::Inet(a) => a.to_string(),
        BindAddr::Unix(p) => p.display().to_string(),
        BindAddr::Fd(fd) => format!("fd@{fd}"),
    }
}

async fn permit(s: &Option<Arc<Semaphore>>) -> Result<Option<OwnedSemaphorePermit>, ()> {
    match s {
        Some(s) => Arc::clone(s)
            .acquire_owned()
            .await
            .map(Some)
            .map_err(|_| ()),
        None => Ok(None),
    }
}

/// Counts the connections being served, so that a graceful stop can wait for them.
#[derive(Debug, Default)]
pub struct Active {
    count: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
}

impl Active {
    /// Connections currently served.
    pub fn count(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Waits until no connection is served.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn enter(self: &Arc<Self>) -> ActiveGuard {
        self.count.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        OPEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ActiveGuard(Arc::clone(self))
    }
}

/// One served connection; leaving decrements the count.
struct ActiveGuard(Arc<Active>);

/// Client connections open in the whole process (all listeners).
static OPEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Client connections open in the whole process: the descriptors `tune.pool-high-fd-ratio`
/// weighs against `maxsock` before pooling an idle server connection.
pub fn open_connections() -> usize {
    OPEN.load(std::sync::atomic::Ordering::Relaxed)
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        if self
            .0
            .count
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel)
            == 1
        {
            self.0.idle.notify_waiters();
        }
    }
}

/// Accepts connections on `l` for `fe` until the task is aborted, holding one permit of
/// each limit (global, frontend, bind `maxconn`) per connection.
pub async fn accept_loop(
    fe: Arc<Frontend>,
    l: Listener,
    limits: [Option<Arc<Semaphore>>; 3],
    accept_proxy: bool,
    active: Arc<Active>,
) {
    loop {
        let (Ok(p0), Ok(p1), Ok(p2)) = (
            permit(&limits[0]).await,
            permit(&limits[1]).await,
            permit(&limits[2]).await,
        ) else {
            return;
        };
        let (sock, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(frontend = %fe.name, error = %e, "accept failed");
                // Out of descriptors or similar: back off a little instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let session = Arc::new(super::stick::Slots::default());
        if !fe.tcp_rules.is_empty() {
            let view = super::stick::View {
                proxy: &fe.stick,
                stream: None,
                session: Some(&session),
            };
            let ctx = crate::proxy::acl::Ctx {
                src: peer.src.map(|a| a.ip()),
                src_port: peer.src.map(|a| a.port()),
                dst: peer.dst,
                regexes: Some(&fe.regexes),
                stick: Some(&view),
                ..Default::default()
            };
            if !fe.tcp_accepts(false, &ctx, &session) {
                // `tcp-request connection reject`: closed right away.
                continue;
            }
        }
        sock.tune(fe.tcpka, fe.nolinger);
        let fe = Arc::clone(&fe);
        let guard = active.enter();
        if !accept_proxy && fe.mode == Mode::Http {
            // The task is the HTTP connection loop itself, holding the permits: an idle
            // keep-alive connection costs this one small future and nothing else.
            let hold = (p0, p1, p2, guard);
            tokio::spawn(super::stream::serve_holding(fe, sock, peer, session, hold));
            continue;
        }
        tokio::spawn(async move {
            let _permits = (p0, p1, p2, guard);
            if accept_proxy {
                // Boxed, like the TCP path: an idle HTTP connection's task stays small.
                let read = Box::pin(read_proxy_header(&fe, sock, peer));
                let Some((peer, sock)) = read.await else {
                    return;
                };
                Box::pin(serve(fe, sock, peer, session)).await;
            } else {
                serve(fe, sock, peer, session).await;
            }
        });
    }
}

async fn serve<C>(fe: Arc<Frontend>, sock: C, peer: Peer, session: Arc<super::stick::Slots>)
where
    C: super::stream::io::ClientIo,
{
    match fe.mode {
        // Boxed: the task of an idle HTTP connection then holds only the small HTTP loop.
        Mode::Tcp => Box::pin(tcp::serve_session(fe, sock, peer, &session)).await,
        Mode::Http => super::stream::serve(fe, sock, peer, session).await,
    }
}

/// `accept-proxy`: reads the PROXY header (bounded by `timeout client`, else 5s) and
/// returns the announced addresses with the stream; `None` closes the connection.
async fn read_proxy_header(
    fe: &Frontend,
    mut sock: Socket,
    peer: Peer,
) -> Option<(Peer, Rewind<Socket>)> {
    let limit = fe.client_timeout.unwrap_or(Duration::from_secs(5));
    let (h, rest) = tokio::time::timeout(limit, proxy_protocol::read(&mut sock))
        .await
        .ok()?
        .ok()?;
    let peer = match h {
        proxy_protocol::Header::Local => peer,
        proxy_protocol::Header::Proxied { src, dst } => Peer {
            src: Some(src),
            dst: Some(dst),
        },
    };
    Some((peer, Rewind::new(rest.freeze(), sock)))
}

/// Everything [`start`] set up; dropping it stops accepting (streams in flight go on).
#[derive(Debug)]
pub struct Started {
    /// Bound addresses per frontend name, in `bind` order.
    pub addrs: Vec<(String, BoundAddr)>,
    /// Runtime backends by name.
    pub backends: HashMap<String, Arc<Backend>>,
    /// Runtime frontends by name.
    pub frontends: HashMap<String, Arc<Frontend>>,
    /// Connections being served.
    pub active: Arc<Active>,
    tasks: Vec<JoinHandle<()>>,
    /// The health check tasks.
    checks: Vec<JoinHandle<()>>,
}

impl Started {
    /// Stops accepting: every listening socket is closed; connections in flight go on.
    pub fn unbind(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }

    /// The first bound address of frontend `name`.
    pub fn addr(&self, name: &str) -> Option<&BoundAddr> {
        self.addrs.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        for t in self.tasks.iter().chain(&self.checks) {
            t.abort();
        }
    }
}

/// Builds every enabled backend and frontend of `config`, binds all addresses (an error on
/// any of them fails the whole start, as in HAProxy) and spawns the accept loops.
pub async fn start(config: &Config) -> Result<Started, ProxyError> {
    start_with(config, &Hooks::default()).await
}

/// What the runtime plugs into every frontend.
#[derive(Clone, Default)]
pub struct Hooks {
    /// Receives the summary of every stream (traffic logs).
    pub log: Option<LogHook>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("log", &self.log.is_some())
            .finish()
    }
}

/// When `global maxconn` is not set, the value the frontends' `maxconn` default to here.
/// HAProxy derives it from the file descriptor limit; only `minconn` uses it, through
/// `fullconn`.
const DEFAULT_GLOBAL_MAXCONN: u32 = 4096;

/// `fullconn` of backend `be`: as set, else 10% of the `maxconn` of the enabled frontends
/// that reach it through `default_backend` or a static `use_backend` (each frontend once),
/// or of a `listen` itself, at least 1 (HAProxy's `proxy_adjust_all_maxconn()`).
pub fn fullconn_of(config: &Config, be: &Proxy) -> u32 {
    if let Some(f) = be.fullconn.filter(|f| *f > 0) {
        return f;
    }
    let global = config.global.maxconn.unwrap_or(DEFAULT_GLOBAL_MAXCONN);
    let total: u64 = config
        .proxies
        .iter()
        .filter(|p| p.cap.frontend && !p.disabled)
        .filter(|p| {
            let own = p.cap.backend && p.name == be.name && p.default_backend.is_none();
            own || p.default_backend.as_deref() == Some(be.name.as_str())
                || p.use_backends.iter().any(|u| u.backend == be.name)
        })
        .map(|p| u64::from(p.maxconn.unwrap_or(global)))
        .sum();
    u32::try_from(total.div_ceil(10)).unwrap_or(u32::MAX).max(1)
}

/// [`start`] with hooks installed in every frontend.
pub async fn start_with(config: &Config, hooks: &Hooks) -> Result<Started, ProxyError> {
    let tables = super::stick::Tables::build(config);
    let tune = &config.global.tune;
    super::stream::io::set_bufsize(tune.bufsize);
    let case_map = super::stream::outgoing::case_map(&config.global.h1_case_adjust);
    let case_for = |on: bool| case_map.clone().filter(|_| on);
    let mut backends = HashMap::new();
    for (i, p) in config.proxies.iter().enumerate() {
        if p.cap.backend {
            if let Some(s) = p.servers.iter().find(|s| s.params.ssl) {
                // Never send clear text where the configuration asked for TLS.
                return Err(ProxyError::Unsupported {
                    kind: p.kind.keyword(),
                    proxy: p.name.clone(),
                    what: format!("'server {}' with 'ssl' (TLS to servers)", s.name),
                });
            }
            let mut be = Backend::build_with(p, i as u64, fullconn_of(config, p), &tables).await?;
            be.limits =
                super::stream::request::limits(tune, p.options.accept_invalid_http_response);
            be.case_adjust = case_for(p.options.h1_case_adjust_bogus_server);
            if p.disabled {
                // A disabled backend stays addressable but has no usable server (503).
                let maint = crate::server::Admin {
                    maint: true,
                    drain: false,
                };
                for s in be.servers() {
                    be.farm.set_admin(s.id, maint);
                }
            }
            backends.insert(p.name.clone(), Arc::new(be));
        }
    }
    let global = config.global.maxconn.map(|n| {
        Arc::new(Semaphore::new(
            usize::try_from(n).unwrap_or(usize::MAX).max(1),
        ))
    });
    let sem = |n: Option<u32>| {
        n.map(|n| Arc::new(Semaphore::new(usize::try_from(n).unwrap_or(1).max(1))))
    };
    let mut frontends = HashMap::new();
    let mut bound = Vec::new();
    for p in config
        .proxies
        .iter()
        .filter(|p| p.cap.frontend && !p.disabled)
    {
        let mut fe = Frontend::build(p, &backends, &tables)?;
        fe.log_hook = hooks.log.clone();
        fe.limits = super::stream::request::limits(tune, p.options.accept_invalid_http_request);
        fe.case_adjust = case_for(p.options.h1_case_adjust_bogus_client);
        let fe = Arc::new(fe);
        let fe_sem = sem(p.maxconn);
        for b in &p.binds {
            if b.ssl {
                // Never serve clear text where the configuration asked for TLS.
                return Err(ProxyError::Unsupported {
                    kind: p.kind.keyword(),
                    proxy: p.name.clone(),
                    what: format!("'bind {}' with 'ssl' (TLS termination)", b.text),
                });
            }
            let b_sem = sem(b.maxconn);
            for a in &b.addrs {
                let l = bind_one(a, b, p.maxconn).map_err(|source| ProxyError::Bind {
                    loc: b.loc.to_string(),
                    kind: p.kind.keyword(),
                    proxy: p.name.clone(),
                    addr: addr_text(a),
                    source,
                })?;
                let shown = match a {
                    BindAddr::Fd(fd) => BoundAddr::Fd(*fd),
                    _ => l.local_addr().unwrap_or(BoundAddr::Fd(-1)),
                };
                bound.push((
                    Arc::clone(&fe),
                    l,
                    [global.clone(), fe_sem.clone(), b_sem.clone()],
                    shown,
                    b.accept_proxy,
                ));
            }
        }
        frontends.insert(p.name.clone(), fe);
    }
    let mut addrs = Vec::with_capacity(bound.len());
    let mut tasks = Vec::with_capacity(bound.len());
    let active = Arc::new(Active::default());
    for (fe, l, limits, shown, accept_proxy) in bound {
        addrs.push((fe.name.clone(), shown));
        let a = Arc::clone(&active);
        tasks.push(tokio::spawn(accept_loop(fe, l, limits, accept_proxy, a)));
    }
    let checks = super::health::start(config, &backends);
    Ok(Started {
        addrs,
        backends,
        frontends,
        active,
        tasks,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::ProxyKind;
    use crate::config::model::{HttpAction, HttpRule, Loc, Proxy, ReturnBody};
    use crate::proxy::testutil::{bind_any, read_resp, T};
    use tokio::io::AsyncWriteExt;
    use tokio::net::UnixStream;

    #[test]
    fn fullconn_defaults_to_a_tenth_of_the_frontends_maxconn() {
        let mut cfg = Config::default();
        let mut fe1 = Proxy::new("fe1", ProxyKind::Frontend, Loc::new("t.cfg", 1));
        fe1.maxconn = Some(1000);
        fe1.default_backend = Some("be".into());
        let mut fe2 = Proxy::new("fe2", ProxyKind::Frontend, Loc::new("t.cfg", 2));
        fe2.maxconn = Some(95);
        fe2.use_backends.push(crate::config::model::UseBackend {
            loc: Loc::new("t.cfg", 3),
            backend: "be".into(),
            cond: None,
        });
        let mut other = Proxy::new("fe3", ProxyKind::Frontend, Loc::new("t.cfg", 4));
        other.maxconn = Some(5000);
        let be = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 5));
        cfg.proxies = vec![fe1, fe2, other, be.clone()];
        assert_eq!(fullconn_of(&cfg, &be), 110);
        let mut set = be.clone();
        set.fullconn = Some(7);
        assert_eq!(fullconn_of(&cfg, &set), 7);
        let lonely = Proxy::new("lonely", ProxyKind::Backend, Loc::new("t.cfg", 6));
        assert_eq!(fullconn_of(&cfg, &lonely), 1);
    }

    fn returning(name: &str, b: Bind) -> Proxy {
        let mut p = Proxy::new(name, ProxyKind::Listen, Loc::new("t.cfg", 1));
        p.mode = Mode::Http;
        p.binds.push(b);
        p.http_request.push(HttpRule {
            loc: Loc::new("t.cfg", 2),
            action: HttpAction::Return {
                status: 200,
                content_type: Some("text/plain".into()),
                body: ReturnBody::Bytes(b"hi".to_vec()),
                headers: Vec::new(),
            },
            cond: None,
        });
        p
    }

    async fn get_over<S>(mut s: S) -> String
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        use tokio::io::AsyncReadExt;
        s.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(T, s.read_to_end(&mut out))
            .await
            .unwrap()
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn a_unix_socket_bind_serves_requests() {
        let dir = std::env::temp_dir().join(format!("hx-unix-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fe.sock");
        let mut b = bind_any();
        b.addrs = vec![BindAddr::Unix(path.clone())];
        b.unix_mode = Some(0o600);
        let cfg = Config {
            proxies: vec![returning("u", b)],
            ..Config::default()
        };
        let st = start(&cfg).await.unwrap();
        assert_eq!(st.addr("u"), Some(&BoundAddr::Unix(path.clone())));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = get_over(UnixStream::connect(&path).await.unwrap()).await;
        assert!(
            text.starts_with("HTTP/1.") && text.contains(" 200 OK") && text.ends_with("hi"),
            "{text}"
        );
        drop(st);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn an_ipv6_loopback_bind_serves_requests() {
        let mut b = bind_any();
        b.addrs = vec![BindAddr::Inet("[::1]:0".parse().unwrap())];
        let cfg = Config {
            proxies: vec![returning("v6", b)],
            ..Config::default()
        };
        let Ok(st) = start(&cfg).await else {
            // No IPv6 loopback on this machine: nothing to test.
            return;
        };
        let Some(BoundAddr::Inet(a)) = st.addr("v6").cloned() else {
            panic!("no addr")
        };
        assert!(a.is_ipv6());
        let text = get_over(tokio::net::TcpStream::connect(a).await.unwrap()).await;
        assert!(text.ends_with("hi"));
    }

    #[tokio::test]
    async fn an_inherited_fd_is_adopted_as_a_listener() {
        use std::os::fd::IntoRawFd;
        let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = std_l.local_addr().unwrap();
        let fd = std_l.into_raw_fd();
        let mut b = bind_any();
        b.addrs = vec![BindAddr::Fd(fd)];
        let cfg = Config {
            proxies: vec![returning("fd", b)],
            ..Config::default()
        };
        let st = start(&cfg).await.unwrap();
        assert_eq!(st.addr("fd"), Some(&BoundAddr::Fd(fd)));
        let text = get_over(tokio::net::TcpStream::connect(a).await.unwrap()).await;
        assert!(text.ends_with("hi"));
    }

    #[tokio::test]
    async fn a_bad_fd_or_an_ssl_bind_fails_the_start_instead_of_serving_clear_text() {
        let mut b = bind_any();
        b.addrs = vec![BindAddr::Fd(987_654)];
        let cfg = Config {
            proxies: vec![returning("bad", b)],
            ..Config::default()
        };
        let e = start(&cfg).await.unwrap_err().to_string();
        assert!(
            e.contains("for listen bad: cannot bind socket (") && e.ends_with("for [fd@987654]"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn global_maxconn_is_shared_by_all_frontends() {
        let mut cfg = Config {
            proxies: vec![returning("a", bind_any()), returning("b", bind_any())],
            ..Config::default()
        };
        cfg.global.maxconn = Some(1);
        let st = start(&cfg).await.unwrap();
        let addr = |n| match st.addr(n) {
            Some(BoundAddr::Inet(a)) => *a,
            _ => panic!(),
        };
        // Hold the only slot with an idle keep-alive connection on `a`.
        let mut c1 = tokio::net::TcpStream::connect(addr("a")).await.unwrap();
        c1.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let r = read_resp(&mut c1, &mut Vec::new()).await;
        assert_eq!(r.status, 200);
        let mut c2 = tokio::net::TcpStream::connect(addr("b")).await.unwrap();
        c2.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let mut buf = Vec::new();
        let early =
            tokio::time::timeout(Duration::from_millis(150), read_resp(&mut c2, &mut buf)).await;
        assert!(early.is_err(), "served above global maxconn");
        drop(c1);
        let r = read_resp(&mut c2, &mut buf).await;
        assert_eq!(r.status, 200);
    }
}
