//! Unit tests of the response side, pinned by the `set-cookie`/`cache-control` lines the
//! real HAProxy 2.6.12 sent to the client for the same server responses (collected with
//! `tests/cookie_bytes.rs`; `s1` has `cookie a`, `s2` has `cookie b`).

use super::*;
use crate::balance::ServerId;
use crate::persist::cookie::{CookiePolicy, CookieStatus};

fn policy(line: &str) -> CookiePolicy {
    let l = crate::config::lexer::Line {
        loc: crate::config::diag::Loc::new("t.cfg", 1),
        words: line.split_whitespace().map(String::from).collect(),
    };
    let spec = crate::config::kw::cookie::parse_cookie(&l, &[])
        .spec
        .unwrap();
    CookiePolicy::new(&spec, false)
}

/// The server that answers and the request's outcome.
#[derive(Clone, Copy)]
struct Case<'a> {
    cookie: Option<&'a str>,
    direct: bool,
    method: &'a [u8],
    status: u16,
    request: RequestCookie,
    now: u64,
    ignore: bool,
}

fn case(cookie: &'static str, direct: bool) -> Case<'static> {
    Case {
        cookie: Some(cookie),
        direct,
        method: b"GET",
        status: 200,
        request: RequestCookie::default(),
        now: 1796219690,
        ignore: false,
    }
}

/// Runs `on_response`; returns the status letter and the response headers as `name: value`
/// lines in order.
fn run(
    p: Option<&CookiePolicy>,
    checkcache: bool,
    c: Case<'_>,
    server_headers: &[(&'static str, &'static str)],
) -> (char, Vec<String>, ResponseCookie) {
    let mut h = crate::http::testing::response(c.status, server_headers);
    let ctx = ResponseCtx {
        server: Some(CookieServer {
            id: ServerId(0),
            cookie: c.cookie,
            running: true,
        }),
        direct: c.direct,
        ignore_persist: c.ignore,
        method: c.method,
        status: c.status,
        request: c.request,
        now: c.now,
    };
    let r = on_response(p, checkcache, &ctx, &mut h);
    let lines = h
        .headers()
        .map(|(k, v)| {
            let (k, v) = (std::str::from_utf8(k), std::str::from_utf8(v));
            format!("{}: {}", k.unwrap(), v.unwrap())
        })
        .collect();
    (r.status.letter(), lines, r)
}

fn go(line: &str, c: Case<'_>, hdrs: &[(&'static str, &'static str)]) -> (char, Vec<String>) {
    let p = policy(line);
    let (l, h, _) = run(Some(&p), false, c, hdrs);
    (l, h)
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const II: &str = "cookie SERVERID insert indirect nocache";

#[test]
fn insert_sets_the_cookie_unless_the_client_came_with_it() {
    assert_eq!(
        go(II, case("a", false), &[]),
        ('I', lines(&["set-cookie: SERVERID=a; path=/"]))
    );
    assert_eq!(go(II, case("b", true), &[]), ('N', vec![]));
    assert_eq!(
        go("cookie SERVERID insert", case("a", false), &[]),
        ('I', lines(&["set-cookie: SERVERID=a; path=/"]))
    );
}

#[test]
fn attributes_follow_path_in_haproxys_order_and_spelling() {
    let line = "cookie SRV insert domain .a.com domain b.org httponly secure attr SameSite=Lax attr Max-Age=10";
    assert_eq!(
        go(line, case("a", false), &[]).1,
        ["set-cookie: SRV=a; path=/; domain=.a.com; domain=b.org; HttpOnly; Secure; SameSite=Lax; Max-Age=10"]
    );
}

#[test]
fn a_server_without_cookie_gets_a_removal_cookie() {
    assert_eq!(
        go(
            II,
            Case {
                cookie: None,
                ..case("", false)
            },
            &[]
        )
        .1,
        ["set-cookie: SERVERID=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"]
    );
    // Even when the client came through the cookie-less server "directly".
    let line = "cookie SRV insert domain .x.com httponly secure attr A=1 maxidle 10m";
    assert_eq!(
        go(line, Case { cookie: None, ..case("", true) }, &[]),
        ('I', lines(&["set-cookie: SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/; domain=.x.com; HttpOnly; Secure; A=1"]))
    );
}

fn date(s: &[u8]) -> u32 {
    super::super::date::b64tos30(s).unwrap() << 2
}

fn req(last: &[u8], first: &[u8]) -> RequestCookie {
    RequestCookie {
        server: Some(ServerId(1)),
        status: CookieStatus::Valid,
        last_date: if last.is_empty() { 0 } else { date(last) },
        first_date: if first.is_empty() { 0 } else { date(first) },
    }
}

#[test]
fn maxidle_and_maxlife_write_and_refresh_the_dates() {
    // At 1796219690 the real binary wrote axAjL for both dates.
    assert_eq!(
        go("cookie SRV insert maxidle 30m", case("a", false), &[]).1,
        ["set-cookie: SRV=a|axAjL; path=/"]
    );
    assert_eq!(
        go(
            "cookie SRV insert maxidle 30m maxlife 8h",
            case("a", false),
            &[]
        )
        .1,
        ["set-cookie: SRV=a|axAjL|axAjL; path=/"]
    );
    assert_eq!(
        go("cookie SRV insert maxlife 8h", case("a", false), &[]).1,
        ["set-cookie: SRV=a|axAjL|axAjL; path=/"]
    );
    // A valid cookie without dates is refreshed (U).
    assert_eq!(
        go("cookie SRV insert maxidle 30m", case("b", true), &[]),
        ('U', lines(&["set-cookie: SRV=b|axAjL; path=/"]))
    );
}

#[test]
fn dates_are_refreshed_as_the_real_binary_did_at_1796219729() {
    let now = 1796219729; // writes axAjV
    let both = "cookie SRV insert indirect maxidle 30m maxlife 8h";
    let at = |r: RequestCookie, direct: bool| Case {
        request: r,
        now,
        ..case(if direct { "b" } else { "a" }, direct)
    };
    assert_eq!(
        go(both, at(req(b"axAjF", b"axAVQ"), true), &[]),
        ('U', lines(&["set-cookie: SRV=b|axAjV|axAVQ; path=/"]))
    );
    // Expired: redispatched to s1, new dates.
    assert_eq!(
        go(both, at(RequestCookie::default(), false), &[]),
        ('I', lines(&["set-cookie: SRV=a|axAjV|axAjV; path=/"]))
    );
    // Last date in the future, first date kept: nothing to refresh.
    assert_eq!(
        go(both, at(req(b"axAjj", b"axAjF"), true), &[]),
        ('N', vec![])
    );
    assert_eq!(
        go(both, at(req(b"", b""), true), &[]),
        ('U', lines(&["set-cookie: SRV=b|axAjV|axAjV; path=/"]))
    );
    assert_eq!(
        go(both, at(req(b"", b"axAjF"), true), &[]),
        ('U', lines(&["set-cookie: SRV=b|axAjV|axAjF; path=/"]))
    );
    let idle = "cookie SRV insert indirect maxidle 30m";
    // A first date without maxlife is dropped.
    assert_eq!(
        go(idle, at(req(b"axAjj", b"axAjF"), true), &[]),
        ('U', lines(&["set-cookie: SRV=b|axAjV; path=/"]))
    );
    assert_eq!(go(idle, at(req(b"axAjj", b""), true), &[]), ('N', vec![]));
    let none = "cookie SRV insert indirect";
    assert_eq!(
        go(none, at(req(b"axAjj", b"axAjF"), true), &[]),
        ('U', lines(&["set-cookie: SRV=b; path=/"]))
    );
    assert_eq!(go(none, at(req(b"axAjj", b""), true), &[]), ('N', vec![]));
    assert_eq!(
        go(none, at(req(b"axAjF", b""), true), &[]),
        ('U', lines(&["set-cookie: SRV=b; path=/"]))
    );
}

const SC: (&str, &str) = ("set-cookie", "SERVERID=xyz; path=/");

#[test]
fn passive_mode_leaves_the_server_cookie_and_indirect_deletes_it_on_direct_hits() {
    let p = "cookie SERVERID";
    assert_eq!(
        go(p, case("a", false), &[SC]),
        ('P', lines(&["set-cookie: SERVERID=xyz; path=/"]))
    );
    assert_eq!(
        go(p, case("b", true), &[SC]).1,
        ["set-cookie: SERVERID=xyz; path=/"]
    );
    let pi = "cookie SERVERID indirect";
    assert_eq!(go(pi, case("a", false), &[SC]).0, 'P');
    assert_eq!(go(pi, case("b", true), &[SC]), ('D', vec![]));
}

#[test]
fn rewrite_mode_puts_the_server_cookie_in_the_servers_set_cookie() {
    let p = "cookie SERVERID rewrite";
    assert_eq!(
        go(p, case("a", false), &[SC]),
        ('R', lines(&["set-cookie: SERVERID=a; path=/"]))
    );
    assert_eq!(
        go(p, case("b", true), &[SC]),
        ('R', lines(&["set-cookie: SERVERID=b; path=/"]))
    );
    assert_eq!(go(p, case("a", false), &[]), ('N', vec![]));
    assert_eq!(
        go(
            p,
            Case {
                cookie: None,
                ..case("", false)
            },
            &[SC]
        ),
        ('P', lines(&["set-cookie: SERVERID=xyz; path=/"]))
    );
}

const JS: (&str, &str) = ("set-cookie", "JSESSIONID=abc; Path=/");

#[test]
fn prefix_mode_prefixes_the_servers_cookie() {
    let p = "cookie JSESSIONID prefix";
    assert_eq!(
        go(p, case("a", false), &[JS]),
        ('R', lines(&["set-cookie: JSESSIONID=a~abc; Path=/"]))
    );
    assert_eq!(
        go(p, case("b", true), &[JS]).1,
        ["set-cookie: JSESSIONID=b~abc; Path=/"]
    );
    let pi = "cookie JSESSIONID prefix indirect";
    assert_eq!(go(pi, case("a", false), &[JS]).0, 'R');
    // With indirect, a direct hit loses the server's update (as the manual warns).
    assert_eq!(go(pi, case("b", true), &[JS]), ('D', vec![]));
}

#[test]
fn insert_mode_deletes_the_servers_own_persistence_cookie() {
    let hdrs = [("set-cookie", "SRV=xyz; path=/"), ("set-cookie", "other=1")];
    for line in ["cookie SRV insert", "cookie SRV insert indirect"] {
        assert_eq!(
            go(line, case("a", false), &hdrs),
            (
                'I',
                lines(&["set-cookie: other=1", "set-cookie: SRV=a; path=/"])
            )
        );
        assert_eq!(
            go(line, case("b", true), &hdrs),
            ('D', lines(&["set-cookie: other=1"]))
        );
    }
}

#[test]
fn preserve_keeps_the_servers_cookie_and_inserts_nothing_then() {
    let sc = [("set-cookie", "SRV=xyz; path=/")];
    let p = "cookie SRV insert preserve";
    assert_eq!(
        go(p, case("a", false), &sc),
        ('P', lines(&["set-cookie: SRV=xyz; path=/"]))
    );
    assert_eq!(go(p, case("b", true), &sc).0, 'P');
    let pi = "cookie SRV insert preserve indirect";
    assert_eq!(
        go(pi, case("a", false), &[]),
        ('I', lines(&["set-cookie: SRV=a; path=/"]))
    );
    assert_eq!(go(pi, case("b", true), &[]), ('N', vec![]));
}

#[test]
fn postonly_inserts_only_on_post() {
    let p = "cookie SRV insert postonly";
    assert_eq!(go(p, case("a", false), &[]), ('N', vec![]));
    let post = Case {
        method: b"POST",
        ..case("b", false)
    };
    assert_eq!(
        go(p, post, &[]),
        ('I', lines(&["set-cookie: SRV=b; path=/"]))
    );
    assert_eq!(
        go(
            p,
            Case {
                direct: true,
                ..post
            },
            &[]
        ),
        ('N', vec![])
    );
}

#[test]
fn ignore_persist_skips_the_whole_response_side() {
    let c = Case {
        ignore: true,
        ..case("a", false)
    };
    assert_eq!(
        go(II, c, &[("set-cookie", "SERVERID=q")]),
        ('N', lines(&["set-cookie: SERVERID=q"]))
    );
}

const EXP: (&str, &str) = ("expires", "Thu, 01 Jan 2099 00:00:00 GMT");

#[test]
fn nocache_adds_cache_control_private_only_to_cacheable_responses() {
    assert_eq!(
        go(II, case("a", false), &[EXP]).1,
        [
            "expires: Thu, 01 Jan 2099 00:00:00 GMT",
            "set-cookie: SERVERID=a; path=/",
            "cache-control: private"
        ]
    );
    // An existing Cache-Control gets a second line, not a merged value, after the inserted
    // cookie (the real binary: `cache-control: public, max-age=60`, `x-mid: 1`,
    // `content-length: 2`, `set-cookie: SERVERID=a; path=/`, `cache-control: private`).
    assert_eq!(
        go(
            II,
            case("a", false),
            &[("cache-control", "public, max-age=60")]
        )
        .1,
        [
            "cache-control: public, max-age=60",
            "set-cookie: SERVERID=a; path=/",
            "cache-control: private"
        ]
    );
    let post = Case {
        method: b"POST",
        ..case("a", false)
    };
    assert_eq!(go(II, post, &[EXP]).1.len(), 2);
    assert_eq!(
        go(
            II,
            Case {
                status: 302,
                ..case("a", false)
            },
            &[EXP]
        )
        .1
        .len(),
        2
    );
    assert_eq!(
        go(
            II,
            Case {
                status: 404,
                ..case("a", false)
            },
            &[EXP]
        )
        .1
        .len(),
        3
    );
    // No cookie inserted, nothing added.
    assert_eq!(go(II, case("b", true), &[EXP]).1.len(), 1);
}

#[test]
fn checkcache_blocks_cacheable_responses_with_a_server_cookie() {
    let sc = ("set-cookie", "a=1");
    let block = |p: Option<&CookiePolicy>, c: Case<'_>, h: &[(&'static str, &'static str)]| {
        run(p, true, c, h).2.block
    };
    assert!(block(None, case("", false), &[EXP, sc]));
    assert!(!block(
        None,
        case("", false),
        &[EXP, sc, ("cache-control", "no-cache=\"set-cookie\"")]
    ));
    assert!(!block(None, case("", false), &[sc]));
    let nocache = policy("cookie SRV insert indirect nocache");
    // The inserted cookie made it private...
    assert!(!block(Some(&nocache), case("a", false), &[EXP, sc]));
    // ...but a direct hit inserts nothing.
    assert!(block(Some(&nocache), case("a", true), &[EXP, sc]));
    let insert = policy("cookie SRV insert");
    assert!(block(Some(&insert), case("a", false), &[EXP, sc]));
    // Our own cookie does not count.
    assert!(!block(Some(&insert), case("a", false), &[EXP]));
    assert_eq!(
        checkcache_alert("be", Some("s1")),
        "Blocking cacheable cookie in response from instance be, server s1."
    );
}

#[test]
fn interim_responses_are_left_alone() {
    let c = Case {
        status: 100,
        ..case("a", false)
    };
    assert_eq!(go(II, c, &[]), ('N', vec![]));
}

#[test]
fn spaces_around_equal_are_removed_from_server_cookies_too() {
    assert_eq!(
        go(
            "cookie SRV insert indirect nocache",
            case("b", true),
            &[
                ("set-cookie", "a = 1; Path=/"),
                ("set-cookie", " SRV = q ; Path=/")
            ]
        ),
        ('D', lines(&["set-cookie: a=1; Path=/"]))
    );
}

#[test]
fn public_makes_even_a_post_cacheable_for_nocache() {
    let post = Case {
        method: b"POST",
        ..case("a", false)
    };
    assert_eq!(
        go(II, post, &[("cache-control", "public, max-age=60")]).1,
        [
            "cache-control: public, max-age=60",
            "set-cookie: SERVERID=a; path=/",
            "cache-control: private"
        ]
    );
}

#[test]
fn set_cookie2_deletions_keep_haproxy_2_6s_stale_tail() {
    // HAProxy 2.6 moves the bytes but never shortens a Set-Cookie2 header when it removes
    // one of its cookies; these are the exact lines the real binary sent.
    let (l, h) = go(
        "cookie SRV insert",
        case("b", true),
        &[("set-cookie2", "x=1, SRV=q; Version=1, y=2")],
    );
    assert_eq!(
        (l, h),
        ('D', lines(&["set-cookie2: x=1, y=2=q; Version=1, y=2"]))
    );
    let (l, h) = go(
        "cookie SRV insert",
        case("b", true),
        &[("set-cookie2", "SRV=q; Version=1, y=2, SRV=r")],
    );
    assert_eq!(
        (l, h),
        ('D', lines(&["set-cookie2: y=2, SRV=rsion=1, y=2, SRV=r"]))
    );
}

#[test]
fn rewrite_only_touches_the_first_cookie_of_a_set_cookie() {
    assert_eq!(
        go(
            "cookie SRV rewrite",
            case("a", false),
            &[("set-cookie", "SRV=q; SRV=z")]
        ),
        ('R', lines(&["set-cookie: SRV=a; SRV=z"]))
    );
}

#[test]
fn arbitrary_server_cookies_never_panic() {
    let alphabet = b"SRV=ab;, \t$\"\\|~x";
    let modes = [
        "cookie SRV insert",
        "cookie SRV insert indirect preserve",
        "cookie SRV rewrite",
        "cookie SRV prefix indirect",
        "cookie SRV indirect",
    ];
    let policies: Vec<CookiePolicy> = modes.iter().map(|m| policy(m)).collect();
    let mut seed = 11u64;
    for _ in 0..3000 {
        let mut v = Vec::new();
        for _ in 0..(seed % 29) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let Ok(s) = String::from_utf8(v) else {
            continue;
        };
        let s: &'static str = Box::leak(s.into_boxed_str());
        for p in &policies {
            for direct in [false, true] {
                run(
                    Some(p),
                    true,
                    case("a", direct),
                    &[("set-cookie", s), ("set-cookie2", s), ("set-cookie2", s)],
                );
            }
        }
    }
}
