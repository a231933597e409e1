//! The word tokenizer of one configuration line: HAProxy 2.6's `parse_line()` with quotes
//! (`'...'`, `"..."`), backslash escapes (`\ `, `\xNN`, ...), `#` comments and environment
//! expansion (`$VAR`, `${VAR}`, `${VAR-default}`, `${VAR[*]}`, `.FILE`/`.LINE`/`.SECTION`),
//! plus the wording of its syntax errors (configuration.txt 2.2 "Quoting and escaping",
//! 2.3 "Environment variables"). The line/block driver is in [`super`].
//!
//! nom is used for small scanners here and its types stay inside the lexer. This module
//! imports nothing outside `config`.

use nom::bytes::complete::take_while;
use nom::IResult;

use super::{push, MAX_LINE_ARGS};
use crate::config::diag::{Diags, Level, Loc};

/// A tokenizer error and where it points (an offset in the stripped line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub(super) kind: ErrKind,
    pub(super) pos: usize,
    /// The excerpt is printed up to here (HAProxy cut the line in place to read a name).
    pub(super) excerpt_end: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ErrKind {
    Quote,
    Brace,
    VarName,
    Hex,
    WrongExpand,
}

impl ErrKind {
    pub(super) fn text(self) -> &'static str {
        match self {
            ErrKind::Quote => "unmatched quote",
            ErrKind::Brace => "unmatched brace in environment variable name",
            ErrKind::VarName => "forbidden first char in environment variable name",
            ErrKind::Hex => "truncated or invalid hexadecimal sequence",
            ErrKind::WrongExpand => "truncated or invalid word expansion sequence",
        }
    }
}

pub(super) fn report_syntax(
    diags: &mut Diags,
    loc: &Loc,
    lead: usize,
    line: &[u8],
    cuts: &[usize],
    err: &SyntaxError,
) {
    // The excerpt is the line as HAProxy left it: a C string cut at the first NUL.
    let mut end = line.len();
    if let Some(e) = err.excerpt_end {
        end = end.min(e);
    }
    for &c in cuts {
        end = end.min(c);
    }
    let shown = line.get(..end).unwrap_or(line);
    let (text, newpos) = sanitize_for_printing(shown, err.pos, 80);
    push(
        diags,
        Level::Alert,
        loc,
        "",
        format!(
            "{} at position {}:\n  {}\n  {:>w$}",
            err.kind.text(),
            lead + err.pos + 1,
            text,
            "^",
            w = newpos + 1
        ),
    );
}

/// HAProxy's `sanitize_for_printing()`: shows about `width` bytes around `pos`, with `...`
/// where the line is cut, non-printable bytes as `?`. Returns the text and the new `pos`.
pub fn sanitize_for_printing(line: &[u8], pos: usize, width: usize) -> (String, usize) {
    let mut out = String::new();
    let mut start = 0usize;
    let mut max = width;
    let mut shift = 0usize;
    if pos >= width {
        shift = pos - width / 2;
        start = shift + 3;
        max = width.saturating_sub(6);
        out.push_str("...");
    }
    for &b in line.iter().skip(start).take(max) {
        out.push(if is_space(b) || b == b'\n' || b == b'\r' {
            ' '
        } else if b.is_ascii_graphic() || b == b' ' {
            char::from(b)
        } else {
            '?'
        });
    }
    if pos >= width {
        out.push_str("...");
    }
    (out, pos - shift)
}

/// C's `isspace()` minus the line ends, which stop the tokenizer first.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0b | 0x0c)
}

pub(super) struct Ctx<'a> {
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
    pub(super) file: &'a str,
    pub(super) line: u32,
    pub(super) section: &'a str,
}

/// The result of one `parse_line()` pass.
#[derive(Debug, Default)]
pub(super) struct Pass {
    pub(super) words: Vec<Vec<u8>>,
    /// Bytes HAProxy would write, word separators and final NUL included.
    pub(super) outlen: usize,
    /// Offsets of `}` closing a `${VAR-default}` (HAProxy overwrites them with NUL).
    pub(super) cut_braces: Vec<usize>,
    pub(super) too_many: bool,
    /// An empty last word (trailing spaces) was dropped; HAProxy's re-joined `.if`
    /// expression still ends with a space then.
    pub(super) trailing_empty: bool,
    pub(super) err: Option<SyntaxError>,
}

impl Pass {
    pub(super) fn emit(&mut self, b: u8) {
        self.outlen += 1;
        if let Some(w) = self.words.last_mut() {
            w.push(b);
        }
    }
    pub(super) fn next_word(&mut self) {
        self.outlen += 1;
        if self.words.len() >= MAX_LINE_ARGS {
            self.too_many = true;
        }
        self.words.push(Vec::new());
    }
}

/// Scans a variable name: letters, digits, `_` (nom keeps this small).
pub(super) fn var_name_tail(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_')(i)
}

/// HAProxy's `parse_line()` with `PARSE_OPT_ENV | WORD_EXPAND | DQUOTE | SQUOTE | BKSLASH |
/// SHARP` (`sharp`: `#` comments) on one line whose leading spaces are already removed.
pub(super) fn tokenize(input: &[u8], ctx: &Ctx<'_>, sharp: bool) -> Pass {
    let mut p = Pass {
        words: vec![Vec::new()],
        ..Pass::default()
    };
    let at = |i: usize| input.get(i).copied().unwrap_or(0);
    let mut i = 0usize;
    let mut squote = false;
    let mut dquote = false;
    let mut quote: Option<usize> = None;
    loop {
        let c = at(i);
        match c {
            0 | b'\n' | b'\r' => break,
            b'#' if sharp && !squote && !dquote => break,
            b'"' if !squote => {
                dquote = !dquote;
                quote = dquote.then_some(i);
                i += 1;
            }
            b'\'' if !dquote => {
                squote = !squote;
                quote = squote.then_some(i);
                i += 1;
            }
            b'\\' if !squote => {
                let (out, used) = match at(i + 1) {
                    b' ' => (b' ', 2),
                    b'\\' => (b'\\', 2),
                    b't' => (b'\t', 2),
                    b'n' => (b'\n', 2),
                    b'r' => (b'\r', 2),
                    b'#' if sharp => (b'#', 2),
                    b'\'' => (b'\'', 2),
                    b'"' => (b'"', 2),
                    b'$' if dquote => (b'$', 2),
                    b'x' => match (hex(at(i + 2)), hex(at(i + 3))) {
                        (Some(h), Some(l)) => ((h << 4) | l, 4),
                        _ => {
                            p.err = Some(SyntaxError {
                                kind: ErrKind::Hex,
                                pos: i,
                                excerpt_end: None,
                            });
                            return p;
                        }
                    },
                    _ => (b'\\', 1),
                };
                p.emit(out);
                i += used;
            }
            c if is_space(c) && !squote && !dquote => {
                while is_space(at(i)) {
                    i += 1;
                }
                p.next_word();
            }
            b'$' if dquote => {
                if let Err(e) = expand_var(input, &mut i, ctx, &mut p) {
                    p.err = Some(e);
                    return p;
                }
            }
            _ => {
                p.emit(c);
                i += 1;
            }
        }
    }
    p.outlen += 1;
    if p.words.last().is_some_and(Vec::is_empty) {
        p.words.pop();
        p.trailing_empty = true;
    }
    if let Some(q) = quote {
        p.err = Some(SyntaxError {
            kind: ErrKind::Quote,
            pos: q,
            excerpt_end: None,
        });
    }
    p
}

/// Expands `$NAME`, `${NAME}`, `${NAME-default}` or `${NAME[*]}` starting at `input[*i] == '$'`.
pub(super) fn expand_var(
    input: &[u8],
    i: &mut usize,
    ctx: &Ctx<'_>,
    p: &mut Pass,
) -> Result<(), SyntaxError> {
    let at = |k: usize| input.get(k).copied().unwrap_or(0);
    *i += 1;
    let brace = (at(*i) == b'{').then_some(*i);
    if brace.is_some() {
        *i += 1;
    }
    let first = at(*i);
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'.') {
        return Err(SyntaxError {
            kind: ErrKind::VarName,
            pos: *i,
            excerpt_end: None,
        });
    }
    let name_start = *i;
    if first == b'.' {
        *i += 1;
    }
    let tail = input.get(*i..).unwrap_or(&[]);
    let taken = var_name_tail(tail).map(|(_, t)| t.len()).unwrap_or(0);
    *i += taken;
    let name = String::from_utf8_lossy(input.get(name_start..*i).unwrap_or(&[])).into_owned();
    let mut value: Option<Vec<u8>> = if let Some(pseudo) = name.strip_prefix('.') {
        match pseudo {
            "LINE" => Some(ctx.line.to_string().into_bytes()),
            "FILE" => Some(ctx.file.as_bytes().to_vec()),
            "SECTION" => Some(ctx.section.as_bytes().to_vec()),
            _ => {
                return Err(SyntaxError {
                    kind: ErrKind::VarName,
                    pos: name_start,
                    excerpt_end: Some(*i),
                })
            }
        }
    } else {
        (ctx.env)(&name).map(String::into_bytes)
    };
    let mut expand = false;
    if at(*i) == b'[' && brace.is_some() {
        let open = *i;
        if at(open + 1) != b'*' || at(open + 2) != b']' {
            return Err(SyntaxError {
                kind: ErrKind::WrongExpand,
                pos: open,
                excerpt_end: None,
            });
        }
        *i += 3;
        expand = true;
    }
    if let Some(b) = brace {
        if at(*i) == b'-' {
            let dstart = *i + 1;
            let close = input
                .get(dstart..)
                .and_then(|r| r.iter().position(|&c| c == b'}' || c == 0))
                .map(|k| dstart + k)
                .filter(|&k| at(k) == b'}');
            let Some(close) = close else {
                return Err(SyntaxError {
                    kind: ErrKind::Brace,
                    pos: b,
                    excerpt_end: None,
                });
            };
            if value.is_none() {
                value = Some(input.get(dstart..close).unwrap_or(&[]).to_vec());
            }
            p.cut_braces.push(close);
            *i = close;
        } else if at(*i) != b'}' {
            return Err(SyntaxError {
                kind: ErrKind::Brace,
                pos: b,
                excerpt_end: None,
            });
        }
        *i += 1;
    }
    if let Some(v) = value {
        let mut k = 0;
        while let Some(&c) = v.get(k) {
            if expand && is_space(c) {
                p.next_word();
                while v.get(k).is_some_and(|&c| is_space(c)) {
                    k += 1;
                }
            } else {
                p.emit(c);
                k += 1;
            }
        }
    }
    Ok(())
}

pub(super) fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}
