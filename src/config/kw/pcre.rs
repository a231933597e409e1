//! The syntax errors PCRE2 (10.42, the library HAProxy 2.6 is built with on Debian 12) reports
//! when `haproxy -c` compiles a regular expression, so that ours refuses the same patterns
//! with the same words: `regex '(' is invalid (error=missing closing parenthesis,
//! erroffset=1)`. This is a scanner of the pattern's structure (groups, classes, escapes,
//! quantifiers), not a matcher; what it does not recognise it accepts, leaving the rest to
//! the engine at run time. Checked case by case against the real binary. This module
//! imports nothing outside `config`.

/// A PCRE2 compile error: its message and the offset PCRE2 reports.
pub type PcreError = (&'static str, usize);

/// Whether the last item can take a quantifier.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Yes,
    No,
    /// An assertion or a construct this scanner does not judge: any quantifier is accepted.
    Unknown,
}

/// The POSIX class names PCRE2 knows (`[[:alpha:]]`).
const POSIX: &[&str] = &[
    "alpha", "lower", "upper", "alnum", "ascii", "blank", "cntrl", "digit", "graph", "print",
    "punct", "space", "word", "xdigit",
];

/// PCRE2's limit on a `{n,m}` number.
const MAX_REPEAT: u32 = 65535;

/// Checks `pattern`; `Err((message, offset))` as PCRE2 would report the first error.
/// `capture` is false when HAProxy compiles with `PCRE2_NO_AUTO_CAPTURE` (every regex but
/// `-m regm`): plain `(...)` groups then capture nothing, so `(a)\1` refers to no group.
pub fn check(pattern: &str, capture: bool) -> Result<(), PcreError> {
    structure(pattern)?;
    back_references(pattern.as_bytes(), capture)
}

/// PCRE2's check, made once the whole pattern is read, that each `\1`..`\9` names an
/// existing capturing group (`\10` and above may be octal escapes; not judged here).
fn back_references(b: &[u8], capture: bool) -> Result<(), PcreError> {
    let mut groups = 0usize;
    let mut refs = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => {
                if let Some(d) = b.get(i + 1).filter(|d| d.is_ascii_digit() && **d != b'0') {
                    let more = b.get(i + 2).is_some_and(u8::is_ascii_digit);
                    if !more {
                        refs.push((usize::from(d - b'0'), i + 1));
                    }
                }
                i += 2;
            }
            b'[' => i = class(b, i).unwrap_or(b.len()),
            b'(' => {
                let named = [&b"(?<"[..], b"(?'", b"(?P<"].iter().any(|p| {
                    b.get(i..).is_some_and(|r| r.starts_with(p))
                        && !matches!(b.get(i + 3), Some(b'=' | b'!'))
                });
                if named || (capture && b.get(i + 1) != Some(&b'?') && b.get(i + 1) != Some(&b'*'))
                {
                    groups += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    match refs.into_iter().find(|(n, _)| *n > groups) {
        Some((_, at)) => Err(("reference to non-existent subpattern", at)),
        None => Ok(()),
    }
}

/// The structure of the pattern: groups, classes, escapes and quantifiers.
fn structure(pattern: &str) -> Result<(), PcreError> {
    let b = pattern.as_bytes();
    let len = b.len();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut groups: Vec<usize> = Vec::new();
    let mut names: Vec<&[u8]> = Vec::new();
    let mut repeat = Repeat::No;
    let mut i = 0;
    while i < len {
        match at(i) {
            b'\\' => {
                let (next, kind) = escape(b, i)?;
                i = next;
                repeat = kind;
            }
            b'[' => {
                i = class(b, i)?;
                repeat = Repeat::Yes;
            }
            b'(' => {
                let (next, opens, kind) = group_start(b, i)?;
                if let Some(name) = group_name(b, i, next) {
                    if names.contains(&name) {
                        let msg =
                            "two named subpatterns have the same name (PCRE2_DUPNAMES not set)";
                        return Err((msg, next));
                    }
                    names.push(name);
                }
                if opens {
                    groups.push(i);
                }
                i = next;
                repeat = kind;
            }
            b')' => {
                if groups.pop().is_none() {
                    return Err(("unmatched closing parenthesis", i));
                }
                i += 1;
                repeat = Repeat::Yes;
            }
            b'|' => {
                i += 1;
                repeat = Repeat::No;
            }
            b'^' | b'$' => {
                i += 1;
                repeat = Repeat::No;
            }
            b'*' | b'+' | b'?' => {
                if repeat == Repeat::No {
                    return Err(("quantifier does not follow a repeatable item", i));
                }
                i = after_modifier(b, i + 1);
                repeat = Repeat::No;
            }
            b'{' => match braces(b, i)? {
                Some(end) => {
                    if repeat == Repeat::No {
                        return Err(("quantifier does not follow a repeatable item", end));
                    }
                    i = after_modifier(b, end + 1);
                    repeat = Repeat::No;
                }
                None => {
                    i += 1;
                    repeat = Repeat::Yes;
                }
            },
            _ => {
                i += 1;
                repeat = Repeat::Yes;
            }
        }
    }
    if !groups.is_empty() {
        return Err(("missing closing parenthesis", len));
    }
    Ok(())
}

/// Skips one lazy (`?`) or possessive (`+`) modifier after a quantifier.
fn after_modifier(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'?' | b'+') => i + 1,
        _ => i,
    }
}

/// The index just past the `close` byte at or after `from` (or the end).
fn skip_to(b: &[u8], from: usize, close: u8) -> usize {
    b.get(from..)
        .and_then(|r| r.iter().position(|&c| c == close))
        .map_or(b.len(), |p| from + p + 1)
}

/// An escape at `i` (a backslash): where it ends and whether it can be repeated.
fn escape(b: &[u8], i: usize) -> Result<(usize, Repeat), PcreError> {
    let len = b.len();
    let Some(&n) = b.get(i + 1) else {
        return Err(("\\ at end of pattern", len));
    };
    Ok(match n {
        b'c' => {
            if i + 2 >= len {
                return Err(("\\c at end of pattern", len));
            }
            (i + 3, Repeat::Yes)
        }
        b'Q' => {
            let end = b
                .get(i + 2..)
                .and_then(|r| r.windows(2).position(|w| w == b"\\E"))
                .map_or(len, |p| i + 2 + p + 2);
            (end, Repeat::Unknown)
        }
        b'E' => (i + 2, Repeat::Unknown),
        b'k' => match b.get(i + 2) {
            Some(b'{') => (skip_to(b, i + 3, b'}'), Repeat::Yes),
            Some(b'<') => (skip_to(b, i + 3, b'>'), Repeat::Yes),
            Some(b'\'') => (skip_to(b, i + 3, b'\''), Repeat::Yes),
            _ => {
                return Err((
                    "\\k is not followed by a braced, angle-bracketed, or quoted name",
                    i + 2,
                ))
            }
        },
        b'b' | b'B' | b'A' | b'z' | b'Z' | b'G' => (i + 2, Repeat::No),
        b'K' => (i + 2, Repeat::Unknown),
        b'x' | b'o' | b'p' | b'P' | b'g' | b'N' if b.get(i + 2) == Some(&b'{') => {
            (skip_to(b, i + 3, b'}'), Repeat::Yes)
        }
        _ => (i + 2, Repeat::Yes),
    })
}

/// A character class starting at `i` (`[`): the index just past its `]`.
fn class(b: &[u8], i: usize) -> Result<usize, PcreError> {
    let len = b.len();
    let mut j = i + 1;
    if b.get(j) == Some(&b'^') {
        j += 1;
    }
    if b.get(j) == Some(&b']') {
        j += 1;
    }
    // The last plain character, which a `-` may turn into a range start.
    let mut last: Option<u8> = None;
    // The last item was a class (`\d`, `[:alpha:]`...), which cannot start a range.
    let mut last_class = false;
    loop {
        let Some(&c) = b.get(j) else {
            return Err(("missing terminating ] for character class", len));
        };
        match c {
            b']' => return Ok(j + 1),
            b'\\' => {
                if j + 1 >= len {
                    return Err(("\\ at end of pattern", len));
                }
                last_class = is_class_escape(b.get(j + 1));
                j = class_escape_end(b, j);
                last = None;
            }
            b'[' if b.get(j + 1) == Some(&b':') => {
                let name_start = j + 2;
                let end = b
                    .get(name_start..)
                    .and_then(|r| r.windows(2).position(|w| w == b":]"));
                match end {
                    Some(n) => {
                        let name = b.get(name_start..name_start + n).unwrap_or(&[]);
                        let name = name.strip_prefix(b"^").unwrap_or(name);
                        if !POSIX.iter().any(|p| p.as_bytes() == name) {
                            return Err(("unknown POSIX class name", name_start));
                        }
                        j = name_start + n + 2;
                        last_class = true;
                    }
                    None => {
                        j += 1;
                        last_class = false;
                    }
                }
                last = None;
            }
            b'-' => {
                let end = b.get(j + 1).copied();
                if last_class && !matches!(end, Some(b']') | None) {
                    return Err(("invalid range in character class", j));
                }
                if last.is_some() && end == Some(b'\\') && is_class_escape(b.get(j + 2)) {
                    return Err((
                        "invalid range in character class",
                        class_escape_end(b, j + 1),
                    ));
                }
                last_class = false;
                match (last, end) {
                    (Some(lo), Some(hi)) if !matches!(hi, b']' | b'\\' | b'[') => {
                        if hi < lo {
                            return Err(("range out of order in character class", j + 1));
                        }
                        j += 2;
                        last = None;
                    }
                    _ => {
                        j += 1;
                        last = Some(b'-');
                    }
                }
            }
            _ => {
                last = Some(c);
                last_class = false;
                j += 1;
            }
        }
    }
}

/// True for the escape letters that stand for a set of characters (`\d`, `\w`, `\p{..}`...).
fn is_class_escape(c: Option<&u8>) -> bool {
    matches!(
        c,
        Some(b'd' | b'D' | b'w' | b'W' | b's' | b'S' | b'h' | b'H' | b'v' | b'V' | b'p' | b'P')
    )
}

/// The index just past an escape at `j` inside a class (`\x{..}`, `\p{..}` included).
fn class_escape_end(b: &[u8], j: usize) -> usize {
    match b.get(j + 2) {
        Some(b'{') if matches!(b.get(j + 1), Some(b'x' | b'o' | b'p' | b'P')) => {
            skip_to(b, j + 3, b'}')
        }
        _ => j + 2,
    }
}

/// A `(` at `i`: where the scan goes on, whether a group opens (to be closed by a `)`),
/// and what may follow.
fn group_start(b: &[u8], i: usize) -> Result<(usize, bool, Repeat), PcreError> {
    let open = (i + 1, true, Repeat::No);
    match b.get(i + 1) {
        // (*VERB) and friends: not judged.
        Some(b'*') => return Ok((skip_to(b, i + 2, b')'), false, Repeat::Unknown)),
        Some(b'?') => {}
        _ => return Ok(open),
    }
    let k = i + 2;
    let Some(&c) = b.get(k) else {
        // `(?` at the very end: an open group.
        return Ok((k, true, Repeat::No));
    };
    Ok(match c {
        b':' | b'=' | b'!' | b'>' | b'|' => (k + 1, true, Repeat::No),
        b'<' if matches!(b.get(k + 1), Some(b'=' | b'!')) => (k + 2, true, Repeat::No),
        b'<' => (named(b, k + 1, b'>')?, true, Repeat::No),
        b'\'' => (named(b, k + 1, b'\'')?, true, Repeat::No),
        b'P' if b.get(k + 1) == Some(&b'<') => (named(b, k + 2, b'>')?, true, Repeat::No),
        // Comments, back references, recursions, subroutine calls and callouts: one item.
        b'#' | b'P' | b'R' | b'&' | b'C' | b'0'..=b'9' | b'+' => {
            (skip_to(b, k, b')'), false, Repeat::Unknown)
        }
        b'-' if b.get(k + 1).is_some_and(u8::is_ascii_digit) => {
            (skip_to(b, k, b')'), false, Repeat::Unknown)
        }
        // A condition: `(?(1)...|...)`, `(?(<name>)...)`, `(?(R)...)`, `(?(DEFINE)...)`.
        b'(' => (skip_to(b, k + 1, b')'), true, Repeat::No),
        _ => {
            // Option settings: `(?i)` or `(?i-s:...)`.
            let opts = b
                .get(k..)
                .unwrap_or(&[])
                .iter()
                .take_while(|&&o| b"imnsxJU-^".contains(&o))
                .count();
            match b.get(k + opts) {
                Some(b')') => (k + opts + 1, false, Repeat::Unknown),
                Some(b':') => (k + opts + 1, true, Repeat::No),
                _ => return Err(("unrecognized character after (? or (?-", k + opts)),
            }
        }
    })
}

/// The name of a named group opened at `i` whose header ends at `next` (`(?<n>`,
/// `(?'n'`, `(?P<n>`).
fn group_name(b: &[u8], i: usize, next: usize) -> Option<&[u8]> {
    let head = b.get(i..next)?;
    let start = [&b"(?<"[..], b"(?'", b"(?P<"]
        .iter()
        .find(|p| head.starts_with(p))?
        .len();
    let name = head.get(start..head.len().checked_sub(1)?)?;
    let valid = name
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    valid.then_some(name)
}

/// A group name starting at `k`, to be closed by `close`: the index just past it.
fn named(b: &[u8], k: usize, close: u8) -> Result<usize, PcreError> {
    let first = b.get(k).copied().unwrap_or(0);
    if !(first.is_ascii_alphabetic() || first == b'_') {
        // Other name errors are not judged here.
        return Ok(k);
    }
    let n = b
        .get(k..)
        .unwrap_or(&[])
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if b.get(k + n) != Some(&close) {
        return Err((
            "syntax error in subpattern name (missing terminator?)",
            k + n,
        ));
    }
    Ok(k + n + 1)
}

/// A `{` at `i`: `Some(index of its })` when it is a quantifier (`{n}`, `{n,}`, `{n,m}`),
/// `None` when PCRE2 reads it as a literal.
fn braces(b: &[u8], i: usize) -> Result<Option<usize>, PcreError> {
    let digits = |from: usize| {
        b.get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let value = |from: usize, n: usize| -> u64 {
        b.get(from..from + n)
            .unwrap_or(&[])
            .iter()
            .fold(0u64, |v, d| {
                v.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            })
    };
    let n1 = digits(i + 1);
    if n1 == 0 {
        return Ok(None);
    }
    let mut j = i + 1 + n1;
    let low = value(i + 1, n1);
    let high = match b.get(j) {
        Some(b'}') => None,
        Some(b',') => {
            let n2 = digits(j + 1);
            if b.get(j + 1 + n2) != Some(&b'}') {
                return Ok(None);
            }
            let h = (n2 > 0).then(|| value(j + 1, n2));
            j += 1 + n2;
            h
        }
        _ => return Ok(None),
    };
    if low > u64::from(MAX_REPEAT) {
        return Err(("number too big in {} quantifier", i + 1 + n1));
    }
    if let Some(h) = high {
        if h > u64::from(MAX_REPEAT) {
            return Err(("number too big in {} quantifier", j));
        }
        if h < low {
            return Err(("numbers out of order in {} quantifier", j));
        }
    }
    Ok(Some(j))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_errors_are_pcre2s_with_its_offsets() {
        // Each pair was taken from `haproxy -c` (2.6.12, PCRE2 10.42) on `acl a path_reg P`.
        let cases: &[(&str, &str, usize)] = &[
            ("(", "missing closing parenthesis", 1),
            ("((", "missing closing parenthesis", 2),
            (")", "unmatched closing parenthesis", 0),
            ("[a", "missing terminating ] for character class", 2),
            ("*a", "quantifier does not follow a repeatable item", 0),
            ("a**", "quantifier does not follow a repeatable item", 2),
            ("a{2,1}", "numbers out of order in {} quantifier", 5),
            ("a{99999}", "number too big in {} quantifier", 7),
            (
                "(?<n",
                "syntax error in subpattern name (missing terminator?)",
                4,
            ),
            (
                "\\k",
                "\\k is not followed by a braced, angle-bracketed, or quoted name",
                2,
            ),
            ("[z-a]", "range out of order in character class", 3),
            ("(?z)", "unrecognized character after (? or (?-", 2),
            ("\\c", "\\c at end of pattern", 2),
            ("[[:foo:]]", "unknown POSIX class name", 3),
            ("(?", "missing closing parenthesis", 2),
            ("x{1}{2}", "quantifier does not follow a repeatable item", 6),
            ("^*a", "quantifier does not follow a repeatable item", 1),
            ("\\b*a", "quantifier does not follow a repeatable item", 2),
            ("[[:alpha:]-z]", "invalid range in character class", 10),
            ("[a-\\d]", "invalid range in character class", 5),
            ("[\\w-z]", "invalid range in character class", 3),
            ("[z-\\w]", "invalid range in character class", 5),
            (
                "(?P<x>a)(?P<x>b)",
                "two named subpatterns have the same name (PCRE2_DUPNAMES not set)",
                14,
            ),
        ];
        for (p, msg, off) in cases {
            assert_eq!(check(p, false), Err((*msg, *off)), "{p}");
        }
        let unknown = "reference to non-existent subpattern";
        assert_eq!(check("\\1", true), Err((unknown, 1)));
        assert_eq!(check("(a)\\1", false), Err((unknown, 4)));
        assert_eq!(check("(a)\\1", true), Ok(()));
        assert_eq!(check("(?<n>a)\\1", false), Ok(()));
        assert_eq!(check("\\2(a)", true), Err((unknown, 1)));
    }

    #[test]
    fn valid_patterns_pass() {
        for p in [
            "^/api/(v1|v2)/",
            "a++b",
            "a*?b+?c??",
            "[]a]",
            "[^]a-]",
            "[a-z0-9_.-]+",
            "[[:alpha:][:^digit:]]",
            "(?i)abc",
            "(?i:abc)",
            "(?<name>x)\\k<name>",
            "(?P<x>a)(?P=x)",
            "(?=a)(?!b)(?<=c)(?<!d)",
            "a{2}b{2,}c{2,5}",
            "x{",
            "{x}",
            "\\.(jpg|png)$",
            "(?#comment)a",
            "(?<n>a)(?(1)b|c)",
            "\\10",
            "\\Q(\\E",
            "\\x{41}\\p{L}",
        ] {
            assert_eq!(check(p, false), Ok(()), "{p}");
        }
    }
}
