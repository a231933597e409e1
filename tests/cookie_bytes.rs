//! Differential facts for cookie persistence: the real HAProxy 2.6 (`/usr/sbin/haproxy -db`)
//! runs each `cookie` mode in front of raw `std::net` origins on `127.0.0.1:0` that answer
//! fixed responses; every request's `Cookie` lines as the origin received them, the
//! `set-cookie`/`set-cookie2`/`cache-control` lines the client received, whether the response
//! was replaced (`option checkcache`) and the two cookie letters of the log are compared with what
//! `haproxy::persist::cookie::{on_request, on_response}` produce for the same input and the
//! same config (loaded by `haproxy::config`).
//!
//! The pure functions carry unit tests with these bytes pinned; this file only needs the
//! real binary and skips with a message when it is absent. It never runs our binary.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

use haproxy::balance::ServerId;
use haproxy::config::model::Proxy;
use haproxy::http::{parse_request, parse_response, Head, Limits, Status};
use haproxy::persist::cookie::{
    log_flags, on_request, on_response, CookiePolicy, CookieServer, RequestCtx, ResponseCtx,
};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// An origin that records raw request heads and answers one fixed response.
struct RawOrigin {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl RawOrigin {
    fn start(status_line: &str, headers: &[&str]) -> RawOrigin {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut resp = format!("HTTP/1.1 {status_line}\r\n");
        for h in headers {
            resp.push_str(h);
            resp.push_str("\r\n");
        }
        resp.push_str("content-length: 2\r\n\r\nok");
        let (seen2, stop2) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in l.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (seen, resp) = (Arc::clone(&seen2), resp.clone());
                std::thread::spawn(move || serve(conn, &seen, resp.as_bytes()));
            }
        });
        RawOrigin { addr, seen, stop }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for RawOrigin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, WAIT);
    }
}

fn serve(mut c: TcpStream, seen: &Mutex<Vec<String>>, resp: &[u8]) {
    c.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        while let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).into_owned();
            let body = content_length(&head);
            if buf.len() < i + 4 + body {
                break;
            }
            buf.drain(..i + 4 + body);
            seen.lock().unwrap().push(head);
            if c.write_all(resp).is_err() {
                return;
            }
        }
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Values of header `name` in a raw head, in order.
fn values(head: &str, name: &str) -> Vec<String> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim_start().to_string())
        .collect()
}

/// One request of a scenario.
struct Req {
    method: &'static str,
    cookies: &'static [&'static str],
    extra: &'static str,
}

const fn get(cookies: &'static [&'static str]) -> Req {
    Req {
        method: "GET",
        cookies,
        extra: "",
    }
}

/// A backend configuration, its servers (`name`, options), the origin's response and the
/// requests to send.
struct Scenario {
    name: &'static str,
    backend: &'static str,
    servers: &'static [(&'static str, &'static str)],
    status_line: &'static str,
    response: &'static [&'static str],
    requests: Vec<Req>,
}

const AB: &[(&str, &str)] = &[("s1", "cookie a"), ("s2", "cookie b")];

fn secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// What one request showed, from the real binary or from our functions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    to_origin: Vec<String>,
    set_cookie: Vec<String>,
    set_cookie2: Vec<String>,
    cache_control: Vec<String>,
    blocked: bool,
    log: String,
}

fn run(s: &Scenario) -> Vec<String> {
    let origins: Vec<RawOrigin> = s
        .servers
        .iter()
        .map(|_| RawOrigin::start(s.status_line, s.response))
        .collect();
    let mut cfg = String::from(
        "global\n    log stderr format raw local0\ndefaults\n    mode http\n    log global\n    option httplog\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n",
    );
    cfg.push_str(s.backend);
    cfg.push('\n');
    for ((name, opts), o) in s.servers.iter().zip(&origins) {
        cfg.push_str(&format!("    server {name} {} {opts}\n", o.addr));
    }
    let h = RealHaproxy::start(&cfg);
    let loaded =
        haproxy::config::load_texts(&[("t.cfg", &cfg.replace("@@fe", "127.0.0.1:1"))], &|_| None)
            .unwrap_or_else(|d| panic!("{}: our loader refused the config: {d:?}", s.name));
    let be: &Proxy = loaded
        .config
        .proxies
        .iter()
        .find(|p| p.name == "be")
        .unwrap();
    let policy = CookiePolicy::from_proxy(be);
    let checkcache = be.options.checkcache;
    let servers: Vec<CookieServer<'_>> = be
        .servers
        .iter()
        .enumerate()
        .map(|(i, sv)| CookieServer {
            id: ServerId(i),
            cookie: sv.params.cookie.as_deref(),
            running: !sv.params.disabled,
        })
        .collect();
    let mut failures = Vec::new();
    for (n, r) in s.requests.iter().enumerate() {
        let before: Vec<usize> = origins.iter().map(|o| o.seen().len()).collect();
        let mut raw = format!("{} /r{n} HTTP/1.1\r\nhost: t\r\n", r.method);
        for c in r.cookies {
            raw.push_str(&format!("cookie: {c}\r\n"));
        }
        if r.method == "POST" {
            raw.push_str("content-length: 0\r\n");
        }
        raw.push_str(r.extra);
        raw.push_str("connection: close\r\n\r\n");
        let t0 = secs();
        let mut c = TcpStream::connect_timeout(&h.addr("fe"), WAIT).unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        c.write_all(raw.as_bytes()).unwrap();
        let mut resp = Vec::new();
        let _ = c.read_to_end(&mut resp);
        let t1 = secs();
        let resp = String::from_utf8_lossy(&resp).into_owned();
        let head = resp.split("\r\n\r\n").next().unwrap_or("").to_string();
        // HAProxy drops log lines it cannot write at once to a busy stderr pipe (a loaded
        // test machine): without its line, the cookie letters are not compared.
        let logged = h.wait_stderr(&format!("/r{n} HTTP/1.1"), WAIT);
        let log_line = h
            .stderr()
            .lines()
            .find(|l| l.contains(&format!("/r{n} HTTP/1.1")))
            .unwrap_or_default()
            .to_string();
        let state = log_line
            .split_whitespace()
            .nth(9)
            .unwrap_or("????")
            .to_string();
        let which = origins
            .iter()
            .zip(&before)
            .position(|(o, b)| o.seen().len() > *b);
        let origin_head = which
            .map(|i| origins[i].seen()[before[i]].clone())
            .unwrap_or_default();
        let real = Seen {
            to_origin: values(&origin_head, "cookie"),
            set_cookie: values(&head, "set-cookie"),
            set_cookie2: values(&head, "set-cookie2"),
            cache_control: values(&head, "cache-control"),
            // HAProxy 2.6 replaces a blocked response with its own page for the server's
            // status (for a 200, the "Service ready." page); the origin's body is gone.
            blocked: r.method != "HEAD" && !resp.ends_with("\r\n\r\nok"),
            log: state.get(2..4).unwrap_or("").to_string(),
        };
        // Ours, for every second the real binary may have used.
        let ours: Vec<Seen> = (t0..=t1)
            .map(|now| ours(s, r, policy.as_ref(), checkcache, &servers, which, now))
            .map(|mut o| {
                if !logged {
                    o.log = real.log.clone();
                }
                o
            })
            .collect();
        if !ours.contains(&real) {
            failures.push(format!(
                "{} request {n} ({} {:?}):\n  real: {real:?}\n  ours: {:?}",
                s.name, r.method, r.cookies, ours[0]
            ));
        }
    }
    failures
}

fn ours(
    s: &Scenario,
    r: &Req,
    policy: Option<&CookiePolicy>,
    checkcache: bool,
    servers: &[CookieServer<'_>],
    which: Option<usize>,
    now: u64,
) -> Seen {
    let mut raw = format!("{} / HTTP/1.1\r\n", r.method);
    for c in r.cookies {
        raw.push_str(&format!("cookie: {c}\r\n"));
    }
    let mut req = head(parse_request(
        format!("{raw}\r\n").as_bytes(),
        &Limits::default(),
    ));
    let ignore = r.extra.contains("x-ignore");
    let force = r.extra.contains("x-force");
    let ctx = RequestCtx {
        force_persist: force,
        ignore_persist: ignore,
        assigned: false,
        now,
    };
    let rc = policy
        .map(|p| on_request(p, servers, &ctx, &mut req))
        .unwrap_or_default();
    let to_origin = req
        .get_all("cookie")
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    // The server the real binary used (ours must agree when the cookie chose one).
    let served = which.map(ServerId);
    let direct = rc.server.is_some() && rc.server == served;
    let mut raw = format!("HTTP/1.1 {}\r\n", s.status_line);
    for l in s.response {
        raw.push_str(&format!("{l}\r\n"));
    }
    let mut resp = head(parse_response(
        format!("{raw}\r\n").as_bytes(),
        &Limits::default(),
    ));
    let status: u16 = s.status_line[..3].parse().unwrap();
    let rctx = ResponseCtx {
        server: served.and_then(|id| servers.get(id.0).copied()),
        direct,
        ignore_persist: ignore,
        method: r.method.as_bytes(),
        status,
        request: rc,
        now,
    };
    let out = on_response(policy, checkcache, &rctx, &mut resp);
    let list = |name: &str| {
        resp.get_all(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect::<Vec<_>>()
    };
    let (sc, sc2, cc) = if out.block {
        // HAProxy's own page replaces the response.
        (vec![], vec![], vec!["no-cache".to_string()])
    } else {
        (
            list("set-cookie"),
            list("set-cookie2"),
            list("cache-control"),
        )
    };
    let flags = log_flags(policy, rc.status, out.status);
    Seen {
        to_origin,
        set_cookie: sc,
        set_cookie2: sc2,
        cache_control: cc,
        blocked: out.block,
        log: flags.iter().collect(),
    }
}

/// The head of a parse that must succeed.
fn head(s: Status) -> Head {
    match s {
        Status::Complete(h, _) => h,
        other => panic!("{other:?}"),
    }
}

const EXPIRES: &str = "Expires: Thu, 01 Jan 2099 00:00:00 GMT";

fn scenarios() -> Vec<Scenario> {
    let mixed: Vec<Req> = [
        &[][..],
        &["SERVERID=b"],
        &["a=1; SERVERID=b; c=3"],
        &["a=1;SERVERID=b;c=3"],
        &["a = 1; SERVERID = b; c = 3"],
        &["a=1 ; SERVERID=b"],
        &["x=1;SERVERID=b;;c=1"],
        &["a=1, SERVERID=b, c=3"],
        &["$Version=1; SERVERID=b; $Path=/; c=3"],
        &["a=1", "SERVERID=b", "c=3"],
        &["SERVERID=zz", "SERVERID=a"],
        &["a=1; SERVERID=zz; b=2"],
        &["SERVERID="],
        &["a=\"x;SERVERID=b\"; SERVERID=a"],
    ]
    .into_iter()
    .map(get)
    .collect();
    let again = || -> Vec<Req> {
        [
            &[][..],
            &["SERVERID=b"],
            &["x=1; SERVERID=a; y=2"],
            &["SERVERID=zz"],
        ]
        .into_iter()
        .map(get)
        .collect()
    };
    vec![
        Scenario {
            name: "insert indirect nocache (the seed article)",
            backend: "    cookie SERVERID insert indirect nocache",
            servers: AB,
            status_line: "200 OK",
            response: &[EXPIRES],
            requests: mixed,
        },
        Scenario {
            name: "insert without indirect",
            backend: "    cookie SERVERID insert",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: SERVERID=xyz; path=/", "Set-Cookie: other=1"],
            requests: again(),
        },
        Scenario {
            name: "passive",
            backend: "    cookie SERVERID",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: SERVERID=xyz; path=/"],
            requests: again(),
        },
        Scenario {
            name: "passive indirect",
            backend: "    cookie SERVERID indirect",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: SERVERID=xyz; path=/"],
            requests: again(),
        },
        Scenario {
            name: "rewrite",
            backend: "    cookie SERVERID rewrite",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: SERVERID=xyz; path=/"],
            requests: again(),
        },
        Scenario {
            name: "prefix",
            backend: "    cookie JSESSIONID prefix",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: JSESSIONID=abc; Path=/"],
            requests: [
                &[][..],
                &["JSESSIONID=b~abc"],
                &["x=1; JSESSIONID=a~abc; y=2"],
                &["JSESSIONID=abc"],
                &["JSESSIONID=zz~abc"],
            ]
            .into_iter()
            .map(get)
            .collect(),
        },
        Scenario {
            name: "prefix indirect",
            backend: "    cookie JSESSIONID prefix indirect",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: JSESSIONID=abc; Path=/"],
            requests: [&[][..], &["JSESSIONID=b~abc"]].into_iter().map(get).collect(),
        },
        Scenario {
            name: "attributes",
            backend: "    cookie SRV insert indirect domain .a.com domain b.org httponly secure attr SameSite=Lax attr Max-Age=10",
            servers: AB,
            status_line: "200 OK",
            response: &[],
            requests: vec![get(&[]), get(&["SRV=b"])],
        },
        Scenario {
            name: "preserve",
            backend: "    cookie SRV insert preserve",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie: SRV=xyz; path=/"],
            requests: vec![get(&[]), get(&["SRV=b"])],
        },
        Scenario {
            name: "postonly",
            backend: "    cookie SRV insert postonly",
            servers: AB,
            status_line: "200 OK",
            response: &[],
            requests: vec![
                get(&[]),
                Req { method: "POST", cookies: &[], extra: "" },
                Req { method: "POST", cookies: &["SRV=a"], extra: "" },
            ],
        },
        Scenario {
            name: "maxidle and maxlife",
            backend: "    cookie SRV insert indirect maxidle 30m maxlife 8h",
            servers: AB,
            status_line: "200 OK",
            response: &[],
            requests: vec![get(&[]), get(&["SRV=b"]), get(&["SRV=b|xx"]), get(&["SRV=b|AAAAB|AAAAB"])],
        },
        Scenario {
            name: "down server, redispatched",
            backend: "    cookie SRV insert indirect nocache",
            servers: &[("s1", "cookie a"), ("s2", "cookie b disabled")],
            status_line: "200 OK",
            response: &[],
            requests: vec![get(&["SRV=b"]), get(&["SRV=a"])],
        },
        Scenario {
            name: "down server with option persist and force-persist",
            backend: "    cookie SRV insert indirect nocache\n    option persist\n    ignore-persist if { hdr(x-ignore) 1 }",
            servers: &[("s1", "cookie a"), ("s2", "cookie b disabled")],
            status_line: "200 OK",
            response: &["Set-Cookie: SRV=q"],
            requests: vec![
                get(&["SRV=b"]),
                Req { method: "GET", cookies: &["a=1; SRV=b"], extra: "x-ignore: 1\r\n" },
            ],
        },
        Scenario {
            name: "cookie-less backup server",
            backend: "    cookie SRV insert indirect nocache",
            servers: &[("s1", "cookie a disabled"), ("s2", "backup")],
            status_line: "200 OK",
            response: &[],
            requests: vec![get(&[]), get(&["SRV=a"])],
        },
        Scenario {
            name: "nocache on cacheable and uncacheable responses",
            backend: "    cookie SRV insert indirect nocache",
            servers: AB,
            status_line: "200 OK",
            response: &["Cache-Control: public, max-age=60"],
            requests: vec![
                get(&[]),
                Req { method: "POST", cookies: &[], extra: "" },
                Req { method: "HEAD", cookies: &[], extra: "" },
                Req { method: "DELETE", cookies: &[], extra: "" },
            ],
        },
        Scenario {
            name: "nocache and a 302",
            backend: "    cookie SRV insert indirect nocache",
            servers: AB,
            status_line: "302 Found",
            response: &[EXPIRES],
            requests: vec![get(&[])],
        },
        Scenario {
            name: "checkcache",
            backend: "    option checkcache\n    cookie SRV insert indirect nocache",
            servers: &[("s1", "cookie a")],
            status_line: "200 OK",
            response: &[EXPIRES, "Set-Cookie: a=1"],
            requests: vec![get(&[]), get(&["SRV=a"])],
        },
        Scenario {
            name: "dynamic cookies",
            backend: "    cookie SRV insert indirect dynamic\n    dynamic-cookie-key secret",
            servers: &[("s1", ""), ("s2", "cookie fixed")],
            status_line: "200 OK",
            response: &[],
            requests: vec![get(&[]), get(&[])],
        },
        Scenario {
            name: "set-cookie2",
            backend: "    cookie SRV insert",
            servers: AB,
            status_line: "200 OK",
            response: &["Set-Cookie2: x=1, SRV=q; Version=1, y=2", "Set-Cookie: a = 1; Path=/"],
            requests: vec![get(&["SRV=b"]), get(&[])],
        },
    ]
}

#[test]
fn every_cookie_mode_matches_the_real_haproxy_byte_for_byte() {
    if !RealHaproxy::available() {
        return;
    }
    let mut failures = Vec::new();
    for s in scenarios() {
        failures.extend(run(&s));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
