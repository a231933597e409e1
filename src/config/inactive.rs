//! What a loaded configuration asks for that this build does not do yet: one sentence per
//! keyword, section or feature, printed as a WARNING when the process starts (never by
//! `-c`, whose output stays HAProxy's), so that no configuration silently does less than it
//! says. Features being built (logging, the stats page and runtime API) are named once;
//! other keywords with the line they are on.
//!
//! Keep this list in step with the README's feature table: a keyword that starts acting
//! leaves this file in the same commit.

use super::kw::server::OPTIONS as SERVER_OPTIONS;
use super::model::{Config, HttpAction, HttpRule, Proxy};

/// `http-request`/`http-response` actions kept as `HttpAction::Other` that the proxy runs.
const ACTIVE_OTHER_ACTIONS: &[&str] = &["reject", "silent-drop", "tarpit"];

/// `tune.*` keywords the HTTP/1 layer uses (`Global::tune`).
const ACTIVE_TUNES: &[&str] = &["tune.bufsize", "tune.maxrewrite", "tune.http.maxhdr"];

/// `sc-*` actions the stick tables run (with their `(N)` suffix).
const ACTIVE_SC_ACTIONS: &[&str] = &["sc-inc-gpc0(", "sc-inc-gpc1(", "sc-set-gpt0("];

/// Server options that are not active yet but need no warning: TLS settings of servers
/// with `ssl` (refused at start) and check settings of checks that warn themselves.
const QUIET_SERVER_OPTIONS: &[&str] = &[
    "ca-file",
    "crl-file",
    "crt",
    "ciphers",
    "ciphersuites",
    "ssl-min-ver",
    "ssl-max-ver",
    "no-sslv3",
    "no-tlsv10",
    "no-tlsv11",
    "no-tlsv12",
    "no-tlsv13",
    "force-sslv3",
    "force-tlsv10",
    "force-tlsv11",
    "force-tlsv12",
    "force-tlsv13",
    "no-verifyhost",
    "verifyhost",
    "ssl-reuse",
    "no-ssl-reuse",
    "tls-tickets",
    "no-tls-tickets",
    "check-sni",
    "check-alpn",
    "check-proto",
    "agent-port",
    "agent-inter",
    "agent-addr",
    "agent-send",
    "no-agent-check",
    "enabled",
];

/// Every sentence, in configuration order.
pub fn not_active(c: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let logs = !c.global.logs.is_empty()
        || c.proxies
            .iter()
            .any(|p| !p.logs.is_empty() || p.options.httplog || p.options.tcplog || p.log_global);
    if logs {
        out.push(
            "logging is not active yet: 'log' lines and 'option httplog/tcplog' send nothing."
                .into(),
        );
    }
    if !c.global.stats_sockets.is_empty() {
        out.push(
            "'stats socket' (the runtime API) is not active yet: nothing listens there.".into(),
        );
    }
    if c.global.chroot.is_some() {
        out.push("'chroot' is not active yet: the process is not confined.".into());
    }
    for (kw, _) in &c.global.kept {
        out.push(format!("global '{kw}' is not active yet."));
    }
    for (kw, _) in c
        .global
        .tunes
        .iter()
        .filter(|(k, _)| !ACTIVE_TUNES.contains(&k.as_str()))
    {
        out.push(format!("global '{kw}' is not active yet."));
    }
    for p in c.proxies.iter().filter(|p| !p.disabled) {
        if let Some(peers) = p.stick.table.as_ref().and_then(|t| t.peers.as_ref()) {
            out.push(format!(
                "stick-table of '{}' : 'peers {peers}' is not active yet; entries stay local to this process.",
                p.name
            ));
        }
    }
    for s in &c.other_sections {
        if s.kind != "http-errors" {
            out.push(format!(
                "'{} {}' section is not active yet.",
                s.kind, s.name
            ));
        }
    }
    for p in c.proxies.iter().filter(|p| !p.disabled) {
        proxy(p, &mut out);
    }
    out
}

fn proxy(p: &Proxy, out: &mut Vec<String>) {
    let who = format!("{} '{}'", p.kind.keyword(), p.name);
    if p.stats.enabled {
        out.push(format!(
            "{who} : the stats page ('stats ...') is not active yet."
        ));
    }
    for r in &p.other {
        let kw = r.words.first().map_or("", String::as_str);
        out.push(format!("parsing [{}] : '{kw}' is not active yet.", r.loc));
    }
    for f in p.options.flags.iter().filter(|f| {
        !matches!(
            f.as_str(),
            "prefer-last-server"
                | "httpslog"
                | "httplog-clf"
                | "dontlognull"
                | "log-separate-errors"
        )
    }) {
        out.push(format!("{who} : 'option {f}' is not active yet."));
    }
    for r in p.http_request.iter().chain(&p.http_response) {
        if let Some(name) = inactive_action(r) {
            out.push(format!(
                "parsing [{}] : action '{name}' is not active yet.",
                r.loc
            ));
        }
    }
    for r in &p.tcp_request {
        let stage = r.words.get(1).map_or("", String::as_str);
        let action = r.words.get(2).map_or("", String::as_str);
        let active = match stage {
            "inspect-delay" => p.cap.frontend,
            "connection" | "session" | "content" => {
                p.cap.frontend
                    && (matches!(action, "accept" | "reject" | "silent-drop")
                        || action.starts_with("track-sc"))
            }
            _ => false,
        };
        if !active {
            out.push(format!(
                "parsing [{}] : 'tcp-request {stage} {action}' is not active yet.",
                r.loc
            ));
        }
    }
    for b in &p.binds {
        for o in options(&b.other, &[]) {
            out.push(format!(
                "parsing [{}] : bind option '{o}' is not active yet.",
                b.loc
            ));
        }
    }
    for s in &p.servers {
        for o in options(&s.params.other, SERVER_OPTIONS) {
            if !QUIET_SERVER_OPTIONS.contains(&o) {
                out.push(format!(
                    "parsing [{}] : server option '{o}' is not active yet.",
                    s.loc
                ));
            }
        }
    }
}

/// The name of a kept rule action the proxy does not run.
fn inactive_action(r: &HttpRule) -> Option<&str> {
    let HttpAction::Other { name, .. } = &r.action else {
        return None;
    };
    let active = ACTIVE_OTHER_ACTIONS.contains(&name.as_str())
        || ACTIVE_SC_ACTIONS.iter().any(|p| name.starts_with(p));
    (!active).then_some(name.as_str())
}

/// The option names of a verbatim option list (`name [value]`), told apart from values by
/// the option table (unknown words are taken as names).
fn options<'a>(words: &'a [String], table: &[(&str, usize)]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let nargs = table
            .iter()
            .find(|(n, _)| *n == w.as_str())
            .map_or(0, |(_, n)| *n);
        out.push(w.as_str());
        i += 1 + nargs;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Config {
        crate::config::load_texts(&[("t.cfg", text)], &|_| None)
            .unwrap()
            .config
    }

    #[test]
    fn features_still_being_built_are_named() {
        let c = load("resolvers dns\n nameserver n1 127.0.0.1:53\nglobal\n log 127.0.0.1 local0\n stats socket /tmp/x.sock\n chroot /tmp\ndefaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend fe\n bind :80\n stats uri /s\n compression algo gzip\n http-request set-log-level err\n http-request set-path /x\n default_backend be\nbackend be\n server s1 127.0.0.1:80 resolvers dns weight 2\n");
        let all = not_active(&c).join("\n");
        for want in [
            "logging is not active yet",
            "'stats socket' (the runtime API) is not active yet",
            "'chroot' is not active yet",
            "frontend 'fe' : the stats page",
            "parsing [t.cfg:16] : action 'set-log-level' is not active yet.",
            "'resolvers dns' section is not active yet.",
            "server option 'resolvers' is not active yet.",
        ] {
            assert!(all.contains(want), "missing {want:?} in:\n{all}");
        }
        assert!(!all.contains("set-path"), "{all}");
        assert!(!all.contains("'weight'"), "{all}");
    }

    #[test]
    fn an_active_configuration_gets_no_sentence() {
        let c = load("defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend fe\n bind :80\n http-request deny if { path /x }\n default_backend be\nbackend be\n balance roundrobin\n cookie SRV insert indirect nocache\n option httpchk GET /\n server s1 127.0.0.1:80 check cookie a maxconn 10\n");
        assert_eq!(not_active(&c), Vec::<String>::new());
    }

    #[test]
    fn the_buffer_tunables_act_and_the_other_tunes_still_warn() {
        let c = load("global\n tune.bufsize 4090\n tune.maxrewrite 3000\n tune.http.maxhdr 50\n tune.maxaccept 10\ndefaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend fe\n bind :80\n default_backend be\nbackend be\n server s1 127.0.0.1:80\n");
        assert_eq!(c.global.tune.bufsize, 4096);
        assert_eq!(c.global.tune.maxrewrite(), 2048);
        assert_eq!(c.global.tune.http_maxhdr, 50);
        assert_eq!(
            not_active(&c),
            vec!["global 'tune.maxaccept' is not active yet.".to_string()]
        );
    }

    #[test]
    fn the_splice_options_get_no_sentence_since_splicing_is_automatic() {
        let c = load("defaults\n mode tcp\n option splice-auto\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nlisten l\n bind :80\n option splice-request\n option splice-response\n server s1 127.0.0.1:80\n");
        assert_eq!(not_active(&c), Vec::<String>::new());
    }

    #[test]
    fn option_values_are_not_taken_for_options() {
        let words: Vec<String> = ["resolvers", "dns", "init-addr", "none", "tfo"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            options(&words, SERVER_OPTIONS),
            ["resolvers", "init-addr", "tfo"]
        );
    }
}
