//! Hash inputs computed the way HAProxy's `backend.c` computes them, as pure functions over
//! bytes: `balance uri [len N] [depth N] [whole] [path-only]`, `balance url_param NAME
//! [check_post]`, `balance hdr(NAME) [use_domain_only]`, `balance rdp-cookie(NAME)`.
//! (`balance source` needs no helper: pass the client address as [`super::Key::Source`].)
//!
//! configuration.txt 4.2 "balance". A `None` result means "no key": the proxy then passes
//! [`super::Key::None`] and the balancer falls back to round robin, as HAProxy does.
//! Must import nothing but std.

/// `http_get_path`: the path part of a request target (origin-form as is; absolute-form
/// from the first `/` after the authority; empty when there is none, e.g. `*`).
pub fn path_of(uri: &[u8]) -> &[u8] {
    if uri.first() == Some(&b'/') {
        return uri;
    }
    let Some(p) = uri.windows(3).position(|w| w == b"://") else {
        return &[];
    };
    let after = uri.get(p + 3..).unwrap_or(&[]);
    match after.iter().position(|c| *c == b'/') {
        Some(s) => after.get(s..).unwrap_or(&[]),
        None => &[],
    }
}

/// `balance uri`: the part of the request target that is hashed. `len` keeps at most that
/// many bytes (0 = all), `depth` stops before the slash that would start directory level
/// `depth + 1` (0 = all), the query string is cut unless `whole`, and `path_only` drops the
/// scheme and authority of an absolute target first.
pub fn uri_key(uri: &[u8], len: u32, depth: u32, whole: bool, path_only: bool) -> &[u8] {
    let uri = if path_only { path_of(uri) } else { uri };
    let limit = if len > 0 {
        uri.len().min(len as usize)
    } else {
        uri.len()
    };
    let stop_at = if depth > 0 {
        depth.saturating_add(1)
    } else {
        0
    };
    let mut slashes = 0u32;
    let mut end = 0;
    for c in uri.iter().take(limit) {
        if *c == b'/' {
            slashes = slashes.saturating_add(1);
            if slashes == stop_at {
                break;
            }
        } else if *c == b'?' && !whole {
            break;
        }
        end += 1;
    }
    uri.get(..end).unwrap_or(&[])
}

/// Finds `name=value` in an `&`-separated list, the way `get_server_ph` scans it.
fn find_param<'a>(params: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let plen = name.len();
    let mut rest = params;
    while rest.len() > plen {
        if rest.get(plen) == Some(&b'=') && rest.get(..plen) == Some(name) {
            let value = rest.get(plen + 1..).unwrap_or(&[]);
            let end = value.iter().position(|c| *c == b'&').unwrap_or(value.len());
            return value.get(..end);
        }
        let amp = rest.iter().position(|c| *c == b'&')?;
        rest = rest.get(amp + 1..).unwrap_or(&[]);
    }
    None
}

/// `balance url_param NAME`: the value of `NAME` in the query string of `uri` (possibly
/// empty, which HAProxy still hashes); `None` when absent. The name is case-sensitive.
pub fn url_param<'a>(uri: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let q = uri.iter().position(|c| *c == b'?')?;
    find_param(uri.get(q + 1..)?, name)
}

/// `balance url_param NAME check_post`: the value of `NAME` in the first chunk of a POST
/// body (`get_server_ph_post`), used only when the query string has none. The value stops
/// at `&` or at a space/CR/LF; any other non-token byte means the body is not a form.
pub fn url_param_post<'a>(body: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let v = find_param(body, name)?;
    let mut end = 0;
    for c in v {
        if !is_token(*c) {
            if matches!(*c, b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            return None;
        }
        end += 1;
    }
    v.get(..end)
}

/// HTTP token characters (RFC 7230 `tchar`).
fn is_token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// `balance hdr(NAME)`: from the value of the first `NAME` header line, its first
/// comma-separated element with surrounding blanks removed (HAProxy's `http_find_header`
/// without `full`); with `use_domain_only`, only the domain label before the last dot
/// (`www.example.com` -> `example`). `None` when empty.
pub fn hdr_key(value: &[u8], use_domain_only: bool) -> Option<&[u8]> {
    let first = value.split(|c| *c == b',').next().unwrap_or(&[]);
    let v = first.trim_ascii();
    if v.is_empty() {
        return None;
    }
    if !use_domain_only {
        return Some(v);
    }
    Some(domain_only(v))
}

/// The `use_domain_only` walk of `get_server_hh`: going back from the end, the hash covers
/// the label that precedes the last dot; without any dot, the whole value.
fn domain_only(v: &[u8]) -> &[u8] {
    let len = v.len();
    // Positions checked by HAProxy run from len (one past the end, never a dot) down to 1.
    let mut end = len;
    let mut p = len;
    let mut dohash = false;
    while p > 0 {
        if dohash {
            if v.get(p - 1) == Some(&b'.') {
                break;
            }
        } else if v.get(p) == Some(&b'.') {
            end = p;
            dohash = true;
        }
        p -= 1;
    }
    v.get(p..end).unwrap_or(&[])
}

/// What `rdp-cookie` found in the first bytes of a TCP stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdpCookie<'a> {
    /// The cookie value (bytes up to the CRLF).
    Value(&'a [u8]),
    /// Not enough data yet: wait for more (within `tcp-request inspect-delay`).
    Incomplete,
    /// No such cookie: fall back to round robin.
    Absent,
}

/// `balance rdp-cookie(NAME)`: `Cookie: NAME=VALUE\r\n` right after the 11-byte TPKT and
/// X.224 headers of an RDP connection request (`fetch_rdp_cookie_name`). `Cookie:` and the
/// name are matched case-insensitively; the default name is `mstshash`.
pub fn rdp_cookie<'a>(payload: &'a [u8], name: &[u8]) -> RdpCookie<'a> {
    let Some(data) = payload.get(11..).filter(|d| d.len() > 7) else {
        return RdpCookie::Incomplete;
    };
    if !data
        .get(..7)
        .is_some_and(|c| c.eq_ignore_ascii_case(b"Cookie:"))
    {
        return RdpCookie::Absent;
    }
    let data = data.get(7..).unwrap_or(&[]);
    let spaces = data.iter().take_while(|c| **c == b' ').count();
    let data = data.get(spaces..).unwrap_or(&[]);
    let data = if name.is_empty() {
        let Some(eq) = data.iter().position(|c| matches!(*c, b'=' | b'\r' | b'\n')) else {
            return RdpCookie::Incomplete;
        };
        if data.get(eq) != Some(&b'=') {
            return RdpCookie::Absent;
        }
        data.get(eq + 1..).unwrap_or(&[])
    } else {
        if data.len() <= name.len() {
            return RdpCookie::Incomplete;
        }
        let matches = data
            .get(..name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        if !matches || data.get(name.len()) != Some(&b'=') {
            return RdpCookie::Absent;
        }
        data.get(name.len() + 1..).unwrap_or(&[])
    };
    let Some(cr) = data.iter().position(|c| *c == b'\r') else {
        return RdpCookie::Incomplete;
    };
    match data.get(cr + 1) {
        None => RdpCookie::Incomplete,
        Some(b'\n') => data.get(..cr).map_or(RdpCookie::Absent, RdpCookie::Value),
        Some(_) => RdpCookie::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_stops_at_the_query_unless_whole() {
        assert_eq!(uri_key(b"/x/y/z?q=1", 0, 0, false, false), b"/x/y/z");
        assert_eq!(uri_key(b"/x/y/z?q=1", 0, 0, true, false), b"/x/y/z?q=1");
    }

    #[test]
    fn uri_len_and_depth_cut_the_key() {
        assert_eq!(uri_key(b"/static/img.png", 3, 0, false, false), b"/st");
        assert_eq!(uri_key(b"/x/y/z?q=1", 0, 1, false, false), b"/x");
        assert_eq!(uri_key(b"/x/y/z?q=1", 0, 2, false, false), b"/x/y");
        assert_eq!(uri_key(b"/a", 0, 1, false, false), b"/a");
    }

    #[test]
    fn path_only_drops_scheme_and_authority() {
        assert_eq!(uri_key(b"http://example.com/a?b", 0, 0, false, true), b"/a");
        assert_eq!(path_of(b"http://example.com"), b"");
        assert_eq!(path_of(b"*"), b"");
        assert_eq!(path_of(b"/p"), b"/p");
    }

    #[test]
    fn url_param_finds_exact_names_only() {
        assert_eq!(url_param(b"/x?a=1&id=3", b"id"), Some(&b"3"[..]));
        assert_eq!(url_param(b"/x?ida=9&id=4", b"id"), Some(&b"4"[..]));
        assert_eq!(url_param(b"/x?id=", b"id"), Some(&b""[..]));
        assert_eq!(url_param(b"/x?id", b"id"), None);
        assert_eq!(url_param(b"/x?id=&b", b"id"), Some(&b""[..]));
        assert_eq!(url_param(b"/?id=abc&z=1", b"id"), Some(&b"abc"[..]));
        assert_eq!(url_param(b"/nothing", b"id"), None);
    }

    #[test]
    fn url_param_post_rejects_binary_bodies() {
        assert_eq!(url_param_post(b"a=1&id=7 x", b"id"), Some(&b"7"[..]));
        assert_eq!(url_param_post(b"id=\x01\x02", b"id"), None);
    }

    #[test]
    fn hdr_takes_the_first_element_and_the_domain() {
        assert_eq!(hdr_key(b"b, c", false), Some(&b"b"[..]));
        assert_eq!(hdr_key(b"  ", false), None);
        assert_eq!(hdr_key(b"www.example.com", true), Some(&b"example"[..]));
        assert_eq!(hdr_key(b"example.com", true), Some(&b"example"[..]));
        assert_eq!(hdr_key(b"a.b.example.com", true), Some(&b"example"[..]));
        assert_eq!(hdr_key(b"localhost", true), Some(&b"localhost"[..]));
        assert_eq!(hdr_key(b"example.com.", true), Some(&b"com"[..]));
    }

    #[test]
    fn rdp_cookie_reads_mstshash() {
        let mut p = vec![3u8, 0, 0, 40, 35, 0xe0, 0, 0, 0, 0, 0];
        p.extend_from_slice(b"Cookie: mstshash=alice\r\n\x01\x00");
        assert_eq!(rdp_cookie(&p, b"mstshash"), RdpCookie::Value(b"alice"));
        assert_eq!(rdp_cookie(&p, b"MSTSHASH"), RdpCookie::Value(b"alice"));
        assert_eq!(rdp_cookie(&p, b"other"), RdpCookie::Absent);
        assert_eq!(
            rdp_cookie(p.get(..20).unwrap(), b"mstshash"),
            RdpCookie::Incomplete
        );
    }
}
