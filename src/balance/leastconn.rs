//! `balance leastconn`: HAProxy's fast weighted least connections (`lb_fwlc.c`), and the
//! ordered-tree machinery that `balance first` (`lb_fas.c`) shares with it.
//!
//! configuration.txt 4.2 "balance leastconn". Each usable server sits in a tree keyed by
//! `0` when idle, else `(served + 1) * 4096 / (weight * 16)`; equal keys keep their
//! insertion order, and a server is requeued at each `take_conn`/`drop_conn`, so idle
//! servers rotate in the order they were released, exactly as in HAProxy. The lookup takes
//! the first server with a free slot under `maxconn`, skipping `avoid` unless it is the only
//! candidate. Without `option allbackups` only the first usable backup is used when no
//! active server is usable.
//!
//! Must import nothing but `balance`.

use std::collections::BTreeMap;

use super::pool::{Pool, Scope};
use super::{Balancer, Key, Room, ServerId, ServerInfo, BE_WEIGHT_SCALE};

/// `SRV_EWGHT_MAX`.
const EWGHT_MAX: u64 = 256 * 16;

/// What orders the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// `leastconn`: connections per weight.
    LeastConn,
    /// `first`: the server's numeric id.
    Puid,
}

/// A balancer picking the first usable server of an ordered tree.
#[derive(Debug, Clone)]
pub struct LeastConn {
    pool: Pool,
    order: Order,
    /// Active and backup trees: (key, insertion number) -> position.
    trees: [BTreeMap<(u64, u64), usize>; 2],
    /// Each server's node while it is in a tree.
    nodes: Vec<Option<(u64, u64)>>,
    seq: u64,
}

impl LeastConn {
    /// `balance leastconn` with every server up. `all_backups` is `option allbackups`.
    pub fn new(servers: &[ServerInfo], all_backups: bool) -> Self {
        Self::with_order(servers, all_backups, Order::LeastConn)
    }

    pub(crate) fn with_order(servers: &[ServerInfo], all_backups: bool, order: Order) -> Self {
        let pool = Pool::new(servers, all_backups);
        let n = pool.slots.len();
        let mut b = LeastConn {
            pool,
            order,
            trees: [BTreeMap::new(), BTreeMap::new()],
            nodes: vec![None; n],
            seq: 0,
        };
        for i in 0..n {
            if b.pool.get(i).is_some_and(|s| s.usable()) {
                b.queue(i);
            }
        }
        b
    }

    fn key(&self, i: usize) -> u64 {
        let Some(s) = self.pool.get(i) else { return 0 };
        match self.order {
            Order::Puid => u64::from(s.puid),
            Order::LeastConn => {
                let ew = u64::from(s.weight) * BE_WEIGHT_SCALE.unsigned_abs();
                if s.served == 0 || ew == 0 {
                    0
                } else {
                    (u64::from(s.served) + 1) * EWGHT_MAX / ew
                }
            }
        }
    }

    fn tree_of(&self, i: usize) -> usize {
        usize::from(self.pool.get(i).is_some_and(|s| s.backup))
    }

    fn queue(&mut self, i: usize) {
        self.seq = self.seq.wrapping_add(1);
        let node = (self.key(i), self.seq);
        let t = self.tree_of(i);
        if let Some(tree) = self.trees.get_mut(t) {
            tree.insert(node, i);
        }
        if let Some(n) = self.nodes.get_mut(i) {
            *n = Some(node);
        }
    }

    fn dequeue(&mut self, i: usize) {
        let t = self.tree_of(i);
        if let Some(node) = self.nodes.get_mut(i).and_then(Option::take) {
            if let Some(tree) = self.trees.get_mut(t) {
                tree.remove(&node);
            }
        }
    }

    fn in_tree(&self, i: usize) -> bool {
        self.nodes.get(i).is_some_and(Option::is_some)
    }

    /// Puts a server in or out of its tree after a state or weight change.
    fn refresh(&mut self, i: usize) {
        let usable = self.pool.get(i).is_some_and(|s| s.usable());
        if self.in_tree(i) {
            self.dequeue(i);
        }
        if usable {
            self.queue(i);
        }
    }

    fn reposition(&mut self, i: usize) {
        if self.in_tree(i) && self.order == Order::LeastConn {
            self.dequeue(i);
            self.queue(i);
        }
    }
}

impl Balancer for LeastConn {
    fn pick_room(
        &mut self,
        _key: &Key<'_>,
        avoid: Option<ServerId>,
        room: Option<Room<'_>>,
    ) -> Option<ServerId> {
        let tree = match self.pool.scope() {
            Scope::Nothing => return None,
            Scope::FirstBackup(i) => return self.pool.get(i).map(|s| s.id),
            Scope::Active => self.trees.first()?,
            Scope::Backups => self.trees.get(1)?,
        };
        let mut avoided = None;
        let mut first_full = None;
        for i in tree.values() {
            let Some(s) = self.pool.get(*i) else { continue };
            if room.map_or(s.has_room(), |f| f(s.id)) {
                if Some(s.id) != avoid {
                    return Some(s.id);
                }
                avoided = Some(s.id);
            } else if first_full.is_none() {
                first_full = Some(s.id);
            }
        }
        // HAProxy would queue when every server is full; we hand out the first full one.
        avoided.or(first_full)
    }

    fn server_up(&mut self, id: ServerId) {
        let Some(i) = self.pool.index(id) else { return };
        if let Some(s) = self.pool.slots.get_mut(i) {
            if s.up {
                return;
            }
            s.up = true;
        }
        self.refresh(i);
    }

    fn server_down(&mut self, id: ServerId) {
        let Some(i) = self.pool.index(id) else { return };
        if let Some(s) = self.pool.slots.get_mut(i) {
            s.up = false;
        }
        self.refresh(i);
    }

    fn set_weight(&mut self, id: ServerId, weight: u32) {
        let Some(i) = self.pool.index(id) else { return };
        if let Some(s) = self.pool.slots.get_mut(i) {
            if s.weight == weight.min(256) {
                return;
            }
            s.weight = weight.min(256);
        }
        self.refresh(i);
    }

    fn take_conn(&mut self, id: ServerId) {
        self.pool.take(id);
        if let Some(i) = self.pool.index(id) {
            self.reposition(i);
        }
    }

    fn drop_conn(&mut self, id: ServerId) {
        self.pool.drop_conn(id);
        if let Some(i) = self.pool.index(id) {
            self.reposition(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::{infos, run_conn, seq};
    use super::*;

    fn lc(weights: &[u32], backups: &[usize]) -> LeastConn {
        LeastConn::new(&infos(weights, backups), false)
    }

    fn pick(b: &mut LeastConn) -> usize {
        b.pick(&Key::None, None).map_or(0, |s| s.0 + 1)
    }

    #[test]
    fn idle_servers_rotate_in_release_order() {
        assert_eq!(
            run_conn(&mut lc(&[1, 2, 1], &[]), 9),
            seq("1 2 3 1 2 3 1 2 3")
        );
    }

    #[test]
    fn down_and_up_follow_haproxy() {
        let mut b = lc(&[1, 2, 1], &[]);
        let mut got = run_conn(&mut b, 2);
        b.server_down(ServerId(2));
        got.extend(run_conn(&mut b, 3));
        b.server_up(ServerId(2));
        got.extend(run_conn(&mut b, 5));
        assert_eq!(got, seq("1 2 1 2 1 2 1 3 2 1"));
    }

    #[test]
    fn only_the_first_backup_serves_without_allbackups() {
        let mut b = LeastConn::new(&infos(&[1, 1, 1], &[1, 2]), false);
        let mut got = run_conn(&mut b, 2);
        b.server_down(ServerId(0));
        got.extend(run_conn(&mut b, 4));
        assert_eq!(got, seq("1 1 2 2 2 2"));
    }

    #[test]
    fn held_connections_send_traffic_to_the_least_loaded_per_weight() {
        let mut b = lc(&[1, 2, 1], &[]);
        // Hold every connection: keys are (served + 1) * 4096 / (16 * weight).
        let mut got = Vec::new();
        for _ in 0..8 {
            let s = pick(&mut b);
            b.take_conn(ServerId(s - 1));
            got.push(s);
        }
        // Same sequence as the real binary with 8 held TCP connections.
        assert_eq!(got, seq("1 2 3 2 2 1 3 2"));
        // Releasing two on s1 makes it the least loaded.
        b.drop_conn(ServerId(0));
        b.drop_conn(ServerId(0));
        assert_eq!(pick(&mut b), 1);
    }

    #[test]
    fn a_server_at_maxconn_is_skipped() {
        let mut i = infos(&[1, 1], &[]);
        i[0].maxconn = 1;
        let mut b = LeastConn::new(&i, false);
        b.take_conn(ServerId(0));
        b.take_conn(ServerId(1));
        b.take_conn(ServerId(1));
        assert_eq!(pick(&mut b), 2);
    }

    #[test]
    fn avoid_and_no_server() {
        let mut b = lc(&[1, 1], &[]);
        assert_eq!(b.pick(&Key::None, Some(ServerId(0))), Some(ServerId(1)));
        b.server_down(ServerId(1));
        assert_eq!(b.pick(&Key::None, Some(ServerId(0))), Some(ServerId(0)));
        b.server_down(ServerId(0));
        assert_eq!(b.pick(&Key::None, None), None);
    }

    #[test]
    fn held_connections_with_weights_3_1_1_follow_haproxy() {
        let mut b = lc(&[3, 1, 1], &[]);
        let got: Vec<usize> = (0..10)
            .map(|_| {
                let s = pick(&mut b);
                b.take_conn(ServerId(s - 1));
                s
            })
            .collect();
        assert_eq!(got, seq("1 2 3 1 1 1 1 2 3 1"));
    }
}
