//! `bind` (configuration.txt 4.2 "bind", 5.1 "Bind options"): address lists
//! (`addr:port`, `*:port`, `:port`, `[::]:80`, `:::80`, `ipv4@`, `ipv6@`, port ranges
//! `8000-8003`, comma lists, `unix@/path`, `/path`, `abns@name`, `fd@N`, host names
//! resolved at load) and its options (`ssl`, `crt`, `alpn`, `name`, `maxconn`,
//! `accept-proxy`, `transparent`, `v4v6`, `v6only`, `mode`, `user`, `group`, `interface`,
//! `backlog`, and the other 2.6 options kept verbatim).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use super::{Keyword, Parse, ProxyCtx, FE_ONLY};
use crate::config::lexer::Line;
use crate::config::model::{Bind, BindAddr};

/// The `bind` keyword.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "bind",
    sections: FE_ONLY,
    parse: Parse::Proxy(bind),
}];

/// Bind options and how many arguments each takes (HAProxy 2.6's registered list).
pub const OPTIONS: &[(&str, usize)] = &[
    ("accept-netscaler-cip", 1),
    ("accept-proxy", 0),
    ("allow-0rtt", 0),
    ("alpn", 1),
    ("backlog", 1),
    ("ca-file", 1),
    ("ca-ignore-err", 1),
    ("ca-sign-file", 1),
    ("ca-sign-pass", 1),
    ("ca-verify-file", 1),
    ("ciphers", 1),
    ("ciphersuites", 1),
    ("crl-file", 1),
    ("crt", 1),
    ("crt-ignore-err", 1),
    ("crt-list", 1),
    ("curves", 1),
    ("defer-accept", 0),
    ("ecdhe", 1),
    ("expose-fd", 1),
    ("force-sslv3", 0),
    ("force-tlsv10", 0),
    ("force-tlsv11", 0),
    ("force-tlsv12", 0),
    ("force-tlsv13", 0),
    ("generate-certificates", 0),
    ("gid", 1),
    ("group", 1),
    ("id", 1),
    ("interface", 1),
    ("level", 1),
    ("maxconn", 1),
    ("mode", 1),
    ("mss", 1),
    ("name", 1),
    ("namespace", 1),
    ("nice", 1),
    ("no-ca-names", 0),
    ("no-sslv3", 0),
    ("no-tls-tickets", 0),
    ("no-tlsv10", 0),
    ("no-tlsv11", 0),
    ("no-tlsv12", 0),
    ("no-tlsv13", 0),
    ("npn", 1),
    ("prefer-client-ciphers", 0),
    ("process", 1),
    ("proto", 1),
    ("severity-output", 1),
    ("shards", 1),
    ("ssl", 0),
    ("ssl-max-ver", 1),
    ("ssl-min-ver", 1),
    ("strict-sni", 0),
    ("tcp-ut", 1),
    ("tfo", 0),
    ("thread", 1),
    ("tls-ticket-keys", 1),
    ("transparent", 0),
    ("uid", 1),
    ("user", 1),
    ("v4v6", 0),
    ("v6only", 0),
    ("verify", 1),
];

/// What HAProxy says after `'bind X' in section 'S' : ` when an option lacks its value.
const MISSING_VALUE: &[(&str, &str)] = &[
    (
        "accept-netscaler-cip",
        "'accept-netscaler-cip' : missing value",
    ),
    (
        "alpn",
        "'alpn' : missing the comma-delimited ALPN protocol suite",
    ),
    ("backlog", "'backlog' : missing value"),
    ("ca-file", "'ca-file' : missing CAfile path"),
    ("ca-ignore-err", "'ca-ignore-err' : missing error IDs list"),
    ("ca-sign-file", "'ca-sign-file' : missing CAfile path"),
    ("ca-sign-pass", "'ca-sign-pass' : missing CAkey password"),
    ("ca-verify-file", "'ca-verify-file' : missing CAfile path"),
    ("ciphers", "'ciphers' : missing cipher suite"),
    ("ciphersuites", "'ciphersuites' : missing cipher suite"),
    ("crl-file", "'crl-file' : missing CRLfile path"),
    ("crt", "'crt' : missing certificate location"),
    (
        "crt-ignore-err",
        "'crt-ignore-err' : missing error IDs list",
    ),
    ("crt-list", "'crt-list' : missing certificate location"),
    ("curves", "'curves' : missing curve suite"),
    ("ecdhe", "'ecdhe' : missing named curve"),
    ("expose-fd", "'expose-fd' : missing fd type"),
    ("gid", "'gid' : missing value"),
    ("group", "'group' : missing group name"),
    ("id", "'id' : expects an integer argument"),
    ("interface", "'interface' : missing interface name"),
    ("level", "'level' : missing level"),
    ("maxconn", "'maxconn' : missing value"),
    (
        "mode",
        "'mode' : missing or invalid mode '' (octal integer expected)",
    ),
    ("mss", "'mss' : missing MSS value"),
    ("name", "'name' : missing name"),
    ("namespace", "'namespace' : missing namespace id"),
    ("nice", "'nice' : missing value"),
    (
        "npn",
        "'npn' : missing the comma-delimited NPN protocol suite",
    ),
    (
        "process",
        "'process' : '' is not a valid number/range. It supports numbers from 1 to 1.",
    ),
    ("proto", "'proto' : missing value"),
    (
        "severity-output",
        "'severity-output' : missing severity format",
    ),
    ("shards", "'shards' : missing value"),
    ("ssl-max-ver", "'ssl-max-ver' : missing the ssl/tls version"),
    ("ssl-min-ver", "'ssl-min-ver' : missing the ssl/tls version"),
    ("tcp-ut", "'tcp-ut' : missing TCP User Timeout value"),
    (
        "thread",
        "'' : '' is not a valid number/range. It supports numbers from 1 to 64.",
    ),
    (
        "tls-ticket-keys",
        "'tls-ticket-keys' : missing TLS ticket keys file path",
    ),
    ("uid", "'uid' : missing value"),
    ("user", "'user' : missing user name"),
    ("verify", "'verify' : missing verify method"),
];

/// HAProxy's range checks of the numeric `bind` options `mss`, `id`, `nice` and `tcp-ut`
/// (values read by `atoi()` into an `int`). The error is the text after the bind prefix.
fn check_numeric_option(opt: &str, a: &str) -> Result<(), String> {
    let n = i64::from(crate::config::units::atoi_int(a));
    match opt {
        "mss" if n == 0 || n.abs() > 65535 => {
            Err("'mss' : expects an MSS with and absolute value between 1 and 65535".into())
        }
        "id" if n <= 0 => Err("'id' : custom id has to be > 0".into()),
        "nice" if !(-1024..=1024).contains(&n) => Err(format!(
            "'nice' : invalid value {n}, allowed range is -1024..1024"
        )),
        "tcp-ut" => match crate::config::units::parse_time(a) {
            Ok(_) => Ok(()),
            Err(e @ crate::config::units::TimeError::Overflow) => {
                Err(crate::config::units::time_error_msg(e, a, "tcp-ut"))
            }
            Err(_) => Err("'tcp-ut' : expects a positive delay in milliseconds".into()),
        },
        _ => Ok(()),
    }
}

/// `process P[/T]` (one process in this version, threads 1 to 64) and `thread [G/]T`
/// (one thread group), checked as HAProxy 2.6 does; the error follows the bind prefix.
fn check_process_or_thread(opt: &str, a: &str) -> Result<(), String> {
    use super::global_kept::process_number;
    if opt == "process" {
        let (procs, threads) = a.split_once('/').map_or((a, None), |(p, t)| (p, Some(t)));
        process_number(procs, 1).map_err(|m| format!("'process' : {m}"))?;
        if let Some(t) = threads {
            process_number(t, 64).map_err(|m| format!("'process' : {m}"))?;
        }
        return Ok(());
    }
    let threads = match a.split_once('/') {
        Some((group, _)) if !group.bytes().all(|b| b.is_ascii_digit()) => a,
        Some((group, t)) => {
            let g = crate::config::units::atoi_int(group);
            if g != 1 {
                return Err(format!(
                    "'{a}' thread-group number must be between 1 and 1 (was {g})"
                ));
            }
            t
        }
        None => a,
    };
    process_number(threads, 64).map_err(|m| format!("'{a}' : {m}"))
}

/// An empty bind line at `loc` for the address text `text`.
fn empty_bind(line: &Line, text: &str) -> Bind {
    Bind::new(line.loc.clone(), text)
}

fn bind(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if !ctx.has_fe() {
        return;
    }
    let Some(text) = line.word(1) else {
        ctx.alert(
            line,
            "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.",
        );
        return;
    };
    let mut b = empty_bind(line, text);
    let getenv = ctx.env;
    let env = |name: &str| getenv(name, line.loc.line);
    match parse_bind_addrs(text, &env) {
        Ok(a) => b.addrs = a,
        Err(msg) => {
            ctx.alert(line, format!("'bind' : {}", msg.trim_end_matches('\n')));
            return;
        }
    }
    let prefix = format!("'bind {text}' in section '{}'", ctx.kind_word());
    let mut i = 2;
    while let Some(opt) = line.word(i) {
        let Some(&(_, nargs)) = OPTIONS.iter().find(|(n, _)| *n == opt) else {
            let msg = match super::best_match(opt, OPTIONS.iter().map(|(n, _)| *n)) {
                Some(m) => format!("{prefix}: unknown keyword '{opt}'; did you mean '{m}' maybe ?"),
                None => format!("{prefix}: unknown keyword '{opt}'."),
            };
            ctx.alert(line, msg);
            return;
        };
        let arg = line.word(i + 1);
        if nargs == 1 && arg.is_none() {
            let tail = MISSING_VALUE.iter().find(|(k, _)| *k == opt).map_or_else(
                || format!("'{opt}' : missing value"),
                |(_, m)| (*m).to_string(),
            );
            let msg = format!("{prefix} : {tail}");
            ctx.alert(line, msg);
            return;
        }
        let a = arg.unwrap_or("");
        match opt {
            "ssl" => b.ssl = true,
            "crt" => {
                let path = with_base(a, ctx.global.crt_base.as_deref());
                if let Err(msg) = check_crt(&path) {
                    ctx.alert(line, format!("{prefix} : {msg}"));
                    return;
                }
                b.crts.push(path);
            }
            "alpn" => b.alpn = Some(a.to_string()),
            "name" => b.name = Some(a.to_string()),
            "maxconn" => {
                let n = crate::config::units::atoi_int(a);
                if n < 0 {
                    let msg = format!("{prefix} : 'maxconn' : invalid value {n}, must be >= 0");
                    ctx.alert(line, msg);
                    return;
                }
                b.maxconn = u32::try_from(n).ok();
            }
            "accept-proxy" => b.accept_proxy = true,
            "transparent" => b.transparent = true,
            "v4v6" => b.v4v6 = true,
            "v6only" => b.v6only = true,
            "mode" => match u32::from_str_radix(a, 8) {
                Ok(m) => b.unix_mode = Some(m),
                Err(_) => {
                    let msg = format!("{prefix} : 'mode' : missing or invalid mode '{a}' (octal integer expected)");
                    ctx.alert(line, msg);
                    return;
                }
            },
            "user" | "group" | "uid" | "gid" => b.unix_owner = Some(a.to_string()),
            "interface" => b.interface = Some(a.to_string()),
            "backlog" => {
                let n = crate::config::units::atoi_int(a);
                if n < 0 {
                    let msg = format!("{prefix} : 'backlog' : invalid value {n}, must be > 0");
                    ctx.alert(line, msg);
                    return;
                }
                b.backlog = u32::try_from(n).ok();
            }
            "process" | "thread" => {
                if let Err(tail) = check_process_or_thread(opt, a) {
                    ctx.alert(line, format!("{prefix} : {}", tail.trim_end_matches('\n')));
                    return;
                }
                if opt == "process" {
                    let hint = a
                        .split_once('/')
                        .map(|(_, t)| format!(" Please use 'thread {t}' instead."))
                        .unwrap_or_default();
                    let msg = format!("{prefix} : 'process {a}' on 'bind' lines is deprecated and will be removed in 2.7.{hint}");
                    ctx.warning(line, msg);
                }
                b.other.extend([opt.to_string(), a.to_string()]);
            }
            "mss" | "id" | "nice" | "tcp-ut" => {
                if let Err(tail) = check_numeric_option(opt, a) {
                    ctx.alert(line, format!("{prefix} : {tail}"));
                    return;
                }
                b.other.extend([opt.to_string(), a.to_string()]);
            }
            _ => {
                b.other.push(opt.to_string());
                if nargs == 1 {
                    b.other.push(a.to_string());
                }
            }
        }
        i += 1 + nargs;
    }
    ctx.proxy.binds.push(b);
}

/// Checks a `crt` path the way HAProxy does while loading it: it must exist and, when it is
/// a file, hold a private key or have a `.key` file beside it.
pub fn check_crt(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|_| {
        format!(
            "unable to stat SSL certificate from file '{}' : No such file or directory.",
            path.display()
        )
    })?;
    if meta.is_dir() {
        return Ok(());
    }
    let text = std::fs::read(path).unwrap_or_default();
    let has_key = text.windows(11).any(|w| w == b"PRIVATE KEY");
    let key_file = PathBuf::from(format!("{}.key", path.display()));
    if !has_key && !key_file.exists() {
        return Err(format!("No Private Key found in '{}'.", key_file.display()));
    }
    Ok(())
}

/// Joins a relative path to a base directory (`crt-base`, `ca-base`).
pub fn with_base(path: &str, base: Option<&Path>) -> PathBuf {
    match base {
        Some(b) if !path.starts_with('/') => b.join(path),
        _ => PathBuf::from(path),
    }
}

/// Parses a comma-separated bind address list, expanding port ranges. As in HAProxy's
/// `str2listener()`, the list is split first, then each address gets `str2sa_range()`'s
/// environment expansion ([`crate::config::lexer::env_expand`], with `env`). Errors are
/// worded as after HAProxy's `'bind' : ` prefix, quoting the address as written, and end
/// with a newline where `str2sa_range()`'s own text does (`bind` drops it, `stats socket`
/// prints it).
pub fn parse_bind_addrs(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<BindAddr>, String> {
    let mut out = Vec::new();
    for written in text.split(',') {
        let item = crate::config::lexer::env_expand(written, env);
        if item.is_empty() {
            return Err(format!(
                "'{written}' resolves to an empty address (environment variable missing?)\n"
            ));
        }
        out.extend(parse_one(&item, written)?);
    }
    Ok(out)
}

/// Which address family a prefix (`ipv4@`, `ipv6@`) forces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// No prefix.
    Any,
    /// `ipv4@`.
    V4,
    /// `ipv6@`.
    V6,
}

/// One address of a `bind` list: `item` once expanded, `written` as in the file (which
/// HAProxy's messages quote after "in").
fn parse_one(item: &str, written: &str) -> Result<Vec<BindAddr>, String> {
    for (prefix, family) in [("quic4@", 2), ("quic6@", 10)] {
        if item.starts_with(prefix) {
            return Err(format!(
                "unsupported stream protocol for datagram family {family} address '{written}'; QUIC is not compiled in if this is what you were looking for."
            ));
        }
    }
    if let Some(p) = item.strip_prefix("unix@") {
        return Ok(vec![BindAddr::Unix(PathBuf::from(p))]);
    }
    if let Some(p) = item.strip_prefix("abns@") {
        return Ok(vec![BindAddr::Unix(PathBuf::from(format!("@{p}")))]);
    }
    if item.starts_with('/') {
        return Ok(vec![BindAddr::Unix(PathBuf::from(item))]);
    }
    if let Some(n) = item.strip_prefix("fd@") {
        return match n.parse::<i32>() {
            Ok(fd) if fd >= 0 => {
                // HAProxy checks the inherited descriptor is a socket.
                let link = std::fs::read_link(format!("/proc/self/fd/{fd}"));
                if link.is_ok_and(|l| l.to_string_lossy().starts_with("socket:")) {
                    Ok(vec![BindAddr::Fd(fd)])
                } else {
                    Err(format!(
                        "cannot use file descriptor '{fd}' : Socket operation on non-socket.\n"
                    ))
                }
            }
            _ => Err(format!(
                "file descriptor '{n}' is not a valid integer in '{written}'\n"
            )),
        };
    }
    let (family, rest) = if let Some(r) = item
        .strip_prefix("ipv4@")
        .or_else(|| item.strip_prefix("tcp4@"))
    {
        (Family::V4, r)
    } else if let Some(r) = item
        .strip_prefix("ipv6@")
        .or_else(|| item.strip_prefix("tcp6@"))
    {
        (Family::V6, r)
    } else if let Some(r) = item.strip_prefix("tcp@") {
        (Family::Any, r)
    } else {
        (Family::Any, item)
    };
    let Some(colon) = rest.rfind(':') else {
        return Err(format!("missing port specification in '{written}'"));
    };
    let host = rest.get(..colon).unwrap_or("");
    let ports = rest.get(colon + 1..).unwrap_or("");
    let (low, high) = parse_port_range(ports, written)?;
    let ip = resolve_host(host, family)
        .ok_or_else(|| format!("invalid address: '{host}' in '{written}'\n"))?;
    Ok((low..=high)
        .map(|p| BindAddr::Inet(SocketAddr::new(ip, p)))
        .collect())
}

/// Parses `PORT` or `LOW-HIGH` the way HAProxy's `str2sa_range()` does: split at the
/// first `-`, each side read by `atoi()` (trailing characters ignored), each between 1 and
/// 65535 (the message quotes that side's text), then `LOW` not above `HIGH` (the message
/// shows the numbers). `written` is the address as in the file.
fn parse_port_range(ports: &str, written: &str) -> Result<(u16, u16), String> {
    match ports.chars().next() {
        None => return Err(format!("missing port specification in '{written}'")),
        Some('+' | '-') => return Err(format!("port offset not permitted here in '{written}'")),
        Some(c) if !c.is_ascii_digit() => {
            return Err(format!(
                "invalid character '{c}' in port number '{ports}' in '{written}'\n"
            ))
        }
        Some(_) => {}
    }
    let (low_text, high_text) = ports.split_once('-').unwrap_or((ports, ports));
    let (low, high) = (
        crate::config::units::atoi_int(low_text),
        crate::config::units::atoi_int(high_text),
    );
    let valid = |text: &str, n: i32| match u16::try_from(n) {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("invalid port '{text}'")),
    };
    let (lo, hi) = (valid(low_text, low)?, valid(high_text, high)?);
    if lo > hi {
        return Err(format!("invalid port range '{low}-{high}'"));
    }
    Ok((lo, hi))
}

thread_local! {
    /// Set by the robustness tests of this thread: host names are not looked up, so
    /// fuzzed configurations never reach a DNS server. Only read in test builds.
    pub(crate) static OFFLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Resolves the host part of an address: empty or `*` is "any", brackets are stripped,
/// names go through the system resolver.
pub fn resolve_host(host: &str, family: Family) -> Option<IpAddr> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || host == "*" {
        return Some(match family {
            Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        });
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return match (family, ip) {
            (Family::V4, IpAddr::V6(_)) | (Family::V6, IpAddr::V4(_)) => None,
            _ => Some(ip),
        };
    }
    if cfg!(test) && OFFLINE.with(std::cell::Cell::get) {
        return None;
    }
    let addrs = (host, 0u16).to_socket_addrs().ok()?;
    let mut fallback = None;
    for a in addrs {
        match (family, a.ip()) {
            (Family::V6, IpAddr::V6(ip)) => return Some(IpAddr::V6(ip)),
            (Family::V4 | Family::Any, IpAddr::V4(ip)) => return Some(IpAddr::V4(ip)),
            (Family::Any, ip) => fallback = fallback.or(Some(ip)),
            _ => {}
        }
    }
    fallback
}

/// Parses `ipv4@`/`ipv6@` prefixes, returning the hint and the rest.
pub fn family_prefix(text: &str) -> (Family, &str) {
    if let Some(r) = text.strip_prefix("ipv4@") {
        (Family::V4, r)
    } else if let Some(r) = text.strip_prefix("ipv6@") {
        (Family::V6, r)
    } else {
        (Family::Any, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(s: &str) -> BindAddr {
        BindAddr::Inet(s.parse().unwrap())
    }

    #[test]
    fn every_address_form_is_understood() {
        assert_eq!(
            parse_bind_addrs("*:80", &|_| None).unwrap(),
            vec![inet("0.0.0.0:80")]
        );
        assert_eq!(
            parse_bind_addrs(":80", &|_| None).unwrap(),
            vec![inet("0.0.0.0:80")]
        );
        assert_eq!(
            parse_bind_addrs("127.0.0.1:8080", &|_| None).unwrap(),
            vec![inet("127.0.0.1:8080")]
        );
        assert_eq!(
            parse_bind_addrs("[::]:80", &|_| None).unwrap(),
            vec![inet("[::]:80")]
        );
        assert_eq!(
            parse_bind_addrs(":::80", &|_| None).unwrap(),
            vec![inet("[::]:80")]
        );
        assert_eq!(
            parse_bind_addrs("ipv6@:80", &|_| None).unwrap(),
            vec![inet("[::]:80")]
        );
        assert_eq!(
            parse_bind_addrs("ipv4@:80", &|_| None).unwrap(),
            vec![inet("0.0.0.0:80")]
        );
        assert_eq!(
            parse_bind_addrs("unix@/tmp/x", &|_| None).unwrap(),
            vec![BindAddr::Unix("/tmp/x".into())]
        );
        assert_eq!(
            parse_bind_addrs("/tmp/y", &|_| None).unwrap(),
            vec![BindAddr::Unix("/tmp/y".into())]
        );
    }

    #[test]
    fn variables_in_an_unquoted_address_are_expanded_as_of_the_line() {
        let text = "global\n setenv P 18080\nfrontend f\n bind 127.0.0.1:${P},127.0.0.1:$P\n";
        let l = crate::config::load_texts(&[("b.cfg", text)], &|_| None).unwrap();
        let addrs = &l.config.proxies[0].binds[0].addrs;
        assert_eq!(
            addrs,
            &vec![inet("127.0.0.1:18080"), inet("127.0.0.1:18080")]
        );
        assert_eq!(
            parse_bind_addrs(":${NONE}", &|_| None),
            Err("missing port specification in ':${NONE}'".into())
        );
    }

    #[test]
    fn ranges_and_lists_expand() {
        let a = parse_bind_addrs(":8000-8002,:9000", &|_| None).unwrap();
        assert_eq!(
            a,
            vec![
                inet("0.0.0.0:8000"),
                inet("0.0.0.0:8001"),
                inet("0.0.0.0:8002"),
                inet("0.0.0.0:9000")
            ]
        );
    }

    #[test]
    fn bad_addresses_are_worded_like_haproxy() {
        assert_eq!(
            parse_bind_addrs(":99999", &|_| None),
            Err("invalid port '99999'".into())
        );
        assert_eq!(
            parse_bind_addrs("1.2.3.4", &|_| None),
            Err("missing port specification in '1.2.3.4'".into())
        );
        assert_eq!(
            parse_bind_addrs(":9001-9000", &|_| None),
            Err("invalid port range '9001-9000'".into())
        );
        assert_eq!(
            parse_bind_addrs("no-such-host.invalid:80", &|_| None),
            Err("invalid address: 'no-such-host.invalid' in 'no-such-host.invalid:80'\n".into())
        );
    }
}
