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

/// Writes the pages of the `http-errors mine` section (503 and 403) and `f503` into `dir`;
/// returns the section's text.
fn section(dir: &TempDir) -> (String, std::path::PathBuf) {
    let s503 = dir.write("s503.http", &page(503, "Service Unavailable", "section\n"));
    let s403 = dir.write("s403.http", &page(403, "Forbidden", "sec403\n"));
    let f503 = dir.write("f503.http", &page(503, "Service Unavailable", "file\n"));
    let text = format!(
        "http-errors mine\n    errorfile 503 {}\n    errorfile 403 {}\n",
        s503.display(),
        s403.display()
    );
    (text, f503)
}

#[test]
fn errorfiles_uses_the_pages_of_an_http_errors_section() {
    let dir = TempDir::new();
    let (sec, _) = section(&dir);
    let h = start(
        &sec,
        "    errorfiles mine 503\n    http-request deny if { path /deny }\n",
    );
    let r = get(h.addr("fe"), "/");
    assert_eq!((r.status, r.text().as_str()), (503, "section\n"));
    // Only 503 was taken from the section: deny keeps the built-in 403 page.
    let r = get(h.addr("fe"), "/deny");
    assert_eq!(r.status, 403);
    assert!(r.text().contains("<h1>403 Forbidden</h1>"), "{}", r.text());
}

#[test]
fn a_later_errorfile_overrides_an_earlier_errorfiles_and_the_reverse() {
    let dir = TempDir::new();
    let (sec, f503) = section(&dir);
    let file_last = start(
        &sec,
        &format!(
            "    errorfiles mine\n    errorfile 503 {}\n",
            f503.display()
        ),
    );
    assert_eq!(get(file_last.addr("fe"), "/").text(), "file\n");
    let section_last = start(
        &sec,
        &format!(
            "    errorfile 503 {}\n    errorfiles mine\n",
            f503.display()
        ),
    );
    assert_eq!(get(section_last.addr("fe"), "/").text(), "section\n");
}

#[test]
fn http_error_builds_the_reply_for_its_status() {
    let h = start(
        "",
        "    http-error status 503 content-type text/plain string hello hdr X-A b\n",
    );
    let r = get(h.addr("fe"), "/");
    assert_eq!(r.status, 503);
    assert_eq!(r.text(), "hello");
    assert_eq!(r.header("x-a"), Some("b"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
}

#[test]
fn http_error_errorfiles_and_default_errorfiles_follow_the_order() {
    let dir = TempDir::new();
    let (sec, f503) = section(&dir);
    let h = start(
        &sec,
        &format!(
            "    errorfile 503 {}\n    http-error status 503 errorfiles mine\n    errorfile 403 {}\n    http-error status 403 default-errorfiles\n    http-request deny if {{ path /deny }}\n",
            f503.display(),
            f503.display()
        ),
    );
    assert_eq!(get(h.addr("fe"), "/").text(), "section\n");
    let r = get(h.addr("fe"), "/deny");
    assert_eq!(r.status, 403);
    assert!(r.text().contains("<h1>403 Forbidden</h1>"), "{}", r.text());
}

#[test]
fn deny_and_return_take_errorfile_and_errorfiles_arguments() {
    let dir = TempDir::new();
    let (sec, f503) = section(&dir);
    let h = start(
        &sec,
        &format!(
            "    http-request deny deny_status 403 errorfiles mine if {{ path /sec }}\n    http-request deny deny_status 404 errorfiles mine if {{ path /miss }}\n    http-request deny errorfile {} if {{ path /ef }}\n    http-request return status 503 errorfiles mine if {{ path /ret }}\n    http-request deny content-type text/plain string denied hdr X-D 1 if {{ path /str }}\n",
            f503.display()
        ),
    );
    let r = get(h.addr("fe"), "/sec");
    assert_eq!((r.status, r.text().as_str()), (403, "sec403\n"));
    // The section has no 404: an empty reply with that status.
    let r = get(h.addr("fe"), "/miss");
    assert_eq!((r.status, r.text().as_str()), (404, ""));
    let r = get(h.addr("fe"), "/ef");
    assert_eq!((r.status, r.text().as_str()), (503, "file\n"));
    let r = get(h.addr("fe"), "/ret");
    assert_eq!((r.status, r.text().as_str()), (503, "section\n"));
    let r = get(h.addr("fe"), "/str");
    assert_eq!((r.status, r.text().as_str()), (403, "denied"));
    assert_eq!(r.header("x-d"), Some("1"));
}
