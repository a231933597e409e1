//! Load-balancing algorithms (configuration.txt 4.2 "balance", "hash-type").
//!
//! One file per algorithm family, all behind the [`Balancer`] trait, after HAProxy's `lb_ops`.
//! Balancers are pure: no tokio, no I/O, no clock; a random source is passed in by the caller.
//! The proxy room wraps one balancer per backend in a lock, computes the [`Key`] of a request
//! and calls [`Balancer::pick`].
//!
//! Must import nothing but `config::model`.

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

/// Builds the balancer for an algorithm, with every non-disabled server initially up.
/// `seed` feeds the random source of `balance random`.
pub fn build(
    algo: &Balance,
    hash_type: HashType,
    servers: &[ServerInfo],
    seed: u64,
) -> Box<dyn Balancer> {
    let _ = (algo, hash_type, seed);
    Box::new(Placeholder { up: servers.iter().map(|s| s.id).collect(), next: 0 })
}

/// Placeholder until the real algorithms land: plain rotation over the up servers.
struct Placeholder {
    up: Vec<ServerId>,
    next: usize,
}

impl Balancer for Placeholder {
    fn pick(&mut self, _: &Key<'_>, avoid: Option<ServerId>) -> Option<ServerId> {
        for _ in 0..self.up.len() {
            let id = *self.up.get(self.next % self.up.len())?;
            self.next = self.next.wrapping_add(1);
            if Some(id) != avoid || self.up.len() == 1 {
                return Some(id);
            }
        }
        None
    }
    fn server_up(&mut self, id: ServerId) {
        if !self.up.contains(&id) {
            self.up.push(id);
            self.up.sort();
        }
    }
    fn server_down(&mut self, id: ServerId) {
        self.up.retain(|s| *s != id);
    }
    fn set_weight(&mut self, _: ServerId, _: u32) {}
    fn take_conn(&mut self, _: ServerId) {}
    fn drop_conn(&mut self, _: ServerId) {}
}
