//! General proxy keywords (configuration.txt 4.2): `mode`, `default_backend`,
//! `use_backend`, `retries`, `maxconn`, `fullconn`, `disabled`, `enabled`, `description`,
//! `id`, `monitor-uri`, `http-reuse`, `log-format`, the removed `contimeout`,
//! `clitimeout` and `srvtimeout`, and keywords that are kept verbatim in `Proxy::other`
//! without effect yet (`capture`, `compression`, `stick-table`, `source`, ...).

use super::{Keyword, Parse, ProxyCtx, BE, BE_ONLY, FE, FE_ONLY, NO_DEFAULTS, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{HttpReuse, Mode, RawRule, UseBackend};
use crate::config::units::atou32;

macro_rules! p {
    ($name:expr, $sec:expr, $f:expr) => {
        Keyword {
            name: $name,
            sections: $sec,
            parse: Parse::Proxy($f),
        }
    };
}

/// The general proxy keywords.
pub static KEYWORDS: &[Keyword] = &[
    p!("mode", PROXIES, mode),
    p!("appsession", PROXIES, refused),
    p!("block", PROXIES, refused),
    p!("monitor-net", PROXIES, refused),
    p!("usesrc", PROXIES, refused),
    p!("transparent", PROXIES, transparent),
    p!("dynamic-cookie-key", BE, dynamic_cookie_key),
    p!("default_backend", FE, default_backend),
    p!("use_backend", FE_ONLY, use_backend),
    p!("retries", BE, retries),
    p!("maxconn", FE, maxconn),
    p!("fullconn", BE, fullconn),
    p!("disabled", PROXIES, |c, l| enable(c, l, true)),
    p!("enabled", PROXIES, |c, l| enable(c, l, false)),
    p!("description", NO_DEFAULTS, description),
    p!("id", NO_DEFAULTS, id),
    p!("monitor-uri", FE, monitor_uri),
    p!("http-reuse", BE, http_reuse),
    p!("log-format", FE, log_format),
    p!("contimeout", PROXIES, |c, l| removed(c, l, "connect")),
    p!("clitimeout", PROXIES, |c, l| removed(c, l, "client")),
    p!("srvtimeout", PROXIES, |c, l| removed(c, l, "server")),
    // Kept verbatim, not active yet.
    p!("capture", FE_ONLY, capture),
    p!("compression", PROXIES, keep),
    p!("stick-table", NO_DEFAULTS, keep),
    p!("stick", super::BE_ONLY, keep),
    p!("source", BE, keep),
    p!("http-after-response", PROXIES, keep),
    p!("tcp-response", BE, keep),
    p!("filter", NO_DEFAULTS, keep),
    p!("unique-id-format", PROXIES, keep),
    p!("unique-id-header", FE, keep),
    p!("log-format-sd", FE, keep),
    p!("error-log-format", FE, keep),
    p!("log-tag", PROXIES, keep),
    p!("backlog", FE, keep),
    p!("rate-limit", PROXIES, rate_limit),
    p!("persist", PROXIES, persist),
    p!("force-persist", NO_DEFAULTS, persist_rule),
    p!("ignore-persist", NO_DEFAULTS, persist_rule),
    p!("use-server", super::BE_ONLY, keep),
    p!("server-template", super::BE_ONLY, keep),
    p!("redirect", NO_DEFAULTS, |c, l| {
        super::warn_misplaced_rule(c, l, 5);
        keep(c, l)
    }),
    p!("monitor", FE_ONLY, |c, l| {
        if l.word(1) == Some("fail") {
            super::warn_misplaced_rule(c, l, 3);
        }
        keep(c, l)
    }),
    p!("declare", FE_ONLY, keep),
    p!("email-alert", PROXIES, email_alert),
    p!("errorloc", PROXIES, errorloc),
    p!("errorloc302", PROXIES, errorloc),
    p!("errorloc303", PROXIES, errorloc),
    p!("errorfiles", PROXIES, keep),
    p!("http-error", PROXIES, keep),
    p!("external-check", BE, keep),
    p!("grace", PROXIES, keep),
    p!("http-send-name-header", BE, keep),
    p!("load-server-state-from-file", BE, keep),
    p!("server-state-file-name", BE, keep),
    p!("max-keep-alive-queue", PROXIES, tcpka),
    p!("bind-process", PROXIES, keep),
    p!("dispatch", super::BE_ONLY, keep),
    p!("max-session-srv-conns", FE, keep),
    p!("retry-on", BE, keep),
    p!("clitcpka-cnt", PROXIES, tcpka),
    p!("clitcpka-idle", PROXIES, tcpka),
    p!("clitcpka-intvl", PROXIES, tcpka),
    p!("srvtcpka-cnt", PROXIES, tcpka),
    p!("srvtcpka-idle", PROXIES, tcpka),
    p!("srvtcpka-intvl", PROXIES, tcpka),
    p!("use-fcgi-app", BE_ONLY, keep),
    p!("hash-balance-factor", PROXIES, hash_balance_factor),
];

/// What HAProxy says when a kept keyword has no argument: (keyword, printed with the
/// `parsing [f:l]: ` form, message).
const MISSING_ARG: &[(&str, bool, &str)] = &[
    ("capture", false, "'capture' expects 'cookie' or 'request header' or 'response header'."),
    ("compression", false, "'compression' expects 'algo', 'type' or 'offload'"),
    ("stick-table", false, "stick-table: missing size."),
    ("stick", false, "'stick' expects 'on', 'match', or 'store'."),
    ("source", false, "'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>."),
    ("http-after-response", true, "'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got '' (missing argument)."),
    ("unique-id-format", false, "unique-id-format expects an argument."),
    ("unique-id-header", false, "unique-id-header expects an argument."),
    ("log-format-sd", false, "log-format-sd expects an argument."),
    ("error-log-format", false, "error-log-format expects an argument."),
    ("log-tag", false, "'log-tag' expects a tag for use in syslog."),
    ("backlog", false, "'backlog' expects an integer argument."),
    ("force-persist", false, "'force-persist' requires either 'if' or 'unless' followed by a condition."),
    ("ignore-persist", false, "'ignore-persist' requires either 'if' or 'unless' followed by a condition."),
    ("use-server", false, "'use-server' expects a server name."),
    ("server-template", false, "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments."),
    ("monitor", false, "'monitor' only supports 'fail'."),
    ("declare", false, "'declare' needs a second keyword that specify the type of declaration ('capture')"),
    ("email-alert", false, "missing argument after 'email-alert'."),
    ("errorloc", false, "errorloc : expects <status_code> and <url> as arguments."),
    ("errorloc302", false, "errorloc302 : expects <status_code> and <url> as arguments."),
    ("errorloc303", false, "errorloc303 : expects <status_code> and <url> as arguments."),
    ("errorfiles", false, "errorfiles : expects <name> as argument."),
    ("http-error", false, "http-error : expects at least a <status> as arguments.\n"),
    ("external-check", false, "missing argument after 'external-check'."),
    ("http-send-name-header", false, "'http-send-name-header' requires a header string."),
    ("load-server-state-from-file", false, "'load-server-state-from-file' expects 'global', 'local' or 'none'. Got ''"),
    ("dispatch", false, "'dispatch' : '' resolves to an empty address (environment variable missing?)\n"),
    ("max-session-srv-conns", false, "'max-session-srv-conns' expects a number. Got no argument"),
    ("retry-on", false, "'retry-on' needs at least one keyword to specify when to retry"),
    ("use-fcgi-app", false, "'use-fcgi-app' expects <name> as argument"),
];

/// Keywords HAProxy 2.6 still recognises only to refuse them, with its own wording.
fn refused(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let msg = match line.keyword() {
        "appsession" => "'appsession' is not supported anymore since HAProxy 1.6.".to_string(),
        "block" => "The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax.".to_string(),
        "monitor-net" => format!(
            "'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if {{ src {} }}' instead.",
            line.word(1).unwrap_or("")
        ),
        _ => "'usesrc' only allowed after a 'source' statement.".to_string(),
    };
    ctx.alert(line, msg);
}

/// `transparent` (the pre-1.5 spelling of `option transparent`): takes no argument.
fn transparent(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if let Some(extra) = line.word(1) {
        ctx.alert(
            line,
            format!("'transparent' cannot handle unexpected argument '{extra}'."),
        );
        return;
    }
    ctx.proxy.other.push(raw(line));
}

/// `dynamic-cookie-key KEY`: kept, not active.
fn dynamic_cookie_key(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if line.word(1).is_none() {
        ctx.alert(
            line,
            "'dynamic-cookie-key' expects <secret_key> as argument.",
        );
        return;
    }
    ctx.proxy.other.push(raw(line));
}

/// `clitcpka-*` / `srvtcpka-*` / `max-keep-alive-queue`: registered keywords, so HAProxy
/// reads the value first and only then warns (in its own wording) when the proxy lacks
/// the side they apply to.
fn tcpka(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let kw = line.keyword();
    let Some(v) = line.word(1) else {
        let msg = if kw == "max-keep-alive-queue" {
            format!("'{kw}' expects expects an integer value (or -1 to disable)")
        } else {
            format!("'{kw}' expects an integer value")
        };
        ctx.alert(line, msg);
        return;
    };
    if kw.ends_with("-cnt") || kw == "max-keep-alive-queue" {
        if let Some(msg) = bad_integer(kw, v) {
            ctx.alert(line, msg);
            return;
        }
    } else {
        use crate::config::units::{parse_time, time_error_msg, TimeError};
        match parse_time(v) {
            Ok(_) => {}
            Err(TimeError::BadChar(c)) => {
                let msg = format!("unexpected character '{c}' in argument to <{kw}>.\n");
                ctx.alert(line, msg);
                return;
            }
            Err(e) => {
                ctx.alert(line, time_error_msg(e, v, kw));
                return;
            }
        }
    }
    let (has, cap) = if kw.starts_with("cli") {
        (ctx.has_fe(), "frontend")
    } else {
        (ctx.has_be(), "backend")
    };
    if !has {
        let msg = format!(
            "{kw} will be ignored because {} '{}' has no {cap} capability",
            ctx.kind_word(),
            ctx.proxy.name
        );
        ctx.warning(line, msg);
        return;
    }
    ctx.proxy.other.push(raw(line));
}

/// `capture cookie NAME len N` and `capture request|response header NAME len N`: checked
/// the way HAProxy 2.6 reads them, then kept (the capture itself is not implemented).
fn capture(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let w = |i: usize| line.word(i).unwrap_or("");
    let msg = match (w(1), w(2)) {
        ("cookie", _) if w(4).is_empty() => {
            Some("'capture' expects 'cookie' <cookie_name> 'len' <len>.".to_string())
        }
        ("cookie", _) => None,
        (dir @ ("request" | "response"), "header") => {
            if !w(6).is_empty() {
                Some(format!(
                    "'capture {dir}' cannot handle unexpected argument '{}'.",
                    w(6)
                ))
            } else if w(3).is_empty() || w(4) != "len" || w(5).is_empty() {
                Some(format!(
                    "'capture {dir}' expects 'header' <header_name> 'len' <len>."
                ))
            } else {
                None
            }
        }
        _ => {
            Some("'capture' expects 'cookie' or 'request header' or 'response header'.".to_string())
        }
    };
    if let Some(msg) = msg {
        ctx.alert(line, msg);
        return;
    }
    ctx.proxy.other.push(raw(line));
}

/// `errorloc|errorloc302|errorloc303 CODE URL`: checked, then kept.
fn errorloc(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let kw = line.keyword();
    let (Some(code), Some(_)) = (line.word(1), line.word(2)) else {
        ctx.alert(
            line,
            format!("{kw} : expects <status_code> and <url> as arguments.\n"),
        );
        return;
    };
    let status = crate::config::units::atoi_int(code);
    let known = u16::try_from(status).is_ok_and(|s| super::errorfile::CODES.contains(&s));
    if !known {
        ctx.alert(line, format!("{kw} : status code '{status}' not handled."));
        return;
    }
    ctx.proxy.other.push(raw(line));
}

/// `email-alert from|mailers|myhostname|to|level ...`: the sub-keyword is checked, the
/// line kept (mail alerts are not sent).
fn email_alert(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let msg = match line.word(1) {
        None | Some("") => Some("missing argument after 'email-alert'.".to_string()),
        Some("from" | "mailers" | "myhostname" | "to") => None,
        Some("level") => {
            let l = line.word(2).unwrap_or("");
            (!super::log::LEVELS.contains(&l))
                .then(|| format!("unknown log level 'level' after '{l}'"))
        }
        Some(other) => Some(format!("email-alert: unknown argument '{other}'.")),
    };
    if let Some(msg) = msg {
        ctx.alert(line, msg);
        return;
    }
    ctx.proxy.other.push(raw(line));
}

/// `force-persist|ignore-persist if|unless COND`: the condition keyword is required.
fn persist_rule(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let kw = line.keyword();
    if !ctx.has_be() {
        // Registered for frontends too, as HAProxy reads them there after this warning.
        let msg = format!(
            "'{kw}' ignored because {} '{}' has no backend capability.",
            ctx.kind_word(),
            ctx.proxy.name
        );
        ctx.warning(line, msg);
    }
    if !matches!(line.word(1), Some("if" | "unless")) {
        let msg = format!("'{kw}' requires either 'if' or 'unless' followed by a condition.");
        ctx.alert(line, msg);
        return;
    }
    keep(ctx, line);
}

/// `rate-limit sessions N`: read first, then HAProxy's own capability warning.
fn rate_limit(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let what = line.word(1).unwrap_or("");
    if what != "sessions" {
        ctx.alert(
            line,
            format!("'rate-limit' only supports 'sessions' (got '{what}')"),
        );
        return;
    }
    let Some(v) = line.word(2) else {
        let msg = "'rate-limit sessions' expects expects an integer value (in sessions/second)";
        ctx.alert(line, msg);
        return;
    };
    if let Some(msg) = bad_integer("rate-limit sessions", v) {
        ctx.alert(line, msg);
        return;
    }
    if !ctx.has_fe() {
        let msg = format!(
            "rate-limit sessions will be ignored because {} '{}' has no frontend capability",
            ctx.kind_word(),
            ctx.proxy.name
        );
        ctx.warning(line, msg);
        return;
    }
    keep(ctx, line);
}

/// `persist rdp-cookie[(NAME)]`, the only persist method.
fn persist(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let Some(method) = line.word(1) else {
        ctx.alert(line, "missing persist method.");
        return;
    };
    let Some(rest) = method.strip_prefix("rdp-cookie") else {
        ctx.alert(line, "unknown persist method.");
        return;
    };
    let named = rest
        .strip_prefix('(')
        .and_then(|r| r.find(')'))
        .is_some_and(|end| end > 0);
    if !rest.is_empty() && !named {
        ctx.alert(
            line,
            "persist rdp-cookie(name)' requires an rdp cookie name.",
        );
        return;
    }
    keep(ctx, line);
}

/// The line kept verbatim.
fn raw(line: &Line) -> RawRule {
    RawRule {
        loc: line.loc.clone(),
        words: line.words.clone(),
    }
}

/// HAProxy's `strtol()` check of an integer value (a sign, then digits only).
fn bad_integer(what: &str, v: &str) -> Option<String> {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    let c = body.chars().find(|c| !c.is_ascii_digit())?;
    Some(format!(
        "'{what}' : unexpected character '{c}' in integer value '{v}'"
    ))
}

fn keep(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let kw = line.keyword();
    match kw {
        "stick-table" if line.word(1).is_some() => {
            if let Err(msg) = stick_table_size(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "bind-process" => {
            let msg = format!("parsing [{}]: 'bind-process' has no effect, is deprecated, and will be removed in version 2.7.", line.loc);
            ctx.diags.global(crate::config::diag::Level::Warning, msg);
            return;
        }
        "grace" => {
            let msg = format!("parsing [{}]: the 'grace' keyword is not supported any more since HAProxy version 2.5.", line.loc);
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
            return;
        }
        "tcp-response" | "filter" if line.word(1).is_none() => {
            let ptype = super::http_rules::proxy_word(ctx);
            let msg = if kw == "filter" {
                format!(
                    "parsing [{}] : missing argument for 'filter' in {ptype} '{}'.",
                    line.loc, ctx.proxy.name
                )
            } else {
                format!(
                    "missing argument for 'tcp-response' in {ptype} '{}'",
                    ctx.proxy.name
                )
            };
            ctx.alert(line, msg);
            return;
        }
        "filter" => {
            if let Err(msg) = filter(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "http-error" if line.word(1).is_some() => {
            if let Err(msg) = http_error(line) {
                ctx.alert(line, format!("http-error : {msg}"));
                return;
            }
        }
        "http-after-response" if line.word(1).is_some() => {
            const ACTIONS: &[&str] = &[
                "ot-group",
                "add-header",
                "allow",
                "capture",
                "del-header",
                "replace-header",
                "replace-value",
                "set-header",
                "set-status",
                "strict-mode",
                "set-var-fmt(*)",
                "set-var(*)",
                "unset-var(*)",
            ];
            let action = line.word(1).unwrap_or("");
            let known = ACTIONS.iter().any(|a| match a.strip_suffix("(*)") {
                Some(p) => action.starts_with(&format!("{p}(")),
                None => *a == action,
            });
            if !known {
                let all = ACTIONS
                    .iter()
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let plain = ACTIONS.iter().copied().filter(|a| !a.ends_with("(*)"));
                let hint = super::best_match(action, plain)
                    .map(|m| format!(" Did you mean '{m}' maybe ?"))
                    .unwrap_or_default();
                let msg = format!(
                    "parsing [{}]: 'http-after-response' expects {all}, but got '{action}'.{hint}",
                    line.loc
                );
                ctx.diags.global(crate::config::diag::Level::Alert, msg);
                ctx.abort = true;
                return;
            }
        }
        "retry-on" if line.word(1).is_some() => {
            if let Err(msg) = retry_on(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "load-server-state-from-file" if line.word(1).is_some() => {
            let v = line.word(1).unwrap_or("");
            if !matches!(v, "global" | "local" | "none") {
                let msg = format!(
                    "'load-server-state-from-file' expects 'global', 'local' or 'none'. Got '{v}'"
                );
                ctx.alert(line, msg);
                return;
            }
        }
        "external-check" if line.word(1).is_some() => {
            let sub = line.word(1).unwrap_or("");
            let msg = match sub {
                "command" | "path" if line.word(2).is_none_or(str::is_empty) => {
                    Some(format!("missing argument after '{sub}'."))
                }
                "command" | "path" => None,
                _ => Some(format!(
                    "'external-check' only supports 'command' and 'path'. but got '{sub}'."
                )),
            };
            if let Some(msg) = msg {
                ctx.alert(line, msg);
                return;
            }
        }
        "max-session-srv-conns" if line.word(1).is_none() => {
            // HAProxy 2.6 misspells its own prefix here.
            let msg = format!(
                "parsine [{}] : 'max-session-srv-conns' expects a number. Got no argument",
                line.loc
            );
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
            return;
        }
        "server-template" if line.word(1).is_none() => {
            ctx.alert_bare(
                line,
                "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.",
            );
            return;
        }
        "http-after-response" if line.word(1).is_none() => {
            let msg = format!("parsing [{}]: 'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got '' (missing argument).", line.loc);
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
            ctx.abort = true;
            return;
        }
        "redirect" => {
            let mut res = super::http_rules::check_redirect(line.words.get(1..).unwrap_or(&[]));
            let at = line.words.iter().position(|w| w == "if" || w == "unless");
            if let (Ok(()), Some(at)) = (&res, at) {
                if let Err(msg) = super::acl::parse_cond(ctx, line, at) {
                    res = Err(format!("error in condition: {msg}"));
                }
            }
            if let Err(msg) = res {
                let msg = format!(
                    "error detected in {} '{}' while parsing redirect rule : {msg}.",
                    super::http_rules::proxy_word(ctx),
                    ctx.proxy.name
                );
                ctx.alert(line, msg);
                return;
            }
        }
        "monitor" if line.word(1).is_some() => {
            if line.word(1) != Some("fail") {
                ctx.alert(line, "'monitor' only supports 'fail'.");
                return;
            }
            if !matches!(line.word(2), Some("if" | "unless")) {
                let msg =
                    "'monitor fail' requires either 'if' or 'unless' followed by a condition.";
                ctx.alert(line, msg);
                return;
            }
            if let Err(msg) = super::acl::parse_cond(ctx, line, 2) {
                let msg =
                    format!("error detected while parsing a 'monitor fail' condition : {msg}.");
                ctx.alert(line, msg);
                return;
            }
        }
        "compression" if line.word(1).is_some() => {
            if let Err(msg) = compression(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "declare" if line.word(1).is_some() => {
            if let Err(msg) = declare(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "server-template" if line.word(1).is_some() => {
            if line.word(3).is_none() {
                ctx.alert_bare(
                    line,
                    "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.",
                );
                return;
            }
            let range = line.word(2).unwrap_or("");
            if !template_range_ok(range) {
                let msg = format!("Wrong server-template number or range arg '{range}'.");
                ctx.alert_bare(line, msg);
                return;
            }
        }
        "source" | "dispatch" if line.word(1).is_some() => {
            use super::addr::{check_addr, AddrOpts};
            let addr = line.word(1).unwrap_or("");
            let opts = AddrOpts {
                port_ok: true,
                port_mand: kw == "dispatch",
                ..AddrOpts::default()
            };
            let getenv = ctx.env;
            if let Err(msg) = check_addr(addr, &|v| getenv(v, line.loc.line), opts) {
                let what = if kw == "source" {
                    format!("source {addr}")
                } else {
                    kw.to_string()
                };
                ctx.alert(line, format!("'{what}' : {msg}"));
                return;
            }
        }
        "stick" => {
            if !matches!(
                line.word(1),
                None | Some("on" | "match" | "store-request" | "store-response")
            ) {
                ctx.alert(line, "'stick' expects 'on', 'match', or 'store'.");
                return;
            }
            let fetch = super::fetches::fetch_name(line.word(2).unwrap_or(""));
            if !fetch.is_empty() && !super::fetches::is_known(fetch) {
                ctx.alert(line, format!("'stick': unknown fetch method '{fetch}'"));
                return;
            }
            if let Some(at) = line.words.iter().position(|w| w == "if" || w == "unless") {
                if let Err(msg) = super::acl::parse_cond(ctx, line, at) {
                    ctx.alert(
                        line,
                        format!(
                            "'stick': error detected while parsing sticking condition : {msg}."
                        ),
                    );
                    return;
                }
            }
        }
        _ => {}
    }
    if line.word(1).is_none() {
        if let Some(&(_, bare, msg)) = MISSING_ARG.iter().find(|(k, _, _)| *k == kw) {
            if bare {
                let msg = format!("parsing [{}]: {msg}", line.loc);
                ctx.diags.global(crate::config::diag::Level::Alert, msg);
            } else {
                ctx.alert(line, msg);
            }
            return;
        }
    }
    ctx.proxy.other.push(raw(line));
}

/// `filter NAME [ARGS]`: the filters HAProxy 2.6 (Debian's build) registers, and the
/// arguments of the ones it checks while reading.
fn filter(line: &Line) -> Result<(), String> {
    let name = line.word(1).unwrap_or("");
    let arg = line.word(2);
    match name {
        "cache" | "fcgi-app" => match arg {
            None => Err(format!("'filter' : '{name} : expects a <name> argument'")),
            Some(_) => match line.word(3) {
                Some(extra) => Err(format!("'filter {name}' : unknown keyword '{extra}'.")),
                None => Ok(()),
            },
        },
        "spoe" if arg.is_none() => Err("'filter' : ''spoe' : missing config file'".into()),
        "compression" => match arg {
            Some(extra) => Err(format!("'filter compression' : unknown keyword '{extra}'.")),
            None => Ok(()),
        },
        "trace" => {
            let words = line.words.get(2..).unwrap_or(&[]);
            match words.iter().position(|w| w == "name") {
                Some(p) if words.get(p + 1).is_none() => {
                    Err("'filter' : ''trace' : 'name' option without value'".into())
                }
                _ => Ok(()),
            }
        }
        "spoe" | "opentracing" => Ok(()),
        _ => Err(format!("'filter' : unknown keyword '{name}'. Registered keywords :\n    [CACHE] cache\n    [COMP] compression\n    [FCGI] fcgi-app\n    [  OT] opentracing\n    [SPOE] spoe\n    [TRACE] trace")),
    }
}

/// `http-error status CODE [content-type T] [payload]`, as HAProxy 2.6 reads it.
fn http_error(line: &Line) -> Result<(), String> {
    if line.word(1) != Some("status") {
        return Err("expects at least a <status> as arguments.\n".into());
    }
    let code = match line.word(2).filter(|v| !v.is_empty()) {
        Some(v) => crate::config::units::atoi_int(v),
        None => return Err("'status' expects <status_code> as argument".into()),
    };
    let known = u16::try_from(code).is_ok_and(|c| super::http_rules::ERROR_CODES.contains(&c));
    if !known {
        return Err(format!("Unexpected status code '{code}'"));
    }
    let (mut ctype, mut payload) = (false, false);
    let mut i = 3;
    while let Some(w) = line.word(i) {
        let v = line.word(i + 1);
        match w {
            "content-type" => {
                if v.is_none() {
                    return Err("'content-type' expects <ctype> as argument".into());
                }
                ctype = true;
                i += 2;
            }
            "errorfile" | "file" | "lf-file" => {
                let f = v.unwrap_or("");
                if std::fs::metadata(f).is_err() {
                    return Err(format!("error opening file '{f}'."));
                }
                payload = true;
                i += 2;
            }
            "string" | "lf-string" => {
                payload = true;
                i += 2;
            }
            "errorfiles" | "hdr" => i += if w == "hdr" { 3 } else { 2 },
            "default-errorfiles" => i += 1,
            _ => break,
        }
    }
    if payload && !ctype {
        return Err("a content type must be defined when non-empty payload is configured".into());
    }
    match line.word(i) {
        Some(w) => Err(format!("unknown keyword '{w}'.")),
        None => Ok(()),
    }
}

/// `retry-on KEYWORD...`: the events HAProxy 2.6 knows, `none` alone.
fn retry_on(line: &Line) -> Result<(), String> {
    const KNOWN: &[&str] = &[
        "none",
        "conn-failure",
        "empty-response",
        "junk-response",
        "response-timeout",
        "0rtt-rejected",
        "all-retryable-errors",
        "401",
        "403",
        "404",
        "408",
        "425",
        "500",
        "501",
        "502",
        "503",
        "504",
    ];
    let words = line.words.get(1..).unwrap_or(&[]);
    if let Some(w) = words.iter().find(|w| !KNOWN.contains(&w.as_str())) {
        return Err(format!("'retry-on': unknown keyword '{w}'"));
    }
    if words.len() > 1 && words.iter().any(|w| w == "none") {
        return Err("'retry-on' 'none' keyworld only usable alone".into());
    }
    Ok(())
}

/// `compression algo|type|offload ...` as HAProxy 2.6 (built with libslz) reads it.
fn compression(line: &Line) -> Result<(), String> {
    const ALGOS: &[&str] = &["identity", "deflate", "raw-deflate", "gzip"];
    match line.word(1).unwrap_or("") {
        "algo" => {
            let algos = line.words.get(2..).unwrap_or(&[]);
            if algos.is_empty() {
                return Err(format!(
                    "parsing [{}] : 'compression' expects <algorithm>.",
                    line.loc
                ));
            }
            match algos.iter().find(|a| !ALGOS.contains(&a.as_str())) {
                Some(a) => Err(format!(
                    "'compression' : '{a}' is not a supported algorithm."
                )),
                None => Ok(()),
            }
        }
        "type" if line.word(2).is_none() => Err("'compression' expects <type>.".into()),
        "type" | "offload" => Ok(()),
        _ => Err("'compression' expects 'algo', 'type' or 'offload'".into()),
    }
}

/// `declare capture request|response len N`.
fn declare(line: &Line) -> Result<(), String> {
    if line.word(1) != Some("capture") {
        let what = line.word(1).unwrap_or("");
        return Err(format!(
            "unknown declaration type '{what}' (supports 'capture')"
        ));
    }
    if !matches!(line.word(2), Some("request" | "response")) {
        return Err("'declare capture' requires a direction ('request' or 'response')".into());
    }
    if line.word(3) != Some("len") {
        return Err("'declare capture' requires a capture length ('len')".into());
    }
    let Some(v) = line.word(4).filter(|v| !v.is_empty()) else {
        return Err(
            "'declare capture': 'len' requires a numeric value that represents the capture length"
                .into(),
        );
    };
    match v.parse::<i64>() {
        // HAProxy 2.6 names the wrong word here.
        Err(_) => Err("'declare capture': cannot parse the length 'len'.".into()),
        Ok(n) if n <= 0 => Err("length must be > 0".into()),
        Ok(_) => Ok(()),
    }
}

/// HAProxy's `_srv_parse_tmpl_range()`: `N` (1 to N) or `LOW-HIGH`, read with `atoi()`.
fn template_range_ok(range: &str) -> bool {
    let atoi = crate::config::units::atoi_int;
    let (low, high) = match range.split_once('-') {
        Some((l, h)) => (atoi(l), atoi(h)),
        None => (1, atoi(range)),
    };
    low >= 0 && high >= low
}

/// The `size` checks of HAProxy 2.6's `parse_stick_table()` on a `stick-table` line kept
/// verbatim: a missing value, one `parse_size_err()` refuses (a bad unit, a sign, more than
/// 32 bits), and no size at all or 0 ("missing size", checked before "missing type"). Only
/// the size is checked here; the full `stick-table` parser (type, expire, store, peers...)
/// is being written in `kw/stick.rs`, where this belongs.
pub fn stick_table_size(line: &Line) -> Result<(), String> {
    let mut size = 0;
    let mut i = 1;
    while let Some(w) = line.word(i) {
        match w {
            "size" => match line.word(i + 1).filter(|v| !v.is_empty()) {
                None => return Err("stick-table: missing argument after 'size'.".into()),
                Some(v) => match crate::config::units::parse_size_err(v) {
                    Ok(n) => size = n,
                    Err(c) => {
                        return Err(format!(
                            "stick-table: unexpected character '{c}' in argument of 'size'."
                        ))
                    }
                },
            },
            // Keywords with one value, which must not be taken for a `size`.
            "type" | "len" | "peers" | "expire" | "store" | "srvkey" | "write-to" => {}
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if size == 0 {
        return Err("stick-table: missing size.".into());
    }
    Ok(())
}

fn mode(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some("http") => ctx.proxy.mode = Mode::Http,
        Some("tcp") => ctx.proxy.mode = Mode::Tcp,
        Some("health") => ctx.alert(line, "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead."),
        other => {
            let m = other.unwrap_or("");
            ctx.alert(line, format!("unknown proxy mode '{m}'."));
        }
    }
}

fn default_backend(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(b) => ctx.proxy.default_backend = Some(b.to_string()),
        None => ctx.alert(line, "'default_backend' expects a backend name."),
    }
}

fn use_backend(ctx: &mut ProxyCtx<'_>, line: &Line) {
    super::warn_misplaced_rule(ctx, line, 6);
    let Some(b) = line.word(1) else {
        ctx.alert(line, "'use_backend' expects a backend name.");
        return;
    };
    let cond = match line.word(2) {
        None => None,
        Some("if") | Some("unless") => match super::acl::parse_cond(ctx, line, 2) {
            Ok(c) => Some(c),
            Err(msg) => {
                ctx.alert(
                    line,
                    format!("error detected while parsing switching rule : {msg}."),
                );
                return;
            }
        },
        Some(other) => {
            let msg = format!("unexpected keyword '{other}' after switching rule, only 'if' and 'unless' are allowed.");
            ctx.alert(line, msg);
            return;
        }
    };
    ctx.proxy.use_backends.push(UseBackend {
        loc: line.loc.clone(),
        backend: b.to_string(),
        cond,
    });
}

fn retries(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if let Some(extra) = line.word(2) {
        ctx.alert(
            line,
            format!("'retries' cannot handle unexpected argument '{extra}'."),
        );
        return;
    }
    match line.word(1) {
        Some(v) => ctx.proxy.retries = atou32(v),
        None => ctx.alert(
            line,
            "'retries' expects an integer argument (dispatch counts for one).",
        ),
    }
}

fn maxconn(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(v) => ctx.proxy.maxconn = Some(atou32(v)),
        None => ctx.alert(line, "'maxconn' expects an integer argument."),
    }
}

fn fullconn(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(v) => ctx.proxy.fullconn = Some(atou32(v)),
        None => ctx.alert(line, "'fullconn' expects an integer argument."),
    }
}

fn enable(ctx: &mut ProxyCtx<'_>, line: &Line, disabled: bool) {
    if let Some(extra) = line.word(1) {
        let kw = line.keyword();
        ctx.alert(
            line,
            format!("'{kw}' cannot handle unexpected argument '{extra}'."),
        );
        return;
    }
    ctx.proxy.disabled = disabled;
}

fn description(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if line.word(1).is_none() {
        let msg = format!(
            "parsing [{}]: 'description' expects a string argument.",
            line.loc
        );
        ctx.diags.global(crate::config::diag::Level::Alert, msg);
        ctx.abort = true;
        ctx.open_failed = true;
        return;
    }
    ctx.proxy.description = Some(super::rest(line, 1));
}

fn id(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let Some(v) = line.word(1) else {
        let msg = format!("parsing [{}]: 'id' expects an integer argument.", line.loc);
        ctx.diags.global(crate::config::diag::Level::Alert, msg);
        return;
    };
    let n = crate::config::units::atoi_int(v);
    if n <= 0 {
        let msg = format!("parsing [{}]: custom id has to be > 0.", line.loc);
        ctx.diags.global(crate::config::diag::Level::Alert, msg);
        return;
    }
    let id = u32::try_from(n).ok();
    if let Some(other) = ctx.others.iter().find(|p| p.id.is_some() && p.id == id) {
        let msg = format!(
            "parsing [{}]: {} {} reuses same custom id as {} {} (declared at {}).",
            line.loc,
            ctx.kind_word(),
            ctx.proxy.name,
            other.kind.keyword(),
            other.name,
            other.loc
        );
        ctx.diags.global(crate::config::diag::Level::Alert, msg);
        return;
    }
    ctx.proxy.id = id;
}

fn monitor_uri(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(u) if !u.is_empty() => ctx.proxy.monitor_uri = Some(u.to_string()),
        _ => {
            ctx.alert(line, "'monitor-uri' expects an URI.");
        }
    }
}

fn http_reuse(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let valid = matches!(
        line.word(1),
        Some("never" | "safe" | "aggressive" | "always")
    );
    if let (true, Some(extra)) = (valid, line.word(2)) {
        let msg = format!(
            "'http-reuse {}' cannot handle unexpected argument '{extra}'.",
            line.word(1).unwrap_or("")
        );
        ctx.alert(line, msg);
        return;
    }
    ctx.proxy.http_reuse = match line.word(1) {
        Some("never") => HttpReuse::Never,
        Some("safe") => HttpReuse::Safe,
        Some("aggressive") => HttpReuse::Aggressive,
        Some("always") => HttpReuse::Always,
        _ => {
            ctx.alert(
                line,
                "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.",
            );
            return;
        }
    };
}

fn log_format(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(f) => {
            ctx.proxy.log_format = Some(f.to_string());
            ctx.proxy.log_format_loc = Some(line.loc.clone());
        }
        None => ctx.alert(line, "log-format expects an argument."),
    }
}

fn removed(ctx: &mut ProxyCtx<'_>, line: &Line, new: &str) {
    let kw = line.keyword();
    let msg = format!(
        "the '{kw}' directive is not supported anymore since HAProxy 2.1. Use 'timeout {new}'."
    );
    ctx.alert(line, msg);
}

fn hash_balance_factor(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(v) => {
            // An `int` field: the low 32 bits of atol(); negative values are refused too.
            let n = crate::config::units::atoi_int(v);
            if n != 0 && n <= 100 {
                ctx.alert(line, "'hash-balance-factor' must be 0 or greater than 100.");
                return;
            }
            ctx.proxy.hash_balance_factor = u32::try_from(n).unwrap_or(0);
        }
        None => ctx.alert(line, "'hash-balance-factor' expects an integer argument."),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_texts;
    use crate::config::model::{HttpReuse, Mode};

    #[test]
    fn general_proxy_keywords_fill_the_model() {
        let text = "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend f\n mode http\n \
                    bind :8080\n maxconn 500\n monitor-uri /up\n description front door\n id 7\n \
                    use_backend b if TRUE\n default_backend b\nbackend b\n mode http\n retries 5\n fullconn 90\n \
                    http-reuse always\n disabled\n";
        let l = load_texts(&[("p.cfg", text)], &|_| None).unwrap();
        let f = l.config.frontend("f").unwrap();
        assert_eq!(f.mode, Mode::Http);
        assert_eq!(f.maxconn, Some(500));
        assert_eq!(f.monitor_uri.as_deref(), Some("/up"));
        assert_eq!(f.description.as_deref(), Some("front door"));
        assert_eq!(f.id, Some(7));
        assert_eq!(f.use_backends[0].backend, "b");
        let b = l.config.backend("b").unwrap();
        assert_eq!(
            (b.retries, b.fullconn, b.http_reuse, b.disabled),
            (5, Some(90), HttpReuse::Always, true)
        );
    }

    #[test]
    fn an_unknown_keyword_gets_haproxys_suggestion() {
        let d = load_texts(&[("p.cfg", "listen l\n refresh 30s\n")], &|_| None).unwrap_err();
        assert_eq!(
            d.list[0].msg,
            "unknown keyword 'refresh' in 'listen' section; did you mean 'retries' maybe ?"
        );
    }

    #[test]
    fn a_misplaced_keyword_warns_but_bind_in_a_backend_is_dropped() {
        let l = load_texts(&[("p.cfg", "backend b\n bind :80\n")], &|_| None).unwrap();
        assert!(l.config.proxies[0].binds.is_empty());
        assert_eq!(
            l.diags.list[0].msg,
            "'bind' ignored because backend 'b' has no frontend capability."
        );
        assert!(!crate::config::has_listeners(&l.config));
    }
}
