//! Sample expressions as far as stick tables need them (configuration.txt 7.3 "Fetching
//! samples"): splitting `fetch(args),conv...` the way HAProxy 2.6's `sample_parse_expr()`
//! does, with its error messages, and the table keys this build accepts (`src`, `path`,
//! `req.hdr()`, `res.hdr()`, `hdr()`, `req.cook()`, `res.cook()`, `cookie()`,
//! `url_param()`, `urlp()`, without converters). A fetch or converter HAProxy knows but
//! that is not listed here is refused, never kept without effect.
//! Imports only `config::model` and the fetch tables of `config::kw`.

use crate::config::kw::fetches;
use crate::config::model::{Side, StickKey};

/// A fetch expression split HAProxy's way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr<'a> {
    /// The fetch name (`req.hdr`).
    pub name: &'a str,
    /// The text between the parentheses (`None` without parentheses).
    pub args: Option<&'a str>,
    /// The first converter's name, if any follows the fetch.
    pub converter: Option<&'a str>,
}

/// The type of a fetch argument, as HAProxy names it in its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A table name.
    Table,
}

impl ArgType {
    fn name(self) -> &'static str {
        match self {
            ArgType::Str => "string",
            ArgType::Int => "integer",
            ArgType::Table => "table",
        }
    }
}

/// Why an expression was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprError {
    /// HAProxy refuses it too: its message (`unknown fetch method 'foo'`).
    Parse(String),
    /// HAProxy accepts it but this build does not: what is not supported (`fetch method
    /// 'ssl_fc'`, `converter 'lower'`).
    Unsupported(String),
}

/// Splits `word` into fetch name, arguments and first converter. An unknown fetch name, a
/// missing `)` and text glued after it are HAProxy's errors; converters are checked by
/// [`converter`] once the arguments were (HAProxy's order).
pub fn split(word: &str) -> Result<Expr<'_>, ExprError> {
    let end = word.find(['(', ',']).unwrap_or(word.len());
    let name = word.get(..end).unwrap_or(word);
    if crate::config::kw::sample::fetch(name).is_none() {
        return Err(ExprError::Parse(format!("unknown fetch method '{name}'")));
    }
    let rest = word.get(end..).unwrap_or("");
    let (args, after) = match rest.strip_prefix('(') {
        Some(inner) => match inner.find(')') {
            Some(close) => (
                Some(inner.get(..close).unwrap_or("")),
                inner.get(close + 1..).unwrap_or(""),
            ),
            None => {
                return Err(ExprError::Parse(format!(
                    "fetch method '{name}' : expected ')'"
                )))
            }
        },
        None => (None, rest),
    };
    let converter = match after.strip_prefix(',') {
        Some(conv) => Some(
            conv.get(..conv.find(['(', ',']).unwrap_or(conv.len()))
                .unwrap_or(conv),
        ),
        None if after.is_empty() => None,
        None => {
            return Err(ExprError::Parse(format!(
                "missing comma after fetch keyword '{name}'"
            )))
        }
    };
    Ok(Expr {
        name,
        args,
        converter,
    })
}

/// The error for the converter of `e`, if it has one: HAProxy's for an unknown name, a
/// refusal for a known one (no converter is supported on stick-table samples).
pub fn converter(e: &Expr<'_>) -> Result<(), ExprError> {
    match e.converter {
        None => Ok(()),
        Some(c) if fetches::is_converter(c) => {
            Err(ExprError::Unsupported(format!("converter '{c}'")))
        }
        Some(c) => Err(ExprError::Parse(format!("unknown converter '{c}'"))),
    }
}

/// Checks the arguments of `e` against `types` (the first `mandatory` are required) and
/// returns them, with HAProxy's messages for a missing, extra or non-integer argument.
pub fn args(e: &Expr<'_>, mandatory: usize, types: &[ArgType]) -> Result<Vec<String>, String> {
    let name = e.name;
    let text = e.args.unwrap_or("");
    let list: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split(',').collect()
    };
    if list.len() > types.len() {
        // HAProxy stops at the separator before the first argument it cannot take.
        let skip: usize = list
            .iter()
            .take(types.len())
            .map(|a| a.len() + 1)
            .sum::<usize>();
        let from = if types.is_empty() {
            0
        } else {
            skip.saturating_sub(1)
        };
        let tail = text.get(from..).unwrap_or("");
        return Err(format!(
            "fetch method '{name}' : expected ')' before '{tail})'"
        ));
    }
    if list.len() < mandatory {
        let pos = list.len() + 1;
        let ty = types.get(list.len()).map_or("string", |t| t.name());
        return Err(format!(
            "fetch method '{name}' : expected type '{ty}' at position {pos}, but got nothing"
        ));
    }
    for (i, (a, t)) in list.iter().zip(types).enumerate() {
        if *t == ArgType::Int && parse_int(a).is_none() {
            return Err(format!(
                "fetch method '{name}' : failed to parse '{a}' as type 'integer' at position {}",
                i + 1
            ));
        }
    }
    Ok(list.into_iter().map(str::to_string).collect())
}

/// A signed decimal integer (HAProxy's `read_int64` on a whole argument).
pub fn parse_int(a: &str) -> Option<i64> {
    let digits = a.strip_prefix(['-', '+']).unwrap_or(a);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    a.parse().ok()
}

/// Where a table key is read, which decides the fetches available and the side of
/// `hdr()` / `cookie()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `stick on|match|store-request`: the request, once the backend is known.
    StickRequest,
    /// `stick store-response`: the response.
    StickResponse,
    /// `http-request track-sc*`.
    HttpRequest,
    /// `http-response track-sc*`.
    HttpResponse,
    /// `tcp-request connection|session track-sc*`: only the client address.
    TcpLayer4,
    /// `tcp-request content track-sc*`: the request buffer (HTTP fetches included).
    TcpContent,
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// A parse error or an unsupported fetch (see [`ExprError`]).
    Expr(ExprError),
    /// A fetch that reads something absent at this point: its name and HAProxy's names of
    /// what it reads (`HTTP request headers`).
    Unavailable {
        /// The fetch name.
        name: String,
        /// What it reads.
        sources: &'static str,
    },
}

/// The key fetches supported here, for the refusal message.
pub const SUPPORTED_KEYS: &str =
    "src, path, req.hdr(), res.hdr(), hdr(), req.cook(), res.cook(), cookie(), url_param(), urlp()";

/// What a supported fetch reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reads {
    Client,
    Request,
    Response,
    Either,
}

impl Reads {
    fn sources(self) -> &'static str {
        match self {
            Reads::Client => "client address",
            Reads::Request => "HTTP request headers",
            Reads::Response => "HTTP response headers",
            Reads::Either => "HTTP request headers,HTTP response headers",
        }
    }
}

/// Parses the key expression `word` for use at `place`.
pub fn parse_key(word: &str, place: Place) -> Result<StickKey, KeyError> {
    let e = split(word).map_err(KeyError::Expr)?;
    let reads = match e.name {
        "src" => Reads::Client,
        "path" | "req.hdr" | "req.cook" | "url_param" | "urlp" => Reads::Request,
        "res.hdr" | "res.cook" => Reads::Response,
        "hdr" | "cookie" => Reads::Either,
        other => {
            return Err(KeyError::Expr(ExprError::Unsupported(format!(
                "fetch method '{other}'"
            ))))
        }
    };
    let key = key_of(&e).map_err(|m| KeyError::Expr(ExprError::Parse(m)))?;
    converter(&e).map_err(KeyError::Expr)?;
    let key = key?;
    let side = match place {
        Place::StickResponse | Place::HttpResponse => Side::Response,
        _ => Side::Request,
    };
    let available = match (place, reads) {
        (_, Reads::Client) => true,
        (Place::TcpLayer4, _) => false,
        (_, Reads::Either) => true,
        (Place::StickResponse | Place::HttpResponse, r) => r == Reads::Response,
        (_, r) => r == Reads::Request,
    };
    if !available {
        return Err(KeyError::Unavailable {
            name: e.name.to_string(),
            sources: reads.sources(),
        });
    }
    Ok(match key {
        StickKey::Hdr { name, occ, .. } if reads == Reads::Either => {
            StickKey::Hdr { side, name, occ }
        }
        StickKey::Cookie { name, .. } if reads == Reads::Either => StickKey::Cookie { side, name },
        k => k,
    })
}

/// The key of a supported fetch. The outer error is HAProxy's argument message, the inner
/// one a refusal of an argument form this build does not support (an empty name).
fn key_of(e: &Expr<'_>) -> Result<Result<StickKey, KeyError>, String> {
    use ArgType::{Int, Str};
    let named = |n: &str| -> Result<String, KeyError> {
        if n.is_empty() {
            Err(KeyError::Expr(ExprError::Unsupported(format!(
                "fetch method '{}' without a name",
                e.name
            ))))
        } else {
            Ok(n.to_string())
        }
    };
    let first = |a: &[String]| a.first().cloned().unwrap_or_default();
    Ok(match e.name {
        "src" | "path" => {
            args(e, 0, &[])?;
            Ok(if e.name == "src" {
                StickKey::Src
            } else {
                StickKey::Path
            })
        }
        "req.hdr" | "res.hdr" | "hdr" => {
            let a = args(e, 0, &[Str, Int])?;
            let side = if e.name == "res.hdr" {
                Side::Response
            } else {
                Side::Request
            };
            let occ = a.get(1).and_then(|o| parse_int(o));
            named(&first(&a)).map(|name| StickKey::Hdr { side, name, occ })
        }
        "req.cook" | "res.cook" | "cookie" => {
            let a = args(e, 0, &[Str])?;
            let side = if e.name == "res.cook" {
                Side::Response
            } else {
                Side::Request
            };
            named(&first(&a)).map(|name| StickKey::Cookie { side, name })
        }
        _ => {
            let a = args(e, 0, &[Str, Str])?;
            let delim = a.get(1).cloned();
            named(&first(&a)).map(|name| StickKey::UrlParam { name, delim })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_keys_parse_with_their_arguments_and_side() {
        assert_eq!(parse_key("src", Place::TcpLayer4), Ok(StickKey::Src));
        assert_eq!(
            parse_key("hdr(X-User,-1)", Place::StickResponse),
            Ok(StickKey::Hdr {
                side: Side::Response,
                name: "X-User".into(),
                occ: Some(-1)
            })
        );
        assert_eq!(
            parse_key("cookie(sid)", Place::HttpRequest),
            Ok(StickKey::Cookie {
                side: Side::Request,
                name: "sid".into()
            })
        );
        assert_eq!(
            parse_key("urlp(JSESSIONID,;)", Place::StickRequest),
            Ok(StickKey::UrlParam {
                name: "JSESSIONID".into(),
                delim: Some(";".into())
            })
        );
    }

    #[test]
    fn haproxys_argument_errors_are_reproduced() {
        let parse = |w: &str| match parse_key(w, Place::StickRequest) {
            Err(KeyError::Expr(ExprError::Parse(m))) => m,
            other => format!("{other:?}"),
        };
        assert_eq!(
            parse("src(1)"),
            "fetch method 'src' : expected ')' before '1)'"
        );
        assert_eq!(parse("req.hdr("), "fetch method 'req.hdr' : expected ')'");
        assert_eq!(
            parse("req.hdr(a,b)"),
            "fetch method 'req.hdr' : failed to parse 'b' as type 'integer' at position 2"
        );
        assert_eq!(
            parse("url_param(a,b,c)"),
            "fetch method 'url_param' : expected ')' before ',c)'"
        );
        assert_eq!(
            parse("req.hdr(a)x"),
            "missing comma after fetch keyword 'req.hdr'"
        );
        assert_eq!(parse("src,foo"), "unknown converter 'foo'");
        assert_eq!(parse("nope"), "unknown fetch method 'nope'");
    }

    #[test]
    fn other_fetches_converters_and_misplaced_keys_are_refused() {
        assert_eq!(
            parse_key("ssl_fc", Place::StickRequest),
            Err(KeyError::Expr(ExprError::Unsupported(
                "fetch method 'ssl_fc'".into()
            )))
        );
        assert_eq!(
            parse_key("src,lower", Place::StickRequest),
            Err(KeyError::Expr(ExprError::Unsupported(
                "converter 'lower'".into()
            )))
        );
        assert_eq!(
            parse_key("req.hdr(x)", Place::StickResponse),
            Err(KeyError::Unavailable {
                name: "req.hdr".into(),
                sources: "HTTP request headers"
            })
        );
        assert!(matches!(
            parse_key("hdr(x)", Place::TcpLayer4),
            Err(KeyError::Unavailable { sources, .. }) if sources.contains(',')
        ));
        assert!(matches!(
            parse_key("req.cook()", Place::StickRequest),
            Err(KeyError::Expr(ExprError::Unsupported(_)))
        ));
    }
}
