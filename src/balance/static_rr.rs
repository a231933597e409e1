//! `balance static-rr` and the map behind `hash-type map-based` (HAProxy's `lb_map.c`).
//!
//! configuration.txt 4.2 "balance static-rr", "hash-type map-based". The map is an array of
//! `total weight` slots filled by a smooth weighted pass that favours the first declared
//! server on ties; weights are first divided by their greatest common divisor. Round robin
//! walks the array; hashing indexes it with `hash % total weight`. The map is static:
//! runtime weights other than 0 and the configured one are refused, as HAProxy does.
//!
//! When no active server is usable and `option allbackups` is off, the total weight is the
//! first backup's weight, but the map is still filled over every usable backup, so a heavier
//! later backup can win: that is HAProxy 2.6's behaviour and is kept.
//!
//! Must import nothing but `balance`.

use super::pool::{Pool, Scope};
use super::{Balancer, Key, Room, ServerId, ServerInfo};

/// The weighted server map of one backend.
#[derive(Debug, Clone)]
pub struct Map {
    pool: Pool,
    /// Greatest common divisor of the configured weights (`lbprm.wmult`).
    gcd: u32,
    /// Positions of the servers, `total weight` long.
    map: Vec<usize>,
    dirty: bool,
    rr_idx: usize,
}

fn gcd_of(weights: impl Iterator<Item = u32>) -> u32 {
    let mut it = weights.skip_while(|w| *w == 0);
    let Some(mut g) = it.next() else { return 1 };
    for w in it {
        let mut w = w;
        while w != 0 {
            let t = g % w;
            g = w;
            w = t;
        }
        if g <= 1 {
            break;
        }
    }
    g.max(1)
}

impl Map {
    /// Builds the map with every server up. `all_backups` is `option allbackups`.
    pub fn new(servers: &[ServerInfo], all_backups: bool) -> Self {
        let pool = Pool::new(servers, all_backups);
        let gcd = gcd_of(pool.slots.iter().map(|s| s.init_weight));
        let mut m = Map {
            pool,
            gcd,
            map: Vec::new(),
            dirty: true,
            rr_idx: 0,
        };
        m.recalc();
        m
    }

    fn eweight(&self, i: usize) -> u64 {
        self.pool
            .get(i)
            .map_or(0, |s| u64::from(s.weight).div_ceil(u64::from(self.gcd)))
    }

    /// `lbprm.tot_weight` as `update_backend_weight` computes it.
    fn tot_weight(&self, scope: Scope) -> u64 {
        match scope {
            Scope::Nothing => 0,
            Scope::FirstBackup(i) => self.eweight(i),
            Scope::Active | Scope::Backups => (0..self.pool.slots.len())
                .filter(|i| self.pool.in_group(*i, scope))
                .map(|i| self.eweight(i))
                .sum(),
        }
    }

    /// `recalc_server_map`.
    fn recalc(&mut self) {
        self.dirty = false;
        self.map.clear();
        let scope = self.pool.scope();
        let tot = self.tot_weight(scope);
        if tot == 0 {
            return;
        }
        let tot_i = i64::try_from(tot).unwrap_or(i64::MAX);
        let group: Vec<usize> = (0..self.pool.slots.len())
            .filter(|i| self.pool.in_group(*i, scope))
            .collect();
        let weights: Vec<i64> = group
            .iter()
            .map(|i| i64::try_from(self.eweight(*i)).unwrap_or(0))
            .collect();
        let mut score = vec![0i64; group.len()];
        for _ in 0..tot {
            let mut best: Option<usize> = None;
            let mut max = 0i64;
            for (k, w) in weights.iter().enumerate() {
                if tot == 1 {
                    best = Some(k);
                    break;
                }
                if let Some(sc) = score.get_mut(k) {
                    *sc += w;
                    let v = (*sc + tot_i) / tot_i;
                    if best.is_none() || v > max {
                        max = v;
                        best = Some(k);
                    }
                }
            }
            let Some(b) = best else { break };
            if let Some(sc) = score.get_mut(b) {
                *sc -= tot_i;
            }
            if let Some(i) = group.get(b) {
                self.map.push(*i);
            }
        }
    }

    fn refresh(&mut self) {
        if self.dirty {
            self.recalc();
        }
    }

    /// `map_get_server_rr`: the next server in the map with a free slot, avoiding `avoid`
    /// when another one is usable.
    pub fn next_rr(&mut self, avoid: Option<ServerId>, room: Option<Room<'_>>) -> Option<ServerId> {
        self.refresh();
        let tot = self.map.len();
        if tot == 0 {
            return None;
        }
        if self.rr_idx >= tot {
            self.rr_idx = 0;
        }
        let start = self.rr_idx;
        let mut idx = start;
        let mut avoided: Option<(ServerId, usize)> = None;
        let mut full: Option<(ServerId, usize)> = None;
        loop {
            let srv = self.map.get(idx).and_then(|i| self.pool.get(*i));
            idx += 1;
            if let Some(s) = srv {
                if room.map_or(s.has_room(), |f| f(s.id)) {
                    if Some(s.id) != avoid {
                        self.rr_idx = idx;
                        return Some(s.id);
                    }
                    avoided = Some((s.id, idx));
                } else if full.is_none() {
                    full = Some((s.id, idx));
                }
            }
            if idx == tot {
                idx = 0;
            }
            if idx == start {
                break;
            }
        }
        // HAProxy would queue when every server is full; we hand out the first full one.
        let (id, at) = avoided.or(full)?;
        self.rr_idx = at;
        Some(id)
    }

    /// `map_get_server_hash`: the server at `hash % total weight`.
    pub fn by_hash(&mut self, hash: u32) -> Option<ServerId> {
        self.refresh();
        let tot = u32::try_from(self.map.len()).ok().filter(|t| *t > 0)?;
        let i = *self.map.get(usize::try_from(hash % tot).ok()?)?;
        self.pool.get(i).map(|s| s.id)
    }

    /// `lbprm.tot_used`: how many servers the map holds (1 disables hashing).
    pub fn used(&mut self) -> usize {
        match self.pool.scope() {
            Scope::Nothing => 0,
            Scope::FirstBackup(_) => 1,
            s => (0..self.pool.slots.len())
                .filter(|i| self.pool.in_group(*i, s))
                .count(),
        }
    }

    fn set_up(&mut self, id: ServerId, up: bool) {
        if let Some(s) = self.pool.slot_mut(id) {
            if s.up != up {
                s.up = up;
                self.dirty = true;
            }
        }
    }
}

impl Balancer for Map {
    fn pick_room(
        &mut self,
        _key: &Key<'_>,
        avoid: Option<ServerId>,
        room: Option<Room<'_>>,
    ) -> Option<ServerId> {
        self.next_rr(avoid, room)
    }

    fn server_up(&mut self, id: ServerId) {
        self.set_up(id, true);
    }

    fn server_down(&mut self, id: ServerId) {
        self.set_up(id, false);
    }

    /// Static algorithm: only 0 and the configured weight are accepted.
    fn set_weight(&mut self, id: ServerId, weight: u32) {
        if let Some(s) = self.pool.slot_mut(id) {
            if (weight == 0 || weight == s.init_weight) && s.weight != weight {
                s.weight = weight;
                self.dirty = true;
            }
        }
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
    use super::super::tests_support::{infos, run, seq};
    use super::*;

    fn map(weights: &[u32], backups: &[usize], all: bool) -> Map {
        Map::new(&infos(weights, backups), all)
    }

    #[test]
    fn weights_3_2_1_follow_haproxy() {
        assert_eq!(
            run(&mut map(&[3, 2, 1], &[], false), 18),
            seq("1 1 2 1 2 3 1 1 2 1 2 3 1 1 2 1 2 3")
        );
    }

    #[test]
    fn weights_5_1_3_follow_haproxy() {
        assert_eq!(
            run(&mut map(&[5, 1, 3], &[], false), 27),
            seq("1 1 3 1 2 3 1 1 3 1 1 3 1 2 3 1 1 3 1 1 3 1 2 3 1 1 3")
        );
    }

    #[test]
    fn four_uneven_weights_follow_haproxy() {
        assert_eq!(
            run(&mut map(&[7, 3, 13, 1], &[], false), 48),
            seq("1 3 2 3 1 3 1 3 2 3 1 3 3 1 3 2 3 1 3 3 1 3 3 4 \
                 1 3 2 3 1 3 1 3 2 3 1 3 3 1 3 2 3 1 3 3 1 3 3 4")
        );
    }

    #[test]
    fn weights_are_divided_by_their_gcd() {
        let mut m = map(&[4, 6, 2], &[], false);
        assert_eq!(m.map.len(), 6);
        assert_eq!(run(&mut m, 12), seq("1 2 1 2 2 3 1 2 1 2 2 3"));
    }

    #[test]
    fn a_zero_weight_server_is_never_picked() {
        assert_eq!(
            run(&mut map(&[0, 2, 1], &[], false), 9),
            seq("2 2 3 2 2 3 2 2 3")
        );
    }

    #[test]
    fn down_and_up_keep_the_rr_index_as_haproxy() {
        let mut m = map(&[2, 1, 1], &[], false);
        let mut got = run(&mut m, 4);
        m.server_down(ServerId(0));
        got.extend(run(&mut m, 4));
        m.server_up(ServerId(0));
        got.extend(run(&mut m, 4));
        assert_eq!(got, seq("1 1 2 3 2 3 2 3 2 3 1 1"));
    }

    #[test]
    fn a_runtime_weight_other_than_0_or_initial_is_ignored() {
        let mut m = map(&[1, 1, 1], &[], false);
        let mut got = run(&mut m, 4);
        m.set_weight(ServerId(1), 3);
        got.extend(run(&mut m, 10));
        assert_eq!(got, seq("1 2 3 1 2 3 1 2 3 1 2 3 1 2"));
    }

    #[test]
    fn the_first_backup_weight_sizes_the_map_over_all_backups() {
        let mut m = map(&[1, 2, 5], &[1, 2], false);
        let mut got = run(&mut m, 2);
        m.server_down(ServerId(0));
        got.extend(run(&mut m, 6));
        assert_eq!(got, seq("1 1 3 3 3 3 3 3"));
    }

    #[test]
    fn allbackups_maps_every_backup() {
        let mut m = map(&[1, 2, 5], &[1, 2], true);
        let mut got = run(&mut m, 2);
        m.server_down(ServerId(0));
        got.extend(run(&mut m, 7));
        assert_eq!(got, seq("1 1 3 3 2 3 3 3 2"));
    }

    #[test]
    fn only_the_first_backup_serves_with_weight_1() {
        let mut m = map(&[1, 1, 2], &[1, 2], false);
        let mut got = run(&mut m, 2);
        m.server_down(ServerId(0));
        got.extend(run(&mut m, 6));
        assert_eq!(got, seq("1 1 2 2 2 2 2 2"));
    }

    #[test]
    fn avoid_is_honoured_and_none_when_all_down() {
        let mut m = map(&[1, 1], &[], false);
        assert_eq!(m.pick(&Key::None, Some(ServerId(0))), Some(ServerId(1)));
        m.server_down(ServerId(0));
        assert_eq!(m.pick(&Key::None, Some(ServerId(1))), Some(ServerId(1)));
        m.server_down(ServerId(1));
        assert_eq!(m.pick(&Key::None, None), None);
    }
}
