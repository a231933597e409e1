//! Second pass over the model (HAProxy's `check_config_validity`), proxy by proxy in
//! declaration order, with HAProxy's messages in its order: the "has no 'bind'
//! directive" warning, `default_backend` and `use_backend` targets (existence and
//! http/tcp mode compatibility), the 4-line "missing timeouts" warning, unique server
//! names. It also expands `log global` and assigns proxy ids. [`has_listeners`] serves
//! `-c`'s exit code 2.

use super::diag::{Diags, Level};
use super::model::{Balance, Config, ErrorRule, HttpAction, Mode, Proxy, ProxyKind, ReturnBody};

/// True if at least one enabled proxy with the frontend capability has a `bind` line.
/// Without one, `haproxy -c` says "Configuration file has no error but will not start
/// (no listener) => exit(2)."
/// A global `stats socket` counts as a listener too, as in HAProxy.
pub fn has_listeners(config: &Config) -> bool {
    !config.global.stats_sockets.is_empty()
        || config
            .proxies
            .iter()
            .any(|p| p.cap.frontend && !p.disabled && !p.binds.is_empty())
}

/// Runs every check, pushing HAProxy's messages into `diags` and completing the model.
/// Proxies are checked one by one in declaration order, each check in HAProxy's order.
pub fn validate(config: &mut Config, diags: &mut Diags) {
    super::kw::h1_case::load_file(&mut config.global, diags);
    // HAProxy resolves userlist names first and stops at a failure (`userlist_postinit`).
    if !super::kw::userlist::resolve(&config.userlists, diags) {
        return;
    }
    for i in 0..config.proxies.len() {
        let Some(p) = config.proxies.get(i) else {
            continue;
        };
        if p.disabled {
            continue;
        }
        let global_logs = !config.global.logs.is_empty();
        let mut p = p.clone();
        tcp_mode_fallbacks_early(&mut p, diags);
        if p.cap.frontend && p.binds.is_empty() {
            let msg = format!(
                "{} '{}' has no 'bind' directive. Please declare it as a backend if this was intended.",
                type_word(&p),
                p.name
            );
            diags.global(Level::Warning, msg);
        }
        super::kw::check_rules::warn_early(&mut p, diags);
        switching_targets(config, &p, diags);
        use_server_targets(&p, diags);
        super::kw::stick::check_proxy(config, &mut p, diags);
        let format_items = log_formats(&p, diags);
        missing_timeouts(&p, diags);
        super::kw::check_rules::warn_late(&p, diags);
        unique_servers(&p, diags);
        errorfiles_sections(config, &mut p, diags);
        reply_errorfiles(config, &mut p, diags);
        compression_filter(&p, diags);
        let has_format = match &p.log_format {
            Some(_) => format_items,
            None => p.options.httplog || p.options.tcplog,
        };
        let has_logs = !p.logs.is_empty() || (p.log_global && global_logs);
        if has_format && !has_logs && p.cap.frontend {
            let msg = format!(
                "log format ignored for {} '{}' since it has no log address.",
                type_word(&p),
                p.name
            );
            diags.global(Level::Warning, msg);
        }
        tcp_mode_fallbacks_late(&mut p, diags);
        if p.stats.enabled && p.stats.uri.is_none() {
            // HAProxy's default statistics URI prefix.
            p.stats.uri = Some("/haproxy?stats".into());
        }
        if let Some(slot) = config.proxies.get_mut(i) {
            *slot = p;
        }
    }
    super::kw::stick::enable_server_ids(config);
    check_ports(config, diags);
    for p in config.proxies.iter_mut().filter(|p| !p.disabled) {
        super::kw::check_rules::finalize(p, diags);
    }
    expand_log_global(config);
    assign_ids(config);
}

/// HAProxy's compilation of a proxy's `log-format` and `unique-id-format` strings (only
/// the unknown fetches and converters are judged): "Parsing [file:line]: failed to parse
/// log-format : ...". Returns whether the log-format holds any item (HAProxy keeps those
/// read before a failure), which decides the "log format ignored" warning.
fn log_formats(p: &Proxy, diags: &mut Diags) -> bool {
    let mut items = true;
    if let (Some(text), Some(loc)) = (&p.log_format, &p.log_format_loc) {
        if let Err((msg, at)) = crate::config::kw::fetches::check_log_format(text) {
            let msg = format!("Parsing [{loc}]: failed to parse log-format : {msg}.");
            diags.global(Level::Alert, msg);
            items = text
                .get(..at)
                .is_some_and(|before| !before.trim().is_empty());
        }
    }
    let last_unique_id = p
        .other
        .iter()
        .rev()
        .find(|r| r.words.first().map(String::as_str) == Some("unique-id-format"));
    if let Some(r) = last_unique_id {
        let text = r.words.get(1).map_or("", String::as_str);
        if let Err((msg, _)) = crate::config::kw::fetches::check_log_format(text) {
            let msg = format!("Parsing [{}]: failed to parse unique-id : {msg}.", r.loc);
            diags.global(Level::Alert, msg);
        }
    }
    items
}

/// What HAProxy's `apply_server_state()` says at startup about the global
/// `server-state-file` (joined to `server-state-base` unless absolute): a file it cannot
/// open, or whose first line is not a supported version (1), is a warning. The states
/// themselves are not applied here.
pub fn server_state_file(config: &Config, diags: &mut Diags) {
    let kept = |kw: &str| {
        config
            .global
            .kept
            .iter()
            .find(|(k, _)| k == kw)
            .and_then(|(_, args)| args.first().cloned())
    };
    let Some(file) = kept("server-state-file") else {
        return;
    };
    let path = match kept("server-state-base") {
        Some(base) if !file.starts_with('/') => {
            let sep = if base.ends_with('/') { "" } else { "/" };
            format!("{base}{sep}{file}")
        }
        _ => file,
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
                std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
                _ => e.to_string(),
            };
            let msg = format!("config: Can't open global server state file '{path}': {why}");
            diags.global(Level::Warning, msg);
            return;
        }
    };
    let first = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let complete = text.len() > first.len();
    if !(complete && first == b"1") {
        let msg = format!("config: Can't get version of the global server state file '{path}'.");
        diags.global(Level::Warning, msg);
    }
}

/// True if the `crt` paths give at least one file (a directory counts by its entries).
fn has_certificate(crts: &[std::path::PathBuf]) -> bool {
    crts.iter().any(|c| match std::fs::read_dir(c) {
        // HAProxy skips the companion files it loads beside certificates.
        Ok(entries) => entries.filter_map(Result::ok).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            ![".key", ".ocsp", ".issuer", ".sctl"]
                .iter()
                .any(|ext| name.ends_with(ext))
        }),
        Err(_) => c.is_file(),
    })
}

/// Servers with health checks need a port to probe (HAProxy checks this when it sets the
/// checks up, after the proxies were validated).
fn check_ports(config: &Config, diags: &mut Diags) {
    for p in config.proxies.iter().filter(|p| !p.disabled) {
        for b in p
            .binds
            .iter()
            .filter(|b| b.ssl && !has_certificate(&b.crts))
        {
            let msg = format!(
                "Proxy '{}': no SSL certificate specified for bind '{}' at [{}] (use 'crt').",
                p.name, b.text, b.loc
            );
            diags.global(Level::Alert, msg);
        }
    }
    for p in config.proxies.iter().filter(|p| !p.disabled) {
        for u in p.use_servers.iter().filter(|u| !u.server.contains("%[")) {
            if !p.servers.iter().any(|s| s.name == u.server) {
                let kind = if p.cap.frontend { "proxy" } else { "backend" };
                diags.global(
                    Level::Alert,
                    format!(
                        "{kind} '{}' : unable to find server '{}' referenced in a 'use-server' rule.",
                        p.name, u.server
                    ),
                );
            }
        }
        for s in &p.servers {
            if let Some(target) = &s.params.track {
                let (px, srv) = match target.split_once('/') {
                    Some((px, srv)) => (px, srv),
                    None => (p.name.as_str(), target.as_str()),
                };
                let who = format!("[{}] : 'server {}/{}'", s.loc, p.name, s.name);
                match config.backend(px) {
                    None => diags.global(
                        Level::Alert,
                        format!("{who} : unable to find required proxy '{px}' for tracking."),
                    ),
                    Some(tp) => match tp.servers.iter().find(|x| x.name == srv) {
                        None => diags.global(
                            Level::Alert,
                            format!(
                                "{who} : unable to find required server '{srv}' for tracking."
                            ),
                        ),
                        Some(t) if !t.params.check && t.params.track.is_none() => diags.global(
                            Level::Alert,
                            format!("{who} : unable to use {px}/{srv} for tracking as it does not have any check nor agent enabled."),
                        ),
                        Some(_) => {}
                    },
                }
            }
            let resolvers = s.params.other.iter().position(|o| o == "resolvers");
            if let Some(name) =
                resolvers.map(|i| s.params.other.get(i + 1).map_or("", String::as_str))
            {
                let known = config
                    .other_sections
                    .iter()
                    .any(|r| r.kind == "resolvers" && r.name == name);
                if !known {
                    let msg = format!(
                        "{} '{}', server '{}': unable to find required resolvers '{name}'",
                        type_word(p),
                        p.name,
                        s.name
                    );
                    diags.global(Level::Alert, msg);
                }
            }
            if let Some(msg) = super::kw::check_rules::server_port_alert(p, s) {
                diags.global(Level::Alert, msg);
            }
        }
    }
}

/// `use-server NAME` must name a server of the proxy.
fn use_server_targets(p: &Proxy, diags: &mut Diags) {
    for r in p
        .other
        .iter()
        .filter(|r| r.words.first().map(String::as_str) == Some("use-server"))
    {
        let Some(name) = r.words.get(1) else { continue };
        if !p.servers.iter().any(|s| &s.name == name) {
            let msg = format!(
                "{} '{}' : unable to find server '{name}' referenced in a 'use-server' rule.",
                type_word(p),
                p.name
            );
            diags.global(Level::Alert, msg);
        }
    }
}

/// `errorfile`, `errorfiles NAME [CODE...]` and `http-error` lines, applied in order (a
/// later line wins, as in HAProxy's `proxy_check_errors`): the pages in `Proxy::errorfiles`.
fn errorfiles_sections(config: &Config, p: &mut Proxy, diags: &mut Diags) {
    let rules = std::mem::take(&mut p.error_rules);
    for r in &rules {
        let (loc, name, codes) = match r {
            ErrorRule::File(e) => {
                p.errorfiles.retain(|x| x.status != e.status);
                p.errorfiles.push(e.clone());
                continue;
            }
            ErrorRule::Default(status) => {
                p.errorfiles.retain(|x| x.status != *status);
                continue;
            }
            ErrorRule::Section { loc, name, codes } => (loc, name, codes),
        };
        let Some((_, files)) = config.http_errors.iter().find(|(n, _)| n == name) else {
            let msg = format!(
                "proxy '{}': unknown http-errors section '{name}' (at {loc}).",
                p.name
            );
            diags.global(Level::Alert, msg);
            continue;
        };
        for e in files {
            if codes.is_empty() || codes.contains(&e.status) {
                p.errorfiles.retain(|x| x.status != e.status);
                p.errorfiles.push(e.clone());
            }
        }
        for c in codes {
            if !files.iter().any(|e| e.status == *c) {
                let msg = format!(
                    "config: proxy '{}' : status '{c}' not declared in http-errors section '{name}' (at {loc}).",
                    p.name
                );
                diags.global(Level::Warning, msg);
            }
        }
    }
    p.error_rules = rules;
}

/// `http-request|http-response deny|return ... errorfiles NAME`: the section's page for
/// the rule's status, or an empty reply with a warning when it has none (HAProxy 2.6).
fn reply_errorfiles(config: &Config, p: &mut Proxy, diags: &mut Diags) {
    let who = p.name.clone();
    for rule in p.http_request.iter_mut().chain(p.http_response.iter_mut()) {
        let (status, body) = match &mut rule.action {
            HttpAction::Return { status, body, .. } => (*status, body),
            HttpAction::Deny {
                status,
                reply: Some(r),
            } => (*status, &mut r.body),
            _ => continue,
        };
        let ReturnBody::Errorfiles(name) = body else {
            continue;
        };
        let Some((_, files)) = config.http_errors.iter().find(|(n, _)| n == name) else {
            let msg = format!(
                "Proxy '{who}': unknown http-errors section '{name}' referenced by an http reply ."
            );
            diags.global(Level::Alert, msg);
            continue;
        };
        *body = match files.iter().find(|e| e.status == status) {
            Some(e) => ReturnBody::RawResponse(e.content.clone()),
            None => {
                let msg = format!("Proxy '{who}': status '{status}' referenced by an http reply not declared in http-errors section '{name}'.");
                diags.global(Level::Warning, msg);
                ReturnBody::Bytes(Vec::new())
            }
        };
    }
}

/// HTTP-only settings in a TCP proxy, first part: `cookie`, layer 7 `balance`, `httplog`.
fn tcp_mode_fallbacks_early(p: &mut Proxy, diags: &mut Diags) {
    if p.mode == Mode::Http {
        return;
    }
    let who = format!("{} '{}'", type_word(p), p.name);
    if p.cap.backend && p.cookie.is_some() {
        diags.global(
            Level::Warning,
            format!("cookie will be ignored for {who} (needs 'mode http')."),
        );
        p.cookie = None;
    }
    let l7 = matches!(
        p.balance,
        Balance::Uri { .. } | Balance::UrlParam { .. } | Balance::Hdr { .. }
    );
    if p.cap.backend && l7 {
        let msg = format!(
            "Layer 7 hash not possible for {who} (needs 'mode http'). Falling back to round robin."
        );
        diags.global(Level::Warning, msg);
        p.balance = Balance::RoundRobin;
    }
    if p.cap.frontend && p.monitor_uri.is_some() {
        diags.global(
            Level::Warning,
            format!("monitor-uri will be ignored for {who} (needs 'mode http')."),
        );
        p.monitor_uri = None;
    }
    if p.options.httplog {
        let opt = if p.options.flags.iter().any(|f| f == "httpslog") {
            "httpslog"
        } else {
            "httplog"
        };
        let msg = format!("'option {opt}' not usable with {who} (needs 'mode http'). Falling back to 'option tcplog'.");
        match &p.options.log_option_loc {
            Some(loc) => diags.warning(loc, "option", msg),
            None => diags.global(Level::Warning, msg),
        }
        p.options.httplog = false;
        p.options.tcplog = true;
        p.options
            .flags
            .retain(|f| f != "httplog-clf" && f != "httpslog");
    }
}

/// HTTP-only settings in a TCP proxy, second part: `stats`, http rules, `forwardfor`,
/// `originalto`, server cookies. They are dropped from the model, as HAProxy ignores them.
fn tcp_mode_fallbacks_late(p: &mut Proxy, diags: &mut Diags) {
    if p.mode == Mode::Http {
        return;
    }
    let who = format!("{} '{}'", type_word(p), p.name);
    if p.stats.enabled {
        diags.global(
            Level::Warning,
            format!("'stats' statement ignored for {who} as it requires HTTP mode."),
        );
        p.stats.enabled = false;
    }
    for (rules, kw) in [
        (&mut p.http_request, "http-request"),
        (&mut p.http_response, "http-response"),
    ] {
        if !rules.is_empty() {
            diags.global(
                Level::Warning,
                format!("'{kw}' rules ignored for {who} as they require HTTP mode."),
            );
            rules.clear();
        }
    }
    if p.forwardfor.take().is_some() {
        diags.global(
            Level::Warning,
            format!("'option forwardfor' ignored for {who} as it requires HTTP mode."),
        );
    }
    if p.options.originalto.take().is_some() {
        diags.global(
            Level::Warning,
            format!("'option originalto' ignored for {who} as it requires HTTP mode."),
        );
    }
    for s in &mut p.servers {
        if s.params.cookie.take().is_some() {
            let msg = format!(
                "{who} : ignoring cookie for server '{}' as HTTP mode is disabled.",
                s.name
            );
            diags.global(Level::Warning, msg);
        }
    }
}

/// HAProxy 2.6's `check_implicit_http_comp_flt` (`src/flt_http_comp.c`): a proxy with
/// `compression` settings and other `filter` lines must declare `filter compression`
/// itself, after any `filter cache` (`fcgi-app` filters do not count).
fn compression_filter(p: &Proxy, diags: &mut Diags) {
    if p.compression.is_none() {
        return;
    }
    let (mut comp, mut explicit) = (false, false);
    let filters = p
        .other
        .iter()
        .filter(|r| r.words.first().is_some_and(|w| w == "filter"));
    for r in filters {
        match r.words.get(1).map_or("", String::as_str) {
            "compression" => comp = true,
            "cache" if comp => {
                let msg = format!(
                    "config: {} '{}': unable to enable the compression filter before any cache filter.",
                    type_word(p),
                    p.name
                );
                diags.global(Level::Alert, msg);
                return;
            }
            "cache" | "fcgi-app" => {}
            _ => explicit = true,
        }
    }
    if explicit && !comp {
        let msg = format!(
            "config: {} '{}': require an explicit filter declaration to use HTTP compression",
            type_word(p),
            p.name
        );
        diags.global(Level::Alert, msg);
    }
}

/// `frontend`, `backend`, or `proxy` for a `listen`, as HAProxy names proxies.
pub fn type_word(p: &Proxy) -> &'static str {
    match p.kind {
        ProxyKind::Frontend => "frontend",
        ProxyKind::Backend => "backend",
        ProxyKind::Listen => "proxy",
    }
}

fn mode_word(m: Mode) -> &'static str {
    match m {
        Mode::Tcp => "tcp",
        Mode::Http => "http",
    }
}

fn switching_targets(config: &Config, p: &Proxy, diags: &mut Diags) {
    if let Some(name) = &p.default_backend {
        match config.backend(name) {
            None => diags.global(
                Level::Alert,
                format!(
                    "Proxy '{}': unable to find required default_backend: '{name}'.",
                    p.name
                ),
            ),
            Some(b) => incompatible(p, b, "as its default backend", diags),
        }
    }
    for u in &p.use_backends {
        if u.backend.contains("%[") {
            continue;
        }
        match config.backend(&u.backend) {
            None => diags.global(
                Level::Alert,
                format!(
                    "Proxy '{}': unable to find required use_backend: '{}'.",
                    p.name, u.backend
                ),
            ),
            Some(b) => incompatible(p, b, "in a 'use_backend' rule", diags),
        }
    }
}

fn incompatible(fe: &Proxy, be: &Proxy, how: &str, diags: &mut Diags) {
    if fe.mode == Mode::Http && be.mode == Mode::Tcp {
        let msg = format!(
            "{} {} '{}' ({}) tries to use incompatible {} {} '{}' ({}) {how} (see 'mode').",
            mode_word(fe.mode),
            type_word(fe),
            fe.name,
            fe.loc,
            mode_word(be.mode),
            type_word(be),
            be.name,
            be.loc
        );
        diags.global(Level::Alert, msg);
    }
}

/// The warning text for a proxy that lacks timeouts.
pub fn missing_timeouts_msg(p: &Proxy) -> String {
    format!(
        "missing timeouts for {} '{}'.\nWhile not properly invalid, you will certainly encounter various problems\nwith such a configuration. To fix this, please ensure that all following\ntimeouts are set to a non-zero value: 'client', 'connect', 'server'.",
        type_word(p),
        p.name
    )
}

fn missing_timeouts(p: &Proxy, diags: &mut Diags) {
    let unset = |d: Option<std::time::Duration>| d.is_none_or(|d| d.is_zero());
    let t = &p.timeouts;
    let fe = p.cap.frontend && unset(t.client);
    let be = p.cap.backend
        && !p.servers.is_empty()
        && (unset(t.connect) || (unset(t.server) && (p.mode == Mode::Http || unset(t.tunnel))));
    if fe || be {
        diags.global(Level::Warning, missing_timeouts_msg(p));
    }
}

fn unique_servers(p: &Proxy, diags: &mut Diags) {
    for (i, s) in p.servers.iter().enumerate() {
        if let Some(prev) = p.servers.iter().take(i).find(|o| o.name == s.name) {
            let msg = format!(
                "{} '{}', another server named '{}' was already defined at line {}, please use distinct names.",
                type_word(p),
                p.name,
                s.name,
                prev.loc.line
            );
            diags.alert(&s.loc, "server", msg);
        }
    }
}

fn expand_log_global(config: &mut Config) {
    let global = config.global.logs.clone();
    for p in &mut config.proxies {
        if p.log_global {
            let own = std::mem::take(&mut p.logs);
            p.logs = global.iter().cloned().chain(own).collect();
        }
    }
}

/// Proxies without an `id` get the lowest free id, from 1, in declaration order.
fn assign_ids(config: &mut Config) {
    let mut used: Vec<u32> = config.proxies.iter().filter_map(|p| p.id).collect();
    let mut next = 1u32;
    for p in &mut config.proxies {
        if p.id.is_some() {
            continue;
        }
        while used.contains(&next) {
            next = next.saturating_add(1);
        }
        p.id = Some(next);
        used.push(next);
    }
}

#[cfg(test)]
mod tests {
    use crate::config::diag::Diags;
    use crate::config::{load_texts, Loaded};

    fn load(text: &str) -> Result<Loaded, Diags> {
        load_texts(&[("v.cfg", text)], &|_| None)
    }

    fn msgs(d: &Diags) -> Vec<String> {
        d.list.iter().map(|d| d.msg.clone()).collect()
    }

    #[test]
    fn missing_backends_are_reported_per_proxy() {
        let d = load("defaults\n timeout client 1s\nfrontend f\n bind :80\n default_backend x\n use_backend y if TRUE\n")
            .unwrap_err();
        assert_eq!(
            msgs(&d),
            [
                "Proxy 'f': unable to find required default_backend: 'x'.",
                "Proxy 'f': unable to find required use_backend: 'y'.",
                "Fatal errors found in configuration.",
            ]
        );
    }

    #[test]
    fn an_http_frontend_cannot_use_a_tcp_backend() {
        let d = load("defaults\n timeout client 1s\nfrontend f\n bind :80\n mode http\n default_backend b\nbackend b\n")
            .unwrap_err();
        assert_eq!(
            d.list[0].msg,
            "http frontend 'f' (v.cfg:3) tries to use incompatible tcp backend 'b' (v.cfg:7) as its default backend (see 'mode')."
        );
    }

    #[test]
    fn missing_timeouts_warn_with_the_four_line_text() {
        let l = load("backend b\n server s 127.0.0.1:80\n").unwrap();
        assert_eq!(
            l.diags.render(1),
            "[WARNING]  (1) : config : missing timeouts for backend 'b'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.\n"
        );
        // A backend without servers needs no timeouts.
        assert!(load("backend b\n").unwrap().diags.list.is_empty());
    }

    #[test]
    fn a_listen_without_bind_warns() {
        let l = load("defaults\n timeout client 1s\nlisten l\n").unwrap();
        assert_eq!(
            msgs(&l.diags),
            ["proxy 'l' has no 'bind' directive. Please declare it as a backend if this was intended."]
        );
    }

    #[test]
    fn duplicate_server_names_are_refused() {
        let d = load("backend b\n timeout connect 1s\n timeout server 1s\n server s 1.1.1.1:80\n server s 1.1.1.1:81\n")
            .unwrap_err();
        assert_eq!(
            d.render(1).lines().next().unwrap(),
            "[ALERT]    (1) : config : parsing [v.cfg:5] : backend 'b', another server named 's' was already defined at line 4, please use distinct names."
        );
    }

    #[test]
    fn ids_are_assigned_around_custom_ones() {
        let l = load("backend a\nbackend b\n id 1\nbackend c\n").unwrap();
        let ids: Vec<_> = l.config.proxies.iter().map(|p| p.id.unwrap()).collect();
        assert_eq!(ids, [2, 1, 3]);
    }

    #[test]
    fn log_global_takes_the_global_targets() {
        let l = load("global\n log 127.0.0.1:514 local0\nbackend b\n log global\n").unwrap();
        assert_eq!(l.config.backend("b").unwrap().logs.len(), 1);
    }
}
