//! A proxy section: `frontend`, `backend`, `listen`, `defaults` (configuration.txt 4),
//! its capabilities, `mode`, `use_backend` rules and `timeout` values.
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

/// Whether the proxy is TCP or HTTP (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `mode tcp` (HAProxy's default).
    #[default]
    Tcp,
    /// `mode http`.
    Http,
}

/// The capabilities of a proxy section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cap {
    /// `frontend` or `listen`.
    pub frontend: bool,
    /// `backend` or `listen`.
    pub backend: bool,
}

/// Which section keyword declared a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// `frontend`.
    Frontend,
    /// `backend`.
    Backend,
    /// `listen`.
    Listen,
}

impl ProxyKind {
    /// The section keyword, as HAProxy prints it in messages.
    pub fn keyword(self) -> &'static str {
        match self {
            ProxyKind::Frontend => "frontend",
            ProxyKind::Backend => "backend",
            ProxyKind::Listen => "listen",
        }
    }
    /// The capabilities this section kind gives.
    pub fn cap(self) -> Cap {
        match self {
            ProxyKind::Frontend => Cap {
                frontend: true,
                backend: false,
            },
            ProxyKind::Backend => Cap {
                frontend: false,
                backend: true,
            },
            ProxyKind::Listen => Cap {
                frontend: true,
                backend: true,
            },
        }
    }
}

/// A `frontend`, `backend` or `listen` section, after `defaults` were applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Proxy {
    /// Its name.
    pub name: String,
    /// Where the section starts.
    pub loc: Loc,
    /// Which keyword declared it.
    pub kind: ProxyKind,
    /// Frontend and/or backend capability.
    pub cap: Cap,
    /// `mode`.
    pub mode: Mode,
    /// `disabled`.
    pub disabled: bool,
    /// `bind` lines (frontend side).
    pub binds: Vec<Bind>,
    /// `server` lines (backend side).
    pub servers: Vec<Server>,
    /// `default-server` settings applied to later `server` lines (kept for reference).
    pub default_server: ServerDefaults,
    /// `default_backend`.
    pub default_backend: Option<String>,
    /// `use_backend NAME [if|unless COND]`.
    pub use_backends: Vec<UseBackend>,
    /// `balance`.
    pub balance: Balance,
    /// `hash-type`.
    pub hash_type: HashType,
    /// `hash-balance-factor` (consistent hashing bounded loads), 0 = off.
    pub hash_balance_factor: u32,
    /// `timeout ...` values.
    pub timeouts: Timeouts,
    /// `retries` (default 3).
    pub retries: u32,
    /// `retry-on`.
    pub retry_on: RetryOn,
    /// `option redispatch [interval]`: redispatch on every Nth retry, or the Nth from the
    /// end when negative (default -1: the last retry).
    pub redispatch_interval: i32,
    /// `maxconn`: frontend connection limit.
    pub maxconn: Option<u32>,
    /// `fullconn`: backend load used with dynamic `minconn`.
    pub fullconn: Option<u32>,
    /// `option ...` flags.
    pub options: Options,
    /// `option forwardfor`.
    pub forwardfor: Option<ForwardFor>,
    /// `cookie` (persistence; runtime in `persist::cookie`).
    pub cookie: Option<CookieSpec>,
    /// `dynamic-cookie-key`.
    pub dynamic_cookie_key: Option<String>,
    /// `force-persist` and `ignore-persist` rules, in order.
    pub persist_rules: Vec<PersistRule>,
    /// `use-server NAME if|unless COND`, in order.
    pub use_servers: Vec<UseServer>,
    /// Health checks: `option httpchk`, `option tcp-check`, `http-check`, `tcp-check`.
    pub checks: ProxyChecks,
    /// `stats ...` keywords (stats page; not active yet).
    pub stats: StatsSpec,
    /// `log` lines; `log global` expands to the global ones at validation.
    pub logs: Vec<LogTarget>,
    /// True if `log global` was used.
    pub log_global: bool,
    /// `log-format`, if set.
    pub log_format: Option<String>,
    /// Where that `log-format` was written (maybe in a `defaults` section).
    pub log_format_loc: Option<Loc>,
    /// The error pages in effect, one per status: `error_rules` resolved by `validate`.
    pub errorfiles: Vec<ErrorFile>,
    /// `errorfile`, `errorfiles` and `http-error` lines, in order (defaults' first).
    pub error_rules: Vec<ErrorRule>,
    /// `acl NAME CRITERION [VALUES]`.
    pub acls: Vec<Acl>,
    /// `http-request ...` rules.
    pub http_request: Vec<HttpRule>,
    /// `http-response ...` rules.
    pub http_response: Vec<HttpRule>,
    /// `tcp-request ...` rules, kept verbatim (not active yet).
    pub tcp_request: Vec<RawRule>,
    /// `stick-table`, `stick ...` rules, `tcp-request ... track-sc*` and counter ACLs.
    pub stick: ProxyStick,
    /// `monitor-uri`.
    pub monitor_uri: Option<String>,
    /// `http-reuse`.
    pub http_reuse: HttpReuse,
    /// `compression algo|type|offload`, own or inherited (HTTP filter in
    /// `proxy::compression`).
    pub compression: Option<Compression>,
    /// `description`.
    pub description: Option<String>,
    /// `id` (numeric proxy id, auto-assigned from 1 when absent... see validate).
    pub id: Option<u32>,
    /// Keywords accepted and kept verbatim without effect yet (`capture`, `source`,
    /// `http-after-response`, ...).
    pub other: Vec<RawRule>,
}

/// `use_backend` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct UseBackend {
    /// Where the line was.
    pub loc: Loc,
    /// Target backend name.
    pub backend: String,
    /// Optional condition.
    pub cond: Option<Cond>,
}

/// A `use-server` rule (configuration.txt 4.2 "use-server").
#[derive(Debug, Clone, PartialEq)]
pub struct UseServer {
    /// Where the line was.
    pub loc: Loc,
    /// The server name, or a log-format string (`%[...]`) giving it.
    pub server: String,
    /// The condition.
    pub cond: Cond,
}

/// `timeout` values of a proxy (configuration.txt 4.2 "timeout ...").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeouts {
    /// `timeout connect`.
    pub connect: Option<Duration>,
    /// `timeout client`.
    pub client: Option<Duration>,
    /// `timeout server`.
    pub server: Option<Duration>,
    /// `timeout http-request`.
    pub http_request: Option<Duration>,
    /// `timeout http-keep-alive`.
    pub http_keep_alive: Option<Duration>,
    /// `timeout queue`.
    pub queue: Option<Duration>,
    /// `timeout tunnel`.
    pub tunnel: Option<Duration>,
    /// `timeout check`.
    pub check: Option<Duration>,
    /// `timeout client-fin`.
    pub client_fin: Option<Duration>,
    /// `timeout server-fin`.
    pub server_fin: Option<Duration>,
    /// `timeout tarpit`.
    pub tarpit: Option<Duration>,
}

impl Proxy {
    /// A new, empty proxy of the given kind with HAProxy's built-in defaults.
    pub fn new(name: impl Into<String>, kind: ProxyKind, loc: Loc) -> Self {
        Proxy {
            name: name.into(),
            loc,
            kind,
            cap: kind.cap(),
            mode: Mode::Tcp,
            disabled: false,
            binds: Vec::new(),
            servers: Vec::new(),
            default_server: ServerParams::default(),
            default_backend: None,
            use_backends: Vec::new(),
            balance: Balance::RoundRobin,
            hash_type: HashType::default(),
            hash_balance_factor: 0,
            timeouts: Timeouts::default(),
            retries: 3,
            retry_on: RetryOn::default(),
            redispatch_interval: -1,
            maxconn: None,
            fullconn: None,
            options: Options::default(),
            forwardfor: None,
            cookie: None,
            dynamic_cookie_key: None,
            persist_rules: Vec::new(),
            use_servers: Vec::new(),
            checks: ProxyChecks::default(),
            stats: StatsSpec::default(),
            logs: Vec::new(),
            log_global: false,
            log_format: None,
            log_format_loc: None,
            errorfiles: Vec::new(),
            error_rules: Vec::new(),
            acls: Vec::new(),
            http_request: Vec::new(),
            http_response: Vec::new(),
            tcp_request: Vec::new(),
            stick: ProxyStick::default(),
            monitor_uri: None,
            http_reuse: HttpReuse::Safe,
            compression: None,
            description: None,
            id: None,
            other: Vec::new(),
        }
    }

    /// The errorfile that replaces `status`, if one was configured.
    pub fn errorfile(&self, status: u16) -> Option<&ErrorFile> {
        self.errorfiles.iter().rev().find(|e| e.status == status)
    }
}
