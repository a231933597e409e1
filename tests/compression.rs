//! HTTP compression, black box (configuration.txt 4.2 "compression"): gzip, deflate and
//! raw-deflate when the client asks, q-values, nothing without `Accept-Encoding`, for an
//! already encoded body, for `Cache-Control: no-transform`, outside the `compression type`
//! list, for a 404, a HEAD or an HTTP/1.0 client; the headers 2.6 writes (`Content-Encoding`,
//! chunked instead of `Content-Length`, weak `ETag`, `Vary: Accept-Encoding` even next to
//! another `Vary`), the implicit `identity`, `defaults` inheritance and `compression offload`.
//! Bodies are decompressed with flate2 and compared with the origin's. Every test passes on
//! the real HAProxy 2.6 (`HAPROXY_UNDER_TEST=/usr/sbin/haproxy cargo nextest run --test
//! compression --run-ignored all`), which makes it the specification.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;
use std::io::Read;

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n";

/// A text body large enough to be worth compressing.
fn text() -> Vec<u8> {
    (0..2000u32)
        .flat_map(|i| format!("line {} of a compressible body\n", i % 97).into_bytes())
        .collect()
}

/// An origin answering `text()` as `text/plain`, plus `headers`.
fn origin(headers: &[(&str, &str)]) -> Origin {
    let mut b = Origin::builder("s1")
        .body(text())
        .header("Content-Type", "text/plain");
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.start()
}

/// `fe` -> `be` -> `o`, with `defaults_extra`, `fe_lines` and `be_lines`.
fn proxy(defaults_extra: &str, fe_lines: &str, be_lines: &str, o: &Origin) -> Haproxy {
    Haproxy::start(&format!(
        "{DEFAULTS}{defaults_extra}frontend fe\n    bind @@fe\n{fe_lines}    default_backend be\nbackend be\n{be_lines}    server s1 {}\n",
        o.addr()
    ))
}

/// One request on a fresh connection with `extra` header lines.
fn fetch(h: &Haproxy, method: &str, version: &str, extra: &str) -> Response {
    let mut c = Client::connect(h.addr("fe"));
    c.send(
        format!("{method} / {version}\r\nHost: test\r\n{extra}Connection: close\r\n\r\n")
            .as_bytes(),
    );
    if method == "HEAD" {
        c.read_head_response().unwrap()
    } else {
        c.read_response().unwrap()
    }
}

fn get(h: &Haproxy, extra: &str) -> Response {
    fetch(h, "GET", "HTTP/1.1", extra)
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn all(r: &Response, name: &str) -> Vec<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .collect()
}

/// Asserts `r` went through untouched: the origin's body and length, no encoding, no Vary.
fn assert_plain(r: &Response) {
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("vary"), None);
    assert_eq!(
        r.header("content-length"),
        Some(text().len().to_string().as_str())
    );
    assert_eq!(r.body, text());
}

#[test]
fn gzip_is_used_when_the_client_asks_and_the_body_becomes_chunked() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip, deflate\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert!(r.body.len() < text().len() / 4, "{} bytes", r.body.len());
    assert_eq!(gunzip(&r.body), text());
    assert_eq!(
        o.requests()[0].header("accept-encoding").as_deref(),
        Some("gzip, deflate")
    );
}

#[test]
fn deflate_is_the_zlib_format() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo deflate\n", "", &o);
    let r = get(&h, "Accept-Encoding: deflate\r\n");
    assert_eq!(r.header("content-encoding"), Some("deflate"));
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(r.body.as_slice())
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, text());
}

#[test]
fn raw_deflate_is_announced_as_deflate_and_has_no_zlib_header() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo raw-deflate\n", "", &o);
    let r = get(&h, "Accept-Encoding: deflate\r\n");
    assert_eq!(r.header("content-encoding"), Some("deflate"));
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(r.body.as_slice())
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, text());
}

#[test]
fn the_highest_q_value_wins_and_q_zero_refuses() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo gzip deflate\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip;q=0.5, deflate;q=0.9\r\n");
    assert_eq!(r.header("content-encoding"), Some("deflate"));
    let r = get(&h, "Accept-Encoding: gzip;q=0\r\n");
    assert_plain(&r);
    // `*` takes the algorithm configured last.
    let r = get(&h, "Accept-Encoding: *\r\n");
    assert_eq!(r.header("content-encoding"), Some("deflate"));
}

#[test]
fn nothing_is_compressed_without_accept_encoding() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    assert_plain(&get(&h, ""));
    assert_plain(&get(&h, "Accept-Encoding: br\r\n"));
}

#[test]
fn an_already_encoded_body_is_left_alone() {
    let o = origin(&[("Content-Encoding", "br")]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), Some("br"));
    assert_eq!(r.header("vary"), None);
    assert_eq!(r.body, text());
}

#[test]
fn cache_control_no_transform_is_respected() {
    let o = origin(&[("Cache-Control", "max-age=60, no-transform")]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    assert_plain(&get(&h, "Accept-Encoding: gzip\r\n"));
}

#[test]
fn only_the_listed_content_types_are_compressed() {
    let o = origin(&[]);
    let h = proxy(
        "",
        "    compression algo gzip\n    compression type text/html application/json\n",
        "",
        &o,
    );
    assert_plain(&get(&h, "Accept-Encoding: gzip\r\n"));
    let o = origin(&[]);
    let h = proxy(
        "",
        "    compression algo gzip\n    compression type text/html TEXT/PLAIN\n",
        "",
        &o,
    );
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&r.body), text());
}

#[test]
fn a_404_is_not_compressed() {
    let o = Origin::builder("s1")
        .status(404)
        .body(text())
        .header("Content-Type", "text/plain")
        .start();
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, text());
}

#[test]
fn an_http_1_0_client_gets_no_compression() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = fetch(&h, "GET", "HTTP/1.0", "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("vary"), None);
    assert_eq!(r.body, text());
}

#[test]
fn a_head_request_gets_no_compression_headers() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = fetch(&h, "HEAD", "HTTP/1.1", "Accept-Encoding: gzip\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("vary"), None);
}

#[test]
fn a_strong_etag_becomes_weak_and_a_weak_one_stays() {
    let o = origin(&[("ETag", "\"v1\"")]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("etag"), Some("W/\"v1\""));
    let o = origin(&[("ETag", "W/\"v2\"")]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("etag"), Some("W/\"v2\""));
}

#[test]
fn a_malformed_etag_prevents_compression() {
    let o = origin(&[("ETag", "v1")]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("etag"), Some("v1"));
}

#[test]
fn vary_accept_encoding_is_added_beside_an_existing_vary() {
    let o = origin(&[("Vary", "Cookie")]);
    let h = proxy("", "    compression algo gzip\n", "", &o);
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(all(&r, "vary"), ["Cookie", "Accept-Encoding"]);
}

#[test]
fn implicit_identity_chunks_the_body_and_adds_vary_without_encoding() {
    let o = origin(&[]);
    let h = proxy("", "    compression algo identity gzip\n", "", &o);
    let r = get(&h, "");
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert_eq!(r.body, text());
}

#[test]
fn defaults_settings_apply_and_the_backend_algorithms_win() {
    let o = origin(&[]);
    let h = proxy(
        "    compression algo gzip\n",
        "",
        "    compression algo deflate\n",
        &o,
    );
    // The backend offers gzip (from defaults) then deflate: the client's order decides.
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    let o = origin(&[]);
    let h = proxy(
        "",
        "    compression algo gzip\n",
        "    compression algo deflate\n",
        &o,
    );
    // Only the backend's list is searched when it has one.
    let r = get(&h, "Accept-Encoding: gzip\r\n");
    assert_plain(&r);
}

#[test]
fn offload_hides_accept_encoding_from_the_server() {
    let o = origin(&[]);
    let h = proxy(
        "",
        "    compression algo gzip\n    compression offload\n",
        "",
        &o,
    );
    let r = get(&h, "Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&r.body), text());
    let seen = o.requests();
    assert_eq!(seen[0].header("accept-encoding"), None, "{:?}", seen[0]);
}
