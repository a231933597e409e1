//! What a loaded configuration asks for that this build refuses to run: fetches and
//! converters of ACLs and conditions (and, with the rules engine, of `%[...]` expressions)
//! that need a capability not built yet (TLS, Lua, the cache, ...). `-c` keeps HAProxy's
//! verdict; the process refuses to start with one ALERT per place, naming file, line and
//! keyword, so that no rule is accepted to silently never match.

use super::kw::sample::logformat::RULE_VARIABLES;
use super::kw::sample::support::refused_expr;
use super::model::{AclRef, Cond, Config, LfPart, Loc, LogFormat};

/// Every refusal, in configuration order.
pub fn refusals(c: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for p in &c.proxies {
        for a in &p.acls {
            if let Some(why) = a.expr.as_ref().and_then(|e| refused_expr(&e.expr)) {
                out.push(format!(
                    "parsing [{}] : error detected while parsing ACL '{}' : {why}.",
                    a.loc, a.name
                ));
            }
        }
        for r in p.http_request.iter().chain(&p.http_response) {
            let (formats, exprs) = r.action.samples();
            let why = formats
                .into_iter()
                .find_map(refused_format)
                .or_else(|| exprs.into_iter().find_map(refused_expr));
            if let Some(why) = why {
                out.push(format!("parsing [{}] : {why}.", r.loc));
            }
        }
        let mut conds: Vec<(&Loc, &Cond)> = Vec::new();
        for r in p.http_request.iter().chain(&p.http_response) {
            conds.extend(r.cond.as_ref().map(|c| (&r.loc, c)));
        }
        for u in &p.use_backends {
            conds.extend(u.cond.as_ref().map(|c| (&u.loc, c)));
        }
        for u in &p.use_servers {
            conds.push((&u.loc, &u.cond));
        }
        for r in &p.persist_rules {
            conds.push((&r.loc, &r.cond));
        }
        for r in &p.stick.rules {
            conds.extend(r.cond.as_ref().map(|c| (&r.loc, c)));
        }
        for r in &p.tcp_request {
            if let Some(at) = r.words.iter().position(|w| w == "if" || w == "unless") {
                let words = r.words.get(at..).unwrap_or_default();
                if let Ok(c) = super::kw::acl::parse_cond_words(words, &|_| true, &mut Vec::new()) {
                    for why in anonymous(&c) {
                        out.push(format!("parsing [{}] : anonymous ACL : {why}.", r.loc));
                    }
                }
            }
        }
        for (loc, c) in conds {
            for why in anonymous(c) {
                out.push(format!("parsing [{loc}] : anonymous ACL : {why}."));
            }
        }
    }
    out
}

/// Why a log-format argument of a rule is refused: a sample this build does not run, or a
/// variable only the logging engine knows.
fn refused_format(f: &LogFormat) -> Option<String> {
    f.parts.iter().find_map(|p| match p {
        LfPart::Expr { expr, .. } => refused_expr(expr),
        LfPart::Var(v) if !RULE_VARIABLES.contains(&v.as_str()) => Some(format!(
            "log-format variable '%{v}' is not supported in rule arguments by this build yet (it needs the logging engine)"
        )),
        _ => None,
    })
}

/// Why the anonymous ACLs of a condition are refused.
fn anonymous(c: &Cond) -> Vec<String> {
    c.any_of
        .iter()
        .flatten()
        .filter_map(|t| match &t.acl {
            AclRef::Anonymous { expr: Some(e), .. } => refused_expr(&e.expr),
            _ => None,
        })
        .collect()
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
    fn fetches_waiting_for_a_capability_are_named_with_their_line() {
        let c = load("defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend fe\n bind :80\n acl tls ssl_fc\n http-request deny if { req.hdr(x),map(/dev/null) -m found }\n http-request deny if tls\n http-request deny if { path /x }\n default_backend be\nbackend be\n server s1 127.0.0.1:80\n");
        let all = refusals(&c);
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0].starts_with("parsing [t.cfg:8] : error detected while parsing ACL 'tls' : fetch method 'ssl_fc' is not supported by this build yet (it needs TLS)"), "{all:?}");
        assert!(
            all[1].starts_with("parsing [t.cfg:9] : anonymous ACL : converter 'map'"),
            "{all:?}"
        );
    }

    #[test]
    fn a_supported_configuration_has_no_refusal() {
        let c = load("defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend fe\n bind :80\n acl api path_beg /api\n http-request deny if api { req.hdr(host) -i a.com }\n default_backend be\nbackend be\n server s1 127.0.0.1:80\n");
        assert_eq!(refusals(&c), Vec::<String>::new());
    }
}
