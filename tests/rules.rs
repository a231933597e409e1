//! The rules engine end to end (issue 7): ACLs typed at load and evaluated by the `sample`
//! room, over real sockets, on both binaries (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy` runs
//! them against HAProxy 2.6, which they must pass unchanged), and the start-up refusal of
//! keywords this build cannot run yet (ours only: HAProxy runs them).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n";

fn proxy(fe_lines: &str, o: &Origin) -> Haproxy {
    Haproxy::start(&format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n{fe_lines}    default_backend be\nbackend be\n    server s1 {}\n",
        o.addr()
    ))
}

fn status(h: &Haproxy, raw: &str) -> u16 {
    Client::connect(h.addr("fe")).request(raw).status
}

#[test]
fn a_full_header_fetch_denies_as_haproxy_does() {
    // The example: this ACL used to load and never match.
    let o = Origin::http("s1");
    let h = proxy(
        "    acl bad req.fhdr(x-bad) -m found\n    http-request deny if bad\n",
        &o,
    );
    assert_eq!(
        status(&h, "GET / HTTP/1.1\r\nHost: a\r\nX-Bad: 1\r\n\r\n"),
        403
    );
    assert_eq!(status(&h, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
}

#[test]
fn occurrences_counts_and_converters_in_acls() {
    let o = Origin::http("s1");
    let h = proxy(
        "    acl two req.hdr_cnt(x) ge 2\n    acl second req.hdr(x,2) -m str b\n    acl host_lc req.hdr(host),lower -m beg www.\n    http-request deny deny_status 401 if two second\n    http-request deny deny_status 404 if host_lc\n",
        &o,
    );
    assert_eq!(
        status(&h, "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\nX: b\r\n\r\n"),
        401
    );
    assert_eq!(
        status(&h, "GET / HTTP/1.1\r\nHost: a\r\nX: a, c\r\n\r\n"),
        200
    );
    assert_eq!(status(&h, "GET / HTTP/1.1\r\nHost: WWW.A\r\n\r\n"), 404);
}

#[test]
fn url_parameters_cookies_and_integer_ranges() {
    let o = Origin::http("s1");
    let h = proxy(
        "    acl debug url_param(debug) -m str 1\n    acl admin req.cook(role) admin\n    acl big urlp_val(n) 100:200\n    http-request deny deny_status 403 if debug\n    http-request deny deny_status 401 if admin\n    http-request deny deny_status 413 if big\n",
        &o,
    );
    assert_eq!(
        status(&h, "GET /?a=1&debug=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
        403
    );
    assert_eq!(status(&h, "GET /?debug=0 HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    assert_eq!(
        status(
            &h,
            "GET / HTTP/1.1\r\nHost: a\r\nCookie: x=1; role=admin\r\n\r\n"
        ),
        401
    );
    assert_eq!(status(&h, "GET /?n=150 HTTP/1.1\r\nHost: a\r\n\r\n"), 413);
    assert_eq!(status(&h, "GET /?n=250 HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
}

#[test]
fn pattern_files_and_domain_matches() {
    let dir = TempDir::new();
    // HAProxy strips leading blanks only: "/trail " keeps its space and never matches.
    let list = dir.write(
        "blocked.lst",
        "# blocked paths\n/admin\n\n  /private\n/trail \n",
    );
    let o = Origin::http("s1");
    let h = proxy(
        &format!(
            "    acl blocked path_beg -f {}\n    acl ours hdr_dom(host) -i example.com\n    http-request deny if blocked\n    http-request deny deny_status 404 unless ours\n",
            list.display()
        ),
        &o,
    );
    assert_eq!(
        status(&h, "GET /private/x HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        403
    );
    assert_eq!(
        status(&h, "GET /trail/x HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        200
    );
    assert_eq!(
        status(&h, "GET /pub HTTP/1.1\r\nHost: WWW.Example.com:80\r\n\r\n"),
        200
    );
    assert_eq!(
        status(&h, "GET /pub HTTP/1.1\r\nHost: badexample.com\r\n\r\n"),
        404
    );
}

#[test]
fn a_fetch_this_build_cannot_run_refuses_to_start_but_passes_the_check() {
    if under_test_is_real() {
        return; // HAProxy runs TLS fetches; we refuse them until TLS exists
    }
    let o = Origin::http("s1");
    let cfg = format!(
        "{DEFAULTS}frontend fe\n    bind @@fe\n    acl tls ssl_fc\n    http-request deny if !tls\n    default_backend be\nbackend be\n    server s1 {}\n",
        o.addr()
    );
    let err = Haproxy::try_start(&cfg).err().expect("started with ssl_fc");
    assert!(
        err.contains("error detected while parsing ACL 'tls' : fetch method 'ssl_fc' is not supported by this build yet (it needs TLS)"),
        "{err}"
    );
    let (code, _) = Haproxy::check(&cfg.replace("@@fe", "127.0.0.1:1"));
    assert_eq!(code, 0, "-c keeps HAProxy's verdict");
}
