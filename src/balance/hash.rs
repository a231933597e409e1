//! Hash functions and hash-based selection: `balance source|uri|url_param|hdr|rdp-cookie`
//! with `hash-type map-based|consistent sdbm|djb2|wt6|crc32 [avalanche]`.
//!
//! configuration.txt 4.2 "balance", "hash-type". The functions follow HAProxy's `hash.c`
//! bit for bit; `avalanche` applies `full_hash` (Bob Jenkins' 32-bit integer hash times
//! 3221225473). `map-based` picks `map[hash % total weight]` over the static map
//! ([`super::static_rr::Map`]); `consistent` picks the nearest point of the ring
//! ([`super::chash::Ring`]). As in `backend.c`, nothing is hashed when a single server is
//! usable, a source address is folded by XOR of its big-endian 32-bit words without any
//! hash function, and a missing key ([`Key::None`]) falls back to round robin on the map
//! or a walk of the ring.
//!
//! The hash-type default for `consistent` without a function (sdbm + avalanche) is applied
//! by the config parser; this file uses the model as given.
//!
//! Must import nothing but `balance` and `config::model`.

use std::net::IpAddr;

use super::chash::Ring;
use super::static_rr::Map;
use super::{Balancer, Key, Room, ServerId, ServerInfo};
use crate::config::model::{HashFunction, HashMethod, HashType};

/// `hash_sdbm`.
pub fn sdbm(key: &[u8]) -> u32 {
    key.iter().fold(0u32, |h, c| {
        u32::from(*c)
            .wrapping_add(h << 6)
            .wrapping_add(h << 16)
            .wrapping_sub(h)
    })
}

/// `hash_djb2`.
pub fn djb2(key: &[u8]) -> u32 {
    key.iter().fold(5381u32, |h, c| {
        (h << 5).wrapping_add(h).wrapping_add(u32::from(*c))
    })
}

/// `hash_wt6`.
pub fn wt6(key: &[u8]) -> u32 {
    let (mut h0, mut h1) = (0xa53c_965a_u32, 0x5ca6_953a_u32);
    let (mut step0, mut step1) = (6u32, 18u32);
    for c in key {
        let t = u32::from(*c);
        h0 = !(h0 ^ t);
        h1 = !(h1.wrapping_add(t));
        let t = h1.rotate_left(step0);
        h1 = h0.rotate_left(step1);
        h0 = t;
        let t = ((h0 >> 16) ^ h1) & 0xffff;
        step0 = t & 0x1f;
        step1 = t >> 11;
    }
    h0 ^ h1
}

/// `hash_crc32` (the Ethernet/zlib CRC-32).
pub fn crc32(key: &[u8]) -> u32 {
    let mut h = !0u32;
    for c in key {
        h ^= u32::from(*c);
        for _ in 0..8 {
            h = (h >> 1) ^ if h & 1 != 0 { 0xedb8_8320 } else { 0 };
        }
    }
    !h
}

/// `full_hash`: the `avalanche` modifier, also used to place ring points.
pub fn full_hash(a: u32) -> u32 {
    let mut a = a;
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

/// `gen_hash` plus the optional avalanche: the hash of a key for a `hash-type`.
pub fn hash_key(hash_type: HashType, key: &[u8]) -> u32 {
    let h = match hash_type.function {
        HashFunction::Sdbm => sdbm(key),
        HashFunction::Djb2 => djb2(key),
        HashFunction::Wt6 => wt6(key),
        HashFunction::Crc32 => crc32(key),
    };
    if hash_type.avalanche {
        full_hash(h)
    } else {
        h
    }
}

/// `get_server_sh`: XOR of the address's big-endian 32-bit words, then the optional
/// avalanche (no hash function is applied to addresses).
pub fn hash_source(hash_type: HashType, addr: IpAddr) -> u32 {
    let h = match addr {
        IpAddr::V4(a) => u32::from(a),
        IpAddr::V6(a) => {
            let o = a.octets();
            o.chunks_exact(4).fold(0u32, |h, w| {
                h ^ u32::from_be_bytes([
                    w.first().copied().unwrap_or(0),
                    w.get(1).copied().unwrap_or(0),
                    w.get(2).copied().unwrap_or(0),
                    w.get(3).copied().unwrap_or(0),
                ])
            })
        }
    };
    if hash_type.avalanche {
        full_hash(h)
    } else {
        h
    }
}

/// Where a hash is looked up.
#[derive(Debug, Clone)]
enum Lookup {
    /// `hash-type map-based`.
    Map(Map),
    /// `hash-type consistent`.
    Ring(Ring),
}

/// A hashing balancer (`source`, `uri`, `url_param`, `hdr`, `rdp-cookie`).
#[derive(Debug, Clone)]
pub struct Hashed {
    hash_type: HashType,
    lookup: Lookup,
}

impl Hashed {
    /// Builds it with every server up. `all_backups` is `option allbackups`.
    pub fn new(servers: &[ServerInfo], hash_type: HashType, all_backups: bool) -> Self {
        let lookup = match hash_type.method {
            HashMethod::MapBased => Lookup::Map(Map::new(servers, all_backups)),
            HashMethod::Consistent => Lookup::Ring(Ring::new(servers, all_backups)),
        };
        Hashed { hash_type, lookup }
    }

    /// `hash-balance-factor` (percent, 0 = off); only `hash-type consistent` honours it.
    pub fn set_balance_factor(&mut self, factor: u32) {
        if let Lookup::Ring(r) = &mut self.lookup {
            r.set_balance_factor(factor);
        }
    }

    fn used(&mut self) -> usize {
        match &mut self.lookup {
            Lookup::Map(m) => m.used(),
            Lookup::Ring(r) => r.used(),
        }
    }

    fn inner(&mut self) -> &mut dyn Balancer {
        match &mut self.lookup {
            Lookup::Map(m) => m,
            Lookup::Ring(r) => r,
        }
    }
}

impl Balancer for Hashed {
    fn pick_room(
        &mut self,
        key: &Key<'_>,
        avoid: Option<ServerId>,
        room: Option<Room<'_>>,
    ) -> Option<ServerId> {
        let single = self.used() == 1;
        let hash = match key {
            Key::None => return self.inner().pick_room(key, avoid, room),
            _ if single => 0,
            Key::Bytes(b) => hash_key(self.hash_type, b),
            Key::Source(a) => hash_source(self.hash_type, *a),
        };
        match &mut self.lookup {
            Lookup::Ring(r) => {
                let i = r.by_hash(hash, avoid)?;
                r.pool.get(i).map(|s| s.id)
            }
            Lookup::Map(m) => {
                let s = m.by_hash(hash)?;
                // HAProxy's map lookup ignores `avoid`; we redispatch by round robin.
                if Some(s) == avoid && !single {
                    return m.next_rr(avoid, room);
                }
                Some(s)
            }
        }
    }

    fn server_up(&mut self, id: ServerId) {
        self.inner().server_up(id);
    }

    fn server_down(&mut self, id: ServerId) {
        self.inner().server_down(id);
    }

    fn set_weight(&mut self, id: ServerId, weight: u32) {
        self.inner().set_weight(id, weight);
    }

    fn take_conn(&mut self, id: ServerId) {
        self.inner().take_conn(id);
    }

    fn drop_conn(&mut self, id: ServerId) {
        self.inner().drop_conn(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_functions_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(djb2(b""), 5381);
        assert_eq!(djb2(b"a"), 5381 * 33 + 97);
        assert_eq!(sdbm(b"a"), 97);
        assert_eq!(sdbm(b"ab"), 97u32.wrapping_mul(65599).wrapping_add(98));
        assert_eq!(sdbm(b""), 0);
    }

    #[test]
    fn an_ipv6_source_folds_its_four_words() {
        let t = HashType::default();
        let a: IpAddr = "::ffff:1.2.3.4".parse().unwrap();
        assert_eq!(hash_source(t, a), 0x0000_ffff ^ 0x0102_0304);
        assert_eq!(hash_source(t, "10.0.0.1".parse().unwrap()), 0x0a00_0001);
    }

    use super::super::key::{hdr_key, uri_key, url_param};
    use super::super::tests_support::{infos, seq};
    use crate::config::model::{HashFunction, HashMethod};

    const URIS: [&str; 15] = [
        "/a",
        "/b",
        "/c",
        "/d",
        "/e",
        "/f",
        "/g",
        "/h",
        "/i",
        "/j",
        "/index.html",
        "/x/y/z?q=1",
        "/static/img.png",
        "/api/v1/users?id=42",
        "/",
    ];

    fn ht(method: HashMethod, function: HashFunction, avalanche: bool) -> HashType {
        HashType {
            method,
            function,
            avalanche,
        }
    }

    fn map(f: HashFunction, avalanche: bool) -> HashType {
        ht(HashMethod::MapBased, f, avalanche)
    }

    fn picks(b: &mut Hashed, keys: &[Option<&[u8]>]) -> Vec<usize> {
        keys.iter()
            .map(|k| {
                let key = k.map_or(Key::None, Key::Bytes);
                b.pick(&key, None).map_or(0, |s| s.0 + 1)
            })
            .collect()
    }

    fn uri_picks(t: HashType, weights: &[u32], f: impl Fn(&[u8]) -> &[u8]) -> Vec<usize> {
        let mut b = Hashed::new(&infos(weights, &[]), t, false);
        let keys: Vec<Option<&[u8]>> = URIS.iter().map(|u| Some(f(u.as_bytes()))).collect();
        picks(&mut b, &keys)
    }

    fn plain(u: &[u8]) -> &[u8] {
        uri_key(u, 0, 0, false, false)
    }

    #[test]
    fn uri_map_based_with_each_function_matches_haproxy() {
        let w = [1, 2, 3];
        let cases = [
            (
                map(HashFunction::Sdbm, false),
                "1 3 2 3 2 3 1 3 2 3 1 2 2 2 3",
            ),
            (
                map(HashFunction::Djb2, false),
                "3 2 3 2 3 1 3 2 3 2 3 3 3 3 2",
            ),
            (
                map(HashFunction::Wt6, false),
                "3 3 3 3 3 3 3 3 3 3 1 3 3 2 3",
            ),
            (
                map(HashFunction::Crc32, false),
                "1 1 1 3 3 3 3 2 1 2 2 2 3 1 2",
            ),
            (
                map(HashFunction::Sdbm, true),
                "2 2 3 1 3 3 3 3 3 3 1 2 3 3 1",
            ),
        ];
        for (t, want) in cases {
            assert_eq!(uri_picks(t, &w, plain), seq(want), "{t:?}");
        }
    }

    #[test]
    fn map_based_weights_are_reduced_by_their_gcd() {
        assert_eq!(
            uri_picks(map(HashFunction::Sdbm, false), &[2, 4, 6], plain),
            seq("1 3 2 3 2 3 1 3 2 3 1 2 2 2 3")
        );
    }

    #[test]
    fn uri_consistent_matches_haproxy() {
        let c = |f, a| ht(HashMethod::Consistent, f, a);
        assert_eq!(
            uri_picks(c(HashFunction::Sdbm, true), &[1, 1, 1], plain),
            seq("2 2 1 3 3 1 2 1 3 3 3 1 1 3 2")
        );
        assert_eq!(
            uri_picks(c(HashFunction::Sdbm, false), &[1, 2, 3], plain),
            seq("3 3 3 3 3 3 3 3 3 3 2 2 2 3 3")
        );
    }

    #[test]
    fn consistent_points_follow_the_server_ids() {
        let mut i = infos(&[1, 1, 1], &[]);
        i[0].puid = 7;
        i[1].puid = 3;
        i[2].puid = 12;
        let mut b = Hashed::new(
            &i,
            ht(HashMethod::Consistent, HashFunction::Crc32, false),
            false,
        );
        let keys: Vec<Option<&[u8]>> = URIS.iter().map(|u| Some(plain(u.as_bytes()))).collect();
        assert_eq!(picks(&mut b, &keys), seq("1 2 3 2 2 1 1 2 1 1 2 2 3 2 3"));
    }

    #[test]
    fn uri_options_match_haproxy() {
        let t = map(HashFunction::Sdbm, false);
        let w = [1, 2, 3];
        assert_eq!(
            uri_picks(t, &w, |u| uri_key(u, 0, 0, true, false)),
            seq("1 3 2 3 2 3 1 3 2 3 1 2 2 3 3")
        );
        assert_eq!(
            uri_picks(t, &w, |u| uri_key(u, 3, 0, false, false)),
            seq("1 3 2 3 2 3 1 3 2 3 2 2 1 2 3")
        );
        assert_eq!(
            uri_picks(t, &w, |u| uri_key(u, 0, 1, false, false)),
            seq("1 3 2 3 2 3 1 3 2 3 1 3 3 3 3")
        );
        assert_eq!(
            uri_picks(t, &w, |u| uri_key(u, 0, 2, false, false)),
            seq("1 3 2 3 2 3 1 3 2 3 1 3 2 3 3")
        );
    }

    #[test]
    fn url_param_matches_haproxy_with_round_robin_fallback() {
        let uris = [
            "/?id=1",
            "/?id=2",
            "/x?a=1&id=3",
            "/x?ida=9&id=4",
            "/x?id=",
            "/nothing",
            "/x?a=b",
            "/?id=abc&z=1",
            "/?id=5",
            "/?id=6",
        ];
        let mut b = Hashed::new(&infos(&[1, 2, 3], &[]), HashType::default(), false);
        let keys: Vec<Option<&[u8]>> = uris
            .iter()
            .map(|u| url_param(u.as_bytes(), b"id"))
            .collect();
        assert_eq!(picks(&mut b, &keys), seq("3 2 3 2 1 1 3 2 3 1"));
    }

    #[test]
    fn hdr_host_matches_haproxy() {
        let hosts = [
            "www.example.com",
            "example.com",
            "a.b.example.com",
            "localhost",
            "www.example.org",
            "foo.example.com:8080",
            "example.com.",
            "x",
            "www.haproxy.org",
            "mail.google.com",
        ];
        // With use_domain_only the real binary once gave 3 for `example.com` right after
        // `www.example.com`: HAProxy reads one byte past the value, and a stale '.' left in the
        // buffer there turns the key into "com". A fresh buffer gives "example" (2), as here.
        for (dom, want) in [
            (false, "1 3 1 3 3 3 3 1 1 3"),
            (true, "2 2 2 3 2 2 3 1 3 3"),
        ] {
            let mut b = Hashed::new(&infos(&[1, 2, 3], &[]), HashType::default(), false);
            let keys: Vec<Option<&[u8]>> =
                hosts.iter().map(|h| hdr_key(h.as_bytes(), dom)).collect();
            assert_eq!(picks(&mut b, &keys), seq(want), "use_domain_only={dom}");
        }
    }

    #[test]
    fn hdr_uses_the_first_element_and_falls_back_when_missing() {
        let values: [Option<&str>; 7] = [
            Some("a"),
            Some("b, c"),
            Some("c"),
            Some(""),
            Some("d,e"),
            Some("e"),
            None,
        ];
        let mut b = Hashed::new(&infos(&[1, 2, 3], &[]), HashType::default(), false);
        let keys: Vec<Option<&[u8]>> = values
            .iter()
            .map(|v| v.and_then(|v| hdr_key(v.as_bytes(), false)))
            .collect();
        assert_eq!(picks(&mut b, &keys), seq("3 2 3 1 2 3 3"));
    }

    #[test]
    fn source_matches_haproxy() {
        let last = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 77, 200];
        for (method, want) in [
            (HashMethod::MapBased, "3 1 3 2 3 2 3 1 3 2 3 1"),
            (HashMethod::Consistent, "3 1 2 1 3 3 3 1 3 2 3 3"),
        ] {
            // `hash-type consistent` alone means sdbm + avalanche.
            let t = ht(method, HashFunction::Sdbm, method == HashMethod::Consistent);
            let mut b = Hashed::new(&infos(&[1, 2, 3], &[]), t, false);
            let got: Vec<usize> = last
                .iter()
                .map(|l| {
                    let a = IpAddr::from([127, 0, 0, *l]);
                    b.pick(&Key::Source(a), None).map_or(0, |s| s.0 + 1)
                })
                .collect();
            assert_eq!(got, seq(want), "{method:?}");
        }
    }

    #[test]
    fn a_single_usable_server_takes_every_key_and_avoid_redispatches() {
        let mut b = Hashed::new(&infos(&[1, 1], &[]), HashType::default(), false);
        let k = Key::Bytes(b"/a");
        let first = b.pick(&k, None).unwrap();
        let other = ServerId(1 - first.0);
        assert_eq!(b.pick(&k, Some(first)), Some(other));
        b.server_down(other);
        assert_eq!(b.pick(&k, Some(first)), Some(first));
        b.server_down(first);
        assert_eq!(b.pick(&k, None), None);
    }

    #[test]
    fn use_domain_only_with_a_single_dot_hashes_the_label() {
        let hosts = [
            "example.com",
            "haproxy.org",
            "google.com",
            "abcdef.net",
            "zz.top",
            "q.w",
            "longername.io",
            "example.com",
            "www.example.com",
            "a.example.com",
        ];
        let mut b = Hashed::new(
            &infos(&[1, 2, 3, 4, 5, 6, 7], &[]),
            HashType::default(),
            false,
        );
        let keys: Vec<Option<&[u8]>> = hosts.iter().map(|h| hdr_key(h.as_bytes(), true)).collect();
        assert_eq!(picks(&mut b, &keys), seq("2 4 4 5 5 2 4 2 2 2"));
    }

    fn cons() -> HashType {
        ht(HashMethod::Consistent, HashFunction::Sdbm, true)
    }

    fn ten(b: &mut Hashed) -> Vec<usize> {
        let keys: Vec<Option<&[u8]>> = URIS.iter().take(10).map(|u| Some(u.as_bytes())).collect();
        picks(b, &keys)
    }

    #[test]
    fn absolute_targets_hash_whole_unless_path_only() {
        let targets = [
            "http://example.com/a",
            "http://example.com/b",
            "http://example.com/c?x",
            "/a",
            "/b",
            "/c?x",
        ];
        for (path_only, want) in [(false, "3 1 3 1 3 2"), (true, "1 3 2 1 3 2")] {
            let mut b = Hashed::new(&infos(&[1, 2, 3], &[]), HashType::default(), false);
            let keys: Vec<Option<&[u8]>> = targets
                .iter()
                .map(|t| Some(uri_key(t.as_bytes(), 0, 0, false, path_only)))
                .collect();
            assert_eq!(picks(&mut b, &keys), seq(want), "path-only={path_only}");
        }
    }

    #[test]
    fn consistent_keys_move_only_off_the_changed_servers() {
        let mut b = Hashed::new(&infos(&[1, 1, 1, 1], &[]), cons(), false);
        let mut got = ten(&mut b);
        b.server_down(ServerId(1));
        got.extend(ten(&mut b));
        b.server_up(ServerId(1));
        b.set_weight(ServerId(2), 5);
        got.extend(ten(&mut b));
        assert_eq!(
            got,
            seq("4 2 1 3 3 1 2 1 3 4 4 4 1 3 3 1 3 1 3 4 4 2 1 3 3 1 2 3 3 3")
        );
    }

    #[test]
    fn map_based_keys_are_remapped_when_a_server_goes_down() {
        let mut b = Hashed::new(&infos(&[1, 1, 1, 1], &[]), HashType::default(), false);
        let mut got = ten(&mut b);
        b.server_down(ServerId(1));
        got.extend(ten(&mut b));
        assert_eq!(got, seq("3 4 1 2 3 4 1 2 3 4 1 3 4 1 3 4 1 3 4 1"));
    }

    #[test]
    fn a_missing_key_walks_the_ring_as_haproxy() {
        let mut b = Hashed::new(&infos(&[1, 1, 1], &[]), cons(), false);
        assert_eq!(picks(&mut b, &[None; 12]), seq("3 3 2 1 3 1 1 2 3 1 1 1"));
        let mut b = Hashed::new(&infos(&[1, 2], &[]), cons(), false);
        assert_eq!(picks(&mut b, &[None; 12]), seq("2 1 1 1 2 1 1 1 2 2 1 2"));
    }

    #[test]
    fn backups_take_over_hashing_as_haproxy() {
        let cases = [
            (cons(), false, [1, 1, 1, 1], "1 1 2 2 2 2 2 2 2 2"),
            (cons(), true, [1, 1, 1, 1], "1 1 2 3 3 3 2 4 3 4"),
            (
                HashType::default(),
                true,
                [1, 1, 3, 1],
                "1 1 3 3 4 2 3 3 3 4",
            ),
        ];
        for (t, all, w, want) in cases {
            let mut b = Hashed::new(&infos(&w, &[1, 2, 3]), t, all);
            let keys: Vec<Option<&[u8]>> =
                URIS.iter().take(10).map(|u| Some(u.as_bytes())).collect();
            let mut got = picks(&mut b, keys.get(..2).unwrap());
            b.server_down(ServerId(0));
            got.extend(picks(&mut b, keys.get(2..).unwrap()));
            assert_eq!(got, seq(want), "{t:?} allbackups={all}");
        }
    }

    #[test]
    fn rdp_cookie_values_map_like_haproxy() {
        use super::super::key::{rdp_cookie, RdpCookie};
        let mut b = Hashed::new(&infos(&[1, 2, 3], &[]), HashType::default(), false);
        let got: Vec<usize> = [
            "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi",
        ]
        .iter()
        .map(|v| {
            let mut p = vec![3u8, 0, 0, 40, 35, 0xe0, 0, 0, 0, 0, 0];
            p.extend_from_slice(format!("Cookie: mstshash={v}\r\n").as_bytes());
            let RdpCookie::Value(k) = rdp_cookie(&p, b"mstshash") else {
                panic!()
            };
            b.pick(&Key::Bytes(k), None).map_or(0, |s| s.0 + 1)
        })
        .collect();
        assert_eq!(got, seq("2 3 3 1 1 2 2 3"));
    }
}
