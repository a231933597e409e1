//! `cookie` (configuration.txt 4.2 "cookie"): `cookie NAME [rewrite|insert|prefix]
//! [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain D]*
//! [maxidle T] [maxlife T] [dynamic] [attr A]*`, checked as HAProxy 2.6's
//! `cfgparse-listen.c` does: options are read in order and the first bad one stops the line;
//! mode conflicts (`rewrite`/`insert`/`prefix`, `rewrite`/`indirect`, `preserve` alone) are
//! reported after the loop; a domain without a dot is a warning. Times default to seconds.
//!
//! Two quirks of HAProxy are kept on purpose: a new `cookie` line resets every option but
//! the `attr` list, which keeps growing (from `defaults` and from an earlier `cookie` line of
//! the same section), and a `cookie` line in a frontend is read after its capability warning
//! (and `dynamic` warns once more).
//!
//! Runtime behaviour lives in `persist::cookie`; this file imports only the config room.

use super::{Keyword, Parse, ProxyCtx, BE};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::{CookieMode, CookieSpec};
use crate::config::units::{parse_time_secs, TimeError};

/// `cookie`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "cookie",
    sections: BE,
    parse: Parse::Proxy(cookie),
}];

/// One message of a `cookie` line, in HAProxy's two prefix styles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieMsg {
    /// Alert or warning.
    pub level: Level,
    /// True for HAProxy's `parsing [file:line] : ` prefix (with a space before the colon),
    /// false for `parsing [file:line]: `.
    pub spaced: bool,
    /// The text after the prefix.
    pub text: String,
}

impl CookieMsg {
    fn alert(spaced: bool, text: impl Into<String>) -> Self {
        CookieMsg {
            level: Level::Alert,
            spaced,
            text: text.into(),
        }
    }
}

/// What a `cookie` line yields: the spec to keep (none after a fatal option error) and the
/// messages, in HAProxy's order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCookie {
    /// The new spec.
    pub spec: Option<CookieSpec>,
    /// Alerts and warnings.
    pub msgs: Vec<CookieMsg>,
}

fn cookie(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let inherited: Vec<String> = ctx
        .proxy
        .cookie
        .as_ref()
        .map(|c| c.attrs.clone())
        .unwrap_or_default();
    let not_be = (!ctx.has_be()).then(|| (ctx.kind_word(), ctx.proxy.name.clone()));
    let parsed = parse_cookie(line, &inherited);
    for m in parsed.msgs {
        if m.spaced {
            match m.level {
                Level::Warning => ctx.warning(line, m.text),
                _ => ctx.alert(line, m.text),
            }
        } else {
            let text = format!("parsing [{}]: {}", line.loc, m.text);
            ctx.diags.global(m.level, text);
        }
    }
    if let Some(spec) = parsed.spec {
        if spec.dynamic {
            if let Some((kind, name)) = &not_be {
                let msg =
                    format!("'dynamic' ignored because {kind} '{name}' has no backend capability.");
                ctx.warning(line, msg);
            }
        }
        ctx.proxy.cookie = Some(spec);
    }
}

/// The word at `i` unless absent or empty (HAProxy stops at an empty argument).
fn arg(line: &Line, i: usize) -> Option<&str> {
    line.word(i).filter(|w| !w.is_empty())
}

/// The first character of a domain that HAProxy's `invalid_domainchar()` refuses
/// (anything but ASCII letters, digits, `.`, `_` and `-`).
fn invalid_domain_char(d: &str) -> Option<char> {
    d.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
}

/// Reads a `maxidle`/`maxlife` value; `what` is the placeholder HAProxy names.
fn time_arg(line: &Line, i: usize, kw: &str, what: &str) -> Result<u32, CookieMsg> {
    let Some(v) = arg(line, i) else {
        return Err(CookieMsg::alert(
            false,
            format!("'{kw}' expects <{what}> in seconds as argument."),
        ));
    };
    match parse_time_secs(v) {
        Ok(d) => Ok(u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
        Err(TimeError::BadChar(ch)) => Err(CookieMsg::alert(
            false,
            format!("unexpected character '{ch}' in argument to <{kw}>."),
        )),
        Err(_) => Err(CookieMsg::alert(
            false,
            format!(
                "timer overflow in argument <{v}> to <{kw}>, maximum value is 2147483647 s (~68 years)."
            ),
        )),
    }
}

/// Parses a `cookie` line. `inherited_attrs` are the `attr` values the proxy already had
/// (HAProxy never clears them).
pub fn parse_cookie(line: &Line, inherited_attrs: &[String]) -> ParsedCookie {
    let fail = |m: CookieMsg| ParsedCookie {
        spec: None,
        msgs: vec![m],
    };
    let Some(name) = arg(line, 1) else {
        return fail(CookieMsg::alert(
            true,
            "'cookie' expects <cookie_name> as argument.",
        ));
    };
    let mut c = CookieSpec {
        name: name.to_string(),
        attrs: inherited_attrs.to_vec(),
        ..CookieSpec::default()
    };
    let mut msgs = Vec::new();
    let (mut rewrite, mut insert, mut prefix) = (false, false, false);
    let mut i = 2;
    while let Some(w) = arg(line, i) {
        match w {
            "rewrite" => rewrite = true,
            "insert" => insert = true,
            "prefix" => prefix = true,
            "indirect" => c.indirect = true,
            "nocache" => c.nocache = true,
            "postonly" => c.postonly = true,
            "preserve" => c.preserve = true,
            "httponly" => c.httponly = true,
            "secure" => c.secure = true,
            "dynamic" => c.dynamic = true,
            "domain" => {
                let Some(v) = arg(line, i + 1) else {
                    msgs.push(CookieMsg::alert(
                        false,
                        "'domain' expects <domain> as argument.",
                    ));
                    return ParsedCookie { spec: None, msgs };
                };
                if !v.contains('.') {
                    msgs.push(CookieMsg {
                        level: Level::Warning,
                        spaced: false,
                        text: format!("domain '{v}' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3)."),
                    });
                }
                if let Some(bad) = invalid_domain_char(v) {
                    msgs.push(CookieMsg::alert(
                        false,
                        format!("character '{bad}' is not permitted in domain name '{v}'."),
                    ));
                    return ParsedCookie { spec: None, msgs };
                }
                c.domains.push(v.to_string());
                i += 1;
            }
            "maxidle" | "maxlife" => {
                let what = if w == "maxidle" {
                    "idletime"
                } else {
                    "lifetime"
                };
                let secs = match time_arg(line, i + 1, w, what) {
                    Ok(s) => s,
                    Err(m) => {
                        msgs.push(m);
                        return ParsedCookie { spec: None, msgs };
                    }
                };
                let d = (secs != 0).then(|| std::time::Duration::from_secs(u64::from(secs)));
                if w == "maxidle" {
                    c.maxidle = d;
                } else {
                    c.maxlife = d;
                }
                i += 1;
            }
            "attr" => {
                let Some(v) = arg(line, i + 1) else {
                    msgs.push(CookieMsg::alert(
                        false,
                        "'attr' expects <value> as argument.",
                    ));
                    return ParsedCookie { spec: None, msgs };
                };
                if let Some(bad) = v.bytes().find(|b| *b == b';' || b.is_ascii_control()) {
                    msgs.push(CookieMsg::alert(
                        false,
                        format!("character '%x{bad:02X}' is not permitted in attribute value."),
                    ));
                    return ParsedCookie { spec: None, msgs };
                }
                c.attrs.push(v.to_string());
                i += 1;
            }
            _ => {
                msgs.push(CookieMsg::alert(
                    true,
                    "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.",
                ));
                return ParsedCookie { spec: None, msgs };
            }
        }
        i += 1;
    }
    if rewrite && c.indirect {
        msgs.push(CookieMsg::alert(
            true,
            "cookie 'rewrite' and 'indirect' modes are incompatible.",
        ));
    }
    if usize::from(rewrite) + usize::from(insert) + usize::from(prefix) > 1 {
        msgs.push(CookieMsg::alert(
            true,
            "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.",
        ));
    }
    if c.preserve && !insert && !c.indirect {
        msgs.push(CookieMsg::alert(
            true,
            "cookie 'preserve' requires at least 'insert' or 'indirect'.",
        ));
    }
    c.mode = if insert {
        CookieMode::Insert
    } else if rewrite {
        CookieMode::Rewrite
    } else if prefix {
        CookieMode::Prefix
    } else {
        CookieMode::Passive
    };
    ParsedCookie {
        spec: Some(c),
        msgs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn line(s: &str) -> Line {
        Line {
            loc: crate::config::diag::Loc::new("c.cfg", 1),
            words: s.split_whitespace().map(String::from).collect(),
        }
    }

    fn texts(s: &str) -> Vec<String> {
        parse_cookie(&line(s), &[])
            .msgs
            .into_iter()
            .map(|m| m.text)
            .collect()
    }

    #[test]
    fn the_full_cookie_syntax_parses() {
        let p = parse_cookie(&line(
            "cookie SRV insert indirect nocache maxidle 30m maxlife 8h httponly secure attr SameSite=Lax dynamic postonly preserve domain .x.com",
        ), &[]);
        assert!(p.msgs.is_empty());
        let c = p.spec.unwrap();
        assert_eq!(c.name, "SRV");
        assert_eq!(c.mode, CookieMode::Insert);
        assert!(
            c.indirect
                && c.nocache
                && c.httponly
                && c.secure
                && c.dynamic
                && c.postonly
                && c.preserve
        );
        assert_eq!(c.maxidle, Some(Duration::from_secs(1800)));
        assert_eq!(c.maxlife, Some(Duration::from_secs(8 * 3600)));
        assert_eq!(c.domains, vec![".x.com".to_string()]);
        assert_eq!(c.attrs, vec!["SameSite=Lax".to_string()]);
    }

    #[test]
    fn a_bare_cookie_is_passive() {
        let c = parse_cookie(&line("cookie SERVERID"), &[]).spec.unwrap();
        assert_eq!(c.mode, CookieMode::Passive);
    }

    #[test]
    fn a_zero_maxidle_means_none() {
        let c = parse_cookie(&line("cookie S insert maxidle 0 maxlife 500ms"), &[])
            .spec
            .unwrap();
        assert_eq!((c.maxidle, c.maxlife), (None, Some(Duration::from_secs(1))));
    }

    // Every message below was read from `haproxy -c` 2.6.12 on the same line.
    #[test]
    fn option_errors_match_haproxy() {
        assert_eq!(
            texts("cookie"),
            ["'cookie' expects <cookie_name> as argument."]
        );
        assert!(texts("cookie SRV foo")[0].starts_with("'cookie' supports 'rewrite'"));
        assert_eq!(
            texts("cookie SRV insert maxidle x"),
            ["unexpected character 'x' in argument to <maxidle>."]
        );
        assert_eq!(
            texts("cookie SRV insert maxlife"),
            ["'maxlife' expects <lifetime> in seconds as argument."]
        );
        assert_eq!(
            texts("cookie SRV insert maxidle"),
            ["'maxidle' expects <idletime> in seconds as argument."]
        );
        assert_eq!(
            texts("cookie X insert domain a/b.com"),
            ["character '/' is not permitted in domain name 'a/b.com'."]
        );
        assert_eq!(
            texts("cookie X insert attr a;b"),
            ["character '%x3B' is not permitted in attribute value."]
        );
    }

    #[test]
    fn mode_conflicts_are_reported_after_the_line_as_haproxy_does() {
        assert_eq!(
            texts("cookie X rewrite indirect insert"),
            [
                "cookie 'rewrite' and 'indirect' modes are incompatible.",
                "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."
            ]
        );
        assert_eq!(
            texts("cookie X rewrite preserve"),
            ["cookie 'preserve' requires at least 'insert' or 'indirect'."]
        );
        // A bad option stops the line before the conflict is seen.
        assert_eq!(texts("cookie X rewrite insert bogus").len(), 1);
        // Repeated modes and `indirect` with `prefix` are accepted.
        assert!(texts("cookie X insert insert indirect indirect").is_empty());
        assert!(texts("cookie X prefix indirect").is_empty());
    }

    #[test]
    fn a_domain_without_a_dot_is_a_warning_before_the_character_check() {
        let p = parse_cookie(&line("cookie X insert domain a/b"), &[]);
        assert_eq!(
            p.msgs.iter().map(|m| m.level).collect::<Vec<_>>(),
            [Level::Warning, Level::Alert]
        );
        let ok = parse_cookie(&line("cookie X insert domain localhost"), &[]);
        assert_eq!(ok.msgs.len(), 1);
        assert_eq!(ok.spec.unwrap().domains, ["localhost"]);
    }

    #[test]
    fn attrs_keep_growing_across_cookie_lines_but_other_options_reset() {
        let p = parse_cookie(&line("cookie Y insert attr B=2"), &["A=1".to_string()]);
        let c = p.spec.unwrap();
        assert_eq!(c.attrs, ["A=1", "B=2"]);
        assert!(c.domains.is_empty());
    }

    #[test]
    fn an_empty_argument_ends_the_options() {
        let mut l = line("cookie X insert");
        l.words.push(String::new());
        l.words.push("indirect".into());
        let c = parse_cookie(&l, &[]).spec.unwrap();
        assert!(!c.indirect);
    }

    #[test]
    fn persist_rules_and_inherited_attrs_are_typed_in_the_model() {
        use crate::config::model::PersistKind;
        let cfg = "defaults\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n cookie D insert attr A=1 domain .x.com\nbackend b\n cookie S insert attr B=2\n force-persist if TRUE\n ignore-persist unless TRUE\n server s1 127.0.0.1:1 cookie a\n";
        let l = crate::config::load_texts(&[("t.cfg", cfg)], &|_| None).unwrap();
        let p = &l.config.proxies[0];
        let c = p.cookie.as_ref().unwrap();
        assert_eq!(
            (c.name.as_str(), c.attrs.clone(), c.domains.is_empty()),
            ("S", vec!["A=1".to_string(), "B=2".to_string()], true)
        );
        let kinds: Vec<(PersistKind, bool)> = p
            .persist_rules
            .iter()
            .map(|r| (r.kind, r.cond.unless))
            .collect();
        assert_eq!(
            kinds,
            [(PersistKind::Force, false), (PersistKind::Ignore, true)]
        );
        assert!(p
            .other
            .iter()
            .all(|r| !r.words.iter().any(|w| w.contains("persist"))));
    }
}
