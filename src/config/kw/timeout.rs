//! `timeout` keywords (configuration.txt 4.2 "timeout client", "timeout server", ...):
//! `client`, `server`, `connect`, `check`, `queue`, `http-keep-alive`, `http-request`,
//! `tunnel`, `tarpit`, `client-fin`, `server-fin`. The pre-2.1 `contimeout`,
//! `clitimeout` and `srvtimeout` are rejected in `kw/proxy.rs`, as HAProxy 2.6 does.

use std::time::Duration;

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::Timeouts;
use crate::config::units::{parse_time, time_error_msg};

/// The `timeout` keyword.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "timeout",
    sections: PROXIES,
    parse: Parse::Proxy(timeout),
}];

/// Which side a timeout belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Fe,
    Be,
    Both,
}

fn slot<'a>(t: &'a mut Timeouts, name: &str) -> Option<(&'a mut Option<Duration>, Side)> {
    Some(match name {
        "client" => (&mut t.client, Side::Fe),
        "client-fin" => (&mut t.client_fin, Side::Fe),
        "tarpit" => (&mut t.tarpit, Side::Both),
        "http-keep-alive" => (&mut t.http_keep_alive, Side::Both),
        "http-request" => (&mut t.http_request, Side::Both),
        "server" => (&mut t.server, Side::Be),
        "server-fin" => (&mut t.server_fin, Side::Be),
        "connect" => (&mut t.connect, Side::Be),
        "check" => (&mut t.check, Side::Be),
        "queue" => (&mut t.queue, Side::Be),
        "tunnel" => (&mut t.tunnel, Side::Be),
        _ => return None,
    })
}

fn timeout(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let name = line.word(1).unwrap_or("");
    let has_fe = ctx.has_fe();
    let has_be = ctx.has_be();
    let kind = ctx.kind_word();
    let pname = ctx.proxy.name.clone();
    let Some((slot, side)) = slot(&mut ctx.proxy.timeouts, name) else {
        let msg = format!("'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '{name}')");
        ctx.alert(line, msg);
        return;
    };
    let arg = line.word(2).unwrap_or("");
    let keyword = format!("timeout {name}");
    let value = match parse_time(arg) {
        Ok(v) => v,
        Err(e) => {
            let msg = time_error_msg(e, arg, &keyword);
            ctx.alert(line, msg);
            return;
        }
    };
    *slot = Some(value);
    let missing = match side {
        Side::Fe if !has_fe => Some("frontend"),
        Side::Be if !has_be => Some("backend"),
        _ => None,
    };
    if let Some(cap) = missing {
        let msg =
            format!("'{keyword}' will be ignored because {kind} '{pname}' has no {cap} capability");
        ctx.warning(line, msg);
    }
}
