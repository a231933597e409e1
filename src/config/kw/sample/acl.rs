//! ACL expressions (configuration.txt 7.1 "ACL basics", 7.1.1 "Matching booleans" to 7.1.6
//! "Matching IPv4 and IPv6 addresses"): `criterion [-i] [-n] [-u ID] [-f FILE] [-m METHOD]
//! [-M] [--] [patterns]`, parsed into an [`AclExpr`] as HAProxy 2.6's `parse_acl_expr()`
//! does. The criterion is an ACL keyword (`hdr_beg(host)`, its own match method) or any
//! sample expression (its match method follows its output type). Pattern files are read
//! here, at load. The flag errors already checked by `config::kw::acl` are not repeated.

use std::net::IpAddr;

use super::parse::{is_idchar, parse_args, parse_expr, read_int64};
use super::{acl_keyword, can_cast, converter, fetch, match_type, Match, SmpT};
use crate::config::model::{AclExpr, Call, Compiled, Expr, IpNet, Pattern};

/// Parses `criterion` and the words after it. `read` reads a pattern file (`-f`).
pub fn parse_acl_expr(
    criterion: &str,
    words: &[String],
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<AclExpr, String> {
    let (expr, mut how) = criterion_of(criterion)?;
    let mut ignore_case = false;
    let mut files = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
        match w.as_str() {
            "-i" => ignore_case = true,
            "-n" | "-M" => {}
            "-u" => i += 1,
            "-f" => {
                let path = words.get(i + 1).map_or("", String::as_str);
                files.push(read(path)?);
                i += 1;
            }
            "-m" => {
                let name = words.get(i + 1).map_or("", String::as_str);
                let m = Match::by_name(name).ok_or_else(|| {
                    format!("unknown matching method '{name}' when parsing ACL expression")
                })?;
                let out = expr_type(&expr);
                if m != Match::Found && !can_cast(out, match_type(m)) {
                    return Err(format!(
                        "matching method '{name}' cannot be used with fetch keyword '{}'",
                        expr.fetch.name
                    ));
                }
                how = Some(m);
                i += 1;
            }
            "--" => {
                i += 1;
                break;
            }
            _ => break,
        }
        i += 1;
    }
    let Some(how) = how else {
        return Err(format!(
            "matching method must be specified first (using '-m') when using a sample fetch of this type ('{}')",
            expr.fetch.name
        ));
    };
    let mut patterns = Vec::new();
    let mut op = None;
    for w in words.get(i..).unwrap_or(&[]) {
        if matches!(how, Match::Int | Match::Len) {
            if let Some(o) = std_op(w) {
                op = Some(o);
                continue;
            }
        }
        patterns.push(pattern(how, w, op)?);
    }
    for text in &files {
        for l in file_patterns(text) {
            patterns.push(pattern(how, l, None)?);
        }
    }
    Ok(AclExpr {
        expr,
        how,
        ignore_case,
        patterns,
        compiled: Compiled::default(),
    })
}

/// The patterns of a `-f` file as HAProxy's `pat_ref_read_from_file()` reads them: a line
/// starting with `#` is a comment, leading spaces and tabs go, the pattern ends at the first
/// CR or LF (trailing spaces stay), empty lines are skipped.
pub fn file_patterns(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').filter_map(|line| {
        if line.starts_with('#') {
            return None;
        }
        let l = line.trim_start_matches([' ', '\t']);
        let l = l.split('\r').next().unwrap_or("");
        (!l.is_empty()).then_some(l)
    })
}

/// The expression of a criterion and its default match method (`None`: `-m` is needed).
fn criterion_of(criterion: &str) -> Result<(Expr, Option<Match>), String> {
    let end = criterion
        .bytes()
        .position(|c| !is_idchar(c))
        .unwrap_or(criterion.len());
    let name = criterion.get(..end).unwrap_or("");
    let Some(kw) = acl_keyword(name) else {
        let (expr, ty) =
            parse_expr(criterion).map_err(|e| format!("{e} in ACL expression '{criterion}'"))?;
        return Ok((expr, default_match(ty)));
    };
    // An ACL keyword: the fetch's arguments follow it; converters make the match follow the
    // output type instead.
    let Some(f) = fetch(kw.fetch) else {
        return Err(format!(
            "unknown fetch method '{name}' in ACL expression '{criterion}'"
        ));
    };
    let (args, rest) = parse_args(criterion.get(end..).unwrap_or(""), f.args, f.min)
        .map_err(|(m, _)| format!("ACL keyword '{name}' : {m}"))?;
    let mut expr = Expr {
        text: criterion.to_string(),
        fetch: Call {
            name: kw.fetch.to_string(),
            args,
        },
        convs: Vec::new(),
        compiled: Compiled::default(),
    };
    if rest.is_empty() {
        return Ok((expr, Some(kw.how)));
    }
    if !rest.starts_with(',') {
        return Err(format!(
            "ACL keyword '{name}' : missing comma after fetch keyword."
        ));
    }
    // Converters: parsed by the expression parser on the fetch's own name.
    let (conv_expr, ty) = parse_expr(&format!(
        "{}{}",
        kw.fetch,
        criterion.get(end..).unwrap_or("")
    ))
    .map_err(|e| format!("ACL keyword '{name}' : {e}."))?;
    expr.convs = conv_expr.convs;
    Ok((expr, default_match(ty)))
}

/// The output type of an expression.
fn expr_type(e: &Expr) -> SmpT {
    let mut ty = fetch(&e.fetch.name).map_or(SmpT::Any, |f| f.out);
    for c in &e.convs {
        if let Some(k) = converter(&c.name) {
            if k.out != SmpT::Any {
                ty = k.out;
            }
        }
    }
    ty
}

/// The match method HAProxy picks for a sample of type `ty` when none is given.
fn default_match(ty: SmpT) -> Option<Match> {
    match ty {
        SmpT::Bool => Some(Match::Bool),
        SmpT::Sint => Some(Match::Int),
        SmpT::Addr | SmpT::Ipv4 | SmpT::Ipv6 => Some(Match::Ip),
        SmpT::Str => Some(Match::Str),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Op {
    Eq,
    Le,
    Lt,
    Ge,
    Gt,
}

fn std_op(w: &str) -> Option<Op> {
    Some(match w {
        "eq" => Op::Eq,
        "le" => Op::Le,
        "lt" => Op::Lt,
        "ge" => Op::Ge,
        "gt" => Op::Gt,
        _ => return None,
    })
}

/// Parses one pattern for a match method.
fn pattern(how: Match, w: &str, op: Option<Op>) -> Result<Pattern, String> {
    match how {
        Match::Int | Match::Len => range(w, op),
        Match::Ip => net(w),
        Match::Bin => hex(w),
        Match::Found | Match::Bool => Ok(Pattern::Str(w.to_string())),
        _ => Ok(Pattern::Str(w.to_string())),
    }
}

fn range(w: &str, op: Option<Op>) -> Result<Pattern, String> {
    let bad = || format!("'{w}' is not a number");
    if let Some(op) = op {
        let v = read_int64(w).ok_or_else(bad)?;
        return Ok(match op {
            Op::Eq => Pattern::Range(Some(v), Some(v)),
            Op::Le => Pattern::Range(None, Some(v)),
            Op::Lt => Pattern::Range(None, Some(v.saturating_sub(1))),
            Op::Ge => Pattern::Range(Some(v), None),
            Op::Gt => Pattern::Range(Some(v.saturating_add(1)), None),
        });
    }
    match w.split_once(':') {
        None => {
            let v = read_int64(w).ok_or_else(bad)?;
            Ok(Pattern::Range(Some(v), Some(v)))
        }
        Some((a, b)) => {
            let lo = if a.is_empty() {
                None
            } else {
                Some(read_int64(a).ok_or_else(bad)?)
            };
            let hi = if b.is_empty() {
                None
            } else {
                Some(read_int64(b).ok_or_else(bad)?)
            };
            Ok(Pattern::Range(lo, hi))
        }
    }
}

fn net(w: &str) -> Result<Pattern, String> {
    let bad = || format!("'{w}' is not a valid IPv4 or IPv6 address");
    let (a, p) = match w.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (w, None),
    };
    let addr: IpAddr = a.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match p {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => match (addr, p.parse::<std::net::Ipv4Addr>()) {
                (IpAddr::V4(_), Ok(m)) => {
                    let m = u32::from(m);
                    if m.leading_ones() + m.trailing_zeros() != 32 {
                        return Err(bad());
                    }
                    u8::try_from(m.leading_ones()).unwrap_or(32)
                }
                _ => return Err(bad()),
            },
        },
    };
    Ok(Pattern::Net(IpNet { addr, prefix }))
}

fn hex(w: &str) -> Result<Pattern, String> {
    let b = w.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(format!("'{w}' : odd number of characters"));
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks(2) {
        let s = std::str::from_utf8(pair).unwrap_or("");
        out.push(
            u8::from_str_radix(s, 16).map_err(|_| format!("'{w}' is not a valid hex string"))?,
        );
    }
    Ok(Pattern::Bin(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }
    fn no_file(p: &str) -> Result<String, String> {
        Err(format!("failed to open pattern file <{p}>"))
    }

    #[test]
    fn acl_keywords_carry_their_match_method() {
        let a = parse_acl_expr("hdr_beg(host)", &w("-i www."), &no_file).unwrap();
        assert_eq!(a.expr.fetch.name, "req.hdr");
        assert_eq!(a.how, Match::Beg);
        assert!(a.ignore_case);
        assert_eq!(a.patterns, vec![Pattern::Str("www.".into())]);
    }

    #[test]
    fn fetches_match_by_their_type_and_integers_take_operators_and_ranges() {
        let a = parse_acl_expr("req.hdr_cnt(x)", &w("5:7 :1"), &no_file).unwrap();
        assert_eq!(a.how, Match::Int);
        assert_eq!(
            a.patterns,
            vec![
                Pattern::Range(Some(5), Some(7)),
                Pattern::Range(None, Some(1))
            ]
        );
        let a = parse_acl_expr("req.hdr_cnt(x)", &w("gt 2"), &no_file).unwrap();
        assert_eq!(a.patterns, vec![Pattern::Range(Some(3), None)]);
        let a = parse_acl_expr("src", &w("10.0.0.0/8 ::1"), &no_file).unwrap();
        assert_eq!(a.how, Match::Ip);
        assert_eq!(a.patterns.len(), 2);
    }

    #[test]
    fn converters_after_an_acl_keyword_switch_to_the_output_type() {
        let a = parse_acl_expr("hdr(host),lower", &w("a"), &no_file).unwrap();
        assert_eq!(a.expr.convs.len(), 1);
        assert_eq!(a.how, Match::Str);
        let a = parse_acl_expr("path,length", &w("3"), &no_file).unwrap();
        assert_eq!(a.how, Match::Int);
    }

    #[test]
    fn files_are_read_and_comments_skipped() {
        let read = |_: &str| Ok("# c\n #x\n\n /a \n/b\r\n".to_string());
        let a = parse_acl_expr("path", &w("-f x.lst"), &read).unwrap();
        assert_eq!(
            a.patterns,
            vec![
                Pattern::Str("#x".into()),
                Pattern::Str("/a ".into()),
                Pattern::Str("/b".into())
            ]
        );
    }

    #[test]
    fn a_binary_fetch_needs_a_method() {
        let e = parse_acl_expr("req.payload(0,2)", &w("ab"), &no_file).unwrap_err();
        assert!(e.contains("matching method must be specified first"), "{e}");
    }
}
