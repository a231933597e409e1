//! Error replies, black box: `http-errors` sections with `errorfiles`, their order against
//! `errorfile`, `http-error status ...`, `http-request deny|return` with `errorfile` and
//! `errorfiles` arguments, `hdr` values that expand to nothing, and empty errorfiles (which
//! close the connection without a word). Every test passes on the real HAProxy 2.6
//! (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy`), which makes it the specification.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

/// A raw errorfile for `status` whose body is `body`.
fn page(status: u16, reason: &str, body: &str) -> String {
    format!(
        "HTTP/1.0 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// A frontend `fe` with `lines`, whose backend has no server (so it answers 503).
fn start(head: &str, lines: &str) -> Haproxy {
    Haproxy::start(&format!(
        "{DEFAULTS}{head}frontend fe\n    bind @@fe\n{lines}    default_backend nobody\nbackend nobody\n"
    ))
}

#[test]
fn a_return_hdr_whose_value_expands_to_nothing_is_omitted() {
    let h = start(
        "",
        "    http-request return status 200 content-type text/plain string ok hdr X-E \"%[req.hdr(nope)]\" hdr X-F \"%[req.hdr(host)]\"\n",
    );
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-e"), None);
    assert!(r.header("x-f").is_some());
    assert_eq!(r.text(), "ok");
}

#[test]
fn an_empty_errorfile_408_closes_silently_on_a_request_timeout() {
    let h = start(
        "    timeout http-request 300ms\n    errorfile 408 /dev/null\n",
        "",
    );
    let mut c = Client::connect(h.addr("fe"));
    c.send(b"GET / HTTP/1.1\r\nHost: te");
    assert_eq!(c.read_to_close(), b"");
}

#[test]
fn an_empty_errorfile_503_or_403_closes_silently_too() {
    let h = start(
        "    errorfile 503 /dev/null\n    errorfile 403 /dev/null\n",
        "    http-request deny if { path /deny }\n",
    );
    for path in ["/", "/deny"] {
        let mut c = Client::connect(h.addr("fe"));
        c.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        assert_eq!(c.read_to_close(), b"", "{path}");
    }
}
