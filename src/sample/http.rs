//! How HTTP fetches read a message head, as HAProxy 2.6 reads its HTX form: header values
//! split at commas outside quotes and trimmed (`http_find_header`), whole lines for `fhdr`,
//! cookies (`Cookie` pairs, the first pair of each `Set-Cookie`), URL parameters, `base`,
//! header names lower-cased.

use std::net::IpAddr;

use crate::http::Head;

/// The values of header `name` (every header when `None`), split at commas unless `full`.
pub fn header_values<'a>(h: &'a Head, name: Option<&str>, full: bool) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    for (n, v) in h.headers() {
        if name.is_some_and(|want| !n.eq_ignore_ascii_case(want.as_bytes())) {
            continue;
        }
        if full {
            out.push(trim(v));
        } else {
            split_commas(v, &mut out);
        }
    }
    out
}

/// Splits a header value at commas outside double quotes, trimming each part.
fn split_commas<'a>(v: &'a [u8], out: &mut Vec<&'a [u8]>) {
    let mut start = 0;
    let mut quoted = false;
    let mut i = 0;
    while i < v.len() {
        match v.get(i) {
            Some(b'"') => quoted = !quoted,
            Some(b'\\') if quoted => i += 1,
            Some(b',') if !quoted => {
                out.push(trim(v.get(start..i).unwrap_or_default()));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(trim(v.get(start..).unwrap_or_default()));
}

/// Trims spaces and tabs.
pub fn trim(v: &[u8]) -> &[u8] {
    crate::http::trim(v)
}

/// HAProxy's `strl2ic`: the integer at the start of `v` (0 when there is none).
pub fn leading_int(v: &[u8]) -> i64 {
    let (neg, digits) = match v.first() {
        Some(b'-') => (true, v.get(1..).unwrap_or_default()),
        _ => (false, v),
    };
    let mut n: i64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        n = n.wrapping_mul(10).wrapping_add(i64::from(c - b'0'));
    }
    if neg {
        n.wrapping_neg()
    } else {
        n
    }
}

/// An IPv4 or IPv6 address written in `v`.
pub fn parse_ip(v: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// The values of cookie `name` (any when `None`), in order: `Cookie` headers in a request,
/// `Set-Cookie` in a response, each header split at commas first (`http_find_header` without
/// `full`), then scanned as HAProxy's `http_extract_cookie_value` does, quirks included: a
/// cookie with an empty value at the very end of a header is not seen, `$` attributes are
/// skipped, and a `Set-Cookie` is scanned from the first pair after each hit.
pub fn cookies<'a>(h: &'a Head, res: bool, name: Option<&str>) -> Vec<&'a [u8]> {
    let hdr = if res { "set-cookie" } else { "cookie" };
    let name = name.map(str::as_bytes);
    let nl = name.map_or(0, <[u8]>::len);
    let mut out = Vec::new();
    for v in header_values(h, Some(hdr), false) {
        if v.len() < nl + 1 {
            continue;
        }
        let mut at = 0;
        while let Some((val, next)) = extract_cookie(v, at, name, !res) {
            out.push(val);
            at = next;
        }
    }
    out
}

/// HAProxy's `http_extract_cookie_value`: the next value of cookie `name` (any when `None`)
/// in `v` from `at`, and where to search on from. `list`: `Cookie` (every pair, `,` also
/// separates); otherwise `Set-Cookie` (only the first pair from `at`).
fn extract_cookie<'a>(
    v: &'a [u8],
    mut at: usize,
    name: Option<&[u8]>,
    list: bool,
) -> Option<(&'a [u8], usize)> {
    let sp = |c: u8| c == b' ' || c == b'\t';
    let nl = name.map_or(0, <[u8]>::len);
    while at + nl + 1 < v.len() {
        while v.get(at).is_some_and(|&c| sp(c)) {
            at += 1;
        }
        let (mut equal, mut att_end) = (at, at);
        while let Some(&c) = v.get(equal) {
            if c == b'=' || c == b';' || (list && c == b',') {
                break;
            }
            equal += 1;
            if !sp(c) {
                att_end = equal;
            }
        }
        let (val_beg, val_end, next) = if v.get(equal) == Some(&b'=') {
            let mut b = equal + 1;
            while v.get(b).is_some_and(|&c| sp(c)) {
                b += 1;
            }
            let next = cookie_value_end(v, b);
            let mut e = next;
            while e > b && v.get(e - 1).is_some_and(|&c| sp(c)) {
                e -= 1;
            }
            (b, e, next)
        } else {
            (equal, equal, equal)
        };
        let skip = v.get(at) == Some(&b'$') || equal == next;
        if !skip {
            let att = v.get(at..att_end).unwrap_or_default();
            if name.is_none_or(|n| att == n) {
                return Some((v.get(val_beg..val_end).unwrap_or_default(), next + 1));
            }
            if !list {
                return None;
            }
        }
        at = next + 1;
    }
    None
}

/// HAProxy's `http_find_cookie_value_end`: the first `,` or `;` outside double quotes.
fn cookie_value_end(v: &[u8], from: usize) -> usize {
    let (mut quoted, mut pair) = (false, false);
    let mut i = from;
    while let Some(&c) = v.get(i) {
        if pair {
            pair = false;
        } else if quoted {
            if c == b'\\' {
                pair = true;
            } else if c == b'"' {
                quoted = false;
            }
        } else if c == b'"' {
            quoted = true;
        } else if c == b',' || c == b';' {
            return i;
        }
        i += 1;
    }
    i
}

/// The values of query-string parameter `name` (any when `None`) of `target`, split at `&`
/// and the `delim` characters.
pub fn url_params<'a>(target: &'a [u8], name: Option<&str>, delim: &[u8]) -> Vec<&'a [u8]> {
    let Some(q) = target.iter().position(|&c| c == b'?') else {
        return Vec::new();
    };
    let query = target.get(q + 1..).unwrap_or_default();
    let query = query
        .iter()
        .position(|&c| c == b'#')
        .and_then(|i| query.get(..i))
        .unwrap_or(query);
    let mut out = Vec::new();
    for p in query.split(|c| *c == b'&' || delim.contains(c)) {
        let (n, v) = match p.iter().position(|&c| c == b'=') {
            Some(i) => (
                p.get(..i).unwrap_or_default(),
                p.get(i + 1..).unwrap_or_default(),
            ),
            None => (p, &b""[..]),
        };
        if n.is_empty() {
            continue;
        }
        if name.is_none_or(|want| n == want.as_bytes()) {
            out.push(v);
        }
    }
    out
}

/// `pathq`: the path and query of a target, without the scheme and authority of an
/// absolute-form target.
pub fn pathq(target: &[u8]) -> &[u8] {
    if target.first() == Some(&b'/') {
        return target;
    }
    let Some(s) = find(target, b"://") else {
        return target;
    };
    let after = target.get(s + 3..).unwrap_or_default();
    match after.iter().position(|&c| c == b'/' || c == b'?') {
        Some(i) => after.get(i..).unwrap_or_default(),
        None => b"/",
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// `base` (`Host` and path) or `baseq` (with the query); `None` without a `Host`.
pub fn base(h: &Head, query: bool) -> Option<Vec<u8>> {
    let host = h.get("host").map(trim).filter(|v| !v.is_empty())?;
    let mut out = host.to_vec();
    out.extend_from_slice(h.path().unwrap_or_default());
    if query {
        if let Some(q) = h.query() {
            out.push(b'?');
            out.extend_from_slice(q);
        }
    }
    Some(out)
}

/// `req.hdrs`: the header lines as HAProxy rebuilds them, names in lower case, ending with
/// the empty line.
pub fn raw_headers(h: &Head) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, v) in h.headers() {
        out.extend(n.iter().map(u8::to_ascii_lowercase));
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// `req.hdr_names`: the names, lower case, joined with `delim`.
pub fn header_names(h: &Head, delim: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (n, _)) in h.headers().enumerate() {
        if i > 0 {
            out.extend_from_slice(delim);
        }
        out.extend(n.iter().map(u8::to_ascii_lowercase));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_lists_split_outside_quotes() {
        let mut out = Vec::new();
        split_commas(b"a, \"b,c\" ,d", &mut out);
        assert_eq!(out, vec![&b"a"[..], b"\"b,c\"", b"d"]);
    }

    #[test]
    fn url_parameters_and_pathq() {
        assert_eq!(
            url_params(b"/p?a=1&b=2&a=3", Some("a"), b""),
            vec![&b"1"[..], b"3"]
        );
        assert_eq!(url_params(b"/p?x=1;y=2", Some("y"), b";"), vec![&b"2"[..]]);
        assert_eq!(pathq(b"http://h:80/a?b"), b"/a?b");
        assert_eq!(pathq(b"http://h"), b"/");
        assert_eq!(leading_int(b"42abc"), 42);
    }

    fn all_cookies<'a>(v: &'a [u8], name: Option<&[u8]>, list: bool) -> Vec<&'a [u8]> {
        let (mut out, mut at) = (Vec::new(), 0);
        while let Some((val, next)) = extract_cookie(v, at, name, list) {
            out.push(val);
            at = next;
        }
        out
    }

    #[test]
    fn cookies_are_scanned_as_haproxy_does() {
        // An empty value at the very end is not seen (the loop bound of
        // http_extract_cookie_value), but is seen before another pair.
        assert!(all_cookies(b"sid=", Some(b"sid"), true).is_empty());
        assert_eq!(
            all_cookies(b"sid=; a=1", Some(b"sid"), true),
            vec![&b""[..]]
        );
        assert_eq!(
            all_cookies(b" a = 1 ;$Path=/; b=\"x;y\", a=2", Some(b"a"), true),
            vec![&b"1"[..], b"2"]
        );
        assert_eq!(all_cookies(b"flag; b=2", None, true), vec![&b"2"[..]]);
        // Set-Cookie: the first pair from where the scan starts; a hit restarts it after.
        assert_eq!(
            all_cookies(b"a=1; Path=/; HttpOnly", None, false),
            vec![&b"1"[..], b"/"]
        );
        assert!(all_cookies(b"a=1; b=2", Some(b"b"), false).is_empty());
    }
}
