//! Failures during traffic, black box: `retries`, `option redispatch`, `retry-on`.
//! A server killed under load costs no request; `retry-on 503` and `empty-response` move a
//! request to another server; without `retry-on` the server's answer is the client's.
//! Every test passes on the real HAProxy 2.6 (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 500ms\n    timeout client 5s\n    timeout server 5s\n";

fn proxy(backend_lines: &str, servers: &[&Origin]) -> Haproxy {
    let mut cfg = format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n{backend_lines}"
    );
    for o in servers {
        cfg.push_str(&format!("    server {} {}\n", o.name(), o.addr()));
    }
    Haproxy::start(&cfg)
}

/// Sends `n` requests, one connection each, and returns the statuses that were not 200.
fn failures(h: &Haproxy, n: usize, mut at: impl FnMut(usize)) -> Vec<(usize, u16)> {
    let mut bad = Vec::new();
    for i in 0..n {
        at(i);
        let r = Client::connect(h.addr("fe"))
            .request("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if r.status != 200 {
            bad.push((i, r.status));
        }
    }
    bad
}

#[test]
fn a_server_killed_under_load_costs_no_request() {
    let s1 = Origin::http("s1");
    let mut s2 = Origin::http("s2");
    let h = proxy("    retries 3\n    option redispatch\n", &[&s1, &s2]);
    let bad = failures(&h, 300, |i| {
        if i == 100 {
            s2.stop();
        }
    });
    assert!(bad.is_empty(), "lost: {bad:?}");
    assert!(s1.requests().len() >= 200);
}

#[test]
fn retry_on_a_status_sends_the_request_to_the_next_server() {
    let s1 = Origin::builder("s1").status(503).start();
    let s2 = Origin::http("s2");
    let h = proxy(
        "    retries 2\n    option redispatch 1\n    retry-on 503\n",
        &[&s1, &s2],
    );
    let seq = server_sequence(h.addr("fe"), "/", 4);
    assert_eq!(seq, ["s2"; 4]);
    assert!(!s1.requests().is_empty());
}

#[test]
fn without_retry_on_the_servers_status_reaches_the_client() {
    let s1 = Origin::builder("s1").status(503).start();
    let s2 = Origin::http("s2");
    let h = proxy("    retries 2\n    option redispatch\n", &[&s1, &s2]);
    let statuses: Vec<u16> = (0..4).map(|_| get(h.addr("fe"), "/").status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 2);
}

#[test]
fn retry_on_empty_response_hides_a_server_that_closes_without_answer() {
    let s1 = Origin::builder("s1").close_without_answer().start();
    let s2 = Origin::http("s2");
    let h = proxy(
        "    retries 2\n    option redispatch 1\n    retry-on empty-response\n",
        &[&s1, &s2],
    );
    for _ in 0..4 {
        assert_eq!(get(h.addr("fe"), "/").status, 200);
    }
}

#[test]
fn an_empty_response_without_retry_on_is_a_502() {
    let s1 = Origin::builder("s1").close_without_answer().start();
    let h = proxy("    retries 2\n    option redispatch\n", &[&s1]);
    assert_eq!(get(h.addr("fe"), "/").status, 502);
}

/// A request queued behind a busy server, whose client then closes its side.
fn half_closed_while_queued(option: &str) -> (Origin, usize) {
    let slow = Origin::builder("s1")
        .delay(std::time::Duration::from_millis(600))
        .start();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}    timeout queue 5s\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n{option}    server s1 {} maxconn 1\n",
        slow.addr()
    ));
    let fe = h.addr("fe");
    let first = std::thread::spawn(move || get(fe, "/").status);
    assert!(slow.wait_requests(1));
    let mut c = Client::connect(fe);
    c.send(b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    c.stream().shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(first.join().unwrap(), 200);
    let reached = if slow.wait_requests_within(2, std::time::Duration::from_millis(1500)) {
        2
    } else {
        1
    };
    (slow, reached)
}

#[test]
fn abortonclose_drops_a_queued_request_whose_client_closed() {
    let (_o, reached) = half_closed_while_queued("    option abortonclose\n");
    assert_eq!(reached, 1);
}

#[test]
fn without_abortonclose_a_half_closed_client_still_gets_its_request_served() {
    let (_o, reached) = half_closed_while_queued("");
    assert_eq!(reached, 2);
}
