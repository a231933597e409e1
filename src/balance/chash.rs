//! Consistent hashing ring (HAProxy's `lb_chash.c`), used by `hash-type consistent` and by
//! `balance random`.
//!
//! configuration.txt 4.2 "hash-type consistent", "balance random". Each usable server owns
//! `weight * 16` points on a 32-bit ring, point `j` sitting at
//! `full_hash(puid * 4096 + j)`; a hash goes to the nearer of the points around it (the one
//! before wins ties), skipping `avoid`. Without a key the ring is walked point by point
//! (round robin over points). Backups form their own ring; without `option allbackups`
//! only the first usable backup is used when no active server is usable.
//!
//! Must import nothing but `balance`.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::hash::full_hash;
use super::pool::{Pool, Scope};
use super::{Balancer, Key, Room, ServerId, ServerInfo, BE_WEIGHT_SCALE};

/// `SRV_EWGHT_RANGE`.
const EWGHT_RANGE: u32 = 256 * 16;

/// A ring node: its key then an insertion number (ebtree keeps duplicates in order).
type Node = (u32, u64);

/// The consistent-hash rings of one backend.
#[derive(Debug, Clone)]
pub struct Ring {
    pub(crate) pool: Pool,
    /// Active and backup rings: node -> (server position, point number).
    rings: [BTreeMap<Node, (usize, u32)>; 2],
    /// Nodes each server currently has on its ring, in point order.
    nodes: Vec<Vec<Node>>,
    /// `lbprm.chash.last`: where the key-less walk stopped.
    last: Option<Node>,
    seq: u64,
    /// `hash-balance-factor` (0 = off): bounded loads.
    balance_factor: u32,
}

impl Ring {
    /// Builds the rings with every server up. `all_backups` is `option allbackups`.
    pub fn new(servers: &[ServerInfo], all_backups: bool) -> Self {
        let pool = Pool::new(servers, all_backups);
        let n = pool.slots.len();
        let mut r = Ring {
            pool,
            rings: [BTreeMap::new(), BTreeMap::new()],
            nodes: vec![Vec::new(); n],
            last: None,
            seq: 0,
            balance_factor: 0,
        };
        for i in 0..n {
            r.adjust(i);
        }
        r
    }

    /// Sets `hash-balance-factor` (percent, 0 = off): a hashed request skips, along the
    /// ring, servers already holding more than their share of `factor`% of the load.
    pub fn set_balance_factor(&mut self, factor: u32) {
        self.balance_factor = factor;
    }

    /// `chash_server_is_eligible`: consistent hashing with bounded loads.
    fn eligible(&self, i: usize) -> bool {
        let Some(me) = self.pool.get(i) else {
            return false;
        };
        let scope = self.pool.scope();
        let group: Vec<usize> = (0..self.pool.slots.len())
            .filter(|j| self.pool.in_group(*j, scope))
            .collect();
        let tot_weight: u64 = group.iter().map(|j| self.eweight(*j)).sum();
        if tot_weight == 0 {
            return true;
        }
        let cumulative: u64 = group
            .iter()
            .take_while(|j| **j != i)
            .map(|j| self.eweight(*j))
            .sum();
        let served: u64 = self.pool.slots.iter().map(|s| u64::from(s.served)).sum();
        let tot_slots = served
            .saturating_add(1)
            .saturating_mul(u64::from(self.balance_factor))
            .div_ceil(100);
        let per_weight = tot_slots / tot_weight;
        let rem = tot_slots % tot_weight;
        let ew = self.eweight(i);
        // `rem < tot_weight` and `cumulative + ew <= tot_weight`: the products are small.
        let share = (cumulative.saturating_add(ew).saturating_mul(rem) / tot_weight)
            .saturating_sub(cumulative.saturating_mul(rem) / tot_weight);
        let slots = ew.saturating_mul(per_weight).saturating_add(share);
        u64::from(me.served) < slots.max(1)
    }

    fn ring_of(&self, i: usize) -> usize {
        usize::from(self.pool.get(i).is_some_and(|s| s.backup))
    }

    /// Next node after `n` on ring `r`, wrapping; `None` if it is `n` itself.
    fn skip(&self, r: usize, n: Node) -> Option<Node> {
        let ring = self.rings.get(r)?;
        let next = ring
            .range((Bound::Excluded(n), Bound::Unbounded))
            .next()
            .or_else(|| ring.iter().next())
            .map(|(k, _)| *k)?;
        (next != n).then_some(next)
    }

    fn remove_last_node(&mut self, i: usize) {
        let r = self.ring_of(i);
        let Some(n) = self.nodes.get_mut(i).and_then(Vec::pop) else {
            return;
        };
        if self.last == Some(n) {
            self.last = self.skip(r, n);
        }
        if let Some(ring) = self.rings.get_mut(r) {
            ring.remove(&n);
        }
    }

    /// `chash_queue_dequeue_srv`: gives server `i` as many points as its effective weight
    /// (0 when unusable).
    fn adjust(&mut self, i: usize) {
        let Some(s) = self.pool.get(i) else { return };
        let want = if s.usable() {
            s.weight.saturating_mul(16)
        } else {
            0
        };
        let puid = s.puid;
        let r = self.ring_of(i);
        let now = |me: &Self| me.nodes.get(i).map_or(0, Vec::len);
        while now(self) > want as usize {
            self.remove_last_node(i);
        }
        while now(self) < want as usize {
            let j = u32::try_from(now(self)).unwrap_or(u32::MAX);
            self.seq = self.seq.wrapping_add(1);
            let node = (
                full_hash(puid.wrapping_mul(EWGHT_RANGE).wrapping_add(j)),
                self.seq,
            );
            if let Some(ring) = self.rings.get_mut(r) {
                ring.insert(node, (i, j));
            }
            if let Some(v) = self.nodes.get_mut(i) {
                v.push(node);
            }
        }
    }

    fn scope_ring(&self) -> Result<usize, Option<usize>> {
        match self.pool.scope() {
            Scope::Nothing => Err(None),
            Scope::FirstBackup(i) => Err(Some(i)),
            Scope::Active => Ok(0),
            Scope::Backups => Ok(1),
        }
    }

    fn id_of(&self, i: usize) -> Option<ServerId> {
        self.pool.get(i).map(|s| s.id)
    }

    /// `chash_get_server_hash`: the server nearest to `hash`, skipping `avoid` when
    /// another server is on the ring.
    pub fn by_hash(&self, hash: u32, avoid: Option<ServerId>) -> Option<usize> {
        let r = match self.scope_ring() {
            Ok(r) => r,
            Err(i) => return i,
        };
        let ring = self.rings.get(r)?;
        let (next_k, next_v) = ring
            .range((hash, 0)..)
            .next()
            .or_else(|| ring.iter().next())
            .map(|(k, v)| (*k, *v))?;
        let (prev_k, prev_v) = ring
            .range(..next_k)
            .next_back()
            .or_else(|| ring.iter().next_back())
            .map(|(k, v)| (*k, *v))?;
        let dp = hash.wrapping_sub(prev_k.0);
        let dn = next_k.0.wrapping_sub(hash);
        let (mut at, mut srv) = if dp <= dn {
            (prev_k, prev_v.0)
        } else {
            (next_k, next_v.0)
        };
        let mut wrapped = 0;
        let skip = |srv: usize| {
            (avoid.is_some() && self.id_of(srv) == avoid)
                || (self.balance_factor > 0 && !self.eligible(srv))
        };
        while skip(srv) {
            let nxt = ring.range((Bound::Excluded(at), Bound::Unbounded)).next();
            let (k, v) = match nxt {
                Some(x) => x,
                None => {
                    wrapped += 1;
                    if wrapped > 1 {
                        break;
                    }
                    ring.iter().next()?
                }
            };
            at = *k;
            srv = v.0;
        }
        Some(srv)
    }

    /// `chash_get_next_server`: walks the ring from the last point, skipping full servers
    /// and `avoid`.
    pub fn next_rr(&mut self, avoid: Option<ServerId>, room: Option<Room<'_>>) -> Option<ServerId> {
        let r = match self.scope_ring() {
            Ok(r) => r,
            Err(i) => return i.and_then(|i| self.id_of(i)),
        };
        let mut stop = self.last;
        let mut node = self.last;
        let mut avoided: Option<(ServerId, Node)> = None;
        let total = self.rings.get(r).map_or(0, BTreeMap::len);
        for _ in 0..=total {
            let ring = self.rings.get(r)?;
            let nxt = match node {
                Some(n) => ring.range((Bound::Excluded(n), Bound::Unbounded)).next(),
                None => None,
            }
            .or_else(|| ring.iter().next())
            .map(|(k, v)| (*k, v.0));
            self.last = nxt.map(|x| x.0);
            let (k, i) = nxt?;
            node = Some(k);
            if stop.is_none() {
                stop = node;
            }
            if let Some(s) = self.pool.get(i) {
                if room.map_or(s.has_room(), |f| f(s.id)) {
                    if Some(s.id) != avoid {
                        return Some(s.id);
                    }
                    avoided = Some((s.id, k));
                }
            }
            if node == stop {
                break;
            }
        }
        let (id, k) = avoided?;
        self.last = Some(k);
        Some(id)
    }

    /// `lbprm.tot_used`: servers in the group in use (1 disables hashing).
    pub fn used(&self) -> usize {
        match self.pool.scope() {
            Scope::Nothing => 0,
            Scope::FirstBackup(_) => 1,
            s => (0..self.pool.slots.len())
                .filter(|i| self.pool.in_group(*i, s))
                .count(),
        }
    }

    /// Effective weight (`cur_eweight`) of server `i`.
    pub(crate) fn eweight(&self, i: usize) -> u64 {
        self.pool
            .get(i)
            .map_or(0, |s| u64::from(s.weight) * BE_WEIGHT_SCALE.unsigned_abs())
    }

    fn change(&mut self, id: ServerId, f: impl FnOnce(&mut super::pool::Slot)) {
        if let Some(i) = self.pool.index(id) {
            if let Some(s) = self.pool.slots.get_mut(i) {
                f(s);
            }
            self.adjust(i);
        }
    }
}

impl Balancer for Ring {
    /// Without hashing context the ring is walked (`chash_get_next_server`).
    fn pick_room(
        &mut self,
        _key: &Key<'_>,
        avoid: Option<ServerId>,
        room: Option<Room<'_>>,
    ) -> Option<ServerId> {
        self.next_rr(avoid, room)
    }

    fn server_up(&mut self, id: ServerId) {
        self.change(id, |s| s.up = true);
    }

    fn server_down(&mut self, id: ServerId) {
        self.change(id, |s| s.up = false);
    }

    fn set_weight(&mut self, id: ServerId, weight: u32) {
        self.change(id, |s| s.weight = weight.min(256));
    }

    fn take_conn(&mut self, id: ServerId) {
        self.pool.take(id);
    }

    fn drop_conn(&mut self, id: ServerId) {
        self.pool.drop_conn(id);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::infos;
    use super::*;

    #[test]
    fn each_server_gets_weight_times_16_points() {
        let r = Ring::new(&infos(&[1, 3, 0], &[]), false);
        assert_eq!(r.rings[0].len(), 64);
        assert_eq!(r.nodes[1].len(), 48);
        assert!(r.nodes[2].is_empty());
    }

    #[test]
    fn a_point_maps_to_its_own_server() {
        let r = Ring::new(&infos(&[1, 1, 1], &[]), false);
        let p = full_hash(2 * 4096 + 5);
        assert_eq!(r.by_hash(p, None), Some(1));
        assert_ne!(r.by_hash(p, Some(ServerId(1))), Some(1));
    }

    #[test]
    fn only_the_down_servers_keys_move() {
        let mut r = Ring::new(&infos(&[1, 1, 1, 1], &[]), false);
        let before: Vec<_> = (0..500u32).map(|k| r.by_hash(full_hash(k), None)).collect();
        r.server_down(ServerId(2));
        for (k, b) in (0..500u32).zip(before) {
            let now = r.by_hash(full_hash(k), None);
            if b != Some(2) {
                assert_eq!(now, b);
            } else {
                assert_ne!(now, Some(2));
            }
        }
    }

    #[test]
    fn the_walk_visits_points_in_ring_order_and_skips_down_servers() {
        let mut r = Ring::new(&infos(&[1, 1], &[]), false);
        let order: Vec<usize> = r.rings[0].values().map(|v| v.0).collect();
        let got: Vec<usize> = (0..32)
            .map(|_| r.next_rr(None, None).map(|s| s.0).unwrap())
            .collect();
        assert_eq!(got, order);
        r.server_down(ServerId(0));
        assert!((0..10).all(|_| r.next_rr(None, None) == Some(ServerId(1))));
        r.server_down(ServerId(1));
        assert_eq!(r.next_rr(None, None), None);
    }

    #[test]
    fn a_balance_factor_skips_overloaded_servers() {
        let mut r = Ring::new(&infos(&[1, 1], &[]), false);
        let p = full_hash(4096 + 3);
        assert_eq!(r.by_hash(p, None), Some(0));
        for _ in 0..5 {
            r.take_conn(ServerId(0));
        }
        assert_eq!(r.by_hash(p, None), Some(0));
        r.set_balance_factor(125);
        assert_eq!(r.by_hash(p, None), Some(1));
    }
}
