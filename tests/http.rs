//! HTTP mode, black box: round robin, weights, keep-alive towards servers, httpclose,
//! http-server-close, forwardfor, HTTP/1.0, error statuses (400/408/502/503/504), errorfile,
//! retries/redispatch, server maxconn queueing. Every test passes on the real HAProxy 2.6
//! (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy`), which makes it the specification for ours.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str = "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

#[test]
fn round_robin_alternates_between_two_servers() {
    let s1 = Origin::http("s1");
    let s2 = Origin::http("s2");
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    server s1 {}\n    server s2 {}\n",
        s1.addr(),
        s2.addr()
    ));
    let seq = server_sequence(h.addr("fe"), "/", 6);
    assert_eq!(seq, ["s1", "s2", "s1", "s2", "s1", "s2"]);
}
