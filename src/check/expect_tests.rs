//! Tests of `expect.rs`: verdicts and info texts as the real HAProxy 2.6.12 reports them
//! (captured with `option log-health-checks`).

use super::*;
use crate::config::model::{CheckStatus::*, ExpectRule, Loc};

fn rule(pattern: ExpectPattern) -> ExpectRule {
    ExpectRule {
        inverse: false,
        pattern,
        min_recv: None,
        ok_status: None,
        error_status: None,
        tout_status: None,
        on_success: None,
        on_error: None,
        head: 0,
    }
}

fn m(r: ExpectRule) -> Matcher {
    Matcher::new(&r, &Loc::new("t.cfg", 1)).unwrap()
}

fn fail(status: CheckStatus, info: &str) -> Verdict {
    Verdict::Fail {
        status,
        info: info.to_string(),
    }
}

fn resp(text: &str, eof: bool) -> Response {
    match parse_response(text.as_bytes(), eof, false) {
        Parse::Response(r) => r,
        other => panic!("{other:?}"),
    }
}

const CTX: HttpContext = HttpContext {
    last_read: false,
    accept_404: false,
};

#[test]
fn tcp_string_waits_then_matches_or_fails_like_haproxy() {
    let s = m(rule(ExpectPattern::String(b"+PONG".to_vec())));
    assert_eq!(eval_tcp(&s, b"+PONG\r\n", false, 2, None), Verdict::Pass);
    assert_eq!(eval_tcp(&s, b"+PO", false, 2, None), Verdict::Wait);
    assert_eq!(
        eval_tcp(&s, b"+PO", true, 2, None),
        fail(L7Rsp, "TCPCHK did not match content '+PONG' at step 2")
    );
    // Long enough and not matching: still waits while the server may send more.
    assert_eq!(eval_tcp(&s, b"-ERR xxxxx", false, 2, None), Verdict::Wait);
    assert_eq!(
        eval_tcp(&s, b"-ERR\r\n", true, 2, Some("c")),
        fail(
            L7Rsp,
            "TCPCHK did not match content '+PONG' at step 2 comment: c"
        )
    );
}

#[test]
fn tcp_binary_and_regexes() {
    let b = m(rule(ExpectPattern::Binary(b"+PONG".to_vec())));
    assert_eq!(
        eval_tcp(&b, b"-ERR\r\n", true, 4, None),
        fail(L7Rsp, "TCPCHK did not match content (binary) at step 4")
    );
    let mut neg = rule(ExpectPattern::RString("^-ERR".into()));
    neg.inverse = true;
    let neg = m(neg);
    assert_eq!(eval_tcp(&neg, b"+PONG-ERR", true, 5, None), Verdict::Pass);
    assert_eq!(
        eval_tcp(&neg, b"-ERR", true, 5, None),
        fail(L7Rsp, "TCPCHK matched unwanted content (regex) at step 5")
    );
    let hexre = m(rule(ExpectPattern::RBinary("^1603".into())));
    assert_eq!(
        eval_tcp(&hexre, &[0x16, 0x03, 0x01], true, 2, None),
        Verdict::Pass
    );
    assert_eq!(
        eval_tcp(&hexre, &[0x15], true, 2, None),
        fail(
            L7Rsp,
            "TCPCHK did not match content (binary regex) at step 2"
        )
    );
}

#[test]
fn tcp_min_recv_and_statuses() {
    let mut r = rule(ExpectPattern::RString("^2".into()));
    r.min_recv = Some(4);
    r.error_status = Some(L7Sts);
    r.on_error = Some("bad banner".into());
    let r = m(r);
    assert_eq!(eval_tcp(&r, b"22", false, 2, None), Verdict::Wait);
    // With a minimum, a mismatch is conclusive.
    assert_eq!(
        eval_tcp(&r, b"5000", false, 2, None),
        fail(L7Sts, "bad banner")
    );
    assert_eq!(success_info(&r, true), "(tcp-check)");
}

#[test]
fn http_status_failure_reports_the_reason_phrase() {
    let s = m(rule(ExpectPattern::Status(vec![(200, 399)])));
    let ok = resp("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false);
    assert_eq!(eval_http(&s, &ok, CTX, None), Verdict::Pass);
    let bad = resp("HTTP/1.0 503 Whatever\r\nContent-Length: 0\r\n\r\n", false);
    assert_eq!(eval_http(&s, &bad, CTX, None), fail(L7Sts, "Whatever"));
    let bare = resp("HTTP/1.0 503\r\n\r\n", true);
    assert_eq!(eval_http(&s, &bare, CTX, None), fail(L7Sts, ""));
    assert_eq!(success_info(&s, false), "");
}

#[test]
fn http_404_passes_with_disable_on_404_while_the_server_is_not_down() {
    let s = m(rule(ExpectPattern::Status(vec![(200, 200)])));
    let r404 = resp("HTTP/1.0 404 Whatever\r\nContent-Length: 0\r\n\r\n", false);
    let ctx = HttpContext {
        last_read: false,
        accept_404: true,
    };
    assert_eq!(eval_http(&s, &r404, ctx, None), Verdict::Pass);
    assert_eq!(eval_http(&s, &r404, CTX, None), fail(L7Sts, "Whatever"));
}

#[test]
fn http_body_rules_wait_for_the_body() {
    let s = m(rule(ExpectPattern::String(b"hello".to_vec())));
    let full = resp(
        "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
        false,
    );
    assert_eq!(eval_http(&s, &full, CTX, None), Verdict::Pass);
    let part = resp("HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhel", false);
    assert_eq!(eval_http(&s, &part, CTX, None), Verdict::Wait);
    let bye = resp("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nbye", false);
    assert_eq!(
        eval_http(&s, &bye, CTX, Some("cmt")),
        fail(L7Rsp, "HTTP content check did not match comment: cmt")
    );
    let empty = resp("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false);
    assert_eq!(
        eval_http(&s, &empty, CTX, Some("cmt")),
        fail(
            L7Rsp,
            "HTTP content check could not find a response body comment: cmt"
        )
    );
    let chunked = resp(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
        false,
    );
    assert!(chunked.complete);
    assert_eq!(chunked.body, b"hello");
    assert_eq!(eval_http(&s, &chunked, CTX, None), Verdict::Pass);
    // The body rule ignores the status.
    let oops = resp("HTTP/1.0 500 Oops\r\n\r\nhello", true);
    assert_eq!(eval_http(&s, &oops, CTX, None), Verdict::Pass);
    let mut unwanted = rule(ExpectPattern::RString("err".into()));
    unwanted.inverse = true;
    let body = resp("HTTP/1.0 200 OK\r\n\r\nan error", true);
    assert_eq!(
        eval_http(&m(unwanted), &body, CTX, None),
        fail(L7Rsp, "HTTP check matched unwanted content")
    );
}

#[test]
fn http_header_rules() {
    let h = |name_method, name: &str, value: Option<(MatchMethod, &str)>, full| {
        m(rule(ExpectPattern::Header(HeaderMatch {
            name_method,
            name: name.into(),
            value: value.map(|(mm, v)| (mm, v.to_string())),
            full,
        })))
    };
    let r = resp(
        "HTTP/1.1 200 OK\r\nX-State: ready, warm\r\nSet-Cookie: sessid=1\r\nContent-Length: 0\r\n\r\n",
        false,
    );
    let pass = |x: &Matcher| eval_http(x, &r, CTX, None) == Verdict::Pass;
    assert!(pass(&h(MatchMethod::Str, "x-state", None, false)));
    assert!(pass(&h(
        MatchMethod::Str,
        "X-State",
        Some((MatchMethod::Str, "warm")),
        false
    )));
    assert!(!pass(&h(
        MatchMethod::Str,
        "X-State",
        Some((MatchMethod::Str, "warm")),
        true
    )));
    assert!(pass(&h(
        MatchMethod::Str,
        "X-State",
        Some((MatchMethod::Str, "ready, warm")),
        true
    )));
    assert!(pass(&h(
        MatchMethod::Beg,
        "set-",
        Some((MatchMethod::Beg, "sessid=")),
        false
    )));
    assert!(pass(&h(
        MatchMethod::Reg,
        "^x-s",
        Some((MatchMethod::Reg, "^re")),
        false
    )));
    assert!(!pass(&h(MatchMethod::Sub, "missing", None, false)));
    assert_eq!(
        eval_http(&h(MatchMethod::Sub, "missing", None, false), &r, CTX, None),
        fail(L7Sts, "OK")
    );
}

#[test]
fn responses_that_are_not_http_are_invalid() {
    assert_eq!(
        parse_response(b"garbage\r\n\r\n", true, false),
        Parse::Invalid
    );
    assert_eq!(parse_response(b"", true, false), Parse::Invalid);
    assert_eq!(
        parse_response(b"HTTP/1.1 200 OK\r\n", false, false),
        Parse::Partial
    );
    let s = m(rule(ExpectPattern::Status(vec![(200, 399)])));
    assert_eq!(invalid_http(&s, None), fail(L7Rsp, ""));
    // A status rule is decided on the head, even before the body.
    let head_only = resp(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        false,
    );
    assert!(!head_only.complete);
    assert_eq!(eval_http(&s, &head_only, CTX, None), Verdict::Pass);
    // Interim responses are skipped.
    let r = resp(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        false,
    );
    assert_eq!((r.status, r.complete), (204, true));
}
