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

/// `Server be/s2 is DOWN, reason: ..., check duration: 3ms.` with the duration zeroed, and
/// the pid of `[WARNING]  (pid)` removed, so both binaries' lines compare.
fn events(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(" is DOWN")
                || l.contains(" is UP")
                || l.contains("has no server")
                || l.contains("Health check for")
        })
        .map(|l| {
            let l = l.split_once(") : ").map_or(l, |(_, r)| r);
            match l.split_once("check duration: ") {
                Some((a, b)) => {
                    let rest = b.split_once("ms").map_or("", |(_, r)| r);
                    format!("{a}check duration: Nms{rest}")
                }
                None => l.to_string(),
            }
        })
        .collect()
}

#[test]
fn a_server_stopped_mid_run_goes_down_after_fall_and_comes_back_after_rise() {
    let s1 = Origin::http("s1");
    let mut s2 = Origin::http("s2");
    let a2 = s2.addr();
    let h = backend(
        "",
        &format!(
            "    server s1 {} {FAST}\n    server s2 {a2} {FAST}\n",
            s1.addr()
        ),
    );
    assert_eq!(tally(&server_sequence(h.addr("fe"), "/", 4)).len(), 2);
    s2.stop();
    assert!(
        h.wait_stderr("Server be/s2 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 4), ["s1"; 4]);
    let _s2 = Origin::builder("s2").at(a2).start();
    assert!(h.wait_stderr("Server be/s2 is UP", WAIT), "{}", h.stderr());
    assert_eq!(tally(&server_sequence(h.addr("fe"), "/", 4)).len(), 2);
    let ev = events(&h.stderr());
    assert_eq!(
        ev,
        [
            "Server be/s2 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: Nms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            "Server be/s2 is UP, reason: Layer4 check passed, check duration: Nms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
        ]
    );
}

#[test]
fn a_load_of_requests_during_a_flap_loses_none() {
    let s1 = Origin::http("s1");
    let mut s2 = Origin::http("s2");
    let a2 = s2.addr();
    // A request in flight on s2 when it is killed is lost by any proxy unless it is
    // replayed: retry-on covers that instant, the checks and redispatch the rest.
    let h = backend(
        "    retries 3\n    option redispatch\n    retry-on all-retryable-errors\n",
        &format!(
            "    server s1 {} {FAST}\n    server s2 {a2} {FAST}\n",
            s1.addr()
        ),
    );
    let fe = h.addr("fe");
    let load = std::thread::spawn(move || {
        let mut bad = Vec::new();
        for i in 0..600 {
            let r = Client::connect(fe)
                .request("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            if r.status != 200 {
                bad.push((i, r.status));
            }
        }
        bad
    });
    s2.stop();
    assert!(
        h.wait_stderr("Server be/s2 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    let _s2 = Origin::builder("s2").at(a2).start();
    assert!(h.wait_stderr("Server be/s2 is UP", WAIT), "{}", h.stderr());
    let bad = load.join().unwrap();
    assert!(bad.is_empty(), "lost: {bad:?}");
}

#[test]
fn log_health_checks_reports_each_check_that_moves_the_counter() {
    let dead = closed_addr();
    let h = backend(
        "    option log-health-checks\n",
        &format!("    server s1 {dead} {FAST}\n"),
    );
    assert!(
        h.wait_stderr("backend 'be' has no server available!", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(
        events(&h.stderr()),
        [
            "Health check for server be/s1 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: Nms, status: 0/2 DOWN.",
            "Server be/s1 is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            "backend 'be' has no server available!",
        ]
    );
}

#[test]
fn a_tracking_server_follows_the_server_it_tracks() {
    let dead = closed_addr();
    let s = Origin::http("other");
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be2\nbackend be\n    server s1 {dead} {FAST}\nbackend be2\n    server t1 {} track be/s1\n    server t2 {}\n",
        s.addr(),
        s.addr()
    ));
    assert!(
        h.wait_stderr("Server be2/t1 is DOWN via be/s1.", WAIT),
        "{}",
        h.stderr()
    );
    assert!(h.stderr().contains(
        "Server be2/t1 is DOWN via be/s1. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    ));
}

#[test]
fn on_marked_down_shutdown_sessions_closes_the_servers_connections() {
    let echo = Origin::tcp_echo();
    let mut health = Origin::http("health");
    let h = Haproxy::start(&format!(
        "{DEFAULTS}listen li\n    mode tcp\n    bind @@li\n    server s1 {} check port {} inter 100 fall 1 rise 1 on-marked-down shutdown-sessions\n",
        echo.addr(),
        health.addr().port()
    ));
    let mut c = Client::connect(h.addr("li"));
    c.send(b"ping");
    assert!(echo.wait_active(1));
    health.stop();
    assert!(
        h.wait_stderr("Server li/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    assert!(c.closed_by_peer(), "the proxy kept the session open");
}

// ---------------------------------------------------------------------------------------------
// Differential facts about the real HAProxy 2.6: the bytes of its HTTP check requests and the
// messages of `haproxy -c` about check keywords, compared with our `check` and `config` rooms.
// Skipped (with a message) when /usr/sbin/haproxy is absent.

use haproxy::check::request::{self, ServerStateView};
use haproxy::check::state::{CheckState, OpState};
use haproxy::config::model::RuleAction;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Instant;

/// Reads one HTTP request (head, then `content-length` bytes) within `WAIT`.
fn read_request(s: &mut std::net::TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(WAIT)).unwrap();
    let deadline = Instant::now() + WAIT;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + len {
                break;
            }
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    data
}

/// The first check request the real HAProxy sends for backend lines `body`, where `{PORT}`
/// stands for the port of the server (opened here).
fn real_check_request(body: &str) -> (Vec<u8>, std::net::SocketAddr) {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let body = body.replace("{PORT}", &addr.port().to_string());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = server.accept() {
            let req = read_request(&mut s);
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
            let _ = tx.send(req);
        }
    });
    let _h = RealHaproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n{body}    server s1 {addr} check inter 1000\n"
    ));
    let req = rx
        .recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("no check request from the real haproxy for:\n{body}"));
    (req, addr)
}

/// What our check room sends for the same lines.
fn our_check_request(body: &str, addr: std::net::SocketAddr) -> Vec<u8> {
    let body = body.replace("{PORT}", &addr.port().to_string());
    let text = format!("{DEFAULTS}backend be\n{body}    server s1 {addr} check inter 1000\n");
    let loaded = haproxy::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap();
    let be = loaded.config.backend("be").unwrap();
    let spec = &be.checks.spec;
    let req = spec
        .rules
        .iter()
        .find_map(|r| match &r.action {
            RuleAction::SendHttp(h) => Some(h),
            _ => None,
        })
        .unwrap();
    let node = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let check = CheckState::new(2, 3);
    let state = spec.send_state.then(|| {
        request::server_state(&ServerStateView {
            op: OpState::Running,
            check: Some(&check),
            addr: Some((addr.ip(), addr.port())),
            backend: "be",
            server: "s1",
            node: node.trim(),
            weight: 1,
            total_weight: 1,
            cur_sess: 0,
            backend_sessions: 0,
            queue: 0,
        })
    });
    request::build(req, be.options.http_conn_mode, state.as_deref())
}

#[test]
fn http_check_requests_are_byte_for_byte_those_of_haproxy() {
    if !RealHaproxy::available() {
        return;
    }
    let cases = [
        "    option httpchk\n",
        "    option httpchk GET /index.php\n",
        "    option httpchk GET /index.php HTTP/1.1\n",
        "    option httpchk GET /index.php HTTP/1.1\n    http-check send hdr Host www.example.com\n",
        "    option httpchk\n    http-check send hdr Host www.example.com\n",
        "    option httpchk\n    http-check send meth POST uri /p ver HTTP/1.1 hdr Host h body \"hello world\"\n",
        "    option httpchk\n    http-check send-state\n",
        "    option httpchk HEAD / HTTP/1.1\\r\\nHost:\\ www.y\\r\\nX-A:\\ b\n",
        "    option httpchk\n    http-check send meth PUT ver HTTP/1.0 hdr Connection keep-alive hdr X-B 100%%\n",
        "    option httpchk\n    http-check send ver HTTP/1.1 hdr Connection \"foo, keep-alive\"\n",
        "    option httpchk\n    http-check send meth GET uri http://x.y:8080/p ver HTTP/1.1 hdr Host a.b\n",
        "    http-check send hdr X-Lost 1\n    option httpchk GET /after\n",
        "    option httpchk GET /x\n    http-check connect port {PORT}\n",
        "    option httpchk\n    option httpclose\n    http-check send hdr Connection foo\n",
    ];
    for body in cases {
        let (real, addr) = real_check_request(body);
        let ours = our_check_request(body, addr);
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&real),
            "for:\n{body}"
        );
    }
}

/// `haproxy -c` on a backend with `body`: exit code, ALERT and WARNING lines.
fn verdict(bin: &std::path::Path, body: &str) -> (i32, Vec<String>) {
    let cfg = format!("{DEFAULTS}backend be\n{body}\n");
    let (code, err) = Haproxy::check_bin(bin, &cfg);
    let mut lines = level_lines(&err, "[ALERT]", None);
    lines.extend(level_lines(&err, "[WARNING]", None));
    let lines = lines
        .into_iter()
        .map(|l| {
            // The temporary directories differ.
            match (l.find("/tmp/"), l.find("haproxy.cfg")) {
                (Some(a), Some(b)) if a < b => format!("{}{{file}}{}", &l[..a], &l[b + 11..]),
                _ => l,
            }
        })
        .collect();
    (code, lines)
}

#[test]
fn check_keywords_get_the_messages_of_haproxy() {
    if !RealHaproxy::available() {
        return;
    }
    let cases = [
        " http-check foo",
        " http-check expect",
        " http-check expect ! foo",
        " http-check expect status 200 string x",
        " http-check expect status 2x0",
        " http-check expect rstatus ^2 min-recv -2",
        " http-check expect hdr name -m foo x",
        " http-check expect hdr name x value -m zz y",
        " http-check expect status 200 ok-status L7X",
        " http-check expect comment x",
        " http-check send hdr host a hdr Host b",
        " http-check connect port 0",
        " http-check connect addr foo.invalid.",
        " http-check disable-on-404 x",
        " tcp-check send-binary 4x",
        " tcp-check expect status 200",
        " tcp-check connect proto h1",
        " option httpchk GET / HTTP/1.0 extra",
        " option httpchk\n http-check send meth GET\n http-check send meth HEAD",
        " option httpchk\n http-check connect\n http-check expect status 200",
        " option tcp-check\n tcp-check send x\n tcp-check connect",
        " option tcp-check\n http-check disable-on-404\n http-check send-state",
        " option httpchk\n tcp-check send x",
        " http-check expect status 200",
        " server s1 127.0.0.1 check",
        " option httpchk\n http-check connect port 80\n server s1 127.0.0.1 check",
        " option tcp-check\n tcp-check connect port 80\n tcp-check connect\n server s1 127.0.0.1 check",
        " option tcp-check\n tcp-check connect port 80\n server s1 127.0.0.1 check",
        " option ssl-hello-chk x",
        " option redis-check",
    ];
    let mut failures = Vec::new();
    for body in cases {
        let real = verdict(std::path::Path::new(REAL_HAPROXY), body);
        let ours = verdict(&binary_under_test(), body);
        if real != ours {
            failures.push(format!("{body}\n real: {real:?}\n ours: {ours:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `check duration: 12ms` -> `check duration: Nms`, for lines whose timing varies.
fn without_duration(line: &str) -> String {
    match line.find("check duration: ") {
        Some(i) => {
            let rest = &line[i + 16..];
            let end = rest.find("ms").unwrap_or(0);
            format!("{}check duration: Nms{}", &line[..i], &rest[end + 2..])
        }
        None => line.to_string(),
    }
}

#[test]
fn down_lines_are_those_of_haproxy() {
    use haproxy::check::event::{self, Change, CheckReport, Counts};
    use haproxy::config::model::CheckStatus;
    if !RealHaproxy::available() {
        return;
    }
    let dead = closed_addr();
    let h = RealHaproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    server s1 {dead} check inter 100\n"
    ));
    assert!(
        h.wait_stderr("has no server available!", WAIT),
        "{}",
        h.stderr()
    );
    let report = CheckReport {
        status: CheckStatus::L4Con,
        code: 0,
        info: "Connection refused",
        duration: std::time::Duration::ZERO,
    };
    let want = [
        without_duration(&event::server_change(
            "be",
            "s1",
            false,
            Change::Down,
            Some(&report),
            &Counts::default(),
        )),
        event::no_server_available("backend", "be"),
    ];
    let mut real = level_lines(&h.stderr(), "[WARNING]", None);
    real.extend(level_lines(&h.stderr(), "[ALERT]", None));
    let real: Vec<String> = real.iter().map(|l| without_duration(l)).collect();
    assert_eq!(real, want);

    // With option log-health-checks: the check line, then the change without reason.
    let h = RealHaproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    option log-health-checks\n    server s1 {dead} check inter 100\n"
    ));
    assert!(
        h.wait_stderr("has no server available!", WAIT),
        "{}",
        h.stderr()
    );
    let mut state = haproxy::check::state::CheckState::new(2, 3);
    state.apply(CheckStatus::L4Con, OpState::Running);
    let want = [
        without_duration(&event::health_check(
            "be", "s1", false, &report, &state, false,
        )),
        event::server_change("be", "s1", false, Change::Down, None, &Counts::default()),
    ];
    let real: Vec<String> = level_lines(&h.stderr(), "[WARNING]", None)
        .iter()
        .map(|l| without_duration(l))
        .collect();
    assert_eq!(real, want);
}

#[test]
fn observe_layer4_with_on_error_mark_down_takes_a_failing_server_down() {
    let health = Origin::http("health");
    let s2 = Origin::http("s2");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}    retries 0\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    server s1 {dead} check port {} inter 2s observe layer4 error-limit 1 on-error mark-down\n    server s2 {}\n",
        health.addr().port(),
        s2.addr()
    ));
    // Both servers pass their checks; the first request goes to s1 and fails to connect.
    assert_eq!(get(h.addr("fe"), "/").status, 503);
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    // HAProxy counts the failing stream itself among the server's sessions (it applies
    // on-error inside that stream); ours does it in the check task, just after.
    let ev: Vec<String> = events(&h.stderr())
        .iter()
        .map(|l| l.replace("1 sessions active", "0 sessions active"))
        .collect();
    assert_eq!(
        ev,
        ["Server be/s1 is DOWN, reason: Health analyze, info: \"Detected 1 consecutive errors, last one was: L4 unsuccessful connection\". 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."]
    );
    assert_eq!(server_sequence(h.addr("fe"), "/", 3), ["s2"; 3]);
}

#[test]
fn agent_checks_load_with_a_warning_that_they_are_not_active() {
    if under_test_is_real() {
        return; // our own warning
    }
    let s1 = Origin::http("s1");
    let h = backend(
        "",
        &format!(
            "    server s1 {} check inter 100 agent-check agent-port 1\n",
            s1.addr()
        ),
    );
    assert!(
        h.wait_stderr("server option 'agent-check' is not active yet", WAIT),
        "{}",
        h.stderr()
    );
    assert_eq!(get(h.addr("fe"), "/").status, 200);
}

#[test]
fn check_send_proxy_opens_checks_with_a_proxy_line() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut c, _)) = l.accept() {
            c.set_read_timeout(Some(WAIT)).unwrap();
            let mut buf = [0u8; 6];
            let got = c.read_exact(&mut buf).map(|()| buf.to_vec());
            let _ = tx.send(got.unwrap_or_default());
        }
    });
    let _h = backend(
        "",
        &format!("    server s1 {addr} check check-send-proxy inter 100\n"),
    );
    let first = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(first, b"PROXY ");
}
