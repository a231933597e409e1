//! The server model, black box: `maxqueue` on a server's own queue, `weight 0`, `disabled`,
//! `option allbackups`, `minconn`/`fullconn`. Every test passes on the real HAProxy 2.6
//! (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;
use std::time::Duration;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n    timeout queue 5s\n";

fn proxy(backend_lines: &str, servers: &[(&Origin, &str)]) -> Haproxy {
    let mut cfg = format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n{backend_lines}"
    );
    for (o, opts) in servers {
        cfg.push_str(&format!("    server {} {} {opts}\n", o.name(), o.addr()));
    }
    Haproxy::start(&cfg)
}

#[test]
fn a_hashed_request_for_a_full_server_queues_there_up_to_maxqueue() {
    let slow = Origin::builder("s1")
        .delay(Duration::from_millis(800))
        .start();
    let h = proxy("    balance source\n", &[(&slow, "maxconn 1 maxqueue 1")]);
    let fe = h.addr("fe");
    let first = std::thread::spawn(move || get(fe, "/").status);
    assert!(slow.wait_requests(1));
    let others: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || get(fe, "/").status))
        .collect();
    let mut got: Vec<u16> = others.into_iter().map(|t| t.join().unwrap()).collect();
    got.push(first.join().unwrap());
    got.sort_unstable();
    assert_eq!(got, [200, 200, 503]);
}

#[test]
fn weight_zero_and_disabled_servers_take_no_traffic() {
    let s1 = Origin::http("s1");
    let s2 = Origin::http("s2");
    let s3 = Origin::http("s3");
    let h = proxy(
        "    balance roundrobin\n",
        &[(&s1, ""), (&s2, "weight 0"), (&s3, "disabled")],
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 4), ["s1"; 4]);
}

#[test]
fn allbackups_spreads_over_every_backup_when_no_active_server_is_left() {
    let b1 = Origin::http("b1");
    let b2 = Origin::http("b2");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    option allbackups\n    server s1 {dead} check inter 100 fall 1 rise 1\n    server b1 {} backup\n    server b2 {} backup\n",
        b1.addr(),
        b2.addr()
    ));
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    let seq = server_sequence(h.addr("fe"), "/", 4);
    assert_eq!(tally(&seq).len(), 2, "{seq:?}");
}

#[test]
fn without_allbackups_only_the_first_backup_serves() {
    let b1 = Origin::http("b1");
    let b2 = Origin::http("b2");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    server s1 {dead} check inter 100 fall 1 rise 1\n    server b1 {} backup\n    server b2 {} backup\n",
        b1.addr(),
        b2.addr()
    ));
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 4), ["b1"; 4]);
}

#[test]
fn minconn_limits_a_server_while_the_backend_is_far_from_fullconn() {
    // fullconn 100, minconn 1, maxconn 50: with two streams on the backend the dynamic
    // limit is max(1, 2*50/100) = 1, so the second concurrent request waits for the first.
    let slow = Origin::builder("s1")
        .delay(Duration::from_millis(500))
        .start();
    let h = proxy("    fullconn 100\n", &[(&slow, "minconn 1 maxconn 50")]);
    let fe = h.addr("fe");
    let first = std::thread::spawn(move || get(fe, "/").status);
    assert!(slow.wait_requests(1));
    let second = std::thread::spawn(move || get(fe, "/").status);
    // While the first is served, the second is queued, not at the origin.
    assert!(!slow.wait_requests_within(2, Duration::from_millis(300)));
    assert_eq!(first.join().unwrap(), 200);
    assert_eq!(second.join().unwrap(), 200);
    assert_eq!(slow.requests().len(), 2);
}

fn keepalive_sequence(backend_lines: &str) -> Vec<String> {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = proxy(backend_lines, &[(&s1, ""), (&s2, "")]);
    let mut c = Client::connect(h.addr("fe"));
    (0..4)
        .map(|_| c.request("GET / HTTP/1.1\r\nHost: t\r\n\r\n").server())
        .collect()
}

#[test]
fn prefer_last_server_keeps_a_keepalive_connection_on_its_server() {
    let seq = keepalive_sequence(
        "    balance roundrobin\n    http-reuse never\n    option prefer-last-server\n",
    );
    assert_eq!(tally(&seq).len(), 1, "{seq:?}");
    // Server connections shared through the idle pool (http-reuse safe) are not the
    // session's: requests are balanced.
    let seq = keepalive_sequence("    balance roundrobin\n    option prefer-last-server\n");
    assert_eq!(tally(&seq).len(), 2, "{seq:?}");
    let seq = keepalive_sequence("    balance roundrobin\n    http-reuse never\n");
    assert_eq!(tally(&seq).len(), 2, "{seq:?}");
}

#[test]
fn on_marked_up_shutdown_backup_sessions_closes_the_backups_connections() {
    let echo = Origin::tcp_echo();
    let backup = Origin::tcp_echo();
    let mut health = Origin::http("health");
    let port = health.addr().port();
    health.stop();
    let h = Haproxy::start(&format!(
        "defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\nlisten li\n    bind @@li\n    server s1 {} check port {port} inter 100 fall 1 rise 1 on-marked-up shutdown-backup-sessions\n    server b1 {} backup\n",
        echo.addr(),
        backup.addr()
    ));
    assert!(
        h.wait_stderr("Server li/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    let mut c = Client::connect(h.addr("li"));
    c.send(b"ping");
    assert!(backup.wait_active(1));
    let _health = Origin::builder("health")
        .at(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .start();
    assert!(h.wait_stderr("Server li/s1 is UP", WAIT), "{}", h.stderr());
    assert!(c.closed_by_peer(), "the backup session was kept");
}

#[test]
fn slowstart_lets_a_returning_server_take_one_stream_at_first() {
    // Just back UP under `slowstart 60s`, maxconn 10 is scaled to max(1, 10 * 0%) = 1.
    let mut health = Origin::http("health");
    let port = health.addr().port();
    let slow = Origin::builder("s1")
        .delay(Duration::from_millis(500))
        .start();
    let h = proxy(
        "",
        &[(
            &slow,
            &format!("maxconn 10 slowstart 60s check port {port} inter 100 fall 1 rise 1"),
        )],
    );
    health.stop();
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    let _health = Origin::builder("health")
        .at(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .start();
    assert!(h.wait_stderr("Server be/s1 is UP", WAIT), "{}", h.stderr());
    let fe = h.addr("fe");
    let first = std::thread::spawn(move || get(fe, "/").status);
    assert!(slow.wait_requests(1));
    let second = std::thread::spawn(move || get(fe, "/").status);
    assert!(!slow.wait_requests_within(2, Duration::from_millis(300)));
    assert_eq!(first.join().unwrap(), 200);
    assert_eq!(second.join().unwrap(), 200);
}

#[test]
fn default_server_gives_every_server_its_check_settings() {
    let s1 = Origin::http("s1");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    default-server check inter 100 fall 1 rise 1 on-marked-down shutdown-sessions\n    server s1 {}\n    server s2 {dead}\n",
        s1.addr()
    ));
    assert!(
        h.wait_stderr("Server be/s2 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 3), ["s1"; 3]);
}

#[test]
fn a_server_with_ssl_refuses_to_start_rather_than_send_clear_text() {
    if under_test_is_real() {
        return; // HAProxy speaks TLS to it; we refuse until server-side TLS exists
    }
    let s1 = Origin::http("s1");
    let r = Haproxy::try_start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    server s1 {} ssl verify none\n",
        s1.addr()
    ));
    let err = r.err().expect("started with a TLS server");
    assert!(
        err.contains("with 'ssl' (TLS to servers) is not supported yet"),
        "{err}"
    );
}
