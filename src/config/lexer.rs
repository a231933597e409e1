//! Turns configuration text into words, line by line, the way HAProxy 2.6's `readcfgfile()`
//! and `parse_line()` do (configuration.txt 2.1 "Configuration file format", 2.2 "Quoting and
//! escaping", 2.3 "Environment variables", 2.4 "Conditional blocks").
//!
//! What it implements:
//! - words split on unprotected spaces/tabs; `#` starts a comment unless quoted or escaped;
//!   a line ends at LF, CR or NUL;
//! - backslash escapes outside single quotes (`\ `, `\\`, `\#`, `\'`, `\"`, `\t`, `\n`, `\r`,
//!   `\xNN`, and `\$` inside double quotes); other backslashes are kept;
//! - strong quotes `'...'` (nothing interpreted) and weak quotes `"..."` with `$VAR`,
//!   `${VAR}`, `${VAR-default}`, `${VAR[*]}` (one word per space-separated item) and the
//!   pseudo-variables `.FILE`, `.LINE`, `.SECTION`;
//! - the conditional directives `.if/.elif/.else/.endif` and the messages
//!   `.notice/.warning/.alert/.diag` (the expression grammar lives in [`super::cond`]);
//! - `[scope]` lines, and the "Missing LF on last line" check.
//!
//! Errors are worded exactly like `haproxy -c` words them, including the quoted excerpt and
//! the caret line. HAProxy prints these with `parsing [file:line]: ` (no space before the
//! colon), so the prefix is built here and the diagnostic carries no `Loc` of its own.
//!
//! One HAProxy 2.6 quirk is reproduced on purpose: its line buffer is grown by re-parsing a
//! line whose output does not fit, and the first pass has already cut the input at the `}`
//! closing a `${VAR-default}`. So such a line fails with "unmatched brace" when it is the
//! first line of a file (or the first one longer than the buffer).
//!
//! nom is used for small scanners here and its types stay inside this file. This module
//! imports nothing outside `config`.

use nom::bytes::complete::take_while;
use nom::IResult;

use super::cond::{self, CondOutcome};
use super::diag::{Diag, Diags, Level, Loc};

/// One meaningful line: its place and its words after unquoting and expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Where it is.
    pub loc: Loc,
    /// The words; never empty.
    pub words: Vec<String>,
}

impl Line {
    /// The first word (the keyword).
    pub fn keyword(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }
    /// Word `i`, if present.
    pub fn word(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(String::as_str)
    }
}

/// The result of lexing one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexed {
    /// The lines to hand to the keyword parsers (conditional blocks already applied).
    pub lines: Vec<Line>,
    /// True when HAProxy would have stopped reading here (`.alert`, a bad `.if`, an
    /// unterminated block...): HAProxy then reads no further file either.
    pub aborted: bool,
}

/// Splits `text` (the content of `file`) into lines of words, evaluating `.if` blocks and
/// recording `.notice/.warning/.alert` and syntax errors into `diags`. `env` looks up
/// environment variables.
pub fn lex(
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diags,
) -> Vec<Line> {
    lex_file(file, text.as_bytes(), env, diags).lines
}

/// Like [`lex`], on raw bytes, and also tells whether HAProxy would have aborted the load.
pub fn lex_file(
    file: &str,
    text: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diags,
) -> Lexed {
    let mut st = FileState {
        file,
        env,
        section: String::new(),
        cap: 0,
        conds: Vec::new(),
        out: Lexed::default(),
    };
    let mut rest = text;
    let mut linenum: u32 = 0;
    while !rest.is_empty() {
        linenum = linenum.saturating_add(1);
        let (raw, has_lf, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(p) => (
                rest.get(..p).unwrap_or(&[]),
                true,
                rest.get(p + 1..).unwrap_or(&[]),
            ),
            None => (rest, false, &[][..]),
        };
        rest = next;
        // fgets() + strlen(): a NUL byte ends the line as if the file stopped there.
        let (raw, has_lf) = match raw.iter().position(|&b| b == 0) {
            Some(p) => (raw.get(..p).unwrap_or(&[]), false),
            None => (raw, has_lf),
        };
        let loc = Loc::new(file, linenum);
        let step = st.line(&loc, raw, diags);
        if !has_lf {
            push(
                diags,
                Level::Alert,
                &loc,
                "",
                format!(
                    "Missing LF on last line, file might have been truncated at position {}.",
                    raw.len().saturating_add(1)
                ),
            );
            break;
        }
        match step {
            Step::Continue => {}
            Step::Abort => {
                st.out.aborted = true;
                return st.out;
            }
            Step::Stop { abort } => {
                st.out.aborted = abort;
                break;
            }
        }
    }
    if !st.conds.is_empty() {
        let loc = Loc::new(file, linenum);
        push(
            diags,
            Level::Alert,
            &loc,
            ".if",
            "non-terminated '.if' block.",
        );
        st.out.aborted = true;
    }
    st.out
}

/// Splits the argument of `-cc` into words the way `haproxy -cc` does (no `#` comments),
/// or returns HAProxy's message for a syntax error.
pub(crate) fn split_condition(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, &'static str> {
    let ctx = Ctx {
        env,
        file: "",
        line: 0,
        section: "",
    };
    // No indent stripping here: a leading space makes an empty first word, as in HAProxy.
    let pass = tokenize(text.as_bytes(), &ctx, false);
    match pass.err.map(|e| e.kind) {
        Some(ErrKind::Quote) => Err("Syntax Error in condition: Unmatched quote."),
        Some(ErrKind::Hex) => {
            Err("Syntax Error in condition: Truncated or invalid hexadecimal sequence.")
        }
        Some(_) => Err("Unhandled error in condition, please report this to the developers."),
        None if pass.too_many => Err("Error in condition: Too many words."),
        None => {
            let mut words: Vec<String> = pass
                .words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            if pass.trailing_empty && !words.is_empty() {
                words.push(String::new());
            }
            Ok(words)
        }
    }
}

/// Pushes a diagnostic worded `parsing [file:line]: msg`, as `readcfgfile()` prints it.
fn push(diags: &mut Diags, level: Level, loc: &Loc, keyword: &str, msg: impl AsRef<str>) {
    diags.list.push(Diag {
        level,
        loc: None,
        keyword: Some(keyword.to_string()),
        msg: format!("parsing [{}]: {}", loc, msg.as_ref()),
    });
}

/// What the caller must do after one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Continue,
    /// Stop reading this file, then still check for an unterminated `.if` (C's `break`).
    /// `abort` also stops reading the next files.
    Stop {
        abort: bool,
    },
    /// Stop reading this file and the next ones right away (C's `goto err`).
    Abort,
}

/// The state of a `.if` level (HAProxy's `NESTED_COND_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CondState {
    IfTake,
    IfDrop,
    IfSkip,
    ElifTake,
    ElifDrop,
    ElifSkip,
    ElseTake,
    ElseDrop,
}

impl CondState {
    /// Lines under this state are ignored.
    fn masks(self) -> bool {
        matches!(
            self,
            CondState::IfDrop
                | CondState::IfSkip
                | CondState::ElifDrop
                | CondState::ElifSkip
                | CondState::ElseDrop
        )
    }
    /// A branch of this level was (or is being) taken, or the whole level is skipped.
    fn done(self) -> bool {
        matches!(
            self,
            CondState::IfTake | CondState::IfSkip | CondState::ElifTake | CondState::ElifSkip
        )
    }
}

/// HAProxy's `MAXNESTEDCONDS`.
const MAX_NESTED_CONDS: usize = 128;
/// HAProxy's `MAX_LINE_ARGS`.
const MAX_LINE_ARGS: usize = 64;
/// Section keywords of HAProxy 2.6, used to track `.SECTION`.
const SECTIONS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "userlist",
    "peers",
    "mailers",
    "resolvers",
    "program",
    "cache",
    "http-errors",
    "ring",
];

struct FileState<'a> {
    file: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
    section: String,
    /// The size of HAProxy's line output buffer (grown in steps of 1024).
    cap: usize,
    conds: Vec<CondState>,
    out: Lexed,
}

impl FileState<'_> {
    fn line(&mut self, loc: &Loc, raw: &[u8], diags: &mut Diags) -> Step {
        let lead = raw.iter().take_while(|&&b| is_space(b)).count();
        let line = raw.get(lead..).unwrap_or(&[]);
        if line.first() == Some(&b'[') {
            if scope_line(loc, line, diags) {
                self.out.aborted = true;
            }
            return Step::Continue;
        }
        let ctx = Ctx {
            env: self.env,
            file: self.file,
            line: loc.line,
            section: &self.section,
        };
        let mut pass = tokenize(line, &ctx, true);
        if pass.err.is_none() && pass.outlen > self.cap {
            self.cap = pass.outlen.saturating_add(1023) & !1023;
            if let Some(&cut) = pass.cut_braces.first() {
                // The retry sees the input as the first pass left it.
                let cut_line = line.get(..cut).unwrap_or(line);
                pass = tokenize(cut_line, &ctx, true);
                pass.cut_braces = vec![cut];
            }
        }
        if let Some(err) = &pass.err {
            report_syntax(diags, loc, lead, line, &pass.cut_braces, err);
            return Step::Continue;
        }
        if pass.too_many {
            let pos: usize = pass
                .words
                .iter()
                .take(MAX_LINE_ARGS - 1)
                .map(|w| w.len() + 1)
                .sum::<usize>()
                + 1;
            let word = pass
                .words
                .get(MAX_LINE_ARGS - 1)
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .unwrap_or_default();
            push(
                diags,
                Level::Alert,
                loc,
                "",
                format!(
                    "too many words, truncating after word {MAX_LINE_ARGS}, position {pos}: <{word}>."
                ),
            );
            return Step::Continue;
        }
        let words: Vec<String> = pass
            .words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        match words.first() {
            Some(w) if !w.is_empty() => {}
            _ => return Step::Continue, // empty line, or an empty first word
        }
        self.words(loc, words, pass.trailing_empty, diags)
    }

    /// Handles the directives and the conditional masking of one tokenized line.
    fn words(&mut self, loc: &Loc, words: Vec<String>, trailing: bool, diags: &mut Diags) -> Step {
        let kw = words.first().map(String::as_str).unwrap_or("");
        let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        match kw {
            ".if" | ".elif" => return self.if_elif(loc, kw, &words, trailing, diags),
            ".else" | ".endif" => {
                if !arg(1).is_empty() {
                    push(
                        diags,
                        Level::Alert,
                        loc,
                        kw,
                        format!("Unexpected argument '{}' for '{}'.", arg(1), kw),
                    );
                    return Step::Stop { abort: true };
                }
                let Some(top) = self.conds.last_mut() else {
                    push(
                        diags,
                        Level::Alert,
                        loc,
                        kw,
                        format!("lone '{kw}' with no matching '.if'."),
                    );
                    return if kw == ".endif" {
                        Step::Stop { abort: true }
                    } else {
                        Step::Abort
                    };
                };
                if kw == ".endif" {
                    self.conds.pop();
                    return Step::Continue;
                }
                if matches!(*top, CondState::ElseTake | CondState::ElseDrop) {
                    push(
                        diags,
                        Level::Alert,
                        loc,
                        kw,
                        "'.else' after '.else' is not permitted.",
                    );
                    return Step::Abort;
                }
                *top = if top.done() {
                    CondState::ElseDrop
                } else {
                    CondState::ElseTake
                };
                return Step::Continue;
            }
            _ => {}
        }
        if self.conds.last().is_some_and(|s| s.masks()) {
            return Step::Continue;
        }
        if let Some(level) = match kw {
            ".alert" => Some(Some(Level::Alert)),
            ".warning" => Some(Some(Level::Warning)),
            ".notice" => Some(Some(Level::Notice)),
            ".diag" => Some(None),
            _ => None,
        } {
            if !arg(2).is_empty() {
                push(
                    diags,
                    Level::Alert,
                    loc,
                    kw,
                    format!(
                        "Unexpected argument '{}' for '{}'. Use quotes if the message should contain spaces.",
                        arg(2),
                        kw
                    ),
                );
                return Step::Continue;
            }
            // `.diag` only speaks in diagnostic mode (-dD), which the lexer does not know.
            if let Some(level) = level {
                push(diags, level, loc, kw, format!("'{}'.", arg(1)));
                if level == Level::Alert {
                    return Step::Abort;
                }
            }
            return Step::Continue;
        }
        if kw.starts_with('.') {
            push(
                diags,
                Level::Alert,
                loc,
                kw,
                format!("unknown directive '{kw}'."),
            );
            return Step::Stop { abort: false };
        }
        if SECTIONS.contains(&kw) {
            self.section = match words.get(1) {
                Some(name) if !name.is_empty() => name.clone(),
                _ => kw.to_string(),
            };
        }
        self.out.lines.push(Line {
            loc: loc.clone(),
            words,
        });
        Step::Continue
    }

    fn if_elif(
        &mut self,
        loc: &Loc,
        kw: &str,
        words: &[String],
        trailing: bool,
        diags: &mut Diags,
    ) -> Step {
        // HAProxy re-joins the remaining words with single spaces into one expression
        // (trailing spaces leave one space at the end).
        let mut expr = words.get(1..).unwrap_or(&[]).join(" ");
        if trailing && words.len() > 1 {
            expr.push(' ');
        }
        if kw == ".if" {
            if self.conds.len() + 1 >= MAX_NESTED_CONDS {
                push(
                    diags,
                    Level::Alert,
                    loc,
                    kw,
                    format!("too many nested '.if', max is {MAX_NESTED_CONDS}."),
                );
                return Step::Abort;
            }
            if self.conds.last().is_some_and(|s| s.masks()) {
                self.conds.push(CondState::IfSkip);
                return Step::Continue;
            }
        } else {
            let Some(top) = self.conds.last().copied() else {
                push(
                    diags,
                    Level::Alert,
                    loc,
                    kw,
                    "lone '.elif' with no matching '.if'.",
                );
                return Step::Abort;
            };
            if matches!(top, CondState::ElseTake | CondState::ElseDrop) {
                push(
                    diags,
                    Level::Alert,
                    loc,
                    kw,
                    "'.elif' after '.else' is not permitted.",
                );
                return Step::Abort;
            }
            if top.done() {
                if let Some(t) = self.conds.last_mut() {
                    *t = CondState::ElifSkip;
                }
                return Step::Continue;
            }
        }
        let env = self.env;
        let taken = match cond::eval_expr(&expr, &|name| env(name).is_some()) {
            CondOutcome::Value(v) => v,
            CondOutcome::Error { msg, pos } => {
                // `.if ` is 4 wide and the excerpt 76; `.elif ` is 6 wide and 74.
                let (pad, width) = if kw == ".if" { (4, 76) } else { (6, 74) };
                let (shown, newpos) = sanitize_for_printing(expr.as_bytes(), pos, width);
                push(
                    diags,
                    Level::Alert,
                    loc,
                    kw,
                    format!(
                        "{msg} in '{kw}' at position {}:\n  {kw} {shown}\n  {:>w$}",
                        pos + 1,
                        "^",
                        w = newpos + pad + 1
                    ),
                );
                return Step::Abort;
            }
        };
        let state = match (kw == ".if", taken) {
            (true, true) => CondState::IfTake,
            (true, false) => CondState::IfDrop,
            (false, true) => CondState::ElifTake,
            (false, false) => CondState::ElifDrop,
        };
        if kw == ".if" {
            self.conds.push(state);
        } else if let Some(t) = self.conds.last_mut() {
            *t = state;
        }
        Step::Continue
    }
}

/// `[scope]` lines (HAProxy's `cfg_parse_scope()`): accepted and ignored when the name is
/// valid (letters, digits, `.`, `_`, `-`, `:`) and alone on its line. Returns true when
/// HAProxy would not read the next files.
fn scope_line(loc: &Loc, line: &[u8], diags: &mut Diags) -> bool {
    let inner = line.get(1..).unwrap_or(&[]);
    let mut alert = |msg: String| {
        diags.list.push(Diag {
            level: Level::Alert,
            loc: Some(loc.clone()),
            keyword: Some("[".to_string()),
            msg,
        });
    };
    let name_len = match inner.iter().position(|&b| b == b']') {
        Some(n) if n > 0 => n,
        _ => {
            alert("empty scope name is forbidden.".to_string());
            return false;
        }
    };
    let name = inner.get(..name_len).unwrap_or(&[]);
    if let Some(&bad) = name
        .iter()
        .find(|&&b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':')))
    {
        alert(format!(
            "character '{}' is not permitted in a scope name.",
            char::from(bad)
        ));
        return true;
    }
    let after = inner.get(name_len + 1..).unwrap_or(&[]);
    let rest = after.get(after.iter().take_while(|&&b| is_space(b)).count()..);
    if let Some(&c) = rest.and_then(|r| r.first()) {
        if !matches!(c, b'#' | b'\n' | b'\r') {
            alert(format!(
                "character '{}' is not permitted after scope declaration.",
                char::from(c)
            ));
            return true;
        }
    }
    false
}

/// A tokenizer error and where it points (an offset in the stripped line).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SyntaxError {
    kind: ErrKind,
    pos: usize,
    /// The excerpt is printed up to here (HAProxy cut the line in place to read a name).
    excerpt_end: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrKind {
    Quote,
    Brace,
    VarName,
    Hex,
    WrongExpand,
}

impl ErrKind {
    fn text(self) -> &'static str {
        match self {
            ErrKind::Quote => "unmatched quote",
            ErrKind::Brace => "unmatched brace in environment variable name",
            ErrKind::VarName => "forbidden first char in environment variable name",
            ErrKind::Hex => "truncated or invalid hexadecimal sequence",
            ErrKind::WrongExpand => "truncated or invalid word expansion sequence",
        }
    }
}

fn report_syntax(
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
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0b | 0x0c)
}

struct Ctx<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    file: &'a str,
    line: u32,
    section: &'a str,
}

/// The result of one `parse_line()` pass.
#[derive(Debug, Default)]
struct Pass {
    words: Vec<Vec<u8>>,
    /// Bytes HAProxy would write, word separators and final NUL included.
    outlen: usize,
    /// Offsets of `}` closing a `${VAR-default}` (HAProxy overwrites them with NUL).
    cut_braces: Vec<usize>,
    too_many: bool,
    /// An empty last word (trailing spaces) was dropped; HAProxy's re-joined `.if`
    /// expression still ends with a space then.
    trailing_empty: bool,
    err: Option<SyntaxError>,
}

impl Pass {
    fn emit(&mut self, b: u8) {
        self.outlen += 1;
        if let Some(w) = self.words.last_mut() {
            w.push(b);
        }
    }
    fn next_word(&mut self) {
        self.outlen += 1;
        if self.words.len() >= MAX_LINE_ARGS {
            self.too_many = true;
        }
        self.words.push(Vec::new());
    }
}

/// Scans a variable name: letters, digits, `_` (nom keeps this small).
fn var_name_tail(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_')(i)
}

/// HAProxy's `parse_line()` with `PARSE_OPT_ENV | WORD_EXPAND | DQUOTE | SQUOTE | BKSLASH |
/// SHARP` (`sharp`: `#` comments) on one line whose leading spaces are already removed.
fn tokenize(input: &[u8], ctx: &Ctx<'_>, sharp: bool) -> Pass {
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
fn expand_var(input: &[u8], i: &mut usize, ctx: &Ctx<'_>, p: &mut Pass) -> Result<(), SyntaxError> {
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

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("a  b c".to_string()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("8080".to_string()),
            _ => None,
        }
    }

    fn run(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
        let mut d = Diags::new();
        let lines = lex("t.cfg", text, &env, &mut d);
        let words = lines.into_iter().map(|l| l.words).collect();
        let msgs = d.list.iter().map(|d| d.render(1) + "\n").collect();
        (words, msgs)
    }

    fn words(text: &str) -> Vec<Vec<String>> {
        let (w, m) = run(text);
        assert!(m.is_empty(), "unexpected diagnostics: {m:?}");
        w
    }

    fn one(text: &str) -> Vec<String> {
        words(&format!("global\n{text}\n")).pop().unwrap()
    }

    #[test]
    fn words_split_on_spaces_and_tabs_and_comments_are_dropped() {
        assert_eq!(
            words("global#this is the global section\n    daemon#daemonize\n\tfrontend \t foo\n mode http   # or tcp\n"),
            vec![vec!["global"], vec!["daemon"], vec!["frontend", "foo"], vec!["mode", "http"]]
        );
    }

    #[test]
    fn backslash_escapes_are_resolved_outside_quotes() {
        assert_eq!(
            one(r"log-format %{+Q}o\ %t\ %s"),
            ["log-format", "%{+Q}o %t %s"]
        );
        assert_eq!(
            one(r"x a\#b \\ \' \x41\t\n\r"),
            ["x", "a#b", "\\", "'", "A\t\n\r"]
        );
        assert_eq!(one(r"x \q\1 a\$b"), ["x", r"\q\1", r"a\$b"]);
        assert_eq!(one("x a\\"), ["x", "a\\"]);
    }

    #[test]
    fn the_manual_equivalent_log_formats_give_the_same_word() {
        let want = ["log-format", "%{+Q}o %t %s %{-Q}r"];
        assert_eq!(one(r"log-format %{+Q}o\ %t\ %s\ %{-Q}r"), want);
        assert_eq!(one(r#"log-format "%{+Q}o %t %s %{-Q}r""#), want);
        assert_eq!(one(r"log-format '%{+Q}o %t %s %{-Q}r'"), want);
        assert_eq!(one(r#"log-format "%{+Q}o %t"' %s %{-Q}r'"#), want);
        assert_eq!(one(r#"log-format "%{+Q}o %t"' %s'\ %{-Q}r"#), want);
    }

    #[test]
    fn single_quotes_protect_everything() {
        assert_eq!(one(r"x 'a\\x$FOO #b'"), ["x", r"a\\x$FOO #b"]);
        assert_eq!(one(r#"x '"'\'"#), ["x", "\"'"]);
    }

    #[test]
    fn double_quotes_expand_variables() {
        assert_eq!(
            one(r#"x "$FOO" "${FOO}x" "p${PORT}""#),
            ["x", "a  b c", "a  b cx", "p8080"]
        );
        assert_eq!(one(r#"x "\$FOO" "$NOPE" y"#), ["x", "$FOO", "", "y"]);
        assert_eq!(one("x $FOO ${FOO}"), ["x", "$FOO", "${FOO}"]);
        assert_eq!(one(r#"x "$_X9_a.b""#), ["x", ".b"]);
        assert_eq!(
            one(r#"x "$FOO-bar" "${FOO}[*]""#),
            ["x", "a  b c-bar", "a  b c[*]"]
        );
    }

    #[test]
    fn a_default_replaces_only_unset_variables() {
        assert_eq!(
            one(r#"x "${NOPE-dflt}" "${EMPTY-dflt}" "${PORT-1}" "${NOPE-a b}""#),
            ["x", "dflt", "", "8080", "a b"]
        );
    }

    #[test]
    fn word_expansion_splits_a_variable_into_words() {
        assert_eq!(one(r#"x "${FOO[*]}""#), ["x", "a", "b", "c"]);
        assert_eq!(one(r#"x "pre${FOO[*]}post""#), ["x", "prea", "b", "cpost"]);
        assert_eq!(one(r#"x "${NOPE[*]}" y"#), ["x", "", "y"]);
    }

    #[test]
    fn empty_quoted_words_are_kept_but_not_at_the_end() {
        assert_eq!(one(r#"x "" y ''"#), ["x", "", "y"]);
        assert_eq!(words("global\n\"\" foo\n\"\"\n"), vec![vec!["global"]]);
    }

    #[test]
    fn pseudo_variables_give_file_line_and_section() {
        let (w, m) = run(".notice \"${.SECTION}\"\nglobal\n  x \"${.SECTION}|$.LINE|$.FILE\"\nlisten foo\n  y \"${.SECTION}\"\n");
        assert_eq!(w[1], ["x", "global|3|t.cfg"]);
        assert_eq!(w[3], ["y", "foo"]);
        assert_eq!(m, ["[NOTICE]   (1) : config : parsing [t.cfg:1]: ''.\n"]);
    }

    #[test]
    fn crlf_line_ends_and_utf8_comments_are_accepted() {
        assert_eq!(
            words("global\r\n  maxconn 10 # 最大连接数\r\n  # 中文注释\r\n"),
            vec![vec!["global"], vec!["maxconn", "10"]]
        );
        assert_eq!(one("x \"héllo 中文\""), ["x", "héllo 中文"]);
    }

    #[test]
    fn a_carriage_return_ends_the_line() {
        assert_eq!(one("x a\rb c"), ["x", "a"]);
    }

    #[test]
    fn vertical_tab_and_form_feed_separate_words() {
        assert_eq!(one("x\x0ba\x0cb"), ["x", "a", "b"]);
    }

    #[test]
    fn an_unmatched_quote_is_reported_like_haproxy() {
        let (w, m) = run("global\n  foo \"abc\n  bar x\n");
        assert_eq!(w, vec![vec!["global"], vec!["bar", "x"]]);
        assert_eq!(
            m,
            ["[ALERT]    (1) : config : parsing [t.cfg:2]: unmatched quote at position 7:\n  foo \"abc\n      ^\n"]
        );
        let (_, m) = run("global\n  foo abc\"\n");
        assert!(m[0].contains("unmatched quote at position 10:\n  foo abc\"\n         ^"));
        let (_, m) = run("global\n  foo 'abc\n");
        assert!(m[0].contains("unmatched quote at position 7:\n  foo 'abc\n      ^"));
    }

    #[test]
    fn the_error_position_counts_the_indent_but_the_excerpt_does_not() {
        let (_, m) = run("global\n\t    foo \"abc\n");
        assert!(
            m[0].contains("unmatched quote at position 10:\n  foo \"abc\n      ^"),
            "{m:?}"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_error() {
        let digits: String = (0..100)
            .map(|i| char::from(b'0' + (i % 10) as u8))
            .collect();
        let (_, m) = run(&format!("global\n  foo x y z {digits} \"abc\n"));
        let want = format!(
            "unmatched quote at position 114:\n  ...456789012345678901234567890123456789 \"abc...\n  {}^\n",
            " ".repeat(40)
        );
        assert!(m[0].ends_with(&want), "{m:?}");
    }

    #[test]
    fn bad_escapes_and_variables_are_reported_like_haproxy() {
        let cases = [
            ("  foo \"a\\xZZ\"", "truncated or invalid hexadecimal sequence at position 9:\n  foo \"a\\xZZ\"\n        ^"),
            ("  foo \"${ABC\"", "unmatched brace in environment variable name at position 9:\n  foo \"${ABC\"\n        ^"),
            ("  foo \"$1abc\"", "forbidden first char in environment variable name at position 9:\n  foo \"$1abc\"\n        ^"),
            ("  foo \"${ABC[x]}\"", "truncated or invalid word expansion sequence at position 13:\n  foo \"${ABC[x]}\"\n            ^"),
            ("  foo \"${.BAD}\"", "forbidden first char in environment variable name at position 10:\n  foo \"${.BAD\n         ^"),
            ("  .notice \"$\" ", "forbidden first char in environment variable name at position 13:\n  .notice \"$\" \n            ^"),
        ];
        for (line, want) in cases {
            let (w, m) = run(&format!("global\n{line}\n"));
            assert_eq!(w.len(), 1, "{line}");
            assert_eq!(m.len(), 1, "{line}");
            assert!(
                m[0].contains(&format!("parsing [t.cfg:2]: {want}\n")),
                "{line}: {m:?}"
            );
        }
    }

    #[test]
    fn a_default_on_the_first_line_of_a_file_fails_as_in_haproxy() {
        let (_, m) = run(".notice \"${NOPE-x}\"\n.notice \"${NOPE-y}\"\n");
        assert_eq!(m.len(), 2);
        assert!(m[0].contains(
            "parsing [t.cfg:1]: unmatched brace in environment variable name at position 11:\n  .notice \"${NOPE-x\n            ^"
        ), "{m:?}");
        assert!(m[1].contains("parsing [t.cfg:2]: 'y'."), "{m:?}");
    }

    #[test]
    fn too_many_words_are_an_error() {
        let line: String = (1..=70).map(|i| format!("w{i} ")).collect();
        let (w, m) = run(&format!("global\n{line}\n"));
        assert_eq!(w.len(), 1);
        assert!(
            m[0].contains(
                "parsing [t.cfg:2]: too many words, truncating after word 64, position 244: <w64>."
            ),
            "{m:?}"
        );
    }

    #[test]
    fn a_missing_final_lf_is_an_alert() {
        let (w, m) = run("global\n  maxconn 10");
        assert_eq!(w, vec![vec!["global"], vec!["maxconn", "10"]]);
        assert!(m[0].contains(
            "parsing [t.cfg:2]: Missing LF on last line, file might have been truncated at position 13."
        ));
    }

    #[test]
    fn messages_are_emitted_at_their_level_and_alert_aborts() {
        let mut d = Diags::new();
        let out = lex_file(
            "t.cfg",
            b".notice \"a b\"\n.warning w\n.diag x\n.alert boom\nglobal\n",
            &env,
            &mut d,
        );
        assert!(out.aborted);
        assert!(out.lines.is_empty());
        let r: Vec<String> = d.list.iter().map(|x| x.render(9)).collect();
        assert_eq!(
            r,
            [
                "[NOTICE]   (9) : config : parsing [t.cfg:1]: 'a b'.",
                "[WARNING]  (9) : config : parsing [t.cfg:2]: 'w'.",
                "[ALERT]    (9) : config : parsing [t.cfg:4]: 'boom'.",
            ]
        );
    }

    #[test]
    fn a_message_with_two_words_asks_for_quotes() {
        let (_, m) = run(".notice \"\" x\n");
        assert!(m[0].contains(
            "parsing [t.cfg:1]: Unexpected argument 'x' for '.notice'. Use quotes if the message should contain spaces."
        ));
    }

    #[test]
    fn conditional_blocks_select_lines() {
        let text = ".if 1 && 0\n  a\n.elif defined(PORT)\n  b\n  .if 0\n    c\n  .else\n    d\n  .endif\n.else\n  e\n.endif\nf\n";
        assert_eq!(words(text), vec![vec!["b"], vec!["d"], vec!["f"]]);
    }

    #[test]
    fn an_empty_condition_is_false() {
        assert_eq!(words(".if\na\n.else\nb\n.endif\n"), vec![vec!["b"]]);
    }

    #[test]
    fn skipped_blocks_ignore_unknown_directives_and_alerts() {
        assert_eq!(
            words(".if 0\n.foo\n.alert x\n.if 1\ny\n.endif\n.endif\nz\n"),
            vec![vec!["z"]]
        );
    }

    #[test]
    fn skipped_blocks_still_report_syntax_errors() {
        let (_, m) = run(".if 0\n  \"unterminated\n.endif\n");
        assert!(m[0]
            .contains("parsing [t.cfg:2]: unmatched quote at position 3:\n  \"unterminated\n  ^"));
    }

    #[test]
    fn unbalanced_blocks_are_reported_like_haproxy() {
        let cases = [
            (
                ".elif 1\n",
                "parsing [t.cfg:1]: lone '.elif' with no matching '.if'.",
            ),
            (
                ".else\n",
                "parsing [t.cfg:1]: lone '.else' with no matching '.if'.",
            ),
            (
                ".endif\n",
                "parsing [t.cfg:1]: lone '.endif' with no matching '.if'.",
            ),
            (
                ".if 1\n.else\n.else\n.endif\n",
                "parsing [t.cfg:3]: '.else' after '.else' is not permitted.",
            ),
            (
                ".if 1\n.else\n.elif 1\n.endif\n",
                "parsing [t.cfg:3]: '.elif' after '.else' is not permitted.",
            ),
            (
                ".if 1\n.notice x\n",
                "parsing [t.cfg:2]: non-terminated '.if' block.",
            ),
            (
                ".else x\n",
                "parsing [t.cfg:1]: Unexpected argument 'x' for '.else'.",
            ),
            (".foo\n", "parsing [t.cfg:1]: unknown directive '.foo'."),
        ];
        for (text, want) in cases {
            let (_, m) = run(text);
            assert!(m.iter().any(|x| x.contains(want)), "{text:?}: {m:?}");
        }
    }

    #[test]
    fn a_bad_condition_shows_the_expression_and_a_caret() {
        let (_, m) = run(".if foo(1)\n.endif\n");
        assert_eq!(
            m,
            ["[ALERT]    (1) : config : parsing [t.cfg:1]: unparsable conditional expression 'foo(1)' in '.if' at position 1:\n  .if foo(1)\n      ^\n"]
        );
        let (_, m) = run(".if 1 garbage\n.endif\n");
        assert!(m[0].contains("unexpected character 'g' at the end of conditional expression '1 garbage' in '.if' at position 3:\n  .if 1 garbage\n        ^"));
        let (_, m) = run(".if streq(a)\n.endif\n");
        assert!(m[0].contains("missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression in '.if' at position 8:\n  .if streq(a)\n             ^"), "{m:?}");
        let (_, m) = run(".if 0\n.elif (1\n.endif\n");
        assert!(m[0].contains("expected ')' after conditional expression '(1' in '.elif' at position 1:\n  .elif (1\n        ^"), "{m:?}");
    }

    #[test]
    fn a_condition_keeps_one_trailing_space_like_haproxy() {
        let (_, m) = run(".if 1 garbage \t\n.endif\n");
        assert!(m[0].contains("conditional expression '1 garbage ' in '.if' at position 3:\n  .if 1 garbage \n        ^"), "{m:?}");
    }

    #[test]
    fn a_scope_line_is_ignored_and_an_empty_one_is_an_error() {
        let (w, m) = run("[foo]\nglobal\n  [foo\n[]\n[a b]\n[foo]bar\n[x.y:z-1_] # c\n");
        assert_eq!(w, vec![vec!["global"]]);
        let p = "[ALERT]    (1) : config : parsing [t.cfg:";
        assert_eq!(
            m,
            [
                format!("{p}3] : empty scope name is forbidden.\n"),
                format!("{p}4] : empty scope name is forbidden.\n"),
                format!("{p}5] : character ' ' is not permitted in a scope name.\n"),
                format!("{p}6] : character 'b' is not permitted after scope declaration.\n"),
            ]
        );
    }

    #[test]
    fn lines_keep_their_numbers() {
        let mut d = Diags::new();
        let lines = lex("x.cfg", "\n# c\nglobal\n\n  daemon\n", &env, &mut d);
        assert_eq!(lines[0].loc, Loc::new("x.cfg", 3));
        assert_eq!(lines[1].loc, Loc::new("x.cfg", 5));
        assert_eq!(lines[1].keyword(), "daemon");
        assert_eq!(lines[1].word(1), None);
    }
}
