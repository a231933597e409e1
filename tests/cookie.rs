//! Cookie persistence, black box: `cookie NAME insert [indirect] [nocache]`, server `cookie`
//! values, stickiness to the server named by the client's cookie, unknown values balanced
//! normally, `indirect` hiding the cookie from servers, a cookie naming a DOWN server
//! re-issued, `prefix`, passive cookies, `use-server`, `force-persist`, `ignore-persist`,
//! and a differential run of both binaries over the same requests. Every test passes on the
//! real HAProxy 2.6 (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

fn start(cookie_line: &str, s1: &Origin, s2: &Origin) -> Haproxy {
    Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    {cookie_line}\n    server s1 {} cookie a\n    server s2 {} cookie b\n",
        s1.addr(),
        s2.addr()
    ))
}

fn with_cookie(h: &Haproxy, cookie: &str) -> Response {
    Client::connect(h.addr("fe")).request(&format!(
        "GET / HTTP/1.1\r\nHost: test\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    ))
}

#[test]
fn insert_sets_the_cookie_of_the_chosen_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert", &s1, &s2);
    let r1 = get(h.addr("fe"), "/");
    let r2 = get(h.addr("fe"), "/");
    assert_eq!(
        (r1.server().as_str(), r1.header("set-cookie")),
        ("s1", Some("SRV=a; path=/"))
    );
    assert_eq!(
        (r2.server().as_str(), r2.header("set-cookie")),
        ("s2", Some("SRV=b; path=/"))
    );
}

#[test]
fn a_client_with_a_server_cookie_sticks_to_that_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert", &s1, &s2);
    let seq: Vec<String> = (0..4).map(|_| with_cookie(&h, "SRV=b").server()).collect();
    assert_eq!(seq, ["s2"; 4]);
    // A valid cookie is not set again.
    assert!(with_cookie(&h, "SRV=b").header("set-cookie").is_none());
}

#[test]
fn an_unknown_cookie_value_is_balanced_normally_and_gets_a_new_cookie() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert", &s1, &s2);
    let seq: Vec<(String, Option<String>)> = (0..2)
        .map(|_| {
            let r = with_cookie(&h, "SRV=zzz");
            (r.server(), r.header("set-cookie").map(str::to_string))
        })
        .collect();
    assert_eq!(
        seq,
        [
            ("s1".to_string(), Some("SRV=a; path=/".to_string())),
            ("s2".to_string(), Some("SRV=b; path=/".to_string()))
        ]
    );
}

#[test]
fn indirect_removes_the_persistence_cookie_before_the_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert indirect nocache", &s1, &s2);
    with_cookie(&h, "SRV=a; other=1");
    let seen = s1.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("cookie").as_deref(), Some("other=1"));
}

#[test]
fn without_indirect_the_server_sees_the_persistence_cookie() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert", &s1, &s2);
    with_cookie(&h, "SRV=a; other=1");
    assert_eq!(
        s1.requests()[0].header("cookie").as_deref(),
        Some("SRV=a; other=1")
    );
}

#[test]
fn nocache_marks_inserted_cookies_uncacheable_only_for_cacheable_responses() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert nocache", &s1, &s2);
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.header("set-cookie"), Some("SRV=a; path=/"));
    // The origin's 200 carries no cache headers: HAProxy adds none either.
    assert_eq!(r.header("cache-control"), None);
}

#[test]
fn a_hundred_requests_with_the_cookie_stay_on_one_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert indirect nocache", &s1, &s2);
    let first = get(h.addr("fe"), "/");
    let cookie = first
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut c = Client::connect(h.addr("fe"));
    let seq: Vec<String> = (0..100)
        .map(|_| {
            c.request(&format!(
                "GET / HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\n\r\n"
            ))
            .server()
        })
        .collect();
    assert_eq!(seq, vec![first.server(); 100]);
}

#[test]
fn a_cookie_naming_a_down_server_is_balanced_and_reissued() {
    let s2 = Origin::http("s2");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    option redispatch\n    cookie SRV insert indirect nocache\n    server s1 {dead} cookie a check inter 100 fall 1 rise 1\n    server s2 {} cookie b\n",
        s2.addr()
    ));
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    let r = with_cookie(&h, "SRV=a");
    assert_eq!(r.status, 200);
    assert_eq!(r.server(), "s2");
    assert_eq!(r.header("set-cookie"), Some("SRV=b; path=/"));
}

#[test]
fn a_cookie_for_an_unreachable_server_is_redispatched_on_retry_and_reissued() {
    // Not yet seen DOWN by a check: the connection fails, option redispatch moves the
    // stream on the last retry, and the response carries the new server's cookie.
    let s2 = Origin::http("s2");
    let dead = closed_addr();
    let h = Haproxy::start(&format!(
        "{DEFAULTS}    timeout connect 100ms\nfrontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    retries 1\n    option redispatch\n    cookie SRV insert indirect nocache\n    server s1 {dead} cookie a\n    server s2 {} cookie b\n",
        s2.addr()
    ));
    let r = with_cookie(&h, "SRV=a");
    assert_eq!((r.status, r.server().as_str()), (200, "s2"));
    assert_eq!(r.header("set-cookie"), Some("SRV=b; path=/"));
}

#[test]
fn prefix_mode_routes_on_the_prefix_and_strips_it() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie JSESSIONID prefix", &s1, &s2);
    let r = with_cookie(&h, "JSESSIONID=b~xyz");
    assert_eq!(r.server(), "s2");
    assert_eq!(
        s2.requests().last().unwrap().header("cookie").as_deref(),
        Some("JSESSIONID=xyz")
    );
}

#[test]
fn a_passive_cookie_set_by_the_application_routes_requests() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SERVERID", &s1, &s2);
    let seq: Vec<String> = (0..3)
        .map(|_| with_cookie(&h, "SERVERID=b").server())
        .collect();
    assert_eq!(seq, ["s2"; 3]);
    // The application's cookie reaches it untouched, and nothing is inserted.
    let r = with_cookie(&h, "SERVERID=a");
    assert!(r.header("set-cookie").is_none());
    assert_eq!(
        s1.requests().last().unwrap().header("cookie").as_deref(),
        Some("SERVERID=a")
    );
}

#[test]
fn use_server_overrides_balancing_and_the_cookie() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    cookie SRV insert indirect\n    use-server s2 if {{ path_beg /two }}\n    server s1 {} cookie a\n    server s2 {} cookie b\n",
        s1.addr(),
        s2.addr()
    ));
    let seq = server_sequence(h.addr("fe"), "/two", 3);
    assert_eq!(seq, ["s2"; 3]);
    let r = Client::connect(h.addr("fe"))
        .request("GET /two HTTP/1.1\r\nHost: t\r\nCookie: SRV=a\r\nConnection: close\r\n\r\n");
    assert_eq!(r.server(), "s2");
}

#[test]
fn ignore_persist_balances_despite_the_cookie() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    cookie SRV insert\n    ignore-persist if {{ path_beg /static }}\n    server s1 {} cookie a\n    server s2 {} cookie b\n",
        s1.addr(),
        s2.addr()
    ));
    let seq: Vec<String> = (0..4)
        .map(|_| {
            Client::connect(h.addr("fe"))
                .request("GET /static/x HTTP/1.1\r\nHost: t\r\nCookie: SRV=b\r\nConnection: close\r\n\r\n")
                .server()
        })
        .collect();
    assert_eq!(tally(&seq).len(), 2, "{seq:?}");
}

#[test]
fn force_persist_keeps_a_cookie_on_a_down_server() {
    let s1 = Origin::http("s1");
    let mut health = Origin::http("health");
    let s2 = Origin::http("s2");
    let h = Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    cookie SRV insert indirect\n    force-persist if {{ hdr(x-force) -m found }}\n    server s1 {} cookie a check port {} inter 100 fall 1 rise 1\n    server s2 {} cookie b\n",
        s1.addr(),
        health.addr().port(),
        s2.addr()
    ));
    health.stop();
    assert!(
        h.wait_stderr("Server be/s1 is DOWN", WAIT),
        "{}",
        h.stderr()
    );
    let forced = Client::connect(h.addr("fe")).request(
        "GET / HTTP/1.1\r\nHost: t\r\nCookie: SRV=a\r\nX-Force: 1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(forced.server(), "s1");
    assert_eq!(with_cookie(&h, "SRV=a").server(), "s2");
}

/// What a client and the servers saw, for the differential test.
fn exchange(bin: &std::path::Path) -> Vec<String> {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let cfg = format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    balance roundrobin\n    cookie SRV insert indirect nocache httponly secure domain .example.com\n    server s1 {} cookie a\n    server s2 {} cookie b\n",
        s1.addr(),
        s2.addr()
    );
    let h = Haproxy::start_bin(bin, &cfg).unwrap();
    let mut seen = Vec::new();
    for cookie in ["", "SRV=b", "x=1; SRV=a; y=2", "SRV=zz", "SRV=b; SRV=a"] {
        let extra = if cookie.is_empty() {
            String::new()
        } else {
            format!("Cookie: {cookie}\r\n")
        };
        let r = Client::connect(h.addr("fe")).request(&format!(
            "GET / HTTP/1.1\r\nHost: t\r\n{extra}Connection: close\r\n\r\n"
        ));
        seen.push(format!(
            "{} {} set-cookie={:?} cache-control={:?}",
            r.status,
            r.server(),
            r.header("set-cookie"),
            r.header("cache-control")
        ));
    }
    for o in [&s1, &s2] {
        for q in o.requests() {
            seen.push(format!("{} got cookie={:?}", o.name(), q.header("cookie")));
        }
    }
    seen
}

#[test]
fn both_binaries_set_and_strip_the_same_cookies() {
    let real = std::path::Path::new(REAL_HAPROXY);
    if !real.exists() {
        eprintln!("skipped: {REAL_HAPROXY} is not installed");
        return;
    }
    assert_eq!(exchange(&binary_under_test()), exchange(real));
}
