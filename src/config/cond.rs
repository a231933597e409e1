//! Conditions of `.if` / `.elif` and of the `-cc` command-line flag (configuration.txt 2.4
//! "Conditional blocks"), reproducing HAProxy 2.6's `cfgcond.c`.
//!
//! Grammar: an empty condition is false; a term is an integer (C `strtol`, base 0, so `0x10`
//! and `010` work; zero is false), a predicate with arguments in parenthesis, or a condition
//! in parenthesis, optionally preceded by any number of `!`. Terms combine with `&&`, which
//! binds tighter than `||`. Predicates: `defined(NAME)`, `feature(NAME)`, `streq(A,B)`,
//! `strneq(A,B)`, `version_atleast(V)`, `version_before(V)`, and
//! `openssl_version_atleast(V)` / `openssl_version_before(V)`, which HAProxy 2.6.12 accepts
//! but cannot evaluate (it crashes on them in `.if` and exits 2 silently with `-cc`); here
//! they are an evaluation error.
//!
//! Error messages and their positions are HAProxy's, so that the lexer can print the same
//! excerpt and caret. This module does no I/O except reading the process environment in
//! [`eval_cond`] and [`check_condition`].

/// The HAProxy version this program reports, for `version_atleast()` and `-v`.
pub const VERSION: &str = "2.6.12";

/// The build feature list, as printed by `-vv` and tested by `feature()`.
pub const FEATURES: &str = "-51DEGREES +ACCEPT4 +BACKTRACE -CLOSEFROM +CPU_AFFINITY +CRYPT_H \
-DEVICEATLAS +DL -ENGINE +EPOLL -EVPORTS +GETADDRINFO -KQUEUE +LIBCRYPT +LINUX_SPLICE \
+LINUX_TPROXY -LUA -MEMORY_PROFILING +NETFILTER +NS -OBSOLETE_LINKER +OPENSSL -OT -PCRE \
+PCRE2 -PCRE2_JIT -PCRE_JIT +POLL +PRCTL -PROCCTL -PROMEX -QUIC +RT -SLZ -STATIC_PCRE \
-STATIC_PCRE2 -SYSTEMD +TFO +THREAD +THREAD_DUMP +TPROXY -WURFL -ZLIB";

/// HAProxy's `MAX_CFG_RECURSION`.
const MAX_DEPTH: i32 = 1024;

/// The outcome of evaluating a condition expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CondOutcome {
    /// The condition parsed and evaluated to this value.
    Value(bool),
    /// It did not: HAProxy's message and the byte offset it points at.
    Error {
        /// The message, e.g. `unparsable conditional expression 'foo(1)'`.
        msg: String,
        /// Offset in the expression of the first bad character.
        pos: usize,
    },
}

/// Evaluates a condition given as words (they are joined with single spaces, as HAProxy
/// does), looking environment variables up in the process environment. The error is
/// HAProxy's message, without position.
pub fn eval_cond(words: &[String]) -> Result<bool, String> {
    let expr = words.join(" ");
    match eval_expr(&expr, &|name| std::env::var_os(name).is_some()) {
        CondOutcome::Value(v) => Ok(v),
        CondOutcome::Error { msg, .. } => Err(msg),
    }
}

/// The whole `-cc COND` flow: tokenizes `arg` like a configuration line (quotes, `$VAR` in
/// double quotes), then evaluates it. `Err` holds the ALERT text HAProxy prints (empty when
/// it prints nothing); the caller exits 0 on `Ok(true)`, 1 on `Ok(false)`, 2 on `Err`.
pub fn check_condition(arg: &str) -> Result<bool, String> {
    let env = |name: &str| std::env::var(name).ok();
    let words = super::lexer::split_condition(arg, &env).map_err(str::to_string)?;
    let expr = words.join(" ");
    match eval_expr(&expr, &|name| std::env::var_os(name).is_some()) {
        CondOutcome::Value(v) => Ok(v),
        CondOutcome::Error { msg, .. } if msg.is_empty() => Err(String::new()),
        CondOutcome::Error { msg, .. } => Err(format!("Failed to evaluate condition: {msg}")),
    }
}

/// Parses and evaluates one expression; `defined` tells whether an environment variable
/// exists.
pub fn eval_expr(expr: &str, defined: &dyn Fn(&str) -> bool) -> CondOutcome {
    let p = Parser { s: expr.as_bytes() };
    if expr.is_empty() {
        return CondOutcome::Value(false);
    }
    match p.expr(0, MAX_DEPTH) {
        Err((msg, pos)) => CondOutcome::Error { msg, pos },
        Ok(Parsed::Empty(at)) => CondOutcome::Error {
            msg: format!("unparsable conditional expression '{expr}'"),
            pos: at,
        },
        Ok(Parsed::Node(node, end)) => {
            let end = p.skip_spaces(end);
            if let Some(&c) = p.s.get(end) {
                return CondOutcome::Error {
                    msg: format!(
                        "unexpected character '{}' at the end of conditional expression '{expr}'",
                        char::from(c)
                    ),
                    pos: end,
                };
            }
            match node.eval(defined) {
                Ok(v) => CondOutcome::Value(v),
                Err(msg) => CondOutcome::Error { msg, pos: 0 },
            }
        }
    }
}

/// `||` of `&&` of terms.
#[derive(Debug)]
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Term { neg: bool, kind: Term },
}

#[derive(Debug)]
enum Term {
    Const(bool),
    Paren(Box<Node>),
    Pred(Pred, Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pred {
    Defined,
    Feature,
    StrEq,
    StrNeq,
    VersionAtLeast,
    VersionBefore,
    OpensslVersionAtLeast,
    OpensslVersionBefore,
}

const PREDICATES: &[(&str, Pred, usize)] = &[
    ("defined", Pred::Defined, 1),
    ("feature", Pred::Feature, 1),
    ("streq", Pred::StrEq, 2),
    ("strneq", Pred::StrNeq, 2),
    ("version_atleast", Pred::VersionAtLeast, 1),
    ("version_before", Pred::VersionBefore, 1),
    ("openssl_version_atleast", Pred::OpensslVersionAtLeast, 1),
    ("openssl_version_before", Pred::OpensslVersionBefore, 1),
];

impl Node {
    fn eval(&self, defined: &dyn Fn(&str) -> bool) -> Result<bool, String> {
        match self {
            Node::Or(list) => {
                for n in list {
                    if n.eval(defined)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::And(list) => {
                for n in list {
                    if !n.eval(defined)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Term { neg, kind } => {
                let v = match kind {
                    Term::Const(v) => *v,
                    Term::Paren(n) => n.eval(defined)?,
                    Term::Pred(p, args) => {
                        let a = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
                        match p {
                            Pred::Defined => defined(a(0)),
                            Pred::Feature => has_feature(a(0)),
                            Pred::StrEq => a(0) == a(1),
                            Pred::StrNeq => a(0) != a(1),
                            Pred::VersionAtLeast => compare_version(a(0)) <= 0,
                            Pred::VersionBefore => compare_version(a(0)) > 0,
                            Pred::OpensslVersionAtLeast | Pred::OpensslVersionBefore => {
                                return Err(String::new());
                            }
                        }
                    }
                };
                Ok(v != *neg)
            }
        }
    }
}

/// True if `name` appears as `+name` in [`FEATURES`].
pub fn has_feature(name: &str) -> bool {
    FEATURES
        .split(' ')
        .any(|f| f.strip_prefix('+') == Some(name))
}

/// HAProxy's `split_version()`: `a[.b[.c[.d]]][-{dev,pre,rc}f][-*][-g]` into 7 numbers, or
/// `None` when it cannot be read.
fn split_version(v: &str) -> Option<[u64; 7]> {
    let s = v.as_bytes();
    let mut out = [0u64, 0, 0, 0, 3, 0, 0];
    if s.is_empty() {
        return None;
    }
    let mut i = 0usize;
    let mut idx = 0usize;
    loop {
        let (n, end) = strtol10(s, i);
        if let Some(slot) = out.get_mut(idx) {
            *slot = n;
        }
        match s.get(end) {
            None => return Some(out),
            Some(b'-') => {
                i = end + 1;
                break;
            }
            Some(b'.') if idx < 3 => {
                i = end + 1;
                idx += 1;
            }
            _ => return None,
        }
    }
    // tag
    let rest = s.get(i..).unwrap_or(&[]);
    let mut p = i;
    if !rest.first().is_some_and(u8::is_ascii_digit) {
        let tag = if rest.starts_with(b"dev") {
            Some((1, 3))
        } else if rest.starts_with(b"rc") {
            Some((2, 2))
        } else if rest.starts_with(b"pre") {
            Some((2, 3))
        } else {
            None
        };
        if let Some((val, len)) = tag {
            out[4] = val;
            let (n, end) = strtol10(s, i + len);
            out[5] = n;
            match s.get(end) {
                None => return Some(out),
                Some(b'-') => p = end + 1,
                _ => return None,
            }
        }
    }
    // commit number: after the last '-', or the rest
    let tail = s.get(p..).unwrap_or(&[]);
    let num = match tail.iter().rposition(|&b| b == b'-') {
        Some(k) => {
            let after = tail.get(k + 1..).unwrap_or(&[]);
            if after.is_empty() {
                return None;
            }
            after
        }
        None => tail,
    };
    let (n, end) = strtol10(num, 0);
    out[6] = if end == num.len() { n } else { 0 };
    Some(out)
}

/// `strtol(s + i, &end, 10)` for non-negative numbers: the value and the end offset.
fn strtol10(s: &[u8], i: usize) -> (u64, usize) {
    let mut n: u64 = 0;
    let mut k = i;
    while let Some(d) = s.get(k).filter(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(u64::from(d - b'0'));
        k += 1;
    }
    (n, k)
}

/// HAProxy's `compare_current_version()`: -1 if `v` is older than [`VERSION`], 0 if equal,
/// 1 if newer, -3 if `v` cannot be read.
fn compare_version(v: &str) -> i32 {
    let (Some(cur), Some(other)) = (split_version(VERSION), split_version(v)) else {
        return -3;
    };
    for (m, l) in other.iter().zip(cur.iter()) {
        if m < l {
            return -1;
        }
        if m > l {
            return 1;
        }
    }
    0
}

/// A parse result: a node and where parsing stopped, or "nothing to parse" and where the
/// parser was (HAProxy's return value 0 with `*text` updated).
enum Parsed {
    Node(Node, usize),
    Empty(usize),
}

type PResult = Result<Parsed, (String, usize)>;

struct Parser<'a> {
    s: &'a [u8],
}

impl Parser<'_> {
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while matches!(self.at(i), b' ' | b'\t') {
            i += 1;
        }
        i
    }

    fn rest(&self, i: usize) -> String {
        String::from_utf8_lossy(self.s.get(i..).unwrap_or(&[])).into_owned()
    }

    /// `cfg_parse_cond_expr()`: and-expressions joined by `||`.
    fn expr(&self, i: usize, depth: i32) -> PResult {
        if i >= self.s.len() {
            return Ok(Parsed::Empty(i));
        }
        if depth <= 0 {
            return Err((
                format!("unparsable conditional expression '{}'", self.rest(i)),
                i,
            ));
        }
        let (left, end) = match self.and(i, depth - 1)? {
            Parsed::Empty(t) => {
                return Err((
                    format!("unparsable conditional expression '{}'", self.rest(t)),
                    t,
                ))
            }
            Parsed::Node(n, e) => (n, e),
        };
        let text = self.skip_spaces(end);
        if !(self.at(text) == b'|' && self.at(text + 1) == b'|') {
            return Ok(Parsed::Node(left, text));
        }
        let j = self.skip_spaces(text + 2);
        match self.expr(j, depth - 1)? {
            Parsed::Empty(_) => Ok(Parsed::Empty(text)),
            Parsed::Node(right, e) => {
                let mut list = vec![left];
                match right {
                    Node::Or(more) => list.extend(more),
                    other => list.push(other),
                }
                Ok(Parsed::Node(Node::Or(list), e))
            }
        }
    }

    /// `cfg_parse_cond_and()`: terms joined by `&&`.
    fn and(&self, i: usize, depth: i32) -> PResult {
        if i >= self.s.len() {
            return Ok(Parsed::Empty(i));
        }
        if depth <= 0 {
            return Err((
                format!("unparsable conditional sub-expression '{}'", self.rest(i)),
                i,
            ));
        }
        let (left, end) = match self.term(i, depth - 1)? {
            Parsed::Empty(_) => {
                return Err((
                    format!("unparsable conditional sub-expression '{}'", self.rest(i)),
                    i,
                ))
            }
            Parsed::Node(n, e) => (n, e),
        };
        let text = self.skip_spaces(end);
        if !(self.at(text) == b'&' && self.at(text + 1) == b'&') {
            return Ok(Parsed::Node(left, text));
        }
        let j = self.skip_spaces(text + 2);
        match self.and(j, depth - 1)? {
            Parsed::Empty(_) => Ok(Parsed::Empty(text)),
            Parsed::Node(right, e) => {
                let mut list = vec![left];
                match right {
                    Node::And(more) => list.extend(more),
                    other => list.push(other),
                }
                Ok(Parsed::Node(Node::And(list), e))
            }
        }
    }

    /// `cfg_parse_cond_term()`.
    fn term(&self, start: usize, depth: i32) -> PResult {
        let mut i = self.skip_spaces(start);
        if i >= self.s.len() {
            return Ok(Parsed::Empty(start));
        }
        let fail0 = || {
            (
                format!("unparsable conditional expression '{}'", self.rest(start)),
                start,
            )
        };
        if depth <= 0 {
            return Err(fail0());
        }
        let mut neg = false;
        while self.at(i) == b'!' {
            neg = !neg;
            i = self.skip_spaces(i + 1);
        }
        if let Some((v, end)) = strtol0(self.s, i) {
            return Ok(Parsed::Node(
                Node::Term {
                    neg,
                    kind: Term::Const(v != 0),
                },
                end,
            ));
        }
        if self.at(i) == b'(' {
            let j = self.skip_spaces(i + 1);
            let inner = match self.expr(j, depth - 1)? {
                Parsed::Empty(_) => return Err(fail0()),
                Parsed::Node(n, e) => (n, e),
            };
            let k = self.skip_spaces(inner.1);
            if self.at(k) != b')' {
                return Err((
                    format!(
                        "expected ')' after conditional expression '{}'",
                        self.rest(start)
                    ),
                    start,
                ));
            }
            let k = self.skip_spaces(k + 1);
            return Ok(Parsed::Node(
                Node::Term {
                    neg,
                    kind: Term::Paren(Box::new(inner.0)),
                },
                k,
            ));
        }
        let wlen = self
            .s
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&b| b != b' ' && b != b'(')
            .count();
        let word = self.s.get(i..i + wlen).unwrap_or(&[]);
        let Some(&(name, pred, nargs)) = PREDICATES.iter().find(|p| p.0.as_bytes() == word) else {
            return Err(fail0());
        };
        match self.args(i + wlen, nargs) {
            Ok((args, end)) => Ok(Parsed::Node(
                Node::Term {
                    neg,
                    kind: Term::Pred(pred, args),
                },
                end,
            )),
            Err((msg, pos, argno)) => Err((
                format!(
                    "{msg} in argument {argno} of predicate '{name}' used in conditional expression"
                ),
                pos,
            )),
        }
    }

    /// The part of `make_arg_list()` predicates use: `nargs` string arguments in
    /// parenthesis, separated by commas; quotes protect `,` and `)`. Without a parenthesis
    /// there is one empty argument.
    #[allow(clippy::type_complexity)]
    fn args(
        &self,
        mut i: usize,
        nargs: usize,
    ) -> Result<(Vec<String>, usize), (String, usize, usize)> {
        if self.at(i) != b'(' {
            let args = vec![String::new()];
            if args.len() < nargs {
                return Err((
                    format!("missing arguments (got 1/{nargs}), type 'string' expected"),
                    i,
                    1,
                ));
            }
            return Ok((args, i));
        }
        i += 1;
        let mut args: Vec<String> = Vec::new();
        while args.len() < nargs {
            let mut arg: Vec<u8> = Vec::new();
            let (mut sq, mut dq) = (false, false);
            while let Some(&c) = self.s.get(i) {
                match c {
                    b'\\' if !sq => {
                        let (b, used) = match self.at(i + 1) {
                            b'\\' => (b'\\', 2),
                            b'\'' => (b'\'', 2),
                            b'"' => (b'"', 2),
                            b' ' => (b' ', 2),
                            b't' => (b'\t', 2),
                            b'n' => (b'\n', 2),
                            b'r' => (b'\r', 2),
                            _ => (b'\\', 1),
                        };
                        arg.push(b);
                        i += used;
                    }
                    b'\'' if !dq => {
                        sq = !sq;
                        i += 1;
                    }
                    b'"' if !sq => {
                        dq = !dq;
                        i += 1;
                    }
                    b',' | b')' if !sq && !dq => break,
                    _ => {
                        arg.push(c);
                        i += 1;
                    }
                }
            }
            args.push(String::from_utf8_lossy(&arg).into_owned());
            if self.at(i) == b',' && args.len() < nargs {
                i += 1;
            } else {
                break;
            }
        }
        let got = args.len();
        if got < nargs {
            return Err((
                format!("missing arguments (got {got}/{nargs}), type 'string' expected"),
                i,
                got,
            ));
        }
        if self.at(i) == b')' {
            return Ok((args, i + 1));
        }
        let msg = if i < self.s.len() {
            format!("expected ')' before '{}'", self.rest(i))
        } else {
            "expected ')'".to_string()
        };
        Err((msg, i, if got > 1 { got - 1 } else { got }))
    }
}

/// C's `strtol(s + i, &end, 0)`: `Some((value, end))` when at least one digit was read.
fn strtol0(s: &[u8], i: usize) -> Option<(i64, usize)> {
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    let mut k = i;
    while matches!(at(k), b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        k += 1;
    }
    let neg = match at(k) {
        b'-' => {
            k += 1;
            true
        }
        b'+' => {
            k += 1;
            false
        }
        _ => false,
    };
    let (radix, start) =
        if at(k) == b'0' && matches!(at(k + 1), b'x' | b'X') && at(k + 2).is_ascii_hexdigit() {
            (16, k + 2)
        } else if at(k) == b'0' {
            (8, k)
        } else {
            (10, k)
        };
    let mut n: i64 = 0;
    let mut j = start;
    while let Some(d) = char::from(at(j)).to_digit(radix) {
        n = n
            .saturating_mul(i64::from(radix))
            .saturating_add(i64::from(d));
        j += 1;
    }
    if j == start {
        return None;
    }
    Some((if neg { -n } else { n }, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(expr: &str) -> CondOutcome {
        eval_expr(expr, &|name| name == "HOME" || name == "SET")
    }

    fn is(expr: &str, want: bool) {
        assert_eq!(ev(expr), CondOutcome::Value(want), "{expr}");
    }

    fn err(expr: &str, msg: &str, pos: usize) {
        assert_eq!(
            ev(expr),
            CondOutcome::Error {
                msg: msg.to_string(),
                pos
            },
            "{expr}"
        );
    }

    #[test]
    fn integers_are_true_unless_zero() {
        is("", false);
        is("0", false);
        is("1", true);
        is("-1", true);
        is("0x10", true);
        is("  1  ", true);
        is("!!!0", true);
        is("! 0", true);
    }

    #[test]
    fn and_binds_tighter_than_or() {
        is("1 && 0", false);
        is("1 || 0 && 0", true);
        is("streq(a,b) || 1 && 0", false);
        is("(1 || 0) && 0", false);
        is("!(0 || 0)", true);
        is("defined(A)&&1", false);
    }

    #[test]
    fn predicates_follow_haproxy() {
        is("defined(HOME)", true);
        is("defined(NOPE)", false);
        is("defined", false);
        is("defined()", false);
        is("feature(OPENSSL)", true);
        is("feature(SSL)", false);
        is("feature(ZLIB)", false);
        is("streq(a,a) && strneq(a,b)", true);
        is("streq(a , a)", false);
        is("streq(,)", true);
        is(r#"streq("a,b","a,b")"#, true);
        is(r#"streq("a"b,ab)"#, true);
    }

    #[test]
    fn versions_compare_with_2_6_12() {
        is("version_atleast(2.6.12)", true);
        is("version_atleast(2.6)", true);
        is("version_before(2.6.12)", false);
        is("version_before(2.6.13)", true);
        is("version_atleast(2.6.12-dev1)", true);
        is("version_atleast(2.6.13-dev1)", false);
        is("version_atleast(2.6.12.1)", false);
        is("version_atleast(2.6.12-1)", false);
        is("version_atleast(2.6.12-0)", true);
        is("version_atleast(2.4-dev19)", true);
        // HAProxy treats an unreadable version as "older"
        is("version_atleast(abc)", true);
        is("version_atleast()", true);
    }

    #[test]
    fn parse_errors_use_haproxy_wording_and_positions() {
        err("foo(1)", "unparsable conditional expression 'foo(1)'", 0);
        err(
            "1 garbage",
            "unexpected character 'g' at the end of conditional expression '1 garbage'",
            2,
        );
        err(
            "streq(a)",
            "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression",
            7,
        );
        err(
            "streq(a,a,a)",
            "expected ')' before ',a)' in argument 1 of predicate 'streq' used in conditional expression",
            9,
        );
        err(
            "defined(X",
            "expected ')' in argument 1 of predicate 'defined' used in conditional expression",
            9,
        );
        err(
            "streq(a,b",
            "expected ')' in argument 1 of predicate 'streq' used in conditional expression",
            9,
        );
        err("(1", "expected ')' after conditional expression '(1'", 0);
        err("1 &&", "unparsable conditional expression '&&'", 2);
        err("1 ||", "unparsable conditional expression '1 ||'", 2);
        err("&& 1", "unparsable conditional expression '&& 1'", 0);
        err("!", "unparsable conditional expression '!'", 0);
        err("()", "unparsable conditional expression ')'", 1);
        err(
            "08",
            "unexpected character '8' at the end of conditional expression '08'",
            1,
        );
        err(
            "defined (X)",
            "unexpected character '(' at the end of conditional expression 'defined (X)'",
            8,
        );
        err(
            "streq",
            "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression",
            5,
        );
    }

    #[test]
    fn quoted_predicate_arguments_protect_parenthesis() {
        err(
            "streq('a)',a))",
            "unexpected character ')' at the end of conditional expression 'streq('a)',a))'",
            13,
        );
    }

    #[test]
    fn openssl_version_predicates_cannot_be_evaluated() {
        assert!(matches!(
            ev("openssl_version_atleast(1.0)"),
            CondOutcome::Error { .. }
        ));
    }

    #[test]
    fn eval_cond_joins_words() {
        let w: Vec<String> = ["1", "&&", "!0"].iter().map(|s| s.to_string()).collect();
        assert_eq!(eval_cond(&w), Ok(true));
        assert!(eval_cond(&["foo".to_string()]).is_err());
    }

    #[test]
    fn check_condition_tokenizes_first() {
        assert_eq!(check_condition("streq(\"a b\",'a b')"), Ok(true));
        assert_eq!(check_condition(r#"streq(\"a,b\",\"a,b\")"#), Ok(true));
        assert_eq!(
            check_condition("\"abc"),
            Err("Syntax Error in condition: Unmatched quote.".to_string())
        );
        assert_eq!(
            check_condition("foo"),
            Err(
                "Failed to evaluate condition: unparsable conditional expression 'foo'".to_string()
            )
        );
        assert_eq!(
            check_condition("openssl_version_atleast(1.0)"),
            Err(String::new())
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(matches!(ev(&deep), CondOutcome::Error { .. }));
    }
}
