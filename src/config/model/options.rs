//! Per-proxy settings: `option ...` switches, `http-reuse`, `option forwardfor`, networks,
//! `cookie`, `stats ...`, `errorfile`, `errorfiles` and `http-error`
//! (configuration.txt 4.2).
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

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
    /// `option splice-auto` / `splice-request` / `splice-response`: kernel splicing, which
    /// the proxy uses where it pays with or without them (`proxy/splice.rs`), so no
    /// warning names them.
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
    /// `option http-pretend-keepalive`.
    pub http_pretend_keepalive: bool,
    /// `option h1-case-adjust-bogus-client`.
    pub h1_case_adjust_bogus_client: bool,
    /// `option h1-case-adjust-bogus-server`.
    pub h1_case_adjust_bogus_server: bool,
    /// `option originalto`.
    pub originalto: Option<ForwardFor>,
    /// `option checkcache`.
    pub checkcache: bool,
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
/// [secure] [domain D]* [maxidle T] [maxlife T] [dynamic] [attr A]*` (configuration.txt 4.2
/// "cookie"). Runtime behaviour: `persist::cookie`.
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
    /// `domain`, in order; HAProxy sends them as `; domain=A; domain=B`.
    pub domains: Vec<String>,
    /// `maxidle` (None when absent or 0).
    pub maxidle: Option<Duration>,
    /// `maxlife` (None when absent or 0).
    pub maxlife: Option<Duration>,
    /// `dynamic`: servers without `cookie` get one derived from `dynamic-cookie-key`,
    /// their address and port (filled into `ServerParams::cookie` at load).
    pub dynamic: bool,
    /// `attr`, in order, including those of earlier `cookie` lines of the section or its
    /// `defaults` (HAProxy never clears them).
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

/// Which kind of persistence rule (configuration.txt 4.2 "force-persist", "ignore-persist").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistKind {
    /// `force-persist`: follow the cookie even to a DOWN server.
    Force,
    /// `ignore-persist`: do not follow the cookie.
    Ignore,
}

/// A `force-persist|ignore-persist if|unless COND` line. Rules are evaluated in order when
/// the backend is chosen; the first matching one applies.
#[derive(Debug, Clone, PartialEq)]
pub struct PersistRule {
    /// Where the line was.
    pub loc: Loc,
    /// Force or ignore.
    pub kind: PersistKind,
    /// The condition.
    pub cond: Cond,
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

/// One line that sets a proxy's error pages (`errorfile`, `errorfiles`, `http-error`), kept
/// in configuration order because a later line overrides an earlier one (HAProxy's
/// `conf.errors` list). Resolved into `Proxy::errorfiles` by `validate`.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorRule {
    /// `errorfile CODE PATH`, or an `http-error` reply built into a raw response at load.
    File(ErrorFile),
    /// `errorfiles NAME [CODE...]`, or `http-error status CODE errorfiles NAME`.
    Section {
        /// Where the line was.
        loc: Loc,
        /// The `http-errors` section.
        name: String,
        /// The statuses taken from it; empty means all of them.
        codes: Vec<u16>,
    },
    /// `http-error status CODE default-errorfiles`: back to the default page.
    Default(u16),
}
