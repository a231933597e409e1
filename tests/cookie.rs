//! Cookie persistence, black box: `cookie NAME insert [indirect] [nocache]`, server `cookie`
//! values, stickiness to the server named by the client's cookie, unknown values balanced
//! normally, `indirect` hiding the cookie from servers. Validated against the real HAProxy 2.6;
//! later issue for our binary.
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
#[ignore = "later issue: cookie persistence"]
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
#[ignore = "later issue: cookie persistence"]
fn a_client_with_a_server_cookie_sticks_to_that_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert", &s1, &s2);
    let seq: Vec<String> = (0..4).map(|_| with_cookie(&h, "SRV=b").server()).collect();
    assert_eq!(seq, ["s2"; 4]);
    // A valid cookie is not set again.
    assert!(with_cookie(&h, "SRV=b").header("set-cookie").is_none());
}

#[test]
#[ignore = "later issue: cookie persistence"]
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
#[ignore = "later issue: cookie persistence"]
fn indirect_removes_the_persistence_cookie_before_the_server() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert indirect nocache", &s1, &s2);
    with_cookie(&h, "SRV=a; other=1");
    let seen = s1.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("cookie").as_deref(), Some("other=1"));
}

#[test]
#[ignore = "later issue: cookie persistence"]
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
#[ignore = "later issue: cookie persistence"]
fn nocache_marks_inserted_cookies_uncacheable_only_for_cacheable_responses() {
    let (s1, s2) = (Origin::http("s1"), Origin::http("s2"));
    let h = start("cookie SRV insert nocache", &s1, &s2);
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.header("set-cookie"), Some("SRV=a; path=/"));
    // The origin's 200 carries no cache headers: HAProxy adds none either.
    assert_eq!(r.header("cache-control"), None);
}
