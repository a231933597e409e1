//! Tests of `probe.rs` over real sockets on 127.0.0.1:0. Every expected status and info is
//! what the real HAProxy 2.6.12 logged for the same server behaviour (`option
//! log-health-checks`, servers that answer, refuse, reset, close, hang or send garbage).

use super::*;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// What a test server does with its first connection.
#[derive(Clone)]
enum Server {
    /// Reads what comes, answers these bytes, closes.
    Answer(&'static [u8]),
    /// Reads, then closes without answering.
    Close,
    /// Reads, then resets.
    Reset,
    /// Reads and keeps the connection open.
    Hang,
}

/// Starts a one-connection server; the receiver gets the bytes it read first.
async fn server(b: Server) -> (SocketAddr, oneshot::Receiver<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let Ok((mut s, _)) = l.accept().await else {
            return;
        };
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(0);
        let _ = tx.send(buf[..n].to_vec());
        match b {
            Server::Answer(bytes) => {
                let _ = s.write_all(bytes).await;
            }
            Server::Close => {}
            Server::Reset => {
                let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            }
            Server::Hang => {
                let _ = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
            }
        }
    });
    (addr, rx)
}

/// A port nothing listens on.
async fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// The probe, target and bounds of server `s1` at `addr` in a backend with `lines`.
fn setup(lines: &str, addr: SocketAddr, inter_ms: u64) -> (Probe, Target, Timeouts) {
    let text = format!(
        "defaults\n mode http\n timeout connect 5s\n timeout client 5s\n timeout server 5s\nbackend be\n{lines}\n server s1 {addr} check inter {inter_ms}\n"
    );
    let l = crate::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap();
    let be = l.config.backend("be").unwrap().clone();
    let s = be.servers[0].clone();
    (
        Probe::of(&be).unwrap(),
        Target::of(&s).unwrap(),
        Timeouts::of(&be, &s),
    )
}

async fn check(lines: &str, addr: SocketAddr) -> Outcome {
    let (p, t, to) = setup(lines, addr, 5000);
    run(&p, &t, &to, RunContext::default()).await
}

fn says(o: &Outcome) -> (CheckStatus, u16, &str) {
    (o.status, o.code, o.info.as_str())
}

#[tokio::test]
async fn a_plain_check_passes_at_layer4_or_is_refused() {
    let (addr, _rx) = server(Server::Close).await;
    let o = check("", addr).await;
    assert_eq!(says(&o), (CheckStatus::L4Ok, 0, ""));
    let o = check("", closed_port().await).await;
    assert_eq!(says(&o), (CheckStatus::L4Con, 0, "Connection refused"));
    assert!(o.duration < Duration::from_secs(5));
}

#[tokio::test]
async fn http_checks_report_like_haproxy() {
    let cases: [(Server, (CheckStatus, u16, &str)); 6] = [
        (
            Server::Answer(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
            (CheckStatus::L7Ok, 200, ""),
        ),
        (
            Server::Answer(b"HTTP/1.0 503 Whatever\r\nContent-Length: 0\r\n\r\n"),
            (CheckStatus::L7Sts, 503, "Whatever"),
        ),
        (
            Server::Answer(b"HTTP/1.0 503\r\n\r\n"),
            (CheckStatus::L7Sts, 503, ""),
        ),
        (
            Server::Answer(b"garbage\r\n\r\n"),
            (CheckStatus::L7Rsp, 0, ""),
        ),
        (Server::Close, (CheckStatus::L7Rsp, 0, "")),
        (
            Server::Reset,
            (CheckStatus::SockErr, 0, "Connection reset by peer"),
        ),
    ];
    for (b, want) in cases {
        let (addr, rx) = server(b).await;
        let o = check(" option httpchk GET /index.php", addr).await;
        assert_eq!(says(&o), want);
        assert_eq!(rx.await.unwrap(), b"GET /index.php HTTP/1.0\r\n\r\n");
    }
}

#[tokio::test]
async fn a_silent_server_times_out_within_inter() {
    let (addr, _rx) = server(Server::Hang).await;
    let (p, t, to) = setup(" option httpchk", addr, 200);
    let o = run(&p, &t, &to, RunContext::default()).await;
    assert_eq!(says(&o), (CheckStatus::L7Tout, 0, ""));
    assert!(o.duration >= Duration::from_millis(150) && o.duration < Duration::from_secs(5));
}

#[tokio::test]
async fn disable_on_404_turns_a_404_into_a_conditional_pass_unless_down() {
    let lines = " option httpchk\n http-check disable-on-404";
    let answer = b"HTTP/1.0 404 Whatever\r\nContent-Length: 0\r\n\r\n";
    let (addr, _rx) = server(Server::Answer(answer)).await;
    let o = check(lines, addr).await;
    assert_eq!(says(&o), (CheckStatus::L7OkC, 404, ""));
    let (addr, _rx) = server(Server::Answer(answer)).await;
    let (p, t, to) = setup(lines, addr, 5000);
    let ctx = RunContext {
        server_down: true,
        server_state: None,
    };
    let o = run(&p, &t, &to, ctx).await;
    assert_eq!(says(&o), (CheckStatus::L7Sts, 404, "Whatever"));
}

const PING: &str = " option tcp-check\n tcp-check send PING\\r\\n\n tcp-check expect string +PONG";

#[tokio::test]
async fn tcp_check_sequences_report_their_step() {
    let cases: [(Server, (CheckStatus, u16, &str)); 5] = [
        (
            Server::Answer(b"+PONG\r\n"),
            (CheckStatus::L7Ok, 0, "(tcp-check)"),
        ),
        (
            Server::Answer(b"-ERR\r\n"),
            (
                CheckStatus::L7Rsp,
                0,
                "TCPCHK did not match content '+PONG' at step 2",
            ),
        ),
        (
            Server::Answer(b"+PO"),
            (
                CheckStatus::L7Rsp,
                0,
                "TCPCHK did not match content '+PONG' at step 2",
            ),
        ),
        (
            Server::Close,
            (
                CheckStatus::L7Rsp,
                0,
                "TCPCHK got an empty response at step 2",
            ),
        ),
        (
            Server::Reset,
            (
                CheckStatus::SockErr,
                0,
                "Connection reset by peer at step 2 of tcp-check (expect string '+PONG')",
            ),
        ),
    ];
    for (b, want) in cases {
        let (addr, rx) = server(b).await;
        let o = check(PING, addr).await;
        assert_eq!(says(&o), want);
        assert_eq!(rx.await.unwrap(), b"PING\r\n");
    }
}

#[tokio::test]
async fn a_tcp_check_timeout_names_the_step() {
    let (addr, _rx) = server(Server::Hang).await;
    let (p, t, to) = setup(PING, addr, 200);
    let o = run(&p, &t, &to, RunContext::default()).await;
    assert_eq!(
        says(&o),
        (
            CheckStatus::L7Tout,
            0,
            " at step 2 of tcp-check (expect string '+PONG')"
        )
    );
}

#[tokio::test]
async fn tcp_check_connection_failures_name_the_connect_step() {
    let dead = closed_port().await;
    let o = check(" option tcp-check", dead).await;
    assert_eq!(
        says(&o),
        (
            CheckStatus::L4Con,
            0,
            "Connection refused at initial connection step of tcp-check"
        )
    );
    let o = check(
        " option tcp-check\n tcp-check connect\n tcp-check send x",
        dead,
    )
    .await;
    assert_eq!(
        says(&o),
        (
            CheckStatus::L4Con,
            0,
            "Connection refused at step 1 of tcp-check (connect)"
        )
    );
    let (addr, _rx) = server(Server::Close).await;
    let o = check(" option tcp-check\n tcp-check connect linger", addr).await;
    assert_eq!(says(&o), (CheckStatus::L4Ok, 0, "(tcp-check)"));
}

#[tokio::test]
async fn a_binary_chain_with_comment_and_negation() {
    let lines = " option tcp-check\n tcp-check connect\n tcp-check comment hello\n tcp-check send-binary 50494e470d0a comment sendc\n tcp-check expect binary 2b504f4e47\n tcp-check expect ! rstring ^-ERR";
    let (addr, _rx) = server(Server::Answer(b"+PONG-ERR")).await;
    assert_eq!(
        says(&check(lines, addr).await),
        (CheckStatus::L7Ok, 0, "(tcp-check)")
    );
    let (addr, _rx) = server(Server::Answer(b"-ERR\r\n")).await;
    assert_eq!(
        says(&check(lines, addr).await),
        (
            CheckStatus::L7Rsp,
            0,
            "TCPCHK did not match content (binary) at step 4"
        )
    );
    let (addr, _rx) = server(Server::Hang).await;
    let (p, t, to) = setup(lines, addr, 200);
    let o = run(&p, &t, &to, RunContext::default()).await;
    assert_eq!(
        says(&o),
        (
            CheckStatus::L7Tout,
            0,
            " at step 4 of tcp-check (expect binary '+PONG')"
        )
    );
}

#[tokio::test]
async fn check_send_proxy_opens_with_a_proxy_line() {
    let (addr, rx) = server(Server::Close).await;
    let text = format!(
        "defaults\n timeout connect 5s\n timeout client 5s\n timeout server 5s\nbackend be\n server s1 {addr} check check-send-proxy\n"
    );
    let l = crate::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap();
    let be = l.config.backend("be").unwrap();
    let s = &be.servers[0];
    let (p, t, to) = (
        Probe::of(be).unwrap(),
        Target::of(s).unwrap(),
        Timeouts::of(be, s),
    );
    assert!(t.send_proxy);
    let o = run(&p, &t, &to, RunContext::default()).await;
    assert_eq!(o.status, CheckStatus::L4Ok);
    let line = String::from_utf8(rx.await.unwrap()).unwrap();
    assert!(
        line.starts_with("PROXY TCP4 127.0.0.1 127.0.0.1 "),
        "{line}"
    );
    assert!(line.ends_with(&format!(" {}\r\n", addr.port())), "{line}");
}

#[test]
fn targets_take_port_and_addr_as_haproxy() {
    let server: SocketAddr = "10.0.0.1:80".parse().unwrap();
    let t = Target {
        server,
        check_addr: None,
        check_port: Some(8080),
        send_proxy: false,
        tls: false,
    };
    let implicit = ConnectRule {
        default: true,
        implicit: true,
        ..ConnectRule::default()
    };
    assert_eq!(t.connect_addr(&implicit), "10.0.0.1:8080".parse().unwrap());
    let t = Target {
        check_addr: Some("10.0.0.2:0".parse().unwrap()),
        check_port: None,
        ..t
    };
    assert_eq!(t.connect_addr(&implicit), "10.0.0.2:80".parse().unwrap());
    let explicit = ConnectRule {
        port: Some(9000),
        ..ConnectRule::default()
    };
    assert_eq!(t.connect_addr(&explicit), "10.0.0.2:9000".parse().unwrap());
    let with_addr = ConnectRule {
        addr: Some("10.0.0.3:7000".parse().unwrap()),
        ..ConnectRule::default()
    };
    assert_eq!(t.connect_addr(&with_addr), "10.0.0.3:7000".parse().unwrap());
}

#[test]
fn timeout_check_bounds_the_connect_by_timeout_connect() {
    let now = Instant::now();
    let ms = Duration::from_millis;
    let t = Timeouts {
        inter: ms(500),
        connect: Some(ms(300)),
        check: None,
    };
    assert_eq!(t.connect_deadline(now), now + ms(500));
    let t = Timeouts {
        check: Some(ms(2000)),
        ..t
    };
    assert_eq!(t.connect_deadline(now), now + ms(300));
    let t = Timeouts {
        connect: Some(ms(900)),
        ..t
    };
    assert_eq!(t.connect_deadline(now), now + ms(500));
}
