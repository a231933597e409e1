//! General proxy keywords (configuration.txt 4.2): `mode`, `default_backend`,
//! `use_backend`, `retries`, `maxconn`, `fullconn`, `disabled`, `enabled`, `description`,
//! `id`, `monitor-uri`, `http-reuse`, `log-format`, the removed `contimeout`,
//! `clitimeout` and `srvtimeout`, and the table entries of the keywords kept verbatim in
//! `Proxy::other` without effect yet (`capture`, `source`,
//! ...), whose checks are in `kw/proxy_kept.rs`.

use super::{Keyword, Parse, ProxyCtx, BE, BE_ONLY, FE, FE_ONLY, NO_DEFAULTS, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{HttpReuse, Mode, PersistKind, PersistRule, RawRule, UseBackend};
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
    p!("source", BE, super::proxy_kept::keep),
    p!("http-after-response", PROXIES, super::proxy_kept::keep),
    p!("tcp-response", BE, super::proxy_kept::keep),
    p!("filter", NO_DEFAULTS, super::proxy_kept::keep),
    p!("unique-id-format", PROXIES, super::proxy_kept::keep),
    p!("unique-id-header", FE, super::proxy_kept::keep),
    p!("log-format-sd", FE, super::proxy_kept::keep),
    p!("error-log-format", FE, super::proxy_kept::keep),
    p!("log-tag", PROXIES, super::proxy_kept::keep),
    p!("backlog", FE, super::proxy_kept::keep),
    p!("rate-limit", PROXIES, rate_limit),
    p!("persist", PROXIES, persist),
    p!("force-persist", NO_DEFAULTS, persist_rule),
    p!("ignore-persist", NO_DEFAULTS, persist_rule),
    p!("use-server", super::BE_ONLY, use_server),
    p!("server-template", super::BE_ONLY, super::proxy_kept::keep),
    p!("redirect", NO_DEFAULTS, |c, l| {
        super::warn_misplaced_rule(c, l, 5);
        super::proxy_kept::keep(c, l)
    }),
    p!("monitor", FE_ONLY, |c, l| {
        if l.word(1) == Some("fail") {
            super::warn_misplaced_rule(c, l, 3);
        }
        super::proxy_kept::keep(c, l)
    }),
    p!("declare", FE_ONLY, super::proxy_kept::keep),
    p!("email-alert", PROXIES, email_alert),
    p!("errorloc", PROXIES, errorloc),
    p!("errorloc302", PROXIES, errorloc),
    p!("errorloc303", PROXIES, errorloc),
    p!("errorfiles", PROXIES, super::proxy_kept::keep),
    p!("http-error", PROXIES, super::proxy_kept::keep),
    p!("external-check", BE, super::proxy_kept::keep),
    p!("grace", PROXIES, super::proxy_kept::keep),
    p!("http-send-name-header", BE, super::proxy_kept::keep),
    p!("load-server-state-from-file", BE, super::proxy_kept::keep),
    p!("server-state-file-name", BE, super::proxy_kept::keep),
    p!("max-keep-alive-queue", PROXIES, tcpka),
    p!("bind-process", PROXIES, super::proxy_kept::keep),
    p!("dispatch", super::BE_ONLY, super::proxy_kept::keep),
    p!("max-session-srv-conns", FE, super::proxy_kept::keep),
    p!("retry-on", BE, retry_on),
    p!("clitcpka-cnt", PROXIES, tcpka),
    p!("clitcpka-idle", PROXIES, tcpka),
    p!("clitcpka-intvl", PROXIES, tcpka),
    p!("srvtcpka-cnt", PROXIES, tcpka),
    p!("srvtcpka-idle", PROXIES, tcpka),
    p!("srvtcpka-intvl", PROXIES, tcpka),
    p!("use-fcgi-app", BE_ONLY, super::proxy_kept::keep),
    p!("hash-balance-factor", PROXIES, hash_balance_factor),
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

/// `dynamic-cookie-key KEY`: the secret of `cookie ... dynamic` (the last one wins).
fn dynamic_cookie_key(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let Some(key) = line.word(1).filter(|k| !k.is_empty()) else {
        ctx.alert(
            line,
            "'dynamic-cookie-key' expects <secret_key> as argument.",
        );
        return;
    };
    ctx.proxy.dynamic_cookie_key = Some(key.to_string());
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

/// `force-persist|ignore-persist if|unless COND`: the condition keyword is required; the
/// rule is kept typed in `Proxy::persist_rules`.
/// `use-server NAME if|unless COND`: typed in `Proxy::use_servers`; the name is checked
/// against the servers at validation (`config/validate.rs`).
fn use_server(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let Some(server) = line.word(1) else {
        ctx.alert(line, "'use-server' expects a server name.");
        return;
    };
    if !matches!(line.word(2), Some("if" | "unless")) {
        ctx.alert(
            line,
            "'use-server' requires either 'if' or 'unless' followed by a condition.",
        );
        return;
    }
    let cond = match super::acl::parse_cond(ctx, line, 2) {
        Ok(c) => c,
        Err(msg) => {
            let msg = format!("error detected while parsing a 'use-server' rule : {msg}.");
            ctx.alert(line, msg);
            return;
        }
    };
    ctx.proxy.use_servers.push(crate::config::model::UseServer {
        loc: line.loc.clone(),
        server: server.to_string(),
        cond,
    });
}

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
    let cond = match super::acl::parse_cond(ctx, line, 1) {
        Ok(c) => c,
        Err(msg) => {
            let msg = format!("error detected while parsing a '{kw}' rule : {msg}.");
            ctx.alert(line, msg);
            return;
        }
    };
    let kind = if kw == "force-persist" {
        PersistKind::Force
    } else {
        PersistKind::Ignore
    };
    ctx.proxy.persist_rules.push(PersistRule {
        loc: line.loc.clone(),
        kind,
        cond,
    });
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
    super::proxy_kept::keep(ctx, line);
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
    super::proxy_kept::keep(ctx, line);
}

/// The line kept verbatim.
pub(super) fn raw(line: &Line) -> RawRule {
    RawRule {
        loc: line.loc.clone(),
        words: line.words.clone(),
    }
}

/// HAProxy's `strtol()` check of an integer value (a sign, then digits only).
pub(super) fn bad_integer(what: &str, v: &str) -> Option<String> {
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    let c = body.chars().find(|c| !c.is_ascii_digit())?;
    Some(format!(
        "'{what}' : unexpected character '{c}' in integer value '{v}'"
    ))
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

/// `retry-on KEYWORD...`: `none` alone, or conditions and statuses.
fn retry_on(ctx: &mut ProxyCtx<'_>, line: &Line) {
    use crate::config::model::{RetryOn, RETRY_STATUSES};
    let words = line.words.get(1..).unwrap_or(&[]);
    if words.is_empty() {
        ctx.alert(
            line,
            "'retry-on' needs at least one keyword to specify when to retry",
        );
        return;
    }
    let mut r = RetryOn::none();
    for w in words {
        match w.as_str() {
            "none" if words.len() == 1 => {}
            "none" => {
                ctx.alert(line, "'retry-on' 'none' keyworld only usable alone");
                return;
            }
            "conn-failure" => r.conn_failure = true,
            "empty-response" => r.empty_response = true,
            "junk-response" => r.junk_response = true,
            "response-timeout" => r.response_timeout = true,
            "0rtt-rejected" => r.zero_rtt_rejected = true,
            "all-retryable-errors" => {
                r.conn_failure = true;
                r.empty_response = true;
                r.junk_response = true;
                r.response_timeout = true;
                r.zero_rtt_rejected = true;
                for s in [500, 502, 503, 504] {
                    r.statuses.insert(s);
                }
            }
            s => match s.parse::<u16>() {
                Ok(n) if RETRY_STATUSES.contains(&n) => r.statuses.insert(n),
                _ => {
                    ctx.alert(line, format!("'retry-on': unknown keyword '{s}'"));
                    return;
                }
            },
        }
    }
    ctx.proxy.retry_on = r;
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
