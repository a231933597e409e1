//! `balance` algorithms, black box and differential: the same config and the same requests go
//! through the binary under test and through the real HAProxy 2.6; the sequences of answering
//! servers must be identical (roundrobin, static-rr, leastconn, first, source, uri, url_param,
//! hdr(name), `hash-type consistent`). Each test also asserts the algorithm's own property
//! (alternation, weights, stickiness), so it means something when the real binary is absent.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

/// Four HTTP origins s1..s4.
fn origins() -> Vec<Origin> {
    ["s1", "s2", "s3", "s4"]
        .iter()
        .map(|n| Origin::http(n))
        .collect()
}

/// A config with `backend_lines` and one server line per origin (`weights[i]` when given).
fn config(backend_lines: &str, os: &[Origin], server_opts: &[&str]) -> String {
    let mut cfg = format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n{backend_lines}"
    );
    for (i, o) in os.iter().enumerate() {
        let opts = server_opts.get(i).copied().unwrap_or("");
        cfg.push_str(&format!("    server {} {} {opts}\n", o.name(), o.addr()));
    }
    cfg
}

/// Runs `drive` against the binary under test and, when present, against the real HAProxy on
/// the same config; asserts both sequences are equal and returns ours.
fn differential(cfg: &str, drive: impl Fn(&Haproxy) -> Vec<String>) -> Vec<String> {
    let ours = drive(&Haproxy::start(cfg));
    if RealHaproxy::available() {
        let real = drive(&RealHaproxy::start(cfg));
        assert_eq!(
            ours, real,
            "server sequence differs from HAProxy 2.6\nconfig:\n{cfg}"
        );
    }
    ours
}

fn get_seq(paths: &[String]) -> impl Fn(&Haproxy) -> Vec<String> + '_ {
    move |h: &Haproxy| {
        paths
            .iter()
            .map(|p| {
                server_of(
                    h.addr("fe"),
                    &format!("GET {p} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
                )
            })
            .collect()
    }
}

/// Each key was sent twice in a row: both requests must land on the same server.
fn assert_pairs_stick(seq: &[String]) {
    for pair in seq.chunks(2) {
        assert_eq!(pair.first(), pair.get(1), "{seq:?}");
    }
}

fn same(n: usize, path: &str) -> Vec<String> {
    vec![path.to_string(); n]
}

#[test]
fn roundrobin_cycles_through_all_servers_in_order() {
    let os = origins();
    let seq = differential(
        &config("    balance roundrobin\n", &os, &[]),
        get_seq(&same(8, "/")),
    );
    assert_eq!(seq, ["s1", "s2", "s3", "s4", "s1", "s2", "s3", "s4"]);
}

#[test]
fn roundrobin_with_weights_matches_haproxy_and_the_weight_ratio() {
    let os = origins();
    let seq = differential(
        &config(
            "    balance roundrobin\n",
            &os,
            &["weight 3", "weight 2", "weight 1", "weight 0"],
        ),
        get_seq(&same(24, "/")),
    );
    let t = tally(&seq);
    assert_eq!(
        (t.get("s1"), t.get("s2"), t.get("s3"), t.get("s4")),
        (Some(&12), Some(&8), Some(&4), None),
        "{seq:?}"
    );
}

#[test]
fn static_rr_with_weights_six_and_three_gives_two_to_one() {
    let os: Vec<Origin> = origins().into_iter().take(2).collect();
    let seq = differential(
        &config("    balance static-rr\n", &os, &["weight 6", "weight 3"]),
        get_seq(&same(18, "/")),
    );
    let t = tally(&seq);
    assert_eq!((t.get("s1"), t.get("s2")), (Some(&12), Some(&6)), "{seq:?}");
}

#[test]
fn leastconn_with_sequential_requests_gives_each_idle_server_a_turn() {
    // Only the first four picks are compared: past them, whether the previous server's
    // connection is already released when the next request arrives is a race, in HAProxy too.
    let os = origins();
    let p = same(4, "/");
    let seq = differential(&config("    balance leastconn\n", &os, &[]), get_seq(&p));
    assert_eq!(seq, ["s1", "s2", "s3", "s4"]);
}

#[test]
fn leastconn_sends_a_new_connection_to_the_least_loaded_server() {
    // TCP mode so that connections stay attached to a server while open.
    let e: Vec<Origin> = (0..3).map(|_| Origin::tcp_echo()).collect();
    let cfg = format!(
        "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\nlisten l\n    bind @@fe\n    balance leastconn\n    server e1 {}\n    server e2 {}\n    server e3 {}\n",
        e[0].addr(),
        e[1].addr(),
        e[2].addr()
    );
    let drive = |h: &Haproxy| -> Vec<String> {
        let counts = || -> Vec<usize> { e.iter().map(Origin::conns).collect() };
        let open = |held: &mut Vec<TcpStream>| -> String {
            let before = counts();
            let mut s = TcpStream::connect_timeout(&h.addr("fe"), WAIT).unwrap();
            s.set_read_timeout(Some(WAIT)).unwrap();
            s.write_all(b"x").unwrap();
            let mut b = [0u8; 1];
            s.read_exact(&mut b).unwrap();
            held.push(s);
            let after = counts();
            let i = (0..3).find(|&i| after[i] > before[i]).unwrap();
            format!("e{}", i + 1)
        };
        let mut held = Vec::new();
        let mut seq = vec![open(&mut held), open(&mut held), open(&mut held)];
        // Close the connection on the first server: it becomes the least loaded one. Wait
        // until the proxy has closed its side towards that server before the next pick.
        let first = held.remove(0);
        drop(first);
        let i: usize = seq[0][1..].parse::<usize>().unwrap() - 1;
        assert!(
            e[i].wait_active(0),
            "the proxy never closed the server side"
        );
        seq.push(open(&mut held));
        seq
    };
    let seq = differential(&cfg, drive);
    assert_eq!(seq[3], seq[0], "{seq:?}");
    let distinct: std::collections::BTreeSet<&String> = seq[..3].iter().collect();
    assert_eq!(distinct.len(), 3, "{seq:?}");
}

#[test]
fn first_uses_the_first_server_while_it_has_free_slots() {
    let os = origins();
    let seq = differential(
        &config(
            "    balance first\n",
            &os,
            &["maxconn 2", "maxconn 2", "", ""],
        ),
        get_seq(&same(6, "/")),
    );
    assert_eq!(seq, ["s1"; 6]);
}

/// Requests from distinct source addresses 127.0.0.1 .. 127.0.0.n.
fn from_sources(n: u8) -> impl Fn(&Haproxy) -> Vec<String> {
    move |h: &Haproxy| {
        (1..=n)
            .flat_map(|i| [i, i])
            .map(|i| {
                let src = IpAddr::V4(Ipv4Addr::new(127, 0, 0, i));
                let r = Client::connect_from(h.addr("fe"), src)
                    .request("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
                r.server()
            })
            .collect()
    }
}

#[test]
fn source_hashing_sticks_each_client_address_to_one_server() {
    let os = origins();
    let seq = differential(&config("    balance source\n", &os, &[]), from_sources(16));
    assert_pairs_stick(&seq);
    assert!(
        tally(&seq).len() >= 2,
        "16 sources all on one server: {seq:?}"
    );
}

#[test]
fn source_hashing_with_consistent_hash_type_matches_haproxy() {
    let os = origins();
    let seq = differential(
        &config("    balance source\n    hash-type consistent\n", &os, &[]),
        from_sources(16),
    );
    assert_pairs_stick(&seq);
}

fn paths(n: usize, f: impl Fn(usize) -> String) -> Vec<String> {
    (0..n).flat_map(|i| [f(i), f(i)]).collect()
}

#[test]
fn uri_hashing_sticks_each_uri_to_one_server() {
    let os = origins();
    let p = paths(16, |i| format!("/page/{i}.html"));
    let seq = differential(&config("    balance uri\n", &os, &[]), get_seq(&p));
    assert_pairs_stick(&seq);
    assert!(tally(&seq).len() >= 2, "{seq:?}");
}

#[test]
fn uri_hashing_ignores_the_query_string_by_default() {
    let os = origins();
    let p: Vec<String> = (0..8).map(|i| format!("/same?q={i}")).collect();
    let seq = differential(&config("    balance uri\n", &os, &[]), get_seq(&p));
    assert_eq!(tally(&seq).len(), 1, "{seq:?}");
}

#[test]
fn uri_hashing_with_consistent_hash_type_and_weights_matches_haproxy() {
    let os = origins();
    let p = paths(16, |i| format!("/img/{i}.png"));
    let seq = differential(
        &config(
            "    balance uri\n    hash-type consistent\n",
            &os,
            &["weight 10", "weight 20", "weight 30", "weight 40"],
        ),
        get_seq(&p),
    );
    assert_pairs_stick(&seq);
}

#[test]
fn url_param_hashing_sticks_each_value_and_falls_back_to_round_robin() {
    let os = origins();
    let mut p = paths(12, |i| format!("/app?user=u{i}&x=1"));
    // Without the parameter HAProxy falls back to round robin.
    p.extend((0..4).map(|_| "/app?other=1".to_string()));
    let seq = differential(
        &config("    balance url_param user\n", &os, &[]),
        get_seq(&p),
    );
    assert_pairs_stick(&seq[..24]);
    assert_eq!(
        tally(&seq[24..]).len(),
        4,
        "no round robin fallback: {seq:?}"
    );
}

#[test]
fn hdr_hashing_sticks_each_header_value_to_one_server() {
    let os = origins();
    let cfg = config("    balance hdr(X-Tenant)\n", &os, &[]);
    let drive = |h: &Haproxy| -> Vec<String> {
        (0..12)
            .flat_map(|i| [i, i])
            .map(|i| {
                server_of(
                    h.addr("fe"),
                    &format!("GET / HTTP/1.1\r\nHost: test\r\nX-Tenant: tenant-{i}\r\nConnection: close\r\n\r\n"),
                )
            })
            .collect()
    };
    let seq = differential(&cfg, drive);
    assert_pairs_stick(&seq);
    assert!(tally(&seq).len() >= 2, "{seq:?}");
}

#[test]
fn hdr_host_hashing_matches_haproxy() {
    let os = origins();
    let cfg = config("    balance hdr(host)\n", &os, &[]);
    let drive = |h: &Haproxy| -> Vec<String> {
        [
            "a.example",
            "b.example",
            "c.example",
            "www.example.org",
            "a.example",
        ]
        .iter()
        .map(|host| {
            server_of(
                h.addr("fe"),
                &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            )
        })
        .collect()
    };
    let seq = differential(&cfg, drive);
    assert_eq!(seq[0], seq[4]);
}

#[test]
fn random_uses_every_server_with_a_weight() {
    let os = origins();
    let h = Haproxy::start(&config(
        "    balance random\n",
        &os,
        &["", "", "", "weight 0"],
    ));
    let seq = server_sequence(h.addr("fe"), "/", 60);
    let t = tally(&seq);
    assert_eq!(t.len(), 3, "{t:?}");
    assert!(!t.contains_key("s4"), "weight 0 server picked: {t:?}");
}

#[test]
fn uri_whole_includes_the_query_string_and_matches_haproxy() {
    let os = origins();
    let p: Vec<String> = (0..8).map(|i| format!("/same?q={i}")).collect();
    let seq = differential(&config("    balance uri whole\n", &os, &[]), get_seq(&p));
    assert!(
        tally(&seq).len() >= 2,
        "the query string is ignored: {seq:?}"
    );
}

#[test]
fn uri_depth_and_len_limit_the_hashed_part_like_haproxy() {
    let os = origins();
    let p: Vec<String> = (0..8).map(|i| format!("/a/b/{i}/c")).collect();
    let seq = differential(&config("    balance uri depth 2\n", &os, &[]), get_seq(&p));
    assert_eq!(tally(&seq).len(), 1, "depth 2 hashes /a/b only: {seq:?}");
    let seq = differential(&config("    balance uri len 3\n", &os, &[]), get_seq(&p));
    assert_eq!(tally(&seq).len(), 1, "len 3 hashes /a/ only: {seq:?}");
}

#[test]
fn hdr_host_use_domain_only_matches_haproxy() {
    let os = origins();
    let cfg = config("    balance hdr(host) use_domain_only\n", &os, &[]);
    let drive = |h: &Haproxy| -> Vec<String> {
        [
            "www.alpha.example",
            "api.alpha.example",
            "www.beta.example",
            "www.gamma.example",
            "x.delta.example",
        ]
        .iter()
        .map(|host| {
            server_of(
                h.addr("fe"),
                &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            )
        })
        .collect()
    };
    let seq = differential(&cfg, drive);
    assert_eq!(seq[0], seq[1], "same domain, different subdomain: {seq:?}");
}

#[test]
fn a_missing_hash_header_falls_back_to_round_robin_like_haproxy() {
    let os = origins();
    let seq = differential(
        &config("    balance hdr(X-Tenant)\n", &os, &[]),
        get_seq(&same(8, "/")),
    );
    assert_eq!(tally(&seq).len(), 4, "{seq:?}");
}

/// Where 30 source addresses go with `balance source` and `hash-type {hash}`, before and
/// after s2 goes DOWN (its health port closes).
fn source_map_across_a_down(bin: &std::path::Path, hash: &str) -> (Vec<String>, Vec<String>) {
    let os = origins();
    let mut health = Origin::http("health");
    let mut cfg = format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance source\n    hash-type {hash}\n"
    );
    for o in &os {
        let check = if o.name() == "s2" {
            format!(
                "check port {} inter 100 fall 1 rise 1",
                health.addr().port()
            )
        } else {
            String::new()
        };
        cfg.push_str(&format!("    server {} {} {check}\n", o.name(), o.addr()));
    }
    let h = Haproxy::start_bin(bin, &cfg).unwrap();
    let map = |h: &Haproxy| -> Vec<String> {
        (0..30u8)
            .map(|i| {
                let src = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10 + i));
                Client::connect_from(h.addr("fe"), src)
                    .request("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .server()
            })
            .collect()
    };
    let before = map(&h);
    health.stop();
    assert!(
        h.wait_stderr("Server be/s2 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    (before, map(&h))
}

#[test]
fn consistent_hashing_moves_only_the_clients_of_a_down_server_as_haproxy_does() {
    let (before, after) = source_map_across_a_down(&binary_under_test(), "consistent");
    assert!(before.iter().any(|s| s == "s2"), "{before:?}");
    for (b, a) in before.iter().zip(&after) {
        assert_ne!(a, "s2");
        if b != "s2" {
            assert_eq!(a, b, "a client of a live server moved");
        }
    }
    if RealHaproxy::available() {
        let real = source_map_across_a_down(std::path::Path::new(REAL_HAPROXY), "consistent");
        assert_eq!((before, after), real);
    }
}

#[test]
fn map_based_hashing_redistributes_as_haproxy_does_when_a_server_goes_down() {
    let (before, after) = source_map_across_a_down(&binary_under_test(), "map-based");
    assert!(after.iter().all(|s| s != "s2"));
    if RealHaproxy::available() {
        let real = source_map_across_a_down(std::path::Path::new(REAL_HAPROXY), "map-based");
        assert_eq!((before, after), real);
    }
}
