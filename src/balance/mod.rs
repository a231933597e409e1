//! Load-balancing algorithms (configuration.txt 4.2 "balance", "hash-type").
//!
//! One file per algorithm family, all behind the [`Balancer`] trait, after HAProxy's `lb_ops`.
//! Balancers are pure: no tokio, no I/O, no clock; a random source is passed in by the caller.
//! The proxy room wraps one balancer per backend in a lock, computes the [`Key`] of a request
//! and calls [`Balancer::pick`].
//!
//! Must import nothing but `config::model`.

pub mod first;
pub mod leastconn;
mod pool;
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
    /// Nothing to hash: hashing algorithms fall back to round robin, as HAProxy does.
    None,
    /// Bytes to hash (URI, URL parameter value, header value, cookie value).
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
    fn pick(&mut self, key: &Key<'_>, avoid: Option<ServerId>) -> Option<ServerId>;
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
    build_with(algo, hash_type, servers, seed, false)
}

/// [`build`] with `option allbackups` (`all_backups`): when no active server is usable, balance
/// over every usable backup instead of only the first one.
pub fn build_with(
    algo: &Balance,
    hash_type: HashType,
    servers: &[ServerInfo],
    seed: u64,
    all_backups: bool,
) -> Box<dyn Balancer> {
    let _ = (hash_type, seed);
    match algo {
        Balance::RoundRobin => Box::new(roundrobin::RoundRobin::new(servers, all_backups)),
        Balance::StaticRr => Box::new(static_rr::Map::new(servers, all_backups)),
        Balance::LeastConn => Box::new(leastconn::LeastConn::new(servers, all_backups)),
        Balance::First => Box::new(first::new(servers, all_backups)),
        _ => Box::new(roundrobin::RoundRobin::new(servers, all_backups)),
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
