//! Sample expressions, ACL expressions and log-format strings as the configuration states
//! them (configuration.txt 7.1 "ACL basics", 7.3 "Fetching samples", 8.2.4 "Custom log
//! format"): typed and checked at load by `config::kw::sample`, compiled once at start by
//! the `sample` room, which keeps what it built in each expression's [`Compiled`] slot.
//! Plain data, part of [`super`]; must not import any other room of the crate.

use std::any::Any;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, OnceLock};

use super::IpNet;

/// HAProxy's sample types (`SMP_T_*`), as its keyword dumps name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmpT {
    /// `any`: decided at run time (`var()`).
    Any,
    /// `bool`.
    Bool,
    /// `sint`: a signed 64-bit integer.
    Sint,
    /// `addr`: an IPv4 or IPv6 address (converter input only).
    Addr,
    /// `ipv4`.
    Ipv4,
    /// `ipv6`.
    Ipv6,
    /// `str`.
    Str,
    /// `bin`.
    Bin,
    /// `meth`: an HTTP method.
    Meth,
}

impl SmpT {
    /// HAProxy's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            SmpT::Any => "any",
            SmpT::Bool => "bool",
            SmpT::Sint => "sint",
            SmpT::Addr => "addr",
            SmpT::Ipv4 => "ipv4",
            SmpT::Ipv6 => "ipv6",
            SmpT::Str => "str",
            SmpT::Bin => "bin",
            SmpT::Meth => "meth",
        }
    }
}

/// The type of a fetch or converter argument (`ARGT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgT {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A backend name.
    Backend,
    /// A frontend name.
    Frontend,
    /// `backend/server`.
    Server,
    /// A stick-table name.
    Table,
    /// A userlist name.
    UserList,
    /// A regular expression.
    Regex,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An IPv4 mask (`24` or `255.255.255.0`).
    Msk4,
    /// An IPv6 mask (`64`).
    Msk6,
    /// Protocol buffers field number (`1.2.3`).
    PbufFnum,
    /// A time (`10s`), in milliseconds.
    Time,
    /// A size (`10k`).
    Size,
}

impl ArgT {
    /// HAProxy's name of the type, as its messages print it (`arg_type_names`).
    pub fn name(self) -> &'static str {
        match self {
            ArgT::Str => "string",
            ArgT::Int => "integer",
            ArgT::Backend => "backend",
            ArgT::Frontend => "frontend",
            ArgT::Server => "server",
            ArgT::Table => "table",
            ArgT::UserList => "user list",
            ArgT::Regex => "regex",
            ArgT::Ipv4 => "IPv4 address",
            ArgT::Ipv6 => "IPv6 address",
            ArgT::Msk4 => "IPv4 mask",
            ArgT::Msk6 => "IPv6 mask",
            ArgT::PbufFnum => "Protocol buffers field number",
            ArgT::Time => "time",
            ArgT::Size => "size",
        }
    }
}

/// One parsed argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A string, or a name (backend, table, userlist, ...) or a regex as written.
    Str(String),
    /// An integer (times in milliseconds, sizes in bytes).
    Int(i64),
    /// An IPv4 address or mask.
    Ipv4(Ipv4Addr),
    /// An IPv6 address or mask.
    Ipv6(Ipv6Addr),
    /// Field numbers of a protocol buffers path.
    Fields(Vec<u32>),
}

impl Arg {
    /// The string, for string-like arguments.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Arg::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The integer, for integer arguments.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Arg::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// A fetch or converter with its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Its keyword (`req.hdr`, `lower`).
    pub name: String,
    /// Its arguments, as many as were written (optional ones may be absent).
    pub args: Vec<Arg>,
}

/// A sample expression: `fetch[(args)][,converter[(args)]]...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The expression as written.
    pub text: String,
    /// The fetch.
    pub fetch: Call,
    /// The converters, in order.
    pub convs: Vec<Call>,
    /// Where the `sample` room keeps what it compiled.
    pub compiled: Compiled,
}

/// How an ACL compares samples with its patterns (`-m METHOD`, `pat_match_names`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// `found`: the sample exists.
    Found,
    /// `bool`: the sample is true (non-zero).
    Bool,
    /// `int`: integer ranges.
    Int,
    /// `ip`: addresses and networks.
    Ip,
    /// `bin`: hexadecimal binary patterns.
    Bin,
    /// `len`: integer ranges over the length.
    Len,
    /// `str`: exact string.
    Str,
    /// `beg`: prefix.
    Beg,
    /// `sub`: substring.
    Sub,
    /// `dir`: a slash-delimited part.
    Dir,
    /// `dom`: a dot-delimited part.
    Dom,
    /// `end`: suffix.
    End,
    /// `reg`: regular expression.
    Reg,
    /// `regm`: regular expression with captures (map_regm).
    Regm,
}

impl Match {
    /// HAProxy's name (`-m NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Match::Found => "found",
            Match::Bool => "bool",
            Match::Int => "int",
            Match::Ip => "ip",
            Match::Bin => "bin",
            Match::Len => "len",
            Match::Str => "str",
            Match::Beg => "beg",
            Match::Sub => "sub",
            Match::Dir => "dir",
            Match::Dom => "dom",
            Match::End => "end",
            Match::Reg => "reg",
            Match::Regm => "regm",
        }
    }
    /// The method of a name, if HAProxy knows it.
    pub fn by_name(name: &str) -> Option<Match> {
        Some(match name {
            "found" => Match::Found,
            "bool" => Match::Bool,
            "int" => Match::Int,
            "ip" => Match::Ip,
            "bin" => Match::Bin,
            "len" => Match::Len,
            "str" => Match::Str,
            "beg" => Match::Beg,
            "sub" => Match::Sub,
            "dir" => Match::Dir,
            "dom" => Match::Dom,
            "end" => Match::End,
            "reg" => Match::Reg,
            "regm" => Match::Regm,
            _ => return None,
        })
    }
}

/// One ACL pattern, parsed the way its match method reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Strings for `str beg sub dir dom end reg regm`.
    Str(String),
    /// An inclusive integer range for `int` and `len` (`5`, `5:`, `:5`, `5:10`, `gt 5`).
    Range(Option<i64>, Option<i64>),
    /// An address or network for `ip`.
    Net(IpNet),
    /// Bytes for `bin`.
    Bin(Vec<u8>),
}

/// An ACL expression: `criterion [flags] [patterns]` of an `acl` line or of `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct AclExpr {
    /// The sample to fetch (the criterion's fetch, its converters).
    pub expr: Expr,
    /// The match method.
    pub how: Match,
    /// `-i`: case-insensitive.
    pub ignore_case: bool,
    /// The patterns, those of `-f` files included (files are read at load).
    pub patterns: Vec<Pattern>,
    /// Where the `sample` room keeps the pattern set it built.
    pub compiled: Compiled,
}

/// One piece of a log-format string (`%[expr]`, `%ci`, literal text).
#[derive(Debug, Clone, PartialEq)]
pub enum LfPart {
    /// Text copied as is.
    Text(String),
    /// `%[expr]`, or `%{+Q}[expr]` when `quote`.
    Expr {
        /// The expression.
        expr: Expr,
        /// `+Q`: the value is written in double quotes.
        quote: bool,
    },
    /// `%ci`, `%fp`, `%T`, ...: a log-format variable (its name without `%`).
    Var(String),
}

/// A log-format string (`set-header`, `return lf-string`, `log-format`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct LogFormat {
    /// As written.
    pub text: String,
    /// Its pieces.
    pub parts: Vec<LfPart>,
}

/// A slot where the `sample` room stores what it compiled from an expression, so that nothing
/// is parsed or built twice. Clones share it; equality ignores it (two configurations are
/// equal when their texts are).
#[derive(Clone, Default)]
pub struct Compiled(Arc<OnceLock<Arc<dyn Any + Send + Sync>>>);

impl Compiled {
    /// What was stored, built by `init` on first use.
    pub fn get_or_init(
        &self,
        init: impl FnOnce() -> Arc<dyn Any + Send + Sync>,
    ) -> &Arc<dyn Any + Send + Sync> {
        self.0.get_or_init(init)
    }
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Compiled(yes)"
        } else {
            "Compiled(no)"
        })
    }
}

impl PartialEq for Compiled {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
