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

/// The action of an `http-request`/`http-response` rule. Values written as log-format
/// strings (configuration.txt 8.2.4) are typed at load into [`LogFormat`]s.
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
        headers: Vec<(String, LogFormat)>,
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
        /// Value.
        value: LogFormat,
    },
    /// `add-header NAME VALUE`.
    AddHeader {
        /// Header name.
        name: String,
        /// Value.
        value: LogFormat,
    },
    /// `del-header NAME`.
    DelHeader {
        /// Header name.
        name: String,
    },
    /// `set-method`, `set-path`, `set-pathq`, `set-query`, `set-uri FMT`.
    SetTarget {
        /// The part written.
        part: TargetPart,
        /// Its new value.
        value: LogFormat,
    },
    /// `set-status CODE [reason TEXT]`.
    SetStatus {
        /// The status.
        code: u16,
        /// The reason phrase; HAProxy's own for the code when absent.
        reason: Option<String>,
    },
    /// `set-var(NAME[,COND...]) EXPR`, `set-var-fmt(NAME[,COND...]) FMT`.
    SetVar(SetVar),
    /// `unset-var(NAME)`.
    UnsetVar {
        /// `scope.name`.
        var: String,
    },
    /// `redirect ...`: the words after `redirect`, and its target typed.
    Redirect {
        /// The words after `redirect`.
        args: Vec<String>,
        /// The target (second word), a log-format string.
        target: LogFormat,
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

impl HttpAction {
    /// The log-format strings and sample expressions it evaluates, for checks at load.
    pub fn samples(&self) -> (Vec<&LogFormat>, Vec<&Expr>) {
        let mut f: Vec<&LogFormat> = Vec::new();
        let mut e = Vec::new();
        match self {
            HttpAction::Return { body, headers, .. } => reply_formats(body, headers, &mut f),
            HttpAction::Deny { reply: Some(r), .. } => reply_formats(&r.body, &r.headers, &mut f),
            HttpAction::SetHeader { value, .. }
            | HttpAction::AddHeader { value, .. }
            | HttpAction::SetTarget { value, .. } => f.push(value),
            HttpAction::Redirect { target, .. } => f.push(target),
            HttpAction::SetVar(v) => match &v.value {
                VarValue::Expr(x) => e.push(x),
                VarValue::Format(l) => f.push(l),
            },
            _ => {}
        }
        (f, e)
    }
}

fn reply_formats<'a>(
    body: &'a ReturnBody,
    headers: &'a [(String, LogFormat)],
    out: &mut Vec<&'a LogFormat>,
) {
    if let ReturnBody::LogFormat(l) = body {
        out.push(l);
    }
    out.extend(headers.iter().map(|(_, l)| l));
}

/// The part of the request line a `set-*` action writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetPart {
    /// `set-method`.
    Method,
    /// `set-path`: the path, keeping the query.
    Path,
    /// `set-pathq`: the path and the query.
    Pathq,
    /// `set-query`: the query (without `?`).
    Query,
    /// `set-uri`: the whole target.
    Uri,
}

/// `set-var(NAME[,COND...]) EXPR` and `set-var-fmt(NAME[,COND...]) FMT` (configuration.txt
/// 4.2 "http-request set-var").
#[derive(Debug, Clone, PartialEq)]
pub struct SetVar {
    /// `scope.name`.
    pub var: String,
    /// The conditions, all of which must hold.
    pub conds: Vec<VarCond>,
    /// What is stored.
    pub value: VarValue,
}

/// The value a `set-var` stores.
#[derive(Debug, Clone, PartialEq)]
pub enum VarValue {
    /// `set-var`: a sample expression.
    Expr(Expr),
    /// `set-var-fmt`: a log-format string, stored as a string.
    Format(LogFormat),
}

/// A `set-var` condition (`vars_parse_cond_param`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarCond {
    /// `ifexists` / `ifnotexists`.
    Exists(bool),
    /// `ifempty` / `ifnotempty`.
    Empty(bool),
    /// `ifset` / `ifnotset`.
    Set(bool),
    /// `ifgt`: the new value is greater than the old one.
    Gt,
    /// `iflt`: the new value is less than the old one.
    Lt,
}

/// The reply of an `http-request deny` given reply arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// `content-type`.
    pub content_type: Option<String>,
    /// Body payload.
    pub body: ReturnBody,
    /// `hdr NAME VALUE` pairs.
    pub headers: Vec<(String, LogFormat)>,
}

/// The body of an `http-request return`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ReturnBody {
    /// No body.
    #[default]
    Empty,
    /// `string TEXT` or `file PATH` (file read at load time).
    Bytes(Vec<u8>),
    /// `lf-string TEXT` or `lf-file PATH`: a log-format string.
    LogFormat(LogFormat),
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
