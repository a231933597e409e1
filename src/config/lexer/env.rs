//! The environment that `${VAR}` expansions, `.if defined(VAR)` and the addresses' own
//! expansion see: the process environment plus the changes made by `setenv`, `presetenv`,
//! `unsetenv` and `resetenv` in `global` sections (configuration.txt 3.1). HAProxy applies
//! these while it reads, so each one affects the lines after it, in this file and the next
//! ones. The process environment itself is never changed: the changes are an overlay.
//!
//! The lexer applies the changes as it meets them ([`Env::apply`]); the keyword parsers, which
//! run after a whole file is lexed, look variables up as they were at their own line
//! ([`Env::get_before`]). The words are checked by [`directive`], which the `global` parser
//! also uses to word HAProxy's alerts. This module imports nothing outside `config`.

/// A variable lookup in the process environment (or a test's stand-in).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment seen through the `setenv` family's changes so far.
pub struct Env<'a> {
    base: Lookup<'a>,
    changes: Vec<Change>,
}

/// One change and where it was made: it applies to what follows `(file, line)`.
struct Change {
    file: usize,
    line: u32,
    op: Op,
}

/// What a `setenv`-family line does (HAProxy's calls to `setenv()`/`unsetenv()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `setenv NAME VALUE`.
    Set(String, String),
    /// `presetenv NAME VALUE`: only when NAME is not set yet.
    Preset(String, String),
    /// `unsetenv NAME`.
    Unset(String),
    /// `resetenv [NAME...]`: unsets every variable but these.
    Reset(Vec<String>),
}

/// The changes a `setenv`, `presetenv`, `unsetenv` or `resetenv` line (`words`, keyword
/// first) makes, in order, and HAProxy's alert for it if any (the text after
/// `parsing [file:line]` and its separator, and whether that separator is `" : "` rather
/// than `": "`). `unsetenv` applies the names before a bad one, as HAProxy does.
pub fn directive(words: &[String]) -> (Vec<Op>, Option<(String, bool)>) {
    let kw = words.first().map(String::as_str).unwrap_or("");
    let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    // setenv(3) and unsetenv(3) refuse an empty name or one with '='.
    let invalid = |name: &str| name.is_empty() || name.contains('=');
    let failed = |name: &str| format!("'{kw}' failed on variable '{name}' : Invalid argument.");
    match kw {
        "setenv" | "presetenv" => {
            if let Some(extra) = words.get(4) {
                let msg = format!("'{kw}' cannot handle unexpected argument '{extra}'.");
                return (Vec::new(), Some((msg, true)));
            }
            if arg(2).is_empty() {
                let msg = format!("'{kw}' expects a name and a value.");
                return (Vec::new(), Some((msg, false)));
            }
            if invalid(arg(1)) {
                return (Vec::new(), Some((failed(arg(1)), false)));
            }
            let (name, value) = (arg(1).to_string(), arg(2).to_string());
            let op = if kw == "setenv" {
                Op::Set(name, value)
            } else {
                Op::Preset(name, value)
            };
            (vec![op], None)
        }
        "unsetenv" => {
            if arg(1).is_empty() {
                let msg = format!("'{kw}' expects at least one variable name.");
                return (Vec::new(), Some((msg, false)));
            }
            let mut ops = Vec::new();
            for name in words.iter().skip(1).take_while(|w| !w.is_empty()) {
                if invalid(name) {
                    return (ops, Some((failed(name), false)));
                }
                ops.push(Op::Unset(name.clone()));
            }
            (ops, None)
        }
        "resetenv" => {
            let keep = words.iter().skip(1).take_while(|w| !w.is_empty());
            (vec![Op::Reset(keep.cloned().collect())], None)
        }
        _ => (Vec::new(), None),
    }
}

/// HAProxy's `env_expand()`, which `str2sa_range()` applies to every address (`bind`,
/// `server`, `log`, `source`, `stats socket`, ...) on top of the lexer's own expansion, so
/// that even an unquoted `:${PORT}` works there: each `$NAME` or `${NAME}` (letters, digits,
/// `_`) is replaced by the variable's value, an unset one by nothing. There is no default
/// value (`${P-80}` is `$P` then `-80}`), a `$` with no name vanishes, and an unclosed
/// `${NAME` still reads `NAME`.
pub fn env_expand(text: &str, get: &dyn Fn(&str) -> Option<String>) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(rest.get(..dollar).unwrap_or(""));
        let after = rest.get(dollar + 1..).unwrap_or("");
        let (braced, name_start) = match after.strip_prefix('{') {
            Some(r) => (true, r),
            None => (false, after),
        };
        let len = name_start
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(name_start.len());
        let name = name_start.get(..len).unwrap_or("");
        if !name.is_empty() {
            out.push_str(&get(name).unwrap_or_default());
        }
        rest = name_start.get(len..).unwrap_or("");
        if braced {
            rest = rest.strip_prefix('}').unwrap_or(rest);
        }
    }
    out.push_str(rest);
    out
}

impl<'a> Env<'a> {
    /// The process environment (`base`) with no change yet.
    pub fn new(base: Lookup<'a>) -> Self {
        Env {
            base,
            changes: Vec::new(),
        }
    }

    /// The value of `name` with every change made so far.
    pub fn get(&self, name: &str) -> Option<String> {
        self.lookup(name, self.changes.len())
    }

    /// The value of `name` as line `line` of file number `file` (0 for the first file read)
    /// sees it: with the changes made on earlier lines only.
    pub fn get_before(&self, name: &str, file: usize, line: u32) -> Option<String> {
        let n = self
            .changes
            .iter()
            .take_while(|c| (c.file, c.line) < (file, line))
            .count();
        self.lookup(name, n)
    }

    /// The value of `name` with the first `n` changes applied.
    fn lookup(&self, name: &str, n: usize) -> Option<String> {
        for c in self.changes.get(..n).unwrap_or(&[]).iter().rev() {
            match &c.op {
                Op::Set(k, v) if k == name => return Some(v.clone()),
                Op::Unset(k) if k == name => return None,
                Op::Reset(keep) if !keep.iter().any(|k| k == name) => return None,
                _ => {}
            }
        }
        (self.base)(name)
    }

    /// Applies the changes of a `global` line (`words`, keyword first; a leading `no` or
    /// `default` is ignored, as HAProxy parses the line anyway after its alert) made on line
    /// `line` of file number `file`. Other keywords change nothing.
    pub fn apply(&mut self, file: usize, line: u32, words: &[String]) {
        let words = match words.first().map(String::as_str) {
            Some("no" | "default") => words.get(1..).unwrap_or(&[]),
            _ => words,
        };
        for op in directive(words).0 {
            let op = match op {
                Op::Preset(k, v) => {
                    if self.get(&k).is_some() {
                        continue;
                    }
                    Op::Set(k, v)
                }
                op => op,
            };
            self.changes.push(Change { file, line, op });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn base(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/root".into()),
            "PATH" => Some("/bin".into()),
            _ => None,
        }
    }

    #[test]
    fn addresses_expand_variables_the_way_env_expand_does() {
        let get = |n: &str| match n {
            "P" => Some("8080".to_string()),
            "A" => Some("127.0.0.1:1,127.0.0.1:2".to_string()),
            _ => None,
        };
        assert_eq!(env_expand(":${P}", &get), ":8080");
        assert_eq!(env_expand("127.0.0.1:$P", &get), "127.0.0.1:8080");
        assert_eq!(env_expand(":${P-1}", &get), ":8080-1}");
        assert_eq!(env_expand(":${P", &get), ":8080");
        assert_eq!(env_expand(":${UNDEF}x", &get), ":x");
        assert_eq!(env_expand(":$", &get), ":");
        assert_eq!(env_expand("${}", &get), "");
        assert_eq!(env_expand("$.x", &get), ".x");
        assert_eq!(env_expand("${A}", &get), "127.0.0.1:1,127.0.0.1:2");
        assert_eq!(env_expand("/run/é", &get), "/run/é");
    }

    #[test]
    fn setenv_applies_to_the_lines_after_it_only() {
        let mut env = Env::new(&base);
        env.apply(0, 2, &w("setenv P 8080"));
        assert_eq!(env.get("P").as_deref(), Some("8080"));
        assert_eq!(env.get_before("P", 0, 2), None);
        assert_eq!(env.get_before("P", 0, 3).as_deref(), Some("8080"));
        assert_eq!(env.get_before("P", 1, 1).as_deref(), Some("8080"));
    }

    #[test]
    fn presetenv_keeps_a_variable_already_set() {
        let mut env = Env::new(&base);
        env.apply(0, 1, &w("presetenv HOME /x"));
        env.apply(0, 2, &w("presetenv Q 9090"));
        env.apply(0, 3, &w("presetenv Q 1"));
        assert_eq!(env.get("HOME").as_deref(), Some("/root"));
        assert_eq!(env.get("Q").as_deref(), Some("9090"));
    }

    #[test]
    fn resetenv_keeps_only_the_named_variables_and_unsetenv_removes() {
        let mut env = Env::new(&base);
        env.apply(0, 1, &w("setenv A 1"));
        env.apply(0, 2, &w("resetenv A PATH"));
        assert_eq!(env.get("A").as_deref(), Some("1"));
        assert_eq!(env.get("PATH").as_deref(), Some("/bin"));
        assert_eq!(env.get("HOME"), None);
        env.apply(0, 3, &w("unsetenv A PATH"));
        assert_eq!((env.get("A"), env.get("PATH")), (None, None));
        env.apply(0, 4, &w("setenv HOME /h"));
        assert_eq!(env.get("HOME").as_deref(), Some("/h"));
    }

    #[test]
    fn bad_lines_change_nothing_but_unsetenv_stops_at_the_bad_name() {
        let mut env = Env::new(&base);
        for l in ["setenv A", "setenv A 1 2 3", "setenv A=B 1"] {
            env.apply(0, 1, &w(l));
        }
        assert_eq!(env.get("A"), None);
        env.apply(0, 2, &w("setenv A 1 2"));
        assert_eq!(env.get("A").as_deref(), Some("1"));
        env.apply(0, 3, &w("unsetenv A B=C HOME"));
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("HOME").as_deref(), Some("/root"));
        assert_eq!(
            directive(&w("unsetenv A B=C")).1,
            Some((
                "'unsetenv' failed on variable 'B=C' : Invalid argument.".into(),
                false
            ))
        );
    }
}
