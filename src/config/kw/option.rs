//! `option` and `no option` (configuration.txt 4.2 "option ..."): every on/off option of
//! HAProxy 2.6 with its capability (`abortonclose`, `dontlognull`, `redispatch`, `tcpka`,
//! `httpclose`, `http-server-close`, `http-keep-alive`, `splice-*`, ...), the ones with
//! arguments (`httplog [clf]`, `tcplog`, `forwardfor [except NET] [header NAME] [if-none]`,
//! `originalto`, `redispatch [interval]`, `httpchk [METHOD] [URI] [VERSION]`), the check
//! kinds (`tcp-check` and `httpchk`, parsed in `check.rs`; `ssl-hello-chk`, `smtpchk`,
//! `mysql-check`, `pgsql-check`, `redis-check`, `ldap-check`, `spop-check`,
//! `external-check`: their arguments checked as HAProxy does; not implemented, so a backend
//! whose servers would run one is refused by `check_rules.rs`), and the removed ones
//! (`forceclose`, `http_proxy`) with HAProxy's alerts.

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::{ForwardFor, HttpConnMode, IpNet, Options};

/// The `option` keyword (`no option` and `default option` reach it with a prefix).
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "option",
    sections: PROXIES,
    parse: Parse::Proxy(option),
}];

/// Which side an option applies to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cap {
    Fe,
    Be,
    Both,
}

/// On/off options that accept `no`, in HAProxy's table order, with their side.
const FLAGS: &[(&str, Cap)] = &[
    ("abortonclose", Cap::Be),
    ("allbackups", Cap::Be),
    ("checkcache", Cap::Be),
    ("clitcpka", Cap::Fe),
    ("contstats", Cap::Fe),
    ("dontlognull", Cap::Fe),
    ("http-buffer-request", Cap::Both),
    ("http-ignore-probes", Cap::Fe),
    ("idle-close-on-response", Cap::Fe),
    ("prefer-last-server", Cap::Be),
    ("logasap", Cap::Fe),
    ("nolinger", Cap::Both),
    ("persist", Cap::Be),
    ("srvtcpka", Cap::Be),
    ("transparent", Cap::Be),
    ("splice-request", Cap::Both),
    ("splice-response", Cap::Both),
    ("splice-auto", Cap::Both),
    ("accept-invalid-http-request", Cap::Fe),
    ("accept-invalid-http-response", Cap::Be),
    ("dontlog-normal", Cap::Fe),
    ("log-separate-errors", Cap::Fe),
    ("log-health-checks", Cap::Be),
    ("socket-stats", Cap::Fe),
    ("tcp-smart-accept", Cap::Fe),
    ("tcp-smart-connect", Cap::Be),
    ("independent-streams", Cap::Both),
    ("http-use-proxy-header", Cap::Fe),
    ("http-pretend-keepalive", Cap::Be),
    ("http-no-delay", Cap::Both),
    ("h1-case-adjust-bogus-client", Cap::Fe),
    ("h1-case-adjust-bogus-server", Cap::Be),
    ("disable-h2-upgrade", Cap::Fe),
];

/// Options with their own syntax, in the order HAProxy proposes them.
const SPECIAL: &[&str] = &[
    "httpclose",
    "httpslog",
    "http-server-close",
    "http-keep-alive",
    "redispatch",
    "httplog",
    "tcplog",
    "tcpka",
    "httpchk",
    "ssl-hello-chk",
    "smtpchk",
    "pgsql-check",
    "redis-check",
    "mysql-check",
    "ldap-check",
    "spop-check",
    "tcp-check",
    "external-check",
    "forwardfor",
    "originalto",
    "http-restrict-req-hdr-names",
    "forceclose",
    "http_proxy",
];

fn option(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let Some(name) = line.word(1) else {
        let msg = format!("parsing [{}]: 'option' expects an option name.", line.loc);
        ctx.diags.global(crate::config::diag::Level::Alert, msg);
        return;
    };
    let negate = ctx.prefix == Some("no");
    let prefixed = ctx.prefix.is_some();
    if let Some(&(_, cap)) = FLAGS.iter().find(|(n, _)| *n == name) {
        if let Some(extra) = line.word(2) {
            ctx.alert(
                line,
                format!("'option {name}' cannot handle unexpected argument '{extra}'."),
            );
            return;
        }
        check_cap(ctx, line, name, cap);
        set_flag(&mut ctx.proxy.options, name, !negate);
        return;
    }
    if !SPECIAL.contains(&name) {
        let names = FLAGS.iter().map(|(n, _)| *n).chain(SPECIAL.iter().copied());
        let msg = match super::best_match(name, names) {
            Some(m) => format!("unknown option '{name}'; did you mean '{m}' maybe ?"),
            None => format!("unknown option '{name}'."),
        };
        ctx.alert(line, msg);
        return;
    }
    if name == "forceclose" || name == "http_proxy" {
        removed_option(ctx, line, name);
        return;
    }
    let negatable = matches!(
        name,
        "httpclose" | "http-server-close" | "http-keep-alive" | "redispatch"
    );
    if prefixed && !negatable {
        let msg = format!(
            "parsing [{}]: negation/default is not supported for option '{name}'.",
            line.loc
        );
        ctx.diags.global(Level::Alert, msg);
        return;
    }
    match name {
        "httpclose" | "http-server-close" | "http-keep-alive" => {
            if let Some(extra) = line.word(2) {
                ctx.alert(line, format!("'option {name}' cannot handle unexpected argument '{extra}'."));
                return;
            }
            let mode = match name {
                "httpclose" => HttpConnMode::Close,
                "http-server-close" => HttpConnMode::ServerClose,
                _ => HttpConnMode::KeepAlive,
            };
            if negate {
                if ctx.proxy.options.http_conn_mode == mode {
                    ctx.proxy.options.http_conn_mode = HttpConnMode::KeepAlive;
                }
            } else {
                ctx.proxy.options.http_conn_mode = mode;
            }
        }
        "redispatch" => {
            check_cap(ctx, line, name, Cap::Be);
            ctx.proxy.options.redispatch = !negate;
            // `option redispatch N`: atoi, 0 meaning the default (-1, the last retry).
            let n = line.word(2).map_or(0, crate::config::units::atoi_int);
            ctx.proxy.redispatch_interval = if n == 0 { -1 } else { n };
        }
        "tcpka" => {
            if let Some(extra) = line.word(2) {
                ctx.alert(line, format!("'option {name}' cannot handle unexpected argument '{extra}'."));
                return;
            }
            ctx.proxy.options.tcpka_client = !negate;
            ctx.proxy.options.tcpka_server = !negate;
        }
        "httplog" | "httpslog" | "tcplog" => log_option(ctx, line, name),
        "httpchk" => {
            check_cap(ctx, line, name, Cap::Be);
            super::check::option_httpchk(ctx, line);
        }
        "tcp-check" => {
            check_cap(ctx, line, name, Cap::Be);
            super::check::option_tcp_check(ctx, line);
        }
        "ssl-hello-chk" | "smtpchk" | "pgsql-check" | "redis-check" | "mysql-check" | "ldap-check"
        | "spop-check" | "external-check" => {
            check_cap(ctx, line, name, Cap::Be);
            if let Some(msg) = check_kind_args(name, line) {
                ctx.alert(line, msg);
                return;
            }
            super::check::option_protocol(ctx, line, name);
        }
        "forwardfor" | "originalto" => match parse_forwardfor(line, name) {
            Ok(ff) => {
                if name == "forwardfor" {
                    ctx.proxy.forwardfor = Some(ff);
                } else {
                    ctx.proxy.options.originalto = Some(ff);
                }
            }
            Err(msg) => ctx.alert(line, msg),
        },
        "http-restrict-req-hdr-names" => match line.word(2) {
            Some(v @ ("preserve" | "delete" | "reject")) => {
                let v = format!("http-restrict-req-hdr-names={v}");
                ctx.proxy.options.flags.retain(|f| !f.starts_with("http-restrict-req-hdr-names"));
                ctx.proxy.options.flags.push(v);
            }
            Some(other) => ctx.alert(
                line,
                format!("invalid parameter '{other}'. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option."),
            ),
            None => ctx.alert(
                line,
                "missing parameter. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option.",
            ),
        },
        _ => removed_option(ctx, line, name),
    }
}

/// `option forceclose` and `option http_proxy`, removed from HAProxy (also with `no`).
fn removed_option(ctx: &mut ProxyCtx<'_>, line: &Line, name: &str) {
    let msg = if name == "forceclose" {
        format!("parsing [{}]: option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed.", line.loc)
    } else {
        format!("parsing [{}]: option 'http_proxy' is not supported any more since HAProxy 2.5. This option stopped working in HAProxy 1.9 and usually had nasty side effects. It can be more reliably implemented with combinations of 'http-request set-dst' and 'http-request set-uri', and even 'http-request do-resolve' if DNS resolution is desired.", line.loc)
    };
    ctx.diags.global(Level::Alert, msg);
}

/// The argument checks of the check-kind options.
fn check_kind_args(name: &str, line: &Line) -> Option<String> {
    let extra = line.word(2);
    match name {
        "smtpchk" => line
            .word(4)
            .map(|w| format!("'option {name}' cannot handle unexpected argument '{w}'.")),
        "pgsql-check" => match (extra, line.word(3)) {
            (Some("user"), Some(_)) => None,
            _ => Some("'option pgsql-check' expects 'user <username>' as argument.".into()),
        },
        "mysql-check" => match extra {
            Some("user") if line.word(3).is_none_or(str::is_empty) => {
                Some("'option mysql-check user' expects <username> as argument.".into())
            }
            None | Some("user") => None,
            Some(w) => Some(format!(
                "'option mysql-check' only supports optional values: 'user' (got '{w}')."
            )),
        },
        _ => extra.map(|w| format!("'option {name}' cannot handle unexpected argument '{w}'.")),
    }
}

/// The capability warning: `'NAME' ignored because backend 'b' has no frontend capability.`
fn check_cap(ctx: &mut ProxyCtx<'_>, line: &Line, name: &str, cap: Cap) {
    let missing = match cap {
        Cap::Fe if !ctx.has_fe() => "frontend",
        Cap::Be if !ctx.has_be() => "backend",
        _ => return,
    };
    let msg = format!(
        "'{name}' ignored because {} '{}' has no {missing} capability.",
        ctx.kind_word(),
        ctx.proxy.name
    );
    ctx.warning(line, msg);
}

fn set_flag(o: &mut Options, name: &str, on: bool) {
    let slot = match name {
        "abortonclose" => &mut o.abortonclose,
        "allbackups" => &mut o.allbackups,
        "checkcache" => &mut o.checkcache,
        "clitcpka" => &mut o.tcpka_client,
        "srvtcpka" => &mut o.tcpka_server,
        "contstats" => &mut o.contstats,
        "dontlognull" => &mut o.dontlognull,
        "http-buffer-request" => &mut o.http_buffer_request,
        "http-ignore-probes" => &mut o.http_ignore_probes,
        "nolinger" => &mut o.nolinger,
        "persist" => &mut o.persist,
        "splice-request" | "splice-response" | "splice-auto" => &mut o.splice,
        "accept-invalid-http-request" => &mut o.accept_invalid_http_request,
        "accept-invalid-http-response" => &mut o.accept_invalid_http_response,
        "dontlog-normal" => &mut o.dontlog_normal,
        "log-separate-errors" => &mut o.log_separate_errors,
        "log-health-checks" => &mut o.log_health_checks,
        "socket-stats" => &mut o.socket_stats,
        "independent-streams" => &mut o.independent_streams,
        "http-pretend-keepalive" => &mut o.http_pretend_keepalive,
        "h1-case-adjust-bogus-client" => &mut o.h1_case_adjust_bogus_client,
        "h1-case-adjust-bogus-server" => &mut o.h1_case_adjust_bogus_server,
        _ => {
            o.flags.retain(|f| f != name);
            if on {
                o.flags.push(name.to_string());
            }
            return;
        }
    };
    *slot = on;
}

fn log_option(ctx: &mut ProxyCtx<'_>, line: &Line, name: &str) {
    if let Some(extra) = line.word(3) {
        let msg = format!("'option {name}' cannot handle unexpected argument '{extra}'.");
        ctx.alert(line, msg);
        return;
    }
    let clf = match (name, line.word(2)) {
        (_, None) | ("httpslog", _) => false,
        ("httplog", Some("clf")) => true,
        ("httplog", Some(_)) => {
            ctx.alert(line, "keyword 'httplog' only supports option 'clf'.");
            return;
        }
        (_, Some(extra)) => {
            ctx.alert(
                line,
                format!("'option {name}' cannot handle unexpected argument '{extra}'."),
            );
            return;
        }
    };
    if !ctx.has_fe() {
        // HAProxy warns, then sets the format anyway.
        let msg = format!(
            "{} '{}' : 'option {name}' directive is ignored in backends.",
            ctx.kind_word(),
            ctx.proxy.name
        );
        ctx.warning(line, msg);
    }
    let o = &ctx.proxy.options;
    let previous = if o.flags.iter().any(|f| f == "httpslog") {
        Some("option httpslog")
    } else if o.httplog {
        Some(if o.flags.iter().any(|f| f == "httplog-clf") {
            "option httplog clf"
        } else {
            "option httplog"
        })
    } else if o.tcplog {
        Some("option tcplog")
    } else {
        None
    };
    if let (true, Some(prev)) = (ctx.in_defaults(), previous) {
        // HAProxy names `option httpslog` as `option httplog` here.
        let new = if name == "tcplog" {
            "option tcplog".to_string()
        } else {
            format!("option {}", rest_of(line)).replace("httpslog", "httplog")
        };
        let msg = format!(
            "parsing [{}]: '{new}' overrides previous '{prev}' in 'defaults' section.",
            line.loc
        );
        ctx.diags.global(Level::Warning, msg);
    }
    let o = &mut ctx.proxy.options;
    o.log_option_loc = Some(line.loc.clone());
    o.flags.retain(|f| f != "httplog-clf" && f != "httpslog");
    o.httplog = name != "tcplog";
    o.tcplog = name == "tcplog";
    if clf {
        o.flags.push("httplog-clf".into());
    }
    if name == "httpslog" {
        o.flags.push("httpslog".into());
    }
}

fn rest_of(line: &Line) -> String {
    super::rest(line, 1)
}

/// Parses `option forwardfor|originalto [except NET] [header NAME] [if-none]`.
fn parse_forwardfor(line: &Line, name: &str) -> Result<ForwardFor, String> {
    let default_header = if name == "forwardfor" {
        "X-Forwarded-For"
    } else {
        "X-Original-To"
    };
    let mut ff = ForwardFor {
        except: None,
        header: default_header.into(),
        if_none: false,
    };
    let mut i = 2;
    while let Some(w) = line.word(i) {
        match w {
            "except" => {
                let net = line.word(i + 1).and_then(parse_net);
                match net {
                    Some(n) => ff.except = Some(n),
                    None => {
                        return Err(format!(
                            "'option {name} except' expects <address>[/mask] as argument."
                        ))
                    }
                }
                i += 1;
            }
            "header" => {
                match line.word(i + 1) {
                    Some(h) => ff.header = h.to_string(),
                    None => {
                        return Err(format!(
                            "'option {name} header' expects <header_name> as argument."
                        ))
                    }
                }
                i += 1;
            }
            "if-none" if name == "forwardfor" => ff.if_none = true,
            _ => {
                return Err(if name == "forwardfor" {
                    "'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.".into()
                } else {
                    "'option originalto' only supports optional values: 'except' and 'header'."
                        .into()
                })
            }
        }
        i += 1;
    }
    Ok(ff)
}

/// Parses `ADDR[/PREFIX]` or `ADDR/MASK` (dotted IPv4 mask) into a network.
pub fn parse_net(text: &str) -> Option<IpNet> {
    use std::net::IpAddr;
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match mask {
        None => max,
        Some(m) => match m.parse::<u8>() {
            Ok(p) if p <= max => p,
            Ok(_) => return None,
            Err(_) => {
                let dotted: std::net::Ipv4Addr = m.parse().ok()?;
                let bits = u32::from(dotted);
                if bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return None;
                }
                u8::try_from(bits.leading_ones()).ok()?
            }
        },
    };
    Some(IpNet { addr, prefix })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diag::{Diags, Loc};
    use crate::config::model::{Proxy, ProxyKind};
    use crate::config::section::SectionKind;

    fn run(kind: SectionKind, text: &str) -> (Proxy, Diags) {
        let mut d = Diags::new();
        let lines = crate::config::lexer::lex("o.cfg", text, &|_| None, &mut d);
        let pk = match kind {
            SectionKind::Frontend => ProxyKind::Frontend,
            SectionKind::Backend => ProxyKind::Backend,
            _ => ProxyKind::Listen,
        };
        let mut p = Proxy::new("p", pk, Loc::new("o.cfg", 1));
        let g = crate::config::model::Global::default();
        let mut ctx = ProxyCtx {
            proxy: &mut p,
            section: kind,
            named_defaults: false,
            global: &g,
            others: &[],
            diags: &mut d,
            env: &|_, _| None,
            prefix: None,
            abort: false,
            open_failed: false,
        };
        for l in &lines {
            super::super::parse_proxy_line(&mut ctx, l);
        }
        (p, d)
    }

    #[test]
    fn flags_can_be_set_and_negated() {
        let (p, d) = run(
            SectionKind::Listen,
            "option dontlognull\noption redispatch\nno option redispatch\noption abortonclose\n",
        );
        assert!(d.list.is_empty(), "{d:?}");
        assert!(p.options.dontlognull && p.options.abortonclose && !p.options.redispatch);
    }

    #[test]
    fn forwardfor_takes_except_header_and_if_none() {
        let (p, d) = run(
            SectionKind::Listen,
            "option forwardfor except 127.0.0.0/8 header X-Real-IP if-none\n",
        );
        assert!(d.list.is_empty());
        let ff = p.forwardfor.unwrap();
        assert_eq!(ff.header, "X-Real-IP");
        assert!(ff.if_none);
        assert!(ff.except.unwrap().contains("127.1.2.3".parse().unwrap()));
    }

    #[test]
    fn httpchk_keeps_method_and_uri() {
        let (p, _) = run(SectionKind::Backend, "option httpchk GET /health\n");
        let Some(crate::config::model::RuleAction::SendHttp(req)) =
            p.checks.http.rules.first().map(|r| &r.action)
        else {
            panic!("{:?}", p.checks);
        };
        assert_eq!(
            (
                req.method.as_deref(),
                req.uri.as_deref(),
                req.version.as_deref()
            ),
            (Some("GET"), Some("/health"), None)
        );
    }

    #[test]
    fn connection_modes_are_exclusive() {
        let (p, _) = run(
            SectionKind::Listen,
            "option httpclose\noption http-server-close\n",
        );
        assert_eq!(p.options.http_conn_mode, HttpConnMode::ServerClose);
    }

    #[test]
    fn option_messages_match_haproxy() {
        let (_, d) = run(
            SectionKind::Backend,
            "option httpclos\noption foo\noption tcplog\noption clitcpka\n",
        );
        let msgs: Vec<_> = d.list.iter().map(|d| d.msg.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "unknown option 'httpclos'; did you mean 'httpclose' maybe ?",
                "unknown option 'foo'.",
                "backend 'p' : 'option tcplog' directive is ignored in backends.",
                "'clitcpka' ignored because backend 'p' has no frontend capability.",
            ]
        );
        let (_, d) = run(SectionKind::Backend, "no option forwardfor\n");
        assert_eq!(
            d.list[0].msg,
            "parsing [o.cfg:1]: negation/default is not supported for option 'forwardfor'."
        );
    }

    #[test]
    fn networks_accept_prefixes_and_masks() {
        assert_eq!(parse_net("10.0.0.0/255.0.0.0").unwrap().prefix, 8);
        assert_eq!(parse_net("10.0.0.1").unwrap().prefix, 32);
        assert!(parse_net("foo").is_none());
    }
}
