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
    if let Some(extra) = line.word(3) {
        let msg = format!("'{keyword}' : unexpected extra argument '{extra}' after value '{arg}'.");
        ctx.alert(line, msg);
        return;
    }
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

#[cfg(test)]
mod tests {
    use crate::config::load_texts;
    use std::time::Duration;

    #[test]
    fn every_timeout_lands_in_its_field() {
        let text = "listen l\n bind :8080\n timeout client 1s\n timeout server 2s\n timeout connect 3s\n \
                    timeout http-request 4s\n timeout http-keep-alive 5s\n timeout queue 6s\n timeout tunnel 1h\n \
                    timeout check 7s\n timeout client-fin 8s\n timeout server-fin 9s\n timeout tarpit 10s\n";
        let l = load_texts(&[("t.cfg", text)], &|_| None).unwrap();
        let t = &l.config.proxies[0].timeouts;
        let s = Duration::from_secs;
        assert_eq!(
            (
                t.client,
                t.server,
                t.connect,
                t.http_request,
                t.http_keep_alive,
                t.queue
            ),
            (
                Some(s(1)),
                Some(s(2)),
                Some(s(3)),
                Some(s(4)),
                Some(s(5)),
                Some(s(6))
            )
        );
        assert_eq!(
            (t.tunnel, t.check, t.client_fin, t.server_fin, t.tarpit),
            (
                Some(s(3600)),
                Some(s(7)),
                Some(s(8)),
                Some(s(9)),
                Some(s(10))
            )
        );
    }

    #[test]
    fn a_frontend_timeout_in_a_backend_warns() {
        let l = load_texts(&[("t.cfg", "backend b\n timeout client 5s\n")], &|_| None).unwrap();
        assert_eq!(
            l.diags.list[0].msg,
            "'timeout client' will be ignored because backend 'b' has no frontend capability"
        );
    }

    #[test]
    fn the_removed_timeout_keywords_are_refused() {
        let d = load_texts(&[("t.cfg", "backend b\n contimeout 5s\n")], &|_| None).unwrap_err();
        assert_eq!(
            d.list[0].msg,
            "the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'."
        );
    }
}
