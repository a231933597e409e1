//! ACLs on stick counters (configuration.txt 7.3.3: `sc_*`, `sc0_*`..`sc2_*`, `src_*`,
//! `table_avl`, `table_cnt`; 7.1.3 "Matching integers"): the fetch and its match are typed
//! here at load, so that `{ sc_http_req_rate(0) gt 10 }` becomes a value the runtime can
//! evaluate, and every form this build cannot evaluate is refused with the line.
//! Imports only `config::model` and the sample helpers of this folder.

use super::sample::{self, ArgType, ExprError};
use crate::config::model::{CounterData, CounterFetch, CounterOf, IntMatch, IntRange};

/// A typed counter ACL: fetch and match.
pub type Typed = (CounterFetch, IntMatch);

/// True if the fetch of `criterion` reads a stick counter or a table (and so must be typed
/// here rather than kept for the generic ACL matcher).
pub fn is_counter(criterion: &str) -> bool {
    let name = crate::config::kw::fetches::fetch_name(criterion);
    if matches!(name, "table_avl" | "table_cnt") {
        return true;
    }
    if name == "src_port" || name == "src_is_local" {
        return false;
    }
    name.starts_with("src_") || sc_number(name).is_some() || name.starts_with("sc_")
}

/// `scN_` prefixes: the counter number.
fn sc_number(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("sc")?;
    let (digits, _) = rest.split_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parses an ACL whose fetch is a stick counter: `criterion [flags] [patterns]`. `own` is
/// the proxy's name, the table of `src_*` and `table_*` when none is named. The error is
/// the text HAProxy puts after "error detected while parsing ACL 'x' : " (or a refusal).
pub fn parse(criterion: &str, args: &[String], own: &str) -> Result<Typed, String> {
    let in_expr = |m: String| format!("{m} in ACL expression '{criterion}'");
    let fetch = fetch(criterion, own).map_err(|e| match e {
        ExprError::Parse(m) => in_expr(m),
        ExprError::Unsupported(what) => in_expr(format!(
            "{what} is not supported by haproxy-rs on stick counters"
        )),
    })?;
    let tracked = matches!(
        fetch,
        CounterFetch::Counter {
            data: CounterData::Tracked,
            ..
        }
    );
    let matcher = matcher(args, tracked)?;
    Ok((fetch, matcher))
}

/// The typed fetch of `criterion`.
fn fetch(criterion: &str, own: &str) -> Result<CounterFetch, ExprError> {
    let e = sample::split(criterion)?;
    let table_arg = |a: &[String]| a.first().cloned();
    if matches!(e.name, "table_avl" | "table_cnt") {
        let a = sample::args(&e, 0, &[ArgType::Table]).map_err(ExprError::Parse)?;
        sample::converter(&e)?;
        let table = table_arg(&a).unwrap_or_else(|| own.to_string());
        return Ok(if e.name == "table_avl" {
            CounterFetch::TableAvl { table }
        } else {
            CounterFetch::TableCnt { table }
        });
    }
    let suffix = match e.name.strip_prefix("src_") {
        Some(s) => s,
        None => e.name.split_once('_').map_or("", |(_, s)| s),
    };
    let Some(data) = CounterData::from_name(suffix) else {
        return Err(ExprError::Unsupported(format!("fetch method '{}'", e.name)));
    };
    let (of, a) = if e.name.starts_with("sc_") {
        let a = sample::args(&e, 1, &[ArgType::Int, ArgType::Table]).map_err(ExprError::Parse)?;
        let n = a
            .first()
            .and_then(|n| sample::parse_int(n))
            .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX));
        (CounterOf::Sc(n), a.get(1..).unwrap_or(&[]).to_vec())
    } else if e.name.starts_with("src_") {
        let a = sample::args(&e, 0, &[ArgType::Table]).map_err(ExprError::Parse)?;
        (CounterOf::Src, a)
    } else {
        let n = sc_number(e.name).unwrap_or(u32::MAX);
        let a = sample::args(&e, 0, &[ArgType::Table]).map_err(ExprError::Parse)?;
        (CounterOf::Sc(n), a)
    };
    sample::converter(&e)?;
    let table = match of {
        CounterOf::Src => Some(table_arg(&a).unwrap_or_else(|| own.to_string())),
        CounterOf::Sc(_) => table_arg(&a),
    };
    Ok(CounterFetch::Counter { of, table, data })
}

/// The match of a counter ACL from its flags and patterns, with HAProxy's messages.
fn matcher(args: &[String], tracked: bool) -> Result<IntMatch, String> {
    let mut method: Option<&str> = None;
    let mut i = 0;
    while let Some(a) = args.get(i).filter(|a| a.starts_with('-')) {
        match a.as_str() {
            "-i" | "-n" => {}
            "--" => {
                i += 1;
                break;
            }
            "-m" => {
                let m = args.get(i + 1).map_or("", String::as_str);
                const KNOWN: &[&str] = &[
                    "found", "bool", "int", "ip", "bin", "len", "str", "beg", "sub", "dir", "dom",
                    "end", "reg", "regm",
                ];
                if !KNOWN.contains(&m) {
                    return Err(format!(
                        "unknown matching method '{m}' when parsing ACL expression"
                    ));
                }
                if !matches!(m, "found" | "bool" | "int") {
                    return Err(format!(
                        "matching method '-m {m}' is not supported by haproxy-rs on stick counters (use int, found or bool)"
                    ));
                }
                method = Some(m);
                i += 1;
            }
            "-f" | "-M" | "-u" => {
                return Err(format!(
                    "ACL option '{a}' is not supported by haproxy-rs on stick counters"
                ));
            }
            _ => {
                return Err(format!(
                    "'{a}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"
                ));
            }
        }
        i += 1;
    }
    let patterns = args.get(i..).unwrap_or(&[]);
    match method {
        Some("found") => return Ok(IntMatch::Found),
        Some("bool") => return Ok(IntMatch::Bool),
        None if tracked => return Ok(IntMatch::Bool),
        _ => {}
    }
    ranges(patterns).map(IntMatch::Ranges)
}

/// An ACL comparison operator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

/// HAProxy's `get_std_op()` (`ne` is accepted and behaves as `eq`, as in HAProxy 2.6).
fn op(w: &str) -> Option<Op> {
    Some(match w {
        "eq" | "ne" => Op::Eq,
        "ge" => Op::Ge,
        "gt" => Op::Gt,
        "le" => Op::Le,
        "lt" => Op::Lt,
        _ => return None,
    })
}

/// The integer patterns, an operator applying to every value after it (HAProxy's
/// compatibility layer of `parse_acl_expr()` then `pat_parse_int()`).
fn ranges(patterns: &[String]) -> Result<Vec<IntRange>, String> {
    let mut current = Op::Eq;
    let mut out = Vec::new();
    for p in patterns {
        if let Some(o) = op(p) {
            current = o;
            continue;
        }
        let ranged = p.contains([':', '-']);
        if ranged || current == Op::Eq {
            out.push(range(p)?);
            continue;
        }
        let Some(v) = number(p) else {
            return Err(format!(
                "'{p}' is neither a number nor a supported operator"
            ));
        };
        out.push(match current {
            Op::Gt => IntRange {
                min: Some(v.saturating_add(1)),
                max: None,
            },
            Op::Ge => IntRange {
                min: Some(v),
                max: None,
            },
            Op::Lt => IntRange {
                min: None,
                max: Some(v.saturating_sub(1)),
            },
            Op::Le | Op::Eq => IntRange {
                min: None,
                max: Some(v),
            },
        });
    }
    Ok(out)
}

/// `pat_parse_int()`: `N`, `LO:HI`, `LO:`, `:HI` (`-` works as `:`).
fn range(p: &str) -> Result<IntRange, String> {
    let bad = || format!("'{p}' is not a valid number range");
    let Some(sep) = p.find([':', '-']) else {
        return number(p)
            .map(|v| IntRange {
                min: Some(v),
                max: Some(v),
            })
            .ok_or_else(|| format!("'{p}' is not a number"));
    };
    let (lo, hi) = (p.get(..sep).unwrap_or(""), p.get(sep + 1..).unwrap_or(""));
    let min = if lo.is_empty() {
        if hi.is_empty() {
            return Err(bad());
        }
        None
    } else {
        Some(number(lo).ok_or_else(bad)?)
    };
    let max = if hi.is_empty() {
        None
    } else {
        Some(number(hi).ok_or_else(bad)?)
    };
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            return Err(bad());
        }
    }
    Ok(IntRange { min, max })
}

/// HAProxy's `strl2llrc()` on decimal digits (a leading `-` allowed).
fn number(p: &str) -> Option<i64> {
    let digits = p.strip_prefix('-').unwrap_or(p);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn sc_src_and_table_fetches_are_recognised() {
        assert!(is_counter("sc_http_req_rate(0)"));
        assert!(is_counter("sc1_conn_cur"));
        assert!(is_counter("src_conn_rate(t)"));
        assert!(is_counter("table_avl"));
        assert!(!is_counter("src"));
        assert!(!is_counter("src_port"));
        assert!(!is_counter("path_beg"));
    }

    #[test]
    fn the_forms_of_a_counter_fetch_become_typed_values() {
        let (f, m) = parse("sc_http_req_rate(0)", &w("gt 10"), "fe").unwrap();
        assert_eq!(
            f,
            CounterFetch::Counter {
                of: CounterOf::Sc(0),
                table: None,
                data: CounterData::HttpReqRate
            }
        );
        assert_eq!(
            m,
            IntMatch::Ranges(vec![IntRange {
                min: Some(11),
                max: None
            }])
        );
        let (f, _) = parse("src_conn_cur", &w("ge 1"), "fe").unwrap();
        assert_eq!(
            f,
            CounterFetch::Counter {
                of: CounterOf::Src,
                table: Some("fe".into()),
                data: CounterData::ConnCur
            }
        );
        let (f, _) = parse("sc1_get_gpc0(other)", &w("1"), "fe").unwrap();
        assert_eq!(
            f,
            CounterFetch::Counter {
                of: CounterOf::Sc(1),
                table: Some("other".into()),
                data: CounterData::GetGpc0
            }
        );
        let (f, m) = parse("sc0_tracked", &[], "fe").unwrap();
        assert!(matches!(
            f,
            CounterFetch::Counter {
                data: CounterData::Tracked,
                ..
            }
        ));
        assert_eq!(m, IntMatch::Bool);
        let (f, _) = parse("table_cnt", &w("lt 5"), "be").unwrap();
        assert_eq!(f, CounterFetch::TableCnt { table: "be".into() });
    }

    #[test]
    fn operators_apply_to_every_value_after_them() {
        let (_, m) = parse("sc0_conn_cur", &w("1:5 gt 3 7 le 2"), "f").unwrap();
        let r = |min, max| IntRange { min, max };
        assert_eq!(
            m,
            IntMatch::Ranges(vec![
                r(Some(1), Some(5)),
                r(Some(4), None),
                r(Some(8), None),
                r(None, Some(2))
            ])
        );
    }

    #[test]
    fn haproxys_messages_are_kept_and_other_forms_refused() {
        let err = |c: &str, a: &str| parse(c, &w(a), "f").unwrap_err();
        assert_eq!(
            err("sc_http_req_rate", "gt 1"),
            "fetch method 'sc_http_req_rate' : expected type 'integer' at position 1, but got nothing in ACL expression 'sc_http_req_rate'"
        );
        assert_eq!(
            err("sc_http_req_rate(x)", "gt 1"),
            "fetch method 'sc_http_req_rate' : failed to parse 'x' as type 'integer' at position 1 in ACL expression 'sc_http_req_rate(x)'"
        );
        assert_eq!(
            err("sc0_http_req_rate(a,b)", "1"),
            "fetch method 'sc0_http_req_rate' : expected ')' before ',b)' in ACL expression 'sc0_http_req_rate(a,b)'"
        );
        assert_eq!(err("sc0_conn_cur", "foo"), "'foo' is not a number");
        assert_eq!(
            err("sc0_conn_cur", "5:1"),
            "'5:1' is not a valid number range"
        );
        assert_eq!(
            err("sc0_conn_cur", "gt x"),
            "'x' is neither a number nor a supported operator"
        );
        assert_eq!(
            err("sc0_conn_cur", "-m foo 1"),
            "unknown matching method 'foo' when parsing ACL expression"
        );
        assert!(err("sc0_conn_cur", "-m str 1").contains("not supported by haproxy-rs"));
        assert!(err("sc_get_gpc(0,0)", "1").contains("not supported by haproxy-rs"));
        assert!(err("sc_http_req_rate(0),add(1)", "1").contains("converter 'add'"));
    }
}
