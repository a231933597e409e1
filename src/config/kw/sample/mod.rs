//! Sample expressions at load (configuration.txt 7.3 "Fetching samples", 7.1 "ACL basics"):
//! HAProxy 2.6's keyword tables ([`table`]), the expression grammar of `sample_parse_expr()`
//! and argument parsing of `make_arg_list()` with their error messages ([`parse`]), ACL
//! expressions with their flags and typed patterns ([`acl`]), log-format strings
//! ([`logformat`]), and what this build runs or refuses ([`support`]).
//! Imports only `config::model`, the lexer's `Loc` and the PCRE checker.

pub mod acl;
pub mod logformat;
pub mod parse;
pub mod support;
pub mod table;

pub use crate::config::model::{ArgT, Match, SmpT};

/// A registered sample fetch.
#[derive(Debug)]
pub struct FetchKw {
    /// Its keyword.
    pub name: &'static str,
    /// Its argument types, in order.
    pub args: &'static [ArgT],
    /// How many of them are mandatory.
    pub min: u8,
    /// Its output type.
    pub out: SmpT,
    /// Where it is valid, one bit per rule place (see [`table::FETCHES`]).
    pub valid: u32,
}

/// A registered converter.
#[derive(Debug)]
pub struct ConvKw {
    /// Its keyword.
    pub name: &'static str,
    /// Its argument types, in order.
    pub args: &'static [ArgT],
    /// How many of them are mandatory.
    pub min: u8,
    /// The type it takes.
    pub input: SmpT,
    /// The type it gives.
    pub out: SmpT,
}

/// A registered ACL keyword (`hdr_beg` = `req.hdr -m beg`).
#[derive(Debug)]
pub struct AclKw {
    /// Its keyword.
    pub name: &'static str,
    /// The fetch it reads.
    pub fetch: &'static str,
    /// Its match method.
    pub how: Match,
}

/// The fetch of that name.
pub fn fetch(name: &str) -> Option<&'static FetchKw> {
    table::FETCHES.iter().find(|f| f.name == name)
}

/// The converter of that name.
pub fn converter(name: &str) -> Option<&'static ConvKw> {
    table::CONVERTERS.iter().find(|c| c.name == name)
}

/// The ACL keyword of that name.
pub fn acl_keyword(name: &str) -> Option<&'static AclKw> {
    table::ACL_KEYWORDS.iter().find(|a| a.name == name)
}

/// Whether a sample of type `from` can be cast to `to` (HAProxy's `sample_casts` table).
pub fn can_cast(from: SmpT, to: SmpT) -> bool {
    use SmpT::*;
    matches!(
        (from, to),
        (Any, _)
            | (_, Any)
            | (Bool, Bool | Sint | Str | Bin)
            | (Sint, Bool | Sint | Addr | Ipv4 | Ipv6 | Str | Bin)
            | (Ipv4, Sint | Addr | Ipv4 | Ipv6 | Str | Bin)
            | (Ipv6, Addr | Ipv4 | Ipv6 | Str | Bin)
            | (Str, _)
            | (Bin, Str | Bin | Meth)
            | (Meth, Str | Bin | Meth)
    )
}

/// The type a match method expects samples in (`pat_match_types`).
pub fn match_type(how: Match) -> SmpT {
    match how {
        Match::Found | Match::Bool | Match::Int => SmpT::Sint,
        Match::Ip => SmpT::Addr,
        Match::Bin => SmpT::Bin,
        _ => SmpT::Str,
    }
}
