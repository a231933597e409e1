//! `balance` and `hash-type` (configuration.txt 4.2 "balance", "hash-type"): every
//! algorithm with its arguments (`roundrobin`, `static-rr`, `leastconn`, `first`,
//! `source`, `uri`, `url_param`, `hdr(NAME)`, `rdp-cookie[(NAME)]`, `random[(N)]`,
//! `hash EXPR`), and the hash method, function and `avalanche` modifier.

use super::{Keyword, Parse, ProxyCtx, BE};
use crate::config::lexer::Line;
use crate::config::model::{Balance, HashFunction, HashMethod, HashType};

/// `balance` and `hash-type`.
pub static KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "balance",
        sections: BE,
        parse: Parse::Proxy(balance),
    },
    Keyword {
        name: "hash-type",
        sections: BE,
        parse: Parse::Proxy(hash_type),
    },
];

const ONLY: &str = "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.";

fn balance(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let args = line.words.get(1..).unwrap_or(&[]);
    match parse_balance(args) {
        Ok(b) => ctx.proxy.balance = b,
        Err(msg) => ctx.alert(line, msg),
    }
}

fn positive(v: Option<&String>, what: &str) -> Result<u32, String> {
    let t = v.map(String::as_str).unwrap_or("");
    match t.parse::<u32>() {
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "balance uri : '{what}' expects a positive integer (got '{t}')."
        )),
    }
}

/// Parses the words after `balance` into an algorithm, or HAProxy's error text.
pub fn parse_balance(args: &[String]) -> Result<Balance, String> {
    let Some(algo) = args.first() else {
        return Ok(Balance::RoundRobin);
    };
    let rest = args.get(1..).unwrap_or(&[]);
    Ok(match algo.as_str() {
        "roundrobin" => Balance::RoundRobin,
        "static-rr" => Balance::StaticRr,
        "leastconn" => Balance::LeastConn,
        "first" => Balance::First,
        "source" => Balance::Source,
        "uri" => {
            let (mut len, mut depth, mut whole, mut path_only) = (0, 0, false, false);
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                match a.as_str() {
                    "len" => {
                        len = positive(rest.get(i + 1), "len")?;
                        i += 1;
                    }
                    "depth" => {
                        depth = positive(rest.get(i + 1), "depth")?;
                        i += 1;
                    }
                    "whole" => whole = true,
                    "path-only" => path_only = true,
                    other => {
                        return Err(format!(
                            "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '{other}')."
                        ))
                    }
                }
                i += 1;
            }
            Balance::Uri {
                len,
                depth,
                whole,
                path_only,
            }
        }
        "url_param" => {
            let Some(name) = rest.first() else {
                return Err("balance url_param requires an URL parameter name.".into());
            };
            let mut check_post = false;
            let mut i = 1;
            while let Some(a) = rest.get(i) {
                if a == "check_post" {
                    check_post = true;
                    if rest
                        .get(i + 1)
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                    {
                        i += 1;
                    }
                } else {
                    return Err(format!(
                        "balance url_param only accepts 'check_post' modifier (got '{a}')."
                    ));
                }
                i += 1;
            }
            Balance::UrlParam {
                name: name.clone(),
                check_post,
            }
        }
        "hash" => {
            if rest.is_empty() {
                return Err("balance hash requires a sample expression.".into());
            }
            Balance::Hash {
                expr: rest.join(" "),
            }
        }
        "rdp-cookie" => Balance::RdpCookie {
            name: "mstshash".into(),
        },
        a if a.starts_with("hdr(") => {
            let inner = a.get(4..).unwrap_or("");
            let name = match inner.find(')') {
                Some(end) => inner.get(..end).unwrap_or(""),
                None => "",
            };
            if name.is_empty() {
                return Err("balance hdr requires an http header field name.".into());
            }
            let mut use_domain_only = false;
            for m in rest {
                if m == "use_domain_only" {
                    use_domain_only = true;
                } else {
                    return Err(format!(
                        "balance {a} only accepts 'use_domain_only' modifier (got '{m}')."
                    ));
                }
            }
            Balance::Hdr {
                name: name.to_string(),
                use_domain_only,
            }
        }
        a if a.starts_with("rdp-cookie(") => {
            let inner = a.get(11..).unwrap_or("");
            let name = match inner.find(')') {
                Some(end) => inner.get(..end).unwrap_or(""),
                None => "",
            };
            if name.is_empty() {
                return Err("balance rdp-cookie : missing cookie name.".into());
            }
            Balance::RdpCookie {
                name: name.to_string(),
            }
        }
        a if a.starts_with("random") => parse_random(a)?,
        _ => return Err(ONLY.into()),
    })
}

/// `random[(<draws>)]` as HAProxy 2.6 reads it: any word starting with `random` is the
/// algorithm; a `(` not directly closed holds a number read by `strtol(.., 0)` (sign, hex
/// `0x`, octal `0`) and stored into an `int`, then `)` must follow. Draws default to 2.
fn parse_random(word: &str) -> Result<Balance, String> {
    let Some(inner) = word.strip_prefix("random(").filter(|i| !i.starts_with(')')) else {
        return Ok(Balance::Random { draws: 2 });
    };
    let (value, end) = strtol0(inner.as_bytes());
    match inner.as_bytes().get(end) {
        None => return Err("balance random : missing closing parenthesis.".into()),
        Some(b')') => {}
        Some(_) => {
            let c = inner
                .get(end..)
                .and_then(|t| t.chars().next())
                .unwrap_or('?');
            return Err(format!(
                "balance random : unexpected character '{c}' after argument."
            ));
        }
    }
    // C stores the `long` into an `int`: keep the low 32 bits.
    let low = u32::try_from(value & 0xffff_ffff).unwrap_or(0);
    let draws = i32::from_ne_bytes(low.to_ne_bytes());
    match u32::try_from(draws) {
        Ok(d) if d >= 1 => Ok(Balance::Random { draws: d }),
        _ => Err("balance random : number of draws must be at least 1.".into()),
    }
}

/// C's `strtol(s, &end, 0)`: leading white space, a sign, then hex (`0x`), octal (`0`) or
/// decimal digits; saturates like glibc. Returns the value and the offset of `end` (0 when
/// no digit was read).
fn strtol0(s: &[u8]) -> (i64, usize) {
    let mut i = 0usize;
    while s
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let (radix, mut j) = match (s.get(i), s.get(i + 1), s.get(i + 2)) {
        (Some(b'0'), Some(b'x' | b'X'), Some(h)) if h.is_ascii_hexdigit() => (16u32, i + 2),
        (Some(b'0'), _, _) => (8, i),
        _ => (10, i),
    };
    let start = j;
    let mut acc: i64 = 0;
    while let Some(d) = s.get(j).and_then(|b| char::from(*b).to_digit(radix)) {
        let d = i64::from(d);
        acc = if neg {
            acc.saturating_mul(i64::from(radix)).saturating_sub(d)
        } else {
            acc.saturating_mul(i64::from(radix)).saturating_add(d)
        };
        j += 1;
    }
    if j == start {
        return (0, 0);
    }
    (acc, j)
}

fn hash_type(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match parse_hash_type(line.words.get(1..).unwrap_or(&[])) {
        Ok(h) => ctx.proxy.hash_type = h,
        Err(msg) => ctx.alert(line, msg),
    }
}

/// Parses the words after `hash-type`.
pub fn parse_hash_type(args: &[String]) -> Result<HashType, String> {
    let method = match args.first().map(String::as_str) {
        Some("consistent") => HashMethod::Consistent,
        Some("map-based") => HashMethod::MapBased,
        _ => return Err("'hash-type' only supports 'consistent' and 'map-based'.".into()),
    };
    let mut h = HashType {
        method,
        ..HashType::default()
    };
    h.function = match args.get(1).map(String::as_str) {
        // HAProxy: `consistent` with no function means sdbm with the avalanche modifier.
        None => {
            h.avalanche = method == HashMethod::Consistent;
            HashFunction::Sdbm
        }
        Some("sdbm") => HashFunction::Sdbm,
        Some("djb2") => HashFunction::Djb2,
        Some("wt6") => HashFunction::Wt6,
        Some("crc32") => HashFunction::Crc32,
        Some(_) => {
            return Err(
                "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions."
                    .into(),
            )
        }
    };
    match args.get(2).map(String::as_str) {
        None => {}
        Some("avalanche") => h.avalanche = true,
        Some(_) => {
            return Err(
                "'hash-type' only supports 'avalanche' as a modifier for hash functions.".into(),
            )
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn consistent_without_a_function_is_sdbm_with_avalanche() {
        let h = parse_hash_type(&w("consistent")).unwrap();
        assert_eq!(h.function, HashFunction::Sdbm);
        assert!(h.avalanche);
        assert!(!parse_hash_type(&w("consistent sdbm")).unwrap().avalanche);
        assert!(!parse_hash_type(&w("map-based")).unwrap().avalanche);
    }

    #[test]
    fn every_algorithm_parses_with_its_arguments() {
        assert_eq!(parse_balance(&w("roundrobin")), Ok(Balance::RoundRobin));
        assert_eq!(parse_balance(&w("static-rr")), Ok(Balance::StaticRr));
        assert_eq!(parse_balance(&w("leastconn")), Ok(Balance::LeastConn));
        assert_eq!(parse_balance(&w("first")), Ok(Balance::First));
        assert_eq!(parse_balance(&w("source")), Ok(Balance::Source));
        assert_eq!(
            parse_balance(&w("uri path-only whole len 10 depth 2")),
            Ok(Balance::Uri {
                len: 10,
                depth: 2,
                whole: true,
                path_only: true
            })
        );
        assert_eq!(
            parse_balance(&w("url_param id check_post 10")),
            Ok(Balance::UrlParam {
                name: "id".into(),
                check_post: true
            })
        );
        assert_eq!(
            parse_balance(&w("hdr(host) use_domain_only")),
            Ok(Balance::Hdr {
                name: "host".into(),
                use_domain_only: true
            })
        );
        assert_eq!(
            parse_balance(&w("rdp-cookie")),
            Ok(Balance::RdpCookie {
                name: "mstshash".into()
            })
        );
        assert_eq!(
            parse_balance(&w("rdp-cookie(x)")),
            Ok(Balance::RdpCookie { name: "x".into() })
        );
        assert_eq!(
            parse_balance(&w("random")),
            Ok(Balance::Random { draws: 2 })
        );
        assert_eq!(
            parse_balance(&w("random(3)")),
            Ok(Balance::Random { draws: 3 })
        );
        assert_eq!(
            parse_balance(&w("hash req.cookie(x)")),
            Ok(Balance::Hash {
                expr: "req.cookie(x)".into()
            })
        );
        assert_eq!(parse_balance(&[]), Ok(Balance::RoundRobin));
    }

    #[test]
    fn bad_algorithms_are_worded_like_haproxy() {
        assert_eq!(parse_balance(&w("foo")), Err(ONLY.to_string()));
        assert_eq!(
            parse_balance(&w("random(x)")),
            Err("balance random : unexpected character 'x' after argument.".to_string())
        );
        assert_eq!(
            parse_balance(&w("uri len")),
            Err("balance uri : 'len' expects a positive integer (got '').".to_string())
        );
        assert_eq!(
            parse_balance(&w("hdr()")),
            Err("balance hdr requires an http header field name.".to_string())
        );
    }

    #[test]
    fn hash_type_takes_method_function_and_modifier() {
        let h = parse_hash_type(&w("consistent crc32 avalanche")).unwrap();
        assert_eq!(h.method, HashMethod::Consistent);
        assert_eq!(h.function, HashFunction::Crc32);
        assert!(h.avalanche);
        assert!(parse_hash_type(&w("foo")).is_err());
        assert!(parse_hash_type(&w("consistent sdbm foo")).is_err());
    }

    #[test]
    fn random_draws_are_read_like_haproxy_strtol_into_an_int() {
        let draws = |a: &str| parse_balance(&w(a));
        assert_eq!(draws("random()"), Ok(Balance::Random { draws: 2 }));
        assert_eq!(draws("randomfoo"), Ok(Balance::Random { draws: 2 }));
        assert_eq!(draws("random(0x10)"), Ok(Balance::Random { draws: 16 }));
        assert_eq!(draws("random(010)"), Ok(Balance::Random { draws: 8 }));
        assert_eq!(draws("random(+3)x"), Ok(Balance::Random { draws: 3 }));
        assert_eq!(
            draws("random(4294967297)"),
            Ok(Balance::Random { draws: 1 })
        );
        let at_least = Err("balance random : number of draws must be at least 1.".to_string());
        for bad in [
            "random(0)",
            "random(-3)",
            "random(2147483648)",
            "random(4294967296)",
        ] {
            assert_eq!(draws(bad), at_least, "{bad}");
        }
        let missing = Err("balance random : missing closing parenthesis.".to_string());
        assert_eq!(draws("random("), missing);
        assert_eq!(draws("random(3"), missing);
        let unexpected = |c: char| {
            Err(format!(
                "balance random : unexpected character '{c}' after argument."
            ))
        };
        assert_eq!(draws("random(08)"), unexpected('8'));
        assert_eq!(draws("random(-0x)"), unexpected('x'));
        assert_eq!(draws("random(-)"), unexpected('-'));
        assert_eq!(draws("random(1e3)"), unexpected('e'));
    }
}
