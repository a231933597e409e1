//! Dynamic server cookies (configuration.txt 4.2 "cookie ... dynamic", "dynamic-cookie-key").
//!
//! After loading, a server of a backend with `cookie ... dynamic` and a `dynamic-cookie-key`
//! that has no `cookie` of its own gets one, computed as HAProxy 2.6's `srv_set_dyncookie()`
//! does: XXH64 (seed 0) of the key's bytes, the server's IPv4 (4 bytes) or IPv6 (16 bytes)
//! address in network order and its port as a 32-bit big-endian integer, printed as 16
//! lowercase hex digits. Servers that are neither IPv4 nor IPv6 get none. A generated value
//! equal to the cookie of another server that is not `disabled` draws HAProxy's warning.
//!
//! The value is written into `ServerParams::cookie`, so the runtime reads one field. Pure:
//! no I/O, imports only the config room.

use std::net::SocketAddr;

use super::diag::{Diags, Level, BARE_LINE};
use super::model::{Config, ServerAddr};

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn merge(acc: u64, v: u64) -> u64 {
    (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4)
}

fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_le_bytes(a)
}

fn le32(b: &[u8]) -> u64 {
    let mut a = [0u8; 4];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from(u32::from_le_bytes(a))
}

/// XXH64 of `data` with `seed` (the xxHash reference algorithm, as bundled with HAProxy).
pub fn xxh64(data: &[u8], seed: u64) -> u64 {
    let len = data.len() as u64;
    let mut rest = data;
    let mut h = if data.len() >= 32 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while rest.len() >= 32 {
            let (block, tail) = rest.split_at(32);
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, le64(block.get(i * 8..).unwrap_or(&[])));
            }
            rest = tail;
        }
        let [v1, v2, v3, v4] = v;
        let mut h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        for lane in v {
            h = merge(h, lane);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(len);
    while rest.len() >= 8 {
        let (w, tail) = rest.split_at(8);
        h ^= round(0, le64(w));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = tail;
    }
    if rest.len() >= 4 {
        let (w, tail) = rest.split_at(4);
        h ^= le32(w).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = tail;
    }
    for b in rest {
        h ^= u64::from(*b).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

/// The dynamic cookie of a server at `addr` for the backend secret `key`.
pub fn dynamic_cookie(key: &str, addr: SocketAddr) -> String {
    let mut buf = key.as_bytes().to_vec();
    match addr {
        SocketAddr::V4(a) => buf.extend_from_slice(&a.ip().octets()),
        SocketAddr::V6(a) => buf.extend_from_slice(&a.ip().octets()),
    }
    buf.extend_from_slice(&u32::from(addr.port()).to_be_bytes());
    format!("{:016x}", xxh64(&buf, 0))
}

/// Gives every server of a `cookie ... dynamic` backend with a key, and no cookie of its
/// own, its dynamic cookie; warns as HAProxy does when one equals another server's cookie.
/// Runs once the server addresses are resolved.
pub fn apply(config: &mut Config, diags: &mut Diags) {
    for p in &mut config.proxies {
        let Some(key) = p.dynamic_cookie_key.clone() else {
            continue;
        };
        if !p.cookie.as_ref().is_some_and(|c| c.dynamic) {
            continue;
        }
        for i in 0..p.servers.len() {
            let Some(s) = p.servers.get(i) else { continue };
            let ServerAddr::Inet(addr) = s.addr else {
                continue;
            };
            if s.params.cookie.is_some() {
                continue;
            }
            let value = dynamic_cookie(&key, addr);
            let disabled = s.params.disabled;
            if !disabled {
                let dups = p
                    .servers
                    .iter()
                    .enumerate()
                    .filter(|(j, o)| {
                        *j != i && !o.params.disabled && o.params.cookie.as_deref() == Some(&value)
                    })
                    .count();
                for _ in 0..dups {
                    let msg = format!(
                        "We generated two equal cookies for two different servers.\n{BARE_LINE}Please change the secret key for '{}'.",
                        p.name
                    );
                    diags.global(Level::Warning, msg);
                }
            }
            if let Some(s) = p.servers.get_mut(i) {
                s.params.cookie = Some(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_matches_the_reference_vectors() {
        assert_eq!(xxh64(b"", 0), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a", 0), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(xxh64(b"abc", 0), 0x44BC_2CF5_AD77_0999);
        // Long inputs take the four-lane path.
        let long: Vec<u8> = (0u8..=100).collect();
        assert_ne!(xxh64(&long, 0), xxh64(&long[..99], 0));
    }

    #[test]
    fn the_dynamic_cookie_is_the_one_haproxy_2_6_sends() {
        // Read from the real binary: `dynamic-cookie-key secret`, server 127.0.0.1:36123,
        // `cookie SRV insert dynamic` answered `set-cookie: SRV=45f9bad27552d125; path=/`.
        let addr: SocketAddr = "127.0.0.1:36123".parse().unwrap();
        assert_eq!(dynamic_cookie("secret", addr), "45f9bad27552d125");
    }

    fn load(cfg: &str) -> crate::config::Loaded {
        crate::config::load_texts(&[("t.cfg", cfg)], &|_| None).unwrap()
    }

    const HEAD: &str =
        "defaults\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n";

    #[test]
    fn servers_without_a_cookie_get_the_dynamic_one_at_load() {
        let l = load(&format!(
            "{HEAD}backend b\n cookie S insert dynamic\n dynamic-cookie-key secret\n server s1 127.0.0.1:36123\n server s2 127.0.0.1:1 cookie own\n server s3 /tmp/sock\n"
        ));
        let p = &l.config.proxies[0];
        let cookies: Vec<Option<&str>> = p
            .servers
            .iter()
            .map(|s| s.params.cookie.as_deref())
            .collect();
        assert_eq!(cookies, [Some("45f9bad27552d125"), Some("own"), None]);
        assert_eq!(p.dynamic_cookie_key.as_deref(), Some("secret"));
    }

    #[test]
    fn without_a_key_or_without_dynamic_nothing_is_generated() {
        for extra in [
            " cookie S insert dynamic\n",
            " cookie S insert\n dynamic-cookie-key k\n",
        ] {
            let l = load(&format!("{HEAD}backend b\n{extra} server s1 127.0.0.1:1\n"));
            assert_eq!(l.config.proxies[0].servers[0].params.cookie, None);
        }
    }

    #[test]
    fn equal_dynamic_cookies_warn_once_per_earlier_equal_server() {
        let l = load(&format!(
            "{HEAD}backend b\n cookie S insert dynamic\n dynamic-cookie-key k\n server s1 127.0.0.1:1\n server s2 127.0.0.1:1\n server s3 127.0.0.1:1\n server s4 127.0.0.1:1 disabled\n"
        ));
        let warns: Vec<String> = l.diags.list.iter().map(|d| d.render(1)).collect();
        assert_eq!(warns.len(), 3, "{warns:?}");
        assert_eq!(
            warns[0],
            "[WARNING]  (1) : config : We generated two equal cookies for two different servers.\nPlease change the secret key for 'b'."
        );
    }
}
