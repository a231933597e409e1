//! Log-format strings (configuration.txt 8.2.4 "Custom log format"): literal text, `%%`,
//! `%VAR` / `%{FLAGS}VAR` variables and `%[EXPR]` / `%{FLAGS}[EXPR]` sample expressions, split
//! as HAProxy 2.6's `parse_logformat_string()` does, with its messages, including the
//! check that each fetch is valid where the string is used.

use super::parse::parse_expr_prefix;
use crate::config::model::{LfPart, LogFormat};

/// HAProxy 2.6's log-format variables (`logformat_keywords`).
pub const VARIABLES: &[&str] = &[
    "o", "B", "CC", "CS", "H", "ID", "ST", "T", "Ta", "Tc", "Th", "Ti", "Tl", "Tq", "Tr", "TR",
    "Td", "Ts", "Tt", "Tu", "Tw", "U", "ac", "b", "bc", "bi", "bp", "bq", "ci", "cp", "f", "fc",
    "fi", "fp", "ft", "hr", "hrl", "hs", "hsl", "HM", "HP", "HPO", "HQ", "HU", "HV", "lc", "ms",
    "pid", "r", "rc", "rt", "s", "sc", "si", "sp", "sq", "sslc", "sslv", "t", "tr", "trg", "trl",
    "ts", "tsc",
];

/// The variables `sample::logformat::render` writes in rule arguments (the others belong to
/// the logging engine).
pub const RULE_VARIABLES: &[&str] = &["ci", "cp", "fi", "fp", "f", "ft", "b", "s", "pid"];

/// Splits a log-format string into its parts.
pub fn parse_log_format(text: &str) -> Result<LogFormat, String> {
    parse_log_format_at(text, 0)
}

/// Splits a log-format string used where `cap` (bits of [`super::place`]; 0: anywhere)
/// says, refusing fetches not valid there as `add_sample_to_logformat_list()` does.
pub fn parse_log_format_at(text: &str, cap: u32) -> Result<LogFormat, String> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < b.len() {
        let Some(rel) = text.get(i..).and_then(|r| r.find('%')) else {
            lit.push_str(text.get(i..).unwrap_or(""));
            break;
        };
        lit.push_str(text.get(i..i + rel).unwrap_or(""));
        i += rel + 1;
        let mut flags = "";
        if b.get(i) == Some(&b'{') {
            let Some(close) = text.get(i..).and_then(|r| r.find('}')) else {
                return Err(format!(
                    "truncated line after '{}'",
                    text.get(i + 1..).unwrap_or("")
                ));
            };
            flags = text.get(i + 1..i + close).unwrap_or("");
            i += close + 1;
            match b.get(i) {
                Some(b'[') => {}
                Some(c) if c.is_ascii_alphanumeric() => {}
                _ => {
                    return Err(format!(
                        "parse argument modifier without variable name near '%{{{flags}}}'"
                    ))
                }
            }
        }
        match b.get(i) {
            Some(b'%') if flags.is_empty() => {
                lit.push('%');
                i += 1;
            }
            Some(b'[') => {
                let inner = text.get(i + 1..).unwrap_or("");
                let (expr, _, rest) = parse_expr_prefix(inner)
                    .map_err(|e| format!("failed to parse sample expression <{inner}> : {e}"))?;
                match rest.as_bytes().first() {
                    Some(b']') => {}
                    Some(&c) if c.is_ascii_graphic() || c == b' ' => {
                        return Err(format!(
                            "expected ']' after '{}', but found '{}'",
                            expr.text, c as char
                        ))
                    }
                    _ => return Err(format!("missing ']' after '{}'", expr.text)),
                }
                if let Some(k) =
                    super::fetch(&expr.fetch.name).filter(|k| cap & k.valid == 0 && cap != 0)
                {
                    return Err(format!("sample fetch <{inner}> may not be reliably used here because it needs '{}' which is not available here", k.needs));
                }
                flush(&mut lit, &mut parts);
                parts.push(LfPart::Expr {
                    expr,
                    quote: flags.contains("+Q"),
                });
                i = text.len() - rest.len() + 1;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = i;
                while b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                    i += 1;
                }
                let name = text.get(start..i).unwrap_or("");
                if !VARIABLES.contains(&name) {
                    return Err(format!("no such format variable '{name}'. If you wanted to emit the '%' character verbatim, you need to use '%%'"));
                }
                flush(&mut lit, &mut parts);
                parts.push(LfPart::Var(name.to_string()));
            }
            Some(c) if c.is_ascii_digit() || *c == b' ' || *c == b'\t' => {
                return Err(format!("unexpected variable name near '{}' at position {} line : '{text}'. Maybe you want to write a single '%', use the syntax '%%'", *c as char, i));
            }
            None => return Err("truncated line after '%'".into()),
            Some(_) => lit.push('%'),
        }
    }
    flush(&mut lit, &mut parts);
    Ok(LogFormat {
        text: text.to_string(),
        parts,
    })
}

fn flush(lit: &mut String, parts: &mut Vec<LfPart>) {
    if !lit.is_empty() {
        parts.push(LfPart::Text(std::mem::take(lit)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_variables_and_expressions_split() {
        let f = parse_log_format("a %ci:%cp %[req.hdr(host),lower] 100%% %{+Q}[path]").unwrap();
        assert_eq!(f.parts.len(), 8, "{:?}", f.parts);
        assert_eq!(f.parts[1], LfPart::Var("ci".into()));
        assert!(
            matches!(&f.parts[5], LfPart::Expr { expr, quote: false } if expr.convs.len() == 1)
        );
        assert_eq!(f.parts[6], LfPart::Text(" 100% ".into()));
        assert!(matches!(&f.parts[7], LfPart::Expr { quote: true, .. }));
    }

    #[test]
    fn haproxy_messages() {
        assert!(parse_log_format("%zz")
            .unwrap_err()
            .starts_with("no such format variable 'zz'"));
        assert_eq!(
            parse_log_format("%[path").unwrap_err(),
            "missing ']' after 'path'"
        );
        assert_eq!(
            parse_log_format_at("x%[req.hdr(a)]y", super::super::place::FE_HRS_HDR).unwrap_err(),
            "sample fetch <req.hdr(a)]y> may not be reliably used here because it needs 'HTTP request headers' which is not available here"
        );
        assert!(parse_log_format_at("%[be_name]", super::super::place::BE_HRQ_HDR).is_ok());
        assert!(parse_log_format("%[nope]").unwrap_err().starts_with(
            "failed to parse sample expression <nope]> : unknown fetch method 'nope'"
        ));
    }
}
