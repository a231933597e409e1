//! Proxy `stats` keywords (configuration.txt 4.2 "stats ..."): `enable`, `uri`, `realm`,
//! `auth`, `refresh`, `hide-version`, `admin if|unless COND`, `show-legends`,
//! `show-node [NAME]`, `show-desc [DESC]`, `show-modules`, `scope`, `http-request`.
//! (The global `stats socket|timeout` live in `kw/global.rs`.)

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::RawRule;
use crate::config::units::{parse_time_secs, TimeError};

/// `stats` in proxies.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "stats",
    sections: PROXIES,
    parse: Parse::Proxy(stats),
}];

fn stats(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let sub = line.word(1).unwrap_or("");
    let arg = line.word(2);
    if ctx.in_defaults() && matches!(sub, "admin" | "http-request") {
        let what = if sub == "admin" {
            "stats admin"
        } else {
            "stats"
        };
        let msg = format!(
            "parsing [{}]: '{what}' not allowed in 'defaults' section.",
            line.loc
        );
        ctx.diags.global(Level::Alert, msg);
        return;
    }
    let s = &mut ctx.proxy.stats;
    match sub {
        "enable" => s.enabled = true,
        "hide-version" => {
            s.hide_version = true;
            s.enabled = true;
        }
        "show-legends" => {
            s.show_legends = true;
            s.enabled = true;
        }
        "show-modules" | "bind-process" => s.enabled = true,
        "uri" | "realm" | "auth" | "scope" => {
            let Some(v) = arg else {
                let msg = match sub {
                    "uri" => "'uri' needs an URI prefix.",
                    "realm" => "'realm' needs an realm name.",
                    "auth" => "'auth' needs a user:password account.",
                    _ => "'scope' needs a proxy name.",
                };
                ctx.alert(line, msg);
                return;
            };
            s.enabled = true;
            match sub {
                "uri" => s.uri = Some(v.to_string()),
                "realm" => s.realm = Some(v.to_string()),
                "auth" => {
                    let (u, p) = v.split_once(':').unwrap_or((v, ""));
                    s.auth.push((u.to_string(), p.to_string()));
                }
                _ => s.scope.push(v.to_string()),
            }
        }
        "refresh" => {
            let v = arg.unwrap_or("");
            match parse_time_secs(v) {
                Ok(d) => {
                    s.refresh = Some(d);
                    s.enabled = true;
                }
                Err(TimeError::BadChar(c)) => {
                    let msg = format!("parsing [{}]: unexpected character '{c}' in argument to stats refresh interval.", line.loc);
                    ctx.diags.global(Level::Alert, msg);
                }
                Err(TimeError::Empty) => {
                    ctx.alert(line, "'refresh' needs a positive interval in seconds.")
                }
                Err(_) => {
                    let msg = format!(
                        "parsing [{}]: timer overflow in argument <{v}> to stats refresh interval, maximum value is 2147483647 s (~68 years).",
                        line.loc
                    );
                    ctx.diags.global(Level::Alert, msg);
                }
            }
        }
        "admin" => {
            if !matches!(arg, Some("if" | "unless")) {
                ctx.alert(
                    line,
                    "'stats admin' requires either 'if' or 'unless' followed by a condition.",
                );
                return;
            }
            match super::acl::parse_cond(ctx, line, 2) {
                Ok(c) => {
                    ctx.proxy.stats.admin = Some(c);
                    ctx.proxy.stats.enabled = true;
                }
                Err(msg) => {
                    ctx.alert(
                        line,
                        format!("error detected while parsing a 'stats admin' rule : {msg}."),
                    );
                }
            }
        }
        "show-node" => {
            s.show_node = Some(arg.map(str::to_string));
            s.enabled = true;
        }
        "show-desc" => {
            let desc = super::rest(line, 2);
            s.show_desc = Some(if desc.is_empty() { None } else { Some(desc) });
            s.enabled = true;
            if arg.is_none() && ctx.global.description.is_none() {
                let msg = format!(
                    "parsing [{}]: 'show-desc' requires a parameter or 'desc' to be set in the global section.",
                    line.loc
                );
                ctx.diags.global(Level::Warning, msg);
            }
        }
        "http-request" => {
            let action = line.word(2).unwrap_or("").to_string();
            if action.is_empty() {
                let msg = super::http_rules::unknown_action(line, "http-request", "", true);
                ctx.diags.global(Level::Alert, msg);
                ctx.abort = true;
                return;
            }
            let cond_at = line
                .words
                .iter()
                .skip(3)
                .position(|w| w == "if" || w == "unless");
            if let Some(at) = cond_at {
                if let Err(msg) = super::acl::parse_cond(ctx, line, at + 3) {
                    let msg = format!("error detected while parsing an 'http-request {action}' condition : {msg}.");
                    ctx.alert(line, msg);
                    ctx.abort = true;
                    return;
                }
            }
            let s = &mut ctx.proxy.stats;
            s.http_request.push(RawRule {
                loc: line.loc.clone(),
                words: line.words.clone(),
            });
            s.enabled = true;
        }
        "" => {
            let msg = format!("parsing [{}]: missing keyword in 'stats', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.", line.loc);
            ctx.diags.global(crate::config::diag::Level::Alert, msg);
        }
        other => {
            let msg = format!("parsing [{}]: unknown stats parameter '{other}', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.", line.loc);
            ctx.diags.global(Level::Alert, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_texts;
    use std::time::Duration;

    #[test]
    fn the_stats_keywords_fill_the_stats_spec() {
        let text = "listen s\n mode http\n bind :9999\n timeout client 1s\n stats enable\n stats uri /st\n \
                    stats realm Admin\n stats auth a:b\n stats auth c:d\n stats refresh 10\n stats hide-version\n \
                    stats admin if TRUE\n stats show-legends\n stats show-node n1\n";
        let l = load_texts(&[("s.cfg", text)], &|_| None).unwrap();
        let s = &l.config.proxies[0].stats;
        assert!(s.enabled && s.hide_version && s.show_legends);
        assert_eq!(s.uri.as_deref(), Some("/st"));
        assert_eq!(s.realm.as_deref(), Some("Admin"));
        assert_eq!(
            s.auth,
            vec![("a".into(), "b".into()), ("c".into(), "d".into())]
        );
        assert_eq!(s.refresh, Some(Duration::from_secs(10)));
        assert!(s.admin.is_some());
        assert_eq!(s.show_node, Some(Some("n1".into())));
    }

    #[test]
    fn stats_in_a_tcp_proxy_is_ignored_with_a_warning() {
        let text = "listen s\n bind :9999\n timeout client 1s\n stats uri /st\n";
        let l = load_texts(&[("s.cfg", text)], &|_| None).unwrap();
        assert!(!l.config.proxies[0].stats.enabled);
        assert_eq!(
            l.diags.list[0].msg,
            "'stats' statement ignored for proxy 's' as it requires HTTP mode."
        );
    }
}
