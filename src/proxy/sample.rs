//! Log-format strings in rule arguments (configuration.txt 8.2.4 "Custom log format" and
//! 7.3 "Fetching samples"): the values of `http-request set-header`/`add-header`,
//! `http-response set-header`/`add-header`, `return lf-string` and `redirect location`.
//!
//! Supported: `%%`, `%ci %cp %fi %fp`, and `%[FETCH]` or `%[FETCH,lower|upper]` with
//! FETCH among `src src_port dst dst_port method path url query base req.ver
//! req.hdr(NAME) hdr(NAME) req.fhdr(NAME) ssl_fc`. A fetch that finds nothing, or is not
//! supported, yields an empty string (as a missing sample does in HAProxy).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::http::Head;

/// What a log-format string can look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample<'a> {
    /// Client address.
    pub src: Option<SocketAddr>,
    /// Address the client connected to.
    pub dst: Option<SocketAddr>,
    /// The request head: method, target, version, headers.
    pub req: Option<&'a Head>,
}

/// Expands `fmt`; strings without `%` are returned as they are, without copying.
pub fn expand<'f>(fmt: &'f str, s: &Sample<'_>) -> Cow<'f, str> {
    if !fmt.contains('%') {
        return Cow::Borrowed(fmt);
    }
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut rest = fmt;
    while let Some(i) = rest.find('%') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 1..).unwrap_or_default();
        if let Some(r) = after.strip_prefix('%') {
            out.push('%');
            rest = r;
        } else if let Some(r) = after.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                out.push_str(rest.get(i..).unwrap_or_default());
                return Cow::Owned(out);
            };
            let expr = r.get(..end).unwrap_or_default();
            fetch_expr(expr, s, &mut out);
            rest = r.get(end + 1..).unwrap_or_default();
        } else {
            let (code, r) = match after.get(..2) {
                Some(c @ ("ci" | "cp" | "fi" | "fp")) => (c, after.get(2..).unwrap_or_default()),
                _ => ("", after),
            };
            match code {
                "ci" => push_ip(&mut out, s.src),
                "cp" => push_port(&mut out, s.src),
                "fi" => push_ip(&mut out, s.dst),
                "fp" => push_port(&mut out, s.dst),
                _ => out.push('%'),
            }
            rest = r;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn push_ip(out: &mut String, a: Option<SocketAddr>) {
    if let Some(a) = a {
        let _ = write!(out, "{}", a.ip());
    }
}

fn push_port(out: &mut String, a: Option<SocketAddr>) {
    if let Some(a) = a {
        let _ = write!(out, "{}", a.port());
    }
}

fn fetch_expr(expr: &str, s: &Sample<'_>, out: &mut String) {
    let mut parts = expr.split(',');
    let fetch = parts.next().unwrap_or_default().trim();
    let start = out.len();
    fetch_one(fetch, s, out);
    for conv in parts {
        let value = out.split_off(start);
        match conv.trim() {
            "lower" => out.push_str(&value.to_ascii_lowercase()),
            "upper" => out.push_str(&value.to_ascii_uppercase()),
            _ => out.push_str(&value),
        }
    }
}

/// Appends header or start-line bytes (not UTF-8 checked by the parser: lossy).
fn push_bytes(out: &mut String, b: &[u8]) {
    out.push_str(&String::from_utf8_lossy(b));
}

fn fetch_one(fetch: &str, s: &Sample<'_>, out: &mut String) {
    let (name, arg) = match fetch.split_once('(') {
        Some((n, a)) => (n, a.strip_suffix(')').unwrap_or(a)),
        None => (fetch, ""),
    };
    match name {
        "src" => push_ip(out, s.src),
        "src_port" => push_port(out, s.src),
        "dst" => push_ip(out, s.dst),
        "dst_port" => push_port(out, s.dst),
        "method" => push_bytes(out, s.req.map_or(&[][..], Head::method)),
        "path" => push_bytes(out, s.req.and_then(Head::path).unwrap_or_default()),
        "query" => push_bytes(out, s.req.and_then(Head::query).unwrap_or_default()),
        "url" => push_bytes(out, s.req.map_or(&[][..], Head::target)),
        "base" => {
            if let Some(h) = s.req.and_then(|r| r.get("host")) {
                push_bytes(out, h);
            }
            push_bytes(out, s.req.and_then(Head::path).unwrap_or_default());
        }
        "req.ver" => {
            let v = s.req.map_or(&[][..], Head::version);
            push_bytes(out, v.strip_prefix(b"HTTP/").unwrap_or_default());
        }
        "req.hdr" | "hdr" | "req.fhdr" => {
            let arg = arg.split(',').next().unwrap_or_default().trim();
            if let Some(v) = s.req.and_then(|h| h.get_all(arg).last()) {
                // `hdr` returns the last comma-separated value, `fhdr` the full line.
                let v = if name == "req.fhdr" {
                    v
                } else {
                    v.rsplit(|&c| c == b',').next().unwrap_or(v).trim_ascii()
                };
                push_bytes(out, v);
            }
        }
        "ssl_fc" => out.push('0'),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_borrowed_and_percent_escapes_expand() {
        let s = Sample::default();
        assert!(matches!(expand("plain", &s), Cow::Borrowed("plain")));
        assert_eq!(expand("100%%", &s), "100%");
    }

    #[test]
    fn fetches_and_converters_expand_from_the_request() {
        let h = crate::http::testing::request(
            "GET /a/b?x=1 HTTP/1.1",
            &[("host", "Example.COM"), ("x-l", "a, b "), ("x-l", "c, d")],
        );
        let s = Sample {
            src: Some("10.0.0.7:5555".parse().unwrap()),
            dst: Some("10.0.0.1:80".parse().unwrap()),
            req: Some(&h),
        };
        assert_eq!(expand("%[src]:%[src_port]", &s), "10.0.0.7:5555");
        assert_eq!(expand("%ci -> %fi:%fp", &s), "10.0.0.7 -> 10.0.0.1:80");
        assert_eq!(
            expand("https://%[req.hdr(host),lower]%[url]", &s),
            "https://example.com/a/b?x=1"
        );
        assert_eq!(expand("[%[hdr(x-missing)]]", &s), "[]");
        assert_eq!(expand("%[path] %[query] %[method]", &s), "/a/b x=1 GET");
        assert_eq!(expand("%[base] %[req.ver]", &s), "Example.COM/a/b 1.1");
        assert_eq!(expand("%[hdr(x-l)]|%[req.fhdr(x-l)]", &s), "d|c, d");
    }

    #[test]
    fn an_absolute_target_keeps_its_whole_url_and_gives_its_path() {
        let h = crate::http::testing::request("GET http://h/p?q HTTP/1.0", &[]);
        let s = Sample {
            req: Some(&h),
            ..Sample::default()
        };
        assert_eq!(
            expand("%[url] %[path] %[query] %[req.ver] [%[base]]", &s),
            "http://h/p?q /p q 1.0 [/p]"
        );
    }
}
