//! What HAProxy 2.6 does to a proxy's health-check rules once the configuration is read
//! (cfgparse.c `check_config_validity()`, tcpcheck.c `check_proxy_tcpcheck()`, check.c
//! `init_srv_check()`): the "rules are ignored" and "will be ignored" warnings, the servers
//! that have no port to check, and the final [`CheckSpec`] (implicit first `connect`,
//! implicit `expect status 200-399` after a trailing HTTP `send`, comments folded into the
//! rules that follow them, `expect` chain heads), and the ALERTs for check forms haproxy-rs
//! does not run when a server of the backend would run them. Called from
//! `config/validate.rs`; part of the config room, imports no other room.

use super::check::is_meta;
use crate::config::diag::{Diags, Level};
use crate::config::model::{
    CheckProto, CheckRule, CheckSpec, ConnectRule, ExpectPattern, ExpectRule, Proxy, RuleAction,
    ServerAddr,
};
use crate::config::validate::type_word;

/// Warnings printed before the `default_backend` checks: unused `http-check` rules, and
/// `disable-on-404` / `send-state` without `option httpchk` (then turned off).
pub fn warn_early(p: &mut Proxy, diags: &mut Diags) {
    let (kind, name) = (type_word(p), p.name.clone());
    if p.checks.http.unused {
        let msg = format!("{kind} '{name}' uses http-check rules without 'option httpchk', so the rules are ignored.");
        diags.global(Level::Warning, msg);
    }
    if matches!(p.checks.proto, CheckProto::Tcp | CheckProto::Protocol) {
        for (set, what) in [
            (p.checks.disable_on_404, "disable-on-404"),
            (p.checks.send_state, "send-state"),
        ] {
            if set {
                let msg = format!(
                    "'{what}' will be ignored for {kind} '{name}' (requires 'option httpchk')."
                );
                diags.global(Level::Warning, msg);
            }
        }
        p.checks.disable_on_404 = false;
        p.checks.send_state = false;
    }
}

/// The warning printed after the "missing timeouts" one: unused `tcp-check` rules.
pub fn warn_late(p: &Proxy, diags: &mut Diags) {
    if p.checks.tcp.unused {
        let msg = format!(
            "{} '{}' uses tcp-check rules without 'option tcp-check', so the rules are ignored.",
            type_word(p),
            p.name
        );
        diags.global(Level::Warning, msg);
    }
}

fn first_rule(rules: &[CheckRule]) -> Option<&CheckRule> {
    rules.iter().find(|r| !is_meta(&r.action))
}

fn connect_port(c: &ConnectRule) -> bool {
    c.port.is_some() || c.addr.is_some_and(|a| a.port() != 0)
}

/// HAProxy's `init_srv_check()` test: a checked server needs a port (its own, `port`, the
/// port of `addr`) or `connect` rules that all give one. Returns the alert, if any.
pub fn server_port_alert(p: &Proxy, server: &crate::config::model::Server) -> Option<String> {
    let params = &server.params;
    if !params.check || !p.cap.backend {
        return None;
    }
    let service = match &server.addr {
        ServerAddr::Inet(a) => a.port(),
        ServerAddr::Host(_, port) => *port,
        // Unix sockets need no port.
        ServerAddr::Unix(_) => return None,
    };
    let addr_port = params.check_addr.map_or(0, |a| a.port());
    if params.check_port.is_some_and(|c| c != 0) || addr_port != 0 || service != 0 {
        return None;
    }
    let who = format!(
        "config: {} '{}': server '{}' has neither service port nor check port",
        type_word(p),
        p.name,
        server.name
    );
    let rules = p.checks.active_rules();
    let Some(first) = first_rule(rules) else {
        return Some(format!("{who}."));
    };
    match &first.action {
        RuleAction::Connect(c) if connect_port(c) => {}
        _ => {
            return Some(format!(
                "{who} nor tcp_check rule 'connect' with port information."
            ))
        }
    }
    let bad = rules
        .iter()
        .any(|r| matches!(&r.action, RuleAction::Connect(c) if !connect_port(c)));
    bad.then(|| format!("{who}, and a tcp_check rule 'connect' with no port information."))
}

/// The kind of action, as HAProxy compares `chk->action` (both sends are one kind).
fn kind(a: &RuleAction) -> u8 {
    match a {
        RuleAction::Connect(_) => 0,
        RuleAction::Send(_) | RuleAction::SendHttp(_) => 1,
        RuleAction::Expect(_) => 2,
        RuleAction::Comment => 3,
        RuleAction::Action => 4,
    }
}

/// Builds [`crate::config::model::ProxyChecks::spec`]: the rules each checked server of
/// this proxy runs. When a server has `check` and the check uses a form haproxy-rs does not
/// run, the configuration is refused here, with the option or rule line.
pub fn finalize(p: &mut Proxy, diags: &mut Diags) {
    let c = &p.checks;
    if !p.cap.backend {
        p.checks.spec = CheckSpec::default();
        return;
    }
    let checked = p.servers.iter().any(|s| s.params.check);
    if let (true, Some((loc, msg))) = (checked, &c.unsupported) {
        diags.alert(loc, "option", msg.clone());
    }
    let http = c.proto == CheckProto::Http;
    let mut rules: Vec<CheckRule> = match c.proto {
        CheckProto::Plain | CheckProto::Protocol => Vec::new(),
        _ => c.active_rules().to_vec(),
    };
    if checked {
        for r in rules.iter() {
            if let Some(msg) = &r.unsupported {
                let kw = if http { "http-check" } else { "tcp-check" };
                diags.alert(&r.loc, kw, msg.clone());
            }
        }
    }
    if http {
        move_option_send(&mut rules);
        add_implicit_expect(&mut rules, p);
    }
    if !matches!(
        first_rule(&rules).map(|r| &r.action),
        Some(RuleAction::Connect(_))
    ) {
        let connect = ConnectRule {
            default: true,
            implicit: true,
            ..ConnectRule::default()
        };
        rules.insert(
            0,
            CheckRule {
                loc: p.loc.clone(),
                index: 0,
                comment: None,
                action: RuleAction::Connect(connect),
                unsupported: None,
            },
        );
    }
    let mut rules = fold_comments(rules);
    set_heads(&mut rules);
    p.checks.spec = CheckSpec {
        proto: p.checks.proto,
        rules,
        disable_on_404: http && p.checks.disable_on_404,
        send_state: http && p.checks.send_state,
    };
}

/// The request of `option httpchk`, when first and followed by a `connect`, goes after it.
fn move_option_send(rules: &mut Vec<CheckRule>) {
    let non_comment: Vec<usize> = (0..rules.len())
        .filter(|&i| rules.get(i).is_some_and(|r| !is_meta(&r.action)))
        .collect();
    let (Some(&a), Some(&b)) = (non_comment.first(), non_comment.get(1)) else {
        return;
    };
    let first_is_option_send = matches!(
        rules.get(a).map(|r| &r.action),
        Some(RuleAction::SendHttp(h)) if h.from_option
    );
    let Some(RuleAction::Connect(_)) = rules.get(b).map(|r| &r.action) else {
        return;
    };
    if !first_is_option_send {
        return;
    }
    let next_index = rules.get(b).map_or(0, |r| r.index.saturating_add(1));
    let mut send = rules.remove(a);
    send.index = next_index;
    // `b` moved one place up with the removal.
    rules.insert(b, send);
}

/// An HTTP ruleset ending with a `send` gets `expect status 200-399`.
fn add_implicit_expect(rules: &mut Vec<CheckRule>, p: &Proxy) {
    let last = rules.iter().rev().find(|r| !is_meta(&r.action));
    let Some(last) = last.filter(|r| kind(&r.action) == 1) else {
        return;
    };
    let index = last.index.saturating_add(1);
    rules.push(CheckRule {
        loc: p.loc.clone(),
        index,
        comment: None,
        action: RuleAction::Expect(ExpectRule {
            inverse: false,
            pattern: ExpectPattern::Status(vec![(200, 399)]),
            min_recv: None,
            ok_status: None,
            error_status: None,
            tout_status: None,
            on_success: None,
            on_error: None,
            head: 0,
        }),
        unsupported: None,
    });
}

/// HAProxy removes `comment` rules and gives their text to the rules that follow, up to the
/// next change of action kind (a `connect` takes it and stops it).
fn fold_comments(rules: Vec<CheckRule>) -> Vec<CheckRule> {
    let mut out = Vec::with_capacity(rules.len());
    let mut comment: Option<String> = None;
    let mut prev = kind(&RuleAction::Comment);
    for mut r in rules {
        let k = kind(&r.action);
        if k != prev && prev != kind(&RuleAction::Comment) {
            comment = None;
        }
        prev = k;
        match &r.action {
            RuleAction::Comment => comment = r.comment.take(),
            RuleAction::Connect(_) => {
                if r.comment.is_none() {
                    r.comment = comment.take();
                }
                comment = None;
                out.push(r);
            }
            RuleAction::Action => {
                comment = None;
                out.push(r);
            }
            _ => {
                if r.comment.is_none() {
                    r.comment.clone_from(&comment);
                }
                out.push(r);
            }
        }
    }
    out
}

/// Each `expect` resumes, when it needs more data, at the first inverted `expect` of the
/// chain of `expect` rules it ends (or itself).
fn set_heads(rules: &mut [CheckRule]) {
    for i in 0..rules.len() {
        let mut head = i;
        for j in (0..i).rev() {
            match rules.get(j).map(|r| &r.action) {
                Some(RuleAction::Expect(e)) => {
                    if e.inverse {
                        head = j;
                    }
                }
                Some(RuleAction::Action) => {}
                _ => break,
            }
        }
        if let Some(RuleAction::Expect(e)) = rules.get_mut(i).map(|r| &mut r.action) {
            e.head = head;
        }
    }
}
