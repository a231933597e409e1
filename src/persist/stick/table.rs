//! One stick table (configuration.txt 4.2 "stick-table"): entries by key with their stored
//! data, `size` with HAProxy 2.6's eviction, `expire` counted from the last touch, `nopurge`,
//! and the reference counts of tracked entries (HAProxy's `stksess.ref_cnt`).
//!
//! Semantics kept from `stick_table.c`:
//! - a new entry expires `expire` after its creation; a touch (`stktable_touch_local()`)
//!   pushes its expiry to `now + expire`; lookups do not touch; without `expire` nothing
//!   expires and the order is the order of last touches;
//! - when the table is full, a new entry first removes the `size / 256 + 1` entries whose
//!   expiry is the soonest (`__stktable_trash_oldest()`); entries tracked by a stream are
//!   never removed; with `nopurge`, or when everything is tracked, the new entry is refused;
//! - an entry tracked by streams stays until its last tracker leaves, and is removed then
//!   if it expired meanwhile (`stksess_kill_if_expired()`).
//!
//! Lookups are O(1) (a `HashMap`); the expiry order is a `BTreeMap` over `(expiry, seq)` that
//! holds only the untracked entries, so eviction and expiry never walk tracked ones.
//! Pure: every method takes `now` in milliseconds; no clock, no I/O, no locking (the runtime
//! wraps a table in a mutex). Imports only `config::model` and this folder.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::freq::FreqCtr;
use super::key::Key;
use super::StickError;
use crate::config::model::{DataType, KeyType, SrvKey, StickTable};

/// The rates an entry can store, in the order of [`Entry::rates`].
pub(crate) const RATES: [DataType; 9] = [
    DataType::Gpc0Rate,
    DataType::Gpc1Rate,
    DataType::ConnRate,
    DataType::SessRate,
    DataType::HttpReqRate,
    DataType::HttpErrRate,
    DataType::HttpFailRate,
    DataType::BytesInRate,
    DataType::BytesOutRate,
];

/// Index of a rate in [`RATES`].
pub(crate) fn rate_index(d: DataType) -> Option<usize> {
    RATES.iter().position(|r| *r == d)
}

/// The data of one entry. Only the types the table stores are meaningful (the others stay
/// zero and read as absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Expiry date (ms), or the last touch when the table has no `expire`.
    pub(crate) exp: u64,
    /// Position in the expiry order (unique per table).
    pub(crate) seq: u64,
    /// Streams tracking the entry.
    pub(crate) refs: u32,
    /// `server_id` (0 when never stored: no server has id 0).
    pub(crate) server_id: i32,
    /// `server_key`.
    pub(crate) server_key: Option<Box<str>>,
    /// `gpt0`.
    pub(crate) gpt0: u32,
    /// `gpc0`.
    pub(crate) gpc0: u32,
    /// `gpc1`.
    pub(crate) gpc1: u32,
    /// `conn_cnt`.
    pub(crate) conn_cnt: u32,
    /// `conn_cur`.
    pub(crate) conn_cur: u32,
    /// `sess_cnt`.
    pub(crate) sess_cnt: u32,
    /// `http_req_cnt`.
    pub(crate) http_req_cnt: u32,
    /// `http_err_cnt`.
    pub(crate) http_err_cnt: u32,
    /// `http_fail_cnt`.
    pub(crate) http_fail_cnt: u32,
    /// `bytes_in_cnt`.
    pub(crate) bytes_in: u64,
    /// `bytes_out_cnt`.
    pub(crate) bytes_out: u64,
    /// The frequency counters, indexed like [`RATES`].
    pub(crate) rates: [FreqCtr; 9],
}

impl Entry {
    /// Streams tracking the entry (`trackers`).
    pub fn trackers(&self) -> u32 {
        self.refs
    }
    /// When the entry expires if nothing touches it (the last touch without `expire`).
    pub fn expiry(&self) -> u64 {
        self.exp
    }
}

/// The server an entry sticks to (`stick match`): its `server_key` (name or address, per
/// `srvkey`), looked up first by HAProxy, and its numeric `server_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// `server_key`, if stored.
    pub key: Option<String>,
    /// `server_id` (a server's `id`), if stored and set.
    pub id: Option<i32>,
}

/// A stick table.
#[derive(Debug, Clone)]
pub struct Table {
    key_type: KeyType,
    size: u64,
    expire: Option<u64>,
    nopurge: bool,
    srvkey: SrvKey,
    /// Stored data types, and the period (ms) of the stored rates.
    stored: Vec<DataType>,
    periods: [u64; 9],
    entries: HashMap<Key, Entry>,
    /// Untracked entries by `(exp, seq)`.
    order: BTreeMap<(u64, u64), Key>,
    seq: u64,
}

impl Table {
    /// An empty table as declared.
    pub fn new(spec: &StickTable) -> Table {
        let mut periods = [0u64; 9];
        for s in &spec.store {
            if let (Some(i), Some(p)) = (rate_index(s.data), s.period) {
                if let Some(slot) = periods.get_mut(i) {
                    *slot = u64::try_from(p.as_millis()).unwrap_or(u64::MAX);
                }
            }
        }
        Table {
            key_type: spec.key,
            size: spec.size,
            expire: spec
                .expire
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            nopurge: spec.nopurge,
            srvkey: spec.srvkey,
            stored: spec.store.iter().map(|s| s.data).collect(),
            periods,
            entries: HashMap::new(),
            order: BTreeMap::new(),
            seq: 0,
        }
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// What identifies a server in `server_key`.
    pub fn srvkey(&self) -> SrvKey {
        self.srvkey
    }

    /// `size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Entries present, expired ones not yet purged included (`table_cnt`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Free entries (`table_avl`).
    pub fn available(&self) -> u64 {
        self.size.saturating_sub(self.entries.len() as u64)
    }

    /// True if the table stores `d`.
    pub fn stores(&self, d: DataType) -> bool {
        self.stored.contains(&d)
    }

    /// The period (ms) of a stored rate.
    pub(crate) fn period(&self, d: DataType) -> u64 {
        rate_index(d)
            .and_then(|i| self.periods.get(i).copied())
            .unwrap_or(0)
    }

    /// The key of an address sample in this table (see [`Key::from_ip`]).
    pub fn key_from_ip(&self, ip: IpAddr) -> Option<Key> {
        Key::from_ip(self.key_type, ip)
    }

    /// The key of a string sample in this table (see [`Key::from_bytes`]).
    pub fn key_from_bytes(&self, s: &[u8]) -> Option<Key> {
        Key::from_bytes(self.key_type, s)
    }

    /// The expiry of an entry touched at `now`.
    fn exp_at(&self, now: u64) -> u64 {
        now.saturating_add(self.expire.unwrap_or(0))
    }

    /// True if `e` is gone for a reader at `now` (expired and tracked by nobody).
    fn expired(&self, e: &Entry, now: u64) -> bool {
        self.expire.is_some() && e.refs == 0 && e.exp <= now
    }

    /// The entry of `key` as a reader sees it at `now` (no touch, as HAProxy's lookups).
    pub fn lookup(&self, key: &Key, now: u64) -> Option<&Entry> {
        self.entries.get(key).filter(|e| !self.expired(e, now))
    }

    /// Removes the expired untracked entries; returns how many.
    pub fn purge_expired(&mut self, now: u64) -> usize {
        if self.expire.is_none() {
            return 0;
        }
        let mut n = 0;
        while let Some(entry) = self.order.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            self.entries.remove(&key);
            n += 1;
        }
        n
    }

    /// When the next untracked entry expires (for the runtime's purge timer).
    pub fn next_expiry(&self) -> Option<u64> {
        self.expire?;
        self.order.keys().next().map(|(exp, _)| *exp)
    }

    /// Removes up to `batch` untracked entries, soonest expiry first; returns how many.
    fn trash_oldest(&mut self, batch: u64) -> u64 {
        let mut n = 0;
        while n < batch {
            let Some((_, key)) = self.order.pop_first() else {
                break;
            };
            self.entries.remove(&key);
            n += 1;
        }
        n
    }

    /// The entry of `key`, created (empty, expiring `expire` from now) when absent or
    /// expired. An existing entry is not touched (HAProxy's `stktable_get_entry()`).
    pub fn get_or_create(&mut self, key: &Key, now: u64) -> Result<&mut Entry, StickError> {
        self.purge_expired(now);
        if !self.entries.contains_key(key) {
            if self.entries.len() as u64 >= self.size {
                if self.nopurge {
                    return Err(StickError::Full { size: self.size });
                }
                if self.trash_oldest(self.size / 256 + 1) == 0 {
                    return Err(StickError::Full { size: self.size });
                }
            }
            self.seq += 1;
            let e = Entry {
                exp: self.exp_at(now),
                seq: self.seq,
                ..Entry::default()
            };
            self.order.insert((e.exp, e.seq), key.clone());
            self.entries.insert(key.clone(), e);
        }
        self.entries.get_mut(key).ok_or(StickError::Missing)
    }

    /// Pushes the expiry of `key` to `now + expire` (HAProxy's `stktable_touch_local()`).
    /// False when there is no such entry.
    pub fn touch(&mut self, key: &Key, now: u64) -> bool {
        let exp = self.exp_at(now);
        let Some(e) = self.entries.get_mut(key) else {
            return false;
        };
        let old = (e.exp, e.seq);
        e.exp = exp;
        if e.refs == 0 {
            if let Some(k) = self.order.remove(&old) {
                self.order.insert((exp, old.1), k);
            }
        }
        true
    }

    /// Takes a reference on an existing entry: it can no longer expire nor be evicted.
    pub fn acquire(&mut self, key: &Key) -> bool {
        let Some(e) = self.entries.get_mut(key) else {
            return false;
        };
        e.refs = e.refs.saturating_add(1);
        if e.refs == 1 {
            self.order.remove(&(e.exp, e.seq));
        }
        true
    }

    /// Drops a reference; the last one puts the entry back in the expiry order, or removes
    /// it if it expired meanwhile.
    pub fn release(&mut self, key: &Key, now: u64) {
        let expire = self.expire;
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        if e.refs == 0 {
            return;
        }
        e.refs -= 1;
        if e.refs > 0 {
            return;
        }
        if expire.is_some() && e.exp <= now {
            self.entries.remove(key);
            return;
        }
        self.order.insert((e.exp, e.seq), key.clone());
    }

    /// Removes an entry whatever its state (`clear table` of the CLI).
    pub fn remove(&mut self, key: &Key) -> bool {
        match self.entries.remove(key) {
            Some(e) => {
                self.order.remove(&(e.exp, e.seq));
                true
            }
            None => false,
        }
    }

    /// Mutable access to an existing, unexpired entry.
    pub(crate) fn live_mut(&mut self, key: &Key, now: u64) -> Option<&mut Entry> {
        let expire = self.expire;
        self.entries
            .get_mut(key)
            .filter(|e| !(expire.is_some() && e.refs == 0 && e.exp <= now))
    }

    /// The server `key` sticks to (`stick match` / `stick on`); a found entry is touched.
    /// `None` when there is no entry.
    pub fn stuck_server(&mut self, key: &Key, now: u64) -> Option<Stuck> {
        let id_stored = self.stores(DataType::ServerId);
        let key_stored = self.stores(DataType::ServerKey);
        let e = self.live_mut(key, now)?;
        let stuck = Stuck {
            key: e
                .server_key
                .as_deref()
                .filter(|_| key_stored)
                .map(str::to_string),
            id: (id_stored && e.server_id != 0).then_some(e.server_id),
        };
        self.touch(key, now);
        Some(stuck)
    }

    /// Records the server a request went to (`stick store-request`, `store-response`,
    /// `stick on`): `server_id` is its `id`, `server_key` its name or address per `srvkey`.
    pub fn store_server(
        &mut self,
        key: &Key,
        server_id: i32,
        server_key: &str,
        now: u64,
    ) -> Result<(), StickError> {
        let e = self.get_or_create(key, now)?;
        e.server_id = server_id;
        e.server_key = Some(server_key.into());
        self.touch(key, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
