//! `balance random[(<draws>)]`: HAProxy's `get_server_rnd` over the consistent-hash ring.
//!
//! configuration.txt 4.2 "balance random". Each draw takes a random 32-bit value, looks it
//! up on the ring (so weights and ids matter exactly as with `hash-type consistent`), and
//! keeps the least loaded of the drawn servers (`served / weight`, the earlier draw winning
//! ties): "power of N choices", N = 2 by default. The random source is a seeded
//! SplitMix64 so runs are reproducible; HAProxy's own sequence is not reproduced.
//!
//! Must import nothing but `balance`.

use super::chash::Ring;
use super::{Balancer, Key, Room, ServerId, ServerInfo};

/// SplitMix64: a tiny seeded generator (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        u32::try_from(self.next_u64() >> 32).unwrap_or(0)
    }
}

/// `balance random(draws)`.
#[derive(Debug, Clone)]
pub struct Random {
    ring: Ring,
    draws: u32,
    rng: SplitMix64,
}

impl Random {
    /// Builds it with every server up. `draws` below 1 counts as 1.
    pub fn new(servers: &[ServerInfo], draws: u32, seed: u64, all_backups: bool) -> Self {
        Random {
            ring: Ring::new(servers, all_backups),
            draws: draws.max(1),
            rng: SplitMix64::new(seed),
        }
    }
}

impl Balancer for Random {
    /// `get_server_rnd` does not skip full servers: `room` is not consulted.
    fn pick_room(
        &mut self,
        _key: &Key<'_>,
        avoid: Option<ServerId>,
        _room: Option<Room<'_>>,
    ) -> Option<ServerId> {
        let mut curr: Option<usize> = None;
        for _ in 0..self.draws {
            let prev = curr;
            let hash = self.rng.next_u32();
            let Some(c) = self.ring.by_hash(hash, avoid) else {
                curr = None;
                break;
            };
            curr = Some(c);
            if let Some(p) = prev {
                let load = |i: usize| self.ring.pool.get(i).map_or(0, |s| u64::from(s.served));
                if p != c && load(c) * self.ring.eweight(p) > load(p) * self.ring.eweight(c) {
                    curr = Some(p);
                }
            }
        }
        // HAProxy queues when the chosen server is full; we hand it out anyway.
        curr.and_then(|i| self.ring.pool.get(i)).map(|s| s.id)
    }

    fn server_up(&mut self, id: ServerId) {
        self.ring.server_up(id);
    }

    fn server_down(&mut self, id: ServerId) {
        self.ring.server_down(id);
    }

    fn set_weight(&mut self, id: ServerId, weight: u32) {
        self.ring.set_weight(id, weight);
    }

    fn take_conn(&mut self, id: ServerId) {
        self.ring.take_conn(id);
    }

    fn drop_conn(&mut self, id: ServerId) {
        self.ring.drop_conn(id);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::infos;
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let mut a = Random::new(&infos(&[1, 1, 1], &[]), 2, 42, false);
        let mut b = Random::new(&infos(&[1, 1, 1], &[]), 2, 42, false);
        let sa: Vec<_> = (0..50).map(|_| a.pick(&Key::None, None)).collect();
        let sb: Vec<_> = (0..50).map(|_| b.pick(&Key::None, None)).collect();
        assert_eq!(sa, sb);
    }

    #[test]
    fn weights_shape_the_distribution() {
        let mut r = Random::new(&infos(&[1, 4], &[]), 1, 7, false);
        let mut counts = [0usize; 2];
        for _ in 0..5000 {
            counts[r.pick(&Key::None, None).unwrap().0] += 1;
        }
        assert!(counts[1] > counts[0] * 2, "{counts:?}");
    }

    #[test]
    fn two_draws_prefer_the_idle_server() {
        let mut r = Random::new(&infos(&[1, 1], &[]), 2, 3, false);
        for _ in 0..20 {
            r.take_conn(ServerId(0));
        }
        let picks: Vec<_> = (0..200)
            .map(|_| r.pick(&Key::None, None).unwrap())
            .collect();
        let busy = picks.iter().filter(|s| s.0 == 0).count();
        // Server 0 wins only when both draws land on it (about a quarter of the time).
        assert!(busy < 80, "{busy}");
    }

    #[test]
    fn down_servers_are_never_drawn_and_avoid_is_honoured() {
        let mut r = Random::new(&infos(&[1, 1, 1], &[]), 2, 9, false);
        r.server_down(ServerId(1));
        assert!((0..200).all(|_| r.pick(&Key::None, Some(ServerId(0))) == Some(ServerId(2))));
        r.server_down(ServerId(0));
        r.server_down(ServerId(2));
        assert_eq!(r.pick(&Key::None, None), None);
    }
}
