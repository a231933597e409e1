//! A backend's servers at run time (HAProxy's server list, `lbprm`, and the queues of
//! `queue.c`): connection slots under `maxconn`, the backend queue and one queue per server,
//! and the state changes that checks, `track` and the runtime API make.
//!
//! How a stream gets a server ([`Farm::acquire`], after `assign_server_and_queue()`):
//! - with a server already chosen (cookie, stick table, `use-server`): a slot on it when it
//!   has room and nobody queues there, else a place in its own queue (`maxqueue` bounds it:
//!   beyond, the request fails with [`AcquireError::QueueFull`]);
//! - otherwise the balancer picks among servers with room; when all are full (or, for
//!   `roundrobin`, `static-rr` and `first`, when streams already queue) the stream waits in
//!   the backend queue.
//!
//! When a slot is released the server serves the oldest waiting stream of its own queue or
//! of the backend queue (`process_srv_queue()`); a server coming UP takes streams from the
//! backend queue (`pendconn_grab_from_px()`); a server going DOWN sends the streams of its
//! queue back to the balancer under `option redispatch` (`pendconn_redistribute()`).
//! `timeout queue` bounds every wait. One `std::sync::Mutex` guards the balancer and the
//! queues; it is never held across an await. Readers use the atomics of [`Server`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

pub use super::event::{Change, Why};
use super::state::{self, Admin, Limits, OpState};
use super::{Counters, Server, ServerId};
use crate::balance::{Balancer, Key};

/// Locks a mutex, recovering from poisoning (a panicking holder leaves consistent data:
/// every critical section here only moves counters and queue entries).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Backend settings the farm applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FarmConfig {
    /// `option redispatch`.
    pub redispatch: bool,
    /// `option persist`.
    pub persist: bool,
    /// `option allbackups`.
    pub all_backups: bool,
    /// `fullconn` (explicit, or 10% of the referencing frontends' maxconn).
    pub fullconn: u32,
    /// `timeout queue` (else `timeout connect`, else one hour).
    pub queue_timeout: Duration,
    /// The algorithm queues new streams behind waiting ones (`roundrobin`, `static-rr`,
    /// `first`), as HAProxy does for fairness.
    pub fair_queue: bool,
    /// How HAProxy names the proxy in messages: `backend`, or `proxy` for a `listen`.
    pub kind: &'static str,
    /// The balancer's pick is final even when the server is full (hashing algorithms and
    /// `random`): the stream then waits in that server's queue, under its `maxqueue`.
    pub sticky_pick: bool,
}

/// What a stream asks of [`Farm::acquire`].
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    /// The balancing key.
    pub key: Key<'a>,
    /// A server already chosen by persistence.
    pub server: Option<ServerId>,
    /// A server to avoid (the failed one, on redispatch).
    pub avoid: Option<ServerId>,
    /// `force-persist`: the stream stays on `server` even when it goes DOWN.
    pub force_persist: bool,
}

impl<'a> Want<'a> {
    /// Any server, chosen by the balancer for `key`.
    pub fn balanced(key: Key<'a>) -> Self {
        Want {
            key,
            server: None,
            avoid: None,
            force_persist: false,
        }
    }
}

/// Why no slot could be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcquireError {
    /// No server is usable (none configured, all DOWN, in maintenance or weight 0).
    NoServer,
    /// The stream waited `timeout queue` without getting a slot.
    QueueTimeout,
    /// The chosen server's queue is at its `maxqueue`.
    QueueFull,
}

/// What a waiting stream is handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// A slot on this server, already counted in its `served`.
    Slot(ServerId),
    /// Its server went DOWN: pick again (`option redispatch`).
    Redispatch,
}

/// One waiting stream.
#[derive(Debug)]
struct Pending {
    seq: u64,
    tx: oneshot::Sender<Grant>,
    force_persist: bool,
}

/// The mutable part, behind the lock.
struct Inner {
    balancer: Box<dyn Balancer>,
    /// The backend queue.
    queue: VecDeque<Pending>,
    /// One queue per server.
    srv_queues: Vec<VecDeque<Pending>>,
    /// Whether the balancer was last told each server is usable.
    lb_usable: Vec<bool>,
    /// How many entries of `lb_usable` are true (HAProxy's `tot_weight != 0` test).
    usable: usize,
    /// The weight the balancer was last given for each server.
    lb_weight: Vec<u32>,
    /// Next queue sequence number (age order across queues).
    seq: u64,
}

/// A backend's servers.
pub struct Farm {
    /// The backend's name.
    pub name: String,
    servers: Vec<Arc<Server>>,
    cfg: FarmConfig,
    inner: Mutex<Inner>,
    /// Backend-level counters (sessions, queue max, errors).
    pub counters: Counters,
    /// Servers elsewhere that `track` a server of this farm: `(server here, farm, id)`.
    trackers: Mutex<Vec<(ServerId, Weak<Farm>, ServerId)>>,
    /// Streams holding a slot or queued (`beconn`).
    beconn: AtomicU32,
}

impl std::fmt::Debug for Farm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Farm")
            .field("name", &self.name)
            .field("servers", &self.servers.len())
            .finish_non_exhaustive()
    }
}

/// A stream's claim on one server's capacity; released on drop.
#[derive(Debug)]
pub struct Slot {
    farm: Arc<Farm>,
    server: Arc<Server>,
    /// Only for servers whose streams can be shut down ([`Server::killable`]).
    kill: Option<tokio::sync::watch::Receiver<u64>>,
}

impl Slot {
    /// The server this slot is on.
    pub fn server(&self) -> &Arc<Server> {
        &self.server
    }

    /// The server's id.
    pub fn id(&self) -> ServerId {
        self.server.id
    }

    /// The farm it belongs to.
    pub fn farm(&self) -> &Arc<Farm> {
        &self.farm
    }

    /// Resolves when the stream must close because its server asked every stream to
    /// (`on-marked-down shutdown-sessions`, `on-marked-up shutdown-backup-sessions`).
    /// Never resolves otherwise.
    pub fn killed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let rx = self.kill.clone();
        async move {
            let changed = match rx {
                Some(mut rx) => rx.changed().await.is_ok(),
                None => false,
            };
            if !changed {
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.server.counters.session_end();
        self.farm.counters.session_end();
        self.farm.release(self.server.id);
    }
}

/// Decrements `beconn` when a stream stops waiting or serving.
struct BeConn<'a>(&'a AtomicU32);

impl Drop for BeConn<'_> {
    fn drop(&mut self) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(1))
            });
    }
}

impl Farm {
    /// A farm over `servers` (in `server` line order, ids 0..n), balanced by `balancer`,
    /// which must have been built over the same servers. Servers in maintenance
    /// (`disabled`) are taken out of the balancer at once.
    pub fn new(
        name: &str,
        servers: Vec<Server>,
        balancer: Box<dyn Balancer>,
        cfg: FarmConfig,
    ) -> Farm {
        let n = servers.len();
        let kills_backups = servers.iter().any(|s| s.shutdown_backups_on_up);
        let servers: Vec<Arc<Server>> = servers
            .into_iter()
            .map(|mut s| {
                s.killable |= s.backup && kills_backups;
                Arc::new(s)
            })
            .collect();
        let farm = Farm {
            name: name.to_string(),
            cfg,
            inner: Mutex::new(Inner {
                balancer,
                queue: VecDeque::new(),
                srv_queues: (0..n).map(|_| VecDeque::new()).collect(),
                lb_usable: vec![true; n],
                usable: n,
                lb_weight: servers.iter().map(|s| s.weight).collect(),
                seq: 0,
            }),
            servers,
            counters: Counters::default(),
            trackers: Mutex::new(Vec::new()),
            beconn: AtomicU32::new(0),
        };
        {
            let mut inner = lock(&farm.inner);
            for s in &farm.servers {
                farm.sync_lb(&mut inner, s);
            }
        }
        farm
    }

    /// The servers, in `server` line order.
    pub fn servers(&self) -> &[Arc<Server>] {
        &self.servers
    }

    /// A server by id.
    pub fn server(&self, id: ServerId) -> Option<&Arc<Server>> {
        self.servers.get(id.0)
    }

    /// A server by name.
    pub fn find(&self, name: &str) -> Option<&Arc<Server>> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// The backend settings.
    pub fn config(&self) -> &FarmConfig {
        &self.cfg
    }

    /// Streams waiting in the backend queue.
    pub fn queued(&self) -> usize {
        lock(&self.inner)
            .queue
            .iter()
            .filter(|p| !p.tx.is_closed())
            .count()
    }

    /// Streams on each server, in line order (for tests and stats).
    pub fn served(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.served()).collect()
    }

    /// Usable active and backup servers (`srv_act`, `srv_bck`).
    pub fn usable_counts(&self) -> (usize, usize) {
        let act = self
            .servers
            .iter()
            .filter(|s| !s.backup && s.usable())
            .count();
        let bck = self
            .servers
            .iter()
            .filter(|s| s.backup && s.usable())
            .count();
        (act, bck)
    }

    /// Registers `farm`'s server `id` as tracking server `tracked` of this farm.
    pub fn add_tracker(&self, tracked: ServerId, farm: &Arc<Farm>, id: ServerId) {
        lock(&self.trackers).push((tracked, Arc::downgrade(farm), id));
    }

    /// The connection limit of `s` now.
    fn max_of(&self, s: &Server) -> u32 {
        let warming = match (s.op_state(), s.slowstart) {
            (OpState::Starting, Some(ss)) => Some((s.since_change(), ss)),
            _ => None,
        };
        state::dynamic_maxconn(Limits {
            maxconn: s.maxconn,
            minconn: s.minconn,
            fullconn: self.cfg.fullconn,
            beconn: self.beconn.load(Ordering::Relaxed),
            warming,
        })
    }

    /// `server_has_room()`.
    fn has_room(&self, s: &Server) -> bool {
        let max = self.max_of(s);
        max == 0 || s.served() < max
    }

    /// Tells the balancer about `s`'s usability and weight when they changed: the one
    /// place the balancer learns about servers.
    fn sync_lb(&self, inner: &mut Inner, s: &Server) {
        let i = s.id.0;
        let weight = match (s.op_state(), s.slowstart) {
            (OpState::Starting, Some(ss)) => {
                state::warming_weight(s.user_weight(), s.since_change(), ss)
            }
            _ => s.user_weight(),
        };
        let usable = s.usable();
        if inner.lb_weight.get(i) != Some(&weight) && weight > 0 {
            inner.balancer.set_weight(s.id, weight);
            if let Some(w) = inner.lb_weight.get_mut(i) {
                *w = weight;
            }
        }
        match inner.lb_usable.get_mut(i) {
            Some(u) if *u != usable => {
                *u = usable;
                if usable {
                    inner.usable += 1;
                    inner.balancer.server_up(s.id);
                } else {
                    inner.usable = inner.usable.saturating_sub(1);
                    inner.balancer.server_down(s.id);
                }
            }
            _ => {}
        }
    }

    /// Takes a slot on `s` (under the lock).
    fn take(&self, inner: &mut Inner, s: &Server) {
        s.served.fetch_add(1, Ordering::AcqRel);
        inner.balancer.take_conn(s.id);
    }

    fn slot(self: &Arc<Self>, id: ServerId) -> Result<Slot, AcquireError> {
        let Some(server) = self.servers.get(id.0) else {
            return Err(AcquireError::NoServer);
        };
        server.counters.session_start();
        self.counters.session_start();
        Ok(Slot {
            farm: Arc::clone(self),
            server: Arc::clone(server),
            kill: server.killable.then(|| server.kill_signal()),
        })
    }

    /// Gets a slot for `want`, waiting in a queue up to `timeout queue` when the server or
    /// every server is full.
    pub async fn acquire(self: &Arc<Self>, want: Want<'_>) -> Result<Slot, AcquireError> {
        self.beconn.fetch_add(1, Ordering::Relaxed);
        let _beconn = BeConn(&self.beconn);
        let deadline = tokio::time::Instant::now() + self.cfg.queue_timeout;
        let mut want = want;
        loop {
            let rx = match self.try_acquire(&want)? {
                Ok(id) => return self.slot(id),
                Err(rx) => rx,
            };
            match self.wait(rx, deadline).await? {
                Grant::Slot(id) => return self.slot(id),
                Grant::Redispatch => {
                    want.server = None;
                    Counters::inc(&self.counters.redispatches);
                }
            }
        }
    }

    /// The non-waiting part of [`Farm::acquire`]: a server id with its slot taken, or a
    /// receiver to wait on.
    #[allow(clippy::type_complexity)]
    fn try_acquire(
        &self,
        want: &Want<'_>,
    ) -> Result<Result<ServerId, oneshot::Receiver<Grant>>, AcquireError> {
        let mut inner = lock(&self.inner);
        let mut assigned = want.server;
        if assigned.is_none() && self.cfg.sticky_pick {
            if inner.usable == 0 {
                return Err(AcquireError::NoServer);
            }
            assigned = inner.balancer.pick_room(&want.key, want.avoid, None);
            if assigned.is_none() {
                return Err(AcquireError::NoServer);
            }
        }
        if let Some(s) = assigned.and_then(|id| self.servers.get(id.0)) {
            let i = s.id.0;
            let busy = inner
                .srv_queues
                .get(i)
                .is_some_and(|q| q.iter().any(|p| !p.tx.is_closed()));
            if !busy && self.has_room(s) {
                self.take(&mut inner, s);
                return Ok(Ok(s.id));
            }
            if s.maxqueue > 0 && s.queued() >= s.maxqueue {
                return Err(AcquireError::QueueFull);
            }
            let (tx, rx) = oneshot::channel();
            let seq = inner.next_seq();
            if let Some(q) = inner.srv_queues.get_mut(i) {
                q.retain(|p| !p.tx.is_closed());
                q.push_back(Pending {
                    seq,
                    tx,
                    force_persist: want.force_persist,
                });
                let len = q.len();
                s.queued
                    .store(u32::try_from(len).unwrap_or(u32::MAX), Ordering::Release);
                s.counters.queued(len);
            }
            return Ok(Err(rx));
        }
        if inner.usable == 0 {
            return Err(AcquireError::NoServer);
        }
        inner.queue.retain(|p| !p.tx.is_closed());
        if !self.cfg.fair_queue || inner.queue.is_empty() {
            // The balancer skips the servers the model says are full (dynamic maxconn,
            // streams waiting in their queue), as HAProxy's lookups read `struct server`.
            let room = |id: ServerId| {
                self.servers
                    .get(id.0)
                    .is_some_and(|s| s.queued() == 0 && self.has_room(s))
            };
            let Some(id) = inner.balancer.pick_room(&want.key, want.avoid, Some(&room)) else {
                return Err(AcquireError::NoServer);
            };
            let Some(s) = self.servers.get(id.0) else {
                return Err(AcquireError::NoServer);
            };
            if room(id) {
                self.take(&mut inner, s);
                return Ok(Ok(id));
            }
        }
        let (tx, rx) = oneshot::channel();
        let seq = inner.next_seq();
        inner.queue.push_back(Pending {
            seq,
            tx,
            force_persist: false,
        });
        self.counters.queued(inner.queue.len());
        Ok(Err(rx))
    }

    /// Waits for a grant until `deadline`.
    async fn wait(
        &self,
        mut rx: oneshot::Receiver<Grant>,
        deadline: tokio::time::Instant,
    ) -> Result<Grant, AcquireError> {
        match tokio::time::timeout_at(deadline, &mut rx).await {
            Ok(Ok(g)) => Ok(g),
            Ok(Err(_)) => Err(AcquireError::NoServer),
            Err(_) => {
                rx.close();
                match rx.try_recv() {
                    Ok(g) => Ok(g),
                    Err(_) => {
                        self.forget_closed();
                        Err(AcquireError::QueueTimeout)
                    }
                }
            }
        }
    }

    /// Drops queue entries whose stream gave up, and refreshes the queue lengths.
    fn forget_closed(&self) {
        let mut inner = lock(&self.inner);
        inner.queue.retain(|p| !p.tx.is_closed());
        for (s, q) in self.servers.iter().zip(inner.srv_queues.iter_mut()) {
            q.retain(|p| !p.tx.is_closed());
            s.queued.store(
                u32::try_from(q.len()).unwrap_or(u32::MAX),
                Ordering::Release,
            );
        }
    }

    /// A slot on `id` was released.
    fn release(&self, id: ServerId) {
        let Some(s) = self.servers.get(id.0) else {
            return;
        };
        let mut inner = lock(&self.inner);
        let _ = s
            .served
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                Some(v.saturating_sub(1))
            });
        inner.balancer.drop_conn(id);
        self.process_queue(&mut inner, s);
    }

    /// Whether `s` may serve streams of the backend queue (`px_ok` of
    /// `process_srv_queue()`): usable, and for a backup only while no active server is
    /// usable, and then only the first backup unless `option allbackups`.
    fn serves_backend_queue(&self, s: &Server) -> bool {
        if !s.usable() {
            return false;
        }
        if !s.backup {
            return true;
        }
        let (act, _) = self.usable_counts();
        if act > 0 {
            return false;
        }
        self.cfg.all_backups
            || self
                .servers
                .iter()
                .find(|x| x.backup && x.usable())
                .is_some_and(|first| first.id == s.id)
    }

    /// `process_srv_queue()`: while `s` has room, hands it to the oldest stream waiting in
    /// its own queue or in the backend queue. Returns how many were served.
    fn process_queue(&self, inner: &mut Inner, s: &Server) -> usize {
        let px_ok = self.serves_backend_queue(s);
        let mut done = 0;
        while self.has_room(s) {
            let i = s.id.0;
            if let Some(q) = inner.srv_queues.get_mut(i) {
                q.retain(|p| !p.tx.is_closed());
            }
            inner.queue.retain(|p| !p.tx.is_closed());
            let own = inner
                .srv_queues
                .get(i)
                .and_then(|q| q.front())
                .map(|p| p.seq);
            let px = if px_ok {
                inner.queue.front().map(|p| p.seq)
            } else {
                None
            };
            let from_own = match (own, px) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => a <= b,
            };
            let p = if from_own {
                inner.srv_queues.get_mut(i).and_then(VecDeque::pop_front)
            } else {
                inner.queue.pop_front()
            };
            let Some(p) = p else { break };
            self.take(inner, s);
            if p.tx.send(Grant::Slot(s.id)).is_err() {
                let _ = s
                    .served
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                        Some(v.saturating_sub(1))
                    });
                inner.balancer.drop_conn(s.id);
                continue;
            }
            done += 1;
        }
        let len = inner.srv_queues.get(s.id.0).map_or(0, VecDeque::len);
        s.queued
            .store(u32::try_from(len).unwrap_or(u32::MAX), Ordering::Release);
        done
    }

    /// `pendconn_redistribute()`: under `option redispatch` (without `option persist`),
    /// the streams queued on a server going DOWN are sent back to the balancer, except
    /// `force-persist` ones.
    fn redistribute(&self, inner: &mut Inner, s: &Server) -> usize {
        if !self.cfg.redispatch || self.cfg.persist {
            return 0;
        }
        let Some(q) = inner.srv_queues.get_mut(s.id.0) else {
            return 0;
        };
        let mut kept = VecDeque::new();
        let mut moved = 0;
        while let Some(p) = q.pop_front() {
            if p.force_persist {
                kept.push_back(p);
            } else if p.tx.send(Grant::Redispatch).is_ok() {
                moved += 1;
            }
        }
        *q = kept;
        s.queued.store(
            u32::try_from(q.len()).unwrap_or(u32::MAX),
            Ordering::Release,
        );
        moved
    }

    /// Changes a server's operational state (checks, `track`); `why` is the check result.
    /// Returns the changes to announce, this server's first, then those of its trackers.
    pub fn set_op_state(&self, id: ServerId, to: OpState, why: Option<Why>) -> Vec<Change> {
        let mut out = Vec::new();
        let Some(s) = self.servers.get(id.0) else {
            return out;
        };
        let from = s.op_state();
        // A server coming back UP warms up first under `slowstart`.
        let to = match (from, to, s.slowstart) {
            (OpState::Stopped, OpState::Running, Some(_)) => OpState::Starting,
            _ => to,
        };
        if from == to || (from.is_up() && to == OpState::Running && from != OpState::Stopping) {
            return out;
        }
        let was_any = self.usable_counts() != (0, 0);
        let xferred = {
            let mut inner = lock(&self.inner);
            {
                let mut t = lock(&s.last_change);
                if from == OpState::Stopped {
                    s.down_secs
                        .fetch_add(t.elapsed().as_secs(), Ordering::Relaxed);
                }
                *t = Instant::now();
            }
            s.op.store(to as u8, Ordering::Release);
            self.sync_lb(&mut inner, s);
            if to.is_up() && to != OpState::Stopping {
                self.process_queue(&mut inner, s)
            } else {
                if to == OpState::Stopped {
                    Counters::inc(&s.counters.down_transitions);
                }
                self.redistribute(&mut inner, s)
            }
        };
        if to == OpState::Stopped && s.shutdown_on_down {
            s.shutdown_sessions();
        }
        if to.is_up() && !s.backup && s.shutdown_backups_on_up && s.usable() {
            for b in self.servers.iter().filter(|b| b.backup) {
                b.shutdown_sessions();
            }
        }
        let (active, backups) = self.usable_counts();
        out.push(Change {
            backend: self.name.clone(),
            kind: self.cfg.kind,
            server: s.name.clone(),
            backup: s.backup,
            from,
            to,
            why,
            via: None,
            xferred,
            active,
            backups,
            sessions: s.counters.cur_sessions.load(Ordering::Relaxed),
            queued: usize::try_from(s.queued()).unwrap_or(usize::MAX),
            backend_down: was_any && active + backups == 0,
        });
        let trackers: Vec<_> = lock(&self.trackers)
            .iter()
            .filter(|(t, _, _)| *t == id)
            .map(|(_, f, i)| (f.clone(), *i))
            .collect();
        for (f, i) in trackers {
            if let Some(f) = f.upgrade() {
                let mut sub = f.set_op_state(i, to, None);
                if let Some(first) = sub.first_mut() {
                    first.via = Some((self.name.clone(), s.name.clone()));
                }
                out.extend(sub);
            }
        }
        out
    }

    /// Changes a server's administrative state (`disabled`, runtime API).
    pub fn set_admin(&self, id: ServerId, admin: Admin) {
        let Some(s) = self.servers.get(id.0) else {
            return;
        };
        let mut inner = lock(&self.inner);
        s.admin.store(admin.to_u8(), Ordering::Release);
        self.sync_lb(&mut inner, s);
        if s.usable() {
            self.process_queue(&mut inner, s);
        } else {
            self.redistribute(&mut inner, s);
        }
    }

    /// Changes a server's user weight (runtime `set weight`), 0..=256.
    pub fn set_weight(&self, id: ServerId, weight: u32) {
        let Some(s) = self.servers.get(id.0) else {
            return;
        };
        let mut inner = lock(&self.inner);
        s.uweight.store(weight.min(256), Ordering::Release);
        self.sync_lb(&mut inner, s);
        if s.usable() {
            self.process_queue(&mut inner, s);
        }
    }

    /// Moves servers warming up under `slowstart` along: updates their weight and, once the
    /// window has passed, makes them RUNNING. Returns true while any is still warming (the
    /// caller runs this every `max(1s, slowstart/20)`).
    pub fn warm_up(&self) -> bool {
        let mut any = false;
        let mut inner = lock(&self.inner);
        for s in &self.servers {
            if s.op_state() != OpState::Starting {
                continue;
            }
            match s.slowstart {
                Some(ss) if s.since_change() < ss => any = true,
                _ => s.op.store(OpState::Running as u8, Ordering::Release),
            }
            self.sync_lb(&mut inner, s);
            self.process_queue(&mut inner, s);
        }
        any
    }
}

impl Inner {
    fn next_seq(&mut self) -> u64 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }
}

#[cfg(test)]
#[path = "farm_tests.rs"]
mod tests;
