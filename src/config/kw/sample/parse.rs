//! The sample expression grammar of HAProxy 2.6's `sample_parse_expr()` and the argument
//! parser of its `make_arg_list()`, with their error messages: `fetch[(args)][,conv[(args)]]`.
//! Quotes and backslash escapes inside arguments, optional trailing arguments, type checks of
//! integers, addresses, masks and times, and the converter input type checks are HAProxy's.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{converter, fetch, ArgT, SmpT};
use crate::config::model::{Arg, Call, Compiled, Expr};

/// HAProxy's `is_idchar`: the characters of a fetch or converter keyword.
pub fn is_idchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+' | b':')
}

/// Parses the arguments at the start of `s` (which begins with `(` when there are any) for
/// argument types `types`, `min` of them mandatory. Returns the arguments and the rest of `s`
/// after the closing parenthesis; the error is HAProxy's text and the position (1-based) of
/// the argument it is about.
pub fn parse_args<'s>(
    s: &'s str,
    types: &[ArgT],
    min: u8,
) -> Result<(Vec<Arg>, &'s str), (String, usize)> {
    let min = usize::from(min);
    let b = s.as_bytes();
    let (empty, mut i) = match b.first() {
        Some(b'(') => (false, 1),
        _ => (true, 0),
    };
    let mut out = Vec::new();
    let nbarg = types.len();
    if nbarg == 0 || (empty && min == 0) {
        return finish(s, empty, i, out, types, min);
    }
    while out.len() < nbarg {
        let pos = out.len();
        let (word, next) = if empty {
            (String::new(), i)
        } else {
            unquote(b, i)
        };
        i = next;
        let ty = types.get(pos).copied().unwrap_or(ArgT::Str);
        match typed(&word, ty, pos) {
            Ok(a) => out.push(a),
            Err(None) => {
                // An empty value where one is needed: no argument at all when the
                // parentheses are empty, else HAProxy's message when it is mandatory.
                if pos >= min {
                    return finish(s, empty, i, out, types, min);
                }
                return Err((
                    format!(
                        "expected type '{}' at position {}, but got nothing",
                        ty.name(),
                        pos + 1
                    ),
                    pos,
                ));
            }
            Err(Some(msg)) => return Err((msg, pos)),
        }
        match b.get(i) {
            None | Some(b')') => break,
            _ if out.len() >= nbarg => break,
            _ => i += 1, // the comma
        }
    }
    finish(s, empty, i, out, types, min)
}

fn finish<'s>(
    s: &'s str,
    empty: bool,
    i: usize,
    out: Vec<Arg>,
    types: &[ArgT],
    min: usize,
) -> Result<(Vec<Arg>, &'s str), (String, usize)> {
    let pos = out.len();
    if pos < min {
        let ty = types.get(pos).map_or("string", |t| t.name());
        return Err((
            format!("missing arguments (got {pos}/{min}), type '{ty}' expected"),
            pos,
        ));
    }
    if empty {
        return Ok((out, s.get(i..).unwrap_or("")));
    }
    match s.as_bytes().get(i) {
        Some(b')') => Ok((out, s.get(i + 1..).unwrap_or(""))),
        _ => {
            let rest = s.get(i..).unwrap_or("");
            let msg = if rest.is_empty() {
                "expected ')'".to_string()
            } else {
                format!("expected ')' before '{rest}'")
            };
            Err((msg, if pos > 1 { pos - 1 } else { pos }))
        }
    }
}

/// Reads one argument from `b[i..]` up to an unquoted `,` or `)`, removing quotes and
/// resolving backslash escapes as HAProxy does.
fn unquote(b: &[u8], mut i: usize) -> (String, usize) {
    let mut out = Vec::new();
    let (mut sq, mut dq) = (false, false);
    while let Some(&c) = b.get(i) {
        match c {
            b'"' if !sq => dq = !dq,
            b'\'' if !dq => sq = !sq,
            b'\\' if !sq && i + 1 < b.len() => {
                let n = b.get(i + 1).copied().unwrap_or(0);
                match n {
                    b'\\' | b' ' | b'"' | b'\'' => out.push(n),
                    b'r' => out.push(b'\r'),
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    _ => {
                        out.push(b'\\');
                        i += 1;
                        continue;
                    }
                }
                i += 1;
            }
            b',' | b')' if !sq && !dq => break,
            _ => out.push(c),
        }
        i += 1;
    }
    (String::from_utf8_lossy(&out).into_owned(), i)
}

/// Converts one argument's text to its type. `Err(None)` for an empty value of a type that
/// needs one.
fn typed(w: &str, ty: ArgT, pos: usize) -> Result<Arg, Option<String>> {
    let bad = || {
        Some(format!(
            "failed to parse '{w}' as type '{}' at position {}",
            ty.name(),
            pos + 1
        ))
    };
    let needs_value = !matches!(
        ty,
        ArgT::Str
            | ArgT::Backend
            | ArgT::Frontend
            | ArgT::Server
            | ArgT::Table
            | ArgT::UserList
            | ArgT::Regex
    );
    if w.is_empty() && needs_value {
        return Err(None);
    }
    Ok(match ty {
        ArgT::Int => Arg::Int(read_int64(w).ok_or_else(bad)?),
        ArgT::Ipv4 => Arg::Ipv4(w.parse::<Ipv4Addr>().map_err(|_| bad())?),
        ArgT::Ipv6 => Arg::Ipv6(w.parse::<Ipv6Addr>().map_err(|_| bad())?),
        ArgT::Msk4 => Arg::Ipv4(mask4(w).ok_or_else(bad)?),
        ArgT::Msk6 => Arg::Ipv6(mask6(w).ok_or_else(bad)?),
        ArgT::Time => Arg::Int(time_ms(w).ok_or_else(bad)?),
        ArgT::Size => Arg::Int(size(w).ok_or_else(bad)?),
        ArgT::PbufFnum => Arg::Fields(
            w.split('.')
                .map(|p| p.parse::<u32>().ok())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad)?,
        ),
        _ => Arg::Str(w.to_string()),
    })
}

/// HAProxy's `read_int64`: optional sign then digits, the whole text.
pub fn read_int64(w: &str) -> Option<i64> {
    let (neg, digits) = match w.as_bytes().first() {
        Some(b'-') => (true, w.get(1..)?),
        Some(b'+') => (false, w.get(1..)?),
        _ => (false, w),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for c in digits.bytes() {
        v = v.wrapping_mul(10).wrapping_add(i64::from(c - b'0'));
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

fn mask4(w: &str) -> Option<Ipv4Addr> {
    if let Ok(a) = w.parse::<Ipv4Addr>() {
        return Some(a);
    }
    let bits: u32 = w.parse().ok().filter(|b| *b <= 32)?;
    Some(Ipv4Addr::from(u32::MAX.checked_shl(32 - bits).unwrap_or(0)))
}

fn mask6(w: &str) -> Option<Ipv6Addr> {
    let bits: u32 = w.parse().ok().filter(|b| *b <= 128)?;
    Some(Ipv6Addr::from(
        u128::MAX.checked_shl(128 - bits).unwrap_or(0),
    ))
}

fn time_ms(w: &str) -> Option<i64> {
    let end = w.find(|c: char| !c.is_ascii_digit()).unwrap_or(w.len());
    let n: i64 = w.get(..end)?.parse().ok()?;
    let mult = match w.get(end..)? {
        "" | "ms" => 1,
        "us" => return Some(n / 1000),
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn size(w: &str) -> Option<i64> {
    let end = w.find(|c: char| !c.is_ascii_digit()).unwrap_or(w.len());
    let n: i64 = w.get(..end)?.parse().ok()?;
    let mult = match w.get(end..)? {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Parses a whole sample expression (`req.hdr(host),lower,map(f)`), as HAProxy's
/// `sample_parse_expr()` with its messages. Returns the expression and its output type.
pub fn parse_expr(text: &str) -> Result<(Expr, SmpT), String> {
    let (expr, ty, rest) = parse_expr_prefix(text)?;
    if !rest.is_empty() {
        return Err(match expr.convs.last() {
            Some(c) => format!("missing comma after converter '{}'", c.name),
            None => format!("missing comma after fetch keyword '{}'", expr.fetch.name),
        });
    }
    Ok((expr, ty))
}

/// Parses the expression at the start of `text`, stopping at the first character that is not
/// part of it (a log-format's `]`); returns the expression, its type and the rest.
pub fn parse_expr_prefix(text: &str) -> Result<(Expr, SmpT, &str), String> {
    let end = text
        .bytes()
        .position(|c| !is_idchar(c))
        .unwrap_or(text.len());
    let name = text.get(..end).unwrap_or("");
    if name.is_empty() {
        return Err("missing fetch method".into());
    }
    let Some(kw) = fetch(name) else {
        return Err(format!("unknown fetch method '{name}'"));
    };
    let (args, mut rest) = parse_args(text.get(end..).unwrap_or(""), kw.args, kw.min)
        .map_err(|(m, _)| format!("fetch method '{name}' : {m}"))?;
    check_fetch_args(name, &args)
        .map_err(|m| format!("invalid args in fetch method '{name}' : {m}"))?;
    let mut ty = kw.out;
    let mut convs = Vec::new();
    while let Some(after) = rest.strip_prefix(',') {
        let after = after.trim_start_matches(',');
        if after.is_empty() {
            rest = after;
            break;
        }
        let cend = after
            .bytes()
            .position(|c| !is_idchar(c))
            .unwrap_or(after.len());
        let cname = after.get(..cend).unwrap_or("");
        let Some(ck) = converter(cname) else {
            return Err(format!("unknown converter '{cname}'"));
        };
        if !super::can_cast(ty, ck.input) {
            return Err(format!("converter '{cname}' cannot be applied"));
        }
        let tail = after.get(cend..).unwrap_or("");
        let (cargs, r) = parse_args(tail, ck.args, ck.min)
            .map_err(|(m, pos)| format!("invalid arg {} in converter '{cname}' : {m}", pos + 1))?;
        check_conv_args(cname, &cargs)
            .map_err(|m| format!("invalid args in converter '{cname}' : {m}"))?;
        ty = if ck.out == SmpT::Any { ty } else { ck.out };
        convs.push(Call {
            name: cname.to_string(),
            args: cargs,
        });
        rest = r;
    }
    let used = text.len() - rest.len();
    Ok((
        Expr {
            text: text.get(..used).unwrap_or(text).to_string(),
            fetch: Call {
                name: name.to_string(),
                args,
            },
            convs,
            compiled: Compiled::default(),
        },
        ty,
        rest,
    ))
}

/// The fetch argument checks HAProxy's `val_args` functions make.
fn check_fetch_args(name: &str, args: &[Arg]) -> Result<(), String> {
    match name {
        "req.hdr" | "hdr" | "res.hdr" | "shdr" | "req.fhdr" | "res.fhdr" | "req.hdr_ip"
        | "hdr_ip" | "res.hdr_ip" | "shdr_ip" => {
            if let Some(Arg::Int(occ)) = args.get(1) {
                // HAProxy's MAX_HDR_HISTORY.
                if *occ < -10 {
                    return Err("header occurrence must be >= -10".into());
                }
            }
            Ok(())
        }
        "var" => check_var_name(args.first().and_then(Arg::as_str).unwrap_or("")),
        _ => Ok(()),
    }
}

/// The converter argument checks HAProxy's `val_args` functions make.
fn check_conv_args(name: &str, args: &[Arg]) -> Result<(), String> {
    match name {
        "set-var" | "unset-var" => check_var_name(args.first().and_then(Arg::as_str).unwrap_or("")),
        "sha2" => match args.first() {
            None | Some(Arg::Int(224 | 256 | 384 | 512)) => Ok(()),
            Some(Arg::Int(n)) => Err(format!("Unsupported number of bits: '{n}'.")),
            _ => Ok(()),
        },
        "field" | "word" => match args.first() {
            Some(Arg::Int(0)) => Err("Unsupported field index '0'".into()),
            _ => Ok(()),
        },
        "div" | "mod" => Ok(()),
        _ => Ok(()),
    }
}

/// HAProxy's variable name check (`vars_check_arg`): `SCOPE.NAME` with a known scope.
pub fn check_var_name(name: &str) -> Result<(), String> {
    let scope = name.split('.').next().unwrap_or("");
    if !matches!(scope, "proc" | "sess" | "txn" | "req" | "res" | "check") || !name.contains('.') {
        return Err(format!(
            "invalid variable name '{name}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"
        ));
    }
    let rest = name.get(scope.len() + 1..).unwrap_or("");
    if rest.is_empty() {
        return Err(format!(
            "invalid variable name '{name}'. Empty variable name"
        ));
    }
    if let Some(c) = rest
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.')))
    {
        return Err(format!(
            "invalid variable name '{name}'. Only alphanumeric and '_' and '.' are allowed, got '{c}'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetch_with_converters_and_quoted_arguments_parses() {
        let (e, ty) = parse_expr("req.hdr(host),lower,map_str(\"/a b.map\",def)").unwrap();
        assert_eq!(e.fetch.name, "req.hdr");
        assert_eq!(e.fetch.args, vec![Arg::Str("host".into())]);
        assert_eq!(e.convs.len(), 2);
        assert_eq!(
            e.convs[1].args,
            vec![Arg::Str("/a b.map".into()), Arg::Str("def".into())]
        );
        assert_eq!(ty, SmpT::Str);
    }

    #[test]
    fn haproxy_messages_for_bad_expressions() {
        assert_eq!(
            parse_expr("nope").unwrap_err(),
            "unknown fetch method 'nope'"
        );
        assert_eq!(
            parse_expr("src,nope").unwrap_err(),
            "unknown converter 'nope'"
        );
        assert_eq!(
            parse_expr("req.hdr(a,x)").unwrap_err(),
            "fetch method 'req.hdr' : failed to parse 'x' as type 'integer' at position 2"
        );
        assert_eq!(
            parse_expr("method,add(1)").unwrap_err(),
            "converter 'add' cannot be applied"
        );
        assert_eq!(
            parse_expr("path,field").unwrap_err(),
            "invalid arg 1 in converter 'field' : expected type 'integer' at position 1, but got nothing"
        );
        assert_eq!(
            parse_expr("path,lower(x)").unwrap_err(),
            "invalid arg 1 in converter 'lower' : expected ')' before 'x)'"
        );
        assert_eq!(
            parse_expr("req.hdr(a").unwrap_err(),
            "fetch method 'req.hdr' : expected ')'"
        );
    }

    #[test]
    fn escapes_and_empty_optional_arguments() {
        let (e, _) = parse_expr("str(a\\ b),concat(,txn.x,)").unwrap();
        assert_eq!(e.fetch.args, vec![Arg::Str("a b".into())]);
        let (e, _) = parse_expr("str('a,b')").unwrap();
        assert_eq!(e.fetch.args, vec![Arg::Str("a,b".into())]);
        let (e, _) = parse_expr("req.hdr()").unwrap();
        assert_eq!(e.fetch.args, vec![Arg::Str(String::new())]);
    }

    #[test]
    fn variable_names_need_a_scope() {
        assert!(parse_expr("var(txn.x)").is_ok());
        assert!(parse_expr("var(foo)").is_err());
        assert!(parse_expr("src,set-var(req.a)").is_ok());
    }
}
