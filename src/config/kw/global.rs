//! `global` section keywords (configuration.txt section 3): `daemon`, `master-worker`,
//! `maxconn`, `nbthread`, `nbproc`, `pidfile`, `user`, `group`, `uid`, `gid`, `chroot`,
//! `log-tag`, `log-send-hostname`, `stats socket|timeout|maxconn`, `ca-base`, `crt-base`,
//! `ssl-default-*`, `hard-stop-after`, `spread-checks`, `quiet`, `node`, `description`.
//! This table also lists the keywords accepted and kept without effect, whose checks live
//! in `kw/global_kept.rs` (`ulimit-n`, `cpu-map`, `unix-bind`, `setenv`, `lua-load`, ...).
//! The global `log` lives in `kw/log.rs`, the `tune.*` keywords in `kw/tune.rs`.
//!
//! A setting HAProxy takes only once (`maxconn`, `pidfile`, `user`, `ulimit-n`, ...) given
//! a second time is HAProxy's "already specified. Continuing." alert, which leaves the
//! configuration valid ([`crate::config::diag::Level::AlertContinue`]).
//!
//! User and group names are resolved by reading `/etc/passwd` and `/etc/group`.

use std::path::PathBuf;

use super::{global_kept, GlobalCtx, Keyword, Parse, GLOBAL};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::UserSpec;
use crate::config::units::{parse_time, TimeError};

macro_rules! g {
    ($name:expr, $f:expr) => {
        Keyword {
            name: $name,
            sections: GLOBAL,
            parse: Parse::Global($f),
        }
    };
}

/// The `global` keywords of this file.
pub static KEYWORDS: &[Keyword] = &[
    g!("daemon", |c, _| c.global.daemon = true),
    g!("master-worker", |c, l| match l.word(1) {
        None | Some("no-exit-on-failure") => c.global.master_worker = true,
        Some(_) => c.alert(
            l,
            "'master-worker' only supports 'no-exit-on-failure' option."
        ),
    }),
    g!("quiet", |c, _| c.global.quiet = true),
    g!("maxconn", maxconn),
    g!("nbthread", nbthread),
    g!("nbproc", nbproc),
    g!("pidfile", pidfile),
    g!("user", user),
    g!("group", group),
    g!("uid", uid),
    g!("gid", gid),
    g!("chroot", chroot),
    g!("log-tag", log_tag),
    g!("log-send-hostname", log_send_hostname),
    g!("stats", stats),
    g!("ca-base", |c, l| base(c, l, true)),
    g!("crt-base", |c, l| base(c, l, false)),
    g!("ssl-default-bind-ciphers", ssl_default),
    g!("ssl-default-bind-ciphersuites", ssl_default),
    g!("ssl-default-bind-options", ssl_default),
    g!("ssl-default-server-ciphers", keep_ssl_server),
    g!("ssl-default-server-ciphersuites", keep_ssl_server),
    g!("ssl-default-server-options", keep_ssl_server),
    g!("hard-stop-after", hard_stop_after),
    g!("spread-checks", spread_checks),
    g!("node", node),
    g!("description", global_description),
    // Accepted and kept without effect in this implementation.
    g!("ulimit-n", global_kept::ignore),
    g!("cpu-map", global_kept::ignore),
    g!("setenv", global_kept::env_line),
    g!("presetenv", global_kept::env_line),
    g!("unsetenv", global_kept::env_line),
    g!("resetenv", global_kept::env_line),
    g!("lua-load", global_kept::lua_load),
    g!("lua-load-per-thread", global_kept::lua_load),
    g!("cluster-secret", global_kept::ignore),
    g!("unix-bind", global_kept::unix_bind),
    g!("h2-workaround-bogus-websocket-clients", global_kept::ignore),
    g!("noevports", global_kept::ignore),
    g!("nokqueue", global_kept::ignore),
    g!("close-spread-time", global_kept::ignore),
    g!("thread-group", global_kept::ignore),
    g!("no-memory-trimming", global_kept::ignore),
    g!("h1-accept-payload-with-any-method", global_kept::ignore),
    g!("mworker-max-reloads", global_kept::ignore),
    g!("set-var", global_kept::ignore),
    g!("set-var-fmt", global_kept::ignore),
    g!("ssl-default-bind-curves", global_kept::ignore),
    g!("ssl-propquery", global_kept::ignore),
    g!("ssl-provider", global_kept::ignore),
    g!("ssl-provider-path", global_kept::ignore),
    g!("lua-prepend-path", global_kept::ignore),
    g!("server-state-file", global_kept::ignore),
    g!("server-state-base", global_kept::ignore),
    g!("localpeer", global_kept::ignore),
    g!("h1-case-adjust", super::h1_case::case_adjust),
    g!("h1-case-adjust-file", super::h1_case::case_adjust_file),
    g!("insecure-fork-wanted", global_kept::ignore),
    g!("insecure-setuid-wanted", global_kept::ignore),
    g!("noepoll", global_kept::ignore),
    g!("nopoll", global_kept::ignore),
    g!("nosplice", global_kept::ignore),
    g!("nogetaddrinfo", global_kept::ignore),
    g!("noreuseport", global_kept::ignore),
    g!("expose-experimental-directives", |c, _| c
        .global
        .expose_experimental =
        true),
    g!("busy-polling", global_kept::ignore),
    g!("set-dumpable", global_kept::ignore),
    g!("strict-limits", global_kept::ignore),
    g!("zero-warning", global_kept::ignore),
    g!("default-path", global_kept::ignore),
    g!("maxsslconn", global_kept::ignore),
    g!("maxconnrate", global_kept::ignore),
    g!("maxsessrate", global_kept::ignore),
    g!("maxsslrate", global_kept::ignore),
    g!("maxpipes", global_kept::ignore),
    g!("maxcomprate", global_kept::ignore),
    g!("maxcompcpuusage", global_kept::ignore),
    g!("maxzlibmem", global_kept::ignore),
    g!("max-spread-checks", global_kept::ignore),
    g!("external-check", global_kept::ignore),
    g!("ssl-server-verify", global_kept::ignore),
    g!("ssl-dh-param-file", global_kept::ignore),
    g!("ssl-mode-async", global_kept::ignore),
    g!("ssl-load-extra-files", global_kept::ignore),
    g!("ssl-load-extra-del-ext", global_kept::ignore),
    g!("ssl-skip-self-issued-ca", global_kept::ignore),
    g!("issuers-chain-path", global_kept::ignore),
    g!("profiling.tasks", global_kept::ignore),
    g!("thread-groups", global_kept::ignore),
    g!("numa-cpu-mapping", global_kept::ignore),
    g!("pp2-never-send-local", global_kept::ignore),
    g!("grace", global_kept::ignore),
    g!("fd-hard-limit", global_kept::ignore),
    g!("httpclient.resolvers.id", global_kept::ignore),
    g!("httpclient.resolvers.prefer", global_kept::ignore),
    g!("httpclient.ssl.verify", global_kept::ignore),
    g!("httpclient.ssl.ca-file", global_kept::ignore),
];

fn maxconn(ctx: &mut GlobalCtx<'_>, line: &Line) {
    // HAProxy tests the value, so `maxconn 0` may be followed by another one.
    if ctx.global.maxconn.is_some_and(|n| n != 0) {
        ctx.alert_continue(line, "'maxconn' already specified. Continuing.");
        return;
    }
    let Some(v) = line.word(1) else {
        ctx.alert(line, "'maxconn' expects an integer argument.");
        return;
    };
    ctx.global.maxconn = Some(crate::config::units::atou32(v));
}

fn nbthread(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let arg = line.word(1).unwrap_or("");
    let Ok(n) = arg.parse::<i64>() else {
        ctx.alert(
            line,
            format!("'nbthread' passed a missing or unparsable integer value in '{arg}'"),
        );
        return;
    };
    if !(1..=64).contains(&n) {
        ctx.alert(
            line,
            format!("'nbthread' value must be between 1 and 64 (was {n})"),
        );
        return;
    }
    ctx.global.nbthread = u32::try_from(n).ok();
}

/// The text HAProxy 2.6 prints for any `nbproc`.
pub const NBPROC_MSG: &str = "nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.";

/// `nbproc`: deliberate difference with HAProxy 2.6, `nbproc 1` only warns (it asks for
/// what we do anyway); larger values are an alert that points to `nbthread`.
fn nbproc(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if line.word(1) == Some("1") {
        ctx.warning(line, NBPROC_MSG);
    } else {
        ctx.alert(
            line,
            format!("{NBPROC_MSG} Use 'nbthread' to run several threads."),
        );
    }
}

fn pidfile(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if ctx.global.pidfile.is_some() {
        ctx.alert_continue(line, "'pidfile' already specified. Continuing.");
        return;
    }
    match line.word(1) {
        Some(p) => ctx.global.pidfile = Some(PathBuf::from(p)),
        None => ctx.alert(line, "'pidfile' expects a file name as an argument."),
    }
}

/// Looks a name up in a `/etc/passwd`-like text (name:x:id:...), returning its id.
pub fn lookup_id(db: &str, name: &str) -> Option<u32> {
    db.lines().find_map(|l| {
        let mut f = l.split(':');
        if f.next()? != name {
            return None;
        }
        f.nth(1)?.parse().ok()
    })
}

pub(super) fn read_db(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// HAProxy refuses a second `user`/`uid` only once the uid is non-zero (so `user root`
/// twice is accepted), and the same for `group`/`gid`.
fn id_set(id: Option<u32>) -> bool {
    id.is_some_and(|n| n != 0)
}

fn user(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if id_set(ctx.global.uid) {
        ctx.alert_continue(line, "user/uid already specified. Continuing.");
        return;
    }
    let name = line.word(1).unwrap_or("");
    let Some(id) = lookup_id(&read_db("/etc/passwd"), name) else {
        ctx.alert(
            line,
            format!("cannot find user id for '{name}' (0:Success)"),
        );
        return;
    };
    ctx.global.user = Some(UserSpec::Name(name.to_string()));
    ctx.global.uid = Some(id);
}

fn group(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if id_set(ctx.global.gid) {
        ctx.alert_continue(line, "gid/group was already specified. Continuing.");
        return;
    }
    let name = line.word(1).unwrap_or("");
    let Some(id) = lookup_id(&read_db("/etc/group"), name) else {
        ctx.alert(
            line,
            format!("cannot find group id for '{name}' (0:Success)"),
        );
        return;
    };
    ctx.global.group = Some(UserSpec::Name(name.to_string()));
    ctx.global.gid = Some(id);
}

/// The number of `uid N`/`gid N`, read with HAProxy's `strl2irc()`; a word that is not a
/// number is a warning and leaves the id unset, as in HAProxy.
fn numeric_id(ctx: &mut GlobalCtx<'_>, line: &Line, what: &str, hint: &str) -> Option<u32> {
    let v = match line.word(1) {
        Some(v) if !v.is_empty() => v,
        _ => {
            ctx.alert(line, format!("'{what}' expects an integer argument."));
            return None;
        }
    };
    match crate::config::units::strl2irc(v) {
        // A negative id is kept as C stores it in a uid_t.
        Some(n) => Some(u32::from_ne_bytes(n.to_ne_bytes())),
        None => {
            let msg = format!(" {what}: string '{v}' is not a number.\nYou might want to use the '{hint}' parameter to use a system {hint} name.");
            ctx.warning(line, msg);
            None
        }
    }
}

fn uid(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if id_set(ctx.global.uid) {
        ctx.alert_continue(line, "user/uid already specified. Continuing.");
        return;
    }
    if let Some(n) = numeric_id(ctx, line, "uid", "user") {
        ctx.global.user = Some(UserSpec::Id(n));
        ctx.global.uid = Some(n);
    }
}

fn gid(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if id_set(ctx.global.gid) {
        ctx.alert_continue(line, "group/gid already specified. Continuing.");
        return;
    }
    if let Some(n) = numeric_id(ctx, line, "gid", "group") {
        ctx.global.group = Some(UserSpec::Id(n));
        ctx.global.gid = Some(n);
    }
}

fn chroot(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if ctx.global.chroot.is_some() {
        ctx.alert_continue(line, "'chroot' already specified. Continuing.");
        return;
    }
    match line.word(1) {
        Some(p) => ctx.global.chroot = Some(PathBuf::from(p)),
        None => ctx.alert(line, "'chroot' expects a directory as an argument."),
    }
}

/// `log-send-hostname [NAME]` (without a name, the host's name).
fn log_send_hostname(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if ctx.global.log_send_hostname.is_some() {
        ctx.alert_continue(line, "'log-send-hostname' already specified. Continuing.");
        return;
    }
    ctx.global.log_send_hostname = Some(line.word(1).unwrap_or("").to_string());
}

fn log_tag(ctx: &mut GlobalCtx<'_>, line: &Line) {
    match line.word(1) {
        Some(t) if !t.is_empty() => ctx.global.log_tag = Some(t.to_string()),
        _ => ctx.alert(line, "'log-tag' expects a tag for use in syslog."),
    }
}

fn stats(ctx: &mut GlobalCtx<'_>, line: &Line) {
    match line.word(1) {
        Some("socket") => stats_socket(ctx, line),
        Some("timeout") => {
            let arg = line.word(2).unwrap_or("");
            match parse_time(arg) {
                Ok(d) if !d.is_zero() => ctx.global.stats_timeout = Some(d),
                Ok(_) => ctx.alert(line, "'stats timeout' expects a positive value"),
                Err(TimeError::BadChar(c)) => ctx.alert(
                    line,
                    format!("'stats timeout' : unexpected character '{c}'"),
                ),
                Err(e @ TimeError::Overflow) => ctx.alert(
                    line,
                    crate::config::units::time_error_msg(e, arg, "stats timeout"),
                ),
                Err(_) => ctx.alert(line, "'stats timeout' expects a positive value"),
            }
        }
        Some("maxconn") | Some("bind-process") => {}
        other => {
            let got = other.unwrap_or("");
            ctx.alert(
                line,
                format!("'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '{got}')"),
            );
        }
    }
}

/// `stats socket ADDR [bind options]`: checked like a `bind` line, kept for the runtime API.
fn stats_socket(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let Some(addr) = line.word(2) else {
        ctx.alert(
            line,
            "'stats socket' in global section expects an address or a path to a UNIX socket",
        );
        return;
    };
    let getenv = ctx.env;
    let env = |name: &str| getenv(name, line.loc.line);
    let expanded = crate::config::lexer::env_expand(addr, &env);
    if expanded.is_empty() || !expanded.starts_with('/') && !expanded.starts_with("unix@") {
        if let Err(msg) = super::bind::parse_bind_addrs(addr, &env) {
            let msg = format!("parsing [{}] : 'stats socket' : {msg}\n", line.loc);
            ctx.alert(line, msg);
            return;
        }
    }
    let mut i = 3;
    while let Some(opt) = line.word(i) {
        let Some(&(_, nargs)) = super::bind::OPTIONS.iter().find(|(n, _)| *n == opt) else {
            let msg = match super::best_match(opt, super::bind::OPTIONS.iter().map(|(n, _)| *n)) {
                Some(m) => {
                    format!("'stats socket' : unknown keyword '{opt}'. Did you mean '{m}' maybe ?")
                }
                None => format!("'stats socket' : unknown keyword '{opt}'."),
            };
            ctx.alert(line, msg);
            return;
        };
        i += 1 + nargs;
    }
    ctx.global
        .stats_sockets
        .push(crate::config::model::StatsSocket {
            loc: line.loc.clone(),
            addr: expanded,
            options: line
                .words
                .get(3..)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        });
}

fn base(ctx: &mut GlobalCtx<'_>, line: &Line, ca: bool) {
    let kw = line.keyword();
    let slot = if ca {
        &mut ctx.global.ca_base
    } else {
        &mut ctx.global.crt_base
    };
    if slot.is_some() {
        // Unlike the other global paths, a second one is an error.
        ctx.alert(line, format!("'{kw}' already specified."));
        return;
    }
    match line.word(1) {
        Some(p) => *slot = Some(PathBuf::from(p)),
        None => {
            let msg = format!("global statement '{kw}' expects a directory path as an argument.");
            ctx.alert(line, msg);
        }
    }
}

/// `global statement 'X' expects ... as an argument.` when the argument is missing.
fn ssl_missing(ctx: &mut GlobalCtx<'_>, line: &Line) -> bool {
    if line.word(1).is_some() {
        return false;
    }
    let kw = line.keyword();
    let what = if kw.ends_with("options") {
        "an option"
    } else {
        "a cipher suite"
    };
    ctx.alert(
        line,
        format!("global statement '{kw}' expects {what} as an argument."),
    );
    true
}

fn ssl_default(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if ssl_missing(ctx, line) {
        return;
    }
    let g = &mut *ctx.global;
    match line.keyword() {
        "ssl-default-bind-ciphers" => g.ssl_default_bind_ciphers = line.word(1).map(str::to_string),
        "ssl-default-bind-ciphersuites" => {
            g.ssl_default_bind_ciphersuites = line.word(1).map(str::to_string)
        }
        _ => {
            g.ssl_default_bind_options = line
                .words
                .get(1..)
                .map(<[String]>::to_vec)
                .unwrap_or_default()
        }
    }
}

fn keep_ssl_server(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if ssl_missing(ctx, line) {
        return;
    }
    let args = line
        .words
        .get(1..)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    ctx.global
        .ssl_default_server
        .push((line.keyword().to_string(), args));
}

fn hard_stop_after(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let Some(arg) = line.word(1) else {
        ctx.alert(line, "'hard-stop-after' expects <time> as argument.\n");
        return;
    };
    match parse_time(arg) {
        Ok(d) => ctx.global.hard_stop_after = Some(d),
        Err(TimeError::BadChar(c)) => ctx.alert(
            line,
            format!("unexpected character '{c}' in argument to <hard-stop-after>.\n"),
        ),
        Err(e @ TimeError::Overflow) => ctx.alert(
            line,
            crate::config::units::time_error_msg(e, arg, "hard-stop-after"),
        ),
        Err(_) => ctx.alert(line, "'hard-stop-after' expects <time> as argument.\n"),
    }
}

fn spread_checks(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if ctx.global.spread_checks.is_some_and(|n| n != 0) {
        let msg = format!(
            "parsing [{}]: spread-checks already specified. Continuing.",
            line.loc
        );
        ctx.diags.global(Level::AlertContinue, msg);
        return;
    }
    if line.word(1).is_none() {
        let msg = format!(
            "parsing [{}]: 'spread-checks' expects an integer argument (0..50).",
            line.loc
        );
        ctx.diags.global(Level::Alert, msg);
        return;
    }
    let v = crate::config::units::atol(line.word(1).unwrap_or(""));
    if !(0..=50).contains(&v) {
        let msg = format!(
            "parsing [{}]: 'spread-checks' needs a positive value in range 0..50.",
            line.loc
        );
        ctx.diags.global(Level::Alert, msg);
        return;
    }
    ctx.global.spread_checks = u32::try_from(v).ok();
}

fn global_description(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if line.word(1).is_none() {
        let msg = format!(
            "parsing [{}]: 'description' expects a string argument.",
            line.loc
        );
        ctx.diags.global(Level::Alert, msg);
        return;
    }
    ctx.global.description = Some(super::rest(line, 1));
}

fn node(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let name = line.word(1).unwrap_or("");
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !ok {
        let msg = format!("parsing [{}]: 'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).", line.loc);
        ctx.diags.global(Level::Alert, msg);
        return;
    }
    ctx.global.node = Some(name.to_string());
}

#[cfg(test)]
mod tests {
    use crate::config::diag::Diags;
    use crate::config::lexer::lex;
    use crate::config::model::Global;

    fn parse(text: &str) -> (Global, Diags) {
        let mut d = Diags::new();
        let lines = lex("g.cfg", text, &|_| None, &mut d);
        let mut g = Global::default();
        let mut ctx = super::GlobalCtx {
            global: &mut g,
            diags: &mut d,
            env: &|_, _| None,
            abort: false,
        };
        for l in &lines {
            super::super::parse_global_line(&mut ctx, l);
        }
        (g, d)
    }

    #[test]
    fn basic_global_keywords_fill_the_model() {
        let (g, d) = parse(
            "daemon\nmaxconn 4096\nnbthread 4\npidfile /run/h.pid\nstats timeout 30s\nuser root\n",
        );
        assert!(d.list.is_empty(), "{d:?}");
        assert!(g.daemon);
        assert_eq!(g.maxconn, Some(4096));
        assert_eq!(g.nbthread, Some(4));
        assert_eq!(g.stats_timeout, Some(std::time::Duration::from_secs(30)));
        assert_eq!(
            g.user,
            Some(crate::config::model::UserSpec::Name("root".into()))
        );
        assert_eq!(g.uid, Some(0));
    }

    #[test]
    fn a_setting_given_twice_is_an_alert_that_keeps_the_config_valid() {
        let (g, d) = parse("maxconn 10\nmaxconn 20\n");
        assert_eq!(g.maxconn, Some(10));
        assert_eq!(
            d.render(1),
            "[ALERT]    (1) : config : parsing [g.cfg:2] : 'maxconn' already specified. Continuing.\n"
        );
        assert!(!d.has_errors());
    }

    #[test]
    fn a_zero_value_counts_as_unset_like_in_haproxy() {
        let (g, d) = parse("maxconn 0\nmaxconn 20\nuser root\nuser root\nuid abc\nuid 7\n");
        assert_eq!((g.maxconn, g.uid), (Some(20), Some(7)));
        assert!(!d.has_errors(), "{d:?}");
    }

    #[test]
    fn an_unknown_group_is_worded_like_haproxy() {
        let (_, d) = parse("group nosuchgroupatall\n");
        assert_eq!(
            d.render(1),
            "[ALERT]    (1) : config : parsing [g.cfg:1] : cannot find group id for 'nosuchgroupatall' (0:Success)\n"
        );
    }

    #[test]
    fn nbproc_one_only_warns_but_more_is_an_alert() {
        let (_, d) = parse("nbproc 1\n");
        assert!(!d.has_errors() && d.has_warnings());
        let (_, d) = parse("nbproc 4\n");
        assert!(d.has_errors());
        assert!(d.list[0].msg.contains("nbthread"));
    }

    #[test]
    fn a_misspelled_global_keyword_gets_a_suggestion() {
        let (_, d) = parse("daemonn\n");
        assert_eq!(
            d.list[0].msg,
            "unknown keyword 'daemonn' in 'global' section; did you mean 'daemon' maybe ?"
        );
    }

    #[test]
    fn ids_are_read_from_passwd_style_text() {
        assert_eq!(
            super::lookup_id(
                "root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/h:/bin/sh\n",
                "bob"
            ),
            Some(1000)
        );
        assert_eq!(
            super::lookup_id("root:x:0:0::/root:/bin/sh\n", "nobody"),
            None
        );
    }
}
