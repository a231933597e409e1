//! `acl` and conditions (configuration.txt 7 "Using ACLs and fetching samples"):
//! `acl NAME CRITERION [FLAGS] [VALUES...]`, and `if|unless TERM [TERM...] [or|'||' ...]`
//! where a term is a named ACL (declared before, or predefined such as `TRUE`), possibly
//! negated with `!`, or an anonymous ACL `{ criterion args }`.

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{Acl, AclRef, Cond, CondTerm};

/// `acl`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "acl",
    sections: PROXIES,
    parse: Parse::Proxy(acl),
}];

/// HAProxy's predefined ACLs (configuration.txt 7.4).
pub const PREDEFINED: &[&str] = &[
    "FALSE",
    "HTTP",
    "HTTP_1.0",
    "HTTP_1.1",
    "HTTP_2.0",
    "HTTP_CONTENT",
    "HTTP_URL_ABS",
    "HTTP_URL_SLASH",
    "HTTP_URL_STAR",
    "LOCALHOST",
    "METH_CONNECT",
    "METH_DELETE",
    "METH_GET",
    "METH_HEAD",
    "METH_OPTIONS",
    "METH_POST",
    "METH_PUT",
    "METH_TRACE",
    "RDP_COOKIE",
    "REQ_CONTENT",
    "TRUE",
    "WAIT_END",
];

fn acl(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if ctx.in_defaults() && !ctx.named_defaults {
        ctx.alert(line, "'acl' not allowed in anonymous 'defaults' section.");
        return;
    }
    let Some(name) = line.word(1) else {
        ctx.alert(line, "'acl' expects an ACL name.");
        return;
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        ctx.alert(
            line,
            format!("character '{c}' is not permitted in acl name '{name}'."),
        );
        return;
    }
    let Some(criterion) = line.word(2) else {
        ctx.alert(
            line,
            format!("error detected while parsing ACL '{name}' : missing fetch method in ACL expression ''."),
        );
        return;
    };
    if let Err(msg) = check_fetch(criterion) {
        ctx.alert(
            line,
            format!("error detected while parsing ACL '{name}' : {msg}."),
        );
        return;
    }
    let args = line.words.get(3..).unwrap_or(&[]);
    let files = args
        .windows(2)
        .filter(|w| w.first().map(String::as_str) == Some("-f"));
    for f in files.filter_map(|w| w.get(1)) {
        if std::fs::metadata(f).is_err() {
            let msg = format!(
                "error detected while parsing ACL '{name}' : failed to open pattern file <{f}>."
            );
            ctx.alert(line, msg);
            return;
        }
    }
    if super::stick::is_counter(criterion) {
        if let Err(msg) = super::stick::parse_counter_acl(criterion, args, &ctx.proxy.name) {
            ctx.alert(
                line,
                format!("error detected while parsing ACL '{name}' : {msg}."),
            );
            return;
        }
    }
    ctx.proxy.acls.push(Acl {
        loc: line.loc.clone(),
        name: name.to_string(),
        criterion: criterion.to_string(),
        args: line
            .words
            .get(3..)
            .map(<[String]>::to_vec)
            .unwrap_or_default(),
    });
}

/// The pattern files (`-f FILE`) among the words left in an ACL iterator.
fn inner_files(it: &std::vec::IntoIter<String>) -> Vec<String> {
    let rest = it.as_slice();
    rest.windows(2)
        .filter(|w| w.first().map(String::as_str) == Some("-f"))
        .filter_map(|w| w.get(1).cloned())
        .collect()
}

/// Checks that an ACL criterion names a fetch HAProxy knows.
pub fn check_fetch(criterion: &str) -> Result<(), String> {
    let name = super::fetches::fetch_name(criterion);
    if super::fetches::is_known(name) {
        return Ok(());
    }
    Err(format!(
        "unknown fetch method '{name}' in ACL expression '{criterion}'"
    ))
}

/// Parses the condition starting at word `at` (which must be `if` or `unless`). Named ACLs
/// must be declared earlier in the proxy or be predefined; the error is HAProxy's text
/// (`no such ACL : 'x'`), to be wrapped by the caller.
pub fn parse_cond(ctx: &ProxyCtx<'_>, line: &Line, at: usize) -> Result<Cond, String> {
    parse_cond_words(line.words.get(at..).unwrap_or(&[]), &|n| {
        PREDEFINED.contains(&n) || ctx.proxy.acls.iter().any(|a| a.name == n)
    })
}

/// Parses `if|unless TERMS...` from `words`, checking named ACLs with `known`.
pub fn parse_cond_words(words: &[String], known: &dyn Fn(&str) -> bool) -> Result<Cond, String> {
    let unless = words.first().map(String::as_str) == Some("unless");
    let mut any_of: Vec<Vec<CondTerm>> = vec![Vec::new()];
    let mut i = 1;
    while let Some(w) = words.get(i) {
        let w = w.as_str();
        if w == "or" || w == "||" {
            any_of.push(Vec::new());
            i += 1;
            continue;
        }
        let (negate, body) = match w.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, w),
        };
        let (negate, body) = if body.is_empty() && negate {
            // `! name` or `! {`: the term is the next word.
            i += 1;
            match words.get(i) {
                Some(n) => (true, n.as_str()),
                None => break, // a trailing "!" negates nothing, as in HAProxy
            }
        } else {
            (negate, body)
        };
        let acl = if body == "{" {
            let mut inner = Vec::new();
            i += 1;
            loop {
                match words.get(i) {
                    Some(t) if t == "}" => break,
                    Some(t) => inner.push(t.clone()),
                    None => return Err("missing closing '}' in condition".into()),
                }
                i += 1;
            }
            let mut it = inner.into_iter();
            let Some(criterion) = it.next() else {
                return Err("missing fetch method in ACL expression ''".into());
            };
            check_fetch(&criterion)?;
            let files = inner_files(&it);
            if let Some(f) = files.iter().find(|f| std::fs::metadata(f).is_err()) {
                return Err(format!("failed to open pattern file <{f}>"));
            }
            if super::stick::is_counter(&criterion) {
                super::stick::parse_counter_acl(&criterion, it.as_slice(), "")?;
            }
            AclRef::Anonymous {
                criterion,
                args: it.collect(),
            }
        } else {
            if !known(body) {
                return Err(format!("no such ACL : '{body}'"));
            }
            AclRef::Named(body.to_string())
        };
        if let Some(last) = any_of.last_mut() {
            last.push(CondTerm { negate, acl });
        }
        i += 1;
    }
    Ok(Cond { unless, any_of })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn conditions_keep_or_groups_negations_and_anonymous_acls() {
        let c =
            parse_cond_words(&w("if a !b or { path_beg /x } || !{ ssl_fc }"), &|_| true).unwrap();
        assert!(!c.unless);
        assert_eq!(c.any_of.len(), 3);
        assert_eq!(c.any_of[0].len(), 2);
        assert!(c.any_of[0][1].negate);
        assert_eq!(
            c.any_of[1][0].acl,
            AclRef::Anonymous {
                criterion: "path_beg".into(),
                args: vec!["/x".into()]
            }
        );
        assert!(c.any_of[2][0].negate);
    }

    #[test]
    fn unknown_acl_names_are_refused_but_predefined_ones_pass() {
        let known = |n: &str| PREDEFINED.contains(&n);
        assert_eq!(
            parse_cond_words(&w("if foo"), &known),
            Err("no such ACL : 'foo'".into())
        );
        assert!(parse_cond_words(&w("unless TRUE"), &known).unwrap().unless);
    }
}
