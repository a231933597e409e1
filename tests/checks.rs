//! Health checks, black box: `check`, `inter`, `rise`, `fall`, `option httpchk METHOD URI`,
//! TCP connect checks; a server failing its checks is announced DOWN (`Server be/s is DOWN` on
//! stderr in foreground mode) and gets no traffic; all servers down means 503. Validated against
//! the real HAProxy 2.6; later issue for our binary.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str = "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n    timeout check 1s\n";

fn backend(lines: &str, servers: &str) -> Haproxy {
    Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n{lines}{servers}"
    ))
}

const FAST: &str = "check inter 100 fall 2 rise 2";

#[test]
#[ignore = "later issue: health checks"]
fn http_checks_send_the_configured_method_and_uri() {
    let s1 = Origin::http("s1");
    let _h = backend(
        "    option httpchk GET /health\n",
        &format!("    server s1 {} {FAST}\n", s1.addr()),
    );
    assert!(s1.wait_requests(2));
    for r in s1.requests().iter().take(2) {
        assert_eq!((r.method.as_str(), r.uri.as_str()), ("GET", "/health"));
        assert_eq!(r.version, "HTTP/1.0");
    }
}

#[test]
#[ignore = "later issue: health checks"]
fn a_server_failing_http_checks_is_marked_down_and_gets_no_traffic() {
    let s1 = Origin::http("s1");
    let s2 = Origin::builder("s2").close_without_answer().start();
    let h = backend(
        "    option httpchk GET /health\n",
        &format!(
            "    server s1 {} {FAST}\n    server s2 {} {FAST}\n",
            s1.addr(),
            s2.addr()
        ),
    );
    assert!(
        h.wait_stderr("Server be/s2 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    assert!(!h.stderr().contains("Server be/s1 is DOWN"));
    assert_eq!(server_sequence(h.addr("fe"), "/", 4), ["s1"; 4]);
}

#[test]
#[ignore = "later issue: health checks"]
fn a_tcp_check_on_a_closed_port_marks_the_server_down() {
    let s1 = Origin::http("s1");
    let dead = closed_addr();
    let h = backend(
        "",
        &format!(
            "    server s1 {} {FAST}\n    server s2 {dead} {FAST}\n",
            s1.addr()
        ),
    );
    assert!(
        h.wait_stderr(
            "Server be/s2 is DOWN, reason: Layer4 connection problem",
            WAIT
        ),
        "{}",
        h.stderr()
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 3), ["s1"; 3]);
}

#[test]
#[ignore = "later issue: health checks"]
fn when_every_server_is_down_the_backend_answers_503_and_says_so() {
    let dead = closed_addr();
    let h = backend("", &format!("    server s1 {dead} {FAST}\n"));
    assert!(
        h.wait_stderr("backend 'be' has no server available!", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(get(h.addr("fe"), "/").status, 503);
}

#[test]
#[ignore = "later issue: health checks"]
fn a_backup_server_takes_over_when_the_active_one_is_down() {
    let b = Origin::http("b");
    let dead = closed_addr();
    let h = backend(
        "",
        &format!(
            "    server s1 {dead} {FAST}\n    server b {} backup\n",
            b.addr()
        ),
    );
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 2), ["b"; 2]);
}
