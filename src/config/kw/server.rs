//! `server` and `default-server` (configuration.txt 4.2 "server", 5.2 "Server and
//! default-server options"): address (`ADDR:PORT`, `ADDR` alone for "same port as the
//! client", `unix@/path`, `/path`, host names kept for resolution after validation) and
//! options (`weight`, `maxconn`, `minconn`, `maxqueue`, `backup`, `disabled`, `check`,
//! `inter`, `fastinter`, `downinter`, `rise`, `fall`, `port`, `addr`, `cookie`, `ssl`,
//! `verify`, `sni`, `send-proxy`, `id`, `slowstart`, and the other 2.6 options kept
//! verbatim in `ServerParams::other`).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{Observe, OnError, Server, ServerAddr, ServerParams};
use crate::config::units::{atol, parse_time, TimeError};

/// `server` and `default-server`.
pub static KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "server",
        sections: PROXIES,
        parse: Parse::Proxy(server),
    },
    Keyword {
        name: "default-server",
        sections: PROXIES,
        parse: Parse::Proxy(default_server),
    },
];

/// Server options and how many arguments each takes (HAProxy 2.6's registered list).
pub const OPTIONS: &[(&str, usize)] = &[
    ("addr", 1),
    ("agent-addr", 1),
    ("agent-check", 0),
    ("agent-inter", 1),
    ("agent-port", 1),
    ("agent-send", 1),
    ("allow-0rtt", 0),
    ("alpn", 1),
    ("backup", 0),
    ("ca-file", 1),
    ("check", 0),
    ("check-alpn", 1),
    ("check-proto", 1),
    ("check-send-proxy", 0),
    ("check-sni", 1),
    ("check-ssl", 0),
    ("check-via-socks4", 0),
    ("ciphers", 1),
    ("ciphersuites", 1),
    ("cookie", 1),
    ("crl-file", 1),
    ("crt", 1),
    ("disabled", 0),
    ("downinter", 1),
    ("enabled", 0),
    ("error-limit", 1),
    ("fall", 1),
    ("fastinter", 1),
    ("force-sslv3", 0),
    ("force-tlsv10", 0),
    ("force-tlsv11", 0),
    ("force-tlsv12", 0),
    ("force-tlsv13", 0),
    ("id", 1),
    ("init-addr", 1),
    ("inter", 1),
    ("log-proto", 1),
    ("max-reuse", 1),
    ("maxconn", 1),
    ("maxqueue", 1),
    ("minconn", 1),
    ("namespace", 1),
    ("no-agent-check", 0),
    ("no-backup", 0),
    ("no-check", 0),
    ("no-check-send-proxy", 0),
    ("no-check-ssl", 0),
    ("no-send-proxy", 0),
    ("no-send-proxy-v2", 0),
    ("no-send-proxy-v2-ssl", 0),
    ("no-send-proxy-v2-ssl-cn", 0),
    ("no-ssl", 0),
    ("no-ssl-reuse", 0),
    ("no-sslv3", 0),
    ("no-tfo", 0),
    ("no-tls-tickets", 0),
    ("no-tlsv10", 0),
    ("no-tlsv11", 0),
    ("no-tlsv12", 0),
    ("no-tlsv13", 0),
    ("no-verifyhost", 0),
    ("non-stick", 0),
    ("npn", 1),
    ("observe", 1),
    ("on-error", 1),
    ("on-marked-down", 1),
    ("on-marked-up", 1),
    ("pool-low-conn", 1),
    ("pool-max-conn", 1),
    ("pool-purge-delay", 1),
    ("port", 1),
    ("proto", 1),
    ("proxy-v2-options", 1),
    ("redir", 1),
    ("resolve-net", 1),
    ("resolve-opts", 1),
    ("resolve-prefer", 1),
    ("resolvers", 1),
    ("rise", 1),
    ("send-proxy", 0),
    ("send-proxy-v2", 0),
    ("send-proxy-v2-ssl", 0),
    ("send-proxy-v2-ssl-cn", 0),
    ("slowstart", 1),
    ("sni", 1),
    ("socks4", 1),
    ("source", 1),
    ("ssl", 0),
    ("ssl-max-ver", 1),
    ("ssl-min-ver", 1),
    ("ssl-reuse", 0),
    ("stick", 0),
    ("tcp-ut", 1),
    ("tfo", 0),
    ("tls-tickets", 0),
    ("track", 1),
    ("usesrc", 0),
    ("verify", 1),
    ("verifyhost", 1),
    ("weight", 1),
    ("ws", 1),
];

fn server(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if ctx.in_defaults() {
        ctx.alert_bare(line, "'server' not allowed in 'defaults' section.");
        return;
    }
    if !ctx.proxy.cap.backend {
        let msg = format!(
            "parsing [{}] : 'server' not allowed because {} '{}' has no backend capability.",
            line.loc,
            ctx.kind_word(),
            ctx.proxy.name
        );
        ctx.alert_bare(line, msg);
        return;
    }
    let (Some(name), Some(addr)) = (line.word(1), line.word(2)) else {
        ctx.alert_bare(
            line,
            "'server' expects <name> and <addr>[:<port>] as arguments.",
        );
        return;
    };
    if name.is_empty() {
        // HAProxy reports the NUL ending the empty name with "%c", which cuts its message
        // right there (and even eats the newline); we keep the cut text, newline included.
        ctx.alert_bare(line, "character '");
        return;
    }
    let bad = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')));
    if let Some(c) = bad {
        ctx.alert_bare(
            line,
            format!("character '{c}' is not permitted in server name '{name}'."),
        );
        return;
    }
    let who = format!("'server {}/{name}'", ctx.proxy.name);
    // str2sa_range() expands $VAR and ${VAR} in the address itself, quoted or not.
    let getenv = ctx.env;
    let expanded = crate::config::lexer::env_expand(addr, &|n: &str| getenv(n, line.loc.line));
    if expanded.is_empty() {
        let msg = format!(
            "{who} : '{addr}' resolves to an empty address (environment variable missing?)"
        );
        ctx.alert_bare(line, msg);
        return;
    }
    let addr = match parse_server_addr(&expanded) {
        Ok(a) => a,
        Err(msg) if msg.is_empty() => {
            ctx.alert_bare(
                line,
                format!("{who} : Can't create DNS resolution for server '{name}'"),
            );
            return;
        }
        Err(msg) => {
            ctx.alert_bare(line, format!("{who} : {msg}"));
            return;
        }
    };
    let mut params = ctx.proxy.default_server.clone();
    if let Err(msg) = parse_options(&mut params, line, 3, name) {
        ctx.alert_bare(line, format!("{who} : {msg}"));
        return;
    }
    if let Some(id) = params.id {
        if let Some(other) = ctx.proxy.servers.iter().find(|s| s.params.id == Some(id)) {
            let msg = format!(
                "{who} : 'id' : custom id {id} already used at {} ('server {}').",
                other.loc, other.name
            );
            ctx.alert_bare(line, msg);
            return;
        }
    }
    if params.check && params.track.is_some() {
        let msg = format!("{who} : unable to enable checks and tracking at the same time!");
        ctx.alert_bare(line, msg);
        return;
    }
    if params.other.iter().any(|o| o == "agent-check")
        && !params.other.iter().any(|o| o == "agent-port")
    {
        let msg = format!(
            "{who} : server {name} does not have agent port. Agent check has been disabled."
        );
        ctx.alert_bare(line, msg);
        return;
    }
    ctx.proxy.servers.push(Server {
        loc: line.loc.clone(),
        name: name.to_string(),
        addr,
        params,
    });
}

fn default_server(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if !ctx.has_be() {
        let msg = format!(
            "parsing [{}] : 'default-server' not allowed because {} '{}' has no backend capability.",
            line.loc,
            ctx.kind_word(),
            ctx.proxy.name
        );
        ctx.alert_bare(line, msg);
        return;
    }
    let mut params = ctx.proxy.default_server.clone();
    // HAProxy names it "default-server" in its messages and puts no `'server x/y' : ` before.
    match parse_options(&mut params, line, 1, "default-server") {
        Ok(()) => ctx.proxy.default_server = params,
        Err(msg) if msg.starts_with("unknown keyword") => {
            ctx.alert_bare(
                line,
                format!("{msg} Hint: no address was expected for this server."),
            );
        }
        Err(msg) => ctx.alert_bare(line, msg),
    }
}

/// What HAProxy says after `'server b/s' : ` when an option lacks its value (options
/// missing here take an empty value silently, like `weight`).
const MISSING_VALUE: &[(&str, &str)] = &[
    ("addr", "'addr' expects <ipv4|ipv6> as argument.."),
    ("agent-addr", "'agent-addr' expects an address as argument.."),
    ("agent-inter", "'agent-inter' expects a delay as argument.."),
    ("agent-port", "'agent-port' expects a port number as argument.."),
    ("agent-send", "'agent-send' expects a string as argument.."),
    ("alpn", "'alpn' : missing the comma-delimited ALPN protocol suite."),
    ("ca-file", "'ca-file' : missing CAfile path."),
    ("check-alpn", "'check-alpn' : missing the comma-delimited ALPN protocol suite."),
    ("check-proto", "'check-proto' : missing value."),
    ("check-sni", "'check-sni' : missing SNI."),
    ("ciphers", "'ciphers' : missing cipher suite."),
    ("ciphersuites", "'ciphersuites' : missing cipher suite."),
    ("cookie", "'cookie' expects <value> as argument.."),
    ("crl-file", "'crl-file' : missing CRLfile path."),
    ("crt", "'crt' : missing certificate file path."),
    ("downinter", "'downinter' expects a delay as argument.."),
    ("error-limit", "'error-limit' expects an integer argument.."),
    ("fall", "'fall' expects an integer argument.."),
    ("fastinter", "'fastinter' expects a delay as argument.."),
    ("id", "'id' : expects an integer argument."),
    ("inter", "'inter' expects a delay as argument.."),
    ("log-proto", "'log-proto' expects one of 'legacy' or 'octet-count' but got ''."),
    ("max-reuse", "'max-reuse' expects <value> as argument.."),
    ("namespace", "'namespace' : expects <name> as argument."),
    ("npn", "'npn' : missing the comma-delimited NPN protocol suite."),
    ("observe", "'observe' expects <mode> as argument.."),
    ("on-error", "'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got ''."),
    ("on-marked-down", "'on-marked-down' expects 'shutdown-sessions' but got ''."),
    ("on-marked-up", "'on-marked-up' expects 'shutdown-backup-sessions' but got ''."),
    ("pool-low-conn", "'pool-low-conn' expects <value> as argument.."),
    ("pool-max-conn", "'pool-max-conn' expects <value> as argument.."),
    ("pool-purge-delay", "'pool-purge-delay' expects <value> as argument.."),
    ("port", "'port' expects a port number as argument.."),
    ("proto", "'proto' : missing value."),
    ("proxy-v2-options", "'' : proxy v2 option not implemented."),
    ("redir", "'redir' expects <prefix> as argument.."),
    ("resolve-net", "'resolve-net' expects a list of networks.."),
    ("resolve-prefer", "'resolve-prefer' expects either ipv4 or ipv6 as argument.."),
    ("rise", "'rise' expects an integer argument.."),
    ("slowstart", "unexpected character '."),
    ("sni", "'sni' : missing sni expression."),
    ("socks4", "'socks4' expects <addr>:<port> as argument.."),
    ("source", "'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument.."),
    ("ssl-max-ver", "'ssl-max-ver' : missing the ssl/tls version."),
    ("ssl-min-ver", "'ssl-min-ver' : missing the ssl/tls version."),
    ("tcp-ut", "'tcp-ut' : missing TCP User Timeout value."),
    ("track", "'track' expects [<proxy>/]<server> as argument.."),
    ("verify", "'verify' : missing verify method."),
    ("verifyhost", "'verifyhost' : missing hostname to verify against."),
    ("ws", "'ws' has to be 'auto', 'h1' or 'h2'."),
];

/// Parses a server address: `unix@/path`, `/path`, `[v6]:port`, `host[:port]`.
/// A missing port is 0 ("use the client's destination port"); `+N`/`-N` offsets are
/// accepted and kept as 0 too. Host names are kept for resolution after validation.
pub fn parse_server_addr(text: &str) -> Result<ServerAddr, String> {
    if let Some(p) = text.strip_prefix("unix@") {
        return Ok(ServerAddr::Unix(PathBuf::from(p)));
    }
    if text.starts_with('/') {
        return Ok(ServerAddr::Unix(PathBuf::from(text)));
    }
    let (_, rest) = super::bind::family_prefix(text);
    if let Ok(ip) = rest.parse::<IpAddr>() {
        return Ok(ServerAddr::Inet(SocketAddr::new(ip, 0)));
    }
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        match inner.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':').unwrap_or("")),
            None => (inner, ""),
        }
    } else {
        match rest.rfind(':') {
            Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i + 1..).unwrap_or("")),
            None => (rest, ""),
        }
    };
    let port = server_port(port, text)?;
    match host.parse::<IpAddr>() {
        Ok(ip) => Ok(ServerAddr::Inet(SocketAddr::new(ip, port))),
        Err(_) if host.is_empty() || host == "*" => Ok(ServerAddr::Inet(SocketAddr::new(
            IpAddr::from([0, 0, 0, 0]),
            port,
        ))),
        Err(_) if host.starts_with('.') || host.contains("..") => Err(String::new()),
        Err(_) => Ok(ServerAddr::Host(host.to_string(), port)),
    }
}

/// A server port as `str2sa_range()` reads it: empty or an offset (`+N`, `-N`) is 0 ("the
/// client's port"), digits are read like `strtol`, ranges are refused.
fn server_port(port: &str, item: &str) -> Result<u16, String> {
    match port.chars().next() {
        None | Some('+' | '-') => return Ok(0),
        Some(c) if !c.is_ascii_digit() => {
            // HAProxy ends this one with a newline, printed as an empty line.
            return Err(format!(
                "invalid character '{c}' in port number '{port}' in '{item}'\n"
            ));
        }
        Some(_) => {}
    }
    let end = port
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(port.len());
    let (digits, tail) = port.split_at(end);
    if tail.starts_with('-') {
        return Err(format!("port range not permitted here in '{item}'"));
    }
    match u16::try_from(crate::config::units::atol(digits)) {
        Ok(p) => Ok(p),
        Err(_) => Err(format!("invalid port '{digits}'")),
    }
}

/// `host[:port]` or `[v6][:port]` as `str2sa_range()` splits an optional port (a bad or
/// missing port is 0, "none").
pub fn split_host_port(v: &str) -> (&str, u16) {
    let (host, port) = match v.strip_prefix('[') {
        Some(r) => match r.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':').unwrap_or("")),
            None => (r, ""),
        },
        // A bare IPv6 address has several colons and no port.
        None if v.matches(':').count() > 1 => (v, ""),
        None => v.rsplit_once(':').unwrap_or((v, "")),
    };
    (host, u16::try_from(atol(port)).unwrap_or(0))
}

fn time_arg(v: &str, opt: &str, server: &str) -> Result<std::time::Duration, String> {
    let shown = if opt == "inter" || opt == "fastinter" {
        "agent-inter"
    } else {
        opt
    };
    match parse_time(v) {
        Ok(d) if d.is_zero() && opt != "slowstart" => Err(format!(
            "invalid value 0 for argument '{opt}' of server {server}.."
        )),
        Ok(d) => Ok(d),
        Err(TimeError::BadChar(c)) => Err(format!(
            "unexpected character '{c}' in '{shown}' argument of server {server}.."
        )),
        Err(TimeError::Overflow) => {
            let what = if opt == "slowstart" {
                "overflow"
            } else {
                "timer overflow"
            };
            Err(format!("{what} in argument <{v}> to <{opt}> of server {server}, maximum value is 2147483647 ms (~24.8 days).."))
        }
        Err(_) => Err(format!("'{opt}' expects an integer argument..")),
    }
}

/// Applies the options of a `server`/`default-server` line from word `from` on.
pub fn parse_options(
    p: &mut ServerParams,
    line: &Line,
    from: usize,
    server: &str,
) -> Result<(), String> {
    let mut i = from;
    while let Some(opt) = line.word(i) {
        let Some(&(_, nargs)) = OPTIONS.iter().find(|(n, _)| *n == opt) else {
            return Err(
                match super::best_match(opt, OPTIONS.iter().map(|(n, _)| *n)) {
                    Some(m) => format!("unknown keyword '{opt}'; did you mean '{m}' maybe ?"),
                    None => format!("unknown keyword '{opt}'."),
                },
            );
        };
        let arg = line.word(i + 1);
        if nargs == 1 && arg.is_none() {
            if let Some((_, msg)) = MISSING_VALUE.iter().find(|(k, _)| *k == opt) {
                return Err((*msg).to_string());
            }
        }
        let v = arg.unwrap_or("");
        let need_int = |what: &str| -> Result<(), String> {
            if arg.is_none() {
                Err(format!("'{what}' expects an integer argument.."))
            } else {
                Ok(())
            }
        };
        match opt {
            "weight" => {
                let w = crate::config::units::atoi_int(v);
                if !(0..=256).contains(&w) {
                    return Err(format!(
                        "weight of server {server} is not within 0 and 256 ({w}).."
                    ));
                }
                p.weight = u32::try_from(w).unwrap_or(1);
            }
            "maxconn" => p.maxconn = crate::config::units::atou32(v),
            "minconn" => p.minconn = crate::config::units::atou32(v),
            "maxqueue" => p.maxqueue = crate::config::units::atou32(v),
            "backup" => p.backup = true,
            "no-backup" => p.backup = false,
            "disabled" => p.disabled = true,
            "enabled" => p.disabled = false,
            "check" => p.check = true,
            "no-check" => p.check = false,
            "inter" => p.inter = time_arg(v, opt, server)?,
            "fastinter" => p.fastinter = Some(time_arg(v, opt, server)?),
            "downinter" => p.downinter = Some(time_arg(v, opt, server)?),
            "slowstart" => p.slowstart = Some(time_arg(v, opt, server)?),
            "agent-inter" => {
                time_arg(v, opt, server)?;
                p.other.push(opt.to_string());
                p.other.push(v.to_string());
            }
            "rise" | "fall" => {
                need_int(opt)?;
                let n = crate::config::units::atoi_int(v);
                if n <= 0 {
                    return Err(format!("'{opt}' has to be > 0.."));
                }
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                if opt == "rise" {
                    p.rise = n;
                } else {
                    p.fall = n;
                }
            }
            "port" => p.check_port = u16::try_from(atol(v)).ok(),
            "addr" => {
                if v.is_empty() {
                    return Err("'addr' expects <ipv4|ipv6> as argument..".into());
                }
                // `str2sa_range()` with an optional port: `[v6]`, `host[:port]`, names resolved.
                let (host, port) = split_host_port(v);
                let Some(ip) = super::bind::resolve_host(host, super::bind::Family::Any) else {
                    return Err(format!("'addr' : invalid address: '{host}' in '{v}'."));
                };
                p.check_addr = Some(SocketAddr::new(ip, port));
            }
            "cookie" => {
                if arg.is_none() {
                    return Err("'cookie' expects <value> as argument..".into());
                }
                p.cookie = Some(v.to_string());
            }
            "ssl" => p.ssl = true,
            "no-ssl" => p.ssl = false,
            "verify" => {
                if v != "none" && v != "required" {
                    return Err(format!("'verify' : unknown verify method '{v}', only 'none' and 'required' are supported."));
                }
                p.verify = Some(v.to_string());
            }
            "sni" => {
                if arg.is_none() {
                    return Err("'sni' : missing sni expression.".into());
                }
                p.sni = Some(v.to_string());
            }
            "check-send-proxy" => p.check_send_proxy = true,
            "check-ssl" => p.check_ssl = true,
            "no-check-ssl" => p.check_ssl = false,
            "no-check-send-proxy" => p.check_send_proxy = false,
            "send-proxy" => p.send_proxy = true,
            "no-send-proxy" => p.send_proxy = false,
            "id" => {
                let n = crate::config::units::atoi_int(v);
                if n <= 0 {
                    return Err("'id' : custom id has to be > 0.".into());
                }
                p.id = u32::try_from(n).ok();
            }
            "observe" => {
                p.observe = match v {
                    "none" => Observe::None,
                    "layer4" => Observe::Layer4,
                    "layer7" => Observe::Layer7,
                    _ => {
                        return Err(format!(
                            "'observe' expects one of 'none', 'layer4', 'layer7' but got '{v}'."
                        ))
                    }
                };
            }
            "on-error" => {
                p.on_error = match v {
                    "fastinter" => OnError::Fastinter,
                    "fail-check" => OnError::FailCheck,
                    "sudden-death" => OnError::SuddenDeath,
                    "mark-down" => OnError::MarkDown,
                    _ => return Err(format!("'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '{v}'.")),
                };
            }
            "on-marked-down" => {
                if v != "shutdown-sessions" {
                    return Err(format!(
                        "'on-marked-down' expects 'shutdown-sessions' but got '{v}'."
                    ));
                }
                p.on_marked_down_shutdown = true;
            }
            "on-marked-up" => {
                if v != "shutdown-backup-sessions" {
                    return Err(format!(
                        "'on-marked-up' expects 'shutdown-backup-sessions' but got '{v}'."
                    ));
                }
                p.on_marked_up_shutdown_backups = true;
            }
            "error-limit" => {
                let n = crate::config::units::atoi_int(v);
                if n <= 0 {
                    return Err("error-limit has to be > 0..".into());
                }
                p.error_limit = u32::try_from(n).unwrap_or(u32::MAX);
            }
            "track" => p.track = Some(v.to_string()),
            "source" => {
                if arg.is_none() {
                    return Err("'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument..".into());
                }
                p.other.extend([opt.to_string(), v.to_string()]);
                while let (Some(k @ ("usesrc" | "interface")), Some(val)) =
                    (line.word(i + 2), line.word(i + 3))
                {
                    p.other.extend([k.to_string(), val.to_string()]);
                    i += 2;
                }
            }
            _ => {
                p.other.push(opt.to_string());
                if nargs == 1 {
                    p.other.push(v.to_string());
                }
            }
        }
        i += 1 + nargs;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_expand_environment_variables_unquoted() {
        let text = "backend be\n server a 127.0.0.1:${P}\n server b ${H}:81\n";
        let env = |n: &str| match n {
            "P" => Some("8080".to_string()),
            "H" => Some("127.0.0.2".to_string()),
            _ => None,
        };
        let l = crate::config::load_texts(&[("t.cfg", text)], &env).unwrap();
        let be = l.config.backend("be").unwrap();
        assert_eq!(
            be.servers[0].addr,
            ServerAddr::Inet("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(
            be.servers[1].addr,
            ServerAddr::Inet("127.0.0.2:81".parse().unwrap())
        );
    }

    #[test]
    fn server_addresses_take_every_form() {
        assert_eq!(
            parse_server_addr("10.0.0.1:80"),
            Ok(ServerAddr::Inet("10.0.0.1:80".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("10.0.0.1"),
            Ok(ServerAddr::Inet("10.0.0.1:0".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("[::1]:80"),
            Ok(ServerAddr::Inet("[::1]:80".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("::1"),
            Ok(ServerAddr::Inet("[::1]:0".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("ipv4@10.0.0.1:81"),
            Ok(ServerAddr::Inet("10.0.0.1:81".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("web.local:8080"),
            Ok(ServerAddr::Host("web.local".into(), 8080))
        );
        assert_eq!(
            parse_server_addr("/run/s.sock"),
            Ok(ServerAddr::Unix("/run/s.sock".into()))
        );
        assert_eq!(
            parse_server_addr("1.2.3.4:99999"),
            Err("invalid port '99999'".into())
        );
        assert_eq!(
            parse_server_addr("[::1]"),
            Ok(ServerAddr::Inet("[::1]:0".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("1.2.3.4:+1"),
            Ok(ServerAddr::Inet("1.2.3.4:0".parse().unwrap()))
        );
        assert_eq!(
            parse_server_addr("1.2.3.4:8000-8001"),
            Err("port range not permitted here in '1.2.3.4:8000-8001'".into())
        );
    }
}
