//! `log` in `global` and in proxies (configuration.txt 3.1 and 4.2 "log"):
//! `log global`, `log <address> [len N] [format F] [sample R:S] <facility> [level [minlevel]]`
//! with UDP (`host[:port]`, default 514), unix (`/dev/log`), `stdout`/`stderr`, `fd@N`.
//! `log global` is expanded into the global targets by `validate`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use super::{GlobalCtx, Keyword, Parse, ProxyCtx, GLOBAL, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{LogAddr, LogTarget};

/// `log` (global and proxies).
pub static KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "log",
        sections: GLOBAL,
        parse: Parse::Global(global_log),
    },
    Keyword {
        name: "log",
        sections: PROXIES,
        parse: Parse::Proxy(proxy_log),
    },
];

/// Syslog facilities, by number.
pub const FACILITIES: &[&str] = &[
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// Syslog levels, by number.
pub const LEVELS: &[&str] = &[
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

fn global_log(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let getenv = ctx.env;
    match parse_log(line, &|name| getenv(name, line.loc.line)) {
        Ok(Some(t)) => ctx.global.logs.push(t),
        Ok(None) => ctx.alert(line, "log : expects <address> and <facility>  as arguments"),
        Err(msg) => ctx.alert(line, msg),
    }
}

fn proxy_log(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if ctx.prefix == Some("no") {
        if line.word(1).is_some() {
            ctx.alert(line, "log : 'no log' does not expect arguments");
            return;
        }
        ctx.proxy.logs.clear();
        ctx.proxy.log_global = false;
        return;
    }
    if line.word(1) == Some("global") && line.word(2).is_none() {
        ctx.proxy.log_global = true;
        return;
    }
    let getenv = ctx.env;
    match parse_log(line, &|name| getenv(name, line.loc.line)) {
        Ok(Some(t)) => ctx.proxy.logs.push(t),
        Ok(None) => ctx.alert(
            line,
            "log : expects <address> and <facility> or global as arguments",
        ),
        Err(msg) => ctx.alert(line, msg),
    }
}

/// Parses a `log` line with an address; `Ok(None)` when the address or facility is missing.
/// `env` serves the address's own environment expansion (HAProxy's `str2sa_range()`).
fn parse_log(
    line: &Line,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<LogTarget>, String> {
    let Some(addr_text) = line.word(1) else {
        return Ok(None);
    };
    let mut i = 2;
    let mut max_len = None;
    let mut format = None;
    loop {
        match line.word(i) {
            Some("len") => {
                let v = line.word(i + 1).unwrap_or("");
                let n = crate::config::units::atol(v);
                if !(80..=65535).contains(&n) {
                    return Err(format!(
                        "log : invalid log length '{v}', must be between 80 and 65535"
                    ));
                }
                max_len = u32::try_from(n).ok();
                i += 2;
            }
            Some("format") => {
                let f = line.word(i + 1).unwrap_or("");
                if !matches!(
                    f,
                    "local"
                        | "rfc3164"
                        | "rfc5424"
                        | "priority"
                        | "short"
                        | "timed"
                        | "iso"
                        | "raw"
                ) {
                    return Err(format!("log : unknown log format '{f}'"));
                }
                format = Some(f.to_string());
                i += 2;
            }
            Some("sample") => {
                check_sample(line.word(i + 1).unwrap_or(""))?;
                i += 2;
            }
            _ => break,
        }
    }
    let Some(fac) = line.word(i) else {
        return Ok(None);
    };
    let Some(facility) = FACILITIES.iter().position(|f| *f == fac) else {
        return Err(format!("log : unknown log facility '{fac}'"));
    };
    let mut level = 7;
    if let Some(l) = line.word(i + 1) {
        level = LEVELS
            .iter()
            .position(|x| *x == l)
            .ok_or_else(|| format!("log : unknown optional log level '{l}'"))?;
    }
    let mut min_level = None;
    if let Some(l) = line.word(i + 2) {
        let m = LEVELS
            .iter()
            .position(|x| *x == l)
            .ok_or_else(|| format!("log : unknown optional minimum log level '{l}'"))?;
        min_level = u8::try_from(m).ok();
    }
    let addr = match addr_text {
        "stdout" | "stderr" => addr_text.to_string(),
        _ if addr_text.starts_with("ring@") => addr_text.to_string(),
        _ => crate::config::lexer::env_expand(addr_text, env),
    };
    if addr.is_empty() {
        return Err(format!(
            "log : '{addr_text}' resolves to an empty address (environment variable missing?)\n"
        ));
    }
    check_log_addr(&addr, addr_text)?;
    Ok(Some(LogTarget {
        loc: line.loc.clone(),
        addr: parse_log_addr(&addr),
        max_len,
        format,
        facility: u8::try_from(facility).unwrap_or(16),
        level: u8::try_from(level).unwrap_or(7),
        min_level,
    }))
}

/// `sample RANGES:SIZE` of a `log` line: a positive size, ranges `N` or `LOW-HIGH` (from 1,
/// comma-separated), none above the size.
fn check_sample(arg: &str) -> Result<(), String> {
    let Some((ranges, size)) = arg.split_once(':') else {
        return Err("log : Missing sample size".into());
    };
    let sz = match size.parse::<i64>() {
        Ok(n) if n > 0 => n,
        _ => {
            return Err(format!(
                "log : wrong sample size '{size}' for sample range '{ranges}'"
            ))
        }
    };
    let mut max = 0;
    for r in ranges.split(',') {
        let (lo, hi) = r.split_once('-').unwrap_or((r, r));
        match (lo.parse::<i64>(), hi.parse::<i64>()) {
            (Ok(l), Ok(h)) if l >= 1 && h >= l => max = max.max(h),
            _ => return Err(format!("log : wrong sample range '{r}'")),
        }
    }
    if sz < max {
        return Err(format!("log : sample size {sz} should be greater or equal to {max} the maximum of the high ranges limits"));
    }
    Ok(())
}

/// HAProxy's `str2sa_range()` checks on an inet log address (read after the facility and
/// levels): an optional port, no offset, no range, at most 65535; the host must resolve.
/// `text` is the address expanded, `written` as in the file (quoted after "in").
fn check_log_addr(text: &str, written: &str) -> Result<(), String> {
    if matches!(text, "stdout" | "stderr")
        || text.starts_with('/')
        || ["fd@", "unix@", "ring@", "abns@"]
            .iter()
            .any(|p| text.starts_with(p))
    {
        return Ok(());
    }
    let (family, t) = match [
        "udp@", "udp4@", "udp6@", "ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@",
    ]
    .iter()
    .find_map(|p| text.strip_prefix(p).map(|r| (*p, r)))
    {
        Some(("udp4@" | "ipv4@" | "tcp4@", r)) => (super::bind::Family::V4, r),
        Some(("udp6@" | "ipv6@" | "tcp6@", r)) => (super::bind::Family::V6, r),
        Some((_, r)) => (super::bind::Family::Any, r),
        None => (super::bind::Family::Any, text),
    };
    let (host, port) = match t.strip_prefix('[') {
        Some(r) => match r.split_once(']') {
            Some((h, rest)) => (h, rest.strip_prefix(':')),
            None => (r, None),
        },
        None => match t.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (t, None),
        },
    };
    if let Some(p) = port {
        match p.chars().next() {
            Some('+' | '-') => {
                return Err(format!(
                    "log : port offset not permitted here in '{written}'"
                ))
            }
            Some(c) if !c.is_ascii_digit() => {
                return Err(format!(
                    "log : invalid character '{c}' in port number '{p}' in '{written}'\n"
                ))
            }
            _ => {}
        }
        let digits = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
        if p.get(digits..).is_some_and(|rest| rest.starts_with('-')) {
            return Err(format!(
                "log : port range not permitted here in '{written}'"
            ));
        }
        if crate::config::units::atol(p) > 65535 {
            return Err(format!("log : invalid port '{p}'"));
        }
    }
    if super::bind::resolve_host(host, family).is_none() {
        let shown = if t.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        return Err(format!("log : invalid address: '{shown}' in '{written}'\n"));
    }
    Ok(())
}

/// Parses a log destination.
pub fn parse_log_addr(text: &str) -> LogAddr {
    match text {
        "stdout" => return LogAddr::Fd(1),
        "stderr" => return LogAddr::Fd(2),
        _ => {}
    }
    if let Some(n) = text.strip_prefix("fd@") {
        return LogAddr::Fd(n.parse().unwrap_or(-1));
    }
    if let Some(p) = text.strip_prefix("unix@") {
        return LogAddr::Unix(PathBuf::from(p));
    }
    if text.starts_with('/') {
        return LogAddr::Unix(PathBuf::from(text));
    }
    let t = text
        .strip_prefix("udp@")
        .or_else(|| text.strip_prefix("udp4@"))
        .or_else(|| text.strip_prefix("udp6@"))
        .or_else(|| text.strip_prefix("ipv4@"))
        .or_else(|| text.strip_prefix("ipv6@"))
        .unwrap_or(text);
    if let Ok(ip) = t.parse::<IpAddr>() {
        return LogAddr::Udp(SocketAddr::new(ip, 514));
    }
    if let Ok(sa) = t.parse::<SocketAddr>() {
        return LogAddr::Udp(sa);
    }
    if let Some((h, p)) = t.rsplit_once(':') {
        if let (Ok(ip), Ok(port)) = (h.parse::<IpAddr>(), p.parse::<u16>()) {
            return LogAddr::Udp(SocketAddr::new(ip, port));
        }
    }
    LogAddr::Named(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_addresses_take_every_form() {
        assert_eq!(
            parse_log_addr("127.0.0.1"),
            LogAddr::Udp("127.0.0.1:514".parse().unwrap())
        );
        assert_eq!(
            parse_log_addr("127.0.0.1:5140"),
            LogAddr::Udp("127.0.0.1:5140".parse().unwrap())
        );
        assert_eq!(parse_log_addr("/dev/log"), LogAddr::Unix("/dev/log".into()));
        assert_eq!(parse_log_addr("stdout"), LogAddr::Fd(1));
        assert_eq!(parse_log_addr("fd@2"), LogAddr::Fd(2));
        assert_eq!(
            parse_log_addr("logs.example"),
            LogAddr::Named("logs.example".into())
        );
    }

    #[test]
    fn facility_and_levels_are_numbers() {
        let line = Line {
            loc: crate::config::diag::Loc::new("l.cfg", 1),
            words: "log 127.0.0.1:5140 len 2048 local1 notice err"
                .split(' ')
                .map(String::from)
                .collect(),
        };
        let t = parse_log(&line, &|_| None).unwrap().unwrap();
        assert_eq!(
            (t.facility, t.level, t.min_level, t.max_len),
            (17, 5, Some(3), Some(2048))
        );
    }

    #[test]
    fn a_missing_facility_is_reported() {
        let line = Line {
            loc: crate::config::diag::Loc::new("l.cfg", 1),
            words: vec!["log".into(), "127.0.0.1".into()],
        };
        assert_eq!(parse_log(&line, &|_| None), Ok(None));
        let line = Line {
            loc: crate::config::diag::Loc::new("l.cfg", 1),
            words: vec!["log".into(), "127.0.0.1".into(), "local9".into()],
        };
        assert_eq!(
            parse_log(&line, &|_| None),
            Err("log : unknown log facility 'local9'".into())
        );
    }
}
