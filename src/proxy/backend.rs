//! The runtime side of a backend: its servers, the balancer, connection slots, the queue,
//! connection retries and the idle HTTP connection pool.
//!
//! Keywords: `server` (address, `weight`, `maxconn`, `disabled`, `backup`), `balance`,
//! `retries`, `option redispatch`, `timeout connect`, `timeout queue`, `http-reuse`
//! (configuration.txt 4.2 and 5.2).
//!
//! A stream first takes a [`Slot`] on a server ([`Backend::acquire`]): the balancer picks a
//! server that is below its `maxconn`; when every server is full the stream waits in the
//! backend's FIFO queue until a slot is handed to it or `timeout queue` strikes. The slot is
//! released when the stream is done with the server. One `std::sync::Mutex` per backend
//! guards the balancer, the per-server counts and the queue; it is never held across an await.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use tokio::sync::oneshot;

use crate::balance::{self, Balancer, Key, ServerId, ServerInfo};
use crate::config::model::{
    Acl, ForwardFor, HttpConnMode, HttpReuse, HttpRule, Mode, Proxy, ServerAddr,
};

use super::errorfile::ErrorPages;
use super::proxy_protocol;
use super::socket::{Peer, Socket};
use super::ProxyError;
use tokio::io::AsyncWriteExt;

/// When neither `timeout queue` nor `timeout connect` is set, how long a stream may queue.
const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(3600);

/// A pooled idle connection to a server, ready for the next request.
pub type PooledConn = SendRequest<Incoming>;

/// Where a server is reached, after name resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// TCP address; port 0 means "the port the client connected to".
    Inet(SocketAddr),
    /// A unix stream socket.
    Unix(PathBuf),
}

/// One `server` at runtime.
#[derive(Debug)]
pub struct ServerRt {
    /// Its name.
    pub name: String,
    /// Where to connect.
    pub target: Target,
    /// `maxconn` (0 = unlimited).
    pub maxconn: u32,
    /// `send-proxy`: a PROXY v1 line is written first on every connection (which is then
    /// never shared between clients).
    pub send_proxy: bool,
    /// Connections opened to this server so far.
    pub connects: AtomicU64,
    /// Idle keep-alive connections (HTTP only), oldest first, with the time they went idle.
    pool: Mutex<VecDeque<(Instant, PooledConn)>>,
}

/// How long an idle server connection is kept (HAProxy's `pool-purge-delay` default).
const POOL_PURGE: Duration = Duration::from_secs(5);
/// Most idle connections kept per server.
const POOL_MAX: usize = 1024;

impl ServerRt {
    /// Takes an idle pooled connection that is still open, if any.
    pub fn pool_take(&self) -> Option<PooledConn> {
        let mut pool = lock(&self.pool);
        purge(&mut pool);
        // Most recently used first: it is the most likely to still be open.
        while let Some((_, c)) = pool.pop_back() {
            if !c.is_closed() {
                return Some(c);
            }
        }
        None
    }
    /// Returns a connection to the idle pool.
    pub fn pool_put(&self, c: PooledConn) {
        if c.is_closed() {
            return;
        }
        let mut pool = lock(&self.pool);
        purge(&mut pool);
        if pool.len() < POOL_MAX {
            pool.push_back((Instant::now(), c));
        }
    }

    /// Idle connections currently pooled.
    pub fn pooled(&self) -> usize {
        lock(&self.pool).len()
    }
}

/// Closes the idle connections older than [`POOL_PURGE`].
fn purge(pool: &mut VecDeque<(Instant, PooledConn)>) {
    while pool.front().is_some_and(|(t, _)| t.elapsed() > POOL_PURGE) {
        pool.pop_front();
    }
}

/// The mutable part of a backend, behind its lock.
struct State {
    balancer: Box<dyn Balancer>,
    served: Vec<u32>,
    queue: VecDeque<oneshot::Sender<ServerId>>,
    /// Whether each server is up (not `disabled`, not marked down by checks).
    up: Vec<bool>,
}

/// A backend (or the backend half of a `listen`) at runtime.
pub struct Backend {
    /// The proxy name.
    pub name: String,
    /// `mode`.
    pub mode: Mode,
    /// Servers, in `server` line order (`ServerId` indexes this).
    pub servers: Vec<Arc<ServerRt>>,
    /// `retries`.
    pub retries: u32,
    /// `option tcpka` / `srvtcpka`: SO_KEEPALIVE on server connections.
    pub tcpka: bool,
    /// `option nolinger` on server connections.
    pub nolinger: bool,
    /// `option redispatch`.
    pub redispatch: bool,
    /// `timeout connect`.
    pub connect_timeout: Option<Duration>,
    /// `timeout server`.
    pub server_timeout: Option<Duration>,
    /// `timeout queue` (defaults to `timeout connect`).
    pub queue_timeout: Duration,
    /// `timeout tunnel`.
    pub tunnel_timeout: Option<Duration>,
    /// `http-reuse`.
    pub reuse: HttpReuse,
    /// `option httpclose` / `http-server-close` / `http-keep-alive` of this backend.
    pub conn_mode: HttpConnMode,
    /// `option forwardfor` of this backend.
    pub forwardfor: Option<ForwardFor>,
    /// `option originalto`.
    pub originalto: Option<ForwardFor>,
    /// `http-request` rules of this backend.
    pub http_request: Vec<HttpRule>,
    /// `http-response` rules of this backend.
    pub http_response: Vec<HttpRule>,
    /// `acl` lines of this backend.
    pub acls: Vec<Acl>,
    /// Compiled regexes of this backend's ACLs.
    pub regexes: super::acl::Regexes,
    /// `errorfile` pages of this backend.
    pub errors: ErrorPages,
    /// The `balance` algorithm (to compute the key).
    pub balance: crate::config::model::Balance,
    state: Mutex<State>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Why no server slot could be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcquireError {
    /// No server is usable (none configured, all down or disabled).
    NoServer,
    /// The stream waited `timeout queue` without getting a slot.
    QueueTimeout,
}

/// Why connecting to a server failed, after retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectError {
    /// No slot could be had.
    Acquire(AcquireError),
    /// Every attempt failed (refused, unreachable or `timeout connect`).
    Failed,
}

/// A stream's claim on one server's capacity; released on drop.
#[derive(Debug)]
pub struct Slot {
    backend: Arc<Backend>,
    server: Arc<ServerRt>,
    id: ServerId,
}

impl Slot {
    /// The server this slot is on.
    pub fn server(&self) -> &Arc<ServerRt> {
        &self.server
    }
    /// The server index.
    pub fn id(&self) -> ServerId {
        self.id
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.backend.release(self.id);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Backend {
    /// Builds the runtime backend of a proxy with the backend capability.
    pub async fn build(p: &Proxy, seed: u64) -> Result<Backend, ProxyError> {
        let mut servers = Vec::with_capacity(p.servers.len());
        let mut infos = Vec::with_capacity(p.servers.len());
        for (i, s) in p.servers.iter().enumerate() {
            let target = match &s.addr {
                ServerAddr::Inet(a) => Target::Inet(*a),
                ServerAddr::Unix(path) => Target::Unix(path.clone()),
                ServerAddr::Host(h, port) => {
                    let found = tokio::net::lookup_host((h.as_str(), *port))
                        .await
                        .ok()
                        .and_then(|mut it| it.next());
                    match found {
                        Some(a) => Target::Inet(a),
                        None => {
                            return Err(ProxyError::Resolve {
                                file: s.loc.file.to_string(),
                                line: s.loc.line,
                                kind: p.kind.keyword(),
                                proxy: p.name.clone(),
                                host: h.clone(),
                            })
                        }
                    }
                }
            };
            servers.push(Arc::new(ServerRt {
                name: s.name.clone(),
                target,
                maxconn: s.params.maxconn,
                send_proxy: s.params.send_proxy,
                connects: AtomicU64::new(0),
                pool: Mutex::new(VecDeque::new()),
            }));
            infos.push(ServerInfo {
                id: ServerId(i),
                weight: s.params.weight,
                backup: s.params.backup,
                maxconn: s.params.maxconn,
                puid: s
                    .params
                    .id
                    .unwrap_or(u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1)),
            });
        }
        let opts = balance::Options {
            all_backups: p.options.allbackups,
            hash_balance_factor: p.hash_balance_factor,
        };
        let mut balancer = balance::build_with(&p.balance, p.hash_type, &infos, seed, opts);
        let mut up = Vec::with_capacity(p.servers.len());
        for (i, s) in p.servers.iter().enumerate() {
            if s.params.disabled {
                balancer.server_down(ServerId(i));
            }
            up.push(!s.params.disabled);
        }
        let t = &p.timeouts;
        Ok(Backend {
            name: p.name.clone(),
            mode: p.mode,
            retries: p.retries,
            tcpka: p.options.tcpka_server,
            nolinger: p.options.nolinger,
            redispatch: p.options.redispatch,
            connect_timeout: t.connect,
            server_timeout: t.server,
            queue_timeout: t.queue.or(t.connect).unwrap_or(DEFAULT_QUEUE_TIMEOUT),
            tunnel_timeout: t.tunnel,
            reuse: p.http_reuse,
            conn_mode: p.options.http_conn_mode,
            forwardfor: p.forwardfor.clone(),
            originalto: p.options.originalto.clone(),
            http_request: p.http_request.clone(),
            http_response: p.http_response.clone(),
            acls: p.acls.clone(),
            regexes: super::acl::Regexes::compile(
                &p.acls,
                p.http_request
                    .iter()
                    .chain(&p.http_response)
                    .filter_map(|r| r.cond.as_ref()),
            ),
            errors: ErrorPages::new(&p.errorfiles),
            balance: p.balance.clone(),
            state: Mutex::new(State {
                served: vec![0; servers.len()],
                balancer,
                queue: VecDeque::new(),
                up,
            }),
            servers,
        })
    }

    /// Current number of streams on each server (for tests and stats).
    pub fn served(&self) -> Vec<u32> {
        lock(&self.state).served.clone()
    }

    /// Number of streams waiting in the queue.
    pub fn queued(&self) -> usize {
        lock(&self.state)
            .queue
            .iter()
            .filter(|t| !t.is_closed())
            .count()
    }

    /// Marks a server usable or not (health checks, runtime API). A server coming up takes
    /// streams waiting in the queue.
    pub fn set_server_up(&self, id: ServerId, up: bool) {
        let mut st = lock(&self.state);
        let Some(cur) = st.up.get_mut(id.0) else {
            return;
        };
        if *cur == up {
            return;
        }
        *cur = up;
        if up {
            st.balancer.server_up(id);
            self.dispatch(&mut st);
        } else {
            st.balancer.server_down(id);
        }
    }

    fn pick_free(
        &self,
        st: &mut State,
        key: &Key<'_>,
        avoid: Option<ServerId>,
    ) -> Option<ServerId> {
        for _ in 0..self.servers.len().max(1) {
            let id = st.balancer.pick(key, avoid)?;
            let s = self.servers.get(id.0)?;
            let served = st.served.get(id.0).copied().unwrap_or(0);
            if s.maxconn == 0 || served < s.maxconn {
                return Some(id);
            }
        }
        None
    }

    fn take(st: &mut State, id: ServerId) {
        if let Some(n) = st.served.get_mut(id.0) {
            *n = n.saturating_add(1);
        }
        st.balancer.take_conn(id);
    }

    fn release(&self, id: ServerId) {
        let mut st = lock(&self.state);
        if let Some(n) = st.served.get_mut(id.0) {
            *n = n.saturating_sub(1);
        }
        st.balancer.drop_conn(id);
        self.dispatch(&mut st);
    }

    /// Hands free slots to queued streams, oldest first.
    fn dispatch(&self, st: &mut State) {
        while let Some(tx) = st.queue.pop_front() {
            if tx.is_closed() {
                continue;
            }
            let Some(next) = self.pick_free(st, &Key::None, None) else {
                st.queue.push_front(tx);
                break;
            };
            Self::take(st, next);
            if let Err(back) = tx.send(next) {
                if let Some(n) = st.served.get_mut(back.0) {
                    *n = n.saturating_sub(1);
                }
                st.balancer.drop_conn(back);
            }
        }
    }

    /// Wraps a taken server index into a [`Slot`].
    fn slot(self: &Arc<Self>, id: ServerId) -> Result<Slot, AcquireError> {
        match self.servers.get(id.0) {
            Some(server) => Ok(Slot {
                backend: Arc::clone(self),
                server: Arc::clone(server),
                id,
            }),
            None => {
                self.release(id);
                Err(AcquireError::NoServer)
            }
        }
    }

    /// Takes a slot on a server chosen by the balancer for `key`, avoiding `avoid` when
    /// another server is usable; waits in the queue when every server is at its `maxconn`.
    pub async fn acquire(
        self: &Arc<Self>,
        key: &Key<'_>,
        avoid: Option<ServerId>,
    ) -> Result<Slot, AcquireError> {
        let mut rx = {
            let mut st = lock(&self.state);
            if !st.up.iter().any(|u| *u) {
                return Err(AcquireError::NoServer);
            }
            if st.queue.iter().all(|t| t.is_closed()) {
                st.queue.clear();
                match self.pick_free(&mut st, key, avoid) {
                    Some(id) => {
                        Self::take(&mut st, id);
                        drop(st);
                        return self.slot(id);
                    }
                    None if st.balancer.pick(key, None).is_none() => {
                        return Err(AcquireError::NoServer)
                    }
                    None => {}
                }
            }
            let (tx, rx) = oneshot::channel();
            st.queue.push_back(tx);
            rx
        };
        match tokio::time::timeout(self.queue_timeout, &mut rx).await {
            Ok(Ok(id)) => self.slot(id),
            Ok(Err(_)) => Err(AcquireError::NoServer),
            Err(_) => {
                rx.close();
                match rx.try_recv() {
                    Ok(id) => self.slot(id),
                    Err(_) => Err(AcquireError::QueueTimeout),
                }
            }
        }
    }

    /// Opens one connection to the slot's server, bounded by `timeout connect`; with
    /// `send-proxy`, writes the PROXY line for `peer` first.
    pub async fn connect_once(&self, slot: &Slot, peer: &Peer) -> Option<Socket> {
        let server = slot.server();
        server.connects.fetch_add(1, Ordering::Relaxed);
        let fut = async {
            let mut sock = match &server.target {
                Target::Inet(a) => {
                    let mut a = *a;
                    if a.port() == 0 {
                        a.set_port(peer.local_port());
                    }
                    Socket::connect_tcp(a).await?
                }
                Target::Unix(p) => Socket::connect_unix(p).await?,
            };
            sock.tune(self.tcpka, self.nolinger);
            if server.send_proxy {
                let line = proxy_protocol::v1_line(peer.src, peer.dst);
                sock.write_all(line.as_bytes()).await?;
            }
            Ok::<Socket, std::io::Error>(sock)
        };
        match self.connect_timeout {
            Some(t) => tokio::time::timeout(t, fut).await.ok()?.ok(),
            None => fut.await.ok(),
        }
    }

    /// Acquires a slot and connects, applying `retries` and `option redispatch`: failed
    /// connections are retried on the same server after a turn-around of
    /// min(`timeout connect`, 1s); with redispatch the last retry goes to another server.
    pub async fn connect(
        self: &Arc<Self>,
        key: &Key<'_>,
        peer: &Peer,
    ) -> Result<(Socket, Slot), ConnectError> {
        let mut slot = self
            .acquire(key, None)
            .await
            .map_err(ConnectError::Acquire)?;
        let mut left = self.retries;
        loop {
            if let Some(sock) = self.connect_once(&slot, peer).await {
                return Ok((sock, slot));
            }
            if left == 0 {
                return Err(ConnectError::Failed);
            }
            left -= 1;
            slot = self.next_attempt(slot, left).await?;
        }
    }

    /// Prepares the next connection attempt after a failure on `slot`: either the same
    /// server after the turn-around delay, or (redispatch, last retry) another server.
    pub async fn next_attempt(
        self: &Arc<Self>,
        slot: Slot,
        left: u32,
    ) -> Result<Slot, ConnectError> {
        if self.redispatch && left == 0 {
            let failed = slot.id;
            drop(slot);
            return self
                .acquire(&Key::None, Some(failed))
                .await
                .map_err(ConnectError::Acquire);
        }
        let turn = self
            .connect_timeout
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        tokio::time::sleep(turn).await;
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Loc, ProxyKind, Server, ServerParams};
    use tokio::net::TcpListener;
    use tokio::time::timeout;

    const T: Duration = Duration::from_secs(5);

    fn server(name: &str, addr: SocketAddr, maxconn: u32) -> Server {
        Server {
            loc: Loc::new("t.cfg", 1),
            name: name.into(),
            addr: ServerAddr::Inet(addr),
            params: ServerParams {
                maxconn,
                ..ServerParams::default()
            },
        }
    }

    async fn refused_addr() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    }

    #[tokio::test]
    async fn a_full_server_makes_the_next_stream_queue_until_a_slot_is_released() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("s1", a, 1));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        let first = be.acquire(&Key::None, None).await.unwrap();
        let be2 = Arc::clone(&be);
        let waiter =
            tokio::spawn(async move { be2.acquire(&Key::None, None).await.map(|s| s.id()) });
        timeout(T, async {
            while be.queued() == 0 {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap();
        assert_eq!(be.served(), vec![1]);
        drop(first);
        let got = timeout(T, waiter).await.unwrap().unwrap();
        assert_eq!(got, Ok(ServerId(0)));
        assert_eq!(be.served(), vec![0]);
    }

    #[tokio::test]
    async fn a_queued_stream_gives_up_after_timeout_queue() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("s1", a, 1));
        p.timeouts.queue = Some(Duration::from_millis(50));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        let _first = be.acquire(&Key::None, None).await.unwrap();
        let r = timeout(T, be.acquire(&Key::None, None)).await.unwrap();
        assert_eq!(r.unwrap_err(), AcquireError::QueueTimeout);
        assert_eq!(be.served(), vec![1]);
    }

    #[tokio::test]
    async fn a_backend_without_servers_has_no_server() {
        let p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        assert_eq!(
            be.acquire(&Key::None, None).await.unwrap_err(),
            AcquireError::NoServer
        );
    }

    #[tokio::test]
    async fn redispatch_sends_the_last_retry_to_the_good_server() {
        let bad = refused_addr().await;
        let good_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = good_l.local_addr().unwrap();
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("bad", bad, 0));
        p.servers.push(server("good", good, 0));
        p.retries = 1;
        p.options.redispatch = true;
        p.timeouts.connect = Some(Duration::from_millis(200));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        let (_sock, slot) = timeout(
            T,
            be.connect(
                &Key::None,
                &Peer {
                    src: None,
                    dst: None,
                },
            ),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(slot.server().name, "good");
        assert_eq!(be.servers[0].connects.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn without_redispatch_retries_stay_on_the_failed_server() {
        let bad = refused_addr().await;
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("bad", bad, 0));
        p.retries = 2;
        p.timeouts.connect = Some(Duration::from_millis(10));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        let r = timeout(
            T,
            be.connect(
                &Key::None,
                &Peer {
                    src: None,
                    dst: None,
                },
            ),
        )
        .await
        .unwrap();
        assert_eq!(r.unwrap_err(), ConnectError::Failed);
        assert_eq!(be.servers[0].connects.load(Ordering::Relaxed), 3);
        assert_eq!(be.served(), vec![0]);
    }

    #[tokio::test]
    async fn a_disabled_server_is_skipped_until_it_is_marked_up() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("s1", a, 0));
        p.servers[0].params.disabled = true;
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        assert_eq!(
            be.acquire(&Key::None, None).await.unwrap_err(),
            AcquireError::NoServer
        );
        be.set_server_up(ServerId(0), true);
        be.set_server_up(ServerId(0), true);
        assert_eq!(
            be.acquire(&Key::None, None).await.unwrap().id(),
            ServerId(0)
        );
        be.set_server_up(ServerId(0), false);
        assert_eq!(
            be.acquire(&Key::None, None).await.unwrap_err(),
            AcquireError::NoServer
        );
    }
}
