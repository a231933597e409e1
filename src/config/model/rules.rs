//! `acl`, `if`/`unless` conditions, `http-request`/`http-response` rules and rules kept
//! verbatim (configuration.txt 7 "Using ACLs", 4.2 "http-request").
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

/// `acl NAME CRITERION [FLAGS] [VALUES...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Acl {
    /// Where the line was.
    pub loc: Loc,
    /// ACL name.
    pub name: String,
    /// The fetch and match method, e.g. `path_beg`, `hdr(host)`, `src`.
    pub criterion: String,
    /// Flags (`-i`, `-m beg`, ...) and values, as written.
    pub args: Vec<String>,
    /// The typed expression the `sample` room evaluates; `None` for the stick-counter and
    /// payload criteria `proxy::acl` still evaluates from the words.
    pub expr: Option<AclExpr>,
}

/// A condition: `if|unless TERM [TERM...] [or TERM...]`, where a term is an ACL name,
/// possibly negated with `!`, or an anonymous ACL in braces `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    /// True for `unless`.
    pub unless: bool,
    /// Disjunction of conjunctions of terms.
    pub any_of: Vec<Vec<CondTerm>>,
}

/// One term of a condition.
#[derive(Debug, Clone, PartialEq)]
pub struct CondTerm {
    /// True when prefixed with `!`.
    pub negate: bool,
    /// A named ACL, or an anonymous one written `{ criterion args }`.
    pub acl: AclRef,
}

/// A reference to an ACL from a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum AclRef {
    /// A name: declared with `acl`, or predefined (`TRUE`, `FALSE`, `HTTP`, ...).
    Named(String),
    /// `{ criterion args... }`.
    Anonymous {
        /// The fetch and match method.
        criterion: String,
        /// Its arguments.
        args: Vec<String>,
        /// The typed expression (see [`Acl::expr`]).
        expr: Option<Box<AclExpr>>,
    },
}

/// An `http-request` or `http-response` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRule {
    /// Where the line was.
    pub loc: Loc,
    /// What it does.
    pub action: HttpAction,
    /// Optional condition.
    pub cond: Option<Cond>,
}

/// The action of an `http-request`/`http-response` rule.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpAction {
    /// `return [status CODE] [content-type TYPE] [string TEXT | file PATH | errorfile PATH |
    /// errorfiles NAME | lf-string TEXT]
    /// [hdr NAME VALUE]*`.
    Return {
        /// Status (default 200).
        status: u16,
        /// `content-type`.
        content_type: Option<String>,
        /// Body payload.
        body: ReturnBody,
        /// `hdr NAME VALUE` pairs.
        headers: Vec<(String, String)>,
    },
    /// `deny [deny_status CODE] [reply arguments as for return]`.
    Deny {
        /// Status (default 403).
        status: u16,
        /// The reply its arguments build; `None` sends the proxy's error page for `status`.
        reply: Option<Reply>,
    },
    /// `allow`.
    Allow,
    /// `set-header NAME VALUE`.
    SetHeader {
        /// Header name.
        name: String,
        /// Value (log-format string, kept as written).
        value: String,
    },
    /// `add-header NAME VALUE`.
    AddHeader {
        /// Header name.
        name: String,
        /// Value (log-format string, kept as written).
        value: String,
    },
    /// `del-header NAME`.
    DelHeader {
        /// Header name.
        name: String,
    },
    /// `redirect ...`, kept verbatim.
    Redirect {
        /// The words after `redirect`.
        args: Vec<String>,
    },
    /// `auth [realm R]`.
    Auth {
        /// Realm.
        realm: Option<String>,
    },
    /// `track-sc0|1|2 KEY [table T]`: tracks the key's entry in a stick table.
    TrackSc(TrackSc),
    /// Any other action: parsed, kept, not active yet.
    Other {
        /// The action keyword.
        name: String,
        /// Its arguments.
        args: Vec<String>,
    },
}

/// The reply of an `http-request deny` given reply arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// `content-type`.
    pub content_type: Option<String>,
    /// Body payload.
    pub body: ReturnBody,
    /// `hdr NAME VALUE` pairs.
    pub headers: Vec<(String, String)>,
}

/// The body of an `http-request return`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ReturnBody {
    /// No body.
    #[default]
    Empty,
    /// `string TEXT` or `file PATH` (file read at load time).
    Bytes(Vec<u8>),
    /// `lf-string TEXT`: a log-format string (rendered verbatim for now).
    LogFormat(String),
    /// `errorfile PATH`: a full raw HTTP response.
    RawResponse(Vec<u8>),
    /// `errorfiles NAME`: the page of that `http-errors` section for the status, replaced by
    /// `RawResponse` (or an empty body when the section has none) in `validate`.
    Errorfiles(String),
}

/// A rule kept verbatim: its keyword and words.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRule {
    /// Where the line was.
    pub loc: Loc,
    /// All words of the line.
    pub words: Vec<String>,
}
