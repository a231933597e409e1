//! Per-server bookkeeping shared by the balancers: usable state, weights, served
//! connections, and HAProxy's choice between the active group, the first backup
//! (`lbprm.fbck`) and the backup group (`recount_servers`, `update_backend_weight`).
//!
//! configuration.txt 5.2 "backup", "weight", "maxconn"; 4.2 "option allbackups".
//! Must import nothing but `balance`.

use super::{ServerId, ServerInfo};

/// One server as the balancers see it.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    /// Its id.
    pub id: ServerId,
    /// Weight from the configuration (`iweight`).
    pub init_weight: u32,
    /// Current user weight (`uweight`), changed by `set weight`.
    pub weight: u32,
    /// `backup`.
    pub backup: bool,
    /// `maxconn` (0 = unlimited).
    pub maxconn: u32,
    /// Numeric id (`puid`).
    pub puid: u32,
    /// Up as far as health checks and admin state go.
    pub up: bool,
    /// Connections currently served.
    pub served: u32,
}

impl Slot {
    /// `srv_currently_usable`: up with a non-zero weight.
    pub fn usable(&self) -> bool {
        self.up && self.weight > 0
    }

    /// True when the server has a free connection slot under `maxconn`.
    pub fn has_room(&self) -> bool {
        self.maxconn == 0 || self.served < self.maxconn
    }
}

/// Which servers a lookup must consider (the head of HAProxy's `*_get_next_server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// No usable server.
    Nothing,
    /// Usable active servers exist.
    Active,
    /// No active server; only the first usable backup (no `option allbackups`).
    FirstBackup(usize),
    /// No active server; every usable backup (`option allbackups`).
    Backups,
}

/// The servers of one backend.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    /// Servers in `server` line order.
    pub slots: Vec<Slot>,
    /// `option allbackups`.
    pub all_backups: bool,
}

impl Pool {
    /// Every server starts up.
    pub fn new(servers: &[ServerInfo], all_backups: bool) -> Self {
        let slots = servers
            .iter()
            .map(|s| Slot {
                id: s.id,
                init_weight: s.weight.min(256),
                weight: s.weight.min(256),
                backup: s.backup,
                maxconn: s.maxconn,
                puid: s.puid,
                up: true,
                served: 0,
            })
            .collect();
        Pool { slots, all_backups }
    }

    /// Position of a server.
    pub fn index(&self, id: ServerId) -> Option<usize> {
        self.slots.iter().position(|s| s.id == id)
    }

    /// The slot at a position.
    pub fn get(&self, i: usize) -> Option<&Slot> {
        self.slots.get(i)
    }

    /// The slot of a server, mutable.
    pub fn slot_mut(&mut self, id: ServerId) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }

    /// Which group serves traffic now.
    pub fn scope(&self) -> Scope {
        if self.slots.iter().any(|s| !s.backup && s.usable()) {
            return Scope::Active;
        }
        let first = self.slots.iter().position(|s| s.backup && s.usable());
        match first {
            None => Scope::Nothing,
            Some(i) if !self.all_backups => Scope::FirstBackup(i),
            Some(_) => Scope::Backups,
        }
    }

    /// Whether slot `i` belongs to the group in use for `scope` (for `FirstBackup`,
    /// the whole backup group, as the map and trees are built over it).
    pub fn in_group(&self, i: usize, scope: Scope) -> bool {
        let Some(s) = self.slots.get(i) else {
            return false;
        };
        s.usable()
            && match scope {
                Scope::Nothing => false,
                Scope::Active => !s.backup,
                Scope::FirstBackup(_) | Scope::Backups => s.backup,
            }
    }

    /// `take_conn` bookkeeping.
    pub fn take(&mut self, id: ServerId) {
        if let Some(s) = self.slot_mut(id) {
            s.served = s.served.saturating_add(1);
        }
    }

    /// `drop_conn` bookkeeping.
    pub fn drop_conn(&mut self, id: ServerId) {
        if let Some(s) = self.slot_mut(id) {
            s.served = s.served.saturating_sub(1);
        }
    }
}
