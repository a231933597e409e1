//! The stats page, black box: `stats enable`, `stats uri`, `stats auth` (401 with the realm),
//! `stats realm`, `stats hide-version`, the `;csv` export. Validated against the real HAProxy
//! 2.6; later issue for our binary.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

fn start(stats_lines: &str, s1: &Origin) -> Haproxy {
    Haproxy::start(&format!(
        "{DEFAULTS}listen stats\n    bind @@stats\n    stats enable\n    stats uri /stats\n{stats_lines}frontend fe\n    bind @@fe\n    default_backend be\nbackend be\n    server s1 {}\n",
        s1.addr()
    ))
}

fn authed(h: &Haproxy, path: &str, basic: &str) -> Response {
    Client::connect(h.addr("stats")).request(&format!(
        "GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Basic {basic}\r\nConnection: close\r\n\r\n"
    ))
}

#[test]
#[ignore = "later issue: stats page"]
fn the_stats_uri_serves_the_html_report() {
    let s1 = Origin::http("s1");
    let h = start("", &s1);
    let r = get(h.addr("stats"), "/stats");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let page = r.text();
    assert!(page.contains("Statistics Report for HAProxy"), "{page}");
    assert!(page.contains("be") && page.contains("s1"));
    assert!(
        page.contains("version 2.6"),
        "the version shows without hide-version"
    );
}

#[test]
#[ignore = "later issue: stats page"]
fn other_uris_of_a_stats_listener_are_not_the_report() {
    let s1 = Origin::http("s1");
    let h = start("", &s1);
    assert_eq!(get(h.addr("stats"), "/other").status, 503);
}

#[test]
#[ignore = "later issue: stats page"]
fn the_csv_export_lists_frontends_backends_and_servers() {
    let s1 = Origin::http("s1");
    let h = start("", &s1);
    let r = get(h.addr("stats"), "/stats;csv");
    assert_eq!(r.status, 200);
    let csv = r.text();
    assert!(
        csv.starts_with("# pxname,svname,qcur,qmax,scur,smax,slim,stot,"),
        "{csv}"
    );
    for row in ["fe,FRONTEND,", "be,s1,", "be,BACKEND,", "stats,FRONTEND,"] {
        assert!(csv.lines().any(|l| l.starts_with(row)), "no {row} in {csv}");
    }
}

#[test]
#[ignore = "later issue: stats page"]
fn stats_auth_demands_credentials_with_the_realm() {
    let s1 = Origin::http("s1");
    let h = start(
        "    stats realm Private\\ Area\n    stats auth admin:secret\n",
        &s1,
    );
    let r = get(h.addr("stats"), "/stats");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Private Area\"")
    );
    // admin:wrong
    assert_eq!(authed(&h, "/stats", "YWRtaW46d3Jvbmc=").status, 401);
    // admin:secret
    assert_eq!(authed(&h, "/stats", "YWRtaW46c2VjcmV0").status, 200);
}

#[test]
#[ignore = "later issue: stats page"]
fn hide_version_removes_the_version_from_the_report() {
    let s1 = Origin::http("s1");
    let h = start("    stats hide-version\n", &s1);
    let page = get(h.addr("stats"), "/stats").text();
    assert!(page.contains("Statistics Report"));
    assert!(!page.contains("version 2.6"), "{page}");
}

#[test]
#[ignore = "later issue: stats page"]
fn the_csv_counts_requests_served_by_each_server() {
    let s1 = Origin::http("s1");
    let h = start("", &s1);
    for _ in 0..3 {
        assert_eq!(get(h.addr("fe"), "/").status, 200);
    }
    let csv = get(h.addr("stats"), "/stats;csv").text();
    let header: Vec<&str> = csv
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("# ")
        .split(',')
        .collect();
    let stot = header.iter().position(|c| *c == "stot").unwrap();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("be,s1,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(row[stot], "3", "{csv}");
}
