//! The bytes HAProxy 2.6 sends for an HTTP health check (configuration.txt 4.2 "option
//! httpchk", "http-check send", "http-check send-state"), as its check code builds the
//! request and its HTTP/1 mux writes it: request line, header names in lower case, the
//! `x-haproxy-server-state` header, `content-length`, the `connection` header the
//! connection mode asks for, then the body. Pure functions; every rule below was captured
//! from the real binary (see `tests/checks.rs`, which compares both byte for byte):
//!
//! - defaults: `OPTIONS`, `/`, `HTTP/1.0`: `OPTIONS / HTTP/1.0\r\n\r\n`;
//! - a version of 8 characters from `HTTP/1.1` up (or `HTTP/2`) is written `HTTP/1.1`;
//! - `content-length` is omitted for an empty body with `GET`, `HEAD`, `OPTIONS`, `DELETE`;
//!   any other method gets `content-length: 0`;
//! - HAProxy asks for `Connection: close` unless a `Connection` header was given; the mux
//!   removes `close`/`keep-alive` tokens and appends `connection: close` (HTTP/1.1) or
//!   `connection: keep-alive` (HTTP/1.0, keep-alive wanted) after every other header;
//! - a `Host` header rewrites the authority of an absolute URI;
//! - `te` keeps only `trailers`.
//!
//! Must not import tokio, the proxy or the server room.

use std::net::IpAddr;

use super::state::{CheckState, OpState};
use crate::config::model::{HttpConnMode, HttpRequest};

/// Methods for which an empty body gets no `content-length` header.
const BODYLESS: [&str; 4] = ["GET", "HEAD", "OPTIONS", "DELETE"];

/// True when HAProxy flags the version as HTTP/1.1 or later.
fn is_http11(v: &str) -> bool {
    let b = v.as_bytes();
    match (b.len(), b.get(5), b.get(7)) {
        (6, Some(b'2'), _) => true,
        (8, Some(&major), Some(&minor)) => major > b'1' || (major == b'1' && minor >= b'1'),
        _ => false,
    }
}

/// `scheme://authority/...`: the byte range of the authority, if the URI is absolute.
fn authority(uri: &str) -> Option<(usize, usize)> {
    let i = uri.find("://")?;
    let scheme = uri.get(..i)?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    let start = i + 3;
    let rest = uri.get(start..)?;
    let end = rest.find(['/', '?', '#']).map_or(uri.len(), |e| start + e);
    Some((start, end))
}

/// What the mux makes of a `Connection` value: the remaining tokens, and whether `close`,
/// `keep-alive` or `upgrade` were among them.
struct ConnTokens {
    kept: String,
    close: bool,
    keep_alive: bool,
    upgrade: bool,
}

fn connection_tokens(value: &str) -> ConnTokens {
    let mut t = ConnTokens {
        kept: String::new(),
        close: false,
        keep_alive: false,
        upgrade: false,
    };
    for word in value.split(',').map(|w| w.trim_matches([' ', '\t'])) {
        if word.is_empty() {
            continue;
        }
        if word.eq_ignore_ascii_case("keep-alive") {
            t.keep_alive = true;
            continue;
        }
        if word.eq_ignore_ascii_case("close") {
            t.close = true;
            continue;
        }
        if word.eq_ignore_ascii_case("upgrade") {
            t.upgrade = true;
        }
        if !t.kept.is_empty() {
            t.kept.push(',');
        }
        t.kept.push_str(word);
    }
    t
}

/// The bytes of one HTTP check request. `mode` is the backend's HTTP connection mode
/// (`option httpclose` / `http-server-close` make the mux close when no `Connection`
/// header asks for keep-alive); `state` is the value of `x-haproxy-server-state` when
/// `http-check send-state` is on ([`server_state`]).
pub fn build(req: &HttpRequest, mode: HttpConnMode, state: Option<&str>) -> Vec<u8> {
    let method = req.method.as_deref().unwrap_or("OPTIONS");
    let mut uri = req.uri.clone().unwrap_or_else(|| "/".to_string());
    let version = req.version.as_deref().unwrap_or("HTTP/1.0");
    let v11 = is_http11(version);
    let body = req.body.as_deref().unwrap_or("");

    // The check adds `Connection: close` after the other headers unless one was given.
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    if let Some(v) = state {
        headers.push(("x-haproxy-server-state".into(), v.to_string()));
    }
    if !headers.iter().any(|(n, _)| n == "connection") {
        headers.push(("connection".into(), "close".into()));
    }
    if !body.is_empty() || !BODYLESS.contains(&method) {
        headers.push(("content-length".into(), body.len().to_string()));
    }
    if let Some((_, host)) = headers.iter().rev().find(|(n, _)| n == "host") {
        if let Some((a, b)) = authority(&uri) {
            uri.replace_range(a..b, host);
        }
    }

    let mut out = Vec::with_capacity(128 + body.len());
    let shown_version = if v11 { "HTTP/1.1" } else { version };
    out.extend_from_slice(format!("{method} {uri} {shown_version}\r\n").as_bytes());
    let (mut close, mut keep_alive, mut upgrade) = (false, false, false);
    for (name, value) in &headers {
        let value = match name.as_str() {
            "connection" => {
                let t = connection_tokens(value);
                close |= t.close;
                keep_alive |= t.keep_alive;
                upgrade |= t.upgrade;
                t.kept
            }
            "te" => match value.find("trailers") {
                Some(i) if value.len() <= i + 8 || value.as_bytes().get(i + 8) == Some(&b',') => {
                    "trailers".to_string()
                }
                _ => continue,
            },
            _ => value.clone(),
        };
        if value.is_empty() {
            continue;
        }
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    let want_close = close || (!keep_alive && mode != HttpConnMode::KeepAlive);
    if !upgrade {
        if want_close && v11 {
            out.extend_from_slice(b"connection: close\r\n");
        } else if !want_close && !v11 {
            out.extend_from_slice(b"connection: keep-alive\r\n");
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    out
}

/// What `http-check send-state` reports about a server.
#[derive(Debug, Clone, Copy)]
pub struct ServerStateView<'a> {
    /// The server's operational state.
    pub op: OpState,
    /// Its check counter; `None` when checks are disabled (`no check`).
    pub check: Option<&'a CheckState>,
    /// Its address and service port; `None` for a unix socket.
    pub addr: Option<(IpAddr, u16)>,
    /// Backend name.
    pub backend: &'a str,
    /// Server name.
    pub server: &'a str,
    /// `node` (global), the host name by default.
    pub node: &'a str,
    /// Its effective weight, as the stats page shows it.
    pub weight: u32,
    /// The backend's total effective weight.
    pub total_weight: u32,
    /// Its current sessions.
    pub cur_sess: u32,
    /// The backend's connections minus its queue.
    pub backend_sessions: u32,
    /// Its queue length.
    pub queue: u32,
}

/// The value of `x-haproxy-server-state` (HAProxy's `httpchk_build_status_header()`), e.g.
/// `UP 2/3; address=127.0.0.1; port=8080; name=be/s1; node=lb1; weight=1/2; scur=0/0; qcur=0`.
pub fn server_state(v: &ServerStateView<'_>) -> String {
    let health = match v.check {
        None => "no check".to_string(),
        Some(c) if v.op != OpState::Stopped => {
            let word = if v.op == OpState::Stopping {
                "NOLB"
            } else {
                "UP"
            };
            if c.health == c.max() {
                word.to_string()
            } else {
                // health - rise + 1, as an int: may be negative in HAProxy too.
                let n = i64::from(c.health) - i64::from(c.rise) + 1;
                format!("{word} {n}/{}", c.fall)
            }
        }
        Some(c) if c.health > 0 => format!("DOWN {}/{}", c.health, c.rise),
        Some(_) => "DOWN".to_string(),
    };
    let (addr, port) = match v.addr {
        Some((ip, port)) => (ip.to_string(), port.to_string()),
        None => (String::new(), String::new()),
    };
    format!(
        "{health}; address={addr}; port={port}; name={}/{}; node={}; weight={}/{}; scur={}/{}; qcur={}",
        v.backend, v.server, v.node, v.weight, v.total_weight, v.cur_sess, v.backend_sessions, v.queue
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Option<&str>, uri: Option<&str>, version: Option<&str>) -> HttpRequest {
        HttpRequest {
            method: method.map(Into::into),
            uri: uri.map(Into::into),
            version: version.map(Into::into),
            ..HttpRequest::default()
        }
    }

    fn text(r: &HttpRequest) -> String {
        String::from_utf8(build(r, HttpConnMode::KeepAlive, None)).unwrap()
    }

    fn with_headers(mut r: HttpRequest, h: &[(&str, &str)]) -> HttpRequest {
        r.headers = h
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        r
    }

    // Every expected string below is what /usr/sbin/haproxy 2.6.12 sent.

    #[test]
    fn the_default_request_is_options_slash_http10() {
        assert_eq!(text(&req(None, None, None)), "OPTIONS / HTTP/1.0\r\n\r\n");
    }

    #[test]
    fn the_articles_option_httpchk_get_index_php() {
        assert_eq!(
            text(&req(Some("GET"), Some("/index.php"), None)),
            "GET /index.php HTTP/1.0\r\n\r\n"
        );
    }

    #[test]
    fn http11_gets_connection_close_after_the_headers() {
        let r = req(Some("GET"), Some("/index.php"), Some("HTTP/1.1"));
        assert_eq!(
            text(&r),
            "GET /index.php HTTP/1.1\r\nconnection: close\r\n\r\n"
        );
        let r = with_headers(r, &[("Host", "www.x")]);
        assert_eq!(
            text(&r),
            "GET /index.php HTTP/1.1\r\nhost: www.x\r\nconnection: close\r\n\r\n"
        );
    }

    #[test]
    fn a_host_header_on_http10() {
        let r = with_headers(req(None, None, None), &[("Host", "www.x")]);
        assert_eq!(text(&r), "OPTIONS / HTTP/1.0\r\nhost: www.x\r\n\r\n");
    }

    #[test]
    fn a_body_gets_its_content_length_before_connection() {
        let mut r = with_headers(
            req(Some("POST"), Some("/p"), Some("HTTP/1.1")),
            &[("Host", "h")],
        );
        r.body = Some("hello world".into());
        assert_eq!(
            text(&r),
            "POST /p HTTP/1.1\r\nhost: h\r\ncontent-length: 11\r\nconnection: close\r\n\r\nhello world"
        );
        let mut r = req(Some("GET"), None, None);
        r.body = Some("x".into());
        assert_eq!(text(&r), "GET / HTTP/1.0\r\ncontent-length: 1\r\n\r\nx");
    }

    #[test]
    fn content_length_zero_depends_on_the_method() {
        let line = |m: &str| text(&req(Some(m), None, Some("HTTP/1.1")));
        for m in ["GET", "HEAD", "OPTIONS", "DELETE"] {
            assert_eq!(
                line(m),
                format!("{m} / HTTP/1.1\r\nconnection: close\r\n\r\n")
            );
        }
        for m in ["PUT", "TRACE", "CONNECT", "PATCH", "POST", "get"] {
            assert_eq!(
                line(m),
                format!("{m} / HTTP/1.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            );
        }
    }

    #[test]
    fn send_state_comes_after_the_configured_headers() {
        let r = req(None, None, None);
        let state = "UP 1/3; address=127.0.0.1; port=39657; name=be/s1; node=vm; weight=1/1; scur=0/0; qcur=0";
        assert_eq!(
            String::from_utf8(build(&r, HttpConnMode::KeepAlive, Some(state))).unwrap(),
            format!("OPTIONS / HTTP/1.0\r\nx-haproxy-server-state: {state}\r\n\r\n")
        );
    }

    #[test]
    fn a_connection_header_changes_what_the_mux_appends() {
        let r = |v: Option<&str>, h: &str| with_headers(req(None, None, v), &[("Connection", h)]);
        assert_eq!(
            text(&r(Some("HTTP/1.1"), "keep-alive")),
            "OPTIONS / HTTP/1.1\r\n\r\n"
        );
        assert_eq!(
            text(&r(None, "foo")),
            "OPTIONS / HTTP/1.0\r\nconnection: foo\r\nconnection: keep-alive\r\n\r\n"
        );
        assert_eq!(
            text(&r(None, "foo, close")),
            "OPTIONS / HTTP/1.0\r\nconnection: foo\r\n\r\n"
        );
        assert_eq!(text(&r(None, "Close")), "OPTIONS / HTTP/1.0\r\n\r\n");
        assert_eq!(
            text(&r(Some("HTTP/1.1"), "foo, keep-alive")),
            "OPTIONS / HTTP/1.1\r\nconnection: foo\r\n\r\n"
        );
        let mut post = r(None, "keep-alive");
        post.method = Some("POST".into());
        assert_eq!(
            text(&post),
            "POST / HTTP/1.0\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"
        );
        // httpclose on the backend: no keep-alive unless asked for.
        let foo = r(None, "foo");
        assert_eq!(
            String::from_utf8(build(&foo, HttpConnMode::Close, None)).unwrap(),
            "OPTIONS / HTTP/1.0\r\nconnection: foo\r\n\r\n"
        );
    }

    #[test]
    fn versions_from_http11_up_are_written_http11() {
        for v in ["HTTP/2.0", "HTTP/1.2", "http/1.1", "HTTP/2"] {
            assert_eq!(
                text(&req(None, None, Some(v))),
                "OPTIONS / HTTP/1.1\r\nconnection: close\r\n\r\n",
                "{v}"
            );
        }
        assert_eq!(
            text(&req(None, None, Some("FOO/1.1"))),
            "OPTIONS / FOO/1.1\r\n\r\n"
        );
    }

    #[test]
    fn a_host_header_rewrites_an_absolute_uri() {
        let r = with_headers(
            req(None, Some("http://x.y:8080/p?q"), None),
            &[("Host", "a.b")],
        );
        assert_eq!(
            text(&r),
            "OPTIONS http://a.b/p?q HTTP/1.0\r\nhost: a.b\r\n\r\n"
        );
        assert_eq!(
            text(&req(
                Some("get"),
                Some("http://foo.bar/x?y"),
                Some("HTTP/1.1")
            )),
            "get http://foo.bar/x?y HTTP/1.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        assert_eq!(
            text(&req(None, Some("*"), None)),
            "OPTIONS * HTTP/1.0\r\n\r\n"
        );
    }

    #[test]
    fn te_keeps_only_trailers() {
        let r = |v: &str| with_headers(req(None, None, None), &[("TE", v)]);
        assert_eq!(text(&r("gzip")), "OPTIONS / HTTP/1.0\r\n\r\n");
        assert_eq!(
            text(&r("trailers, gzip")),
            "OPTIONS / HTTP/1.0\r\nte: trailers\r\n\r\n"
        );
    }

    #[test]
    fn header_values_keep_their_spaces() {
        let r = with_headers(
            req(None, None, None),
            &[("X-A", "a  b   c"), ("X-B", "100%"), ("X-C", " lead")],
        );
        assert_eq!(
            text(&r),
            "OPTIONS / HTTP/1.0\r\nx-a: a  b   c\r\nx-b: 100%\r\nx-c:  lead\r\n\r\n"
        );
    }

    fn view<'a>(op: OpState, check: Option<&'a CheckState>) -> ServerStateView<'a> {
        ServerStateView {
            op,
            check,
            addr: Some(("127.0.0.1".parse().unwrap(), 39657)),
            backend: "be",
            server: "s1",
            node: "vm",
            weight: 1,
            total_weight: 1,
            cur_sess: 0,
            backend_sessions: 0,
            queue: 0,
        }
    }

    #[test]
    fn the_server_state_reads_like_haproxy() {
        let fresh = CheckState::new(2, 3);
        assert_eq!(
            server_state(&view(OpState::Running, Some(&fresh))),
            "UP 1/3; address=127.0.0.1; port=39657; name=be/s1; node=vm; weight=1/1; scur=0/0; qcur=0"
        );
        let mut up = fresh;
        up.health = up.max();
        assert!(server_state(&view(OpState::Running, Some(&up))).starts_with("UP; "));
        assert!(server_state(&view(OpState::Stopping, Some(&up))).starts_with("NOLB; "));
        let mut down = fresh;
        down.health = 0;
        assert!(server_state(&view(OpState::Stopped, Some(&down))).starts_with("DOWN; "));
        down.health = 1;
        assert!(server_state(&view(OpState::Stopped, Some(&down))).starts_with("DOWN 1/2; "));
        assert!(server_state(&view(OpState::Running, None)).starts_with("no check; "));
    }
}
