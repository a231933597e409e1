//! `balance roundrobin`: HAProxy's fast weighted round robin (`lb_fwrr.c`), dynamic weights.
//!
//! configuration.txt 4.2 "balance roundrobin". Each server owns a position in a window of
//! `total weight` slots; the server with the lowest next position is served first, ties going to
//! the heavier server. Three ordered trees per group (active, backup): `curr` (servers placed in
//! the current window), `init` (servers not placed yet, by decreasing weight) and `next`
//! (servers pushed to the next window). Weights are scaled by 16 (`BE_WEIGHT_SCALE`) exactly as
//! HAProxy does, because the rounding of the positions depends on it.
//!
//! Backup servers are used only when no active server is usable; without `option allbackups`
//! only the first usable backup is used. Servers with `maxconn` that are saturated are skipped
//! and requeued as HAProxy does.
//!
//! Must import nothing but `balance` and `config::model`.

use std::collections::BTreeMap;

use super::{Balancer, Key, Room, ServerId, ServerInfo, BE_WEIGHT_SCALE};

/// `SRV_UWGHT_RANGE`: the user weight range, used in the `curr` tree key.
const UWGHT_RANGE: i64 = 256;
/// `SRV_EWGHT_MAX`: the highest effective weight.
const EWGHT_MAX: i64 = 256 * BE_WEIGHT_SCALE;

/// Which tree a server sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tree {
    /// The current window, ordered by next position.
    Curr,
    /// One of the two weight-ordered trees (`init` / `next` swap roles).
    Weight(usize),
}

/// Key of a node: the eb32 key then an insertion counter, so that duplicates keep their
/// insertion order as ebtrees do.
type NodeKey = (i64, u64);

/// One server's fwrr state.
#[derive(Debug, Clone)]
struct Srv {
    id: ServerId,
    backup: bool,
    maxconn: u32,
    served: u32,
    /// Administratively/health-wise up.
    up: bool,
    /// Effective weight (user weight * 16).
    eweight: i64,
    npos: i64,
    lpos: i64,
    rweight: i64,
    /// Last tree the server was queued in (`lb_tree`); `None` when removed.
    tree: Option<Tree>,
    /// Its node key while linked.
    node: NodeKey,
    /// Whether the node is currently linked in `tree`.
    linked: bool,
}

impl Srv {
    fn usable(&self) -> bool {
        self.up && self.eweight > 0
    }
}

/// One fwrr group (active or backup servers).
#[derive(Debug, Clone, Default)]
struct Group {
    curr_pos: i64,
    curr_weight: i64,
    next_weight: i64,
    curr: BTreeMap<NodeKey, usize>,
    weight_trees: [BTreeMap<NodeKey, usize>; 2],
    /// Index in `weight_trees` of the `init` tree; the other one is `next`.
    init: usize,
}

impl Group {
    fn init_tree(&self) -> Tree {
        Tree::Weight(self.init)
    }
    fn next_tree(&self) -> Tree {
        Tree::Weight(1 - self.init)
    }
    fn tree_mut(&mut self, t: Tree) -> Option<&mut BTreeMap<NodeKey, usize>> {
        match t {
            Tree::Curr => Some(&mut self.curr),
            Tree::Weight(i) => self.weight_trees.get_mut(i),
        }
    }
    fn first_of(&self, t: Tree) -> Option<usize> {
        let tree = match t {
            Tree::Curr => &self.curr,
            Tree::Weight(i) => self.weight_trees.get(i)?,
        };
        tree.values().next().copied()
    }
    fn switch_trees(&mut self) {
        self.init = 1 - self.init;
        self.curr_weight = self.next_weight;
        self.curr_pos = self.curr_weight;
    }
}

/// `balance roundrobin` over one backend.
#[derive(Debug, Clone)]
pub struct RoundRobin {
    srvs: Vec<Srv>,
    act: Group,
    bck: Group,
    /// First usable backup server (only used without `option allbackups`).
    fbck: Option<usize>,
    all_backups: bool,
    srv_act: usize,
    srv_bck: usize,
    seq: u64,
}

impl RoundRobin {
    /// Builds the balancer with every server up. `all_backups` is `option allbackups`.
    pub fn new(servers: &[ServerInfo], all_backups: bool) -> Self {
        let srvs = servers
            .iter()
            .map(|s| Srv {
                id: s.id,
                backup: s.backup,
                maxconn: s.maxconn,
                served: 0,
                up: true,
                eweight: i64::from(s.weight.min(256)) * BE_WEIGHT_SCALE,
                npos: 0,
                lpos: 0,
                rweight: 0,
                tree: None,
                node: (0, 0),
                linked: false,
            })
            .collect();
        let mut rr = RoundRobin {
            srvs,
            act: Group::default(),
            bck: Group::default(),
            fbck: None,
            all_backups,
            srv_act: 0,
            srv_bck: 0,
            seq: 0,
        };
        let (mut wact, mut wbck) = (0, 0);
        for s in rr.srvs.iter().filter(|s| s.usable()) {
            if s.backup {
                wbck += s.eweight;
                rr.srv_bck += 1;
            } else {
                wact += s.eweight;
                rr.srv_act += 1;
            }
        }
        for (g, w) in [(&mut rr.act, wact), (&mut rr.bck, wbck)] {
            g.curr_pos = w;
            g.curr_weight = w;
            g.next_weight = w;
        }
        for i in 0..rr.srvs.len() {
            let Some(s) = rr.srvs.get(i) else { continue };
            if !s.usable() {
                continue;
            }
            let t = rr.grp(s.backup).init_tree();
            rr.queue_by_weight(t, i);
        }
        rr.fbck = rr.first_backup_from(0);
        rr
    }

    fn grp(&mut self, backup: bool) -> &mut Group {
        if backup {
            &mut self.bck
        } else {
            &mut self.act
        }
    }

    fn index(&self, id: ServerId) -> Option<usize> {
        self.srvs.iter().position(|s| s.id == id)
    }

    /// First usable backup at or after position `from`, when `allbackups` is off.
    fn first_backup_from(&self, from: usize) -> Option<usize> {
        if self.all_backups {
            return None;
        }
        self.srvs
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, s)| s.backup && s.usable())
            .map(|(i, _)| i)
    }

    fn insert(&mut self, t: Tree, key: i64, i: usize) {
        self.seq = self.seq.wrapping_add(1);
        let node = (key, self.seq);
        let Some(backup) = self.srvs.get(i).map(|s| s.backup) else {
            return;
        };
        if let Some(tree) = self.grp(backup).tree_mut(t) {
            tree.insert(node, i);
        }
        if let Some(s) = self.srvs.get_mut(i) {
            s.node = node;
            s.tree = Some(t);
            s.linked = true;
        }
    }

    /// `fwrr_dequeue_srv`: unlinks the node but keeps `lb_tree`.
    fn dequeue(&mut self, i: usize) {
        let Some(s) = self.srvs.get(i) else { return };
        let (backup, tree, node, linked) = (s.backup, s.tree, s.node, s.linked);
        if let (true, Some(t)) = (linked, tree) {
            if let Some(tr) = self.grp(backup).tree_mut(t) {
                tr.remove(&node);
            }
        }
        if let Some(s) = self.srvs.get_mut(i) {
            s.linked = false;
        }
    }

    /// `fwrr_queue_by_weight`.
    fn queue_by_weight(&mut self, t: Tree, i: usize) {
        let Some(w) = self.srvs.get(i).map(|s| s.eweight) else {
            return;
        };
        self.insert(t, EWGHT_MAX - w, i);
    }

    /// `fwrr_queue_srv`.
    fn queue_srv(&mut self, i: usize) {
        let Some(s) = self.srvs.get(i).cloned() else {
            return;
        };
        if !s.usable() {
            if let Some(s) = self.srvs.get_mut(i) {
                s.tree = None;
            }
            return;
        }
        let g = self.grp(s.backup);
        let (cw, nw, next) = (g.curr_weight, g.next_weight, g.next_tree());
        if s.eweight <= 0 || s.npos >= 2 * cw || s.npos >= cw + nw {
            if let Some(s) = self.srvs.get_mut(i) {
                s.npos -= cw;
            }
            self.queue_by_weight(next, i);
        } else {
            let key = UWGHT_RANGE * s.npos + (EWGHT_MAX + s.rweight - s.eweight) / BE_WEIGHT_SCALE;
            self.insert(Tree::Curr, key, i);
        }
    }

    /// `fwrr_get_srv`: prepares a server extracted from its tree.
    fn get_srv(&mut self, i: usize) {
        let Some(backup) = self.srvs.get(i).map(|s| s.backup) else {
            return;
        };
        let g = self.grp(backup);
        let (init, next, cw, cp) = (g.init_tree(), g.next_tree(), g.curr_weight, g.curr_pos);
        if let Some(s) = self.srvs.get_mut(i) {
            match s.tree {
                Some(t) if t == init => {
                    s.npos = 0;
                    s.rweight = 0;
                }
                Some(t) if t == next => s.npos += cw,
                None => s.npos = cp,
                Some(_) => {}
            }
        }
    }

    /// `fwrr_get_server_from_group`.
    fn server_from_group(&mut self, backup: bool) -> Option<usize> {
        let g = self.grp(backup);
        let (s1, s2, cp) = (
            g.first_of(Tree::Curr),
            g.first_of(g.init_tree()),
            g.curr_pos,
        );
        if let Some(a) = s1.and_then(|i| self.srvs.get(i).map(|s| (i, s))) {
            if a.1.eweight > 0 && a.1.npos <= cp {
                return Some(a.0);
            }
        }
        if let Some(b) = s2 {
            if let Some(s) = self.srvs.get_mut(b) {
                if s.eweight > 0 {
                    s.npos = 0;
                    s.rweight = 0;
                    return Some(b);
                }
            }
        }
        s1
    }

    /// `fwrr_update_position`.
    fn update_position(&mut self, backup: bool, i: usize) {
        let g = self.grp(backup);
        let (cp, nw) = (g.curr_pos, g.next_weight);
        let Some(s) = self.srvs.get_mut(i) else {
            return;
        };
        let w = s.eweight;
        if w <= 0 {
            return;
        }
        if s.npos == 0 {
            s.npos = cp;
        }
        s.lpos = s.npos;
        s.npos += nw / w;
        s.rweight += nw % w;
        if s.rweight >= w {
            s.rweight -= w;
            s.npos += 1;
        }
    }

    fn has_room(&self, i: usize, room: Option<Room<'_>>) -> bool {
        self.srvs.get(i).is_some_and(|s| match room {
            Some(f) => f(s.id),
            None => s.maxconn == 0 || s.served < s.maxconn,
        })
    }

    /// `fwrr_get_next_server`.
    fn next_server(&mut self, avoid: Option<usize>, room: Option<Room<'_>>) -> Option<usize> {
        let backup = if self.srv_act > 0 {
            false
        } else if let Some(f) = self.fbck {
            return Some(f);
        } else if self.srv_bck > 0 {
            true
        } else {
            return None;
        };
        let mut switched = false;
        let mut avoided: Option<usize> = None;
        let mut full: Vec<usize> = Vec::new();
        let mut chosen: Option<usize> = None;
        let mut take = true;
        // Bounded: every turn extracts one server from the trees, and each one is
        // extracted at most twice (before and after the single switch).
        let limit = self.srvs.len().saturating_mul(2).saturating_add(2);
        for _ in 0..limit {
            let g = self.grp(backup);
            if g.curr_weight == 0 {
                g.curr_weight = g.next_weight;
                g.curr_pos = g.next_weight;
            }
            let srv = loop {
                if let Some(s) = self.server_from_group(backup) {
                    break Some(s);
                }
                if switched {
                    if avoided.is_none() {
                        take = false;
                    }
                    break None;
                }
                switched = true;
                self.grp(backup).switch_trees();
            };
            let Some(srv) = srv else {
                chosen = avoided;
                break;
            };
            self.update_position(backup, srv);
            self.dequeue(srv);
            let g = self.grp(backup);
            g.curr_pos += 1;
            if self.has_room(srv, room) {
                if Some(srv) != avoid || avoided.is_some() {
                    chosen = Some(srv);
                    break;
                }
                avoided = Some(srv);
            }
            full.push(srv);
        }
        if let (true, Some(c)) = (take, chosen) {
            self.queue_srv(c);
        }
        for f in full.iter().rev().copied() {
            if Some(f) == chosen {
                continue;
            }
            if switched {
                let t = self.grp(backup).init_tree();
                self.queue_by_weight(t, f);
            } else {
                self.queue_srv(f);
            }
        }
        // All servers saturated: HAProxy would queue the request; we hand out the first
        // one extracted rather than refusing it.
        chosen.or_else(|| full.first().copied())
    }

    fn set_up(&mut self, i: usize) {
        let Some(s) = self.srvs.get(i) else { return };
        let was = s.usable();
        let backup = s.backup;
        if let Some(s) = self.srvs.get_mut(i) {
            s.up = true;
        }
        if was || !self.srvs.get(i).is_some_and(Srv::usable) {
            return;
        }
        self.became_usable(i, backup);
    }

    fn became_usable(&mut self, i: usize, backup: bool) {
        let Some(w) = self.srvs.get(i).map(|s| s.eweight) else {
            return;
        };
        self.grp(backup).next_weight += w;
        if backup {
            self.srv_bck += 1;
            if !self.all_backups {
                match self.fbck {
                    None => self.fbck = Some(i),
                    Some(f) if i < f => self.fbck = Some(i),
                    Some(_) => {}
                }
            }
        } else {
            self.srv_act += 1;
        }
        self.get_srv(i);
        let g = self.grp(backup);
        let npos = g.curr_pos + (g.next_weight + g.curr_weight - g.curr_pos) / w.max(1);
        if let Some(s) = self.srvs.get_mut(i) {
            s.npos = npos;
        }
        self.queue_srv(i);
    }

    fn became_unusable(&mut self, i: usize, backup: bool, old_weight: i64) {
        self.grp(backup).next_weight -= old_weight;
        if backup {
            self.srv_bck = self.srv_bck.saturating_sub(1);
            if self.fbck == Some(i) {
                self.fbck = self.first_backup_from(i.saturating_add(1));
            }
        } else {
            self.srv_act = self.srv_act.saturating_sub(1);
        }
        self.dequeue(i);
        if let Some(s) = self.srvs.get_mut(i) {
            s.tree = None;
        }
    }

    /// `fwrr_update_server_weight`.
    fn update_weight(&mut self, i: usize, weight: u32) {
        let Some(s) = self.srvs.get(i) else { return };
        let (old_w, backup, old_usable) = (s.eweight, s.backup, s.usable());
        let new_w = i64::from(weight.min(256)) * BE_WEIGHT_SCALE;
        if new_w == old_w {
            return;
        }
        if let Some(s) = self.srvs.get_mut(i) {
            s.eweight = new_w;
        }
        let new_usable = self.srvs.get(i).is_some_and(Srv::usable);
        match (old_usable, new_usable) {
            (false, false) => return,
            (false, true) => return self.became_usable(i, backup),
            (true, false) => return self.became_unusable(i, backup, old_w),
            (true, true) => {}
        }
        let g = self.grp(backup);
        g.next_weight = g.next_weight - old_w + new_w;
        let init = g.init_tree();
        let tree = self.srvs.get(i).and_then(|s| s.tree);
        if tree == Some(init) {
            self.dequeue(i);
            self.queue_by_weight(init, i);
        } else {
            self.get_srv(i);
            let g = self.grp(backup);
            let (cp, nw) = (g.curr_pos, g.next_weight);
            if let Some(s) = self.srvs.get_mut(i) {
                let prev_next = s.npos;
                let step = nw / new_w;
                s.npos = s.lpos + step;
                s.rweight = 0;
                if s.npos > prev_next {
                    s.npos = prev_next;
                }
                if s.npos < cp + 2 {
                    s.npos = cp + step;
                }
            }
            self.dequeue(i);
            self.queue_srv(i);
        }
    }
}

impl Balancer for RoundRobin {
    fn pick_room(
        &mut self,
        _key: &Key<'_>,
        avoid: Option<ServerId>,
        room: Option<Room<'_>>,
    ) -> Option<ServerId> {
        let avoid = avoid.and_then(|a| self.index(a));
        let i = self.next_server(avoid, room)?;
        self.srvs.get(i).map(|s| s.id)
    }

    fn server_up(&mut self, id: ServerId) {
        if let Some(i) = self.index(id) {
            self.set_up(i);
        }
    }

    fn server_down(&mut self, id: ServerId) {
        let Some(i) = self.index(id) else { return };
        let Some(s) = self.srvs.get_mut(i) else {
            return;
        };
        let (was, backup, w) = (s.usable(), s.backup, s.eweight);
        s.up = false;
        if was {
            self.became_unusable(i, backup, w);
        }
    }

    fn set_weight(&mut self, id: ServerId, weight: u32) {
        if let Some(i) = self.index(id) {
            self.update_weight(i, weight);
        }
    }

    fn take_conn(&mut self, id: ServerId) {
        if let Some(s) = self.index(id).and_then(|i| self.srvs.get_mut(i)) {
            s.served = s.served.saturating_add(1);
        }
    }

    fn drop_conn(&mut self, id: ServerId) {
        if let Some(s) = self.index(id).and_then(|i| self.srvs.get_mut(i)) {
            s.served = s.served.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::{infos, run, seq};
    use super::*;

    fn rr(weights: &[u32]) -> RoundRobin {
        RoundRobin::new(&infos(weights, &[]), false)
    }

    #[test]
    fn equal_weights_rotate_in_server_order() {
        assert_eq!(run(&mut rr(&[1, 1, 1]), 9), seq("1 2 3 1 2 3 1 2 3"));
    }

    #[test]
    fn weights_3_2_1_follow_haproxy() {
        assert_eq!(
            run(&mut rr(&[3, 2, 1]), 18),
            seq("1 2 1 3 1 2 1 2 1 3 1 2 1 2 1 3 1 2")
        );
    }

    #[test]
    fn weights_5_1_3_follow_haproxy() {
        assert_eq!(
            run(&mut rr(&[5, 1, 3]), 27),
            seq("1 1 3 1 2 3 1 1 3 1 1 3 1 2 3 1 1 3 1 1 3 1 2 3 1 1 3")
        );
    }

    #[test]
    fn weights_1_10_follow_haproxy() {
        assert_eq!(
            run(&mut rr(&[1, 10]), 22),
            seq("2 2 2 2 2 2 2 2 2 2 1 2 2 2 2 2 2 2 2 2 2 1")
        );
    }

    #[test]
    fn a_zero_weight_server_is_never_picked() {
        assert_eq!(run(&mut rr(&[0, 2, 1]), 9), seq("2 2 3 2 2 3 2 2 3"));
    }

    #[test]
    fn only_the_first_backup_serves_when_no_active_is_usable() {
        let mut b = RoundRobin::new(&infos(&[0, 2, 1], &[1, 2]), false);
        assert_eq!(run(&mut b, 6), seq("2 2 2 2 2 2"));
    }

    #[test]
    fn allbackups_balances_over_every_backup() {
        let mut b = RoundRobin::new(&infos(&[0, 2, 1], &[1, 2]), true);
        assert_eq!(run(&mut b, 6), seq("2 2 3 2 2 3"));
    }

    #[test]
    fn backups_wait_while_an_active_server_is_up() {
        let mut b = RoundRobin::new(&infos(&[1, 1, 1], &[2]), false);
        assert_eq!(run(&mut b, 4), seq("1 2 1 2"));
        b.server_down(ServerId(0));
        b.server_down(ServerId(1));
        assert_eq!(run(&mut b, 2), seq("3 3"));
        b.server_up(ServerId(1));
        assert_eq!(run(&mut b, 2), seq("2 2"));
    }

    #[test]
    fn a_server_going_down_and_up_follows_haproxy() {
        let mut b = rr(&[2, 1, 1]);
        let mut got = run(&mut b, 4);
        b.server_down(ServerId(0));
        got.extend(run(&mut b, 4));
        b.server_up(ServerId(0));
        got.extend(run(&mut b, 4));
        assert_eq!(got, seq("1 2 1 3 2 3 2 3 1 2 1 3"));
    }

    #[test]
    fn set_weight_follows_haproxy() {
        let mut b = rr(&[1, 1, 1]);
        let mut got = run(&mut b, 4);
        b.set_weight(ServerId(1), 3);
        got.extend(run(&mut b, 12));
        assert_eq!(got, seq("1 2 3 1 2 3 1 2 2 2 3 1 2 2 2 3"));
    }

    #[test]
    fn no_usable_server_gives_none() {
        let mut b = rr(&[1, 1]);
        b.server_down(ServerId(0));
        b.server_down(ServerId(1));
        assert_eq!(b.pick(&Key::None, None), None);
    }

    #[test]
    fn avoid_is_honoured_when_another_server_is_usable() {
        let mut b = rr(&[1, 1]);
        assert_eq!(b.pick(&Key::None, Some(ServerId(0))), Some(ServerId(1)));
        let mut one = rr(&[1]);
        assert_eq!(one.pick(&Key::None, Some(ServerId(0))), Some(ServerId(0)));
    }

    #[test]
    fn a_saturated_server_is_skipped() {
        let mut b = RoundRobin::new(&infos(&[1, 1], &[]), false);
        b.srvs.iter_mut().for_each(|s| s.maxconn = 1);
        b.take_conn(ServerId(0));
        assert_eq!(run(&mut b, 3), seq("2 2 2"));
        b.drop_conn(ServerId(0));
        assert!(run(&mut b, 4).contains(&1));
    }

    #[test]
    fn four_uneven_weights_follow_haproxy() {
        assert_eq!(
            run(&mut rr(&[7, 3, 13, 1]), 48),
            seq("3 3 1 3 2 3 1 3 1 3 4 3 1 2 3 3 1 3 3 1 3 2 3 1 \
                 3 3 1 3 2 3 1 3 1 3 4 3 1 2 3 3 1 3 3 1 3 2 3 1")
        );
    }

    #[test]
    fn mixed_down_up_and_weight_changes_follow_haproxy() {
        let mut b = rr(&[3, 2, 5, 1]);
        let mut got = run(&mut b, 5);
        b.server_down(ServerId(2));
        got.extend(run(&mut b, 8));
        b.set_weight(ServerId(0), 1);
        got.extend(run(&mut b, 6));
        b.server_up(ServerId(2));
        got.extend(run(&mut b, 5));
        b.set_weight(ServerId(3), 0);
        got.extend(run(&mut b, 6));
        assert_eq!(
            got,
            seq("3 1 3 2 3 1 1 4 2 1 1 2 1 4 2 2 1 4 2 3 2 1 4 3 3 2 3 3 3 2")
        );
    }

    #[test]
    fn allbackups_rebalances_when_backups_go_down() {
        let mut b = RoundRobin::new(&infos(&[3, 2, 5, 1], &[1, 2, 3]), true);
        let mut got = run(&mut b, 2);
        b.server_down(ServerId(0));
        got.extend(run(&mut b, 10));
        b.server_down(ServerId(2));
        got.extend(run(&mut b, 8));
        assert_eq!(got, seq("1 1 3 3 2 3 3 4 3 2 3 3 2 2 2 4 2 2 4 2"));
    }

    #[test]
    fn the_first_backup_changes_as_backups_go_down_and_up() {
        let mut b = RoundRobin::new(&infos(&[3, 2, 5, 1], &[1, 2, 3]), false);
        let mut got = run(&mut b, 2);
        b.server_down(ServerId(0));
        got.extend(run(&mut b, 3));
        b.server_down(ServerId(1));
        got.extend(run(&mut b, 3));
        b.server_up(ServerId(1));
        got.extend(run(&mut b, 4));
        assert_eq!(got, seq("1 1 2 2 2 3 3 3 2 2 2 2"));
    }

    #[test]
    fn a_held_server_at_maxconn_is_skipped_like_haproxy() {
        let mut i = infos(&[1, 1, 1], &[]);
        i[0].maxconn = 1;
        let mut b = RoundRobin::new(&i, false);
        let got: Vec<usize> = (0..6)
            .map(|_| {
                let s = b.pick(&Key::None, None).unwrap();
                b.take_conn(s);
                s.0 + 1
            })
            .collect();
        assert_eq!(got, seq("1 2 3 2 3 2"));
    }
}
