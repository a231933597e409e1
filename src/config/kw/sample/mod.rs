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
    /// What it reads, as HAProxy's `sample_src_names()` words it in "may not be reliably used
    /// here because it needs '...'" (from the `SMP_USE_*` flags of its registration).
    pub needs: &'static str,
}

/// The rule places of HAProxy's `SMP_CKP_*` checkpoints, one bit each as in
/// [`FetchKw::valid`]: where a rule's fetches must be valid.
pub mod place {
    /// `tcp-request connection`.
    pub const FE_CON_ACC: u32 = 1 << 0;
    /// `tcp-request session`.
    pub const FE_SES_ACC: u32 = 1 << 1;
    /// A frontend's `tcp-request content`.
    pub const FE_REQ_CNT: u32 = 1 << 2;
    /// A frontend's `http-request`.
    pub const FE_HRQ_HDR: u32 = 1 << 3;
    /// A frontend's `use_backend`.
    pub const FE_SET_BCK: u32 = 1 << 5;
    /// A backend's `tcp-request content`.
    pub const BE_REQ_CNT: u32 = 1 << 6;
    /// A backend's `http-request`.
    pub const BE_HRQ_HDR: u32 = 1 << 7;
    /// A backend's `use-server`, `balance`, `stick` matching.
    pub const BE_SET_SRV: u32 = 1 << 9;
    /// A backend's `tcp-response content`.
    pub const BE_RES_CNT: u32 = 1 << 11;
    /// A backend's `http-response`.
    pub const BE_HRS_HDR: u32 = 1 << 12;
    /// `stick store-response`.
    pub const BE_STO_RUL: u32 = 1 << 14;
    /// A frontend's `tcp-response content`.
    pub const FE_RES_CNT: u32 = 1 << 15;
    /// A frontend's `http-response`, `http-after-response`.
    pub const FE_HRS_HDR: u32 = 1 << 16;
    /// The log line.
    pub const FE_LOG_END: u32 = 1 << 18;

    /// Where an `http-request` (`request`) or `http-response` rule of a proxy with these
    /// capabilities runs, as `parse_http_set_header()` and `parse_store()` compute it.
    pub fn http_rule(request: bool, fe: bool, be: bool) -> u32 {
        let (f, b) = if request {
            (FE_HRQ_HDR, BE_HRQ_HDR)
        } else {
            (FE_HRS_HDR, BE_HRS_HDR)
        };
        (if fe { f } else { 0 }) | (if be { b } else { 0 })
    }
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
