//! `bind` lines, `server` lines and `default-server` settings (configuration.txt 5.1,
//! 5.2).
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

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

impl Bind {
    /// A `bind` line at `loc` for the address text `text`, with no address and no option yet.
    pub fn new(loc: Loc, text: impl Into<String>) -> Self {
        Bind {
            loc,
            text: text.into(),
            addrs: Vec::new(),
            ssl: false,
            crts: Vec::new(),
            alpn: None,
            name: None,
            maxconn: None,
            accept_proxy: false,
            transparent: false,
            v4v6: false,
            v6only: false,
            unix_mode: None,
            unix_owner: None,
            interface: None,
            backlog: None,
            other: Vec::new(),
        }
    }
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
    /// `check`: health checks enabled.
    pub check: bool,
    /// `check-send-proxy`: checks open with a PROXY protocol header.
    pub check_send_proxy: bool,
    /// `check-ssl`: checks use TLS (not implemented by the check room).
    pub check_ssl: bool,
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
    /// `addr` used by checks, resolved at load (port 0 when the address gave none).
    pub check_addr: Option<SocketAddr>,
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
    /// `track [PROXY/]SERVER`: the server mirrors that server's health.
    pub track: Option<String>,
    /// `on-marked-down shutdown-sessions`.
    pub on_marked_down_shutdown: bool,
    /// `on-marked-up shutdown-backup-sessions`.
    pub on_marked_up_shutdown_backups: bool,
    /// `observe none|layer4|layer7`.
    pub observe: Observe,
    /// `on-error` (default `fail-check`).
    pub on_error: OnError,
    /// `error-limit` (default 10).
    pub error_limit: u32,
    /// `resolvers`, `source`, agent and TLS options, ... kept verbatim.
    pub other: Vec<String>,
}

/// `observe`: which traffic errors count against a server's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Observe {
    /// `none` (default).
    #[default]
    None,
    /// `layer4`: connection failures.
    Layer4,
    /// `layer7`: also invalid responses and 5xx statuses (HTTP mode).
    Layer7,
}

/// `on-error`: what `error-limit` consecutive observed errors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// `fastinter`: checks run at `fastinter` at once.
    Fastinter,
    /// `fail-check` (default): counts as one failed check.
    #[default]
    FailCheck,
    /// `sudden-death`: as a failed check that leaves one more check before DOWN.
    SuddenDeath,
    /// `mark-down`: the server goes DOWN at once.
    MarkDown,
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
            check_send_proxy: false,
            check_ssl: false,
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
            track: None,
            on_marked_down_shutdown: false,
            on_marked_up_shutdown_backups: false,
            observe: Observe::None,
            on_error: OnError::FailCheck,
            error_limit: 10,
            other: Vec::new(),
        }
    }
}

/// `default-server` settings of a proxy.
pub type ServerDefaults = ServerParams;
