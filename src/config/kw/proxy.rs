//! General proxy keywords (configuration.txt 4.2): `mode`, `default_backend`,
//! `use_backend`, `retries`, `maxconn`, `fullconn`, `disabled`, `enabled`, `description`,
//! `id`, `monitor-uri`, `http-reuse`, `log-format`, the removed `contimeout`,
//! `clitimeout` and `srvtimeout`, and keywords that are kept verbatim in `Proxy::other`
//! without effect yet (`capture`, `compression`, `stick-table`, `source`, ...).

use super::{Keyword, Parse, ProxyCtx, BE, FE, FE_ONLY, NO_DEFAULTS, PROXIES};
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
    p!("capture", FE_ONLY, keep),
    p!("compression", PROXIES, keep),
    p!("stick-table", NO_DEFAULTS, keep),
    p!("stick", super::BE_ONLY, keep),
    p!("source", BE, keep),
    p!("http-after-response", PROXIES, keep),
    p!("tcp-response", BE, keep),
    p!("filter", NO_DEFAULTS, keep),
    p!("unique-id-format", FE, keep),
    p!("unique-id-header", FE, keep),
    p!("log-format-sd", FE, keep),
    p!("error-log-format", FE, keep),
    p!("log-tag", PROXIES, keep),
    p!("backlog", FE, keep),
    p!("rate-limit", FE, keep),
    p!("persist", BE, keep),
    p!("force-persist", NO_DEFAULTS, keep),
    p!("ignore-persist", NO_DEFAULTS, keep),
    p!("use-server", super::BE_ONLY, keep),
    p!("server-template", super::BE_ONLY, keep),
    p!("redirect", NO_DEFAULTS, keep),
    p!("monitor", FE_ONLY, keep),
    p!("declare", FE_ONLY, keep),
    p!("email-alert", PROXIES, keep),
    p!("errorloc", PROXIES, keep),
    p!("errorloc302", PROXIES, keep),
    p!("errorloc303", PROXIES, keep),
    p!("errorfiles", PROXIES, keep),
    p!("http-error", PROXIES, keep),
    p!("external-check", BE, keep),
    p!("grace", PROXIES, keep),
    p!("http-send-name-header", BE, keep),
    p!("load-server-state-from-file", BE, keep),
    p!("server-state-file-name", BE, keep),
    p!("max-keep-alive-queue", BE, keep),
    p!("bind-process", PROXIES, keep),
    p!("dispatch", super::BE_ONLY, keep),
    p!("max-session-srv-conns", FE, keep),
    p!("retry-on", BE, keep),
    p!("hash-balance-factor", BE, hash_balance_factor),
];

fn keep(ctx: &mut ProxyCtx<'_>, line: &Line) {
    ctx.proxy.other.push(RawRule {
        loc: line.loc.clone(),
        words: line.words.clone(),
    });
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
    let n = crate::config::units::atol(v);
    if n <= 0 {
        let msg = format!("parsing [{}]: custom id has to be > 0.", line.loc);
        ctx.diags.global(crate::config::diag::Level::Alert, msg);
        return;
    }
    ctx.proxy.id = u32::try_from(n).ok();
}

fn monitor_uri(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(u) if !u.is_empty() => ctx.proxy.monitor_uri = Some(u.to_string()),
        _ => {
            ctx.alert(line, "'monitor-uri' expects an URI.");
            ctx.abort = true;
            ctx.open_failed = true;
        }
    }
}

fn http_reuse(ctx: &mut ProxyCtx<'_>, line: &Line) {
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
        Some(f) => ctx.proxy.log_format = Some(f.to_string()),
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
        Some(v) => ctx.proxy.hash_balance_factor = atou32(v),
        None => ctx.alert(line, "'hash-balance-factor' expects an integer argument."),
    }
}
