//! `http-request` and `http-response` rules (configuration.txt 4.2 "http-request",
//! "http-response"). Active actions: `return`, `deny`, `allow`, `set-header`, `add-header`,
//! `del-header`, `redirect`, `auth`; the other known actions are kept as
//! `HttpAction::Other`; `track-sc*` is typed by `kw::stick`. As in HAProxy, an error in an http rule stops the parsing
//! (`ERR_ABORT`). `tcp-request` lives in `kw/tcp_request.rs`.

use super::sample::logformat::parse_log_format_at;
use super::sample::place;
use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::{HttpAction, HttpRule, LogFormat, Reply, ReturnBody, TargetPart};

/// `http-request`, `http-response`.
pub static KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "http-request",
        sections: PROXIES,
        parse: Parse::Proxy(http_request),
    },
    Keyword {
        name: "http-response",
        sections: PROXIES,
        parse: Parse::Proxy(http_response),
    },
];

/// `http-request` actions of HAProxy 2.6, in the order its error message lists them.
pub const REQUEST_ACTIONS: &[&str] = &[
    "wait-for-handshake",
    "ot-group",
    "set-log-level",
    "set-nice",
    "use-service",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
    "send-spoe-group",
    "do-resolve(*)",
    "cache-use",
    "add-acl(*)",
    "add-header",
    "allow",
    "auth",
    "capture",
    "del-acl(*)",
    "del-header",
    "del-map(*)",
    "deny",
    "disable-l7-retry",
    "early-hint",
    "normalize-uri",
    "redirect",
    "reject",
    "replace-header",
    "replace-path",
    "replace-pathq",
    "replace-uri",
    "replace-value",
    "return",
    "set-header",
    "set-map(*)",
    "set-method",
    "set-path",
    "set-pathq",
    "set-query",
    "set-uri",
    "strict-mode",
    "tarpit",
    "track-sc(*)",
    "set-timeout",
    "wait-for-body",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-src",
    "set-src-port",
    "set-tos",
    "silent-drop",
    "set-priority-class",
    "set-priority-offset",
];

/// `http-response` actions of HAProxy 2.6, in the order its error message lists them.
pub const RESPONSE_ACTIONS: &[&str] = &[
    "ot-group",
    "set-log-level",
    "set-nice",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
    "send-spoe-group",
    "cache-store",
    "add-acl(*)",
    "add-header",
    "allow",
    "capture",
    "del-acl(*)",
    "del-header",
    "del-map(*)",
    "deny",
    "redirect",
    "replace-header",
    "replace-value",
    "return",
    "set-header",
    "set-map(*)",
    "set-status",
    "strict-mode",
    "track-sc(*)",
    "wait-for-body",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
    "set-mark",
    "set-tos",
    "silent-drop",
];

/// Statuses HAProxy has a built-in error page for (usable with `deny_status`).
pub const ERROR_CODES: &[u16] = &[
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504,
];

fn action_known(list: &[&str], name: &str) -> bool {
    list.iter().any(|a| match a.strip_suffix("(*)") {
        Some(prefix) => {
            name.starts_with(prefix) && name.get(prefix.len()..).is_some_and(|r| r.starts_with('('))
        }
        None => *a == name,
    }) || name.starts_with("track-sc")
        || name.starts_with("sc-inc-gpc")
        || name.starts_with("sc-set-gpt")
}

fn http_request(ctx: &mut ProxyCtx<'_>, line: &Line) {
    http_rule(ctx, line, true);
}

fn http_response(ctx: &mut ProxyCtx<'_>, line: &Line) {
    http_rule(ctx, line, false);
}

fn is_final(a: &HttpAction) -> bool {
    match a {
        HttpAction::Return { .. }
        | HttpAction::Deny { .. }
        | HttpAction::Allow
        | HttpAction::Redirect { .. }
        | HttpAction::Auth { .. } => true,
        HttpAction::Other { name, .. } => matches!(
            name.as_str(),
            "tarpit" | "reject" | "silent-drop" | "use-service"
        ),
        _ => false,
    }
}

fn http_rule(ctx: &mut ProxyCtx<'_>, line: &Line, request: bool) {
    let kw = line.keyword();
    if ctx.in_defaults() && !ctx.named_defaults {
        ctx.alert(
            line,
            format!("'{kw}' not allowed in anonymous 'defaults' section."),
        );
        return;
    }
    let action = line.word(1).unwrap_or("");
    let list = if request {
        REQUEST_ACTIONS
    } else {
        RESPONSE_ACTIONS
    };
    if !action_known(list, action) {
        ctx.diags
            .global(Level::Alert, unknown_action(line, kw, action, request));
        ctx.abort = true;
        return;
    }
    if action == "normalize-uri" && !ctx.global.expose_experimental {
        let msg = "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'";
        ctx.alert(line, msg);
        ctx.abort = true;
        return;
    }
    if request {
        super::warn_misplaced_rule(ctx, line, 4);
    }
    let rules = if request {
        &ctx.proxy.http_request
    } else {
        &ctx.proxy.http_response
    };
    if rules
        .last()
        .is_some_and(|r| r.cond.is_none() && is_final(&r.action))
    {
        let msg = format!("parsing [{}]: previous '{kw}' action is final and has no condition attached, further entries are NOOP.", line.loc);
        ctx.diags.global(Level::Warning, msg);
    }
    let cond_at = line
        .words
        .iter()
        .skip(2)
        .position(|w| w == "if" || w == "unless")
        .map(|p| p + 2);
    let end = cond_at.unwrap_or(line.words.len());
    let args: Vec<String> = line
        .words
        .get(2..end)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let act = match parse_action(ctx, line, action, &args) {
        Ok(a) => a,
        Err(Failure::Rule(msg)) => {
            let msg = format!(
                "error detected in {} '{}' while parsing '{kw} {action}' rule : {msg}.",
                proxy_word(ctx),
                ctx.proxy.name
            );
            ctx.alert(line, msg);
            ctx.abort = true;
            return;
        }
        Err(Failure::Trailing(w)) => {
            let msg = format!("parsing [{}]: '{kw} {action}' expects either 'if' or 'unless' followed by a condition but found '{w}'.", line.loc);
            ctx.diags.global(Level::Alert, msg);
            ctx.abort = true;
            return;
        }
    };
    let cond = match cond_at {
        None => None,
        Some(at) => match super::acl::parse_cond(ctx, line, at) {
            Ok(c) => Some(c),
            Err(msg) => {
                let msg =
                    format!("error detected while parsing an '{kw} {action}' condition : {msg}.");
                ctx.alert(line, msg);
                ctx.abort = true;
                return;
            }
        },
    };
    let rule = HttpRule {
        loc: line.loc.clone(),
        action: act,
        cond,
    };
    if request {
        ctx.proxy.http_request.push(rule);
    } else {
        ctx.proxy.http_response.push(rule);
    }
}

/// HAProxy's message for an unknown or missing `http-request`/`http-response` action
/// (`kw`), with its `parsing [file:line]: ` prefix.
pub(super) fn unknown_action(line: &Line, kw: &str, action: &str, request: bool) -> String {
    let list = if request {
        REQUEST_ACTIONS
    } else {
        RESPONSE_ACTIONS
    };
    let all = list
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match super::best_match(action, list.iter().copied().filter(|a| !a.ends_with("(*)")))
    {
        Some(m) if !action.is_empty() => format!(" Did you mean '{m}' maybe ?"),
        _ => String::new(),
    };
    let got = if action.is_empty() {
        "'' (missing argument)".to_string()
    } else {
        format!("'{action}'")
    };
    format!(
        "parsing [{}]: '{kw}' expects {all}, but got {got}.{hint}",
        line.loc
    )
}

/// HAProxy's `proxy_type_str()`: how its rule errors name the proxy.
pub(super) fn proxy_word(ctx: &ProxyCtx<'_>) -> &'static str {
    match ctx.section {
        crate::config::section::SectionKind::Frontend => "frontend",
        crate::config::section::SectionKind::Backend => "backend",
        crate::config::section::SectionKind::Defaults => "defaults",
        _ => "proxy",
    }
}

/// Checks the words of a redirect rule (after `redirect`), up to `if`/`unless`, the way
/// HAProxy's `http_parse_redirect_rule()` reads them.
pub fn check_redirect(args: &[String]) -> Result<(), String> {
    let mut typed = false;
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let value = args
            .get(i + 1)
            .map(String::as_str)
            .filter(|v| !v.is_empty());
        match w.as_str() {
            "prefix" | "location" | "scheme" | "code" | "set-cookie" | "clear-cookie"
                if value.is_none() =>
            {
                return Err(format!("missing argument for '{w}'"));
            }
            "prefix" | "location" | "scheme" => {
                typed = true;
                i += 2;
            }
            "code" => {
                let v = value.unwrap_or("");
                let code = crate::config::units::atol(v);
                if !matches!(code, 301..=303 | 307 | 308) {
                    return Err(format!("'code': unsupported HTTP code '{v}' (must be one of 301, 302, 303, 307 or 308)"));
                }
                i += 2;
            }
            "set-cookie" | "clear-cookie" => i += 2,
            "drop-query" | "append-slash" | "ignore-empty" => i += 1,
            "if" | "unless" => break,
            other => {
                return Err(format!("expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '{other}')"));
            }
        }
    }
    if !typed {
        return Err("redirection type expected ('prefix', 'location', or 'scheme')".into());
    }
    Ok(())
}

/// A log-format argument of an `http-request` (`request`) or `http-response` rule, typed
/// with the fetches valid where the rule runs.
fn lf(ctx: &ProxyCtx<'_>, request: bool, text: &str) -> Result<LogFormat, Failure> {
    let cap = place::http_rule(request, ctx.has_fe(), ctx.has_be());
    parse_log_format_at(text, cap).map_err(Failure::Rule)
}

/// Why an action was rejected.
enum Failure {
    /// `error detected in proxy 'p' while parsing 'http-request x' rule : MSG.`
    Rule(String),
    /// A word the action did not expect, where `if`/`unless` should be.
    Trailing(String),
}

/// The `status N` of a reply: present, and read by `atol()` between 200 and 599.
fn status_arg(v: Option<&String>) -> Result<u16, Failure> {
    let t = v.map(String::as_str).unwrap_or("");
    if t.is_empty() {
        return Err(Failure::Rule(
            "'status' expects <status_code> as argument".into(),
        ));
    }
    let n = crate::config::units::atoi_int(t);
    match u16::try_from(n) {
        Ok(n) if (200..=599).contains(&n) => Ok(n),
        _ => Err(Failure::Rule(format!("Unexpected status code '{n}'"))),
    }
}

fn parse_action(
    ctx: &mut ProxyCtx<'_>,
    line: &Line,
    action: &str,
    args: &[String],
) -> Result<HttpAction, Failure> {
    let arg = |i: usize| args.get(i).cloned();
    let request = line.keyword() == "http-request";
    Ok(match action {
        "allow" => {
            if let Some(w) = args.first() {
                return Err(Failure::Trailing(w.clone()));
            }
            HttpAction::Allow
        }
        "deny" | "return" => parse_reply(ctx, line, action, args)?,
        "set-header" | "add-header" => {
            if args.len() != 2 {
                return Err(Failure::Rule("expects exactly 2 arguments".into()));
            }
            let name = arg(0).unwrap_or_default();
            let value = lf(ctx, request, args.get(1).map_or("", String::as_str))?;
            if action == "set-header" {
                HttpAction::SetHeader { name, value }
            } else {
                HttpAction::AddHeader { name, value }
            }
        }
        "del-header" => match arg(0) {
            Some(name) => HttpAction::DelHeader { name },
            None => return Err(Failure::Rule("expects at least 1 argument".into())),
        },
        "redirect" => {
            check_redirect(args).map_err(Failure::Rule)?;
            HttpAction::Redirect {
                args: args.to_vec(),
                target: lf(ctx, request, args.get(1).map_or("", String::as_str))?,
            }
        }
        "set-method" | "set-path" | "set-pathq" | "set-query" | "set-uri" => {
            let part = match action {
                "set-method" => TargetPart::Method,
                "set-path" => TargetPart::Path,
                "set-pathq" => TargetPart::Pathq,
                "set-query" => TargetPart::Query,
                _ => TargetPart::Uri,
            };
            let Some(fmt) = args.first() else {
                return Err(Failure::Rule("expects exactly 1 argument <format>".into()));
            };
            if let Some(w) = args.get(1) {
                return Err(Failure::Trailing(w.clone()));
            }
            HttpAction::SetTarget {
                part,
                value: lf(ctx, request, fmt)?,
            }
        }
        a if a.starts_with("set-var") || a.starts_with("unset-var") => super::vars::parse_action(
            a,
            args,
            place::http_rule(request, ctx.has_fe(), ctx.has_be()),
        )
        .map_err(|e| match e {
            super::vars::Error::Rule(m) => Failure::Rule(m),
            super::vars::Error::Trailing(w) => Failure::Trailing(w),
        })?,
        "auth" => {
            let realm = match (args.first().map(String::as_str), args.get(1)) {
                (Some("realm"), Some(r)) => Some(r.clone()),
                (None, _) => None,
                (Some(w), _) => return Err(Failure::Trailing(w.to_string())),
            };
            HttpAction::Auth { realm }
        }
        "set-status" => {
            let code = match arg(0) {
                Some(c) => c,
                None => {
                    return Err(Failure::Rule(
                        "expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>"
                            .into(),
                    ))
                }
            };
            if !(100..=999).contains(&crate::config::units::atoi_int(&code)) {
                return Err(Failure::Rule(
                    "expects an integer status code between 100 and 999".into(),
                ));
            }
            match args.get(1).map(String::as_str) {
                None => {}
                Some("reason") if args.len() == 3 => {}
                Some("reason") if args.len() == 2 => {
                    return Err(Failure::Trailing("reason".into()))
                }
                Some("reason") => {
                    return Err(Failure::Trailing(args.get(3).cloned().unwrap_or_default()))
                }
                Some(w) => return Err(Failure::Trailing(w.to_string())),
            }
            HttpAction::SetStatus {
                code: u16::try_from(crate::config::units::atoi_int(&code)).unwrap_or(500),
                reason: args.get(2).cloned(),
            }
        }
        "set-timeout" => {
            let need_be = matches!(args.first().map(String::as_str), Some("server" | "tunnel"));
            let need_fe = args.first().map(String::as_str) == Some("client");
            if (need_be && !ctx.has_be()) || (need_fe && !ctx.has_fe()) {
                let cap = if need_be { "backend" } else { "frontend" };
                return Err(Failure::Rule(format!(
                    "proxy '{}' has no {cap} capability",
                    ctx.proxy.name
                )));
            }
            HttpAction::Other {
                name: action.to_string(),
                args: args.to_vec(),
            }
        }
        a if a.starts_with("sc-set-gpt0(")
            && args
                .first()
                .is_some_and(|v| v.parse::<i64>().is_err() && v != "if" && v != "unless") =>
        {
            return Err(Failure::Rule(format!(
                "'{a}' with a sample expression is not supported by haproxy-rs (an integer is)"
            )));
        }
        a if a.starts_with("track-sc") => {
            let request = line.keyword() == "http-request";
            match super::stick::http_track(a, args, request, &ctx.proxy.name) {
                Ok(t) => HttpAction::TrackSc(t),
                Err(super::stick::HttpTrackError::Rule(m)) => return Err(Failure::Rule(m)),
                Err(super::stick::HttpTrackError::Trailing(w)) => return Err(Failure::Trailing(w)),
            }
        }
        _ => HttpAction::Other {
            name: action.to_string(),
            args: args.to_vec(),
        },
    })
}

/// `deny [deny_status|status N] [content-type T] [string|file|errorfile|errorfiles|lf-string|lf-file X]
/// [hdr N V]*` and `return ...` with the same reply arguments.
fn parse_reply(
    ctx: &mut ProxyCtx<'_>,
    line: &Line,
    action: &str,
    args: &[String],
) -> Result<HttpAction, Failure> {
    let deny = action == "deny";
    let request = line.keyword() == "http-request";
    // `http-response deny` answers 502 (`parse_http_deny()`).
    let mut status = match (deny, request) {
        (true, true) => 403,
        (true, false) => 502,
        (false, _) => 200,
    };
    let mut content_type: Option<String> = None;
    let mut body = ReturnBody::Empty;
    let mut headers = Vec::new();
    let mut has_payload = false;
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let v = args.get(i + 1);
        match w.as_str() {
            "status" | "deny_status" if w == "status" || deny => {
                status = status_arg(v)?;
            }
            "content-type" => match v {
                Some(t) => content_type = Some(t.clone()),
                None => return Err(Failure::Rule("'content-type' expects a value".into())),
            },
            "string" | "lf-string" => {
                let Some(t) = v else {
                    return Err(Failure::Rule(format!("'{w}' expects <fmt> as argument")));
                };
                has_payload = !t.is_empty();
                body = if w == "string" {
                    ReturnBody::Bytes(t.clone().into_bytes())
                } else {
                    ReturnBody::LogFormat(lf(ctx, request, t)?)
                };
            }
            "file" | "lf-file" | "errorfile" => {
                let Some(path) = v else {
                    return Err(Failure::Rule(format!("'{w}' expects <file> as argument")));
                };
                let data = std::fs::read(path)
                    .map_err(|_| Failure::Rule(format!("error opening file '{path}'")))?;
                if w == "errorfile" {
                    body = ReturnBody::RawResponse(data);
                } else {
                    has_payload = !data.is_empty();
                    body = if w == "file" {
                        ReturnBody::Bytes(data)
                    } else {
                        ReturnBody::LogFormat(lf(ctx, request, &String::from_utf8_lossy(&data))?)
                    };
                }
            }
            "errorfiles" => match v {
                Some(name) => body = ReturnBody::Errorfiles(name.clone()),
                None => {
                    return Err(Failure::Rule(format!("'{w}' expects <name> as argument")));
                }
            },
            "hdr" => match (v, args.get(i + 2)) {
                (Some(n), Some(val)) => {
                    headers.push((n.clone(), lf(ctx, request, val)?));
                    i += 1;
                }
                _ => {
                    return Err(Failure::Rule(
                        "'hdr' expects <name> and <value> as arguments".into(),
                    ))
                }
            },
            "default-errorfiles" => {
                i += 1;
                continue;
            }
            other => return Err(Failure::Trailing(other.to_string())),
        }
        i += 2;
    }
    // A reply without payload is an error page: its status needs one (`http_parse_http_reply`).
    let page = matches!(body, ReturnBody::Empty | ReturnBody::Errorfiles(_));
    if deny && page && !ERROR_CODES.contains(&status) {
        return Err(Failure::Rule(format!(
            "status code '{status}' not handled by default with 'default-errorfiles' argument."
        )));
    }
    if has_payload && (status == 204 || status == 304) {
        return Err(Failure::Rule(format!(
            "No body expected for {status} responses"
        )));
    }
    if has_payload && content_type.is_none() {
        return Err(Failure::Rule(
            "a content type must be defined when non-empty payload is configured".into(),
        ));
    }
    if let (Some(t), false, false) = (
        &content_type,
        has_payload,
        matches!(body, ReturnBody::RawResponse(_) | ReturnBody::Errorfiles(_)),
    ) {
        let msg = format!("content-type '{t}' ignored by the http reply because neither errorfile nor payload defined.");
        ctx.warning(line, msg);
        content_type = None;
    }
    if deny {
        let plain = content_type.is_none() && body == ReturnBody::Empty && headers.is_empty();
        let reply = (!plain).then_some(Reply {
            content_type,
            body,
            headers,
        });
        return Ok(HttpAction::Deny { status, reply });
    }
    Ok(HttpAction::Return {
        status,
        content_type,
        body,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::diag::Diags;
    use crate::config::model::{HttpAction, ReturnBody};
    use crate::config::{load_texts, Loaded};

    fn load(body: &str) -> Result<Loaded, Diags> {
        let text = format!("defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nlisten l\n bind :8080\n{body}");
        load_texts(&[("h.cfg", &text)], &|_| None)
    }

    #[test]
    fn return_keeps_status_type_body_and_headers() {
        let l = load(" http-request return status 503 content-type text/plain string down hdr X-A b if TRUE\n").unwrap();
        let p = l.config.frontend("l").unwrap();
        assert_eq!(
            p.http_request[0].action,
            HttpAction::Return {
                status: 503,
                content_type: Some("text/plain".into()),
                body: ReturnBody::Bytes(b"down".to_vec()),
                headers: vec![(
                    "X-A".into(),
                    super::super::sample::logformat::parse_log_format("b").unwrap()
                )],
            }
        );
        assert!(p.http_request[0].cond.is_some());
    }

    #[test]
    fn deny_status_and_header_actions_parse() {
        let l = load(" acl a path /x\n http-request deny deny_status 429 if a\n http-request set-header X-A 1\n http-response del-header Server\n").unwrap();
        let p = l.config.frontend("l").unwrap();
        assert_eq!(
            p.http_request[0].action,
            HttpAction::Deny {
                status: 429,
                reply: None
            }
        );
        assert_eq!(
            p.http_request[1].action,
            HttpAction::SetHeader {
                name: "X-A".into(),
                value: super::super::sample::logformat::parse_log_format("1").unwrap()
            }
        );
        assert_eq!(
            p.http_response[0].action,
            HttpAction::DelHeader {
                name: "Server".into()
            }
        );
    }

    #[test]
    fn rule_errors_are_worded_like_haproxy_and_stop_parsing() {
        let d = load(" http-request deny deny_status 999\n mode foo\n").unwrap_err();
        assert_eq!(
            d.list[0].msg,
            "error detected in proxy 'l' while parsing 'http-request deny' rule : Unexpected status code '999'."
        );
        assert!(!d.list.iter().any(|x| x.msg.contains("mode")));
        let d = load(" http-request allow if nosuch\n").unwrap_err();
        assert_eq!(
            d.list[0].msg,
            "error detected while parsing an 'http-request allow' condition : no such ACL : 'nosuch'."
        );
    }

    #[test]
    fn a_rule_after_a_final_one_warns() {
        let l = load(" http-request deny\n http-request allow\n").unwrap();
        assert!(l
            .diags
            .list
            .iter()
            .any(|d| d.msg.contains("previous 'http-request' action is final")));
    }
}
