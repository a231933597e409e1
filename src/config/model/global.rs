//! The `global` section and what it names: users, stats sockets, userlists, log targets
//! (configuration.txt 3 "Global parameters", 3.4 "Userlists", 4.2 "log").
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

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
    /// `h1-case-adjust` entries (`<from>`, `<to>`) in order, then those of the
    /// `h1-case-adjust-file`.
    pub h1_case_adjust: Vec<(String, String)>,
    /// `h1-case-adjust-file` (the last one given).
    pub h1_case_adjust_file: Option<String>,
    /// The active buffer tunables (`tune.bufsize`, `tune.maxrewrite`, `tune.http.maxhdr`).
    pub tune: Tune,
    /// The other keywords accepted without effect yet (`ulimit-n`, `maxconnrate`,
    /// `cluster-secret`, ...), as (keyword, arguments), in order.
    pub kept: Vec<(String, Vec<String>)>,
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
    /// The address, environment variables expanded (`/run/haproxy/admin.sock`,
    /// `ipv4@127.0.0.1:9999`).
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

/// The buffer tunables the HTTP/1 layer uses (configuration.txt 3.2), as HAProxy 2.6 holds
/// them after parsing: `tune.bufsize` rounded up to a multiple of 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tune {
    /// `tune.bufsize` (default 16384).
    pub bufsize: usize,
    /// `tune.maxrewrite` as written (default 1024); see [`Tune::maxrewrite`].
    pub maxrewrite: usize,
    /// `tune.http.maxhdr` (default 101).
    pub http_maxhdr: usize,
}

impl Default for Tune {
    fn default() -> Self {
        Tune {
            bufsize: 16384,
            maxrewrite: 1024,
            http_maxhdr: 101,
        }
    }
}

impl Tune {
    /// The reserve actually kept: HAProxy halves it to `bufsize / 2` when it is not smaller
    /// (`haproxy.c`, at start-up).
    pub fn maxrewrite(&self) -> usize {
        if self.maxrewrite >= self.bufsize / 2 {
            self.bufsize / 2
        } else {
            self.maxrewrite
        }
    }
}
