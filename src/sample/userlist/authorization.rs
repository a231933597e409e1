//! The `Authorization` request header as HAProxy 2.6 reads it for the `http_auth*` fetches
//! (configuration.txt 7.3.6: `http_auth`, `http_auth_group`, `http_auth_pass`,
//! `http_auth_type`, `http_auth_user`, `http_auth_bearer`): HAProxy's `get_http_auth()` in
//! src/http_fetch.c. Pure: no I/O, no tokio, nothing from `proxy`.
//!
//! HAProxy's rules, all reproduced here:
//! - only the first comma-separated element of the first header counts (`http_find_header`
//!   without "full"), leading and trailing whitespace removed;
//! - the scheme ends at the first space; a value without a space, or starting with one, has no
//!   scheme; then every space (not tab) before the credentials is skipped;
//! - the scheme is compared with `strncasecmp("Basic", scheme, len(scheme))`, so any
//!   case-insensitive prefix of `Basic` (`b`, `BAS`, ...) counts as Basic, and the other prefixes
//!   of `Bearer` (`Be`, `bear`, ...) as Bearer; `Digest` and anything else give nothing;
//! - Basic credentials are HAProxy's own base64 (a length that is a multiple of 4, padding only
//!   at the end of a 4-character group but accepted in the middle of the string, trailing bits
//!   ignored), split at the first `:`; as HAProxy handles them as C strings, a NUL byte before
//!   the `:` means no credentials, and one after it ends the password;
//! - Basic with bad base64 or without `:` yields no scheme at all: `http_auth_type` is then
//!   empty too, not "Basic".
//!
//! HAProxy also remembers a failure for the rest of the transaction (`HTTP_AUTH_WRONG`): a
//! header added by a later `http-request` rule is not looked at again. The caller keeps that
//! state; these functions only parse.

/// Decoded `user:password` of a Basic `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name: no NUL and no `:` in it; any other byte, UTF-8 or not.
    pub user: Vec<u8>,
    /// The password: no NUL in it (HAProxy stops at the first one).
    pub pass: Vec<u8>,
}

impl std::fmt::Debug for Credentials {
    // Auth values never reach a log (STYLE.md): only lengths are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user_len", &self.user.len())
            .field("pass_len", &self.pass.len())
            .finish()
    }
}

/// What HAProxy's `get_http_auth()` makes of an `Authorization` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization<'a> {
    /// `Basic` with well-formed credentials.
    Basic(Credentials),
    /// `Bearer`: the rest of the value after the spaces (`http_auth_bearer`); never empty, as
    /// trailing whitespace is trimmed before the scheme's space is looked for.
    Bearer(&'a [u8]),
}

impl Authorization<'_> {
    /// The scheme as `http_auth_type` reports it: `"Basic"` or `"Bearer"`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Authorization::Basic(_) => "Basic",
            Authorization::Bearer(_) => "Bearer",
        }
    }
}

/// Parses the value of the first `Authorization` header (`Proxy-Authorization` when HAProxy
/// acts as a forward proxy) as HAProxy's `get_http_auth()`. `None` is HAProxy's "no auth":
/// no scheme, an unknown one, `Digest`, or Basic credentials that do not decode.
pub fn parse_authorization(value: &[u8]) -> Option<Authorization<'_>> {
    let value = first_element(value);
    let space = value.iter().position(|&b| b == b' ')?;
    if space == 0 {
        return None;
    }
    let (scheme, rest) = value.split_at(space);
    let data = skip_spaces(rest);
    if is_prefix_of(scheme, b"Basic") {
        let decoded = base64_decode(data)?;
        // HAProxy NUL-terminates the decoded bytes and uses C string functions on them.
        let text = decoded.split(|&b| b == 0).next().unwrap_or_default();
        let colon = text.iter().position(|&b| b == b':')?;
        let (user, pass) = text.split_at(colon);
        let pass = pass.get(1..).unwrap_or_default();
        return Some(Authorization::Basic(Credentials {
            user: user.to_vec(),
            pass: pass.to_vec(),
        }));
    }
    if is_prefix_of(scheme, b"Bearer") {
        return Some(Authorization::Bearer(data));
    }
    None
}

/// The user and password of a Basic `Authorization` value (`http_auth_user`, `http_auth_pass`,
/// and what `http_auth` and `http_auth_group` check); `None` for any other scheme.
pub fn basic_credentials(value: &[u8]) -> Option<Credentials> {
    match parse_authorization(value)? {
        Authorization::Basic(c) => Some(c),
        Authorization::Bearer(_) => None,
    }
}

/// `http_auth_type`: `"Basic"` or `"Bearer"` (capitalised so), `None` otherwise (no header,
/// `Digest`, an unknown scheme, or Basic credentials that do not decode).
pub fn auth_type(value: &[u8]) -> Option<&'static str> {
    parse_authorization(value).map(|a| a.scheme())
}

/// `strncasecmp(full, word, len(word)) == 0`: `word` is a case-insensitive prefix of `full`
/// (the comparison stops at `full`'s end, so a longer word never matches).
fn is_prefix_of(word: &[u8], full: &[u8]) -> bool {
    word.len() <= full.len()
        && word
            .iter()
            .zip(full)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn skip_spaces(mut s: &[u8]) -> &[u8] {
    while let Some((b' ', rest)) = s.split_first() {
        s = rest;
    }
    s
}

/// HAProxy's `http_find_header(..., full=0)`: leading LWS skipped, the value cut at the first
/// comma outside double quotes, trailing LWS removed.
fn first_element(value: &[u8]) -> &[u8] {
    let is_lws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = value.iter().position(|b| !is_lws(b)).unwrap_or(value.len());
    let value = value.get(start..).unwrap_or_default();
    let (mut quoted, mut escaped) = (false, false);
    let mut end = value.len();
    for (i, &b) in value.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted {
            match b {
                b'\\' => escaped = true,
                b'"' => quoted = false,
                _ => {}
            }
        } else if b == b'"' {
            quoted = true;
        } else if b == b',' {
            end = i;
            break;
        }
    }
    let value = value.get(..end).unwrap_or_default();
    let len = value.iter().rposition(|b| !is_lws(b)).map_or(0, |i| i + 1);
    value.get(..len).unwrap_or_default()
}

/// The value of a standard base64 character, 64 for `=`, `None` for anything else.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        b'=' => Some(64),
        _ => None,
    }
}

/// HAProxy's `base64dec()` (src/base64.c): groups of 4 characters; in a group, `=` may only
/// follow the second character and only be followed by `=`; each group is decoded on its
/// own (so `YQ==YQ==` is "aa") and unused low bits are ignored. An empty input decodes to
/// nothing. (HAProxy also refuses output over `tune.bufsize - 1` bytes, which a header that
/// fits in a buffer cannot reach.)
fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for group in s.chunks_exact(4) {
        let mut v = [0u8; 4];
        let mut pad = 0usize;
        for (i, &c) in group.iter().enumerate() {
            let x = sextet(c)?;
            if pad > 0 && (x != 64 || i < 2) {
                return None;
            }
            if x == 64 {
                pad += 1;
            }
            if let Some(slot) = v.get_mut(i) {
                *slot = x & 0x3f;
            }
        }
        let [a, b, c, d] = v;
        let bytes = [(a << 2) | (b >> 4), (b << 4) | (c >> 2), (c << 6) | d];
        out.extend_from_slice(bytes.get(..3 - pad.min(3)).unwrap_or_default());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, pass: &str) -> Credentials {
        Credentials {
            user: user.as_bytes().to_vec(),
            pass: pass.as_bytes().to_vec(),
        }
    }

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        // "alice:se:cret"
        let c = basic_credentials(b"Basic YWxpY2U6c2U6Y3JldA==").unwrap();
        assert_eq!(c, basic("alice", "se:cret"));
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_any_prefix_of_basic_counts() {
        for scheme in ["basic", "BASIC", "Basic", "b", "BaS"] {
            let v = format!("{scheme} dTpw");
            assert_eq!(
                basic_credentials(v.as_bytes()),
                Some(basic("u", "p")),
                "{v}"
            );
        }
        assert_eq!(basic_credentials(b"Basicx dTpw"), None);
        assert_eq!(auth_type(b"Bea token"), Some("Bearer"));
        assert_eq!(
            auth_type(b"B token"),
            None,
            "B is Basic, and token is bad base64"
        );
    }

    #[test]
    fn several_spaces_may_follow_the_scheme_but_not_a_tab() {
        assert_eq!(basic_credentials(b"Basic    dTpw"), Some(basic("u", "p")));
        assert_eq!(basic_credentials(b"Basic\tdTpw"), None);
        assert_eq!(basic_credentials(b" Basic dTpw"), Some(basic("u", "p")));
    }

    #[test]
    fn a_value_without_a_space_or_starting_with_one_has_no_scheme() {
        assert_eq!(parse_authorization(b"Basic"), None);
        assert_eq!(parse_authorization(b"Bearer"), None);
        assert_eq!(parse_authorization(b""), None);
        assert_eq!(parse_authorization(b"   "), None);
    }

    #[test]
    fn only_the_first_comma_separated_element_counts() {
        assert_eq!(
            basic_credentials(b"Basic dTpw, Bearer x"),
            Some(basic("u", "p"))
        );
        assert_eq!(
            parse_authorization(b"Bearer \"a,b\",c"),
            Some(Authorization::Bearer(b"\"a,b\""))
        );
        assert_eq!(parse_authorization(b", Basic dTpw"), None);
    }

    #[test]
    fn auth_type_names_basic_and_bearer_only() {
        assert_eq!(auth_type(b"Basic dTpw"), Some("Basic"));
        assert_eq!(auth_type(b"bearer abc.def"), Some("Bearer"));
        assert_eq!(
            auth_type(b"Bearer "),
            None,
            "trailing spaces are trimmed first"
        );
        assert_eq!(auth_type(b"Digest username=\"u\""), None);
        assert_eq!(auth_type(b"Negotiate abc"), None);
        assert_eq!(auth_type(b"Basic !!!!"), None, "bad Basic gives no type");
        assert_eq!(auth_type(b"Basic bm9jb2xvbg=="), None, "no colon: no type");
    }

    #[test]
    fn the_bearer_token_is_the_rest_of_the_value() {
        assert_eq!(
            parse_authorization(b"Bearer   abc def "),
            Some(Authorization::Bearer(b"abc def"))
        );
        assert_eq!(parse_authorization(b"Bearer \t"), None);
    }

    #[test]
    fn base64_follows_haproxy_rules() {
        assert_eq!(base64_decode(b""), Some(vec![]));
        assert_eq!(base64_decode(b"YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode(b"YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(base64_decode(b"YQ==YQ==").as_deref(), Some(&b"aa"[..]));
        assert_eq!(
            base64_decode(b"YR==").as_deref(),
            Some(&b"a"[..]),
            "loose bits"
        );
        assert_eq!(base64_decode(b"Y==="), Some(vec![]), "X=== passes in 2.6");
        assert_eq!(base64_decode(b"===="), None);
        assert_eq!(base64_decode(b"YQ=A"), None);
        assert_eq!(base64_decode(b"YQ"), None, "length not a multiple of 4");
        assert_eq!(base64_decode(b"YQ-_"), None, "url alphabet refused");
        assert_eq!(base64_decode(b"YQ\xc3\xa9"), None);
    }

    #[test]
    fn padding_inside_the_credentials_is_accepted_as_haproxy_does() {
        // "YWE6Yg==" is "aa:b", "YQ==" is "a": HAProxy 2.6 answers user=aa pass=ba.
        assert_eq!(
            basic_credentials(b"Basic YWE6Yg==YQ=="),
            Some(basic("aa", "ba"))
        );
        // "YWE6" is "aa:", "Y===" nothing.
        assert_eq!(basic_credentials(b"Basic YWE6Y==="), Some(basic("aa", "")));
    }

    #[test]
    fn nul_bytes_cut_the_credentials_as_c_strings() {
        // "u\0x:p" -> the NUL comes before the colon: no credentials.
        assert_eq!(basic_credentials(b"Basic dQB4OnA="), None);
        // "u:p\0q" -> the password stops at the NUL.
        assert_eq!(basic_credentials(b"Basic dTpwAHE="), Some(basic("u", "p")));
    }

    #[test]
    fn empty_and_non_utf8_credentials_are_kept_as_bytes() {
        // ":" -> empty user and password.
        assert_eq!(basic_credentials(b"Basic Og=="), Some(basic("", "")));
        // "\xff\xfe:\x80"
        let c = basic_credentials(b"Basic //46gA==").unwrap();
        assert_eq!(c.user, vec![0xff, 0xfe]);
        assert_eq!(c.pass, vec![0x80]);
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let text = format!("{:?}", basic("alice", "hunter2"));
        assert!(
            !text.contains("alice") && !text.contains("hunter2"),
            "{text}"
        );
    }
}
