//! Proxy keywords kept verbatim in `Proxy::other` without effect yet (`stick-table`,
//! `filter`, `retry-on`, `declare`, `monitor`, `redirect`, `source`, `dispatch`,
//! `server-template`, ...), with the checks `haproxy -c` makes on them (configuration.txt
//! 4.2), and the argument checks of `errorfiles` and `http-error`, which `kw/errorfile.rs`
//! then turns into error rules. Their table entries are in `kw/proxy.rs`. Imports nothing
//! outside `config`.

use super::proxy::raw;
use super::ProxyCtx;
use crate::config::lexer::Line;

/// What HAProxy says when a kept keyword has no argument: (keyword, printed with the
/// `parsing [f:l]: ` form, message).
const MISSING_ARG: &[(&str, bool, &str)] = &[
    ("capture", false, "'capture' expects 'cookie' or 'request header' or 'response header'."),
    ("stick-table", false, "stick-table: missing size."),
    ("stick", false, "'stick' expects 'on', 'match', or 'store'."),
    ("source", false, "'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>."),
    ("http-after-response", true, "'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got '' (missing argument)."),
    ("unique-id-format", false, "unique-id-format expects an argument."),
    ("unique-id-header", false, "unique-id-header expects an argument."),
    ("log-format-sd", false, "log-format-sd expects an argument."),
    ("error-log-format", false, "error-log-format expects an argument."),
    ("log-tag", false, "'log-tag' expects a tag for use in syslog."),
    ("backlog", false, "'backlog' expects an integer argument."),
    ("force-persist", false, "'force-persist' requires either 'if' or 'unless' followed by a condition."),
    ("ignore-persist", false, "'ignore-persist' requires either 'if' or 'unless' followed by a condition."),
    ("use-server", false, "'use-server' expects a server name."),
    ("server-template", false, "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments."),
    ("monitor", false, "'monitor' only supports 'fail'."),
    ("declare", false, "'declare' needs a second keyword that specify the type of declaration ('capture')"),
    ("email-alert", false, "missing argument after 'email-alert'."),
    ("errorloc", false, "errorloc : expects <status_code> and <url> as arguments."),
    ("errorloc302", false, "errorloc302 : expects <status_code> and <url> as arguments."),
    ("errorloc303", false, "errorloc303 : expects <status_code> and <url> as arguments."),
    ("errorfiles", false, "errorfiles : expects <name> as argument."),
    ("http-error", false, "http-error : expects at least a <status> as arguments.\n"),
    ("external-check", false, "missing argument after 'external-check'."),
    ("http-send-name-header", false, "'http-send-name-header' requires a header string."),
    ("load-server-state-from-file", false, "'load-server-state-from-file' expects 'global', 'local' or 'none'. Got ''"),
    ("dispatch", false, "'dispatch' : '' resolves to an empty address (environment variable missing?)\n"),
    ("max-session-srv-conns", false, "'max-session-srv-conns' expects a number. Got no argument"),
    ("retry-on", false, "'retry-on' needs at least one keyword to specify when to retry"),
    ("use-fcgi-app", false, "'use-fcgi-app' expects <name> as argument"),
];

/// Checks a kept keyword the way HAProxy 2.6 reads it, then keeps the line.
pub fn keep(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let kw = line.keyword();
    match kw {
        "stick-table" if line.word(1).is_some() => {
            if let Err(msg) = stick_table_size(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "bind-process" => {
            let msg = format!("parsing [{}]: 'bind-process' has no effect, is deprecated, and will be removed in version 2.7.", line.loc);
            ctx.diags.global(crate::config::diag::Level::Warning, msg);
            return;
        }
        "grace" => {
            let msg = format!("parsing [{}]: the 'grace' keyword is not supported any more since HAProxy version 2.5.", line.loc);
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
            return;
        }
        "tcp-response" | "filter" if line.word(1).is_none() => {
            let ptype = super::http_rules::proxy_word(ctx);
            let msg = if kw == "filter" {
                format!(
                    "parsing [{}] : missing argument for 'filter' in {ptype} '{}'.",
                    line.loc, ctx.proxy.name
                )
            } else {
                format!(
                    "missing argument for 'tcp-response' in {ptype} '{}'",
                    ctx.proxy.name
                )
            };
            ctx.alert(line, msg);
            return;
        }
        "filter" => {
            if let Err(msg) = filter(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "http-error" if line.word(1).is_some() => {
            if let Err(msg) = http_error(line) {
                ctx.alert(line, format!("http-error : {msg}"));
                return;
            }
            return super::errorfile::http_error(ctx, line);
        }
        "errorfiles" if line.word(1).is_some() => return super::errorfile::errorfiles(ctx, line),
        "http-after-response" if line.word(1).is_some() => {
            const ACTIONS: &[&str] = &[
                "ot-group",
                "add-header",
                "allow",
                "capture",
                "del-header",
                "replace-header",
                "replace-value",
                "set-header",
                "set-status",
                "strict-mode",
                "set-var-fmt(*)",
                "set-var(*)",
                "unset-var(*)",
            ];
            let action = line.word(1).unwrap_or("");
            let known = ACTIONS.iter().any(|a| match a.strip_suffix("(*)") {
                Some(p) => action.starts_with(&format!("{p}(")),
                None => *a == action,
            });
            if !known {
                let all = ACTIONS
                    .iter()
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let plain = ACTIONS.iter().copied().filter(|a| !a.ends_with("(*)"));
                let hint = super::best_match(action, plain)
                    .map(|m| format!(" Did you mean '{m}' maybe ?"))
                    .unwrap_or_default();
                let msg = format!(
                    "parsing [{}]: 'http-after-response' expects {all}, but got '{action}'.{hint}",
                    line.loc
                );
                ctx.diags.global(crate::config::diag::Level::Alert, msg);
                ctx.abort = true;
                return;
            }
        }
        "retry-on" if line.word(1).is_some() => {
            if let Err(msg) = retry_on(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "load-server-state-from-file" if line.word(1).is_some() => {
            let v = line.word(1).unwrap_or("");
            if !matches!(v, "global" | "local" | "none") {
                let msg = format!(
                    "'load-server-state-from-file' expects 'global', 'local' or 'none'. Got '{v}'"
                );
                ctx.alert(line, msg);
                return;
            }
        }
        "external-check" if line.word(1).is_some() => {
            let sub = line.word(1).unwrap_or("");
            let msg = match sub {
                "command" | "path" if line.word(2).is_none_or(str::is_empty) => {
                    Some(format!("missing argument after '{sub}'."))
                }
                "command" | "path" => None,
                _ => Some(format!(
                    "'external-check' only supports 'command' and 'path'. but got '{sub}'."
                )),
            };
            if let Some(msg) = msg {
                ctx.alert(line, msg);
                return;
            }
        }
        "max-session-srv-conns" if line.word(1).is_none() => {
            // HAProxy 2.6 misspells its own prefix here.
            let msg = format!(
                "parsine [{}] : 'max-session-srv-conns' expects a number. Got no argument",
                line.loc
            );
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
            return;
        }
        "server-template" if line.word(1).is_none() => {
            ctx.alert_bare(
                line,
                "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.",
            );
            return;
        }
        "http-after-response" if line.word(1).is_none() => {
            let msg = format!("parsing [{}]: 'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got '' (missing argument).", line.loc);
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
            ctx.abort = true;
            return;
        }
        "redirect" => {
            let mut res = super::http_rules::check_redirect(line.words.get(1..).unwrap_or(&[]));
            let at = line.words.iter().position(|w| w == "if" || w == "unless");
            if let (Ok(()), Some(at)) = (&res, at) {
                if let Err(msg) = super::acl::parse_cond(ctx, line, at) {
                    res = Err(format!("error in condition: {msg}"));
                }
            }
            if let Err(msg) = res {
                let msg = format!(
                    "error detected in {} '{}' while parsing redirect rule : {msg}.",
                    super::http_rules::proxy_word(ctx),
                    ctx.proxy.name
                );
                ctx.alert(line, msg);
                return;
            }
        }
        "monitor" if line.word(1).is_some() => {
            if line.word(1) != Some("fail") {
                ctx.alert(line, "'monitor' only supports 'fail'.");
                return;
            }
            if !matches!(line.word(2), Some("if" | "unless")) {
                let msg =
                    "'monitor fail' requires either 'if' or 'unless' followed by a condition.";
                ctx.alert(line, msg);
                return;
            }
            if let Err(msg) = super::acl::parse_cond(ctx, line, 2) {
                let msg =
                    format!("error detected while parsing a 'monitor fail' condition : {msg}.");
                ctx.alert(line, msg);
                return;
            }
        }
        "declare" if line.word(1).is_some() => {
            if let Err(msg) = declare(line) {
                ctx.alert(line, msg);
                return;
            }
        }
        "server-template" if line.word(1).is_some() => {
            if line.word(3).is_none() {
                ctx.alert_bare(
                    line,
                    "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.",
                );
                return;
            }
            let range = line.word(2).unwrap_or("");
            if !template_range_ok(range) {
                let msg = format!("Wrong server-template number or range arg '{range}'.");
                ctx.alert_bare(line, msg);
                return;
            }
        }
        "source" | "dispatch" if line.word(1).is_some() => {
            use super::addr::{check_addr, AddrOpts};
            let addr = line.word(1).unwrap_or("");
            let opts = AddrOpts {
                port_ok: true,
                port_mand: kw == "dispatch",
                ..AddrOpts::default()
            };
            let getenv = ctx.env;
            if let Err(msg) = check_addr(addr, &|v| getenv(v, line.loc.line), opts) {
                let what = if kw == "source" {
                    format!("source {addr}")
                } else {
                    kw.to_string()
                };
                ctx.alert(line, format!("'{what}' : {msg}"));
                return;
            }
        }
        "stick" => {
            if !matches!(
                line.word(1),
                None | Some("on" | "match" | "store-request" | "store-response")
            ) {
                ctx.alert(line, "'stick' expects 'on', 'match', or 'store'.");
                return;
            }
            let fetch = super::fetches::fetch_name(line.word(2).unwrap_or(""));
            if !fetch.is_empty() && !super::fetches::is_known(fetch) {
                ctx.alert(line, format!("'stick': unknown fetch method '{fetch}'"));
                return;
            }
            if let Some(at) = line.words.iter().position(|w| w == "if" || w == "unless") {
                if let Err(msg) = super::acl::parse_cond(ctx, line, at) {
                    ctx.alert(
                        line,
                        format!(
                            "'stick': error detected while parsing sticking condition : {msg}."
                        ),
                    );
                    return;
                }
            }
        }
        _ => {}
    }
    if line.word(1).is_none() {
        if let Some(&(_, bare, msg)) = MISSING_ARG.iter().find(|(k, _, _)| *k == kw) {
            if bare {
                let msg = format!("parsing [{}]: {msg}", line.loc);
                ctx.diags.global(crate::config::diag::Level::Alert, msg);
            } else {
                ctx.alert(line, msg);
            }
            return;
        }
    }
    ctx.proxy.other.push(raw(line));
}

/// `filter NAME [ARGS]`: the filters HAProxy 2.6 (Debian's build) registers, and the
/// arguments of the ones it checks while reading.
fn filter(line: &Line) -> Result<(), String> {
    let name = line.word(1).unwrap_or("");
    let arg = line.word(2);
    match name {
        "cache" | "fcgi-app" => match arg {
            None => Err(format!("'filter' : '{name} : expects a <name> argument'")),
            Some(_) => match line.word(3) {
                Some(extra) => Err(format!("'filter {name}' : unknown keyword '{extra}'.")),
                None => Ok(()),
            },
        },
        "spoe" if arg.is_none() => Err("'filter' : ''spoe' : missing config file'".into()),
        "compression" => match arg {
            Some(extra) => Err(format!("'filter compression' : unknown keyword '{extra}'.")),
            None => Ok(()),
        },
        "trace" => {
            let words = line.words.get(2..).unwrap_or(&[]);
            match words.iter().position(|w| w == "name") {
                Some(p) if words.get(p + 1).is_none() => {
                    Err("'filter' : ''trace' : 'name' option without value'".into())
                }
                _ => Ok(()),
            }
        }
        "spoe" | "opentracing" => Ok(()),
        _ => Err(format!("'filter' : unknown keyword '{name}'. Registered keywords :\n    [CACHE] cache\n    [COMP] compression\n    [FCGI] fcgi-app\n    [  OT] opentracing\n    [SPOE] spoe\n    [TRACE] trace")),
    }
}

/// `http-error status CODE [content-type T] [payload]`, as HAProxy 2.6 reads it.
fn http_error(line: &Line) -> Result<(), String> {
    if line.word(1) != Some("status") {
        return Err("expects at least a <status> as arguments.\n".into());
    }
    let code = match line.word(2).filter(|v| !v.is_empty()) {
        Some(v) => crate::config::units::atoi_int(v),
        None => return Err("'status' expects <status_code> as argument".into()),
    };
    let known = u16::try_from(code).is_ok_and(|c| super::http_rules::ERROR_CODES.contains(&c));
    if !known {
        return Err(format!("Unexpected status code '{code}'"));
    }
    let (mut ctype, mut payload) = (false, false);
    let mut i = 3;
    while let Some(w) = line.word(i) {
        let v = line.word(i + 1);
        match w {
            "content-type" => {
                if v.is_none() {
                    return Err("'content-type' expects <ctype> as argument".into());
                }
                ctype = true;
                i += 2;
            }
            "errorfile" | "file" | "lf-file" => {
                let f = v.unwrap_or("");
                if std::fs::metadata(f).is_err() {
                    return Err(format!("error opening file '{f}'."));
                }
                payload = true;
                i += 2;
            }
            "string" | "lf-string" => {
                payload = true;
                i += 2;
            }
            "hdr" => {
                let value = line.word(i + 2).filter(|x| !x.is_empty());
                if v.filter(|x| !x.is_empty()).is_none() || value.is_none() {
                    return Err("'hdr' expects <name> and <value> as arguments".into());
                }
                i += 3;
            }
            "errorfiles" => i += 2,
            "default-errorfiles" => i += 1,
            _ => break,
        }
    }
    if payload && !ctype {
        return Err("a content type must be defined when non-empty payload is configured".into());
    }
    match line.word(i) {
        Some(w) => Err(format!("unknown keyword '{w}'.")),
        None => Ok(()),
    }
}

/// `retry-on KEYWORD...`: the events HAProxy 2.6 knows, `none` alone.
fn retry_on(line: &Line) -> Result<(), String> {
    const KNOWN: &[&str] = &[
        "none",
        "conn-failure",
        "empty-response",
        "junk-response",
        "response-timeout",
        "0rtt-rejected",
        "all-retryable-errors",
        "401",
        "403",
        "404",
        "408",
        "425",
        "500",
        "501",
        "502",
        "503",
        "504",
    ];
    let words = line.words.get(1..).unwrap_or(&[]);
    if let Some(w) = words.iter().find(|w| !KNOWN.contains(&w.as_str())) {
        return Err(format!("'retry-on': unknown keyword '{w}'"));
    }
    if words.len() > 1 && words.iter().any(|w| w == "none") {
        return Err("'retry-on' 'none' keyworld only usable alone".into());
    }
    Ok(())
}

/// `declare capture request|response len N`.
fn declare(line: &Line) -> Result<(), String> {
    if line.word(1) != Some("capture") {
        let what = line.word(1).unwrap_or("");
        return Err(format!(
            "unknown declaration type '{what}' (supports 'capture')"
        ));
    }
    if !matches!(line.word(2), Some("request" | "response")) {
        return Err("'declare capture' requires a direction ('request' or 'response')".into());
    }
    if line.word(3) != Some("len") {
        return Err("'declare capture' requires a capture length ('len')".into());
    }
    let Some(v) = line.word(4).filter(|v| !v.is_empty()) else {
        return Err(
            "'declare capture': 'len' requires a numeric value that represents the capture length"
                .into(),
        );
    };
    match v.parse::<i64>() {
        // HAProxy 2.6 names the wrong word here.
        Err(_) => Err("'declare capture': cannot parse the length 'len'.".into()),
        Ok(n) if n <= 0 => Err("length must be > 0".into()),
        Ok(_) => Ok(()),
    }
}

/// HAProxy's `_srv_parse_tmpl_range()`: `N` (1 to N) or `LOW-HIGH`, read with `atoi()`.
fn template_range_ok(range: &str) -> bool {
    let atoi = crate::config::units::atoi_int;
    let (low, high) = match range.split_once('-') {
        Some((l, h)) => (atoi(l), atoi(h)),
        None => (1, atoi(range)),
    };
    low >= 0 && high >= low
}

/// The `size` checks of HAProxy 2.6's `parse_stick_table()` on a `stick-table` line kept
/// verbatim: a missing value, one `parse_size_err()` refuses (a bad unit, a sign, more than
/// 32 bits), and no size at all or 0 ("missing size", checked before "missing type"). Only
/// the size is checked here; the full `stick-table` parser (type, expire, store, peers...)
/// is being written in `kw/stick.rs`, where this belongs.
pub fn stick_table_size(line: &Line) -> Result<(), String> {
    let mut size = 0;
    let mut i = 1;
    while let Some(w) = line.word(i) {
        match w {
            "size" => match line.word(i + 1).filter(|v| !v.is_empty()) {
                None => return Err("stick-table: missing argument after 'size'.".into()),
                Some(v) => match crate::config::units::parse_size_err(v) {
                    Ok(n) => size = n,
                    Err(c) => {
                        return Err(format!(
                            "stick-table: unexpected character '{c}' in argument of 'size'."
                        ))
                    }
                },
            },
            // Keywords with one value, which must not be taken for a `size`.
            "type" | "len" | "peers" | "expire" | "store" | "srvkey" | "write-to" => {}
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if size == 0 {
        return Err("stick-table: missing size.".into());
    }
    Ok(())
}
