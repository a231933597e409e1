//! `http-check expect` and `tcp-check expect` (configuration.txt 4.2): `[!] status CODES |
//! rstatus RE | string S | rstring RE | hdr|fhdr name [-m M] N [value [-m M] V]` for HTTP,
//! `[!] string S | rstring RE | binary HEX | rbinary RE` for TCP, with `min-recv`,
//! `comment`, `ok-status`, `error-status`, `tout-status`, `on-success`, `on-error`; parsed
//! word by word as HAProxy 2.6's `parse_tcpcheck_expect()` does, with its messages. Regexes
//! are compiled here once so that a bad one is an ALERT at load.
//!
//! Marked unsupported (an ALERT once a checked server would run them, see `check.rs`):
//! `string-lf`, `binary-lf`, `name-lf`, `value-lf`, `custom`, `status-code` and `%`
//! expressions in `on-success`/`on-error` (log-format and sample expressions). Part of the
//! config room: imports no other room.

use super::check::{literal_format, parse_binary, refuse, Family, Parsed, ParsedRule};
use crate::config::lexer::Line;
use crate::config::model::{
    CheckStatus, ExpectPattern, ExpectRule, HeaderMatch, MatchMethod, RuleAction,
};

/// The pattern keyword and its raw argument, checked after the loop as HAProxy does.
enum Raw {
    /// `status`, `rstatus`, `string`, `rstring`, `binary`, `rbinary`.
    Simple(&'static str, String),
    /// `hdr`/`fhdr`, its match with raw patterns.
    Header(HeaderMatch),
    /// A form we do not run (`string-lf`, `custom`, ...): its argument, and why.
    Refused(String, String),
}

/// What the loop has seen so far.
#[derive(Default)]
struct State {
    pattern: Option<Raw>,
    inverse: bool,
    min_recv: Option<u32>,
    ok_status: Option<CheckStatus>,
    error_status: Option<CheckStatus>,
    tout_status: Option<CheckStatus>,
    on_success: Option<String>,
    on_error: Option<String>,
    comment: Option<String>,
    refused: Option<String>,
}

fn arg(line: &Line, i: usize) -> Option<&str> {
    line.word(i).filter(|w| !w.is_empty())
}

/// Parses `http-check expect ...` or `tcp-check expect ...` from word 2.
pub(crate) fn parse_expect(line: &Line, family: Family) -> Parsed {
    if arg(line, 2).is_none() {
        return Err("expects at least a matching pattern as arguments".into());
    }
    let mut st = State::default();
    let mut i = 2;
    while let Some(word) = line.word(i) {
        // `!` may stand alone or be glued to the keyword, several times.
        let bare = word.trim_start_matches('!');
        let bangs = word.len() - bare.len();
        let (kw, in_pattern) = if bangs > 0 {
            if bangs % 2 == 1 {
                st.inverse = !st.inverse;
            }
            if bare.is_empty() {
                i += 1;
                (line.word(i).unwrap_or(""), true)
            } else {
                (bare, true)
            }
        } else {
            (word, false)
        };
        i = step(line, i, kw, in_pattern, family, &mut st)?;
        i += 1;
    }
    finish(st)
}

/// Handles one keyword at word `i`; returns the index of its last word.
fn step(
    line: &Line,
    i: usize,
    kw: &str,
    in_pattern: bool,
    family: Family,
    st: &mut State,
) -> Result<usize, String> {
    let value = arg(line, i + 1);
    let http = family == Family::Http;
    let no_bang = |kw: &str| -> Result<(), String> {
        if in_pattern {
            Err(format!("[!] not supported with '{kw}'"))
        } else {
            Ok(())
        }
    };
    let one_pattern = |st: &State| -> Result<(), String> {
        if st.pattern.is_some() {
            Err("only on pattern expected".into())
        } else {
            Ok(())
        }
    };
    let need = |kw: &str| -> Result<String, String> {
        value
            .map(str::to_string)
            .ok_or_else(|| format!("'{kw}' expects a <pattern> as argument"))
    };
    const SIMPLE: [&str; 6] = [
        "status", "rstatus", "string", "rstring", "binary", "rbinary",
    ];
    match kw {
        "min-recv" => {
            no_bang(kw)?;
            let v = value.ok_or("'min-recv' expects a integer as argument")?;
            let n = crate::config::units::atol(v);
            if !(-1..=i64::from(i32::MAX)).contains(&n) {
                return Err("'min-recv' expects -1 or an integer from 0 to INT_MAX".into());
            }
            st.min_recv = u32::try_from(n).ok();
            Ok(i + 1)
        }
        "string" | "rstring" | "binary" | "rbinary" | "status" | "rstatus"
            if allowed(kw, http) =>
        {
            one_pattern(st)?;
            let v = need(kw)?;
            let name = SIMPLE.iter().find(|k| **k == kw).copied().unwrap_or("string");
            st.pattern = Some(Raw::Simple(name, v));
            Ok(i + 1)
        }
        "string-lf" | "binary-lf" if !(http && kw == "binary-lf") => {
            one_pattern(st)?;
            let v = need(kw)?;
            st.pattern = Some(Raw::Refused(v, format!("'{kw}' (log-format strings)")));
            Ok(i + 1)
        }
        "custom" => {
            no_bang(kw)?;
            one_pattern(st)?;
            st.pattern = Some(Raw::Refused(String::new(), "'custom'".into()));
            Ok(i)
        }
        "hdr" | "fhdr" if http => {
            one_pattern(st)?;
            let (m, last, refused) = header(line, i, kw == "fhdr")?;
            if let Some(r) = refused {
                refuse(&mut st.refused, r);
            }
            st.pattern = Some(Raw::Header(m));
            Ok(last)
        }
        "comment" | "on-success" | "on-error" => {
            no_bang(kw)?;
            let v = value.ok_or_else(|| format!("'{kw}' expects a string as argument"))?;
            match kw {
                "comment" => st.comment = Some(v.to_string()),
                "on-success" => st.on_success = Some(v.to_string()),
                _ => st.on_error = Some(v.to_string()),
            }
            Ok(i + 1)
        }
        "ok-status" | "error-status" | "tout-status" => {
            no_bang(kw)?;
            let v = value.ok_or_else(|| format!("'{kw}' expects a string as argument"))?;
            let s = status_word(kw, v)?;
            match kw {
                "ok-status" => st.ok_status = Some(s),
                "error-status" => st.error_status = Some(s),
                _ => st.tout_status = Some(s),
            }
            Ok(i + 1)
        }
        "status-code" => {
            no_bang(kw)?;
            value.ok_or("'status-code' expects an expression as argument")?;
            refuse(&mut st.refused, "'status-code' (sample expressions)");
            Ok(i + 1)
        }
        _ if http => Err(format!("'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '{kw}' as argument.")),
        _ => Err(format!("'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf''[!]rbinary', '[!]binary-lf' or comment but got '{kw}' as argument.")),
    }
}

/// Whether a pattern keyword exists for the ruleset family.
fn allowed(kw: &str, http: bool) -> bool {
    if kw.ends_with("binary") {
        !http
    } else if kw.ends_with("status") {
        http
    } else {
        true
    }
}

/// The checks HAProxy makes once the words are read: `on-success`/`on-error` formats, then
/// the pattern (status list, hex string, regexes).
fn finish(mut st: State) -> Parsed {
    let mut refused = st.refused.take();
    let on_success = st
        .on_success
        .map(|s| literal_format(&s, "'on-success'", &mut refused));
    let on_error = st
        .on_error
        .map(|s| literal_format(&s, "'on-error'", &mut refused));
    let pattern = match st.pattern {
        None => return Err("pattern not found".into()),
        Some(Raw::Refused(v, why)) => {
            refuse(&mut refused, why);
            ExpectPattern::String(v.into_bytes())
        }
        Some(Raw::Header(h)) => {
            if h.name_method == MatchMethod::Reg {
                regex(&h.name, true)?;
            }
            if let Some((MatchMethod::Reg, v)) = &h.value {
                regex(v, false)?;
            }
            ExpectPattern::Header(h)
        }
        Some(Raw::Simple(kw, v)) => match kw {
            "status" => ExpectPattern::Status(status_codes(&v)?),
            "rstatus" => ExpectPattern::RStatus(regex(&v, false)?),
            "binary" => ExpectPattern::Binary(
                parse_binary(&v).map_err(|e| format!("invalid binary string ({e})"))?,
            ),
            "rbinary" => ExpectPattern::RBinary(regex(&v, false)?),
            "rstring" => ExpectPattern::RString(regex(&v, false)?),
            _ => ExpectPattern::String(v.into_bytes()),
        },
    };
    let rule = ExpectRule {
        inverse: st.inverse,
        pattern,
        min_recv: st.min_recv,
        ok_status: st.ok_status,
        error_status: st.error_status,
        tout_status: st.tout_status,
        on_success,
        on_error,
        head: 0,
    };
    Ok(ParsedRule {
        action: RuleAction::Expect(rule),
        comment: st.comment,
        unsupported: refused,
    })
}

/// `ok-status`, `error-status`, `tout-status` values (case-insensitive, as HAProxy).
fn status_word(kw: &str, v: &str) -> Result<CheckStatus, String> {
    let allowed: &[(&str, CheckStatus)] = match kw {
        "ok-status" => &[
            ("L7OK", CheckStatus::L7Ok),
            ("L7OKC", CheckStatus::L7OkC),
            ("L6OK", CheckStatus::L6Ok),
            ("L4OK", CheckStatus::L4Ok),
        ],
        "error-status" => &[
            ("L7RSP", CheckStatus::L7Rsp),
            ("L7STS", CheckStatus::L7Sts),
            ("L7OKC", CheckStatus::L7OkC),
            ("L6RSP", CheckStatus::L6Rsp),
            ("L4CON", CheckStatus::L4Con),
        ],
        _ => &[
            ("L7TOUT", CheckStatus::L7Tout),
            ("L6TOUT", CheckStatus::L6Tout),
            ("L4TOUT", CheckStatus::L4Tout),
        ],
    };
    if let Some((_, s)) = allowed.iter().find(|(n, _)| n.eq_ignore_ascii_case(v)) {
        return Ok(*s);
    }
    let list = match kw {
        "ok-status" => "'L4OK', 'L6OK', 'L7OK' or 'L7OKC'",
        "error-status" => "'L4CON', 'L6RSP', 'L7RSP' or 'L7STS'",
        _ => "'L4TOUT', 'L6TOUT' or 'L7TOUT'",
    };
    Err(format!("'{kw}' only supports {list} status (got '{v}')."))
}

/// C's `read_uint()`: leading digits, saturating.
fn read_uint(s: &str) -> (u32, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, rest) = s.split_at(end);
    let v = digits.bytes().fold(0u32, |v, b| {
        v.saturating_mul(10).saturating_add(u32::from(b - b'0'))
    });
    (v, rest)
}

/// `status 200`, `200-399`, `200,301-302`.
fn status_codes(pattern: &str) -> Result<Vec<(u32, u32)>, String> {
    let mut codes = Vec::new();
    let mut p = pattern;
    loop {
        let (c1, rest) = read_uint(p);
        let (c2, rest) = match rest.strip_prefix('-') {
            Some(r) => read_uint(r),
            None => (c1, rest),
        };
        if c1 > c2 {
            return Err(format!("invalid range of status codes '{pattern}'"));
        }
        codes.push((c1, c2));
        match rest.chars().next() {
            None => return Ok(codes),
            Some(',') => p = rest.get(1..).unwrap_or(""),
            Some(c) => {
                return Err(format!(
                    "invalid character '{c}' in the list of status codes"
                ))
            }
        }
    }
}

/// Checks a regular expression; returns it unchanged.
fn regex(pattern: &str, icase: bool) -> Result<String, String> {
    let syntax = regex_automata::util::syntax::Config::new()
        .case_insensitive(icase)
        .utf8(false);
    match regex_automata::meta::Regex::builder()
        .syntax(syntax)
        .build(pattern)
    {
        Ok(_) => Ok(pattern.to_string()),
        Err(e) => {
            let reason = e
                .syntax_error()
                .map(|s| s.to_string())
                .unwrap_or_else(|| e.to_string());
            let reason = reason
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ");
            Err(format!("regex '{pattern}' is invalid (error={reason})"))
        }
    }
}

/// `hdr|fhdr name [-m METH] NAME [value [-m METH] VALUE]` from word `i`; returns the match
/// and the index of its last word.
fn header(
    line: &Line,
    i: usize,
    full: bool,
) -> Result<(HeaderMatch, usize, Option<String>), String> {
    let kw = if full { "fhdr" } else { "hdr" };
    let name_kw = arg(line, i + 1);
    if arg(line, i + 2).is_none() || !matches!(name_kw, Some("name" | "name-lf")) {
        return Err(format!(
            "'{kw}' expects at the name keyword as first argument followed by a pattern"
        ));
    }
    let mut cur = i + 2;
    let name_method = if line.word(cur) == Some("-m") {
        let m = method(line, cur, kw)?;
        if m == MatchMethod::Reg && name_kw == Some("name-lf") {
            return Err(format!(
                "'{kw}': log-format string is not supported with a regex matching method"
            ));
        }
        cur += 2;
        m
    } else {
        MatchMethod::Str
    };
    let name = line.word(cur).unwrap_or("").to_string();
    let mut refused =
        (name_kw == Some("name-lf")).then(|| "'name-lf' (log-format strings)".to_string());
    let value_kw = arg(line, cur + 1);
    if !matches!(value_kw, Some("value" | "value-lf")) {
        let m = HeaderMatch {
            name_method,
            name,
            value: None,
            full,
        };
        return Ok((m, cur, refused));
    }
    let value_method = if line.word(cur + 2) == Some("-m") {
        cur += 2;
        let m = method(line, cur, kw)?;
        if m == MatchMethod::Reg && value_kw == Some("value-lf") {
            return Err(format!(
                "'{kw}': log-format string is not supported with a regex matching method"
            ));
        }
        m
    } else {
        MatchMethod::Str
    };
    let Some(value) = arg(line, cur + 2) else {
        return Err(format!("'{kw}' expect a pattern with the value keyword"));
    };
    if value_kw == Some("value-lf") {
        refused = refused.or(Some("'value-lf' (log-format strings)".to_string()));
    }
    let m = HeaderMatch {
        name_method,
        name,
        value: Some((value_method, value.to_string())),
        full,
    };
    Ok((m, cur + 2, refused))
}

/// `-m str|beg|end|sub|reg` at word `i` (the `-m`).
fn method(line: &Line, i: usize, kw: &str) -> Result<MatchMethod, String> {
    let Some(m) = arg(line, i + 1) else {
        return Err(format!(
            "'{kw}' : '-m' expects at a matching pattern ('str', 'beg', 'end', 'sub' or 'reg')"
        ));
    };
    Ok(match m {
        "str" => MatchMethod::Str,
        "beg" => MatchMethod::Beg,
        "end" => MatchMethod::End,
        "sub" => MatchMethod::Sub,
        "reg" => MatchMethod::Reg,
        _ => {
            return Err(format!(
                "'{kw}' : '-m' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '{m}')"
            ))
        }
    })
}
