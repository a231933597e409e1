//! End-to-end tests of `mode http` over real sockets on 127.0.0.1.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::timeout;

use crate::config::model::{
    AclRef, Cond, CondTerm, ErrorFile, ForwardFor, HttpAction, HttpConnMode, HttpRule, Loc, Mode,
    Proxy, ProxyKind, ReturnBody, UseBackend,
};
use crate::proxy::testutil::*;

fn lf(text: &str) -> crate::config::model::LogFormat {
    crate::config::kw::sample::logformat::parse_log_format(text).unwrap()
}

fn rule(action: HttpAction, cond: Option<Cond>) -> HttpRule {
    HttpRule {
        loc: Loc::new("t.cfg", 3),
        action,
        cond,
    }
}

fn if_named(name: &str, negate: bool) -> Option<Cond> {
    Some(Cond {
        unless: false,
        any_of: vec![vec![CondTerm {
            negate,
            acl: AclRef::Named(name.into()),
        }]],
    })
}

fn ret(text: &str) -> HttpAction {
    HttpAction::Return {
        status: 200,
        content_type: Some("text/plain".into()),
        body: ReturnBody::Bytes(text.as_bytes().to_vec()),
        headers: Vec::new(),
    }
}

#[tokio::test]
async fn a_get_goes_through_and_keep_alive_reuses_one_server_connection() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let (_p, addr) = run(vec![listen("l", Mode::Http, &[o.addr])], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    for _ in 0..3 {
        let r = get(&mut c, &mut buf, "/x").await;
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with("s1\nGET /x HTTP/1.1\r\n"), "{}", r.body);
    }
    assert_eq!(o.reqs.load(Ordering::SeqCst), 3);
    assert_eq!(o.conns.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_http_1_0_client_gets_an_answer_and_a_close() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let (_p, addr) = run(vec![listen("l", Mode::Http, &[o.addr])], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let r = read_resp(&mut c, &mut buf).await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("s1\n"));
    assert!(closed(&mut c).await);
}

#[tokio::test]
async fn http_server_close_opens_one_server_connection_per_request() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.options.http_conn_mode = HttpConnMode::ServerClose;
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    for _ in 0..2 {
        let r = get(&mut c, &mut buf, "/").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("connection: close") || r.body.contains("Connection: close"));
    }
    assert_eq!(o.conns.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn httpclose_closes_the_client_connection_after_the_response() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.options.http_conn_mode = HttpConnMode::Close;
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 200);
    assert!(r.head.contains("connection: close"));
    assert!(closed(&mut c).await);
}

#[tokio::test]
async fn forwardfor_adds_the_client_address_unless_if_none_finds_one() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.forwardfor = Some(ForwardFor {
        except: None,
        header: "X-Forwarded-For".into(),
        if_none: true,
    });
    p.options.originalto = Some(ForwardFor {
        except: None,
        header: "X-Original-To".into(),
        if_none: false,
    });
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert!(r
        .body
        .to_ascii_lowercase()
        .contains("x-original-to: 127.0.0.1\r\n"));
    assert!(
        r.body
            .to_ascii_lowercase()
            .contains("x-forwarded-for: 127.0.0.1\r\n"),
        "{}",
        r.body
    );
    c.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n")
        .await
        .unwrap();
    let r = read_resp(&mut c, &mut buf).await;
    let lower = r.body.to_ascii_lowercase();
    assert!(lower.contains("x-forwarded-for: 1.2.3.4\r\n"));
    assert!(!lower.contains("x-forwarded-for: 127.0.0.1"));
}

#[tokio::test]
async fn all_servers_refusing_gives_503_with_the_builtin_page() {
    let dead = refused_addr().await;
    let mut p = listen("l", Mode::Http, &[dead]);
    p.retries = 1;
    p.timeouts.connect = Some(Duration::from_millis(20));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 503);
    assert!(r.body.contains("<h1>503 Service Unavailable</h1>"));
}

#[tokio::test]
async fn a_configured_errorfile_replaces_the_503_page() {
    let mut p = listen("l", Mode::Http, &[]);
    p.errorfiles.push(ErrorFile {
        status: 503,
        path: "503.http".into(),
        content: b"HTTP/1.1 503 Busy\r\nContent-Type: text/plain\r\n\r\ncome back later\n".to_vec(),
    });
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 503);
    assert!(r.head.starts_with("http/1.1 503 busy\r\n"), "{}", r.head);
    assert_eq!(r.body, "come back later\n");
}

#[tokio::test]
async fn garbage_from_the_server_gives_502() {
    let o = Origin::start(Behaviour::Garbage).await;
    let (_p, addr) = run(vec![listen("l", Mode::Http, &[o.addr])], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 502);
    assert!(r.body.contains("502 Bad Gateway"));
}

#[tokio::test]
async fn a_silent_server_gives_504_after_timeout_server() {
    let o = Origin::start(Behaviour::Silent).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.timeouts.server = Some(Duration::from_millis(100));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 504);
}

#[tokio::test]
async fn a_slow_client_gets_408_after_timeout_http_request() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.timeouts.http_request = Some(Duration::from_millis(100));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let r = read_resp(&mut c, &mut buf).await;
    assert_eq!(r.status, 408);
    assert_eq!(o.reqs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_garbage_request_gets_400() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let (_p, addr) = run(vec![listen("l", Mode::Http, &[o.addr])], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"\x01\x02 nonsense\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let r = read_resp(&mut c, &mut buf).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("400 Bad request"));
    assert_eq!(o.conns.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_second_request_queues_until_the_full_server_frees_its_slot() {
    let notify = Arc::new(Notify::new());
    let o = Origin::start(Behaviour::Hold("s1", Arc::clone(&notify))).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.servers[0].params.maxconn = 1;
    p.timeouts.queue = Some(Duration::from_secs(5));
    let (started, addr) = run(vec![p], "l").await;
    let be = Arc::clone(started.backends.get("l").unwrap());
    let first = tokio::spawn(async move {
        let mut c = TcpStream::connect(addr).await.unwrap();
        get(&mut c, &mut Vec::new(), "/1").await
    });
    timeout(T, async {
        while o.reqs.load(Ordering::SeqCst) < 1 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    let second = tokio::spawn(async move {
        let mut c = TcpStream::connect(addr).await.unwrap();
        get(&mut c, &mut Vec::new(), "/2").await
    });
    timeout(T, async {
        while be.queued() < 1 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    assert_eq!(o.reqs.load(Ordering::SeqCst), 1);
    notify.notify_one();
    let r1 = timeout(T, first).await.unwrap().unwrap();
    assert!(r1.body.contains("GET /1 "));
    timeout(T, async {
        while o.reqs.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    notify.notify_one();
    let r2 = timeout(T, second).await.unwrap().unwrap();
    assert_eq!(r2.status, 200);
    assert!(r2.body.contains("GET /2 "));
}

#[tokio::test]
async fn retries_with_redispatch_reach_the_good_server() {
    let dead = refused_addr().await;
    let o = Origin::start(Behaviour::Echo("good")).await;
    let mut p = listen("l", Mode::Http, &[dead, o.addr]);
    p.retries = 2;
    p.options.redispatch = true;
    p.timeouts.connect = Some(Duration::from_millis(20));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    // Round robin starts on the dead server: the last retry goes to the good one.
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("good\n"));
}

#[tokio::test]
async fn the_demo_layout_round_robins_over_two_listen_sections_that_return() {
    let mut s1 = listen("s1", Mode::Http, &[]);
    s1.http_request
        .push(rule(ret("server 1"), if_named("TRUE", false)));
    let mut s2 = listen("s2", Mode::Http, &[]);
    s2.http_request.push(rule(ret("server 2"), None));
    let cfg = crate::config::model::Config {
        proxies: vec![s1, s2],
        ..Default::default()
    };
    let st = crate::proxy::listener::start(&cfg).await.unwrap();
    let a1 = match st.addr("s1").unwrap() {
        crate::proxy::listener::BoundAddr::Inet(a) => *a,
        _ => unreachable!(),
    };
    let a2 = match st.addr("s2").unwrap() {
        crate::proxy::listener::BoundAddr::Inet(a) => *a,
        _ => unreachable!(),
    };
    let mut fe = Proxy::new("fe", ProxyKind::Frontend, Loc::new("t.cfg", 1));
    fe.mode = Mode::Http;
    fe.binds.push(bind_any());
    fe.default_backend = Some("be".into());
    let mut be = listen("be", Mode::Http, &[a1, a2]);
    be.kind = ProxyKind::Backend;
    be.cap = ProxyKind::Backend.cap();
    be.binds.clear();
    let (_p, addr) = run(vec![fe, be], "fe").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let r = get(&mut c, &mut buf, "/").await;
        assert_eq!(r.status, 200);
        assert!(r.head.contains("content-type: text/plain"));
        seen.push(r.body);
    }
    assert_eq!(seen, ["server 1", "server 2", "server 1", "server 2"]);
}

#[tokio::test]
async fn deny_answers_403_and_use_backend_follows_its_condition() {
    let o = Origin::start(Behaviour::Echo("api")).await;
    let mut fe = Proxy::new("fe", ProxyKind::Frontend, Loc::new("t.cfg", 1));
    fe.mode = Mode::Http;
    fe.binds.push(bind_any());
    fe.acls.push(crate::config::model::Acl {
        loc: Loc::new("t.cfg", 2),
        name: "is_api".into(),
        criterion: "path_beg".into(),
        args: vec!["/api".into()],
        expr: crate::config::kw::acl::typed("path_beg", &["/api".into()]).unwrap(),
    });
    fe.acls.push(crate::config::model::Acl {
        loc: Loc::new("t.cfg", 2),
        name: "is_admin".into(),
        criterion: "path_beg".into(),
        args: vec!["/admin".into()],
        expr: crate::config::kw::acl::typed("path_beg", &["/admin".into()]).unwrap(),
    });
    fe.http_request.push(rule(
        HttpAction::Deny {
            status: 403,
            reply: None,
        },
        if_named("is_admin", false),
    ));
    fe.http_request.push(rule(
        HttpAction::SetHeader {
            name: "X-Seen".into(),
            value: lf("yes"),
        },
        None,
    ));
    fe.use_backends.push(UseBackend {
        loc: Loc::new("t.cfg", 3),
        backend: "api".into(),
        cond: if_named("is_api", false),
    });
    let mut api = listen("api", Mode::Http, &[o.addr]);
    api.kind = ProxyKind::Backend;
    api.cap = ProxyKind::Backend.cap();
    api.binds.clear();
    let (_p, addr) = run(vec![fe, api], "fe").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/api/x").await;
    assert_eq!(r.status, 200);
    assert!(r.body.to_ascii_lowercase().contains("x-seen: yes"));
    let r = get(&mut c, &mut buf, "/other").await;
    assert_eq!(r.status, 503, "no default_backend");
    let mut c = TcpStream::connect(addr).await.unwrap();
    let r = get(&mut c, &mut buf, "/admin").await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn an_upgrade_request_becomes_a_tunnel_after_101() {
    use tokio::io::AsyncReadExt;
    let o = Origin::start(Behaviour::Upgrade).await;
    let (_p, addr) = run(vec![listen("l", Mode::Http, &[o.addr])], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let head = timeout(T, read_head(&mut c, &mut buf))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(head.to_ascii_lowercase().contains("upgrade: echo"));
    c.write_all(b"frame").await.unwrap();
    let mut five = [0u8; 5];
    timeout(T, c.read_exact(&mut five)).await.unwrap().unwrap();
    assert_eq!(&five, b"frame");
}

#[tokio::test]
async fn a_server_stalling_mid_body_is_cut_after_timeout_server() {
    use tokio::io::AsyncReadExt;
    let o = Origin::start(Behaviour::Stall).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.timeouts.server = Some(Duration::from_millis(100));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut all = Vec::new();
    timeout(T, c.read_to_end(&mut all)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nab"), "{text}");
}

#[tokio::test]
async fn a_client_stalling_mid_body_is_cut_after_timeout_client() {
    use tokio::io::AsyncReadExt;
    let o = Origin::start(Behaviour::Silent).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.timeouts.client = Some(Duration::from_millis(100));
    p.timeouts.server = Some(Duration::from_secs(60));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        .await
        .unwrap();
    let mut all = Vec::new();
    // The proxy ends the connection long before `timeout server` (60s) or our bound (5s).
    let _ = timeout(T, c.read_to_end(&mut all))
        .await
        .expect("connection still open");
    assert!(!String::from_utf8_lossy(&all).contains(" 200 "));
}

#[tokio::test]
async fn http_response_rules_edit_server_headers_and_monitor_uri_answers_200() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.monitor_uri = Some("/health".into());
    p.http_response.push(rule(
        HttpAction::SetHeader {
            name: "X-Via".into(),
            value: lf("proxy"),
        },
        None,
    ));
    p.http_response.push(rule(
        HttpAction::DelHeader {
            name: "Content-Type".into(),
        },
        None,
    ));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 200);
    assert!(r.head.contains("x-via: proxy\r\n"), "{}", r.head);
    let r = get(&mut c, &mut buf, "/health").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<h1>200 OK</h1>"));
    assert_eq!(o.reqs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_still_gets_the_response() {
    use tokio::io::AsyncReadExt;
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let (_p, addr) = run(vec![listen("l", Mode::Http, &[o.addr])], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /hc HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    c.shutdown().await.unwrap();
    let mut all = Vec::new();
    timeout(T, c.read_to_end(&mut all)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("GET /hc HTTP/1.1"), "{text}");
}

#[tokio::test]
async fn set_header_values_expand_samples_and_redirect_scheme_builds_the_location() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.acls.push(crate::config::model::Acl {
        loc: Loc::new("t.cfg", 2),
        name: "old".into(),
        criterion: "path_beg".into(),
        args: vec!["/old".into()],
        expr: crate::config::kw::acl::typed("path_beg", &["/old".into()]).unwrap(),
    });
    p.http_request.push(rule(
        HttpAction::Redirect {
            args: vec!["scheme".into(), "https".into(), "code".into(), "301".into()],
            target: lf("https"),
        },
        if_named("old", false),
    ));
    p.http_request.push(rule(
        HttpAction::SetHeader {
            name: "X-Real-IP".into(),
            value: lf("%[src]"),
        },
        None,
    ));
    p.http_request.push(rule(
        HttpAction::AddHeader {
            name: "X-Host".into(),
            value: lf("%[req.hdr(host),upper]"),
        },
        None,
    ));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/x").await;
    let lower = r.body.to_ascii_lowercase();
    assert!(lower.contains("x-real-ip: 127.0.0.1\r\n"), "{}", r.body);
    assert!(
        lower.contains("x-host: test\r\n") && r.body.contains("TEST"),
        "{}",
        r.body
    );
    let r = get(&mut c, &mut buf, "/old?q=1").await;
    assert_eq!(r.status, 301);
    assert!(
        r.head.contains("location: https://test/old?q=1\r\n"),
        "{}",
        r.head
    );
}

#[tokio::test]
async fn http_reuse_safe_gives_a_new_client_its_own_server_connection_and_always_shares() {
    use crate::config::model::HttpReuse;
    for (reuse, expected) in [(HttpReuse::Safe, 2), (HttpReuse::Always, 1)] {
        let o = Origin::start(Behaviour::Echo("s1")).await;
        let mut p = listen("l", Mode::Http, &[o.addr]);
        p.http_reuse = reuse;
        let (_p, addr) = run(vec![p], "l").await;
        for _ in 0..2 {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let r = get(&mut c, &mut Vec::new(), "/").await;
            assert_eq!(r.status, 200);
        }
        assert_eq!(o.conns.load(Ordering::SeqCst), expected, "{reuse:?}");
    }
}

#[tokio::test]
async fn http_reuse_never_keeps_one_private_server_connection_per_client() {
    use crate::config::model::HttpReuse;
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.http_reuse = HttpReuse::Never;
    let (_p, addr) = run(vec![p], "l").await;
    // Two clients, three requests each: one server connection per client, kept between
    // its requests and never lent to the other (HAProxy attaches it to the session).
    let mut a = TcpStream::connect(addr).await.unwrap();
    let mut b = TcpStream::connect(addr).await.unwrap();
    for _ in 0..3 {
        for c in [&mut a, &mut b] {
            let r = get(c, &mut Vec::new(), "/").await;
            assert_eq!(r.status, 200);
        }
    }
    assert_eq!(o.reqs.load(Ordering::SeqCst), 6);
    assert_eq!(o.conns.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_upgraded_connection_idles_up_to_timeout_tunnel_not_timeout_client() {
    use tokio::io::AsyncReadExt;
    let o = Origin::start(Behaviour::Upgrade).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.timeouts.client = Some(Duration::from_millis(100));
    p.timeouts.server = Some(Duration::from_millis(100));
    p.timeouts.tunnel = Some(Duration::from_secs(30));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let head = timeout(T, read_head(&mut c, &mut buf))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    // The idle period under test: three times `timeout client`.
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.write_all(b"late").await.unwrap();
    let mut four = [0u8; 4];
    timeout(T, c.read_exact(&mut four)).await.unwrap().unwrap();
    assert_eq!(&four, b"late");
}

#[tokio::test]
async fn the_log_hook_sees_each_request_with_names_status_and_termination_state() {
    use crate::proxy::listener::{start_with, BoundAddr, Hooks};
    use crate::proxy::stream::StreamInfo;
    let good = Origin::start(Behaviour::Echo("s1")).await;
    let slow = Origin::start(Behaviour::Silent).await;
    let seen: Arc<std::sync::Mutex<Vec<StreamInfo>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let hooks = Hooks {
        log: Some(Arc::new(move |i: &StreamInfo| {
            sink.lock().unwrap().push(i.clone())
        })),
    };
    let mut p = listen("l", Mode::Http, &[good.addr, slow.addr]);
    p.timeouts.server = Some(Duration::from_millis(100));
    let cfg = crate::config::model::Config {
        proxies: vec![p],
        ..Default::default()
    };
    let st = start_with(&cfg, &hooks).await.unwrap();
    let Some(BoundAddr::Inet(addr)) = st.addr("l").cloned() else {
        panic!()
    };
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    assert_eq!(get(&mut c, &mut buf, "/a").await.status, 200);
    assert_eq!(get(&mut c, &mut buf, "/b").await.status, 504);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].request_line.as_deref(), Some("GET /a HTTP/1.1"));
    assert_eq!(seen[0].server.as_deref(), Some("s1"));
    assert_eq!(seen[0].backend.as_deref(), Some("l"));
    assert_eq!(seen[0].status, Some(200));
    assert_eq!(seen[0].termination.letters(), ['-', '-']);
    assert_eq!(seen[1].server.as_deref(), Some("s2"));
    assert_eq!(seen[1].status, Some(504));
    assert_eq!(seen[1].termination.letters(), ['s', 'H']);
}

fn other(name: &str, args: &[&str]) -> HttpAction {
    HttpAction::Other {
        name: name.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
    }
}

#[tokio::test]
async fn set_path_and_set_method_rewrite_the_request_line() {
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.http_request.push(rule(
        HttpAction::SetTarget {
            part: crate::config::model::TargetPart::Path,
            value: lf("/v2%[path]"),
        },
        None,
    ));
    p.http_request.push(rule(
        HttpAction::SetTarget {
            part: crate::config::model::TargetPart::Method,
            value: lf("POST"),
        },
        None,
    ));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let r = get(&mut c, &mut Vec::new(), "/a?x=1").await;
    assert!(
        r.body.starts_with("s1\nPOST /v2/a?x=1 HTTP/1.1\r\n"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn reject_closes_the_connection_and_tarpit_answers_500_after_its_timeout() {
    use tokio::io::AsyncReadExt;
    let o = Origin::start(Behaviour::Echo("s1")).await;
    let mut p = listen("l", Mode::Http, &[o.addr]);
    p.acls.push(crate::config::model::Acl {
        loc: Loc::new("t.cfg", 2),
        name: "bad".into(),
        criterion: "path_beg".into(),
        args: vec!["/bad".into()],
        expr: crate::config::kw::acl::typed("path_beg", &["/bad".into()]).unwrap(),
    });
    p.http_request
        .push(rule(other("reject", &[]), if_named("bad", false)));
    p.http_request.push(rule(other("tarpit", &[]), None));
    p.timeouts.tarpit = Some(Duration::from_millis(50));
    let (_p, addr) = run(vec![p], "l").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /bad HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut all = Vec::new();
    let _ = timeout(T, c.read_to_end(&mut all))
        .await
        .expect("still open");
    assert!(all.is_empty(), "{}", String::from_utf8_lossy(&all));
    let mut c = TcpStream::connect(addr).await.unwrap();
    let r = get(&mut c, &mut Vec::new(), "/ok").await;
    assert_eq!(r.status, 500);
    assert_eq!(o.reqs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_regex_acl_routes_requests_with_use_backend() {
    let o = Origin::start(Behaviour::Echo("img")).await;
    let mut fe = Proxy::new("fe", ProxyKind::Frontend, Loc::new("t.cfg", 1));
    fe.mode = Mode::Http;
    fe.binds.push(bind_any());
    fe.use_backends.push(UseBackend {
        loc: Loc::new("t.cfg", 3),
        backend: "img".into(),
        cond: Some(Cond {
            unless: false,
            any_of: vec![vec![CondTerm {
                negate: false,
                acl: AclRef::Anonymous {
                    criterion: "path_reg".into(),
                    args: vec!["-i".into(), "\\.(png|jpe?g)$".into()],
                    expr: crate::config::kw::acl::typed(
                        "path_reg",
                        &["-i".into(), "\\.(png|jpe?g)$".into()],
                    )
                    .unwrap()
                    .map(Box::new),
                },
            }]],
        }),
    });
    let mut img = listen("img", Mode::Http, &[o.addr]);
    img.kind = ProxyKind::Backend;
    img.cap = ProxyKind::Backend.cap();
    img.binds.clear();
    let (_p, addr) = run(vec![fe, img], "fe").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    assert_eq!(get(&mut c, &mut buf, "/a/b.JPG").await.status, 200);
    assert_eq!(get(&mut c, &mut buf, "/a/b.txt").await.status, 503);
}

#[tokio::test]
async fn dynamic_use_backend_set_status_and_balance_hash_work_together() {
    use crate::config::model::Balance;
    let a = Origin::start(Behaviour::Echo("a")).await;
    let b1 = Origin::start(Behaviour::Echo("b1")).await;
    let b2 = Origin::start(Behaviour::Echo("b2")).await;
    let mut fe = Proxy::new("fe", ProxyKind::Frontend, Loc::new("t.cfg", 1));
    fe.mode = Mode::Http;
    fe.binds.push(bind_any());
    fe.use_backends.push(UseBackend {
        loc: Loc::new("t.cfg", 2),
        backend: "be_%[req.hdr(host),lower]".into(),
        cond: None,
    });
    fe.default_backend = Some("be_a".into());
    let backend = |name: &str, servers: &[std::net::SocketAddr]| {
        let mut p = listen(name, Mode::Http, servers);
        p.kind = ProxyKind::Backend;
        p.cap = ProxyKind::Backend.cap();
        p.binds.clear();
        p
    };
    let mut be_a = backend("be_a", &[a.addr]);
    be_a.http_response.push(rule(
        HttpAction::SetStatus {
            code: 299,
            reason: Some("Fine".into()),
        },
        None,
    ));
    let mut be_b = backend("be_b", &[b1.addr, b2.addr]);
    be_b.balance = Balance::Hash {
        expr: "req.hdr(x-user)".into(),
    };
    let (_p, addr) = run(vec![fe, be_a, be_b], "fe").await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let r = get(&mut c, &mut buf, "/").await;
    assert_eq!(r.status, 299);
    assert!(r.head.starts_with("http/1.1 299 fine\r\n"), "{}", r.head);
    let mut first = None;
    for _ in 0..4 {
        c.write_all(b"GET / HTTP/1.1\r\nHost: B\r\nX-User: u1\r\n\r\n")
            .await
            .unwrap();
        let r = read_resp(&mut c, &mut buf).await;
        let name = r.body.lines().next().unwrap().to_string();
        assert!(name.starts_with('b'), "{name}");
        assert_eq!(first.get_or_insert(name.clone()), &name);
    }
}
