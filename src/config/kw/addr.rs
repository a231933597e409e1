//! The checks of HAProxy 2.6's `str2sa_range()` on an address word, for the keywords that
//! only need its verdict (`source`, `dispatch`): environment expansion of the word, the
//! protocol prefixes (`ipv4@`, `unix@`, `fd@`, ...), the port rules each keyword sets
//! (mandatory, range, offset) and the host name resolution, each refusal worded as HAProxy
//! words it, quoting the address as written. `bind` and `log` keep their own parsers, which
//! also build the typed addresses. This module imports nothing outside `config`.

use super::bind::{resolve_host, Family};

/// What a keyword accepts (HAProxy's `PA_O_*` options).
#[derive(Debug, Clone, Copy, Default)]
pub struct AddrOpts {
    /// A port may follow a `:` (`PA_O_PORT_OK`).
    pub port_ok: bool,
    /// The port is mandatory (`PA_O_PORT_MAND`).
    pub port_mand: bool,
    /// `LOW-HIGH` is accepted (`PA_O_PORT_RANGE`).
    pub port_range: bool,
    /// `+N` and `-N` are accepted (`PA_O_PORT_OFS`).
    pub port_offset: bool,
}

/// The protocol prefixes of `str2sa_range()` and the family they force (`None`: not inet).
const PREFIXES: &[(&str, Option<Family>)] = &[
    ("unix@", None),
    ("uxdg@", None),
    ("uxst@", None),
    ("abns@", None),
    ("ip@", Some(Family::Any)),
    ("ipv4@", Some(Family::V4)),
    ("ipv6@", Some(Family::V6)),
    ("tcp4@", Some(Family::V4)),
    ("udp4@", Some(Family::V4)),
    ("tcp6@", Some(Family::V6)),
    ("udp6@", Some(Family::V6)),
    ("tcp@", Some(Family::Any)),
    ("udp@", Some(Family::Any)),
    ("quic4@", Some(Family::V4)),
    ("quic6@", Some(Family::V6)),
];

/// Checks `written` (an address word as in the file) the way `str2sa_range()` does, after
/// expanding its environment variables with `env`. On success, the expanded address. The
/// error is HAProxy's text, ending with a newline where HAProxy's does.
pub fn check_addr(
    written: &str,
    env: &dyn Fn(&str) -> Option<String>,
    opts: AddrOpts,
) -> Result<String, String> {
    let expanded = crate::config::lexer::env_expand(written, env);
    if expanded.is_empty() {
        return Err(format!(
            "'{written}' resolves to an empty address (environment variable missing?)\n"
        ));
    }
    let mut rest = expanded.as_str();
    for p in ["stream+", "dgram+"] {
        rest = rest.strip_prefix(p).unwrap_or(rest);
    }
    let mut family = Family::Any;
    if let Some((p, f)) = PREFIXES.iter().find(|(p, _)| rest.starts_with(p)) {
        rest = rest.get(p.len()..).unwrap_or("");
        match f {
            Some(f) => family = *f,
            None => return Ok(expanded.clone()),
        }
    } else if rest.starts_with('/') {
        return Ok(expanded.clone());
    } else if let Some(fd) = rest
        .strip_prefix("fd@")
        .or_else(|| rest.strip_prefix("sockpair@"))
    {
        if fd.is_empty() || !fd.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "file descriptor '{fd}' is not a valid integer in '{written}'\n"
            ));
        }
        return Ok(expanded.clone());
    }
    let host = check_port(rest, written, opts)?;
    if resolve_host(host, family).is_none() {
        return Err(format!("invalid address: '{host}' in '{written}'\n"));
    }
    Ok(expanded.clone())
}

/// The port rules of `str2sa_range()` on `rest` (prefix removed); returns the host part.
fn check_port<'t>(rest: &'t str, written: &str, opts: AddrOpts) -> Result<&'t str, String> {
    // The last ':' or ']' (not counting the first character) tells whether a port follows.
    let sep = rest
        .char_indices()
        .skip(1)
        .filter(|(_, c)| matches!(c, ':' | ']'))
        .last()
        .or_else(|| rest.chars().next().map(|c| (0, c)));
    let (host, port) = match sep {
        Some((i, ':')) => {
            if !opts.port_ok {
                return Err(format!(
                    "port specification not permitted here in '{written}'"
                ));
            }
            (rest.get(..i).unwrap_or(""), rest.get(i + 1..).unwrap_or(""))
        }
        _ => {
            if opts.port_mand {
                return Err(format!("missing port specification in '{written}'"));
            }
            (rest, "")
        }
    };
    let atoi = crate::config::units::atoi_int;
    let min = i32::from(opts.port_mand);
    match port.chars().next() {
        Some(c) if c.is_ascii_digit() => {
            let (low, high) = match port.split_once('-') {
                Some(_) if !opts.port_range => {
                    return Err(format!("port range not permitted here in '{written}'"))
                }
                Some(pair) => pair,
                None => (port, port),
            };
            let (l, h) = (atoi(low), atoi(high));
            if l < min || l > 65535 {
                return Err(format!("invalid port '{low}'"));
            }
            if h < min || h > 65535 {
                return Err(format!("invalid port '{high}'"));
            }
            if l > h {
                return Err(format!("invalid port range '{l}-{h}'"));
            }
        }
        Some('-' | '+') if !opts.port_offset => {
            return Err(format!("port offset not permitted here in '{written}'"))
        }
        Some('-' | '+') => {}
        Some(c) => {
            return Err(format!(
                "invalid character '{c}' in port number '{port}' in '{written}'\n"
            ))
        }
        None if opts.port_mand => return Err(format!("missing port specification in '{written}'")),
        None => {}
    }
    Ok(host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: AddrOpts = AddrOpts {
        port_ok: true,
        port_mand: false,
        port_range: false,
        port_offset: false,
    };
    const DISPATCH: AddrOpts = AddrOpts {
        port_mand: true,
        ..SOURCE
    };

    fn check(text: &str, opts: AddrOpts) -> Result<String, String> {
        let env = |n: &str| (n == "A").then(|| "127.0.0.1:80".to_string());
        check_addr(text, &env, opts)
    }

    #[test]
    fn source_and_dispatch_addresses_are_checked_like_haproxy() {
        assert_eq!(check("127.0.0.1", SOURCE), Ok("127.0.0.1".into()));
        assert_eq!(check("${A}", DISPATCH), Ok("127.0.0.1:80".into()));
        assert_eq!(check("[::1]:80", DISPATCH), Ok("[::1]:80".into()));
        assert_eq!(check("/tmp/sock", DISPATCH), Ok("/tmp/sock".into()));
        assert_eq!(
            check("127.0.0.1", DISPATCH),
            Err("missing port specification in '127.0.0.1'".into())
        );
        assert_eq!(
            check("127.0.0.1:5-6", SOURCE),
            Err("port range not permitted here in '127.0.0.1:5-6'".into())
        );
        assert_eq!(
            check("127.0.0.1:x", DISPATCH),
            Err("invalid character 'x' in port number 'x' in '127.0.0.1:x'\n".into())
        );
        assert_eq!(
            check("${UNDEF}", SOURCE),
            Err("'${UNDEF}' resolves to an empty address (environment variable missing?)\n".into())
        );
        assert_eq!(
            check(":99999", DISPATCH),
            Err("invalid port '99999'".into())
        );
    }
}
