//! `cookie` (configuration.txt 4.2 "cookie"): `cookie NAME [rewrite|insert|prefix]
//! [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain D]*
//! [maxidle T] [maxlife T] [dynamic] [attr A]*`. Times default to seconds.

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

fn cookie(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match parse_cookie(line) {
        Ok(c) => ctx.proxy.cookie = Some(c),
        Err((true, msg)) => ctx
            .diags
            .global(Level::Alert, format!("parsing [{}]: {msg}", line.loc)),
        Err((false, msg)) => ctx.alert(line, msg),
    }
}

/// Sets the cookie mode; two different modes are HAProxy's "incompatible" error.
fn set_mode(c: &mut CookieSpec, mode: CookieMode) -> Result<(), (bool, String)> {
    if c.mode != CookieMode::Passive && c.mode != mode {
        return Err((
            false,
            "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.".into(),
        ));
    }
    c.mode = mode;
    Ok(())
}

/// Parses a `cookie` line. Errors carry whether HAProxy prints them with its
/// `parsing [file:line]: ` prefix (no space before the colon).
pub fn parse_cookie(line: &Line) -> Result<CookieSpec, (bool, String)> {
    let Some(name) = line.word(1) else {
        return Err((false, "'cookie' expects <cookie_name> as argument.".into()));
    };
    let mut c = CookieSpec {
        name: name.to_string(),
        ..CookieSpec::default()
    };
    let mut i = 2;
    while let Some(w) = line.word(i) {
        match w {
            "rewrite" => set_mode(&mut c, CookieMode::Rewrite)?,
            "insert" => set_mode(&mut c, CookieMode::Insert)?,
            "prefix" => set_mode(&mut c, CookieMode::Prefix)?,
            "indirect" => c.indirect = true,
            "nocache" => c.nocache = true,
            "postonly" => c.postonly = true,
            "preserve" => c.preserve = true,
            "httponly" => c.httponly = true,
            "secure" => c.secure = true,
            "dynamic" => c.dynamic = true,
            "domain" | "attr" => {
                let Some(v) = line.word(i + 1) else {
                    let what = if w == "domain" { "<domain>" } else { "<value>" };
                    return Err((true, format!("'{w}' expects {what} as argument.")));
                };
                if w == "domain" {
                    c.domains.push(v.to_string());
                } else {
                    if let Some(bad) = v.bytes().find(|b| *b == b';' || b.is_ascii_control()) {
                        return Err((true, format!("character '%x{bad:02X}' is not permitted in attribute value.")));
                    }
                    c.attrs.push(v.to_string());
                }
                i += 1;
            }
            "maxidle" | "maxlife" => {
                let Some(v) = line.word(i + 1) else {
                    return Err((true, format!("'{w}' expects <idletime> in seconds as argument.")));
                };
                let d = match parse_time_secs(v) {
                    Ok(d) => d,
                    Err(TimeError::BadChar(ch)) => {
                        return Err((true, format!("unexpected character '{ch}' in argument to <{w}>.")))
                    }
                    Err(_) => return Err((true, format!("timer overflow in argument <{v}> to <{w}>, maximum value is 2147483647 s (~68 years)."))),
                };
                if w == "maxidle" {
                    c.maxidle = Some(d);
                } else {
                    c.maxlife = Some(d);
                }
                i += 1;
            }
            _ => {
                return Err((
                    false,
                    "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.".into(),
                ))
            }
        }
        i += 1;
    }
    Ok(c)
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

    #[test]
    fn the_full_cookie_syntax_parses() {
        let c = parse_cookie(&line(
            "cookie SRV insert indirect nocache maxidle 30m maxlife 8h httponly secure attr SameSite=Lax dynamic postonly preserve domain .x.com",
        ))
        .unwrap();
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
        assert_eq!(
            parse_cookie(&line("cookie SERVERID")).unwrap().mode,
            CookieMode::Passive
        );
    }

    #[test]
    fn cookie_errors_match_haproxy() {
        assert_eq!(
            parse_cookie(&line("cookie")).unwrap_err().1,
            "'cookie' expects <cookie_name> as argument."
        );
        assert!(parse_cookie(&line("cookie SRV foo"))
            .unwrap_err()
            .1
            .starts_with("'cookie' supports 'rewrite'"));
        assert_eq!(
            parse_cookie(&line("cookie SRV insert maxidle x")).unwrap_err(),
            (
                true,
                "unexpected character 'x' in argument to <maxidle>.".to_string()
            )
        );
    }
}
