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
    /// Wakes the check task when `error-limit` is reached.
    error_limit_hit: tokio::sync::Notify,
    /// The last error `observe` saw, for the check's message.
    last_error: Mutex<&'static str>,
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
            error_limit_hit: tokio::sync::Notify::new(),
            last_error: Mutex::new(""),
            down_secs: AtomicU64::new(0),
            last_change: Mutex::new(Instant::now()),
            kill: tokio::sync::watch::channel(0).0,
        }
    }

    /// What the balancer is built from.
    pub fn balance_info(&self) -> crate::balance::ServerInfo {
        crate::balance::ServerInfo {
            id: self.id,
            weight: self.weight,
            backup: self.backup,
            maxconn: self.maxconn,
            puid: self.puid,
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

    /// `observe` (`health_adjust()`): records what traffic saw of the server; when
    /// `error-limit` consecutive errors are reached the check task applies `on-error`.
    /// Does nothing without `observe` or without checks, as HAProxy.
    pub fn observe(&self, a: Analyze) {
        if !self.checked {
            return;
        }
        match a.effect(self.observe) {
            Effect::Ignore => {}
            Effect::Ok => self.observed_errors.store(0, Ordering::Relaxed),
            Effect::Error => {
                let n = self.observed_errors.fetch_add(1, Ordering::Relaxed) + 1;
                if n >= self.error_limit.max(1) {
                    self.observed_errors.store(0, Ordering::Relaxed);
                    *farm::lock(&self.last_error) = a.desc();
                    self.error_limit_hit.notify_one();
                }
            }
        }
    }

    /// Resolves with the `on-error` action when `error-limit` was reached.
    pub async fn observed(&self) -> OnError {
        self.error_limit_hit.notified().await;
        self.on_error
    }

    /// The error that last reached `error-limit`.
    pub fn last_observed_error(&self) -> &'static str {
        *farm::lock(&self.last_error)
    }
}

/// What traffic tells about a server (HAProxy's `HANA_STATUS_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analyze {
    /// The connection was established.
    L4Ok,
    /// The connection failed.
    L4Err,
    /// A valid response with a status below 500 (or 501, 505).
    HttpOk,
    /// A 5xx response.
    HttpStatus,
    /// An invalid response.
    HttpInvalid,
    /// The server timed out before its response.
    HttpReadTimeout,
    /// The server closed before its response.
    HttpBrokenPipe,
}

/// How an [`Analyze`] counts for an `observe` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Ignore,
    Ok,
    Error,
}

impl Analyze {
    /// HAProxy's description (`analyze_statuses`).
    pub fn desc(self) -> &'static str {
        match self {
            Analyze::L4Ok => "L4 successful connection",
            Analyze::L4Err => "L4 unsuccessful connection",
            Analyze::HttpOk => "Correct http response",
            Analyze::HttpStatus => "Wrong http response",
            Analyze::HttpInvalid => "Invalid http response",
            Analyze::HttpReadTimeout => "Read timeout (http)",
            Analyze::HttpBrokenPipe => "Close from server (http)",
        }
    }

    /// The `analyze_statuses` table: layer4 sees connections only, layer7 everything but
    /// successful connections.
    fn effect(self, o: Observe) -> Effect {
        match (o, self) {
            (Observe::None, _) => Effect::Ignore,
            (_, Analyze::L4Err) => Effect::Error,
            (Observe::Layer4, Analyze::L4Ok) => Effect::Ok,
            (Observe::Layer4, _) | (Observe::Layer7, Analyze::L4Ok) => Effect::Ignore,
            (Observe::Layer7, Analyze::HttpOk) => Effect::Ok,
            (Observe::Layer7, _) => Effect::Error,
        }
    }

    /// The analysis of an HTTP response status.
    pub fn of_status(status: u16) -> Analyze {
        if (100..500).contains(&status) || status == 501 || status == 505 {
            Analyze::HttpOk
        } else {
            Analyze::HttpStatus
        }
    }
}
