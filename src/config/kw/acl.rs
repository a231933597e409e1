//! `acl` and conditions (configuration.txt 7 "Using ACLs and fetching samples"):
//! `acl NAME CRITERION [FLAGS] [VALUES...]`, and `if|unless TERM [TERM...] [or|'||' ...]`
//! where a term is a named ACL (declared before, or predefined such as `TRUE`), possibly
//! negated with `!`, or an anonymous ACL `{ criterion args }`.

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::{Acl, AclExpr, AclRef, Cond, CondTerm};

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
    if let Err(msg) = check_acl_args(criterion, args) {
        ctx.alert(
            line,
            format!("error detected while parsing ACL '{name}' : {msg}."),
        );
        return;
    }
    if let Some(w) = paren_warning(name, criterion, args) {
        ctx.diags.global(Level::Warning, w);
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
    let expr = match typed(criterion, args) {
        Ok(e) => e,
        Err(msg) => {
            ctx.alert(
                line,
                format!("error detected while parsing ACL '{name}' : {msg}."),
            );
            return;
        }
    };
    ctx.proxy.acls.push(Acl {
        expr,
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

/// HAProxy's match methods (`-m`), in its `pat_match_names` order.
const MATCH_METHODS: &[&str] = &[
    "found", "bool", "int", "ip", "bin", "len", "str", "beg", "sub", "dir", "dom", "end", "reg",
    "regm",
];

/// The ACL keywords of HAProxy 2.6 whose patterns are regular expressions.
const REGEX_KEYWORDS: &[&str] = &[
    "base_reg",
    "cook_reg",
    "hdr_reg",
    "path_reg",
    "scook_reg",
    "shdr_reg",
    "url_reg",
    "urlp_reg",
    "ssl_fc_sni_reg",
];

/// The flags and patterns after an ACL's criterion, checked as HAProxy 2.6's
/// `parse_acl_expr()` does: `-i`, `-n`, `-M`, `-u ID`, `-f FILE` (which must open), `-m
/// METHOD` (a known method, before any `-f`), `--`, any other word starting with `-` being
/// refused; then, for a regex match (`-m reg`/`regm` or a `*_reg` keyword), each pattern
/// must compile (PCRE2's error, see [`super::pcre`]). The error is HAProxy's text, to be
/// wrapped by the caller.
pub fn check_acl_args(criterion: &str, args: &[String]) -> Result<(), String> {
    let mut regex = REGEX_KEYWORDS.contains(&super::fetches::fetch_name(criterion));
    let mut capture = false;
    let mut loaded = false;
    let mut i = 0;
    while let Some(a) = args.get(i).filter(|a| a.starts_with('-')) {
        let value = args.get(i + 1).map_or("", String::as_str);
        match a.as_str() {
            "-i" | "-n" | "-M" => {}
            "--" => {
                i += 1;
                break;
            }
            "-u" => {
                if !strtol_whole(value) {
                    return Err("the argument of -u must be an integer".into());
                }
                i += 1;
            }
            "-f" => {
                if std::fs::metadata(value).is_err() {
                    return Err(format!("failed to open pattern file <{value}>"));
                }
                loaded = true;
                i += 1;
            }
            "-m" => {
                if loaded {
                    return Err("'-m' must only be specified before patterns and files in parsing ACL expression".into());
                }
                if !MATCH_METHODS.contains(&value) {
                    return Err(format!(
                        "unknown matching method '{value}' when parsing ACL expression"
                    ));
                }
                regex = matches!(value, "reg" | "regm");
                capture = value == "regm";
                i += 1;
            }
            _ => {
                return Err(format!("'{a}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"));
            }
        }
        i += 1;
    }
    if regex {
        for p in args.get(i..).unwrap_or(&[]) {
            if let Err((error, offset)) = super::pcre::check(p, capture) {
                return Err(format!(
                    "regex '{p}' is invalid (error={error}, erroffset={offset})"
                ));
            }
        }
    }
    Ok(())
}

/// HAProxy's warning for a first pattern starting with `(` after a criterion without one
/// (`path_reg (x)`), most likely a misplaced space; `name` is empty for an anonymous ACL.
fn paren_warning(name: &str, criterion: &str, args: &[String]) -> Option<String> {
    let first = args.first()?;
    if criterion.contains('(') || !first.starts_with('(') {
        return None;
    }
    Some(format!(
        "parsing acl '{name}' :\n  matching '{criterion}' for pattern '{first}' is likely a mistake and probably\n  not what you want. Maybe you need to remove the extraneous space before '('.\n  If you are really sure this is not an error, please insert '--' between the\n  match and the pattern to make this warning message disappear."
    ))
}

/// True when C's `strtol(text, &end, 10)` leaves `end` on the terminating NUL: optional
/// spaces and sign then digits up to the end, or an empty text.
fn strtol_whole(text: &str) -> bool {
    let t = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    text.is_empty() || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

/// Criteria `proxy::acl` still evaluates from their words: stick counters and the payload
/// fetches of `tcp-request content` inspection.
const LEGACY: &[&str] = &[
    "req_len",
    "req.len",
    "req_ssl_hello_type",
    "req.ssl_hello_type",
    "req_ssl_sni",
    "req.ssl_sni",
];

/// The typed expression of an ACL (`None` for the criteria kept on words), or HAProxy's
/// parse error. A keyword this build does not run still types: `config::unsupported`
/// refuses it when the process starts (`-c` keeps HAProxy's verdict).
pub fn typed(criterion: &str, args: &[String]) -> Result<Option<AclExpr>, String> {
    let name = super::fetches::fetch_name(criterion);
    if super::stick::is_counter(criterion) || LEGACY.contains(&name) {
        return Ok(None);
    }
    let read = |p: &str| {
        std::fs::read_to_string(p).map_err(|_| format!("failed to open pattern file <{p}>"))
    };
    super::sample::acl::parse_acl_expr(criterion, args, &read).map(Some)
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
/// (`no such ACL : 'x'`), to be wrapped by the caller. HAProxy's warnings about the
/// anonymous ACLs read before the end or the error are recorded.
pub fn parse_cond(ctx: &mut ProxyCtx<'_>, line: &Line, at: usize) -> Result<Cond, String> {
    let mut warnings = Vec::new();
    let acls = &ctx.proxy.acls;
    let cond = parse_cond_words(
        line.words.get(at..).unwrap_or(&[]),
        &|n| PREDEFINED.contains(&n) || acls.iter().any(|a| a.name == n),
        &mut warnings,
    );
    for w in warnings {
        ctx.diags.global(Level::Warning, w);
    }
    cond
}

/// Parses `if|unless TERMS...` from `words`, checking named ACLs with `known`; HAProxy's
/// warnings about anonymous ACLs go to `warnings`.
pub fn parse_cond_words(
    words: &[String],
    known: &dyn Fn(&str) -> bool,
    warnings: &mut Vec<String>,
) -> Result<Cond, String> {
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
            check_acl_args(&criterion, it.as_slice())?;
            warnings.extend(paren_warning("", &criterion, it.as_slice()));
            if super::stick::is_counter(&criterion) {
                super::stick::parse_counter_acl(&criterion, it.as_slice(), "")?;
            }
            let expr = typed(&criterion, it.as_slice())?.map(Box::new);
            AclRef::Anonymous {
                criterion,
                args: it.collect(),
                expr,
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
        let c = parse_cond_words(
            &w("if a !b or { path_beg /x } || !{ ssl_fc }"),
            &|_| true,
            &mut Vec::new(),
        )
        .unwrap();
        assert!(!c.unless);
        assert_eq!(c.any_of.len(), 3);
        assert_eq!(c.any_of[0].len(), 2);
        assert!(c.any_of[0][1].negate);
        assert_eq!(
            c.any_of[1][0].acl,
            AclRef::Anonymous {
                criterion: "path_beg".into(),
                args: vec!["/x".into()],
                expr: typed("path_beg", &["/x".into()]).unwrap().map(Box::new),
            }
        );
        assert!(c.any_of[2][0].negate);
    }

    #[test]
    fn unknown_acl_names_are_refused_but_predefined_ones_pass() {
        let known = |n: &str| PREDEFINED.contains(&n);
        assert_eq!(
            parse_cond_words(&w("if foo"), &known, &mut Vec::new()),
            Err("no such ACL : 'foo'".into())
        );
        assert!(
            parse_cond_words(&w("unless TRUE"), &known, &mut Vec::new())
                .unwrap()
                .unless
        );
    }
}
