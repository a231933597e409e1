//! `tune.*` keywords of the `global` section (configuration.txt 3.2 "Performance tuning"):
//! the names HAProxy 2.6 knows, kept verbatim in `Global::tunes` without effect yet, and
//! the checks `haproxy -c` makes on their values.

use super::GlobalCtx;
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
        "tune.zlib.memlevel",
        "tune.zlib.windowsize",
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
        "tune.quic.frontend.conn-tx-buffers.limit",
        "tune.quic.frontend.max-idle-timeout",
        "tune.quic.frontend.max-streams-bidi",
        "tune.quic.retry-threshold",
        "tune.quic.socket-owner",
        "tune.quic.conn-buf-limit",
        "tune.quic.max-frame-loss",
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
    if SET_ONCE.contains(&kw) {
        if set_before(ctx.global, kw) {
            ctx.alert_continue(line, format!("'{kw}' already specified. Continuing."));
            return;
        }
        if line.word(1).is_none() {
            ctx.alert(line, format!("'{kw}' expects an integer argument."));
            return;
        }
    }
    if kw == "tune.http.maxhdr" {
        let Some(v) = line.word(1) else {
            ctx.alert(line, "'tune.http.maxhdr' expects an integer argument.");
            return;
        };
        if !(1..=32767).contains(&atol(v)) {
            ctx.alert(
                line,
                "'tune.http.maxhdr' expects a numeric value between 1 and 32767",
            );
            return;
        }
    }
    ctx.global
        .tunes
        .push((kw.to_string(), super::rest(line, 1)));
}
