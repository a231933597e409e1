//! Whether a response may be stored by a shared cache, as HAProxy 2.6.12 decides it for
//! `cookie ... nocache` and `option checkcache` (configuration.txt 4.2 "cookie",
//! "option checkcache"; `http_ana.c`: method and status in `http_wait_for_request()` /
//! `http_wait_for_response()`, headers in `http_check_response_for_cacheability()`, with the
//! 2.6 backport that treats a response without freshness or validator as not cacheable).
//!
//! - cacheable methods: GET, HEAD, OPTIONS, TRACE; cacheable statuses: 200, 203, 204, 206,
//!   300, 301, 404, 405, 410, 414, 501;
//! - the first `Pragma` header equal to `no-cache` makes it uncacheable;
//! - `Cache-Control` values (comma-separated, quotes respected): `public` makes it
//!   cacheable (even for a POST); `private`, `no-cache`, `no-store`, `max-age=0`,
//!   `s-maxage=0` (exact) make it uncacheable; `no-cache="set-cookie…` only forbids caching
//!   its cookies; `max-age…`/`s-maxage…` are freshness;
//! - without freshness (`Cache-Control` or `Expires`) and without validator (`ETag`,
//!   `Last-Modified`) it is not cacheable.
//!
//! Pure. Must not import proxy or tokio.

use crate::http::Head;

/// HAProxy's `TX_CACHEABLE` and `TX_CACHE_COOK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cacheability {
    /// The response may be cached.
    pub cacheable: bool,
    /// ... including its `Set-Cookie` headers.
    pub with_cookies: bool,
}

/// True for the methods HAProxy treats as cacheable (case-sensitive, as methods are).
pub fn method_is_cacheable(m: &[u8]) -> bool {
    matches!(m, b"GET" | b"HEAD" | b"OPTIONS" | b"TRACE")
}

/// True for the statuses cacheable by default (RFC 7231 6.1).
pub fn status_is_cacheable(status: u16) -> bool {
    matches!(
        status,
        200 | 203 | 204 | 206 | 300 | 301 | 404 | 405 | 410 | 414 | 501
    )
}

/// The cacheability of a response with `status` and `headers` to a `method` request.
pub fn response_cacheability(method: &[u8], status: u16, headers: &Head) -> Cacheability {
    let ok = method_is_cacheable(method) && status_is_cacheable(status);
    let mut c = Cacheability {
        cacheable: ok,
        with_cookies: ok,
    };
    if status < 200 {
        return Cacheability::default();
    }
    let pragma = headers.get("pragma").map(trim);
    if pragma.is_some_and(|p| p.eq_ignore_ascii_case(b"no-cache")) {
        return Cacheability::default();
    }
    let mut fresh = false;
    for v in headers.get_all("cache-control") {
        for d in split_values(v) {
            let eq = |s: &str| d.eq_ignore_ascii_case(s.as_bytes());
            let starts = |s: &str| {
                d.get(..s.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(s.as_bytes()))
            };
            if eq("public") {
                c = Cacheability {
                    cacheable: true,
                    with_cookies: true,
                };
            } else if eq("private")
                || eq("no-cache")
                || eq("no-store")
                || eq("max-age=0")
                || eq("s-maxage=0")
            {
                c = Cacheability::default();
            } else if starts("no-cache=\"set-cookie") {
                c.with_cookies = false;
            } else if starts("s-maxage") || starts("max-age") {
                fresh = true;
            }
        }
    }
    if !fresh {
        fresh = headers.contains("expires");
    }
    let validator = headers.contains("etag") || headers.contains("last-modified");
    if !fresh && !validator {
        c.cacheable = false;
    }
    c
}

fn trim(v: &[u8]) -> &[u8] {
    let lws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = v.iter().position(|b| !lws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !lws(b)).map_or(start, |e| e + 1);
    v.get(start..end).unwrap_or(&[])
}

/// The comma-separated values of a header (unquoted commas only), each trimmed.
fn split_values(v: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut quoted, mut qdpair, mut start) = (false, false, 0);
    for (i, c) in v.iter().enumerate() {
        if qdpair {
            qdpair = false;
        } else if quoted {
            if *c == b'\\' {
                qdpair = true;
            } else if *c == b'"' {
                quoted = false;
            }
        } else if *c == b'"' {
            quoted = true;
        } else if *c == b',' {
            out.push(trim(v.get(start..i).unwrap_or(&[])));
            start = i + 1;
        }
    }
    out.push(trim(v.get(start..).unwrap_or(&[])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(method: &str, status: u16, hdrs: &[(&str, &str)]) -> (bool, bool) {
        let h = crate::http::testing::response(status, hdrs);
        let r = response_cacheability(method.as_bytes(), status, &h);
        (r.cacheable, r.with_cookies)
    }

    const EXP: (&str, &str) = ("expires", "Thu, 01 Jan 2099 00:00:00 GMT");

    // Each case below is a response on which the real binary did (true) or did not (false)
    // add `cache-control: private` next to an inserted `nocache` cookie.
    #[test]
    fn freshness_or_a_validator_is_needed() {
        assert!(!c("GET", 200, &[]).0);
        assert!(!c("GET", 200, &[("cache-control", "public")]).0);
        assert!(c("GET", 200, &[EXP]).0);
        assert!(c("GET", 200, &[("last-modified", "x")]).0);
        assert!(c("GET", 200, &[("etag", "\"x\"")]).0);
        assert!(c("GET", 200, &[("cache-control", "max-age=60")]).0);
        assert!(c("GET", 200, &[("cache-control", "public, max-age=60")]).0);
    }

    #[test]
    fn methods_statuses_and_directives_follow_haproxy_2_6() {
        assert!(!c("POST", 200, &[EXP]).0);
        assert!(!c("DELETE", 200, &[EXP]).0);
        assert!(c("HEAD", 200, &[EXP]).0);
        assert!(c("OPTIONS", 200, &[EXP]).0);
        assert!(!c("GET", 302, &[EXP]).0);
        assert!(c("GET", 404, &[EXP]).0);
        assert!(!c("GET", 500, &[EXP]).0);
        assert!(!c("GET", 200, &[EXP, ("pragma", "no-cache")]).0);
        assert!(!c("GET", 200, &[EXP, ("pragma", " No-Cache ")]).0);
        assert!(!c("get", 200, &[EXP]).0);
        assert!(!c("GET", 200, &[("cache-control", "private")]).0);
        // 2.6.12 does not let s-maxage override max-age=0 (fixed in 2.9).
        assert!(!c("GET", 200, &[("cache-control", "max-age=0, s-maxage=60")]).0);
        // Only the exact word `private` counts.
        assert!(
            c(
                "GET",
                200,
                &[("cache-control", "private=\"x\", max-age=60")]
            )
            .0
        );
        assert_eq!(
            c(
                "GET",
                200,
                &[("cache-control", "no-cache=\"set-cookie\", max-age=60")]
            ),
            (true, false)
        );
        assert_eq!(
            c(
                "GET",
                200,
                &[EXP, ("cache-control", "no-cache=\"set-cookie\"")]
            ),
            (true, false)
        );
    }
}
