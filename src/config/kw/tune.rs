//! `tune.*` keywords of the `global` section (configuration.txt 3.2 "Performance tuning"):
//! the names HAProxy 2.6 knows, kept verbatim in `Global::tunes`, and the checks
//! `haproxy -c` makes on their values. `tune.bufsize`, `tune.maxrewrite` and
//! `tune.http.maxhdr` also land in `Global::tune`, which the HTTP/1 layer uses; the others
//! have no effect yet (`config/inactive.rs` says so).

use super::GlobalCtx;
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::Global;
use crate::config::units::atol;

/// The `tune.*` settings HAProxy sets only once: a second line while the first value is
/// non-zero is an alert that leaves the configuration valid ("already specified.
/// Continuing.").
const SET_ONCE: &[&str] = &[
    "tune.runqueue-depth",
    "tune.maxpollevents",
    "tune.maxaccept",
    "tune.rcvbuf.client",
    "tune.rcvbuf.server",
    "tune.sndbuf.client",
    "tune.sndbuf.server",
];

/// True when `kw` was set before to a non-zero value (what HAProxy tests).
fn set_before(g: &Global, kw: &str) -> bool {
    g.tunes.iter().any(|(k, v)| k == kw && atol(v) != 0)
}

/// True once one of the two names of the SSL capture buffer size was set.
fn capture_set(g: &Global) -> bool {
    g.tunes.iter().any(|(k, _)| {
        matches!(
            k.as_str(),
            "tune.ssl.capture-buffer-size" | "tune.ssl.capture-cipherlist-size"
        )
    })
}

/// The tune keywords whose value is `on` or `off`.
const ON_OFF: &[&str] = &[
    "tune.fd.edge-triggered",
    "tune.idle-pool.shared",
    "tune.listener.multi-queue",
    "tune.sched.low-latency",
    "tune.ssl.keylog",
];

/// The tune keywords that only need an integer argument (read with `atol()`).
const INTEGER: &[&str] = &[
    "tune.buffers.limit",
    "tune.buffers.reserve",
    "tune.http.cookielen",
    "tune.http.logurilen",
    "tune.pipesize",
    "tune.rcvbuf.client",
    "tune.rcvbuf.server",
    "tune.sndbuf.client",
    "tune.sndbuf.server",
    "tune.recv_enough",
    "tune.runqueue-depth",
    "tune.maxpollevents",
    "tune.maxaccept",
];

/// The tune keywords HAProxy 2.6 reads with no "too many arguments" check.
const ANY_ARGS: &[&str] = &[
    "tune.pattern.cache-size",
    "tune.lua.forced-yield",
    "tune.lua.maxmem",
    "tune.lua.session-timeout",
    "tune.lua.task-timeout",
    "tune.lua.service-timeout",
    "tune.vars.global-max-size",
    "tune.vars.proc-max-size",
    "tune.vars.reqres-max-size",
    "tune.vars.sess-max-size",
    "tune.vars.txn-max-size",
    "tune.vars.check-max-size",
    "tune.chksize",
];

/// HAProxy 2.6's refusal of a known `tune.*` line, if any: the text and whether it is
/// printed with the `parsing [file:line]: ` form (else after `parsing [file:line] : `).
/// Each rule was checked against `haproxy -c` with missing, non-numeric, negative, zero,
/// overflowing, suffixed and extra arguments.
fn refusal(g: &Global, line: &Line) -> Option<(String, bool)> {
    let kw = line.keyword();
    let v = line.word(1).unwrap_or("");
    let spaced = |m: String| Some((m, false));
    if kw == "tune.fd.edge-triggered" && !g.expose_experimental {
        return spaced(format!("'{kw}' directive is experimental, must be allowed via a global 'expose-experimental-directives'"));
    }
    if kw == "tune.chksize" {
        let msg = "option 'tune.chksize' is not supported any more (tune.bufsize is used instead).";
        return Some((msg.into(), true));
    }
    let takes = usize::from(kw != "tune.ssl.force-private-cache");
    if !ANY_ARGS.contains(&kw) {
        if let Some(extra) = line.word(takes + 1) {
            return spaced(format!(
                "'{kw}' cannot handle unexpected argument '{extra}'."
            ));
        }
    }
    let n = crate::config::units::atoi_int(v);
    let integer = || format!("'{kw}' expects an integer argument.");
    let between = |lo: i32, hi: i32, dot: &str| {
        (!(lo..=hi).contains(&n))
            .then(|| format!("'{kw}' expects a numeric value between {lo} and {hi}{dot}"))
    };
    let msg = match kw {
        _ if ON_OFF.contains(&kw) => (!matches!(v, "on" | "off"))
            .then(|| format!("'{kw}' expects either 'on' or 'off' but got '{v}'.")),
        _ if INTEGER.contains(&kw) => v.is_empty().then(integer),
        "tune.bufsize" | "tune.maxrewrite" if v.is_empty() => Some(integer()),
        "tune.bufsize" => (n <= 0).then(|| format!("'{kw}' expects a positive integer argument.")),
        "tune.maxrewrite" => (n < 0).then(|| format!("'{kw}' expects a positive integer argument.")),
        "tune.http.maxhdr" if v.is_empty() => Some(integer()),
        "tune.http.maxhdr" => between(1, 32767, ""),
        "tune.comp.maxlevel" => between(1, 9, ""),
        "tune.fail-alloc" => between(0, 100, "."),
        "tune.h2.header-table-size" => between(4096, 65536, "."),
        "tune.h2.max-frame-size" => between(16384, 16_777_215, "."),
        "tune.h2.initial-window-size" | "tune.h2.max-concurrent-streams" => {
            (n < 0).then(|| format!("'{kw}' expects a positive numeric value."))
        }
        "tune.pattern.cache-size" => (v.is_empty() || n < 0)
            .then(|| format!("'{kw}' expects a positive numeric value")),
        "tune.peers.max-updates-at-once" => (n <= 0)
            .then(|| format!("'{kw}' expects an integer argument greater than 0.")),
        "tune.pool-high-fd-ratio" | "tune.pool-low-fd-ratio" => (v.is_empty()
            || !(0..=100).contains(&n))
        .then(|| format!("'{kw}' expects an integer argument between 0 and 100.")),
        "tune.ssl.cachesize"
        | "tune.ssl.maxrecord"
        | "tune.ssl.ssl-ctx-cache-size"
        | "tune.ssl.capture-buffer-size"
        | "tune.ssl.capture-cipherlist-size" => {
            if v.is_empty() {
                Some(integer())
            } else {
                (n < 0).then(|| format!("'{kw}' expects a positive numeric value."))
            }
        }
        "tune.ssl.default-dh-param" if v.is_empty() => Some(integer()),
        // Stored unsigned: a negative value passes.
        "tune.ssl.default-dh-param" => (0..1024).contains(&n)
            .then(|| format!("'{kw}' expects a value >= 1024.")),
        "tune.ssl.lifetime" => ssl_lifetime(v),
        "tune.idletimer" => return idletimer(v),
        "tune.lua.forced-yield" => {
            (!strtol_whole(v)).then(|| format!("{kw}: invalid number"))
        }
        "tune.lua.maxmem" if v.is_empty() => Some(format!(
            "'{kw}' expects an integer argument (Lua memory size in MB)."
        )),
        "tune.lua.maxmem" => strtol_rest(v)
            .map(|c| format!("{kw}: invalid number {v} (error at '{c}')")),
        "tune.lua.session-timeout" | "tune.lua.task-timeout" | "tune.lua.service-timeout" => {
            match crate::config::units::parse_time(v) {
                Ok(_) => None,
                Err(crate::config::units::TimeError::Overflow) => Some(format!("timer overflow in argument <{v}> to <{kw}> (maximum value is 2147483647 ms or ~24.8 days)")),
                Err(_) => Some(format!("{kw}: invalid timeout")),
            }
        }
        _ if kw.starts_with("tune.vars.") => {
            (!strtol_whole(v)).then(|| format!("{kw}: '{v}' is an invalid size"))
        }
        _ => None,
    };
    msg.map(|m| (m, false))
}

/// `tune.ssl.lifetime`: a time in seconds.
fn ssl_lifetime(v: &str) -> Option<String> {
    use crate::config::units::{parse_time_secs, TimeError};
    let kw = "tune.ssl.lifetime";
    match parse_time_secs(v) {
        Ok(_) => None,
        Err(TimeError::Empty) => Some(format!(
            "'{kw}' expects ssl sessions <lifetime> in seconds as argument."
        )),
        Err(TimeError::BadChar(c)) => Some(format!(
            "unexpected character '{c}' in argument to <{kw}>."
        )),
        Err(_) => Some(format!("timer overflow in argument '{v}' to <{kw}> (maximum value is 2147483647 s or ~68 years).")),
    }
}

/// `tune.idletimer`: a time in milliseconds up to 65535; its character and overflow
/// errors use the `parsing [file:line]: ` form.
fn idletimer(v: &str) -> Option<(String, bool)> {
    use crate::config::units::{parse_time, TimeError};
    let kw = "tune.idletimer";
    let range = || {
        Some((
            format!("'{kw}' expects a timer value between 0 and 65535 ms."),
            false,
        ))
    };
    match parse_time(v) {
        Ok(d) if d.as_millis() > 65535 => range(),
        Ok(_) => None,
        Err(TimeError::Empty) => range(),
        Err(TimeError::BadChar(c)) => Some((
            format!("unexpected character '{c}' in argument to <{kw}>."),
            true,
        )),
        Err(_) => Some((
            format!("timer overflow in argument <{v}> to <{kw}>, maximum value is 65535 ms."),
            true,
        )),
    }
}

/// True when `strtol(v, &end, 10)` ends on the NUL (an empty text included).
fn strtol_whole(v: &str) -> bool {
    strtol_rest(v).is_none()
}

/// The first character `strtol(v, &end, 10)` stops at, if it is not the end.
fn strtol_rest(v: &str) -> Option<char> {
    let t = v.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let signless = t.strip_prefix(['+', '-']).unwrap_or(t);
    let digits = signless.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        // No number: strtol leaves `end` at the start of the text.
        return v.chars().next();
    }
    signless.get(digits..).and_then(|r| r.chars().next())
}

/// Any `tune.*` keyword: kept verbatim when it is one HAProxy 2.6 knows.
pub fn parse(ctx: &mut GlobalCtx<'_>, line: &Line) {
    const KNOWN: &[&str] = &[
        "tune.bufsize",
        "tune.maxrewrite",
        "tune.maxaccept",
        "tune.maxpollevents",
        "tune.recv_enough",
        "tune.runqueue-depth",
        "tune.idletimer",
        "tune.http.cookielen",
        "tune.http.logurilen",
        "tune.http.maxhdr",
        "tune.ssl.cachesize",
        "tune.ssl.lifetime",
        "tune.ssl.maxrecord",
        "tune.ssl.default-dh-param",
        "tune.ssl.force-private-cache",
        "tune.ssl.ssl-ctx-cache-size",
        "tune.ssl.capture-buffer-size",
        "tune.ssl.capture-cipherlist-size",
        "tune.ssl.keylog",
        "tune.h2.header-table-size",
        "tune.h2.initial-window-size",
        "tune.h2.max-concurrent-streams",
        "tune.h2.max-frame-size",
        "tune.pipesize",
        "tune.rcvbuf.client",
        "tune.rcvbuf.server",
        "tune.sndbuf.client",
        "tune.sndbuf.server",
        "tune.comp.maxlevel",
        "tune.lua.session-timeout",
        "tune.lua.task-timeout",
        "tune.lua.service-timeout",
        "tune.lua.maxmem",
        "tune.lua.forced-yield",
        "tune.vars.global-max-size",
        "tune.vars.proc-max-size",
        "tune.vars.reqres-max-size",
        "tune.vars.sess-max-size",
        "tune.vars.txn-max-size",
        "tune.vars.check-max-size",
        "tune.pattern.cache-size",
        "tune.fail-alloc",
        "tune.fd.edge-triggered",
        "tune.idle-pool.shared",
        "tune.listener.multi-queue",
        "tune.pool-high-fd-ratio",
        "tune.pool-low-fd-ratio",
        "tune.sched.low-latency",
        "tune.buffers.limit",
        "tune.buffers.reserve",
        "tune.chksize",
        "tune.peers.max-updates-at-once",
    ];
    let kw = line.keyword();
    if !KNOWN.contains(&kw) {
        let names = super::entries()
            .filter(|k| super::is_global(k))
            .map(|k| k.name)
            .chain(KNOWN.iter().copied());
        let msg = super::unknown_msg(kw, "global", names);
        ctx.alert(line, msg);
        return;
    }
    if kw == "tune.ssl.capture-cipherlist-size" {
        let msg = format!("parsing [{}]: '{kw}' is deprecated and will be removed in version 2.7. Please use 'tune.ssl.capture-buffer-size' instead.", line.loc);
        ctx.diags.global(Level::Warning, msg);
    }
    if let Some((msg, bare)) = refusal(ctx.global, line) {
        if bare {
            let msg = format!("parsing [{}]: {msg}", line.loc);
            ctx.diags.global(Level::Alert, msg);
        } else {
            ctx.alert(line, msg);
        }
        return;
    }
    if matches!(
        kw,
        "tune.ssl.capture-buffer-size" | "tune.ssl.capture-cipherlist-size"
    ) && capture_set(ctx.global)
    {
        // Checked after the value, unlike the "Continuing." ones; and fatal.
        ctx.alert(line, format!("'{kw}' is already configured."));
        return;
    }
    if SET_ONCE.contains(&kw) && set_before(ctx.global, kw) {
        ctx.alert_continue(line, format!("'{kw}' already specified. Continuing."));
        return;
    }
    let n = usize::try_from(atol(line.word(1).unwrap_or(""))).unwrap_or(0);
    match kw {
        // cfgparse-global.c rounds the size up to twice a pointer's size.
        "tune.bufsize" => ctx.global.tune.bufsize = n.saturating_add(15) & !15,
        "tune.maxrewrite" => ctx.global.tune.maxrewrite = n,
        "tune.http.maxhdr" => ctx.global.tune.http_maxhdr = n,
        _ => {}
    }
    ctx.global
        .tunes
        .push((kw.to_string(), super::rest(line, 1)));
}
