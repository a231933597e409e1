//! The typed configuration: plain data, no sockets, no tokio.
//!
//! Everything `haproxy.cfg` can say lands here after parsing (`config::kw`) and validation
//! (`config::validate`). The runtime reads it; `-c` stops after building it. Every type is
//! `Clone + PartialEq` so that a reload can diff the old and new configuration.
//!
//! Sections of `configuration.txt` covered: 3 (global), 4 (proxies), 5.1 (bind), 5.2 (server).
//! Must not import any other room of the crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use super::diag::Loc;

/// The whole loaded configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// Merged `global` sections.
    pub global: Global,
    /// Every `frontend`, `backend` and `listen`, in file order.
    pub proxies: Vec<Proxy>,
    /// `userlist` sections.
    pub userlists: Vec<Userlist>,
    /// `peers`, `resolvers`, `mailers`, `cache`, `program`, `http-errors` and `ring`
    /// sections: parsed into words and kept, not active.
    pub other_sections: Vec<RawSection>,
    /// `http-errors NAME` sections: their `errorfile` lines, read at load. Proxies that
    /// name them with `errorfiles NAME [CODE...]` get copies in `Proxy::errorfiles`.
    pub http_errors: Vec<(String, Vec<ErrorFile>)>,
}

/// A section kept as words (`peers`, `resolvers`, `cache`, ...), not active.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSection {
    /// The header keyword (`peers`, `cache`, ...).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Where the header is.
    pub loc: Loc,
    /// The body lines.
    pub lines: Vec<RawRule>,
}

impl Config {
    /// Finds a proxy by name that has the backend capability.
    pub fn backend(&self, name: &str) -> Option<&Proxy> {
        self.proxies
            .iter()
            .find(|p| p.cap.backend && p.name == name)
    }
    /// Finds a proxy by name that has the frontend capability.
    pub fn frontend(&self, name: &str) -> Option<&Proxy> {
        self.proxies
            .iter()
            .find(|p| p.cap.frontend && p.name == name)
    }
}

/// The `global` section (configuration.txt section 3).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Global {
    /// `daemon`.
    pub daemon: bool,
    /// `master-worker`.
    pub master_worker: bool,
    /// `maxconn`: process-wide connection limit.
    pub maxconn: Option<u32>,
    /// `nbthread`: number of worker threads (default: the number of cores).
    pub nbthread: Option<u32>,
    /// `pidfile`.
    pub pidfile: Option<PathBuf>,
    /// `user` (name) or `uid`.
    pub user: Option<UserSpec>,
    /// `group` (name) or `gid`.
    pub group: Option<UserSpec>,
    /// The numeric user id of `user`/`uid`, resolved from `/etc/passwd` at load.
    pub uid: Option<u32>,
    /// The numeric group id of `group`/`gid`, resolved from `/etc/group` at load.
    pub gid: Option<u32>,
    /// `chroot`.
    pub chroot: Option<PathBuf>,
    /// `log` lines of the global section.
    pub logs: Vec<LogTarget>,
    /// `log-tag`.
    pub log_tag: Option<String>,
    /// `log-send-hostname`.
    pub log_send_hostname: Option<String>,
    /// `stats socket` lines (runtime API; not active yet).
    pub stats_sockets: Vec<StatsSocket>,
    /// `stats timeout`.
    pub stats_timeout: Option<Duration>,
    /// `ca-base`.
    pub ca_base: Option<PathBuf>,
    /// `crt-base`.
    pub crt_base: Option<PathBuf>,
    /// `ssl-default-bind-ciphers`.
    pub ssl_default_bind_ciphers: Option<String>,
    /// `ssl-default-bind-ciphersuites`.
    pub ssl_default_bind_ciphersuites: Option<String>,
    /// `ssl-default-bind-options`.
    pub ssl_default_bind_options: Vec<String>,
    /// `ssl-default-server-ciphers` and friends, kept verbatim.
    pub ssl_default_server: Vec<(String, Vec<String>)>,
    /// `tune.*` settings, kept verbatim as (keyword, value).
    pub tunes: Vec<(String, String)>,
    /// `hard-stop-after`.
    pub hard_stop_after: Option<Duration>,
    /// `spread-checks` (percent).
    pub spread_checks: Option<u32>,
    /// `quiet`.
    pub quiet: bool,
    /// `expose-experimental-directives`.
    pub expose_experimental: bool,
    /// `node` name reported on the stats page.
    pub node: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

/// A user or group, by name or numeric id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSpec {
    /// `user NAME` / `group NAME`.
    Name(String),
    /// `uid N` / `gid N`.
    Id(u32),
}

/// A `stats socket` line of the global section.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSocket {
    /// Where the line was.
    pub loc: Loc,
    /// The address, as written (`/run/haproxy/admin.sock`, `ipv4@127.0.0.1:9999`).
    pub addr: String,
    /// Remaining bind-style options, as written (`mode 660 level admin`).
    pub options: Vec<String>,
}

/// A `userlist` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Userlist {
    /// Its name.
    pub name: String,
    /// `user NAME password|insecure-password PASS [groups G,...]`.
    pub users: Vec<UserEntry>,
    /// `group NAME [users U,...]`.
    pub groups: Vec<(String, Vec<String>)>,
}

/// One `user` of a `userlist`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserEntry {
    /// The login.
    pub name: String,
    /// The password, encrypted (crypt(3)) or not.
    pub password: String,
    /// True for `insecure-password`.
    pub insecure: bool,
    /// Groups this user belongs to.
    pub groups: Vec<String>,
}

/// Where a `log` line sends messages (configuration.txt 4.2 "log").
#[derive(Debug, Clone, PartialEq)]
pub struct LogTarget {
    /// Where the line was.
    pub loc: Loc,
    /// The destination.
    pub addr: LogAddr,
    /// `len`: max line length (default 1024).
    pub max_len: Option<u32>,
    /// `format`: rfc3164 (default), rfc5424, short, raw...
    pub format: Option<String>,
    /// Syslog facility (0..=23), e.g. 16 for `local0`.
    pub facility: u8,
    /// Maximum level sent (0 emerg ..= 7 debug); default 7.
    pub level: u8,
    /// Minimum level: messages above... (`minlevel`), 0..=7.
    pub min_level: Option<u8>,
}

/// A log destination address.
#[derive(Debug, Clone, PartialEq)]
pub enum LogAddr {
    /// UDP `host[:port]` (default port 514).
    Udp(SocketAddr),
    /// A unix datagram socket path such as `/dev/log`.
    Unix(PathBuf),
    /// `stdout` / `stderr` (`fd@1`, `fd@2`).
    Fd(i32),
    /// The address as written, when it could not be resolved at parse time
    /// (a host name); resolved at startup.
    Named(String),
}

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
    /// `maxconn`: frontend connection limit.
    pub maxconn: Option<u32>,
    /// `fullconn`: backend load used with dynamic `minconn`.
    pub fullconn: Option<u32>,
    /// `option ...` flags.
    pub options: Options,
    /// `option forwardfor`.
    pub forwardfor: Option<ForwardFor>,
    /// `cookie` (persistence; not active yet).
    pub cookie: Option<CookieSpec>,
    /// `option httpchk` / `http-check` (health checks; not active yet).
    pub httpchk: Option<HttpCheck>,
    /// `stats ...` keywords (stats page; not active yet).
    pub stats: StatsSpec,
    /// `log` lines; `log global` expands to the global ones at validation.
    pub logs: Vec<LogTarget>,
    /// True if `log global` was used.
    pub log_global: bool,
    /// `log-format`, if set.
    pub log_format: Option<String>,
    /// `errorfile CODE PATH`, loaded at parse time.
    pub errorfiles: Vec<ErrorFile>,
    /// `acl NAME CRITERION [VALUES]`.
    pub acls: Vec<Acl>,
    /// `http-request ...` rules.
    pub http_request: Vec<HttpRule>,
    /// `http-response ...` rules.
    pub http_response: Vec<HttpRule>,
    /// `tcp-request ...` rules, kept verbatim (not active yet).
    pub tcp_request: Vec<RawRule>,
    /// `monitor-uri`.
    pub monitor_uri: Option<String>,
    /// `http-reuse`.
    pub http_reuse: HttpReuse,
    /// `description`.
    pub description: Option<String>,
    /// `id` (numeric proxy id, auto-assigned from 1 when absent... see validate).
    pub id: Option<u32>,
    /// Keywords accepted and kept verbatim without effect yet (`capture`, `compression`,
    /// `stick-table`, `source`, `http-after-response`, ...).
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

/// `balance` algorithm (configuration.txt 4.2 "balance").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Balance {
    /// `roundrobin` (default).
    #[default]
    RoundRobin,
    /// `static-rr`.
    StaticRr,
    /// `leastconn`.
    LeastConn,
    /// `first`.
    First,
    /// `source`.
    Source,
    /// `uri [len N] [depth N] [whole] [path-only]`.
    Uri {
        /// `len`: only the first N characters (0 = all).
        len: u32,
        /// `depth`: only the first N directories (0 = all).
        depth: u32,
        /// `whole`: include the query string.
        whole: bool,
        /// `path-only`: ignore scheme and authority.
        path_only: bool,
    },
    /// `url_param NAME [check_post]`.
    UrlParam {
        /// Parameter name.
        name: String,
        /// `check_post`.
        check_post: bool,
    },
    /// `hdr(NAME) [use_domain_only]`.
    Hdr {
        /// Header name.
        name: String,
        /// `use_domain_only`.
        use_domain_only: bool,
    },
    /// `rdp-cookie(NAME)` (default name `mstshash`).
    RdpCookie {
        /// Cookie name.
        name: String,
    },
    /// `random[(DRAWS)]`, default 2 draws.
    Random {
        /// Number of draws (power of N choices).
        draws: u32,
    },
    /// `hash EXPR`: hash of a sample expression (new in 2.6).
    Hash {
        /// The sample expression, as written.
        expr: String,
    },
}

impl Balance {
    /// True for the algorithms that hash a key (and so honour `hash-type`).
    pub fn is_hash(&self) -> bool {
        matches!(
            self,
            Balance::Source
                | Balance::Uri { .. }
                | Balance::UrlParam { .. }
                | Balance::Hdr { .. }
                | Balance::RdpCookie { .. }
                | Balance::Hash { .. }
        )
    }
}

/// `hash-type <method> <function> <modifier>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashType {
    /// `map-based` (default) or `consistent`.
    pub method: HashMethod,
    /// `sdbm` (default), `djb2`, `wt6`, `crc32`.
    pub function: HashFunction,
    /// `avalanche` modifier.
    pub avalanche: bool,
}

/// Hash method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashMethod {
    /// `map-based`.
    #[default]
    MapBased,
    /// `consistent`.
    Consistent,
}

/// Hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashFunction {
    /// `sdbm`.
    #[default]
    Sdbm,
    /// `djb2`.
    Djb2,
    /// `wt6`.
    Wt6,
    /// `crc32`.
    Crc32,
}

/// `option ...` flags of a proxy that are plain on/off switches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// `option httplog [clf]`.
    pub httplog: bool,
    /// `option tcplog`.
    pub tcplog: bool,
    /// `option dontlognull`.
    pub dontlognull: bool,
    /// `option dontlog-normal`.
    pub dontlog_normal: bool,
    /// `option log-separate-errors`.
    pub log_separate_errors: bool,
    /// `option redispatch [interval]`.
    pub redispatch: bool,
    /// `option abortonclose`.
    pub abortonclose: bool,
    /// HTTP connection mode: `option httpclose`, `http-server-close`, `http-keep-alive`.
    pub http_conn_mode: HttpConnMode,
    /// `option tcpka`, `clitcpka`, `srvtcpka`.
    pub tcpka_client: bool,
    /// `option tcpka`, `srvtcpka`.
    pub tcpka_server: bool,
    /// `option allbackups`.
    pub allbackups: bool,
    /// `option persist`.
    pub persist: bool,
    /// `option http-buffer-request`.
    pub http_buffer_request: bool,
    /// `option tcp-check`.
    pub tcp_check: bool,
    /// `option splice-auto` etc.: accepted and ignored (kernel splicing).
    pub splice: bool,
    /// `option http-use-htx` and other obsolete options kept for compatibility.
    pub obsolete: Vec<String>,
    /// `option nolinger`.
    pub nolinger: bool,
    /// `option forceclose` (old alias of httpclose).
    pub contstats: bool,
    /// `option socket-stats`.
    pub socket_stats: bool,
    /// `option independent-streams`.
    pub independent_streams: bool,
    /// `option log-health-checks`.
    pub log_health_checks: bool,
    /// `option http-ignore-probes`.
    pub http_ignore_probes: bool,
    /// `option accept-invalid-http-request`.
    pub accept_invalid_http_request: bool,
    /// `option accept-invalid-http-response`.
    pub accept_invalid_http_response: bool,
    /// `option originalto`.
    pub originalto: Option<ForwardFor>,
    /// `option checkcache`.
    pub checkcache: bool,
    /// `option ssl-hello-chk`, `smtpchk`, `mysql-check`, `pgsql-check`, `redis-check`,
    /// `ldap-check`: the check kind, kept by name.
    pub check_kind: Option<String>,
    /// Where the last `option httplog`/`option tcplog` was written (for messages).
    pub log_option_loc: Option<Loc>,
    /// Other accepted on/off options without a field of their own (`logasap`,
    /// `prefer-last-server`, `http-no-delay`, ...), by name, when set.
    pub flags: Vec<String>,
}

/// HTTP connection handling mode (configuration.txt 4 "HTTP connection modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpConnMode {
    /// `option http-keep-alive` (default).
    #[default]
    KeepAlive,
    /// `option http-server-close`.
    ServerClose,
    /// `option httpclose`.
    Close,
}

/// `http-reuse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpReuse {
    /// `never`.
    Never,
    /// `safe` (default).
    #[default]
    Safe,
    /// `aggressive`.
    Aggressive,
    /// `always`.
    Always,
}

/// `option forwardfor [except NET] [header NAME] [if-none]` (also used for `originalto`).
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardFor {
    /// `except NET`: source network not to add the header for.
    pub except: Option<IpNet>,
    /// `header NAME` (default `X-Forwarded-For`).
    pub header: String,
    /// `if-none`.
    pub if_none: bool,
}

/// An IPv4 or IPv6 network, `addr/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    /// Network address.
    pub addr: std::net::IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl IpNet {
    /// True if `ip` is inside this network.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let p = u32::from(self.prefix.min(32));
                let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let p = u32::from(self.prefix.min(128));
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            (IpAddr::V4(_), IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(v4) => self.contains(IpAddr::V4(v4)),
                None => false,
            },
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

/// `cookie NAME [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly]
/// [secure] [domain D]* [maxidle T] [maxlife T] [dynamic] [attr A]*`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CookieSpec {
    /// Cookie name.
    pub name: String,
    /// Insert/rewrite/prefix, or passive when none is set.
    pub mode: CookieMode,
    /// `indirect`.
    pub indirect: bool,
    /// `nocache`.
    pub nocache: bool,
    /// `postonly`.
    pub postonly: bool,
    /// `preserve`.
    pub preserve: bool,
    /// `httponly`.
    pub httponly: bool,
    /// `secure`.
    pub secure: bool,
    /// `domain`.
    pub domains: Vec<String>,
    /// `maxidle`.
    pub maxidle: Option<Duration>,
    /// `maxlife`.
    pub maxlife: Option<Duration>,
    /// `dynamic`.
    pub dynamic: bool,
    /// `attr`.
    pub attrs: Vec<String>,
}

/// How the persistence cookie is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieMode {
    /// No mode keyword: the server sets the cookie, HAProxy only reads it.
    #[default]
    Passive,
    /// `rewrite`.
    Rewrite,
    /// `insert`.
    Insert,
    /// `prefix`.
    Prefix,
}

/// `option httpchk [METHOD] [URI] [VERSION]` plus `http-check` rules.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    /// Method (default `OPTIONS`).
    pub method: String,
    /// URI (default `/`).
    pub uri: String,
    /// Version (default `HTTP/1.0`), possibly followed by raw header lines.
    pub version: String,
    /// `http-check expect ...`, kept verbatim.
    pub expect: Option<Vec<String>>,
    /// `http-check send ...` and other `http-check` lines, kept verbatim.
    pub rules: Vec<RawRule>,
}

impl Default for HttpCheck {
    fn default() -> Self {
        HttpCheck {
            method: "OPTIONS".into(),
            uri: "/".into(),
            version: "HTTP/1.0".into(),
            expect: None,
            rules: Vec::new(),
        }
    }
}

/// The `stats ...` keywords of a proxy (configuration.txt 4.2 "stats ...").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsSpec {
    /// True when any keyword enabled the stats page (`stats enable`, `stats uri`, ...).
    pub enabled: bool,
    /// `stats uri` (default `/haproxy?stats`).
    pub uri: Option<String>,
    /// `stats realm`.
    pub realm: Option<String>,
    /// `stats auth USER:PASS`.
    pub auth: Vec<(String, String)>,
    /// `stats refresh`.
    pub refresh: Option<Duration>,
    /// `stats hide-version`.
    pub hide_version: bool,
    /// `stats admin if|unless COND`.
    pub admin: Option<Cond>,
    /// `stats show-legends`.
    pub show_legends: bool,
    /// `stats show-node [NAME]`.
    pub show_node: Option<Option<String>>,
    /// `stats show-desc [DESC]`.
    pub show_desc: Option<Option<String>>,
    /// `stats scope`.
    pub scope: Vec<String>,
    /// `stats http-request` rules, kept verbatim.
    pub http_request: Vec<RawRule>,
}

/// An `errorfile CODE PATH`, read when the config is loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorFile {
    /// The HTTP status it replaces.
    pub status: u16,
    /// The file it came from.
    pub path: PathBuf,
    /// The raw HTTP response (status line, headers, body) sent as is.
    pub content: Vec<u8>,
}

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
    /// `return [status CODE] [content-type TYPE] [string TEXT | file PATH | errorfile PATH | lf-string TEXT]
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
    /// `deny [deny_status CODE]`.
    Deny {
        /// Status (default 403).
        status: u16,
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
    /// Any other action: parsed, kept, not active yet.
    Other {
        /// The action keyword.
        name: String,
        /// Its arguments.
        args: Vec<String>,
    },
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
}

/// A rule kept verbatim: its keyword and words.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRule {
    /// Where the line was.
    pub loc: Loc,
    /// All words of the line.
    pub words: Vec<String>,
}

/// A `bind` line (configuration.txt 5.1). One line may yield several addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct Bind {
    /// Where the line was.
    pub loc: Loc,
    /// The address list as written, for messages (`*:80`, `:443,:8443`).
    pub text: String,
    /// Every address the line names (ranges expanded).
    pub addrs: Vec<BindAddr>,
    /// `ssl`: TLS termination (with `crt`).
    pub ssl: bool,
    /// `crt PATH` (certificate files or directories).
    pub crts: Vec<PathBuf>,
    /// `alpn`.
    pub alpn: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `maxconn`.
    pub maxconn: Option<u32>,
    /// `accept-proxy`.
    pub accept_proxy: bool,
    /// `transparent`.
    pub transparent: bool,
    /// `v4v6`.
    pub v4v6: bool,
    /// `v6only`.
    pub v6only: bool,
    /// `mode` (unix sockets).
    pub unix_mode: Option<u32>,
    /// `user`, `group`, `uid`, `gid` (unix sockets).
    pub unix_owner: Option<String>,
    /// `interface`.
    pub interface: Option<String>,
    /// `backlog`.
    pub backlog: Option<u32>,
    /// Other options kept verbatim (`ssl-min-ver`, `ciphers`, ...).
    pub other: Vec<String>,
}

/// One listening address of a `bind` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindAddr {
    /// An IPv4/IPv6 address and port (`*` becomes `0.0.0.0`, `:::port` `::`).
    Inet(SocketAddr),
    /// A unix stream socket path (`/path` or `unix@/path`).
    Unix(PathBuf),
    /// An already-open socket inherited from the parent (`fd@N`).
    Fd(i32),
}

/// A `server` line (configuration.txt 5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// Where the line was.
    pub loc: Loc,
    /// Server name, unique within its backend.
    pub name: String,
    /// Where to connect.
    pub addr: ServerAddr,
    /// Settings after `default-server` was applied.
    pub params: ServerParams,
}

/// Where a server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAddr {
    /// A resolved IP address and port. Port 0 means "the port the client connected to".
    Inet(SocketAddr),
    /// A host name to resolve at startup, with its port.
    Host(String, u16),
    /// A unix stream socket path.
    Unix(PathBuf),
}

/// The per-server settings, shared by `server` and `default-server`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerParams {
    /// `weight` (0..=256, default 1).
    pub weight: u32,
    /// `maxconn` (0 = unlimited).
    pub maxconn: u32,
    /// `minconn`.
    pub minconn: u32,
    /// `maxqueue` (0 = unlimited).
    pub maxqueue: u32,
    /// `backup`.
    pub backup: bool,
    /// `disabled`.
    pub disabled: bool,
    /// `check`: health checks enabled (not active yet).
    pub check: bool,
    /// `inter` (default 2s).
    pub inter: Duration,
    /// `fastinter`.
    pub fastinter: Option<Duration>,
    /// `downinter`.
    pub downinter: Option<Duration>,
    /// `rise` (default 2).
    pub rise: u32,
    /// `fall` (default 3).
    pub fall: u32,
    /// `port` used by checks.
    pub check_port: Option<u16>,
    /// `addr` used by checks.
    pub check_addr: Option<String>,
    /// `cookie VALUE` for persistence.
    pub cookie: Option<String>,
    /// `ssl` towards the server.
    pub ssl: bool,
    /// `verify none|required`.
    pub verify: Option<String>,
    /// `sni EXPR`.
    pub sni: Option<String>,
    /// `send-proxy`.
    pub send_proxy: bool,
    /// `id`.
    pub id: Option<u32>,
    /// `slowstart`.
    pub slowstart: Option<Duration>,
    /// `observe`, `on-error`, `error-limit`, `resolvers`, ... kept verbatim.
    pub other: Vec<String>,
}

impl Default for ServerParams {
    fn default() -> Self {
        ServerParams {
            weight: 1,
            maxconn: 0,
            minconn: 0,
            maxqueue: 0,
            backup: false,
            disabled: false,
            check: false,
            inter: Duration::from_secs(2),
            fastinter: None,
            downinter: None,
            rise: 2,
            fall: 3,
            check_port: None,
            check_addr: None,
            cookie: None,
            ssl: false,
            verify: None,
            sni: None,
            send_proxy: false,
            id: None,
            slowstart: None,
            other: Vec::new(),
        }
    }
}

/// `default-server` settings of a proxy.
pub type ServerDefaults = ServerParams;

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
            maxconn: None,
            fullconn: None,
            options: Options::default(),
            forwardfor: None,
            cookie: None,
            httpchk: None,
            stats: StatsSpec::default(),
            logs: Vec::new(),
            log_global: false,
            log_format: None,
            errorfiles: Vec::new(),
            acls: Vec::new(),
            http_request: Vec::new(),
            http_response: Vec::new(),
            tcp_request: Vec::new(),
            monitor_uri: None,
            http_reuse: HttpReuse::Safe,
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
