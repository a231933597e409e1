//! Micro-benchmark of the balancers' `pick` (no I/O): nanoseconds per pick for each algorithm
//! over 16 servers of mixed weights, with a connection taken and released around each pick as
//! the proxy does. Run with `cargo bench --bench balance`; CI only builds it (`--no-run`).
#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use haproxy::balance::{build, Key, ServerId, ServerInfo};
use haproxy::config::model::{Balance, HashMethod, HashType};

fn servers() -> Vec<ServerInfo> {
    (0..16)
        .map(|i| ServerInfo {
            id: ServerId(i),
            weight: [1, 2, 3, 5, 8, 13, 21, 34][i % 8],
            backup: false,
            maxconn: 0,
            puid: u32::try_from(i + 1).unwrap_or(u32::MAX),
        })
        .collect()
}

fn bench(name: &str, algo: &Balance, hash_type: HashType, keyed: bool) {
    let mut b = build(algo, hash_type, &servers(), 42);
    let keys: Vec<String> = (0..1024).map(|i| format!("/static/item/{i}.png")).collect();
    let n = 2_000_000u32;
    let start = Instant::now();
    for i in 0..n {
        let key = if keyed {
            Key::Bytes(keys[(i as usize) % keys.len()].as_bytes())
        } else {
            Key::None
        };
        if let Some(s) = b.pick(black_box(&key), None) {
            b.take_conn(s);
            b.drop_conn(s);
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("{name:<28} {ns:>8.1} ns/pick");
}

fn main() {
    let map = HashType::default();
    let consistent = HashType {
        method: HashMethod::Consistent,
        avalanche: true,
        ..HashType::default()
    };
    bench("roundrobin", &Balance::RoundRobin, map, false);
    bench("static-rr", &Balance::StaticRr, map, false);
    bench("leastconn", &Balance::LeastConn, map, false);
    bench("first", &Balance::First, map, false);
    bench("random(2)", &Balance::Random { draws: 2 }, map, false);
    let uri = Balance::Uri {
        len: 0,
        depth: 0,
        whole: false,
        path_only: false,
    };
    bench("uri map-based", &uri, map, true);
    bench("uri consistent", &uri, consistent, true);
}
