//! Health-check configuration of a backend (configuration.txt 4.2 "option httpchk",
//! "http-check connect|send|expect|comment|disable-on-404|send-state", "option tcp-check",
//! "tcp-check connect|send|send-binary|expect|comment", "option log-health-checks"), as typed
//! rules: HAProxy's `tcpcheck_rule` lists, which every check kind compiles to since 2.2.
//!
//! While a section is parsed, [`ProxyChecks`] mirrors HAProxy's bookkeeping (a proxy's own
//! `http-check` and `tcp-check` rulesets, the one in use, the one inherited from `defaults`);
//! validation then fills [`ProxyChecks::spec`], the final rule list with HAProxy's implicit
//! `connect` and `expect` rules added, that the check room runs without reading a word again.
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

/// A check status (HAProxy's `HCHK_STATUS_*`), as `show stat` and the logs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckStatus {
    /// `UNK`: unknown.
    Unknown,
    /// `INI`: initializing (no check finished yet).
    Ini,
    /// `observe` saw `error-limit` consecutive errors in traffic (`on-error`).
    Hana,
    /// `SOCKERR`: socket error.
    SockErr,
    /// `L4OK`: layer 4 check passed.
    L4Ok,
    /// `L4TOUT`: layer 4 timeout.
    L4Tout,
    /// `L4CON`: layer 4 connection problem.
    L4Con,
    /// `L6OK`: layer 6 check passed.
    L6Ok,
    /// `L6TOUT`: layer 6 timeout.
    L6Tout,
    /// `L6RSP`: layer 6 invalid response.
    L6Rsp,
    /// `L7TOUT`: layer 7 timeout.
    L7Tout,
    /// `L7RSP`: layer 7 invalid response.
    L7Rsp,
    /// `L7OK`: layer 7 check passed.
    L7Ok,
    /// `L7OKC`: layer 7 check conditionally passed (`disable-on-404`).
    L7OkC,
    /// `L7STS`: layer 7 wrong status.
    L7Sts,
    /// `PROCERR`: external check error.
    ProcErr,
    /// `PROCTOUT`: external check timeout.
    ProcTout,
    /// `PROCOK`: external check passed.
    ProcOk,
}

/// What a finished check means for the server's health (HAProxy's `CHK_RES_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckResult {
    /// No result.
    Unknown,
    /// The check failed.
    Failed,
    /// The check passed.
    Passed,
    /// The check passed but the server asks for no new traffic (`NOLB`, HTTP 404 with
    /// `disable-on-404`).
    CondPass,
}

impl CheckStatus {
    /// The short name (`L4OK`, `L7STS`, ...).
    pub fn info(self) -> &'static str {
        self.texts().0
    }
    /// The description used in logs (`Layer4 connection problem`, ...).
    pub fn desc(self) -> &'static str {
        self.texts().1
    }
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            CheckStatus::Unknown => ("UNK", "Unknown"),
            CheckStatus::Ini => ("INI", "Initializing"),
            CheckStatus::Hana => ("HANA", "Health analyze"),
            CheckStatus::SockErr => ("SOCKERR", "Socket error"),
            CheckStatus::L4Ok => ("L4OK", "Layer4 check passed"),
            CheckStatus::L4Tout => ("L4TOUT", "Layer4 timeout"),
            CheckStatus::L4Con => ("L4CON", "Layer4 connection problem"),
            CheckStatus::L6Ok => ("L6OK", "Layer6 check passed"),
            CheckStatus::L6Tout => ("L6TOUT", "Layer6 timeout"),
            CheckStatus::L6Rsp => ("L6RSP", "Layer6 invalid response"),
            CheckStatus::L7Tout => ("L7TOUT", "Layer7 timeout"),
            CheckStatus::L7Rsp => ("L7RSP", "Layer7 invalid response"),
            CheckStatus::L7Ok => ("L7OK", "Layer7 check passed"),
            CheckStatus::L7OkC => ("L7OKC", "Layer7 check conditionally passed"),
            CheckStatus::L7Sts => ("L7STS", "Layer7 wrong status"),
            CheckStatus::ProcErr => ("PROCERR", "External check error"),
            CheckStatus::ProcTout => ("PROCTOUT", "External check timeout"),
            CheckStatus::ProcOk => ("PROCOK", "External check passed"),
        }
    }
    /// The health result this status stands for.
    pub fn result(self) -> CheckResult {
        match self {
            CheckStatus::Unknown | CheckStatus::Ini => CheckResult::Unknown,
            CheckStatus::L4Ok | CheckStatus::L6Ok | CheckStatus::L7Ok | CheckStatus::ProcOk => {
                CheckResult::Passed
            }
            CheckStatus::L7OkC => CheckResult::CondPass,
            _ => CheckResult::Failed,
        }
    }
    /// True for the statuses that carry layer 5-7 data, whose logs show `code: N`.
    pub fn has_code(self) -> bool {
        matches!(
            self,
            CheckStatus::L7Ok
                | CheckStatus::L7OkC
                | CheckStatus::L7Sts
                | CheckStatus::ProcErr
                | CheckStatus::ProcTout
                | CheckStatus::ProcOk
        )
    }
}

/// The family of a check ruleset, which decides how `expect` rules read the response and
/// how failures are described (HAProxy's `TCPCHK_RULES_*_CHK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckProto {
    /// No check option: a bare connect ("Layer4 check passed").
    #[default]
    Plain,
    /// `option tcp-check`.
    Tcp,
    /// `option httpchk`.
    Http,
    /// `option ssl-hello-chk`, `smtpchk`, `mysql-check`, `pgsql-check`, `redis-check`,
    /// `ldap-check`, `spop-check`, `external-check`: not implemented, see
    /// [`ProxyChecks::unsupported`].
    Protocol,
}

/// One rule of a check ruleset (HAProxy's `struct tcpcheck_rule`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRule {
    /// Where it was written (the option line for rules an option implies).
    pub loc: Loc,
    /// Position used in messages: `at step {index + 1}` (comment rules count).
    pub index: u32,
    /// `comment TEXT`, or the text of the `comment` rule before it.
    pub comment: Option<String>,
    /// What it does.
    pub action: RuleAction,
    /// Set when the rule uses a form haproxy-rs does not run (log-format strings, sample
    /// expressions, TLS, variables): the ALERT that refuses the configuration if a server of
    /// the backend runs checks with this rule.
    pub unsupported: Option<String>,
}

/// What a check rule does.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleAction {
    /// `connect [port N] [addr A] [send-proxy] [linger] [default]`.
    Connect(ConnectRule),
    /// `tcp-check send STRING` / `send-binary HEX`: raw bytes.
    Send(SendRule),
    /// `option httpchk` / `http-check send`: an HTTP request.
    SendHttp(HttpRequest),
    /// `expect ...`.
    Expect(ExpectRule),
    /// `comment TEXT` (folded into the next rules by validation).
    Comment,
    /// `set-var(...)`, `set-var-fmt(...)`, `unset-var(...)`: always [`CheckRule::unsupported`].
    Action,
}

/// `connect` options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectRule {
    /// `port N` (1..=65535).
    pub port: Option<u16>,
    /// `addr A[:PORT]` (port 0 when none was given).
    pub addr: Option<SocketAddr>,
    /// `send-proxy`: a PROXY protocol v1 header opens the connection.
    pub send_proxy: bool,
    /// `linger`: close with a FIN instead of a reset.
    pub linger: bool,
    /// `default`: use the server's check settings (`check-send-proxy`, ...).
    pub default: bool,
    /// Added by HAProxy in front of a ruleset without a first `connect`.
    pub implicit: bool,
}

/// `tcp-check send` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendRule {
    /// `send STRING`.
    String(Vec<u8>),
    /// `send-binary HEX`, decoded.
    Binary(Vec<u8>),
}

impl SendRule {
    /// The bytes to write.
    pub fn bytes(&self) -> &[u8] {
        match self {
            SendRule::String(b) | SendRule::Binary(b) => b,
        }
    }
}

/// An HTTP check request: `option httpchk [METH] [URI] [VER]` merged with
/// `http-check send meth|uri|ver|hdr|body`. Unset parts take HAProxy's defaults when the
/// request is built (`OPTIONS`, `/`, `HTTP/1.0`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// `meth`.
    pub method: Option<String>,
    /// `uri`.
    pub uri: Option<String>,
    /// `ver`.
    pub version: Option<String>,
    /// `hdr NAME VALUE`, in order (`Content-Length` and `Transfer-Encoding` dropped, as
    /// HAProxy does). Values are literal (`%%` already turned into `%`).
    pub headers: Vec<(String, String)>,
    /// `body`.
    pub body: Option<String>,
    /// True while the rule only comes from `option httpchk` (HAProxy's
    /// `TCPCHK_SND_HTTP_FROM_OPT`), which decides how later `http-check send` lines merge.
    pub from_option: bool,
}

/// An `expect` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectRule {
    /// `!`: the rule passes when the pattern does not match.
    pub inverse: bool,
    /// What to look for.
    pub pattern: ExpectPattern,
    /// `min-recv N`: bytes to wait for before matching (`None` is HAProxy's -1).
    pub min_recv: Option<u32>,
    /// `ok-status`.
    pub ok_status: Option<CheckStatus>,
    /// `error-status`.
    pub error_status: Option<CheckStatus>,
    /// `tout-status`.
    pub tout_status: Option<CheckStatus>,
    /// `on-success TEXT` (literal text only).
    pub on_success: Option<String>,
    /// `on-error TEXT` (literal text only).
    pub on_error: Option<String>,
    /// Position in [`CheckSpec::rules`] where evaluation resumes when more data is needed:
    /// the first inverted `expect` of the chain this rule ends (HAProxy's `expect.head`).
    /// Set by validation.
    pub head: usize,
}

/// What an `expect` rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectPattern {
    /// `status CODES`: a list of ranges (`200`, `200-299`, `200,301-302`).
    Status(Vec<(u32, u32)>),
    /// `rstatus REGEX`, against the status code as text.
    RStatus(String),
    /// `string TEXT`: TCP, anywhere in the data; HTTP, in the body.
    String(Vec<u8>),
    /// `rstring REGEX`: TCP, the data; HTTP, the body.
    RString(String),
    /// `binary HEX`, decoded (TCP only).
    Binary(Vec<u8>),
    /// `rbinary REGEX`, against the data written as upper-case hex (TCP only).
    RBinary(String),
    /// `hdr` / `fhdr` (HTTP only).
    Header(HeaderMatch),
}

/// `hdr name [-m METH] NAME [value [-m METH] VALUE]`, `fhdr` alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    /// How the name is matched (names compare without case).
    pub name_method: MatchMethod,
    /// The name pattern.
    pub name: String,
    /// How the value is matched, and the pattern; `None` when any value will do.
    pub value: Option<(MatchMethod, String)>,
    /// `fhdr`: match the whole value, not each comma-separated part.
    pub full: bool,
}

/// A header matching method (`-m str|beg|end|sub|reg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMethod {
    /// `str` (default): exact.
    #[default]
    Str,
    /// `beg`: prefix.
    Beg,
    /// `end`: suffix.
    End,
    /// `sub`: substring.
    Sub,
    /// `reg`: regular expression.
    Reg,
}

/// One of a proxy's own rulesets (`*http-check-NAME` or `*tcp-check-NAME` in HAProxy).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ruleset {
    /// Its rules, in order.
    pub rules: Vec<CheckRule>,
    /// Written, but not used by the check option in force (HAProxy warns about it).
    pub unused: bool,
}

/// Which rules a proxy's checks use while its section is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActiveRules {
    /// No check option yet: checks will be a bare connect.
    #[default]
    None,
    /// The rules in use in the `defaults` section it inherits from.
    Inherited,
    /// Its own `http-check` ruleset.
    Http,
    /// Its own `tcp-check` ruleset.
    Tcp,
}

/// The health-check settings of a proxy (and of a `defaults` section).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProxyChecks {
    /// The check family of the option in force.
    pub proto: CheckProto,
    /// Which rules are in use.
    pub active: ActiveRules,
    /// The rules in use in the `defaults` section this proxy inherits from.
    pub inherited: Vec<CheckRule>,
    /// Its own `http-check` rules.
    pub http: Ruleset,
    /// Its own `tcp-check` rules.
    pub tcp: Ruleset,
    /// `http-check disable-on-404`.
    pub disable_on_404: bool,
    /// `http-check send-state`.
    pub send_state: bool,
    /// The option line of a [`CheckProto::Protocol`] check and the ALERT that refuses the
    /// configuration if a server of the backend runs checks.
    pub unsupported: Option<(Loc, String)>,
    /// What the servers' checks run, set by validation.
    pub spec: CheckSpec,
}

impl ProxyChecks {
    /// The rules in use.
    pub fn active_rules(&self) -> &[CheckRule] {
        match self.active {
            ActiveRules::None => &[],
            ActiveRules::Inherited => &self.inherited,
            ActiveRules::Http => &self.http.rules,
            ActiveRules::Tcp => &self.tcp.rules,
        }
    }

    /// The rules in use, to change them.
    pub fn active_rules_mut(&mut self) -> Option<&mut Vec<CheckRule>> {
        match self.active {
            ActiveRules::None => None,
            ActiveRules::Inherited => Some(&mut self.inherited),
            ActiveRules::Http => Some(&mut self.http.rules),
            ActiveRules::Tcp => Some(&mut self.tcp.rules),
        }
    }

    /// What a proxy (or `defaults` section) inheriting from this one starts with: the rules in
    /// use and the flags, not the own rulesets (HAProxy names those after their proxy).
    pub fn inherited(&self) -> ProxyChecks {
        let active = match self.active {
            ActiveRules::None => ActiveRules::None,
            _ => ActiveRules::Inherited,
        };
        ProxyChecks {
            proto: self.proto,
            active,
            inherited: self.active_rules().to_vec(),
            http: Ruleset::default(),
            tcp: Ruleset::default(),
            disable_on_404: self.disable_on_404,
            send_state: self.send_state,
            unsupported: self.unsupported.clone(),
            spec: CheckSpec::default(),
        }
    }
}

/// The final check of a backend: what each checked server runs, after validation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckSpec {
    /// The ruleset family.
    pub proto: CheckProto,
    /// The rules in order; the first one is always a `connect` (implicit or not), and an HTTP
    /// ruleset ends with an `expect`. Comment rules are gone.
    pub rules: Vec<CheckRule>,
    /// `http-check disable-on-404` (only with `option httpchk`).
    pub disable_on_404: bool,
    /// `http-check send-state` (only with `option httpchk`).
    pub send_state: bool,
}
