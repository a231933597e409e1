//! HTTP mode, black box: round robin, weights, keep-alive towards servers, `option httpclose`,
//! `option http-server-close`, `option forwardfor` (`except`, `header`, `if-none`), HTTP/1.0
//! clients, the built-in error statuses (400, 408, 502, 503, 504), `errorfile`, `retries` with
//! `option redispatch`, server `maxconn` queueing with `timeout queue`. Every test passes on the
//! real HAProxy 2.6 (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy`), which makes it the specification.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;
use std::io::Write;
use std::time::Duration;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

/// A frontend `fe` on `@@fe` to backend `be` with `backend_lines` and one `server` per origin.
fn proxy(defaults_extra: &str, backend_lines: &str, servers: &[(&Origin, &str)]) -> Haproxy {
    let mut cfg = format!(
        "{DEFAULTS}{defaults_extra}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n{backend_lines}"
    );
    for (o, opts) in servers {
        cfg.push_str(&format!("    server {} {} {opts}\n", o.name(), o.addr()));
    }
    Haproxy::start(&cfg)
}

#[test]
fn round_robin_alternates_between_two_servers() {
    let s1 = Origin::http("s1");
    let s2 = Origin::http("s2");
    let h = proxy("", "    balance roundrobin\n", &[(&s1, ""), (&s2, "")]);
    let seq = server_sequence(h.addr("fe"), "/", 6);
    assert_eq!(seq, ["s1", "s2", "s1", "s2", "s1", "s2"]);
}

#[test]
fn round_robin_honours_weights_two_to_one() {
    let s1 = Origin::http("s1");
    let s2 = Origin::http("s2");
    let h = proxy(
        "",
        "    balance roundrobin\n",
        &[(&s1, "weight 2"), (&s2, "weight 1")],
    );
    let seq = server_sequence(h.addr("fe"), "/", 30);
    let t = tally(&seq);
    assert_eq!(
        (t.get("s1"), t.get("s2")),
        (Some(&20), Some(&10)),
        "{seq:?}"
    );
}

#[test]
fn the_response_body_and_headers_come_from_the_server() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    let r = get(h.addr("fe"), "/some/path?x=1");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "s1");
    assert_eq!(r.server(), "s1");
    let seen = s1.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].uri, "/some/path?x=1");
    assert_eq!(seen[0].header("host").as_deref(), Some("test"));
}

#[test]
fn keep_alive_client_requests_reuse_one_server_connection() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    let conns: Vec<String> = (0..5)
        .map(|_| {
            let r = c.get("/");
            assert_eq!(r.status, 200);
            r.header("x-conn").unwrap().to_string()
        })
        .collect();
    assert_eq!(conns, ["1"; 5]);
    assert_eq!(s1.conns(), 1);
}

#[test]
fn http_server_close_keeps_the_client_connection_but_closes_the_server_side() {
    let s1 = Origin::http("s1");
    let h = proxy("    option http-server-close\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    let conns: Vec<String> = (0..3)
        .map(|_| {
            let r = c.get("/");
            assert_eq!(r.status, 200);
            r.header("x-conn").unwrap().to_string()
        })
        .collect();
    assert_eq!(conns, ["1", "2", "3"]);
    assert_eq!(s1.conns(), 3);
}

#[test]
fn httpclose_closes_the_client_connection_after_one_response() {
    let s1 = Origin::http("s1");
    let h = proxy("    option httpclose\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    let r = c.get("/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closed_by_peer(), "the proxy kept the connection open");
    assert_eq!(
        s1.requests()[0].header("connection").as_deref(),
        Some("close")
    );
}

#[test]
fn forwardfor_adds_the_client_address_in_x_forwarded_for() {
    let s1 = Origin::http("s1");
    let h = proxy("    option forwardfor\n", "", &[(&s1, "")]);
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.header("x-echo-x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(
        s1.requests()[0].header_all("x-forwarded-for"),
        ["127.0.0.1"]
    );
}

#[test]
fn without_forwardfor_no_x_forwarded_for_is_added() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    get(h.addr("fe"), "/");
    assert!(s1.requests()[0].header("x-forwarded-for").is_none());
}

#[test]
fn forwardfor_except_skips_clients_of_the_excluded_network() {
    let s1 = Origin::http("s1");
    let h = proxy(
        "    option forwardfor except 127.0.0.0/8\n",
        "",
        &[(&s1, "")],
    );
    get(h.addr("fe"), "/");
    assert!(s1.requests()[0].header("x-forwarded-for").is_none());
}

#[test]
fn forwardfor_except_of_another_network_still_adds_the_header() {
    let s1 = Origin::http("s1");
    let h = proxy(
        "    option forwardfor except 10.0.0.0/8\n",
        "",
        &[(&s1, "")],
    );
    get(h.addr("fe"), "/");
    assert_eq!(
        s1.requests()[0].header("x-forwarded-for").as_deref(),
        Some("127.0.0.1")
    );
}

#[test]
fn forwardfor_header_renames_the_header() {
    let s1 = Origin::http("s1");
    let h = proxy(
        "    option forwardfor header X-Client-IP\n",
        "",
        &[(&s1, "")],
    );
    get(h.addr("fe"), "/");
    let seen = &s1.requests()[0];
    assert_eq!(seen.header("x-client-ip").as_deref(), Some("127.0.0.1"));
    assert!(seen.header("x-forwarded-for").is_none());
}

#[test]
fn forwardfor_appends_a_second_header_when_the_client_sent_one() {
    let s1 = Origin::http("s1");
    let h = proxy("    option forwardfor\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    c.request(
        "GET / HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 192.0.2.7\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        s1.requests()[0].header_all("x-forwarded-for"),
        ["192.0.2.7", "127.0.0.1"]
    );
}

#[test]
fn forwardfor_if_none_keeps_the_clients_header_alone() {
    let s1 = Origin::http("s1");
    let h = proxy("    option forwardfor if-none\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    c.request(
        "GET / HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 192.0.2.7\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        s1.requests()[0].header_all("x-forwarded-for"),
        ["192.0.2.7"]
    );
    // and still adds it when the client sent none
    get(h.addr("fe"), "/");
    assert_eq!(
        s1.requests()[1].header_all("x-forwarded-for"),
        ["127.0.0.1"]
    );
}

#[test]
fn an_http_1_0_client_gets_its_answer_and_the_connection_closes() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    let r = c.request("GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "s1");
    assert!(c.closed_by_peer());
}

#[test]
fn a_backend_without_servers_answers_503() {
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n"
    ));
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 503);
    assert!(
        r.text().contains("<h1>503 Service Unavailable</h1>"),
        "{}",
        r.text()
    );
}

#[test]
fn a_custom_errorfile_503_replaces_the_builtin_page() {
    let dir = TempDir::new();
    let page = dir.write(
        "503.http",
        "HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nContent-Type: text/plain\r\n\r\nsorry, custom 503 page\n",
    );
    let h = Haproxy::start(&format!(
        "{DEFAULTS}    errorfile 503 {}\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n",
        page.display()
    ));
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 503);
    assert_eq!(r.text(), "sorry, custom 503 page\n");
    assert_eq!(r.header("content-type"), Some("text/plain"));
}

#[test]
fn garbage_from_the_server_is_a_502() {
    let bad = Origin::builder("bad").garbage().start();
    let h = proxy("", "", &[(&bad, "")]);
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 502);
    assert!(
        r.text().contains("<h1>502 Bad Gateway</h1>"),
        "{}",
        r.text()
    );
}

#[test]
fn a_server_closing_without_answering_is_a_502() {
    let bad = Origin::builder("bad").close_without_answer().start();
    let h = proxy("", "", &[(&bad, "")]);
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 502);
}

#[test]
fn a_server_slower_than_timeout_server_is_a_504() {
    let slow = Origin::builder("slow")
        .delay(Duration::from_secs(5))
        .start();
    let h = proxy("    timeout server 300ms\n", "", &[(&slow, "")]);
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 504);
    assert!(
        r.text().contains("<h1>504 Gateway Time-out</h1>"),
        "{}",
        r.text()
    );
}

#[test]
fn an_incomplete_request_gets_408_after_timeout_http_request() {
    let s1 = Origin::http("s1");
    let h = proxy("    timeout http-request 300ms\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    c.send(b"GET / HTTP/1.1\r\nHost: te");
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 408);
    assert!(
        r.text().contains("<h1>408 Request Time-out</h1>"),
        "{}",
        r.text()
    );
    assert!(c.closed_by_peer());
    assert!(s1.requests().is_empty());
}

#[test]
fn without_timeout_http_request_an_incomplete_request_gets_408_after_timeout_client() {
    let s1 = Origin::http("s1");
    let h = proxy("    timeout client 300ms\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    c.send(b"GET / HTTP/1.1\r\nHost: te");
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 408);
    assert!(s1.requests().is_empty());
}

#[test]
fn a_malformed_request_is_a_400() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    for raw in [
        "GET / HTTP/1.1\r\nHost test\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: test\r\nContent-Length: abc\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\nHost: test\r\n\r\n",
    ] {
        let mut c = Client::connect(h.addr("fe"));
        let r = c.request(raw);
        assert_eq!(r.status, 400, "{raw:?}");
        assert!(
            r.text().contains("<h1>400 Bad request</h1>"),
            "{}",
            r.text()
        );
    }
    assert!(s1.requests().is_empty());
}

#[test]
fn a_closed_server_port_fails_over_to_the_other_server_with_redispatch() {
    let s2 = Origin::http("s2");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}    timeout connect 200ms\n    retries 1\n    option redispatch\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    server s1 {dead}\n    server s2 {}\n",
        s2.addr()
    ));
    let seq = server_sequence(h.addr("fe"), "/", 4);
    assert_eq!(seq, ["s2"; 4]);
}

#[test]
fn without_redispatch_a_closed_server_port_is_a_503() {
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}    timeout connect 200ms\n    retries 1\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    server s1 {dead}\n"
    ));
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 503);
}

#[test]
fn a_request_beyond_server_maxconn_waits_in_the_queue_and_is_served() {
    let slow = Origin::builder("s1")
        .delay(Duration::from_millis(500))
        .start();
    let h = proxy("    timeout queue 5s\n", "", &[(&slow, "maxconn 1")]);
    let mut a = Client::connect(h.addr("fe"));
    a.send(b"GET /a HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    assert!(slow.wait_requests(1));
    let mut b = Client::connect(h.addr("fe"));
    b.send(b"GET /b HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    assert_eq!(a.read_response().unwrap().status, 200);
    assert_eq!(b.read_response().unwrap().status, 200);
    let uris: Vec<String> = slow.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/a", "/b"]);
}

#[test]
fn a_queued_request_gets_503_after_timeout_queue() {
    let slow = Origin::builder("s1").delay(Duration::from_secs(3)).start();
    let h = proxy("    timeout queue 200ms\n", "", &[(&slow, "maxconn 1")]);
    let mut a = Client::connect(h.addr("fe"));
    a.send(b"GET /a HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    assert!(slow.wait_requests(1));
    let mut b = Client::connect(h.addr("fe"));
    b.send(b"GET /b HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    let rb = b.read_response().unwrap();
    assert_eq!(rb.status, 503);
    assert_eq!(
        slow.requests().len(),
        1,
        "the queued request reached the server"
    );
    assert_eq!(a.read_response().unwrap().status, 200);
}

#[test]
fn httpclose_also_closes_the_server_connection_after_each_request() {
    let s1 = Origin::http("s1");
    let h = proxy("    option httpclose\n", "", &[(&s1, "")]);
    for _ in 0..3 {
        assert_eq!(get(h.addr("fe"), "/").status, 200);
    }
    let conns: Vec<usize> = s1.requests().iter().map(|r| r.conn).collect();
    assert_eq!(conns, [1, 2, 3]);
}

#[test]
fn an_idle_keep_alive_client_is_closed_after_timeout_http_keep_alive() {
    let s1 = Origin::http("s1");
    let h = proxy("    timeout http-keep-alive 300ms\n", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    assert_eq!(c.get("/").status, 200);
    // No response of any kind, just a close.
    assert!(c.closed_by_peer());
    assert!(c.read_to_close().is_empty());
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    c.send(b"GET /1 HTTP/1.1\r\nHost: test\r\n\r\nGET /2 HTTP/1.1\r\nHost: test\r\n\r\nGET /3 HTTP/1.1\r\nHost: test\r\n\r\n");
    for _ in 0..3 {
        assert_eq!(c.read_response().unwrap().status, 200);
    }
    let uris: Vec<String> = s1.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/1", "/2", "/3"]);
}

#[test]
fn request_bodies_reach_the_server_with_content_length_and_chunked() {
    let s1 = Origin::http("s1");
    let h = proxy("", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    let r = c.request("POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\n\r\nhello world");
    assert_eq!(r.status, 200);
    let r = c.request(
        "POST /up HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    let seen = s1.requests();
    assert_eq!(seen[0].body, b"hello world");
    assert_eq!(seen[1].body, b"hello world");
    assert_eq!(
        seen[1].header("transfer-encoding").as_deref(),
        Some("chunked")
    );
}

#[test]
fn acl_use_backend_routes_by_path_and_falls_back_to_the_default_backend() {
    let api = Origin::http("api");
    let web = Origin::http("web");
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    acl is_api path_beg /api\n    use_backend be_api if is_api\n    default_backend be_web\nbackend be_api\n    server api {}\nbackend be_web\n    server web {}\n",
        api.addr(),
        web.addr()
    ));
    assert_eq!(get(h.addr("fe"), "/api/users").server(), "api");
    assert_eq!(get(h.addr("fe"), "/index.html").server(), "web");
    assert_eq!(get(h.addr("fe"), "/apix").server(), "api");
}

#[test]
fn a_frontend_without_any_backend_answers_503() {
    let h = Haproxy::start(&format!("{DEFAULTS}frontend fe\n    bind @@fe\n"));
    assert_eq!(get(h.addr("fe"), "/").status, 503);
}

#[test]
fn a_listen_section_proxies_like_a_frontend_and_backend_pair() {
    let s1 = Origin::http("s1");
    let s2 = Origin::http("s2");
    let h = Haproxy::start(&format!(
        "{DEFAULTS}listen web\n    bind @@fe\n    balance roundrobin\n    server s1 {}\n    server s2 {}\n",
        s1.addr(),
        s2.addr()
    ));
    assert_eq!(
        server_sequence(h.addr("fe"), "/", 4),
        ["s1", "s2", "s1", "s2"]
    );
}

#[test]
fn a_backup_server_is_used_only_when_no_active_server_is_usable() {
    let s1 = Origin::http("s1");
    let b = Origin::http("b");
    let h = proxy("", "", &[(&s1, ""), (&b, "backup")]);
    assert_eq!(server_sequence(h.addr("fe"), "/", 4), ["s1"; 4]);
    assert!(b.requests().is_empty());
}

/// `h1-case-adjust` with `option h1-case-adjust-bogus-client`: header names of responses to
/// clients, the server's and HAProxy's own (`Connection`, a `deny` page), are written as
/// mapped when their lower-case name is a `<from>`; a `<from>` with upper case never matches.
#[test]
fn h1_case_adjust_rewrites_names_sent_to_bogus_clients() {
    let s1 = Origin::http("s1");
    let cfg = format!(
        "global\n    h1-case-adjust x-server X-SERVER\n    h1-case-adjust connection Connection\n    h1-case-adjust content-type Content-Type\n    h1-case-adjust X-Conn x-CONN\n{DEFAULTS}frontend fe\n    bind @@fe\n    option h1-case-adjust-bogus-client\n    http-request deny if {{ path /d }}\n    default_backend be\nbackend be\n    server s1 {}\n",
        s1.addr()
    );
    let h = Haproxy::start(&cfg);
    let mut c = Client::connect(h.addr("fe"));
    c.send(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let raw = String::from_utf8_lossy(&c.read_to_close()).into_owned();
    assert!(raw.contains("\r\nX-SERVER: s1\r\n"), "{raw}");
    assert!(raw.contains("\r\nConnection: close\r\n"), "{raw}");
    assert!(raw.contains("\r\nx-conn: "), "{raw}");
    let mut c = Client::connect(h.addr("fe"));
    c.send(b"GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let raw = String::from_utf8_lossy(&c.read_to_close()).into_owned();
    assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");
    assert!(raw.contains("\r\nContent-Type: text/html\r\n"), "{raw}");
}

/// Pseudo-random bytes (xorshift): a lost or repeated block cannot go unnoticed.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn megabyte_bodies_arrive_byte_for_byte_and_the_connections_stay_reusable() {
    // Large Content-Length bodies are spliced by the proxy: the exact count matters, or the
    // next request on the same connections would be misread.
    let down = noise(1 << 20, 21);
    let s1 = Origin::builder("s1").body(down.clone()).start();
    let h = proxy("", "", &[(&s1, "")]);
    let mut c = Client::connect(h.addr("fe"));
    for _ in 0..2 {
        let r = c.get("/big");
        assert_eq!(r.status, 200);
        assert_eq!(r.body.len(), down.len());
        assert!(r.body == down, "response body corrupted");
    }
    let up = noise(1 << 20, 23);
    let head = format!(
        "POST /up HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n",
        up.len()
    );
    let mut w = c.stream().try_clone().unwrap();
    let sent = up.clone();
    let writer = std::thread::spawn(move || {
        w.write_all(head.as_bytes()).unwrap();
        w.write_all(&sent).unwrap();
    });
    let r = c.read_response().unwrap();
    writer.join().unwrap();
    assert_eq!(r.status, 200);
    assert!(r.body == down, "response body corrupted");
    assert_eq!(c.get("/after").status, 200);
    let seen = s1.requests();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[2].body.len(), up.len());
    assert!(seen[2].body == up, "request body corrupted");
    assert_eq!(s1.conns(), 1);
}
