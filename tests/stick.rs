//! Stick tables, black box: `http-request track-sc0` with `deny if { sc_http_req_rate(0) gt
//! 10 }` (the eleventh request of a burst is refused, per client), `deny_status 429`,
//! `sc0_inc_gpc0`/`sc0_get_gpc0` marking a client, `stick on src` and `stick on
//! req.hdr()` keeping each client on the server it got first (and not consuming a
//! roundrobin turn), `tcp-request connection track-sc0` with `reject if { sc0_conn_cur gt 1
//! }`, `stick store-response` on a server's cookie with `stick match` on the client's.
//! Every expectation was observed on the real HAProxy 2.6 and passes on both binaries
//! (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy cargo nextest run --test stick`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

const CLOSE: &str = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

/// One request from the local address `src` on a fresh connection.
fn from(h: &Haproxy, src: &str, raw: &str) -> Response {
    Client::connect_from(h.addr("fe"), src.parse().unwrap()).request(raw)
}

/// Connects from `src` and sends a request; `Ok(bytes received)` when the proxy closed
/// the connection (a reset, even during the connection's setup, counts as closed), `Err`
/// when it stayed open past the harness's bounded wait.
fn refused_from(h: &Haproxy, src: &str) -> Result<usize, String> {
    use socket2::{Domain, Socket, Type};
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::new(src.parse().unwrap(), 0);
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    sock.bind(&addr.into()).unwrap();
    if sock.connect_timeout(&h.addr("fe").into(), WAIT).is_err() {
        return Ok(0);
    }
    let mut s: std::net::TcpStream = sock.into();
    if s.set_read_timeout(Some(WAIT)).is_err() || s.write_all(CLOSE.as_bytes()).is_err() {
        return Ok(0);
    }
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => Ok(got.len()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(got.len()),
        Err(e) => Err(format!("still open: {e}")),
    }
}

/// `n` requests from `src`, each on its own connection: their statuses.
fn statuses(h: &Haproxy, src: &str, n: usize) -> Vec<u16> {
    (0..n).map(|_| from(h, src, CLOSE).status).collect()
}

/// A frontend with `lines`, whose backend `be` balances `s1` and `s2` with `be_lines`.
fn config(lines: &str, be_lines: &str, s1: &Origin, s2: &Origin) -> String {
    format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n{lines}    default_backend be\nbackend be\n    balance roundrobin\n{be_lines}    server s1 {}\n    server s2 {}\n",
        s1.addr(),
        s2.addr()
    )
}

#[test]
fn the_eleventh_request_of_a_burst_is_denied_and_other_clients_are_not() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "    stick-table type ip size 100 expire 1m store http_req_rate(1m)\n    http-request track-sc0 src\n    http-request deny if { sc_http_req_rate(0) gt 10 }\n",
        "",
        &s1,
        &s2,
    ));
    let mut want = vec![200; 10];
    want.extend([403, 403]);
    assert_eq!(statuses(&h, "127.0.0.1", 12), want);
    // Another client has its own entry.
    assert_eq!(statuses(&h, "127.0.0.2", 1), [200]);
}

#[test]
fn a_named_rate_acl_with_deny_status_429_counts_denied_requests_too() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "    stick-table type ip size 100 expire 1m store http_req_cnt\n    http-request track-sc0 src\n    acl abuse sc0_http_req_cnt gt 3\n    http-request deny deny_status 429 if abuse\n",
        "",
        &s1,
        &s2,
    ));
    // The counter keeps counting the denied requests: they stay denied.
    assert_eq!(statuses(&h, "127.0.0.3", 6), [200, 200, 200, 429, 429, 429]);
}

#[test]
fn a_general_purpose_counter_marks_a_client_for_later_requests() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "    stick-table type ip size 100 expire 1m store gpc0\n    http-request track-sc0 src\n    http-request deny if { sc0_get_gpc0 gt 0 }\n    http-request deny if { path /ban } { sc0_inc_gpc0 gt 0 }\n",
        "",
        &s1,
        &s2,
    ));
    let ban = "GET /ban HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    let seq = [
        from(&h, "127.0.0.4", CLOSE).status,
        from(&h, "127.0.0.4", ban).status,
        from(&h, "127.0.0.4", CLOSE).status,
        from(&h, "127.0.0.5", CLOSE).status,
    ];
    assert_eq!(seq, [200, 403, 403, 200]);
}

#[test]
fn stick_on_src_keeps_each_client_on_its_first_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "",
        "    stick-table type ip size 1m expire 30m\n    stick on src\n",
        &s1,
        &s2,
    ));
    let seq: Vec<String> = [
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.3",
        "127.0.0.1",
    ]
    .iter()
    .map(|src| from(&h, src, CLOSE).server())
    .collect();
    // A stuck request takes no roundrobin turn: the third client gets s1.
    assert_eq!(seq, ["s1", "s2", "s1", "s2", "s1", "s1"]);
}

#[test]
fn stick_on_a_header_keeps_each_user_on_its_first_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "",
        "    stick-table type string len 32 size 1k expire 30m\n    stick on req.hdr(x-user)\n",
        &s1,
        &s2,
    ));
    let seq: Vec<String> = ["alice", "bob", "alice", "bob", "carol", "alice"]
        .iter()
        .map(|u| {
            let raw =
                format!("GET / HTTP/1.1\r\nHost: test\r\nX-User: {u}\r\nConnection: close\r\n\r\n");
            Client::connect(h.addr("fe")).request(&raw).server()
        })
        .collect();
    assert_eq!(seq, ["s1", "s2", "s1", "s2", "s1", "s1"]);
}

#[test]
fn a_second_concurrent_connection_is_rejected_by_sc0_conn_cur() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "    stick-table type ip size 100 expire 1m store conn_cur\n    tcp-request connection track-sc0 src\n    tcp-request connection reject if { sc0_conn_cur gt 1 }\n",
        "",
        &s1,
        &s2,
    ));
    // The first connection is served (so it is tracked) and stays open.
    let mut first = Client::connect_from(h.addr("fe"), "127.0.0.6".parse().unwrap());
    assert_eq!(first.get("/").status, 200);
    assert_eq!(refused_from(&h, "127.0.0.6"), Ok(0));
    // Another client is not concerned, and the first connection still works.
    assert_eq!(from(&h, "127.0.0.7", CLOSE).status, 200);
    assert_eq!(first.get("/").status, 200);
}

#[test]
fn store_response_learns_the_servers_cookie_and_match_routes_on_it() {
    let s1 = Origin::builder("s1")
        .header("set-cookie", "sid=one; path=/")
        .start();
    let s2 = Origin::builder("s2")
        .header("set-cookie", "sid=two; path=/")
        .start();
    let h = Haproxy::start(&format!(
        "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    stick-table type string len 32 size 1k expire 1m\n    stick store-response res.cook(sid)\n    stick match req.cook(sid)\n    server s1 {}\n    server s2 {}\n",
        s1.addr(),
        s2.addr()
    ));
    // Learn both sessions.
    assert_eq!(server_sequence(h.addr("fe"), "/", 2), ["s1", "s2"]);
    let with = |sid: &str| {
        Client::connect(h.addr("fe"))
            .request(&format!(
                "GET / HTTP/1.1\r\nHost: t\r\nCookie: sid={sid}\r\nConnection: close\r\n\r\n"
            ))
            .server()
    };
    let seq: Vec<String> = ["two", "two", "one", "two", "one"]
        .iter()
        .map(|s| with(s))
        .collect();
    assert_eq!(seq, ["s2", "s2", "s1", "s2", "s1"]);
}

#[test]
fn the_sc_inc_gpc0_and_sc_set_gpt0_actions_mark_a_client() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&config(
        "    stick-table type ip size 100 expire 1m store gpc0,gpt0\n    http-request track-sc0 src\n    http-request sc-inc-gpc0(0) if { path /ban }\n    http-request sc-set-gpt0(0) 7 if { path /mark }\n    http-request deny if { sc0_get_gpc0 gt 0 }\n    http-request deny deny_status 429 if { sc0_get_gpt0 eq 7 }\n",
        "",
        &s1,
        &s2,
    ));
    let req = |p: &str| format!("GET {p} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    let seq = [
        from(&h, "127.0.0.6", &req("/")).status,
        from(&h, "127.0.0.6", &req("/ban")).status,
        from(&h, "127.0.0.6", &req("/")).status,
        from(&h, "127.0.0.7", &req("/mark")).status,
        from(&h, "127.0.0.7", &req("/")).status,
        from(&h, "127.0.0.8", &req("/")).status,
    ];
    assert_eq!(seq, [200, 403, 403, 429, 429, 200]);
}
