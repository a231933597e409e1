//! Unit tests of the request side, pinned by what the real HAProxy 2.6.12 forwarded to its
//! origin for the same `Cookie` headers (collected with `tests/cookie_bytes.rs`; `s1` has
//! `cookie a`, `s2` has `cookie b`).

use super::*;
use crate::persist::cookie::{CookiePolicy, CookieServer};

const NOW: u64 = 1796219729;

fn policy(line: &str) -> CookiePolicy {
    policy_persist(line, false)
}

fn policy_persist(line: &str, persist: bool) -> CookiePolicy {
    let l = crate::config::lexer::Line {
        loc: crate::config::diag::Loc::new("t.cfg", 1),
        words: line.split_whitespace().map(String::from).collect(),
    };
    let spec = crate::config::kw::cookie::parse_cookie(&l, &[])
        .spec
        .unwrap();
    CookiePolicy::new(&spec, persist)
}

fn servers(list: &[(&'static str, bool)]) -> Vec<CookieServer<'static>> {
    list.iter()
        .enumerate()
        .map(|(i, (c, running))| CookieServer {
            id: ServerId(i),
            cookie: Some(*c),
            running: *running,
        })
        .collect()
}

const AB: &[(&str, bool)] = &[("a", true), ("b", true)];

/// Runs `on_request` on `Cookie` headers `cookies`; returns the server index, the status
/// letter and the `Cookie` header values sent to the server.
fn run_ctx(
    p: &CookiePolicy,
    list: &[(&'static str, bool)],
    cookies: &[&str],
    ctx: RequestCtx,
) -> (Option<usize>, char, Vec<String>, RequestCookie) {
    let mut fields = vec![("host", "t")];
    fields.extend(cookies.iter().map(|c| ("Cookie", *c)));
    fields.push(("x-after", "1"));
    let mut h = crate::http::testing::request("GET / HTTP/1.1", &fields);
    let r = on_request(p, &servers(list), &ctx, &mut h);
    let sent = h
        .get_all("cookie")
        .map(|v| String::from_utf8(v.to_vec()).unwrap())
        .collect();
    // The header keeps its place among the others.
    let names: Vec<&[u8]> = h.headers().map(|(n, _)| n).collect();
    assert_eq!(names.first(), Some(&&b"host"[..]));
    assert_eq!(names.last(), Some(&&b"x-after"[..]));
    assert!(names
        .get(1..names.len() - 1)
        .unwrap()
        .iter()
        .all(|n| *n == b"Cookie"));
    (r.server.map(|s| s.0), r.status.letter(), sent, r)
}

fn run(line: &str, cookies: &[&str]) -> (Option<usize>, char, Vec<String>) {
    let ctx = RequestCtx {
        now: NOW,
        ..RequestCtx::default()
    };
    let (s, c, v, _) = run_ctx(&policy(line), AB, cookies, ctx);
    (s, c, v)
}

const II: &str = "cookie SRV insert indirect nocache";

fn sent(line: &str, cookie: &str) -> Vec<String> {
    run(line, &[cookie]).2
}

#[test]
fn insert_indirect_removes_the_cookie_wherever_it_sits_in_the_header() {
    let cases: &[(&str, &[&str])] = &[
        ("a=1; SRV=b; c=3", &["a=1; c=3"]),
        ("SRV=b; c=3", &["c=3"]),
        ("a=1; SRV=b", &["a=1"]),
        ("SRV=b", &[]),
        ("a=1;SRV=b;c=3", &["a=1; c=3"]),
        ("a=1 ;  SRV=b  ;  c=3", &["a=1; c=3"]),
        ("a = 1; SRV = b; c = 3", &["a=1; c=3"]),
        ("a=1, SRV=b, c=3", &["a=1, c=3"]),
        ("a=1 ; SRV=b", &["a=1 "]),
        ("SRV=b;", &[]),
        ("SRV=b ;c=1", &["c=1"]),
        ("x=1;SRV=b;;c=1", &["x=1; ;c=1"]),
        ("a=1,SRV=b", &["a=1"]),
        ("SRV=b , c=1", &["c=1"]),
        ("a=1; SRV=b; SRV=b; c=2", &["a=1; c=2"]),
        ("SRV=b; $x=1; $y; c=2", &["c=2"]),
        ("a=\"q\" ; SRV=b ; c", &["a=\"q\"; c"]),
        ("a=1;  SRV=b", &["a=1"]),
        ("  SRV=b  ;  a=1  ", &["a=1"]),
        ("$Version=1; SRV=b; $Path=/; c=3", &["$Version=1; c=3"]),
        ("SRV=b; $Path=/", &[]),
        ("a; SRV=b; c", &["a; c"]),
        ("SRV=b; a", &["a"]),
        ("SRV=b; SRV2=1", &["SRV2=1"]),
    ];
    for (cookie, want) in cases {
        let (srv, st, got) = run(II, &[cookie]);
        assert_eq!((srv, st), (Some(1), 'V'), "{cookie}");
        assert_eq!(got, *want, "{cookie}");
    }
}

#[test]
fn every_cookie_header_is_read_and_the_first_server_found_wins() {
    assert_eq!(
        run(II, &["a=1", "SRV=b", "c=3"]),
        (Some(1), 'V', vec!["a=1".to_string(), "c=3".to_string()])
    );
    assert_eq!(
        run(II, &["SRV=b; d=4", "SRV=a"]),
        (Some(1), 'V', vec!["d=4".to_string()])
    );
    // An unknown value first does not stop a later valid one.
    assert_eq!(run(II, &["SRV=zz", "SRV=a"]), (Some(0), 'V', vec![]));
    assert_eq!(run(II, &["SRV=b; SRV=a"]), (Some(1), 'V', vec![]));
    assert_eq!(run(II, &["SRV=zz; SRV=a; SRV=b"]), (Some(0), 'V', vec![]));
    assert_eq!(
        run(II, &["a=1; SRV=b; d; SRV=a; c=2"]),
        (Some(1), 'V', vec!["a=1; d; c=2".to_string()])
    );
}

#[test]
fn unknown_empty_or_quoted_values_are_invalid_and_still_removed() {
    assert_eq!(run(II, &["SRV=zz"]), (None, 'I', vec![]));
    assert_eq!(sent(II, "a=1; SRV=zz; b=2"), ["a=1; b=2"]);
    assert_eq!(run(II, &["SRV="]), (None, 'I', vec![]));
    assert_eq!(
        run(II, &["SRV=; a=1"]),
        (None, 'I', vec!["a=1".to_string()])
    );
    assert_eq!(run(II, &["SRV=\"b\""]), (None, 'I', vec![]));
    // A quoted ';' does not end a value.
    assert_eq!(
        run(II, &["a=\"x;SRV=b\"; SRV=a"]),
        (Some(0), 'V', vec!["a=\"x;SRV=b\"".to_string()])
    );
    assert_eq!(run(II, &[]), (None, 'N', vec![]));
    assert_eq!(run(II, &["a=1"]), (None, 'N', vec!["a=1".to_string()]));
}

#[test]
fn without_indirect_or_in_rewrite_and_passive_modes_the_header_is_untouched() {
    for line in [
        "cookie SRV insert",
        "cookie SRV rewrite",
        "cookie SRV",
        "cookie SRV indirect",
    ] {
        assert_eq!(
            run(line, &["x=1; SRV=b; y=2"]),
            (Some(1), 'V', vec!["x=1; SRV=b; y=2".to_string()]),
            "{line}"
        );
        assert_eq!(
            run(line, &["SRV=zz"]),
            (None, 'I', vec!["SRV=zz".to_string()])
        );
    }
}

#[test]
fn prefix_mode_routes_on_the_part_before_the_tilde_and_strips_it() {
    let p = "cookie JSESSIONID prefix";
    assert_eq!(
        run(p, &["JSESSIONID=b~abc"]),
        (Some(1), 'V', vec!["JSESSIONID=abc".to_string()])
    );
    assert_eq!(
        run(p, &["x=1; JSESSIONID=a~abc; y=2"]),
        (Some(0), 'V', vec!["x=1; JSESSIONID=abc; y=2".to_string()])
    );
    assert_eq!(
        run(p, &["JSESSIONID=abc"]),
        (None, 'I', vec!["JSESSIONID=abc".to_string()])
    );
    assert_eq!(
        run(p, &["JSESSIONID=zz~abc"]),
        (None, 'I', vec!["JSESSIONID=abc".to_string()])
    );
    // No dates in prefix mode: the bar is part of the server part.
    assert_eq!(
        run("cookie SRV prefix", &["SRV=b|axAjj~x"]),
        (None, 'I', vec!["SRV=x".to_string()])
    );
}

#[test]
fn a_stopped_server_is_skipped_unless_persist_or_force_persist() {
    let down: &[(&str, bool)] = &[("a", true), ("b", false)];
    let ctx = RequestCtx::default();
    let p = policy(II);
    assert_eq!(run_ctx(&p, down, &["SRV=b"], ctx).0, None);
    assert_eq!(run_ctx(&p, down, &["SRV=b"], ctx).1, 'D');
    let persist = policy_persist(II, true);
    assert_eq!(run_ctx(&persist, down, &["SRV=b"], ctx).0, Some(1));
    assert_eq!(run_ctx(&persist, down, &["SRV=b"], ctx).1, 'D');
    let force = RequestCtx {
        force_persist: true,
        ..ctx
    };
    assert_eq!(run_ctx(&p, down, &["SRV=b"], force).0, Some(1));
    // Servers sharing a value: the first running one.
    let shared: &[(&str, bool)] = &[("a", false), ("a", true), ("a", true)];
    assert_eq!(run_ctx(&p, shared, &["SRV=a"], ctx).0, Some(1));
    assert_eq!(run_ctx(&p, shared, &["SRV=a"], ctx).1, 'V');
}

#[test]
fn ignore_persist_and_use_server_leave_the_cookie_unused() {
    let p = policy(II);
    let ignore = RequestCtx {
        ignore_persist: true,
        ..RequestCtx::default()
    };
    assert_eq!(run_ctx(&p, AB, &["SRV=b"], ignore).0, None);
    assert_eq!(run_ctx(&p, AB, &["SRV=b"], ignore).1, 'U');
    // The request cookie is still removed in insert+indirect mode.
    assert_eq!(run_ctx(&p, AB, &["a=1; SRV=b"], ignore).2, ["a=1"]);
    assert_eq!(run_ctx(&p, AB, &[], ignore).1, 'N');
    let assigned = RequestCtx {
        assigned: true,
        ..RequestCtx::default()
    };
    assert_eq!(run_ctx(&p, AB, &["SRV=a"], assigned).1, 'U');
    assert_eq!(run_ctx(&p, AB, &["SRV=a"], assigned).0, None);
}

// Dates below were written by HAProxy's encoding for NOW-60 (axAjF), NOW-3600 (axAVQ),
// NOW-9h (aw+kw), NOW+2 days (axLGU) and NOW+60 (axAjj); the statuses are those the real
// binary logged for the same cookies.
#[test]
fn maxidle_and_maxlife_dates_expire_cookies() {
    let p = policy("cookie SRV insert indirect maxidle 30m maxlife 8h");
    let ctx = RequestCtx {
        now: NOW,
        ..RequestCtx::default()
    };
    let go = |c: &str| {
        let (s, l, _, r) = run_ctx(&p, AB, &[c], ctx);
        (s, l, r.last_date, r.first_date)
    };
    let (s, l, last, first) = go("SRV=b|axAjF|axAVQ");
    assert_eq!((s, l), (Some(1), 'V'));
    assert_eq!(last, super::super::date::b64tos30(b"axAjF").unwrap() << 2);
    assert_eq!(first, super::super::date::b64tos30(b"axAVQ").unwrap() << 2);
    assert_eq!(go("SRV=b|axAVQ|axAVQ"), (None, 'E', 0, 0));
    assert_eq!(go("SRV=b|axAjF|aw+kw"), (None, 'O', 0, 0));
    assert_eq!(go("SRV=b|axLGU"), (None, 'E', 0, 0));
    assert_eq!(go("SRV=b|axAjj|axAjF").1, 'V');
    assert_eq!(go("SRV=b|xx"), (Some(1), 'V', 0, 0));
    let (s, l, last, first) = go("SRV=b||axAjF");
    assert_eq!((s, l, last), (Some(1), 'V', 0));
    assert_ne!(first, 0);
}

#[test]
fn a_passive_cookie_expires_too_but_reaches_the_server_unchanged() {
    let p = policy("cookie SRV maxidle 10m");
    let ctx = RequestCtx {
        now: NOW,
        ..RequestCtx::default()
    };
    let (s, l, sent, _) = run_ctx(&p, AB, &["SRV=b|axAVQ"], ctx);
    assert_eq!((s, l, sent), (None, 'E', vec!["SRV=b|axAVQ".to_string()]));
    assert_eq!(run_ctx(&p, AB, &["SRV=b|axAjF"], ctx).0, Some(1));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let p = policy(II);
    let pfx = policy("cookie SRV prefix");
    let alphabet = b"SRV=ab;, \t$\"\\|~x";
    let mut seed = 7u64;
    for _ in 0..3000 {
        let mut v = Vec::new();
        for _ in 0..(seed % 23) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let Ok(s) = std::str::from_utf8(&v) else {
            continue;
        };
        let ctx = RequestCtx::default();
        run_ctx(&p, AB, &[s], ctx);
        run_ctx(&pfx, AB, &[s, s], ctx);
    }
}
