//! The proxy side of a backend: its [`Farm`] of servers (state, slots, queues: the
//! `server` room), the connection retries and the idle HTTP connection pool.
//!
//! Keywords: `balance`, `retries`, `option redispatch`, `timeout connect`, `timeout queue`,
//! `http-reuse`, server `send-proxy` (configuration.txt 4.2 and 5.2).
//!
//! A stream first takes a [`Slot`] on a server ([`Backend::acquire`], the farm's
//! `assign_server_and_queue()`), then connects ([`Backend::connect_once`]), retrying as
//! `retries` and `option redispatch` say ([`Backend::next_attempt`]).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::balance::{self, Key, ServerId};
use crate::config::model::{
    Acl, Balance, ForwardFor, HttpConnMode, HttpReuse, HttpRule, Mode, PersistRule, Proxy, RetryOn,
    ServerAddr, UseServer,
};
use crate::persist::cookie::CookiePolicy;
use crate::server::{Analyze, Counters, Farm, FarmConfig, Server, Target};

pub use crate::server::{AcquireError, Slot, Want};

use super::errorfile::ErrorPages;
use super::proxy_protocol;
use super::socket::{Peer, Socket};
use super::stick::{ProxyStickRt, Tables};
use super::ProxyError;
use tokio::io::AsyncWriteExt;

/// When neither `timeout queue` nor `timeout connect` is set, how long a stream may queue.
const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(3600);

/// A pooled idle connection to a server, ready for the next request.
pub type PooledConn = Socket;

/// How long an idle server connection is kept (HAProxy's `pool-purge-delay` default).
const POOL_PURGE: Duration = Duration::from_secs(5);
/// Most idle connections kept per server.
const POOL_MAX: usize = 1024;

/// Idle server connections pooled in the whole process.
static POOLED: AtomicUsize = AtomicUsize::new(0);
/// Above this many descriptors in use (client connections and pooled ones), no idle server
/// connection is kept: HAProxy's `tune.pool-high-fd-ratio` (25% of `maxsock`).
static POOL_HIGH: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Sets the descriptor budget of idle pooled connections (at start-up): a quarter of
/// `maxsock`, HAProxy's default `tune.pool-high-fd-ratio 25`.
pub fn set_pool_high_from_maxsock(maxsock: usize) {
    POOL_HIGH.store(maxsock / 4, Ordering::Relaxed);
}

/// Idle keep-alive connections to one server (HTTP only), oldest first, with the time
/// they went idle.
#[derive(Default)]
pub struct ConnPool(Mutex<VecDeque<(Instant, PooledConn)>>);

impl ConnPool {
    /// Takes an idle pooled connection that is still open, if any.
    pub fn take(&self) -> Option<PooledConn> {
        let mut pool = lock(&self.0);
        purge(&mut pool);
        // Most recently used first: it is the most likely to still be open.
        while let Some((_, c)) = pool.pop_back() {
            POOLED.fetch_sub(1, Ordering::Relaxed);
            if c.is_idle_open() {
                return Some(c);
            }
        }
        None
    }

    /// Returns a connection to the idle pool.
    pub fn put(&self, c: PooledConn) {
        let used = super::listener::open_connections() + POOLED.load(Ordering::Relaxed);
        let mut pool = lock(&self.0);
        purge(&mut pool);
        if used >= POOL_HIGH.load(Ordering::Relaxed) {
            // Over budget: this one is closed and the oldest idle one goes too, so the pool
            // shrinks as client connections grow (HAProxy closes idle connections then).
            if pool.pop_front().is_some() {
                POOLED.fetch_sub(1, Ordering::Relaxed);
            }
            return;
        }
        if pool.len() < POOL_MAX {
            pool.push_back((Instant::now(), c));
            POOLED.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Idle connections currently pooled.
    pub fn len(&self) -> usize {
        lock(&self.0).len()
    }

    /// No idle connection is pooled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Closes the idle connections older than [`POOL_PURGE`].
fn purge(pool: &mut VecDeque<(Instant, PooledConn)>) {
    while pool.front().is_some_and(|(t, _)| t.elapsed() > POOL_PURGE) {
        pool.pop_front();
        POOLED.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A backend (or the backend half of a `listen`) at runtime.
pub struct Backend {
    /// The proxy name.
    pub name: String,
    /// The proxy id: `be_id`.
    pub id: i64,
    /// `mode`.
    pub mode: Mode,
    /// The servers: state, slots, queues and counters.
    pub farm: Arc<Farm>,
    /// Idle HTTP connections, one pool per server (indexed by `ServerId`).
    pools: Vec<ConnPool>,
    /// `retries`.
    pub retries: u32,
    /// `option tcpka` / `srvtcpka`: SO_KEEPALIVE on server connections.
    pub tcpka: bool,
    /// `option nolinger` on server connections.
    pub nolinger: bool,
    /// `option redispatch`.
    pub redispatch: bool,
    /// `option redispatch N`.
    pub redispatch_interval: i32,
    /// `retry-on`.
    pub retry_on: RetryOn,
    /// `option abortonclose`: a client that closes while queued or connecting is dropped.
    pub abortonclose: bool,
    /// `option http-buffer-request` of this backend.
    pub buffer_request: bool,
    /// `option http-pretend-keepalive`: no `connection: close` to the server even when the
    /// connection will close after the response.
    pub pretend_keepalive: bool,
    /// The response parser's limits (`tune.bufsize`, `tune.maxrewrite`,
    /// `tune.http.maxhdr`) and `option accept-invalid-http-response`.
    pub limits: crate::http::Limits,
    /// `h1-case-adjust` for requests to servers, under `option h1-case-adjust-bogus-server`.
    pub case_adjust: Option<Arc<crate::http::write::CaseMap>>,
    /// `compression algo|type|offload`.
    pub compression: Option<crate::config::model::Compression>,
    /// `cookie`, compiled.
    pub cookie: Option<CookiePolicy>,
    /// `option persist`.
    pub option_persist: bool,
    /// `option checkcache`.
    pub checkcache: bool,
    /// `force-persist` / `ignore-persist` rules.
    pub persist_rules: Vec<PersistRule>,
    /// `use-server` rules.
    pub use_servers: Vec<UseServer>,
    /// Stick tables: `stick` rules, counter ACLs.
    pub stick: ProxyStickRt,
    /// `option prefer-last-server` (ignored by hashing algorithms, as HAProxy).
    pub prefer_last_server: bool,
    /// `timeout connect`.
    pub connect_timeout: Option<Duration>,
    /// `timeout server`.
    pub server_timeout: Option<Duration>,
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
    pub balance: Balance,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// How a stream is bound to its server, for [`Backend::next_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stick {
    /// The server came from persistence (cookie, `use-server`): HAProxy's `SF_DIRECT`.
    pub direct: bool,
    /// `force-persist` matched: never redispatched.
    pub force: bool,
}

/// Why connecting to a server failed, after retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectError {
    /// No slot could be had.
    Acquire(AcquireError),
    /// Every attempt failed (refused, unreachable or `timeout connect`).
    Failed,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Resolves a server address at startup.
async fn resolve(p: &Proxy, s: &crate::config::model::Server) -> Result<Target, ProxyError> {
    Ok(match &s.addr {
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
    })
}

impl Backend {
    /// Builds the runtime backend of a proxy with the backend capability. `fullconn` is the
    /// backend's `fullconn` (explicit or derived from its frontends).
    pub async fn build(p: &Proxy, seed: u64) -> Result<Backend, ProxyError> {
        Self::build_with(p, seed, p.fullconn.unwrap_or(0), &Tables::default()).await
    }

    /// [`Backend::build`] with the `fullconn` the runtime computed and the stick tables.
    pub async fn build_with(
        p: &Proxy,
        seed: u64,
        fullconn: u32,
        tables: &Tables,
    ) -> Result<Backend, ProxyError> {
        let mut servers = Vec::with_capacity(p.servers.len());
        for (i, s) in p.servers.iter().enumerate() {
            let target = resolve(p, s).await?;
            servers.push(Server::new(&p.name, i, &s.name, target, &s.params));
        }
        let infos: Vec<_> = servers.iter().map(Server::balance_info).collect();
        let opts = balance::Options {
            all_backups: p.options.allbackups,
            hash_balance_factor: p.hash_balance_factor,
        };
        let balancer = balance::build_with(&p.balance, p.hash_type, &infos, seed, opts);
        let t = &p.timeouts;
        let cfg = FarmConfig {
            redispatch: p.options.redispatch,
            persist: p.options.persist,
            all_backups: p.options.allbackups,
            fullconn,
            queue_timeout: t.queue.or(t.connect).unwrap_or(DEFAULT_QUEUE_TIMEOUT),
            fair_queue: matches!(
                p.balance,
                Balance::RoundRobin | Balance::StaticRr | Balance::First
            ),
            kind: if p.cap.frontend { "proxy" } else { "backend" },
            sticky_pick: !matches!(
                p.balance,
                Balance::RoundRobin | Balance::StaticRr | Balance::First | Balance::LeastConn
            ),
        };
        let pools = servers.iter().map(|_| ConnPool::default()).collect();
        let farm = Arc::new(Farm::new(&p.name, servers, balancer, cfg));
        Ok(Backend {
            name: p.name.clone(),
            id: i64::from(p.id.unwrap_or(0)),
            mode: p.mode,
            farm,
            pools,
            retries: p.retries,
            tcpka: p.options.tcpka_server,
            nolinger: p.options.nolinger,
            redispatch: p.options.redispatch,
            redispatch_interval: p.redispatch_interval,
            retry_on: p.retry_on,
            abortonclose: p.options.abortonclose,
            buffer_request: p.options.http_buffer_request,
            pretend_keepalive: p.options.http_pretend_keepalive,
            case_adjust: None,
            limits: super::stream::request::limits(
                &crate::config::model::Tune::default(),
                p.options.accept_invalid_http_response,
            ),
            compression: p.compression.clone(),
            cookie: CookiePolicy::from_proxy(p),
            option_persist: p.options.persist,
            checkcache: p.options.checkcache,
            persist_rules: p.persist_rules.clone(),
            use_servers: p.use_servers.clone(),
            stick: ProxyStickRt::new(&p.name, &p.stick, tables),
            prefer_last_server: p.options.flags.iter().any(|f| f == "prefer-last-server")
                && matches!(
                    p.balance,
                    Balance::RoundRobin
                        | Balance::StaticRr
                        | Balance::LeastConn
                        | Balance::First
                        | Balance::Random { .. }
                ),
            connect_timeout: t.connect,
            server_timeout: t.server,
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
                    .filter_map(|r| r.cond.as_ref())
                    .chain(p.use_servers.iter().map(|u| &u.cond))
                    .chain(p.stick.rules.iter().filter_map(|r| r.cond.as_ref()))
                    .chain(p.persist_rules.iter().map(|r| &r.cond)),
            ),
            errors: ErrorPages::new(&p.errorfiles),
            balance: p.balance.clone(),
        })
    }

    /// The servers.
    pub fn servers(&self) -> &[Arc<Server>] {
        self.farm.servers()
    }

    /// The idle connection pool of a server.
    pub fn pool(&self, id: ServerId) -> Option<&ConnPool> {
        self.pools.get(id.0)
    }

    /// Current number of streams on each server (for tests and stats).
    pub fn served(&self) -> Vec<u32> {
        self.farm.served()
    }

    /// Number of streams waiting in the backend queue.
    pub fn queued(&self) -> usize {
        self.farm.queued()
    }

    /// Takes a slot on a server chosen by the balancer for `key`, avoiding `avoid` when
    /// another server is usable; waits in the queue when every server is full.
    pub async fn acquire(
        self: &Arc<Self>,
        key: &Key<'_>,
        avoid: Option<ServerId>,
    ) -> Result<Slot, AcquireError> {
        let mut want = Want::balanced(*key);
        want.avoid = avoid;
        self.farm.acquire(want).await
    }

    /// Opens one connection to the slot's server, bounded by `timeout connect`; with
    /// `send-proxy`, writes the PROXY line for `peer` first. A failure counts in the
    /// server's and the backend's `conn_errors`.
    pub async fn connect_once(&self, slot: &Slot, peer: &Peer) -> Option<Socket> {
        let server = slot.server();
        let fut = async {
            let mut sock = match &server.target {
                Target::Inet(a) => {
                    let mut a = *a;
                    if a.port() == 0 {
                        a.set_port(peer.local_port());
                    }
                    Socket::connect_tcp(a).await?
                }
                Target::Unix(p) => Socket::connect_unix(Path::new(p)).await?,
            };
            sock.tune(self.tcpka, self.nolinger);
            if server.send_proxy {
                let line = proxy_protocol::v1_line(peer.src, peer.dst);
                sock.write_all(line.as_bytes()).await?;
            }
            Ok::<Socket, std::io::Error>(sock)
        };
        let r = match self.connect_timeout {
            Some(t) => tokio::time::timeout(t, fut).await.ok().and_then(Result::ok),
            None => fut.await.ok(),
        };
        if r.is_none() {
            Counters::inc(&server.counters.conn_errors);
            Counters::inc(&self.farm.counters.conn_errors);
            server.observe(Analyze::L4Err);
        } else {
            server.observe(Analyze::L4Ok);
        }
        r
    }

    /// Acquires a slot and connects, applying `retries` and `option redispatch`
    /// ([`Backend::next_attempt`]).
    pub async fn connect(
        self: &Arc<Self>,
        key: &Key<'_>,
        peer: &Peer,
    ) -> Result<(Socket, Slot), ConnectError> {
        self.connect_want(Want::balanced(*key), Stick::default(), peer)
            .await
    }

    /// [`Backend::connect`] for a stream that persistence may have bound to a server.
    pub async fn connect_want(
        self: &Arc<Self>,
        want: Want<'_>,
        stick: Stick,
        peer: &Peer,
    ) -> Result<(Socket, Slot), ConnectError> {
        let mut slot = self
            .farm
            .acquire(want)
            .await
            .map_err(ConnectError::Acquire)?;
        let mut tries = 0;
        loop {
            if let Some(sock) = self.connect_once(&slot, peer).await {
                return Ok((sock, slot));
            }
            tries += 1;
            if tries > self.retries || !self.retry_on.conn_failure {
                return Err(ConnectError::Failed);
            }
            slot = self.next_attempt(slot, tries, stick, true).await?;
        }
    }

    /// Prepares retry number `tries` after a failure on `slot` (HAProxy's
    /// `stream_choose_redispatch()` and the turn-around of `back_handle_st_cer()`).
    ///
    /// Under `option redispatch` (and without `force-persist`) the stream leaves its server when that server is not UP,
    /// when `tries` falls on the redispatch interval (by default the last retry), or at once
    /// for a non-persistent (`stick.direct` false) stream of a round-robin backend with more than
    /// one usable server. Otherwise it stays, and a connection failure (`wait`) waits
    /// min(`timeout connect`, 1s) first; round-robin redispatches do not wait. Counts the
    /// retry or the redispatch.
    pub async fn next_attempt(
        self: &Arc<Self>,
        slot: Slot,
        tries: u32,
        stick: Stick,
        wait: bool,
    ) -> Result<Slot, ConnectError> {
        let direct = stick.direct;
        let srv = slot.server();
        let (active, _) = self.farm.usable_counts();
        let rr = matches!(
            self.balance,
            Balance::RoundRobin | Balance::StaticRr | Balance::Random { .. }
        );
        let interval = self.redispatch_interval;
        let on_interval = match interval {
            i if i > 0 => tries.is_multiple_of(i.unsigned_abs()),
            i if i < 0 => {
                let every = i64::from(self.retries) + 1 + i64::from(i);
                every > 0 && i64::from(tries) % every == 0
            }
            _ => false,
        };
        let leave = self.redispatch
            && !stick.force
            && (!matches!(srv.op_state(), crate::server::OpState::Running)
                || on_interval
                || (!direct && active > 1 && rr));
        let delay = self
            .connect_timeout
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        if !leave {
            Counters::inc(&srv.counters.retries);
            Counters::inc(&self.farm.counters.retries);
            if wait {
                tokio::time::sleep(delay).await;
            }
            return Ok(slot);
        }
        let failed = slot.id();
        drop(slot);
        if wait && (!rr || active <= 1) {
            tokio::time::sleep(delay).await;
        }
        let next = self
            .acquire(&Key::None, Some(failed))
            .await
            .map_err(ConnectError::Acquire)?;
        if next.id() == failed {
            Counters::inc(&next.server().counters.retries);
            Counters::inc(&self.farm.counters.retries);
        } else {
            Counters::inc(&next.server().counters.redispatches);
            Counters::inc(&self.farm.counters.redispatches);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Loc, ProxyKind, Server, ServerParams};
    use std::net::SocketAddr;
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
        assert_eq!(Counters::get(&be.servers()[0].counters.conn_errors), 1);
    }

    #[tokio::test]
    async fn round_robin_redispatches_at_the_first_retry_when_another_server_is_up() {
        let bad = refused_addr().await;
        let good_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = good_l.local_addr().unwrap();
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("bad", bad, 0));
        p.servers.push(server("good", good, 0));
        p.retries = 3;
        p.options.redispatch = true;
        p.timeouts.connect = Some(Duration::from_secs(3));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        let peer = Peer {
            src: None,
            dst: None,
        };
        let (_sock, slot) = timeout(T, be.connect(&Key::None, &peer))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(slot.server().name, "good");
        let bad = &be.servers()[0].counters;
        assert_eq!(Counters::get(&bad.conn_errors), 1);
        assert_eq!(Counters::get(&bad.retries), 0);
        assert_eq!(Counters::get(&be.farm.counters.redispatches), 1);
    }

    #[tokio::test]
    async fn redispatch_interval_picks_which_retries_leave_the_server() {
        let bad = refused_addr().await;
        let good_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = good_l.local_addr().unwrap();
        let mut p = Proxy::new("be", ProxyKind::Backend, Loc::new("t.cfg", 1));
        p.servers.push(server("bad", bad, 0));
        p.servers.push(server("good", good, 0));
        p.balance = Balance::LeastConn;
        p.retries = 3;
        p.options.redispatch = true;
        p.redispatch_interval = 2;
        p.timeouts.connect = Some(Duration::from_millis(10));
        let be = Arc::new(Backend::build(&p, 0).await.unwrap());
        let peer = Peer {
            src: None,
            dst: None,
        };
        let (_sock, slot) = timeout(T, be.connect(&Key::None, &peer))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(slot.server().name, "good");
        // Tries 1 stays (leastconn is not round robin), try 2 leaves.
        let bad = &be.servers()[0].counters;
        assert_eq!(Counters::get(&bad.conn_errors), 2);
        assert_eq!(Counters::get(&bad.retries), 1);
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
        assert_eq!(Counters::get(&be.servers()[0].counters.conn_errors), 3);
        assert_eq!(Counters::get(&be.servers()[0].counters.retries), 2);
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
        let ready = crate::server::Admin::default();
        be.farm.set_admin(ServerId(0), ready);
        be.farm.set_admin(ServerId(0), ready);
        assert_eq!(
            be.acquire(&Key::None, None).await.unwrap().id(),
            ServerId(0)
        );
        be.farm
            .set_op_state(ServerId(0), crate::server::OpState::Stopped, None);
        assert_eq!(
            be.acquire(&Key::None, None).await.unwrap_err(),
            AcquireError::NoServer
        );
    }
}
