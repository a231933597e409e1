//! Load-balancing algorithms (configuration.txt 4.2 "balance", "hash-type").
//!
//! One file per algorithm family, all behind the [`Balancer`] trait, after HAProxy's `lb_ops`.
//! Balancers are pure: no tokio, no I/O, no clock; a random source is passed in by the caller.
//! The proxy room wraps one balancer per backend in a lock, computes the [`Key`] of a request
//! with the helpers of [`key`] and calls [`Balancer::pick`], then `take_conn`/`drop_conn`
//! around the server connection (leastconn's rotation and `maxconn` depend on them).
//!
//! | `balance` | file | HAProxy |
//! |---|---|---|
//! | `roundrobin` | [`roundrobin`] | `lb_fwrr.c` |
//! | `static-rr` | [`static_rr`] | `lb_map.c` |
//! | `leastconn` | [`leastconn`] | `lb_fwlc.c` |
//! | `first` | [`first`] | `lb_fas.c` |
//! | `source`, `uri`, `url_param`, `hdr`, `rdp-cookie` + `hash-type` | [`hash`], [`key`], [`chash`] | `backend.c`, `hash.c`, `lb_map.c`, `lb_chash.c` |
//! | `random(N)` | [`random`] | `backend.c` `get_server_rnd` |
//!
//! Every algorithm uses the backup servers only when no active server is usable, and then only
//! the first usable one unless `option allbackups` ([`Options`]). A server with weight 0 is
//! never picked. Balancers keep their own ordering (trees, maps, rings) and the view of each
//! server they are told about by the server room (`server_up`/`server_down`/`set_weight`,
//! `take_conn`/`drop_conn`); whether a server can take a connection now comes from the server
//! room too ([`Balancer::pick_room`]). When every usable server is full, HAProxy queues the
//! request; we return a saturated server instead of `None` (`None` always means "no usable
//! server") and the server room queues it.
//!
//! Must import nothing but `config::model`.

pub mod chash;
pub mod first;
pub mod hash;
pub mod key;
pub mod leastconn;
mod pool;
pub mod random;
#[cfg(test)]
mod robustness_tests;
pub mod roundrobin;
pub mod static_rr;

use crate::config::model::{Balance, HashType};

/// Index of a server within its backend (0-based, in `server` line order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(pub usize);

/// What the balancer needs to know about one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Its index.
    pub id: ServerId,
    /// `weight` as configured (0..=256).
    pub weight: u32,
    /// `backup`.
    pub backup: bool,
    /// `maxconn` (0 = unlimited), used by `first`.
    pub maxconn: u32,
    /// Numeric id (`id` keyword or auto-assigned from 1), used by `first` and hashing.
    pub puid: u32,
}

/// The input an algorithm selects on, computed by the proxy room for each stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    /// Nothing to hash (no URL parameter, empty or missing header, no RDP cookie): hashing
    /// algorithms fall back to round robin, as HAProxy does. Non-hashing ones ignore the key.
    None,
    /// Bytes to hash, as computed by [`key::uri_key`], [`key::url_param`],
    /// [`key::hdr_key`] or [`key::rdp_cookie`].
    Bytes(&'a [u8]),
    /// The client address (`balance source`).
    Source(std::net::IpAddr),
}

/// A load-balancing algorithm over one backend's servers (HAProxy's `lb_ops`).
///
/// Implementations keep only selection state; health lives in the check room and
/// is reported through `server_up`/`server_down`.
pub trait Balancer: Send {
    /// Picks a server for `key`, avoiding `avoid` when another one is usable
    /// (used by `option redispatch` on the last retry). `None` when no server is usable.
    /// Servers are full as the balancer's own view says (`maxconn` against its `served`).
    fn pick(&mut self, key: &Key<'_>, avoid: Option<ServerId>) -> Option<ServerId> {
        self.pick_room(key, avoid, None)
    }
    /// [`Balancer::pick`], with `room` saying which servers can take a connection now
    /// when given: the server model's answer (dynamic `maxconn`, `minconn`, `slowstart`,
    /// waiting streams), which the algorithms that skip full servers (`roundrobin`,
    /// `static-rr`, `leastconn`, `first`, consistent hashing without a key) follow.
    fn pick_room(
        &mut self,
        key: &Key<'_>,
        avoid: Option<ServerId>,
        room: Option<Room<'_>>,
    ) -> Option<ServerId>;
    /// A server became usable (health check up, enabled).
    fn server_up(&mut self, id: ServerId);
    /// A server became unusable.
    fn server_down(&mut self, id: ServerId);
    /// Changes a server's effective weight (runtime `set weight`, slowstart).
    fn set_weight(&mut self, id: ServerId, weight: u32);
    /// A connection to `id` was established (leastconn, first).
    fn take_conn(&mut self, id: ServerId);
    /// A connection to `id` ended.
    fn drop_conn(&mut self, id: ServerId);
}

/// Whether a server can take one more connection now (see [`Balancer::pick_room`]).
pub type Room<'a> = &'a dyn Fn(ServerId) -> bool;

/// `BE_WEIGHT_SCALE`: user weights are multiplied by this to get effective weights.
pub(crate) const BE_WEIGHT_SCALE: i64 = 16;

/// Builds the balancer for an algorithm, with every server initially up.
/// `seed` feeds the random source of `balance random`.
pub fn build(
    algo: &Balance,
    hash_type: HashType,
    servers: &[ServerInfo],
    seed: u64,
) -> Box<dyn Balancer> {
    build_with(algo, hash_type, servers, seed, Options::default())
}

/// Backend options that change how servers are picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// `option allbackups`: when no active server is usable, balance over every usable
    /// backup instead of only the first one.
    pub all_backups: bool,
    /// `hash-balance-factor` (percent, 0 = off), used by `hash-type consistent`.
    pub hash_balance_factor: u32,
}

/// [`build`] with backend [`Options`].
pub fn build_with(
    algo: &Balance,
    hash_type: HashType,
    servers: &[ServerInfo],
    seed: u64,
    opts: Options,
) -> Box<dyn Balancer> {
    let all_backups = opts.all_backups;
    match algo {
        Balance::RoundRobin => Box::new(roundrobin::RoundRobin::new(servers, all_backups)),
        Balance::StaticRr => Box::new(static_rr::Map::new(servers, all_backups)),
        Balance::LeastConn => Box::new(leastconn::LeastConn::new(servers, all_backups)),
        Balance::First => Box::new(first::new(servers, all_backups)),
        Balance::Random { draws } => {
            Box::new(random::Random::new(servers, *draws, seed, all_backups))
        }
        Balance::Source
        | Balance::Uri { .. }
        | Balance::UrlParam { .. }
        | Balance::Hdr { .. }
        | Balance::RdpCookie { .. }
        | Balance::Hash { .. } => Box::new(hash::Hashed::new(servers, hash_type, all_backups)),
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::{infos, run, seq};
    use super::*;
    use crate::config::model::HashMethod;

    #[test]
    fn build_dispatches_on_the_algorithm() {
        let i = infos(&[3, 2, 1], &[]);
        let t = HashType::default();
        let mut rr = build(&Balance::RoundRobin, t, &i, 0);
        assert_eq!(run(rr.as_mut(), 6), seq("1 2 1 3 1 2"));
        let mut st = build(&Balance::StaticRr, t, &i, 0);
        assert_eq!(run(st.as_mut(), 6), seq("1 1 2 1 2 3"));
        let mut first = build(&Balance::First, t, &i, 0);
        assert_eq!(run(first.as_mut(), 3), seq("1 1 1"));
        let uri = Balance::Uri {
            len: 0,
            depth: 0,
            whole: false,
            path_only: false,
        };
        let mut h = build(&uri, t, &infos(&[1, 2, 3], &[]), 0);
        assert_eq!(h.pick(&Key::Bytes(b"/b"), None), Some(ServerId(2)));
        let cons = HashType {
            method: HashMethod::Consistent,
            ..t
        };
        let mut c = build(&Balance::Source, cons, &i, 0);
        assert!(c.pick(&Key::Source([10, 0, 0, 1].into()), None).is_some());
        let mut r = build(&Balance::Random { draws: 2 }, t, &i, 1);
        assert!(r.pick(&Key::None, None).is_some());
    }

    #[test]
    fn allbackups_is_honoured_through_build_with() {
        let i = infos(&[1, 1, 1], &[1, 2]);
        let opts = Options {
            all_backups: true,
            hash_balance_factor: 0,
        };
        let mut b = build_with(&Balance::RoundRobin, HashType::default(), &i, 0, opts);
        b.server_down(ServerId(0));
        assert_eq!(run(b.as_mut(), 4), seq("2 3 2 3"));
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    //! Helpers shared by the balancer tests.
    use super::{Balancer, Key, ServerId, ServerInfo};

    /// Servers with these weights; positions listed in `backups` are backups.
    pub fn infos(weights: &[u32], backups: &[usize]) -> Vec<ServerInfo> {
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| ServerInfo {
                id: ServerId(i),
                weight: *w,
                backup: backups.contains(&i),
                maxconn: 0,
                puid: u32::try_from(i + 1).unwrap(),
            })
            .collect()
    }

    /// `n` picks without a key, as 1-based server numbers (0 = none).
    pub fn run(b: &mut dyn Balancer, n: usize) -> Vec<usize> {
        (0..n)
            .map(|_| b.pick(&Key::None, None).map_or(0, |s| s.0 + 1))
            .collect()
    }

    /// `n` picks, each connection taken then released, as the proxy does for
    /// sequential requests.
    pub fn run_conn(b: &mut dyn Balancer, n: usize) -> Vec<usize> {
        (0..n)
            .map(|_| match b.pick(&Key::None, None) {
                Some(s) => {
                    b.take_conn(s);
                    b.drop_conn(s);
                    s.0 + 1
                }
                None => 0,
            })
            .collect()
    }

    /// Parses "1 2 3" into a sequence.
    pub fn seq(s: &str) -> Vec<usize> {
        s.split_whitespace().map(|x| x.parse().unwrap()).collect()
    }
}
