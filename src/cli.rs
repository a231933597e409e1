//! HAProxy 2.6's command line (management.txt 3 "Starting HAProxy"): `-f FILE|DIR`
//! (repeatable), `-c`, `-cc COND`, `-q`, `-V`, `-v`, `-vv`, `-d`, `-db`, `-D`, `-p FILE`,
//! `-sf PID...`, `-st PID...`, `-W`, `-Ws`, `-n N`, `-N N`, `-m MB`, `-C DIR`, `-L NAME`,
//! `-x SOCKET`, `-S BIND`, the `-d` family (`-dM[...]`, `-dG`, `-dr`, `-dW`, `-dD`, `-de`,
//! `-dp`, `-dS`, `-dR`, `-dL`, `-dK...`, `-dV`) and `--`, after which every argument is a
//! configuration file.
//!
//! HAProxy reads its flags by their first letters (`-vfoo` is `-v`, `-dX` for an unknown
//! `X` is `-d`, `-fX FILE` takes `FILE`) and `-sf`/`-st` take PIDs up to the next option.
//! clap cannot parse multi-character short flags (clap-rs/clap#1201), so `rewrite` first
//! turns argv into canonical long options following HAProxy's rules, then clap (derive)
//! reads those. Errors carry HAProxy's wording; a usage error displays HAProxy's usage.
//!
//! This module prints nothing: `main` prints [`version_text`], [`build_options_text`] and
//! errors. It imports only `config::cond` (version and feature list) and clap.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use clap::{ArgAction, Parser};

use crate::config::cond::{FEATURES, VERSION};

/// The version we print: HAProxy's, then our own suffix, so that scripts reading the
/// HAProxy version keep working.
pub fn full_version() -> String {
    format!("{VERSION}-rs{}", env!("CARGO_PKG_VERSION"))
}

/// Release date printed after the version (HAProxy 2.6.12's format `YYYY/MM/DD`).
const RELEASE_DATE: &str = "2023/03/10";

/// What to do with the PIDs given by `-sf` / `-st`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldPids {
    /// `-sf`: ask them to finish (SIGUSR1, soft stop) once we listen.
    Finish,
    /// `-st`: terminate them (SIGTERM) once we listen.
    Terminate,
}

/// `-v` or `-vv`: print and exit 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Info {
    /// `-v`: [`version_text`].
    Version,
    /// `-vv`: [`build_options_text`].
    BuildOptions,
}

/// The `-d...` debugging and tuning flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebugFlags {
    /// `-de`: do not use epoll.
    pub no_epoll: bool,
    /// `-dp`: do not use poll.
    pub no_poll: bool,
    /// `-dS`: do not use splice.
    pub no_splice: bool,
    /// `-dG`: do not use getaddrinfo.
    pub no_getaddrinfo: bool,
    /// `-dR`: do not use SO_REUSEPORT.
    pub no_reuseport: bool,
    /// `-dV`: do not verify server certificates.
    pub no_ssl_verify: bool,
    /// `-dW`: fail if any warning is emitted (zero-warning).
    pub zero_warning: bool,
    /// `-dD`: diagnostic mode (also shows `.diag` messages).
    pub diag: bool,
    /// `-dr`: ignore server address resolution failures.
    pub resolve_dontfail: bool,
    /// `-dL`: dump loaded object files after config checks.
    pub dump_libs: bool,
    /// `-dK<class[,...]>`: dump registered keywords; the text after `-dK`.
    pub dump_keywords: Option<String>,
    /// `-dM[<byte>,help,...]`: memory debugging; the text after `-dM` (may be empty).
    pub memory: Option<String>,
}

/// The parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cli {
    /// The program name, as HAProxy shows it in the usage (basename of argv\[0\]).
    pub progname: String,
    /// `-f FILE|DIR` and the arguments after `--`, in order.
    pub config_files: Vec<PathBuf>,
    /// `-v` / `-vv`, when given: print and exit 0 (later arguments were not read).
    pub info: Option<Info>,
    /// `-c`: check the configuration and exit.
    pub check: bool,
    /// `-cc COND`: evaluate the condition and exit (0 true, 1 false, 2 error).
    pub check_condition: Option<String>,
    /// `-q`: quiet.
    pub quiet: bool,
    /// `-V`: verbose.
    pub verbose: bool,
    /// `-d`: debug mode (foreground, traffic on stderr).
    pub debug: bool,
    /// `-db` (or `-Ws`): stay in the foreground.
    pub foreground: bool,
    /// `-D`: daemon.
    pub daemon: bool,
    /// `-W` (or `-Ws`): master-worker mode.
    pub master_worker: bool,
    /// `-Ws`: master-worker with systemd notify, in the foreground.
    pub systemd: bool,
    /// `-p FILE`: pid file.
    pub pidfile: Option<PathBuf>,
    /// `-sf` / `-st`: the last one given.
    pub old_pids_action: Option<OldPids>,
    /// The PIDs after `-sf` / `-st`.
    pub old_pids: Vec<i32>,
    /// `-n N`: global maxconn (C `atol`: junk reads as 0).
    pub maxconn: Option<i64>,
    /// `-N N`: default per-proxy maxconn.
    pub maxpconn: Option<i64>,
    /// `-m MB`: memory limit in megabytes.
    pub memmax_mb: Option<i64>,
    /// `-C DIR`: change to this directory before loading files.
    pub chdir: Option<PathBuf>,
    /// `-L NAME`: local peer name.
    pub localpeer: Option<String>,
    /// `-x SOCKET`: get listening sockets from this unix socket.
    pub unix_socket: Option<PathBuf>,
    /// `-S BIND[,OPTS]`: master CLI listeners, in order.
    pub master_cli: Vec<String>,
    /// The `-d...` flags.
    pub debug_flags: DebugFlags,
}

/// A command line HAProxy would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// HAProxy prints [`version_text`] on stdout, then `alert` (if any) as an ALERT and a
    /// blank line, then the usage (this error's `Display`) on stderr, and exits 1.
    Usage {
        /// The program name shown in the usage.
        progname: String,
        /// An ALERT printed before the usage, e.g. for `-x` without a path.
        alert: Option<String>,
    },
    /// HAProxy prints this as an ALERT (`[ALERT]    (pid) : msg`) and exits 1.
    Alert(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage { progname, .. } => f.write_str(&usage_text(progname)),
            CliError::Alert(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for CliError {}

/// HAProxy 2.6's usage text (printed on stderr), for program name `progname`.
pub fn usage_text(progname: &str) -> String {
    format!(
        "Usage : {progname} [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]
        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]
        -v displays version ; -vv shows known build options.
        -d enters debug mode ; -db only disables background mode.
        -dM[<byte>,help,...] debug memory (default: poison with <byte>/0x50)
        -V enters verbose mode (disables quiet mode)
        -D goes daemon ; -C changes to <dir> before loading files.
        -W master-worker mode.
        -Ws master-worker mode with systemd notify support.
        -q quiet mode : don't display messages
        -c check mode : only check config files and exit
        -cc check condition : evaluate a condition and exit
        -n sets the maximum total # of connections (uses ulimit -n)
        -m limits the usable amount of memory (in MB)
        -N sets the default, per-proxy maximum # of connections (0)
        -L set local peer name (default to hostname)
        -p writes pids of all children to this file
        -de disables epoll() usage even when available
        -dp disables poll() usage even when available
        -dS disables splice usage (broken on old kernels)
        -dG disables getaddrinfo() usage
        -dR disables SO_REUSEPORT usage
        -dL dumps loaded object files after config checks
        -dK{{class[,...]}} dump registered keywords (use 'help' for list)
        -dr ignores server address resolution failures
        -dV disables SSL verify on servers side
        -dW fails if any warning is emitted
        -dD diagnostic mode : warn about suspicious configuration statements
        -sf/-st [pid ]* finishes/terminates old pids.
        -x <unix_socket> get listening sockets from a unix socket
        -S <bind>[,<bind options>...] new master CLI

"
    )
}

/// What `-v` prints on stdout, modelled on HAProxy 2.6's `display_version()`.
pub fn version_text() -> String {
    let mut s = format!(
        "HAProxy version {} {RELEASE_DATE} - https://haproxy.org/\n\
         Status: long-term supported branch - will stop receiving fixes around Q2 2027.\n\
         Known bugs: http://www.haproxy.org/bugs/bugs-{VERSION}.html\n",
        full_version()
    );
    let read = |f: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{f}"))
            .ok()
            .map(|s| s.trim().to_string())
    };
    if let (Some(os), Some(rel), Some(ver)) = (read("ostype"), read("osrelease"), read("version")) {
        s.push_str(&format!(
            "Running on: {os} {rel} {ver} {}\n",
            std::env::consts::ARCH
        ));
    }
    s
}

/// What `-vv` prints on stdout, modelled on HAProxy 2.6's output: the version, then the
/// build options, feature list and the supported pollers, multiplexers and services.
pub fn build_options_text() -> String {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(64);
    format!(
        "{version}Build options :
  TARGET  = linux-glibc
  CPU     = generic
  CC      = rustc
  CFLAGS  = 
  OPTIONS = USE_OPENSSL=1 USE_PCRE2=1
  DEBUG   = 

Feature list : {FEATURES}

Default settings :
  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200

Built with multi-threading support (MAX_THREADS=64, default={threads}).
Built with SSL library version : rustls
OpenSSL library supports TLS extensions : yes
OpenSSL library supports SNI : yes
OpenSSL library supports : TLSv1.2 TLSv1.3
Built with network namespace support.
Compression algorithms supported : identity(\"identity\")
Built with transparent proxy support using: IP_TRANSPARENT IPV6_TRANSPARENT IP_FREEBIND
Built with rustc compiler.

Available polling systems :
      epoll : pref=300,  test result OK
Total: 1 (1 usable), will use epoll.

Available multiplexer protocols :
(protocols marked as <default> cannot be specified using 'proto' keyword)
  <default> : mode=HTTP  side=FE|BE  mux=H1    flags=HTX
         h1 : mode=HTTP  side=FE|BE  mux=H1    flags=HTX|NO_UPG
  <default> : mode=TCP   side=FE|BE  mux=PASS  flags=
       none : mode=TCP   side=FE|BE  mux=PASS  flags=NO_UPG

Available services : none

Available filters :
\t[TRACE] trace

",
        version = version_text()
    )
}

/// Parses the command line; the first item is the program name (as in `std::env::args_os`).
pub fn parse<I: IntoIterator<Item = OsString>>(args: I) -> Result<Cli, CliError> {
    let mut it = args.into_iter();
    let progname = it
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .and_then(|p| p.rsplit('/').next().map(str::to_string))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "haproxy".to_string());
    let args: Vec<String> = it.map(|a| a.to_string_lossy().into_owned()).collect();
    let usage = |alert: Option<String>| CliError::Usage {
        progname: progname.clone(),
        alert,
    };
    let long = rewrite(&args).map_err(|e| match e {
        Rewrite::Usage(alert) => usage(alert),
        Rewrite::Alert(msg) => CliError::Alert(msg),
    })?;
    let raw = Raw::try_parse_from(long).map_err(|_| usage(None))?;
    let cli = raw.into_cli(progname.clone());
    // `-cc` is evaluated before the configuration files are looked at; anything else
    // needs at least one.
    if cli.info.is_none() && cli.check_condition.is_none() && cli.config_files.is_empty() {
        return Err(usage(None));
    }
    Ok(cli)
}

/// HAProxy's `copy_argv()` (run before the flags are read): fails when one of
/// `-C -n -m -N -L -f -p -S` is the last argument.
fn copy_argv_ok(args: &[String]) -> bool {
    let mut i = 0usize;
    while let Some(arg) = args.get(i) {
        i += 1;
        let Some(flag) = arg.strip_prefix('-') else {
            continue;
        };
        let b = flag.as_bytes();
        match (
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ) {
            (b'-', 0) => return true,
            (b's', b'f' | b't') => {
                while args.get(i).is_some_and(|a| !a.starts_with('-')) {
                    i += 1;
                }
            }
            (b'x', _) => i += 1,
            (b'C' | b'n' | b'm' | b'N' | b'L' | b'f' | b'p' | b'S', _) => {
                if i >= args.len() {
                    return false;
                }
                i += 1;
            }
            _ => {}
        }
    }
    true
}

/// The canonical form clap reads (only produced by `rewrite`). Paths are read as
/// strings: clap's `PathBuf` parser refuses an empty value, which HAProxy accepts
/// (`-f ''` is "Cannot open configuration file/directory").
#[derive(Debug, Parser)]
#[command(
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Raw {
    #[arg(long = "f", allow_hyphen_values = true)]
    files: Vec<String>,
    #[arg(long = "v", action = ArgAction::Count)]
    version: u8,
    #[arg(long = "vv", action = ArgAction::Count)]
    build_options: u8,
    #[arg(long = "c", action = ArgAction::Count)]
    check: u8,
    #[arg(long = "cc", allow_hyphen_values = true)]
    check_condition: Vec<String>,
    #[arg(long = "q", action = ArgAction::Count)]
    quiet: u8,
    #[arg(long = "V", action = ArgAction::Count)]
    verbose: u8,
    #[arg(long = "d", action = ArgAction::Count)]
    debug: u8,
    #[arg(long = "db", action = ArgAction::Count)]
    foreground: u8,
    #[arg(long = "D", action = ArgAction::Count)]
    daemon: u8,
    #[arg(long = "W", action = ArgAction::Count)]
    master_worker: u8,
    #[arg(long = "Ws", action = ArgAction::Count)]
    systemd: u8,
    #[arg(long = "p", allow_hyphen_values = true)]
    pidfile: Vec<String>,
    #[arg(long = "sf", allow_hyphen_values = true)]
    sf: Vec<i32>,
    #[arg(long = "old-pids")]
    old_pids_action: Vec<String>,
    #[arg(long = "n", allow_hyphen_values = true)]
    maxconn: Vec<String>,
    #[arg(long = "N", allow_hyphen_values = true)]
    maxpconn: Vec<String>,
    #[arg(long = "m", allow_hyphen_values = true)]
    memmax: Vec<String>,
    #[arg(long = "C", allow_hyphen_values = true)]
    chdir: Vec<String>,
    #[arg(long = "L", allow_hyphen_values = true)]
    localpeer: Vec<String>,
    #[arg(long = "x", allow_hyphen_values = true)]
    unix_socket: Vec<String>,
    #[arg(long = "S", allow_hyphen_values = true)]
    master_cli: Vec<String>,
    #[arg(long = "de", action = ArgAction::Count)]
    no_epoll: u8,
    #[arg(long = "dp", action = ArgAction::Count)]
    no_poll: u8,
    #[arg(long = "dS", action = ArgAction::Count)]
    no_splice: u8,
    #[arg(long = "dG", action = ArgAction::Count)]
    no_getaddrinfo: u8,
    #[arg(long = "dR", action = ArgAction::Count)]
    no_reuseport: u8,
    #[arg(long = "dV", action = ArgAction::Count)]
    no_ssl_verify: u8,
    #[arg(long = "dW", action = ArgAction::Count)]
    zero_warning: u8,
    #[arg(long = "dD", action = ArgAction::Count)]
    diag: u8,
    #[arg(long = "dr", action = ArgAction::Count)]
    resolve_dontfail: u8,
    #[arg(long = "dL", action = ArgAction::Count)]
    dump_libs: u8,
    #[arg(long = "dK", allow_hyphen_values = true)]
    dump_keywords: Vec<String>,
    #[arg(long = "dM", allow_hyphen_values = true)]
    memory: Vec<String>,
}

impl Raw {
    fn into_cli(self, progname: String) -> Cli {
        let last_num = |v: &[String]| v.last().map(|s| atol(s));
        Cli {
            progname,
            config_files: self.files.into_iter().map(PathBuf::from).collect(),
            info: if self.build_options > 0 {
                Some(Info::BuildOptions)
            } else if self.version > 0 {
                Some(Info::Version)
            } else {
                None
            },
            check: self.check > 0,
            check_condition: self.check_condition.last().cloned(),
            quiet: self.quiet > 0,
            verbose: self.verbose > 0,
            debug: self.debug > 0,
            foreground: self.foreground > 0 || self.systemd > 0,
            daemon: self.daemon > 0,
            master_worker: self.master_worker > 0 || self.systemd > 0,
            systemd: self.systemd > 0,
            pidfile: self.pidfile.last().map(PathBuf::from),
            old_pids_action: self.old_pids_action.last().map(|a| {
                if a == "t" {
                    OldPids::Terminate
                } else {
                    OldPids::Finish
                }
            }),
            old_pids: self.sf,
            maxconn: last_num(&self.maxconn),
            maxpconn: last_num(&self.maxpconn),
            memmax_mb: last_num(&self.memmax),
            chdir: self.chdir.last().map(PathBuf::from),
            localpeer: self.localpeer.last().cloned(),
            unix_socket: self.unix_socket.last().map(PathBuf::from),
            master_cli: self.master_cli,
            debug_flags: DebugFlags {
                no_epoll: self.no_epoll > 0,
                no_poll: self.no_poll > 0,
                no_splice: self.no_splice > 0,
                no_getaddrinfo: self.no_getaddrinfo > 0,
                no_reuseport: self.no_reuseport > 0,
                no_ssl_verify: self.no_ssl_verify > 0,
                zero_warning: self.zero_warning > 0,
                diag: self.diag > 0,
                resolve_dontfail: self.resolve_dontfail > 0,
                dump_libs: self.dump_libs > 0,
                dump_keywords: self.dump_keywords.last().cloned(),
                memory: self.memory.last().cloned(),
            },
        }
    }
}

/// Why `rewrite` refused the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rewrite {
    /// Print the usage, after this ALERT if any.
    Usage(Option<String>),
    /// Print this ALERT and exit 1.
    Alert(String),
}

/// Rewrites HAProxy's argv (without the program name) into canonical long options, with
/// HAProxy 2.6's rules (`init()` in haproxy.c): flags are recognised by their first
/// letters; `-v` stops reading; `-sf`/`-st` take PIDs until an argument starting with `-`;
/// `-C -n -m -N -L -f -p -S -x -cc` take the next argument whatever it looks like; `--`
/// makes every remaining argument a configuration file.
fn rewrite(args: &[String]) -> Result<Vec<String>, Rewrite> {
    if !copy_argv_ok(args) {
        return Err(Rewrite::Alert("failed to copy argv.".to_string()));
    }
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(arg) = args.get(i) {
        let Some(flag) = arg.strip_prefix('-') else {
            return Err(Rewrite::Usage(None));
        };
        let b = flag.as_bytes();
        let first = b.first().copied().unwrap_or(0);
        let second = b.get(1).copied().unwrap_or(0);
        let next = args.get(i + 1);
        match (first, second) {
            (b'v', b'v') => {
                out.push("--vv".to_string());
                return Ok(out);
            }
            (b'v', _) => {
                out.push("--v".to_string());
                return Ok(out);
            }
            (b'V', _) => out.push("--V".to_string()),
            (b'd', b'e' | b'p' | b'S' | b'G' | b'R' | b'V' | b'b' | b'D' | b'W' | b'r' | b'L') => {
                out.push(format!("--d{}", char::from(second)));
            }
            (b'd', b'M') => out.push(format!("--dM={}", flag.get(2..).unwrap_or(""))),
            (b'd', b'K') => out.push(format!("--dK={}", flag.get(2..).unwrap_or(""))),
            (b'd', _) => out.push("--d".to_string()),
            (b'c', b'c') => {
                let Some(cond) = next else {
                    return Err(Rewrite::Usage(None));
                };
                out.push(format!("--cc={cond}"));
                i += 1;
            }
            (b'c', _) => out.push("--c".to_string()),
            (b'D', _) => out.push("--D".to_string()),
            (b'W', b's') => out.push("--Ws".to_string()),
            (b'W', _) => out.push("--W".to_string()),
            (b'q', _) => out.push("--q".to_string()),
            (b'x', _) => {
                let Some(path) = next else {
                    return Err(Rewrite::Usage(Some(
                        "Unix socket path expected with the -x flag".to_string(),
                    )));
                };
                out.push(format!("--x={path}"));
                i += 1;
            }
            (b's', b'f' | b't') => {
                out.push(format!(
                    "--old-pids={}",
                    if second == b'f' { "f" } else { "t" }
                ));
                while let Some(p) = args.get(i + 1).filter(|a| !a.starts_with('-')) {
                    let pid = parse_pid(flag, p)?;
                    out.push(format!("--sf={pid}"));
                    i += 1;
                }
            }
            (b'-', 0) => {
                for f in args.get(i + 1..).unwrap_or(&[]) {
                    out.push(format!("--f={f}"));
                }
                return Ok(out);
            }
            (b'C' | b'n' | b'm' | b'N' | b'L' | b'f' | b'p' | b'S', _) => {
                let Some(value) = next else {
                    return Err(Rewrite::Alert("failed to copy argv.".to_string()));
                };
                out.push(format!("--{}={value}", char::from(first)));
                i += 1;
            }
            _ => return Err(Rewrite::Usage(None)),
        }
        i += 1;
    }
    Ok(out)
}

/// One PID after `-sf`/`-st`, read like HAProxy (C `strtol`, trailing spaces allowed).
fn parse_pid(flag: &str, arg: &str) -> Result<i32, Rewrite> {
    let t = arg.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, digits_from) = match t.as_bytes().first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let body = t.get(digits_from..).unwrap_or("");
    let ndig = body.bytes().take_while(u8::is_ascii_digit).count();
    let (value, rest) = if ndig == 0 {
        (0i64, arg)
    } else {
        let digits = body.get(..ndig).unwrap_or("");
        let v: i64 = match digits.parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                return Err(Rewrite::Alert(format!(
                    "-{flag:>2} option: failed to parse {{{arg}}}: Numerical result out of range"
                )))
            }
        };
        (if neg { -v } else { v }, body.get(ndig..).unwrap_or(""))
    };
    if !rest
        .trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
        .is_empty()
    {
        return Err(Rewrite::Alert(format!(
            "-{flag:>2} option: some bytes unconsumed in PID list {{{rest}}}"
        )));
    }
    // HAProxy stores the long into an int: keep the low 32 bits like C would.
    #[allow(clippy::cast_possible_truncation)]
    let pid = value as i32;
    if pid <= 0 {
        return Err(Rewrite::Usage(None));
    }
    Ok(pid)
}

/// C's `atol()`: optional spaces and sign, then digits; anything else reads as 0.
fn atol(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for d in body.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

pub mod report;

#[cfg(test)]
mod tests;
