//! `tcp-request inspect-delay|connection|session|content` (configuration.txt 4.2
//! "tcp-request"), checked as HAProxy 2.6's `tcp_parse_tcp_req()` checks it (sections,
//! action names, the rest of the simple actions, `expect-proxy`, the delay, conditions) and
//! kept verbatim in `Proxy::tcp_request`; `track-sc*` actions are also typed into
//! `Proxy::stick.tcp_track` (by `kw::stick`). Imports nothing outside `config`.

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{RawRule, TcpStage, TcpTrack, TrackSc};

/// `tcp-request`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "tcp-request",
    sections: PROXIES,
    parse: Parse::Proxy(tcp_request),
}];

/// `tcp-request connection` and `session` actions of HAProxy 2.6, as its error message
/// lists them.
const CONNECTION_MSG: &str = "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop'";

/// `tcp-request content` actions of HAProxy 2.6, as its error message lists them.
const CONTENT_MSG: &str = "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset'";

/// Actions of every stage.
const COMMON: &[&str] = &[
    "accept",
    "reject",
    "capture",
    "expect-proxy",
    "expect-netscaler-cip",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-src",
    "set-src-port",
    "set-tos",
    "silent-drop",
];

/// Actions of `tcp-request content` only.
const CONTENT_ONLY: &[&str] = &[
    "ot-group",
    "set-log-level",
    "set-nice",
    "switch-mode",
    "use-service",
    "send-spoe-group",
    "set-priority-class",
    "set-priority-offset",
];

/// Action prefixes (`track-sc0`, `set-var(txn.x)`, ...); `do-resolve(` is content only.
const PREFIXES: &[&str] = &[
    "track-sc",
    "sc-inc-gpc",
    "sc-set-gpt",
    "set-var",
    "unset-var",
];

/// True if `action` is known in the stage `sub`.
fn known(sub: &str, action: &str) -> bool {
    COMMON.contains(&action)
        || PREFIXES.iter().any(|p| action.starts_with(p))
        || (sub == "content"
            && (CONTENT_ONLY.contains(&action) || action.starts_with("do-resolve(")))
}

fn tcp_request(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match check(ctx, line) {
        Ok(true) => {}
        Ok(false) => return,
        Err(msg) => {
            ctx.alert(line, msg);
            return;
        }
    }
    let stage = match line.word(1) {
        Some("connection") => Some(0),
        Some("session") => Some(1),
        Some("content") => Some(2),
        _ => None,
    };
    if let Some(stage) = stage {
        super::warn_misplaced_rule(ctx, line, stage);
    }
    match tcp_track(ctx, line) {
        Err(msg) => {
            ctx.alert(line, msg);
            return;
        }
        Ok(Some((stage, track))) => {
            let at = line
                .words
                .iter()
                .skip(2)
                .position(|w| w == "if" || w == "unless")
                .map(|at| at + 2);
            // check() already refused a bad condition.
            let cond = at.and_then(|at| super::acl::parse_cond(ctx, line, at).ok());
            ctx.proxy.stick.tcp_track.push(TcpTrack {
                rule: ctx.proxy.tcp_request.len(),
                stage,
                track,
                cond,
            });
        }
        Ok(None) => {}
    }
    ctx.proxy.tcp_request.push(RawRule {
        loc: line.loc.clone(),
        words: line.words.clone(),
    });
}

/// The typed `track-sc*` action of a `tcp-request connection|session|content` line, if it
/// has one; HAProxy's message when it is wrong.
fn tcp_track(ctx: &ProxyCtx<'_>, line: &Line) -> Result<Option<(TcpStage, TrackSc)>, String> {
    let stage = match line.word(1) {
        Some("connection") => TcpStage::Connection,
        Some("session") => TcpStage::Session,
        Some("content") => TcpStage::Content,
        _ => return Ok(None),
    };
    if !line.word(2).is_some_and(|a| a.starts_with("track-sc")) {
        return Ok(None);
    }
    let kind = match ctx.section {
        crate::config::section::SectionKind::Frontend => "frontend",
        crate::config::section::SectionKind::Backend => "backend",
        crate::config::section::SectionKind::Defaults => "defaults",
        _ => "proxy",
    };
    super::stick::tcp_track(&line.words, stage, kind, &ctx.proxy.name)
        .map(|(t, _)| Some((stage, t)))
}

/// HAProxy's refusal of a `tcp-request` line, if any; `Ok(false)` for a line HAProxy only
/// warns about and drops (a second `inspect-delay`).
fn check(ctx: &mut ProxyCtx<'_>, line: &Line) -> Result<bool, String> {
    let sub = line.word(1).unwrap_or("");
    let ptype = super::http_rules::proxy_word(ctx);
    let name = ctx.proxy.name.clone();
    let place = format!("{ptype} '{name}'");
    if sub.is_empty() {
        return Err(if ctx.in_defaults() {
            "missing argument for 'tcp-request' in defaults section".into()
        } else {
            format!("missing argument for 'tcp-request' in {place}")
        });
    }
    let stage_like = matches!(sub, "connection" | "session" | "content" | "inspect-delay");
    if ctx.in_defaults() && !ctx.named_defaults && stage_like {
        return Err(format!(
            "tcp-request {sub} is not allowed in anonymous 'defaults' sections"
        ));
    }
    match sub {
        "inspect-delay" => return inspect_delay(ctx, line, &place),
        "connection" | "session" if !ctx.has_fe() => {
            return Err(format!(
                "tcp-request {sub} is not allowed because {ptype} {name} is not a frontend"
            ));
        }
        "connection" | "session" | "content" => {}
        _ => {
            return Err(format!(
                "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in {place} (got '{sub}')"
            ))
        }
    }
    let action = line.word(2).unwrap_or("");
    if !known(sub, action) {
        let list = if sub == "content" {
            CONTENT_MSG
        } else {
            CONNECTION_MSG
        };
        return Err(format!(
            "'tcp-request {sub}' expects {list} in {place} (got '{action}').\n"
        ));
    }
    let next = line.word(3);
    let cond = |w: Option<&str>| matches!(w, None | Some("if" | "unless"));
    match action {
        "accept" | "reject" | "silent-drop" if !cond(next) => {
            return Err(format!(
                "'tcp-request {sub} {action}' only accepts 'if' or 'unless', in {place} (got '{}')",
                next.unwrap_or("")
            ));
        }
        "expect-proxy" if sub == "content" => {
            let arg = next.unwrap_or("");
            return Err(format!(
                "'expect-proxy {arg}' is not allowed in 'tcp-request content' rules in {place}"
            ));
        }
        "expect-proxy" if next != Some("layer4") => {
            return Err(format!(
                "'tcp-request {sub} expect-proxy' only supports 'layer4' in {place} (got '{}')",
                next.unwrap_or("")
            ));
        }
        _ => {}
    }
    if let Some(at) = line
        .words
        .iter()
        .skip(2)
        .position(|w| w == "if" || w == "unless")
    {
        let at = at + 2;
        if let Err(msg) = super::acl::parse_cond(ctx, line, at) {
            let head = line
                .words
                .get(..at.min(3))
                .map(|w| w.join(" "))
                .unwrap_or_default();
            let word = line.word(at).unwrap_or("if");
            return Err(format!(
                "'{head}' : error detected in {place} while parsing '{word}' condition : {msg}"
            ));
        }
    }
    Ok(true)
}

/// `tcp-request inspect-delay TIME`: a time in milliseconds; a second one is ignored with
/// a warning (and not kept).
fn inspect_delay(ctx: &mut ProxyCtx<'_>, line: &Line, place: &str) -> Result<bool, String> {
    use crate::config::units::{parse_time, TimeError};
    let v = line.word(2).unwrap_or("");
    let head =
        format!("'tcp-request inspect-delay' expects a positive delay in milliseconds, in {place}");
    match parse_time(v) {
        Ok(_) => {}
        Err(TimeError::Empty) => return Err(head),
        Err(TimeError::BadChar(c)) => return Err(format!("{head} (unexpected character '{c}')")),
        Err(TimeError::Overflow) => {
            return Err(format!(
                "{head} (timer overflow in '{v}', maximum value is 2147483647 ms or ~24.8 days)"
            ))
        }
        Err(TimeError::Underflow) => {
            return Err(format!(
                "{head} (timer underflow in '{v}', minimum non-null value is 1 ms)"
            ))
        }
    }
    let again = ctx
        .proxy
        .tcp_request
        .iter()
        .any(|r| r.words.get(1).map(String::as_str) == Some("inspect-delay"));
    if again {
        let msg = format!("ignoring tcp-request inspect-delay (was already defined) in {place}");
        ctx.diags.warning(&line.loc, "tcp-request", msg);
        // HAProxy keeps the first delay: this line is dropped.
        return Ok(false);
    }
    Ok(true)
}
