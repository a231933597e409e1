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
//! - `[scope]` lines, and the "Missing LF on last line" check;
//! - the `setenv`/`presetenv`/`unsetenv`/`resetenv` lines of `global` sections, applied to
//!   an overlay of the environment ([`Env`]) as soon as they are read, as HAProxy does.
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

mod env;
#[cfg(test)]
mod tests;
mod tokenize;

pub use env::{directive as env_directive, env_expand, Env, Lookup};
pub use tokenize::sanitize_for_printing;
use tokenize::{is_space, report_syntax, tokenize, Ctx, ErrKind};

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
    lex_file_in(0, file, text, &mut Env::new(env), diags)
}

/// [`lex_file`] for the file number `file_no` (0 for the first one read) of a load, with the
/// environment the previous files left; the `setenv` family's lines change `env`.
pub fn lex_file_in(
    file_no: usize,
    file: &str,
    text: &[u8],
    env: &mut Env<'_>,
    diags: &mut Diags,
) -> Lexed {
    let mut st = FileState {
        file,
        file_no,
        env,
        section: String::new(),
        in_global: false,
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

struct FileState<'a, 'e> {
    file: &'a str,
    file_no: usize,
    env: &'a mut Env<'e>,
    section: String,
    /// The current section is a `global` one, where the `setenv` family applies.
    in_global: bool,
    /// The size of HAProxy's line output buffer (grown in steps of 1024).
    cap: usize,
    conds: Vec<CondState>,
    out: Lexed,
}

impl FileState<'_, '_> {
    fn line(&mut self, loc: &Loc, raw: &[u8], diags: &mut Diags) -> Step {
        let lead = raw.iter().take_while(|&&b| is_space(b)).count();
        let line = raw.get(lead..).unwrap_or(&[]);
        if line.first() == Some(&b'[') {
            if scope_line(loc, line, diags) {
                self.out.aborted = true;
            }
            return Step::Continue;
        }
        let env: &Env<'_> = self.env;
        let lookup = |name: &str| env.get(name);
        let ctx = Ctx {
            env: &lookup,
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
            self.in_global = kw == "global";
        } else if self.in_global {
            self.env.apply(self.file_no, loc.line, &words);
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
        let env: &Env<'_> = self.env;
        let taken = match cond::eval_expr(&expr, &|name| env.get(name).is_some()) {
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
