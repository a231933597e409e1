//! The stick-table checks HAProxy 2.6 makes after reading every section
//! (`check_config_validity()`): tables named by `stick` rules and `track-sc*` actions must
//! exist, `peers` sections must exist, `tcp-request content track-sc*` gets its two
//! warnings, table arguments of counter fetches are resolved (`smp_resolve_args()`), and
//! the counter ACLs of a proxy are typed into [`ProxyStick::counter_acls`]. Tables used by
//! `stick` rules get `server_id` and `server_key` ([`enable_server_ids`]).
//! Imports only `config::model` and `config::diag`.

use crate::config::diag::{Diags, Level, Loc};
use crate::config::model::{
    AclRef, Cond, Config, CounterAcl, CounterFetch, CounterOf, DataType, HttpAction, Mode, Proxy,
    ProxyKind, ProxyStick, StickKey, StickKind, Store, TcpStage,
};

/// HAProxy's `proxy_type_str()`: `listen` sections are called "proxy".
fn type_word(p: &Proxy) -> &'static str {
    match p.kind {
        ProxyKind::Frontend => "frontend",
        ProxyKind::Backend => "backend",
        ProxyKind::Listen => "proxy",
    }
}

/// True if a proxy named `name` declares a stick table.
fn table_exists(config: &Config, name: &str) -> bool {
    config
        .proxies
        .iter()
        .any(|p| p.name == name && p.stick.table.is_some())
}

/// Runs the checks on `p` (a copy of the proxy being validated), in HAProxy's order.
pub fn check_proxy(config: &Config, p: &mut Proxy, diags: &mut Diags) {
    for r in p
        .stick
        .rules
        .iter()
        .filter(|r| r.kind != StickKind::StoreResponse)
    {
        if !table_exists(config, &r.table) {
            let msg = format!(
                "Proxy '{}': unable to find stick-table '{}'.",
                p.name, r.table
            );
            diags.global(Level::Alert, msg);
        }
    }
    for r in p
        .stick
        .rules
        .iter()
        .filter(|r| r.kind == StickKind::StoreResponse)
    {
        if !table_exists(config, &r.table) {
            let msg = format!(
                "Proxy '{}': unable to find store table '{}'.",
                p.name, r.table
            );
            diags.global(Level::Alert, msg);
        }
    }
    track_rules(config, p, diags);
    if let Some(peers) = p.stick.table.as_ref().and_then(|t| t.peers.as_deref()) {
        let known = config
            .other_sections
            .iter()
            .any(|s| s.kind == "peers" && s.name == peers);
        if !known {
            let msg = format!("Proxy '{}': unable to find sync peers '{peers}'.", p.name);
            diags.global(Level::Alert, msg);
        }
    }
    p.stick.counter_acls = counter_acls(config, p, diags);
}

/// `track-sc*` tables, in HAProxy's order of rule lists: `tcp-request connection`,
/// `session`, `content`, then `http-request`, `http-response`.
fn track_rules(config: &Config, p: &Proxy, diags: &mut Diags) {
    let missing = |table: &str, n: u8| {
        format!(
            "Proxy '{}': unable to find table '{table}' referenced by track-sc{n}.",
            p.name
        )
    };
    let inspect_delay = p
        .tcp_request
        .iter()
        .any(|r| r.words.get(1).map(String::as_str) == Some("inspect-delay"));
    for stage in [TcpStage::Connection, TcpStage::Session, TcpStage::Content] {
        for t in p.stick.tcp_track.iter().filter(|t| t.stage == stage) {
            if !table_exists(config, &t.track.table) {
                diags.global(Level::Alert, missing(&t.track.table, t.track.counter));
                continue;
            }
            if stage != TcpStage::Content || !p.cap.frontend {
                continue;
            }
            let by_src = t.track.key == StickKey::Src;
            if !inspect_delay && !by_src {
                let msg = format!("{} '{}' : a 'tcp-request content track-sc*' rule explicitly depending on request contents without any 'tcp-request inspect-delay' setting. This means that this rule will randomly find its contents. This can be fixed by setting the tcp-request inspect-delay.", type_word(p), p.name);
                diags.global(Level::Warning, msg);
            }
            // HAProxy also looks at what the condition reads; a condition is assumed here
            // to read the request, which silences the warning.
            if p.mode == Mode::Http && by_src && t.cond.is_none() {
                let msg = format!("{} '{}' : a 'tcp-request content track-sc*' rule not depending on request contents for an HTTP frontend should be executed at the session level, using a 'tcp-request session' rule (mandatory to track invalid HTTP requests).", type_word(p), p.name);
                diags.global(Level::Warning, msg);
            }
        }
    }
    for rule in p.http_request.iter().chain(&p.http_response) {
        if let HttpAction::TrackSc(t) = &rule.action {
            if !table_exists(config, &t.table) {
                diags.global(Level::Alert, missing(&t.table, t.counter));
            }
        }
    }
}

/// Every ACL of `p` written `criterion args` with where it was written, in file order:
/// `acl` lines, then the anonymous ACLs of every condition (typed rules and rules kept as
/// words).
fn acl_uses(p: &Proxy) -> Vec<(Loc, String, Vec<String>)> {
    let mut out: Vec<(Loc, String, Vec<String>)> = p
        .acls
        .iter()
        .map(|a| (a.loc.clone(), a.criterion.clone(), a.args.clone()))
        .collect();
    let mut conds: Vec<(&Loc, &Cond)> = Vec::new();
    for r in p.http_request.iter().chain(&p.http_response) {
        if let Some(c) = &r.cond {
            conds.push((&r.loc, c));
        }
    }
    for u in &p.use_backends {
        if let Some(c) = &u.cond {
            conds.push((&u.loc, c));
        }
    }
    for r in &p.stick.rules {
        if let Some(c) = &r.cond {
            conds.push((&r.loc, c));
        }
    }
    for (loc, c) in conds {
        for t in c.any_of.iter().flatten() {
            if let AclRef::Anonymous {
                criterion, args, ..
            } = &t.acl
            {
                out.push((loc.clone(), criterion.clone(), args.clone()));
            }
        }
    }
    for r in p.tcp_request.iter().chain(&p.other) {
        out.extend(
            braces(&r.words)
                .into_iter()
                .map(|(c, a)| (r.loc.clone(), c, a)),
        );
    }
    out.sort_by_key(|(loc, _, _)| loc.line);
    out
}

/// The anonymous ACLs `{ criterion args }` among the words of a rule kept verbatim.
fn braces(words: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w != "{" && w != "!{" {
            continue;
        }
        let inner: Vec<String> = it.by_ref().take_while(|x| *x != "}").cloned().collect();
        if let Some((c, a)) = inner.split_first() {
            out.push((c.clone(), a.to_vec()));
        }
    }
    out
}

/// The counter ACLs of `p`, typed, after HAProxy's table resolution (one alert for all
/// unresolved tables, as `smp_resolve_args()` prints them).
fn counter_acls(config: &Config, p: &Proxy, diags: &mut Diags) -> Vec<CounterAcl> {
    let mut out: Vec<CounterAcl> = Vec::new();
    let mut errors = Vec::new();
    for (loc, criterion, args) in acl_uses(p) {
        if !super::is_counter(&criterion) {
            continue;
        }
        // Every form was checked while parsing; a failure here cannot happen.
        let Ok((fetch, matcher)) = super::parse_counter_acl(&criterion, &args, &p.name) else {
            continue;
        };
        let (table, pos) = match &fetch {
            CounterFetch::Counter {
                of: CounterOf::Sc(_),
                table,
                ..
            } if criterion.starts_with("sc_") => (table.as_deref(), 2),
            CounterFetch::Counter { table, .. } => (table.as_deref(), 1),
            CounterFetch::TableAvl { table } | CounterFetch::TableCnt { table } => {
                (Some(table.as_str()), 1)
            }
        };
        if let Some(t) = table.filter(|t| !table_exists(config, t)) {
            let kw = crate::config::kw::fetches::fetch_name(&criterion);
            errors.push(format!(
                "parsing [{loc}]: unable to find table '{t}' referenced in arg {pos} of ACL keyword '{kw}' in proxy '{}'.",
                p.name
            ));
            continue;
        }
        if out
            .iter()
            .any(|a| a.criterion == criterion && a.args == args)
        {
            continue;
        }
        out.push(CounterAcl {
            loc,
            criterion,
            args,
            fetch,
            matcher,
        });
    }
    match errors.as_slice() {
        [] => {}
        [one] => diags.global(Level::Alert, one.clone()),
        many => {
            let mut msg = String::from("multiple argument resolution errors:");
            for e in many {
                msg.push_str("\n        ");
                msg.push_str(e);
            }
            diags.global(Level::Alert, msg);
        }
    }
    out
}

/// Adds `server_id` and `server_key` to every table a `stick` rule uses (HAProxy enables
/// them when it resolves the rules).
pub fn enable_server_ids(config: &mut Config) {
    let used: Vec<String> = config
        .proxies
        .iter()
        .flat_map(|p| p.stick.rules.iter().map(|r| r.table.clone()))
        .collect();
    for p in &mut config.proxies {
        let ProxyStick { table: Some(t), .. } = &mut p.stick else {
            continue;
        };
        if !used.contains(&p.name) {
            continue;
        }
        for data in [DataType::ServerId, DataType::ServerKey] {
            if t.stored(data).is_none() {
                t.store.push(Store { data, period: None });
            }
        }
    }
}
