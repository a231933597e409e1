//! Configuration diagnostics, printed exactly as HAProxy 2.6's `haproxy -c` prints them.
//!
//! ```text
//! [ALERT]    (2191) : config : parsing [haproxy.cfg:38] : unknown keyword 'refresh' in 'listen' section; did you mean 'retries' maybe ?
//! [WARNING]  (2197) : config : missing timeouts for backend 'htmpool'.
//!    | While not properly invalid, ...
//! ```
//!
//! Every parser pushes into one [`Diags`] so that all errors are reported before exiting.
//! This is one of the three rooms allowed to print (see `Diags::print`).

use std::fmt;
use std::sync::Arc;

/// A place in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Loc {
    /// The file, as given on the command line (or joined with its directory).
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
}

impl Loc {
    /// Builds a location.
    pub fn new(file: impl Into<Arc<str>>, line: u32) -> Self {
        Loc {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Severity, as HAProxy tags its startup messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `[NOTICE]`.
    Notice,
    /// `[WARNING]`.
    Warning,
    /// `[ALERT]` that does not reject the configuration: HAProxy's `ERR_ALERT` without
    /// `ERR_FATAL`, as for a global setting given twice ("'maxconn' already specified.
    /// Continuing."). It does not count as an error, nor towards the 50 fatal lines.
    AlertContinue,
    /// `[ALERT]`: an error; the configuration is rejected.
    Alert,
}

impl Level {
    /// The tag padded the way HAProxy pads it (`[ALERT]    `).
    pub fn tag(self) -> &'static str {
        match self {
            Level::Notice => "[NOTICE]   ",
            Level::Warning => "[WARNING]  ",
            Level::AlertContinue | Level::Alert => "[ALERT]    ",
        }
    }
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    /// Severity.
    pub level: Level,
    /// Where, when the message is about one line.
    pub loc: Option<Loc>,
    /// The keyword involved, for tooling (not printed separately).
    pub keyword: Option<String>,
    /// The message, without the `parsing [file:line] : ` prefix. Extra lines
    /// (after `\n`) are printed with HAProxy's `   | ` continuation prefix, except lines
    /// starting with two spaces (quoted config excerpts and carets) and empty lines,
    /// printed as they are, and lines starting with [`BARE_LINE`], printed without it.
    pub msg: String,
}

/// Starts an extra line of a [`Diag`] message that HAProxy prints with no continuation
/// bar (e.g. the second line of "We generated two equal cookies ...").
pub const BARE_LINE: char = '\u{1}';

impl Diag {
    /// Renders the diagnostic as HAProxy would, with `pid` in parentheses.
    pub fn render(&self, pid: u32) -> String {
        let mut lines = self.msg.split('\n');
        let first = lines.next().unwrap_or("");
        let mut out = match &self.loc {
            Some(loc) => format!(
                "{}({}) : config : parsing [{}] : {}",
                self.level.tag(),
                pid,
                loc,
                first
            ),
            None => format!("{}({}) : config : {}", self.level.tag(), pid, first),
        };
        for l in lines {
            // HAProxy's config excerpts and carets are indented by two spaces and printed
            // as they are; other extra lines get the `   | ` continuation bar.
            // An empty line (a message ending with '\n') stays blank, as in HAProxy.
            if let Some(raw) = l.strip_prefix(BARE_LINE) {
                out.push('\n');
                out.push_str(raw);
                continue;
            }
            // So does the lone "." or ".." that ends a message HAProxy built around an
            // inner one ending with '\n'.
            let bare = l.is_empty() || l.starts_with("  ") || l == "." || l == "..";
            out.push_str(if bare { "\n" } else { "\n   | " });
            out.push_str(l);
        }
        out
    }
}

/// All diagnostics of one load, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diags {
    /// The diagnostics.
    pub list: Vec<Diag>,
}

impl Diags {
    /// An empty list.
    pub fn new() -> Self {
        Diags::default()
    }

    /// Records an error about a line.
    pub fn alert(&mut self, loc: &Loc, keyword: &str, msg: impl Into<String>) {
        self.list.push(Diag {
            level: Level::Alert,
            loc: Some(loc.clone()),
            keyword: Some(keyword.to_string()),
            msg: msg.into(),
        });
    }

    /// Records an alert about a line that leaves the configuration valid (HAProxy's
    /// "... already specified. Continuing.").
    pub fn alert_continue(&mut self, loc: &Loc, keyword: &str, msg: impl Into<String>) {
        self.list.push(Diag {
            level: Level::AlertContinue,
            loc: Some(loc.clone()),
            keyword: Some(keyword.to_string()),
            msg: msg.into(),
        });
    }

    /// Records a warning about a line.
    pub fn warning(&mut self, loc: &Loc, keyword: &str, msg: impl Into<String>) {
        self.list.push(Diag {
            level: Level::Warning,
            loc: Some(loc.clone()),
            keyword: Some(keyword.to_string()),
            msg: msg.into(),
        });
    }

    /// Records a notice about a line.
    pub fn notice(&mut self, loc: &Loc, keyword: &str, msg: impl Into<String>) {
        self.list.push(Diag {
            level: Level::Notice,
            loc: Some(loc.clone()),
            keyword: Some(keyword.to_string()),
            msg: msg.into(),
        });
    }

    /// Records a message not tied to a line.
    pub fn global(&mut self, level: Level, msg: impl Into<String>) {
        self.list.push(Diag {
            level,
            loc: None,
            keyword: None,
            msg: msg.into(),
        });
    }

    /// True if any diagnostic is an alert that rejects the configuration.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.level == Level::Alert)
    }

    /// True if any diagnostic is a warning.
    pub fn has_warnings(&self) -> bool {
        self.list.iter().any(|d| d.level == Level::Warning)
    }

    /// Appends another list.
    pub fn extend(&mut self, other: Diags) {
        self.list.extend(other.list);
    }

    /// Renders every diagnostic, one per line (continuations included).
    pub fn render(&self, pid: u32) -> String {
        let mut s = String::new();
        for d in &self.list {
            s.push_str(&d.render(pid));
            s.push('\n');
        }
        s
    }

    /// Prints every diagnostic to stderr; `quiet` (`-q`) hides them all, as HAProxy does.
    #[allow(clippy::print_stderr)]
    pub fn print(&self, pid: u32, quiet: bool) {
        for d in &self.list {
            if quiet {
                return;
            }
            eprintln!("{}", d.render(pid));
        }
    }
}

/// Finds the closest candidate to a misspelled keyword, for "did you mean 'x' maybe ?".
///
/// This is HAProxy's `cfg_find_best_match()`: each word gets a fingerprint counting the
/// transitions between its characters (letters, digits and "other", plus word begin/end)
/// and which characters occur; the distance is the sum of the absolute differences. The
/// first candidate with the smallest distance wins, so pass candidates in HAProxy's order
/// (registered keywords first, then its `common_kw_list`). Nothing is proposed when the
/// distance exceeds twice the length of either word.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let sig = fingerprint(word);
    let mut best: Option<(&str, usize)> = None;
    for c in candidates {
        let d = fingerprint_distance(&sig, &fingerprint(c));
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    let (c, d) = best?;
    if d > 2 * word.len() || d > 2 * c.len() {
        return None;
    }
    Some(c)
}

/// A word's fingerprint: 32x32 transition counts between character classes
/// (1..=26 letters, 27 digits, 28 other characters and the word's begin/end); row 0 marks
/// which classes occur.
fn fingerprint(word: &str) -> [u8; 1024] {
    let mut fp = [0u8; 1024];
    let mut from = 28usize;
    for b in word.bytes() {
        let to = match b.to_ascii_lowercase() {
            c @ b'a'..=b'z' => usize::from(c - b'a') + 1,
            b'0'..=b'9' => 27,
            _ => 28,
        };
        if let Some(x) = fp.get_mut(to) {
            *x = 1;
        }
        if let Some(x) = fp.get_mut(32 * from + to) {
            *x = x.wrapping_add(1);
        }
        from = to;
    }
    if let Some(x) = fp.get_mut(32 * from + 28) {
        *x = x.wrapping_add(1);
    }
    fp
}

fn fingerprint_distance(a: &[u8; 1024], b: &[u8; 1024]) -> usize {
    a.iter()
        .zip(b.iter())
        .map(|(&x, &y)| usize::from(x.abs_diff(y)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_renders_like_haproxy() {
        let mut d = Diags::new();
        d.alert(
            &Loc::new("x.cfg", 37),
            "local0",
            "unknown keyword 'local0' in 'listen' section",
        );
        assert_eq!(
            d.render(2191),
            "[ALERT]    (2191) : config : parsing [x.cfg:37] : unknown keyword 'local0' in 'listen' section\n"
        );
    }

    #[test]
    fn a_multiline_warning_uses_continuation_bars() {
        let mut d = Diags::new();
        d.global(
            Level::Warning,
            "missing timeouts for backend 'b'.\nWhile not properly invalid",
        );
        assert_eq!(
            d.render(7),
            "[WARNING]  (7) : config : missing timeouts for backend 'b'.\n   | While not properly invalid\n"
        );
    }

    #[test]
    fn a_lone_dot_line_is_printed_bare() {
        // `tcp-check send-binary 4x`, as HAProxy 2.6 prints it.
        let mut d = Diags::new();
        d.alert(
            &Loc::new("t.cfg", 7),
            "tcp-check",
            "'tcp-check send-binary' : '4x' invalid binary string (an hex digit is expected (found 'x')).\n.",
        );
        assert_eq!(
            d.list[0].render(1),
            "[ALERT]    (1) : config : parsing [t.cfg:7] : 'tcp-check send-binary' : '4x' invalid binary string (an hex digit is expected (found 'x')).\n."
        );
    }

    #[test]
    fn close_misspellings_are_suggested() {
        assert_eq!(
            did_you_mean("refresh", ["retries", "mode", "bind"]),
            Some("retries")
        );
        assert_eq!(did_you_mean("zzzzzz", ["retries", "mode"]), None);
    }

    #[test]
    fn suggestions_match_haproxy_for_proxy_keywords() {
        // each checked against `haproxy -c` 2.6.12 in a listen section
        let cases = [
            ("refresh", Some("retries")),
            ("balanse", Some("balance")),
            ("servr", Some("server")),
            ("maxcon", Some("maxconn")),
            ("cokie", Some("cookie")),
            ("usebackend", Some("use_backend")),
            ("tiemout", Some("timeout")),
            ("xyzzy", None),
            ("ab", None),
        ];
        for (word, want) in cases {
            assert_eq!(
                did_you_mean(word, crate::config::kw::PROXY_CANDIDATES.iter().copied()),
                want,
                "{word}"
            );
        }
    }

    #[test]
    fn the_first_of_equally_close_candidates_wins() {
        assert_eq!(did_you_mean("ab", ["ba", "ab2", "abc"]), Some("ab2"));
    }

    #[test]
    fn fingerprints_count_transitions_and_ignore_case() {
        assert_eq!(
            fingerprint_distance(&fingerprint("Mode"), &fingerprint("mode")),
            0
        );
        // "ab" vs "ba": same letters; the 3 transitions of each differ
        assert_eq!(
            fingerprint_distance(&fingerprint("ab"), &fingerprint("ba")),
            6
        );
    }
}
