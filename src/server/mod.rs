//! The one runtime model of a backend's servers (HAProxy's `struct server` and the server
//! half of `struct proxy`): identity, operational and administrative state, weights,
//! `served` connections, the per-server and backend queues, and the counters the stats
//! page reads. Checks, the runtime API, stats and the proxy all read and change servers
//! here and nowhere else; the balancer is told through one function ([`Farm`]'s
//! `sync_lb`) whenever a server's usability or weight changes.
//!
//! configuration.txt 5.2 "server" options `weight`, `maxconn`, `minconn`, `maxqueue`,
//! `backup`, `disabled`, `slowstart`, `track`, `on-marked-down`, `on-marked-up`,
//! `observe`/`on-error`/`error-limit`; 4.2 "fullconn", "option allbackups",
//! "option redispatch", "option persist", "timeout queue".
//!
//! | File | Job |
//! |---|---|
//! | [`state`] | operational/admin states, usability, dynamic `maxconn` (pure) |
//! | [`counters`] | atomic counters of a server or a backend |
//! | [`farm`] | a backend's servers: slots, queues, state changes |
//! | [`event`] | the "Server be/s is DOWN/UP" lines, word for word |
//!
//! May import `balance`, `config::model` and `tokio::sync`; never sockets.

pub mod counters;
pub mod event;
pub mod farm;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::balance::ServerId;
pub use counters::Counters;
pub use farm::{AcquireError, Change, Farm, FarmConfig, Grant, Slot, Want};
pub use state::{Admin, OpState};

use crate::config::model::{Observe, OnError, ServerParams};

/// Where a server is reached, after name resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// TCP address; port 0 means "the port the client connected to".
    Inet(SocketAddr),
    /// A unix stream socket.
    Unix(PathBuf),
}

/// One `server` line at run time.
#[derive(Debug)]
pub struct Server {
    /// Index in its backend (`server` line order).
    pub id: ServerId,
    /// Numeric id (`id` keyword, else its position from 1).
    pub puid: u32,
    /// Its name.
    pub name: String,
    /// The backend's name, for messages.
    pub backend: String,
    /// Where to connect.
    pub target: Target,
    /// `backup`.
    pub backup: bool,
    /// `maxconn` (0 = unlimited).
    pub maxconn: u32,
    /// `minconn` (defaults to `maxconn`).
    pub minconn: u32,
    /// `maxqueue` (0 = unlimited).
    pub maxqueue: u32,
    /// `weight` as configured.
    pub weight: u32,
    /// `cookie VALUE`.
    pub cookie: Option<String>,
    /// `send-proxy`.
    pub send_proxy: bool,
    /// `slowstart`.
    pub slowstart: Option<Duration>,
    /// `check`: health checks run on it.
    pub checked: bool,
    /// `track`: the `(backend, server)` it mirrors.
    pub track: Option<(String, String)>,
    /// `on-marked-down shutdown-sessions`.
    pub shutdown_on_down: bool,
    /// `on-marked-up shutdown-backup-sessions`.
    pub shutdown_backups_on_up: bool,
    /// `observe`.
    pub observe: Observe,
    /// `on-error`.
    pub on_error: OnError,
    /// `error-limit`.
    pub error_limit: u32,
    /// Its streams may be asked to close (`shutdown-sessions` on it, or a backup in a
    /// backend with `shutdown-backup-sessions`): the proxy watches [`farm::Slot::killed`].
    pub killable: bool,
    /// What the proxy, checks and stats count.
    pub counters: Counters,
    op: AtomicU8,
    admin: AtomicU8,
    uweight: AtomicU32,
    served: AtomicU32,
    queued: AtomicU32,
    /// Consecutive errors seen by `observe`.
    observed_errors: AtomicU32,
    /// Seconds spent DOWN before the current state.
    down_secs: AtomicU64,
    last_change: Mutex<Instant>,
    /// Bumped to make every stream on this server give up (`shutdown-sessions`).
    kill: tokio::sync::watch::Sender<u64>,
}

impl Server {
    /// Builds the runtime server of a `server` line at `index`.
    pub fn new(backend: &str, index: usize, name: &str, target: Target, p: &ServerParams) -> Self {
        let track = p.track.as_ref().map(|t| match t.split_once('/') {
            Some((b, s)) => (b.to_string(), s.to_string()),
            None => (backend.to_string(), t.clone()),
        });
        let minconn = if p.minconn == 0 || p.minconn > p.maxconn {
            p.maxconn.max(p.minconn)
        } else {
            p.minconn
        };
        let admin = Admin {
            maint: p.disabled,
            drain: false,
        };
        Server {
            id: ServerId(index),
            puid: p
                .id
                .unwrap_or(u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1)),
            name: name.to_string(),
            backend: backend.to_string(),
            target,
            backup: p.backup,
            maxconn: p.maxconn.max(p.minconn),
            minconn,
            maxqueue: p.maxqueue,
            weight: p.weight,
            cookie: p.cookie.clone(),
            send_proxy: p.send_proxy,
            slowstart: p.slowstart.filter(|d| !d.is_zero()),
            checked: p.check,
            track,
            shutdown_on_down: p.on_marked_down_shutdown,
            shutdown_backups_on_up: p.on_marked_up_shutdown_backups,
            observe: p.observe,
            on_error: p.on_error,
            error_limit: p.error_limit,
            killable: p.on_marked_down_shutdown,
            counters: Counters::default(),
            op: AtomicU8::new(OpState::Running as u8),
            admin: AtomicU8::new(admin.to_u8()),
            uweight: AtomicU32::new(p.weight),
            served: AtomicU32::new(0),
            queued: AtomicU32::new(0),
            observed_errors: AtomicU32::new(0),
            down_secs: AtomicU64::new(0),
            last_change: Mutex::new(Instant::now()),
            kill: tokio::sync::watch::channel(0).0,
        }
    }

    /// Operational state.
    pub fn op_state(&self) -> OpState {
        OpState::from_u8(self.op.load(Ordering::Acquire))
    }

    /// Administrative state.
    pub fn admin(&self) -> Admin {
        Admin::from_u8(self.admin.load(Ordering::Acquire))
    }

    /// The user weight in force (`set weight` changes it; `weight` sets it).
    pub fn user_weight(&self) -> u32 {
        self.uweight.load(Ordering::Acquire)
    }

    /// Streams holding a connection slot on it.
    pub fn served(&self) -> u32 {
        self.served.load(Ordering::Acquire)
    }

    /// Streams waiting in its own queue.
    pub fn queued(&self) -> u32 {
        self.queued.load(Ordering::Acquire)
    }

    /// Usable for new, non-persistent traffic.
    pub fn usable(&self) -> bool {
        state::usable(self.op_state(), self.admin(), self.user_weight())
    }

    /// Whether a persistence cookie naming it is honoured (`persist`: `option persist` or
    /// `force-persist`).
    pub fn accepts_persistent(&self, persist: bool) -> bool {
        state::accepts_persistent(self.op_state(), self.admin(), persist)
    }

    /// Time since the last state change.
    pub fn since_change(&self) -> Duration {
        farm::lock(&self.last_change).elapsed()
    }

    /// Total time spent DOWN, including the current DOWN period.
    pub fn downtime(&self) -> Duration {
        let past = Duration::from_secs(self.down_secs.load(Ordering::Relaxed));
        if self.op_state() == OpState::Stopped {
            past + self.since_change()
        } else {
            past
        }
    }

    /// A receiver that changes when the server's streams must be shut down
    /// (`on-marked-down shutdown-sessions`, `on-marked-up shutdown-backup-sessions`).
    pub fn kill_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.kill.subscribe()
    }

    /// Asks every stream on the server to close.
    pub fn shutdown_sessions(&self) {
        self.kill.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// `observe`: records the outcome of one connection or response. Returns true when
    /// `error-limit` consecutive errors were just reached (the caller applies `on-error`).
    pub fn observe_result(&self, ok: bool) -> bool {
        if ok {
            self.observed_errors.store(0, Ordering::Relaxed);
            return false;
        }
        let n = self.observed_errors.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= self.error_limit.max(1) {
            self.observed_errors.store(0, Ordering::Relaxed);
            return true;
        }
        false
    }
}
