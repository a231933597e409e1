//! Robustness of every balancer under random weights (0..=256, and absurd runtime weights)
//! and random `server_up/down`, `set_weight`, `take_conn/drop_conn` sequences: `pick` never
//! panics and never returns a server that is down or out of range.

use super::{build_with, Balancer, Key, Options, ServerId, ServerInfo};
use crate::config::model::{Balance, HashFunction, HashMethod, HashType};

/// xorshift64 with a fixed seed: deterministic sequences, no extra crate.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn below(state: &mut u64, n: u64) -> u64 {
    next(state) % n.max(1)
}

fn algorithms() -> Vec<Balance> {
    vec![
        Balance::RoundRobin,
        Balance::StaticRr,
        Balance::LeastConn,
        Balance::First,
        Balance::Random { draws: 0 },
        Balance::Random { draws: 1 },
        Balance::Random { draws: 2 },
        Balance::Random { draws: 64 },
        Balance::Source,
        Balance::Uri {
            len: 0,
            depth: 0,
            whole: false,
            path_only: false,
        },
    ]
}

fn hash_types() -> Vec<HashType> {
    let mut out = Vec::new();
    for method in [HashMethod::MapBased, HashMethod::Consistent] {
        for function in [
            HashFunction::Sdbm,
            HashFunction::Djb2,
            HashFunction::Wt6,
            HashFunction::Crc32,
        ] {
            for avalanche in [false, true] {
                out.push(HashType {
                    method,
                    function,
                    avalanche,
                });
            }
        }
    }
    out
}

fn random_weight(rng: &mut u64) -> u32 {
    match below(rng, 6) {
        0 => 0,
        1 => 256,
        2 => 1,
        _ => u32::try_from(below(rng, 257)).unwrap(),
    }
}

/// One random scenario against one balancer; panics (caught by the caller's test) on a
/// wrong pick.
fn scenario(rng: &mut u64, algo: &Balance, ht: HashType) {
    let n = usize::try_from(below(rng, 9)).unwrap();
    let servers: Vec<ServerInfo> = (0..n)
        .map(|i| ServerInfo {
            id: ServerId(i),
            weight: random_weight(rng),
            backup: below(rng, 4) == 0,
            maxconn: u32::try_from(below(rng, 4)).unwrap(),
            puid: u32::try_from(i + 1).unwrap(),
        })
        .collect();
    let opts = Options {
        all_backups: below(rng, 2) == 0,
        hash_balance_factor: [0, 100, 125, 1000][usize::try_from(below(rng, 4)).unwrap()],
    };
    let mut b: Box<dyn Balancer> = build_with(algo, ht, &servers, next(rng), opts);
    let mut up = vec![true; n];
    // Ids the test may pass, including one past the end.
    let any_id = |rng: &mut u64| ServerId(usize::try_from(below(rng, n as u64 + 1)).unwrap());
    for _ in 0..200 {
        match below(rng, 8) {
            0 => {
                let id = any_id(rng);
                b.server_down(id);
                if let Some(u) = up.get_mut(id.0) {
                    *u = false;
                }
            }
            1 => {
                let id = any_id(rng);
                b.server_up(id);
                if let Some(u) = up.get_mut(id.0) {
                    *u = true;
                }
            }
            2 => {
                let w = if below(rng, 20) == 0 {
                    u32::MAX
                } else {
                    random_weight(rng)
                };
                b.set_weight(any_id(rng), w);
            }
            3 => b.take_conn(any_id(rng)),
            4 => b.drop_conn(any_id(rng)),
            _ => {
                let bytes = next(rng).to_le_bytes();
                let key = match below(rng, 3) {
                    0 => Key::None,
                    1 => Key::Bytes(&bytes),
                    _ => Key::Source(std::net::IpAddr::from([
                        bytes[0], bytes[1], bytes[2], bytes[3],
                    ])),
                };
                let avoid = (below(rng, 3) == 0).then(|| any_id(rng));
                if let Some(id) = b.pick(&key, avoid) {
                    assert!(id.0 < n, "{algo:?} picked {id:?} of {n} servers");
                    assert!(up[id.0], "{algo:?}/{ht:?} picked down server {id:?}");
                    if below(rng, 2) == 0 {
                        b.take_conn(id);
                    }
                }
            }
        }
    }
}

#[test]
fn random_operation_sequences_never_pick_a_down_server_nor_panic() {
    let mut rng = 0x0bad_5eed_u64;
    let algos = algorithms();
    let hts = hash_types();
    for round in 0..16 {
        for algo in &algos {
            let ht = hts[round % hts.len()];
            let seed = rng;
            let r = std::panic::catch_unwind(|| {
                let mut local = seed;
                scenario(&mut local, algo, ht);
            });
            assert!(r.is_ok(), "{algo:?} {ht:?} failed with rng seed {seed:#x}");
            next(&mut rng);
        }
    }
}

#[test]
fn an_absurd_configured_weight_is_capped_too() {
    let servers: Vec<ServerInfo> = [u32::MAX, 0, 256]
        .iter()
        .enumerate()
        .map(|(i, w)| ServerInfo {
            id: ServerId(i),
            weight: *w,
            backup: false,
            maxconn: u32::MAX,
            puid: u32::MAX - u32::try_from(i).unwrap(),
        })
        .collect();
    for ht in hash_types() {
        for algo in algorithms() {
            let opts = Options {
                all_backups: false,
                hash_balance_factor: u32::MAX,
            };
            let mut b = build_with(&algo, ht, &servers, 3, opts);
            for _ in 0..5 {
                let got = b.pick(&Key::Bytes(b"k"), None);
                assert!(matches!(got, Some(ServerId(0 | 2))), "{algo:?}: {got:?}");
                if let Some(id) = got {
                    b.take_conn(id);
                }
            }
        }
    }
}

#[test]
fn an_absurd_runtime_weight_is_capped_and_stays_cheap() {
    let servers: Vec<ServerInfo> = (0..3)
        .map(|i| ServerInfo {
            id: ServerId(i),
            weight: 1,
            backup: false,
            maxconn: 0,
            puid: u32::try_from(i + 1).unwrap(),
        })
        .collect();
    let ht = HashType {
        method: HashMethod::Consistent,
        ..HashType::default()
    };
    for algo in algorithms() {
        let mut b = build_with(&algo, ht, &servers, 7, Options::default());
        b.set_weight(ServerId(1), u32::MAX);
        b.set_weight(ServerId(2), 0);
        for _ in 0..10 {
            let got = b.pick(&Key::Bytes(b"/x"), None);
            assert!(matches!(got, Some(ServerId(0 | 1))), "{algo:?}: {got:?}");
        }
    }
}
