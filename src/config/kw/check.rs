//! Health-check keywords (configuration.txt 4.2): `http-check connect|send|expect|comment|
//! disable-on-404|send-state`, `tcp-check connect|send|send-binary|expect|comment`, and the
//! `option httpchk [METHOD] [URI] [VERSION]` / `option tcp-check` handlers that `option.rs`
//! calls. Lines become typed [`CheckRule`]s in the proxy's own rulesets, with HAProxy 2.6's
//! bookkeeping (tcpcheck.c): which ruleset is in use, how an `option httpchk` request merges
//! with `http-check send`, the order checks of `http-check` rules, and its messages.
//! `expect` is parsed in `check_expect.rs`; what happens after the section (implicit rules,
//! warnings, server ports) is in `check_rules.rs`.
//!
//! Forms haproxy-rs does not run are parsed as HAProxy does, then marked
//! ([`CheckRule::unsupported`]): log-format strings (`uri-lf`, `body-lf`, `send-lf`, `%` in
//! header values), sample expressions (`connect port EXPR`), TLS, SOCKS4 and non-HTTP/1 muxes
//! in `connect`, and `set-var`/`unset-var` rules. `check_rules.rs` turns the mark into an
//! ALERT naming the keyword and line as soon as a server of the backend runs checks with
//! the rule (no silent no-op), and leaves configurations where it has no effect alone.

use std::net::SocketAddr;

use super::{Keyword, Parse, ProxyCtx, BE};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::{
    ActiveRules, CheckProto, CheckRule, ConnectRule, HttpRequest, RuleAction, SendRule,
};

/// `http-check` and `tcp-check`.
pub static KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "http-check",
        sections: BE,
        parse: Parse::Proxy(http_check),
    },
    Keyword {
        name: "tcp-check",
        sections: BE,
        parse: Parse::Proxy(tcp_check),
    },
];

/// What HAProxy appends to messages about features it has and we refuse.
pub const NOT_SUPPORTED: &str = "is not supported by haproxy-rs";

/// A parsed rule line: its action, its `comment`, and why it cannot run, if so.
pub(crate) struct ParsedRule {
    /// What it does.
    pub action: RuleAction,
    /// `comment TEXT`.
    pub comment: Option<String>,
    /// The part haproxy-rs does not run, e.g. "'uri-lf' (log-format strings)".
    pub unsupported: Option<String>,
}

impl ParsedRule {
    fn new(action: RuleAction, comment: Option<String>) -> Self {
        ParsedRule {
            action,
            comment,
            unsupported: None,
        }
    }
}

/// A parsed rule, or HAProxy's error.
pub(crate) type Parsed = Result<ParsedRule, String>;

/// Records the first unsupported part of a rule.
pub(crate) fn refuse(slot: &mut Option<String>, what: impl Into<String>) {
    if slot.is_none() {
        *slot = Some(what.into());
    }
}

/// Which keyword a rule line belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `http-check`.
    Http,
    /// `tcp-check`.
    Tcp,
}

fn is_action_kw(sub: &str) -> bool {
    ["set-var(", "set-var-fmt(", "unset-var("]
        .iter()
        .any(|p| sub.starts_with(p))
}

fn http_check(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let sub = line.word(1).unwrap_or("");
    if sub == "disable-on-404" || sub == "send-state" {
        if let Some(extra) = line.word(2) {
            let msg = format!("'http-check' cannot handle unexpected argument '{extra}'.");
            ctx.alert(line, msg);
            return;
        }
        let c = &mut ctx.proxy.checks;
        if sub == "disable-on-404" {
            c.disable_on_404 = true;
        } else {
            c.send_state = true;
        }
        return;
    }
    let own = &ctx.proxy.checks.http.rules;
    let index = match own.last() {
        Some(last) if is_option_send(last) => 0,
        Some(last) => last.index.saturating_add(1),
        None => 0,
    };
    let parsed = match sub {
        "connect" => parse_connect(line, own, Family::Http),
        "send" => parse_send_http(line),
        "expect" => super::check_expect::parse_expect(line, Family::Http),
        "comment" => parse_comment(line),
        s if is_action_kw(s) => Ok(action_rule()),
        _ => {
            let msg = format!("'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '{sub}'");
            ctx.alert(line, msg);
            return;
        }
    };
    let rule = match parsed {
        Ok(p) => rule_of(line, index, p),
        Err(e) => {
            ctx.alert(line, format!("'http-check {sub}' : {e}."));
            return;
        }
    };
    let c = &mut ctx.proxy.checks;
    if c.proto == CheckProto::Http {
        c.active = ActiveRules::Http;
        c.http.unused = false;
        if let Err(e) = add_http_rule(&mut c.http.rules, rule) {
            c.active = ActiveRules::None;
            ctx.alert(line, format!("'http-check {sub}' : {e}."));
        }
    } else {
        c.http.unused = true;
        c.http.rules.push(rule);
    }
}

fn tcp_check(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let sub = line.word(1).unwrap_or("");
    let own = &ctx.proxy.checks.tcp.rules;
    let index = own.last().map_or(0, |r| r.index.saturating_add(1));
    let parsed = match sub {
        "connect" => parse_connect(line, own, Family::Tcp),
        "send" | "send-binary" | "send-lf" | "send-binary-lf" => parse_send(line),
        "expect" => super::check_expect::parse_expect(line, Family::Tcp),
        "comment" => parse_comment(line),
        s if is_action_kw(s) => Ok(action_rule()),
        _ => {
            let msg = format!("'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '{sub}'");
            ctx.alert(line, msg);
            return;
        }
    };
    let rule = match parsed {
        Ok(p) => rule_of(line, index, p),
        Err(e) => {
            ctx.alert(line, format!("'tcp-check {sub}' : {e}."));
            return;
        }
    };
    let c = &mut ctx.proxy.checks;
    c.tcp.rules.push(rule);
    if c.proto == CheckProto::Tcp {
        c.active = ActiveRules::Tcp;
        c.tcp.unused = false;
    } else {
        c.tcp.unused = true;
    }
}

fn action_rule() -> ParsedRule {
    ParsedRule {
        action: RuleAction::Action,
        comment: None,
        unsupported: Some("variables in health checks".into()),
    }
}

/// The rule of a parsed line, with the ALERT it gets if it must run.
fn rule_of(line: &Line, index: u32, p: ParsedRule) -> CheckRule {
    let kw = format!("{} {}", line.keyword(), line.word(1).unwrap_or(""));
    CheckRule {
        loc: line.loc.clone(),
        index,
        comment: p.comment,
        action: p.action,
        unsupported: p
            .unsupported
            .map(|u| format!("'{kw}' : {u} {NOT_SUPPORTED}.")),
    }
}

/// True for rules HAProxy skips when it looks for the first or last step.
pub(crate) fn is_meta(a: &RuleAction) -> bool {
    matches!(a, RuleAction::Comment | RuleAction::Action)
}

/// True for the request an `option httpchk` line implies (not yet merged with `http-check
/// send`).
fn is_option_send(r: &CheckRule) -> bool {
    matches!(&r.action, RuleAction::SendHttp(h) if h.from_option)
}

/// A word of a rule line, `None` when missing or empty (HAProxy tests `!*args[i]`).
fn arg(line: &Line, i: usize) -> Option<&str> {
    line.word(i).filter(|w| !w.is_empty())
}

fn parse_comment(line: &Line) -> Parsed {
    match arg(line, 2) {
        Some(c) => Ok(ParsedRule::new(RuleAction::Comment, Some(c.to_string()))),
        None => Err("expects a string as argument".into()),
    }
}

/// `connect [default] [port N] [addr A] [send-proxy] [linger] [comment C] ...`.
fn parse_connect(line: &Line, rules: &[CheckRule], family: Family) -> Parsed {
    for r in rules {
        match &r.action {
            RuleAction::Connect(_) => break,
            RuleAction::Comment | RuleAction::Action => continue,
            _ if is_option_send(r) => continue,
            _ => return Err("first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset".into()),
        }
    }
    let mut c = ConnectRule::default();
    let mut comment = None;
    let mut unsupported = None;
    let mut i = 2;
    while let Some(w) = arg(line, i) {
        let value = arg(line, i + 1);
        match w {
            "default" => c.default = true,
            "send-proxy" => c.send_proxy = true,
            "linger" => c.linger = true,
            "addr" => {
                let v = value.ok_or("'addr' expects <ipv4|ipv6> as argument.")?;
                c.addr = Some(parse_addr(v)?);
                i += 1;
            }
            "port" => {
                let v = value.ok_or("'port' expects a port number or a sample expression as argument.")?;
                c.port = parse_port(v, &mut unsupported)?;
                i += 1;
            }
            "proto" => {
                let v = value.ok_or("'proto' expects a MUX protocol as argument.")?;
                check_mux(v, family, &mut unsupported)?;
                i += 1;
            }
            "comment" => {
                let v = value.ok_or("'comment' expects a string as argument.")?;
                comment = Some(v.to_string());
                i += 1;
            }
            "sni" | "alpn" => {
                value.ok_or_else(|| format!("'{w}' expects a string as argument."))?;
                refuse(&mut unsupported, format!("'{w}' (TLS health checks)"));
                i += 1;
            }
            "ssl" => refuse(&mut unsupported, "'ssl' (TLS health checks)"),
            "via-socks4" => refuse(&mut unsupported, "'via-socks4'"),
            _ => return Err(format!("expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got '{w}' as argument.")),
        }
        i += 1;
    }
    Ok(ParsedRule {
        action: RuleAction::Connect(c),
        comment,
        unsupported,
    })
}

/// `addr A[:PORT]`: an address, resolved now, with an optional port.
fn parse_addr(v: &str) -> Result<SocketAddr, String> {
    let (host, port) = super::server::split_host_port(v);
    match super::bind::resolve_host(host, super::bind::Family::Any) {
        Some(ip) if !host.is_empty() => Ok(SocketAddr::new(ip, port)),
        _ => Err(format!("'addr' : invalid address: '{host}' in '{v}'\n.")),
    }
}

/// `port N`: digits; HAProxy reads anything else as a sample expression, which we refuse.
fn parse_port(v: &str, unsupported: &mut Option<String>) -> Result<Option<u16>, String> {
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        refuse(unsupported, format!("'port {v}' (sample expressions)"));
        return Ok(None);
    }
    match v.parse::<u32>() {
        Ok(p @ 1..=65535) => Ok(u16::try_from(p).ok()),
        _ => Err(format!(
            "expects a valid TCP port (from range 1 to 65535) or a sample expression, got {v}."
        )),
    }
}

/// `proto NAME`: HAProxy's multiplexers; only the ones that change nothing are accepted.
fn check_mux(v: &str, family: Family, unsupported: &mut Option<String>) -> Result<(), String> {
    let http = match v {
        "h1" | "h2" | "fcgi" => true,
        "none" => false,
        _ => return Err(format!("'proto' : unknown MUX protocol '{v}'.")),
    };
    match (family, http) {
        (Family::Tcp, true) => Err(format!(
            "'proto' : invalid MUX protocol '{v}' for tcp-check"
        )),
        (Family::Http, false) => Err(format!(
            "'proto' : invalid MUX protocol '{v}' for http-check"
        )),
        _ => {
            if v == "h2" || v == "fcgi" {
                refuse(unsupported, format!("'proto {v}'"));
            }
            Ok(())
        }
    }
}

/// `tcp-check send STRING|send-binary HEX [comment C]`.
fn parse_send(line: &Line) -> Parsed {
    let kind = line.word(1).unwrap_or("");
    let Some(data) = arg(line, 2) else {
        let what = if kind == "send-binary" {
            "binary string"
        } else {
            "string"
        };
        return Err(format!("'{what}' expects a {kind} as argument"));
    };
    let mut comment = None;
    let mut i = 3;
    while let Some(w) = arg(line, i) {
        if w != "comment" {
            return Err(format!("expects 'comment' but got '{w}' as argument."));
        }
        let c = arg(line, i + 1).ok_or("'comment' expects a string as argument.")?;
        comment = Some(c.to_string());
        i += 2;
    }
    let mut unsupported = None;
    let send = match kind {
        "send-binary" => match parse_binary(data) {
            Ok(b) => SendRule::Binary(b),
            Err(e) => return Err(format!("'{data}' invalid binary string ({e}).\n")),
        },
        "send" => SendRule::String(data.as_bytes().to_vec()),
        _ => {
            refuse(&mut unsupported, format!("'{kind}' (log-format strings)"));
            SendRule::String(data.as_bytes().to_vec())
        }
    };
    Ok(ParsedRule {
        action: RuleAction::Send(send),
        comment,
        unsupported,
    })
}

/// HAProxy's `parse_binary()`: an even number of hex digits.
pub(crate) fn parse_binary(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("an even number of hex digit is expected".into());
    }
    let digit = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!(
                "an hex digit is expected (found '{}')",
                char::from(c)
            )),
        }
    };
    text.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [h, l] => Ok((digit(*h)? << 4) | digit(*l)?),
            _ => Err("an even number of hex digit is expected".into()),
        })
        .collect()
}

/// A log-format string that is a plain text: `%%` stands for `%`. Any other `%` starts an
/// expression, which we do not evaluate: the text is kept as written and the refusal noted.
pub(crate) fn literal_format(text: &str, what: &str, unsupported: &mut Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 1..).unwrap_or("");
        if !after.starts_with('%') {
            refuse(
                unsupported,
                format!(
                    "'{text}' (log-format expressions in {what}; write '%%' for a literal '%')"
                ),
            );
            return text.to_string();
        }
        out.push('%');
        rest = after.get(1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// `http-check send [meth M] [uri U] [ver V] [hdr N V]* [body B] [comment C]`.
fn parse_send_http(line: &Line) -> Parsed {
    let mut req = HttpRequest::default();
    let mut comment = None;
    let mut unsupported = None;
    let (mut uri_lf, mut body_lf) = (false, false);
    let mut i = 2;
    while let Some(w) = arg(line, i) {
        let value = arg(line, i + 1);
        match w {
            "meth" | "uri" | "uri-lf" | "ver" | "body" | "body-lf" | "comment" => {
                let v = value
                    .ok_or_else(|| format!("'{w}' expects a string as argument."))?
                    .to_string();
                match w {
                    "meth" => req.method = Some(v),
                    "uri" | "uri-lf" => {
                        uri_lf = w == "uri-lf";
                        req.uri = Some(v);
                    }
                    "ver" => req.version = Some(v),
                    "body" | "body-lf" => {
                        body_lf = w == "body-lf";
                        req.body = Some(v);
                    }
                    _ => comment = Some(v),
                }
                i += 2;
            }
            "hdr" => {
                let (Some(name), Some(v)) = (value, arg(line, i + 2)) else {
                    return Err("'hdr' expects <name> and <value> as arguments".into());
                };
                if name.eq_ignore_ascii_case("host") {
                    if let Some((_, prev)) = req
                        .headers
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
                    {
                        return Err(format!(
                            "'{name}' header already defined (previous value is '{prev}')"
                        ));
                    }
                }
                let skipped = name.eq_ignore_ascii_case("content-length")
                    || name.eq_ignore_ascii_case("transfer-encoding");
                if !skipped {
                    let v = literal_format(v, "header values", &mut unsupported);
                    req.headers.push((name.to_string(), v));
                }
                i += 3;
            }
            _ => return Err(format!("expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '{w}' as argument.")),
        }
    }
    if uri_lf {
        refuse(&mut unsupported, "'uri-lf' (log-format strings)");
    }
    if body_lf {
        refuse(&mut unsupported, "'body-lf' (log-format strings)");
    }
    Ok(ParsedRule {
        action: RuleAction::SendHttp(req),
        comment,
        unsupported,
    })
}

/// The first rule that is not a comment or an action, from position `from`.
fn first_rule(rules: &[CheckRule], from: usize) -> Option<usize> {
    (from..rules.len()).find(|&i| rules.get(i).is_some_and(|r| !is_meta(&r.action)))
}

/// HAProxy's `tcpcheck_overwrite_send_http_rule()`: the parts `new` sets replace those of
/// `old`, the header list as a whole when `new` has headers (2.6.12 carries the fix
/// "http-check: Preserve headers if not redefined by an implicit rule").
fn overwrite(old: &mut HttpRequest, new: HttpRequest) {
    if new.method.is_some() {
        old.method = new.method;
    }
    if new.uri.is_some() {
        old.uri = new.uri;
    }
    if new.version.is_some() {
        old.version = new.version;
    }
    if !new.headers.is_empty() {
        old.headers = new.headers;
    }
    if new.body.is_some() {
        old.body = new.body;
    }
}

/// HAProxy's `tcpcheck_add_http_rule()` for an explicit `http-check` rule: the order checks,
/// then a `send` merges into the request of an earlier `option httpchk`.
fn add_http_rule(rules: &mut Vec<CheckRule>, mut rule: CheckRule) -> Result<(), String> {
    let step = rule.index.saturating_add(1);
    let last = rules.iter().rev().find(|r| !is_meta(&r.action));
    if let Some(last) = last.filter(|r| !is_option_send(r)) {
        let (l, n) = (&last.action, &rule.action);
        let send = matches!(n, RuleAction::SendHttp(_));
        if !matches!(l, RuleAction::Connect(_)) && send {
            return Err(format!(
                "unable to add http-check send rule at step {step} (missing connect rule)."
            ));
        }
        let expect = matches!(n, RuleAction::Expect(_));
        if !matches!(l, RuleAction::SendHttp(_) | RuleAction::Expect(_)) && expect {
            return Err(format!(
                "unable to add http-check expect rule at step {step} (missing send rule)."
            ));
        }
        if !matches!(l, RuleAction::Expect(_)) && matches!(n, RuleAction::Connect(_)) {
            return Err(format!(
                "unable to add http-check connect rule at step {step} (missing expect rule)."
            ));
        }
    }
    if let RuleAction::SendHttp(new) = &mut rule.action {
        let first = first_rule(rules, 0);
        if let Some(i) = first.filter(|&i| rules.get(i).is_some_and(is_option_send)) {
            let mut merged = rules.remove(i);
            if let RuleAction::SendHttp(old) = &mut merged.action {
                overwrite(old, std::mem::take(new));
                old.from_option = false;
            }
            merged.comment = rule.comment.take().or(merged.comment);
            merged.unsupported = rule.unsupported.take().or(merged.unsupported);
            rules.push(merged);
            return Ok(());
        }
    }
    rules.push(rule);
    Ok(())
}

/// `option httpchk [METHOD] [URI] [VERSION]` (the capability warning is `option.rs`'s).
/// A version may hide headers and a body after `\r\n`, as in HAProxy before 2.2.
pub fn option_httpchk(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if let Some(extra) = line.word(5) {
        let msg = format!("'option httpchk' cannot handle unexpected argument '{extra}'.");
        ctx.alert(line, msg);
        return;
    }
    let words: Vec<&str> = (2..5).filter_map(|i| arg(line, i)).collect();
    let mut req = HttpRequest {
        from_option: true,
        ..HttpRequest::default()
    };
    match words.as_slice() {
        [] => {}
        [uri] => req.uri = Some((*uri).to_string()),
        [meth, uri, rest @ ..] => {
            req.method = Some((*meth).to_string());
            req.uri = Some((*uri).to_string());
            if let Some(ver) = rest.first() {
                match split_version(ver) {
                    Ok((v, headers, body, hidden)) => {
                        if hidden {
                            let msg = format!("parsing [{}]: 'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.", line.loc);
                            ctx.diags.global(Level::Warning, msg);
                        }
                        req.version = Some(v);
                        req.headers = headers;
                        req.body = body;
                    }
                    Err(e) => {
                        ctx.alert(line, format!("'option httpchk' : {e}."));
                        return;
                    }
                }
            }
        }
    }
    let c = &mut ctx.proxy.checks;
    c.proto = CheckProto::Http;
    c.unsupported = None;
    c.active = ActiveRules::Http;
    c.http.unused = false;
    c.tcp.unused = false;
    let rules = &mut c.http.rules;
    let rule = CheckRule {
        loc: line.loc.clone(),
        index: 0,
        comment: None,
        action: RuleAction::SendHttp(req),
        unsupported: None,
    };
    let mut first = first_rule(rules, 0);
    if let Some(i) = first.filter(|&i| {
        matches!(
            rules.get(i).map(|r| &r.action),
            Some(RuleAction::Connect(_))
        )
    }) {
        first = first_rule(rules, i + 1);
    }
    let Some(i) = first else {
        rules.insert(0, rule);
        return;
    };
    match rules.get_mut(i) {
        Some(r) if is_option_send(r) => {
            rules.remove(i);
            rules.insert(0, rule);
        }
        Some(CheckRule {
            action: RuleAction::SendHttp(old),
            ..
        }) => {
            if let RuleAction::SendHttp(new) = rule.action {
                overwrite(old, new);
            }
        }
        _ => rules.insert(0, rule),
    }
}

/// Splits `HTTP/1.1\r\nHost: x\r\n\r\nbody` into the version, its headers and body, and
/// whether anything was hidden there.
type SplitVersion = (String, Vec<(String, String)>, Option<String>, bool);
fn split_version(ver: &str) -> Result<SplitVersion, String> {
    let hdrs = ver.find("\r\n");
    let body = ver.find("\r\n\r\n");
    let hdrs = if hdrs == body { None } else { hdrs };
    let end = hdrs.or(body).unwrap_or(ver.len());
    let version = ver.get(..end).unwrap_or(ver).to_string();
    let body_text = body.and_then(|b| ver.get(b + 4..)).map(str::to_string);
    let mut headers = Vec::new();
    if let Some(h) = hdrs {
        let block = ver.get(h + 2..body.unwrap_or(ver.len())).unwrap_or("");
        for l in block.split("\r\n").filter(|l| !l.is_empty()) {
            let Some((n, v)) = l.split_once(':').filter(|(n, _)| is_token(n)) else {
                return Err(format!("unable to parse the request '{block}\r\n\r\n'"));
            };
            headers.push((n.to_string(), v.trim_matches([' ', '\t']).to_string()));
        }
    }
    Ok((
        version,
        headers,
        body_text,
        hdrs.is_some() || body.is_some(),
    ))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `option ssl-hello-chk`, `smtpchk`, ... once their arguments passed HAProxy's checks: the
/// check is not implemented; the configuration is refused if a server runs it.
pub fn option_protocol(ctx: &mut ProxyCtx<'_>, line: &Line, name: &str) {
    let c = &mut ctx.proxy.checks;
    c.proto = CheckProto::Protocol;
    c.active = ActiveRules::None;
    c.http.unused = false;
    c.tcp.unused = false;
    let msg = format!("'option {name}' {NOT_SUPPORTED}; use 'option tcp-check' with 'tcp-check send/expect' rules, or 'option httpchk'.");
    c.unsupported = Some((line.loc.clone(), msg));
}

/// `option tcp-check` (the capability warning is `option.rs`'s).
pub fn option_tcp_check(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if let Some(extra) = line.word(2) {
        let msg = format!("'option tcp-check' cannot handle unexpected argument '{extra}'.");
        ctx.alert(line, msg);
        return;
    }
    let c = &mut ctx.proxy.checks;
    if c.proto == CheckProto::Tcp && c.active != ActiveRules::None {
        // A tcp-check ruleset is already in use: HAProxy keeps it.
        return;
    }
    c.proto = CheckProto::Tcp;
    c.unsupported = None;
    c.active = ActiveRules::Tcp;
    c.http.unused = false;
    c.tcp.unused = false;
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
