//! Loading `haproxy.cfg`: text to a typed, validated [`model::Config`].
//!
//! ```text
//!  files (-f FILE|DIR) ──read──▶ lexer::lex ──▶ Vec<Line>   (quotes, escapes, ${ENV}, .if,
//!                                     │                         setenv overlay: lexer::Env)
//!                                     │
//!                               section::group ──▶ Vec<Section>   (one file at a time)
//!                                     │
//!                     kw::* tables (one per keyword family, defaults inheritance)
//!                                     │
//!                                validate ──▶ Config + warnings
//!                                     │
//!                         server host names resolved (std ToSocketAddrs)
//!                                     │
//!                  dynamic_cookie::apply (`cookie ... dynamic` server cookies)
//! ```
//!
//! Every stage pushes into one [`diag::Diags`]; nothing stops at the first error, except
//! where HAProxy itself stops (a broken section header). A proxy starts as a copy of the
//! `defaults` section it inherits from (the last one before it, or `from NAME`), then its
//! own lines apply. This room imports no other room of the crate, so `haproxy -c` never
//! touches the runtime.

pub mod cond;
pub mod diag;
pub mod dynamic_cookie;
pub mod inactive;
pub mod kw;
pub mod lexer;
pub mod model;
pub mod section;
pub mod units;
pub mod unsupported;
pub mod validate;

#[cfg(test)]
mod compat_tests;
#[cfg(test)]
mod robustness_tests;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use diag::{Diags, Level, Loc};
use model::{Compression, Config, Proxy, ProxyKind, RawRule, RawSection, ServerAddr};
use section::{Section, SectionKind};

pub use validate::has_listeners;

/// A configuration that loaded without errors, and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Notices, warnings and the alerts HAProxy continues after (no fatal alert).
    pub diags: Diags,
}

/// Loads the files and directories given with `-f`, in order. A directory contributes its
/// `*.cfg` files in lexical order. Environment variables come from the process.
///
/// On failure, the returned diagnostics end with HAProxy's closing alerts
/// (`Error(s) found in configuration file : F`, `Fatal errors found in configuration.`).
pub fn load(paths: &[PathBuf]) -> Result<Loaded, Diags> {
    let env = |name: &str| std::env::var(name).ok();
    let files = config_files(paths)?;
    let mut diags = Diags::new();
    let mut texts = Vec::new();
    for f in files {
        match std::fs::read(&f) {
            Ok(bytes) => texts.push((
                f.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )),
            Err(e) => {
                let msg = format!(
                    "Cannot open configuration file/directory {} : {}",
                    f.display(),
                    strerror(&e)
                );
                diags.global(Level::Alert, msg);
                return Err(diags);
            }
        }
    }
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut out = load_texts(&refs, &env);
    if let Err(d) = &mut out {
        let mut all = diags;
        all.extend(std::mem::take(d));
        *d = all;
    }
    out
}

/// The files the `-f` arguments name, in order: files as given, directories as their
/// `*.cfg` files in lexical order. An empty result means HAProxy would print its usage.
/// A missing path is HAProxy's "Cannot open configuration file/directory" alert.
pub fn config_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Diags> {
    let mut files = Vec::new();
    for p in paths {
        match list_files(p) {
            Ok(mut f) => files.append(&mut f),
            Err(e) => {
                let mut diags = Diags::new();
                let msg = format!(
                    "Cannot open configuration file/directory {} : {}",
                    p.display(),
                    strerror(&e)
                );
                diags.global(Level::Alert, msg);
                return Err(diags);
            }
        }
    }
    Ok(files)
}

/// Loads configuration texts already in memory: `(file name, content)` pairs, in order.
/// This is [`load`] without the file system (handy for tests and `-c` of generated text).
pub fn load_texts(
    files: &[(&str, &str)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Diags> {
    load_texts_with(files, env, &system_resolve)
}

/// Resolves a server host name and port to its first address (the system resolver).
fn system_resolve(host: &str, port: u16) -> Option<SocketAddr> {
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
}

/// [`load_texts`] with the host name resolver given (tests pass one that never asks DNS).
pub(crate) fn load_texts_with(
    files: &[(&str, &str)],
    env: &dyn Fn(&str) -> Option<String>,
    resolve: &dyn Fn(&str, u16) -> Option<SocketAddr>,
) -> Result<Loaded, Diags> {
    let mut b = Builder::default();
    // The `setenv` family of `global` changes this as the files are read.
    let mut env = lexer::Env::new(env);
    for (file_no, (name, text)) in files.iter().enumerate() {
        let before = b
            .diags
            .list
            .iter()
            .filter(|d| d.level == Level::Alert)
            .count();
        // The lexer's messages are held back and interleaved by line number with the
        // keyword parsers' ones, so that the output keeps HAProxy's file order.
        let mut lexer_diags = Diags::new();
        let lexed = lexer::lex_file_in(file_no, name, text.as_bytes(), &mut env, &mut lexer_diags);
        b.pending = lexer_diags.list.into();
        let mut group_diags = Diags::new();
        let grouped = section::group_file(lexed.lines, &mut group_diags);
        let first_line = grouped.sections.first().map_or(u32::MAX, |s| s.loc.line);
        flush_pending(&mut b.pending, &mut b.diags, first_line);
        b.diags.extend(group_diags);
        let env_at = |var: &str, line: u32| env.get_before(var, file_no, line);
        for s in grouped.sections {
            b.section(s, &env_at);
            if b.aborted || b.stopped {
                break;
            }
        }
        flush_pending(&mut b.pending, &mut b.diags, u32::MAX);
        b.aborted |= lexed.aborted;
        let after = b
            .diags
            .list
            .iter()
            .filter(|d| d.level == Level::Alert)
            .count();
        if after > before && !b.open_failed {
            b.diags.global(
                Level::Alert,
                format!("Error(s) found in configuration file : {name}"),
            );
        }
        if grouped.aborted || b.aborted {
            // HAProxy stops reading at once and skips the validity checks and their
            // closing "Fatal errors" line.
            return Err(b.diags);
        }
        if b.stopped {
            break;
        }
    }
    let mut diags = b.diags;
    let mut config = b.config;
    if !diags.has_errors() {
        validate::validate(&mut config, &mut diags);
    }
    if !diags.has_errors() {
        resolve_servers(&mut config, &mut diags, resolve);
    }
    if !diags.has_errors() {
        dynamic_cookie::apply(&mut config, &mut diags);
    }
    if diags.has_errors() {
        diags.global(Level::Alert, "Fatal errors found in configuration.");
        return Err(diags);
    }
    validate::server_state_file(&config, &mut diags);
    Ok(Loaded { config, diags })
}

/// The files a `-f` argument names: itself, or a directory's `*.cfg` in lexical order.
fn list_files(p: &Path) -> std::io::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(p)?;
    if !meta.is_dir() {
        return Ok(vec![p.to_path_buf()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(p)? {
        let path = entry?.path();
        let is_cfg = path.extension().is_some_and(|e| e == "cfg");
        let is_file = std::fs::metadata(&path)
            .map(|m| m.is_file())
            .unwrap_or(false);
        if is_cfg && is_file {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The C library's wording of an I/O error, as HAProxy prints it.
fn strerror(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "No such file or directory".into(),
        ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s.get(..i).unwrap_or(&s).to_string(),
                None => s,
            }
        }
    }
}

/// The state of a load in progress.
#[derive(Default)]
struct Builder {
    config: Config,
    diags: Diags,
    /// Every `defaults` section so far: (name, parsed proxy).
    defaults: Vec<(Option<String>, Proxy)>,
    /// The last `defaults` section, which unnamed inheritance uses.
    last_defaults: Option<Proxy>,
    aborted: bool,
    /// The abort was reported as HAProxy's odd "Could not open configuration file".
    open_failed: bool,
    /// Lexer messages of the current file not yet reported.
    pending: std::collections::VecDeque<diag::Diag>,
    /// Lines that raised an alert so far (HAProxy gives up after 50).
    fatal: usize,
    /// Set once HAProxy's "too many fatal errors" limit was hit.
    stopped: bool,
}

/// Moves the held-back lexer messages about lines up to `line` into `diags`.
fn flush_pending(
    pending: &mut std::collections::VecDeque<diag::Diag>,
    diags: &mut Diags,
    line: u32,
) {
    while let Some(d) = pending.front() {
        if diag_line(d).is_some_and(|l| l > line) {
            break;
        }
        if let Some(d) = pending.pop_front() {
            diags.list.push(d);
        }
    }
}

/// The line a diagnostic is about: its `loc`, or the `[file:line]` its text starts with
/// (the lexer writes HAProxy's `parsing [f:l]: ` form into the text itself).
fn diag_line(d: &diag::Diag) -> Option<u32> {
    if let Some(l) = &d.loc {
        return Some(l.line);
    }
    let inner = d.msg.strip_prefix("parsing [")?;
    let end = inner.find(']')?;
    let place = inner.get(..end)?;
    place.rsplit_once(':')?.1.parse().ok()
}

/// The few checks HAProxy makes while reading a `ring` section that we keep inactive.
fn ring_checks(s: &Section, diags: &mut Diags) {
    for l in &s.lines {
        if l.keyword() != "size" {
            continue;
        }
        let arg = l.word(1).unwrap_or("");
        if let Ok(n) = units::parse_size(arg) {
            if n < 16384 {
                let name = s.name.as_deref().unwrap_or("");
                let msg = format!("ignoring new size '{arg}' that is smaller than current size '16384' for ring '{name}'.");
                diags.warning(&l.loc, "size", msg);
            }
        }
    }
}

/// Feeds a section's lines to its parser with HAProxy's bookkeeping around each one: held-back
/// lexer messages first, then the "too many fatal errors" cut-off, then counting the lines that
/// raised an alert. Stops at a parser's abort; true when the cut-off stopped the reading.
fn each_line(
    pending: &mut std::collections::VecDeque<diag::Diag>,
    fatal: &mut usize,
    ctx: &mut impl kw::LineCtx,
    lines: &[lexer::Line],
) -> bool {
    for line in lines {
        flush_pending(pending, ctx.diags(), line.loc.line);
        if too_many(fatal, ctx.diags(), &line.loc) {
            return true;
        }
        let before = alerts(ctx.diags());
        ctx.parse_line(line);
        *fatal += usize::from(alerts(ctx.diags()) > before);
        if ctx.aborted() {
            break;
        }
    }
    false
}

/// Number of alerts recorded so far.
fn alerts(d: &Diags) -> usize {
    d.list.iter().filter(|x| x.level == Level::Alert).count()
}

/// HAProxy stops reading after 50 lines with fatal errors; true when `line` is past that.
fn too_many(fatal: &mut usize, diags: &mut Diags, loc: &Loc) -> bool {
    if *fatal < 50 {
        return false;
    }
    let msg = format!(
        "parsing [{}]: too many fatal errors ({}), stopping now.",
        loc, *fatal
    );
    diags.global(Level::Alert, msg);
    *fatal = 0;
    true
}

impl Builder {
    /// Parses one section; `env` looks a variable up as a line (its number) of the file sees it.
    fn section(&mut self, s: Section, env: &dyn Fn(&str, u32) -> Option<String>) {
        flush_pending(&mut self.pending, &mut self.diags, s.loc.line);
        if too_many(&mut self.fatal, &mut self.diags, &s.loc) {
            self.stopped = true;
            return;
        }
        match s.kind {
            SectionKind::Global => {
                let mut ctx = kw::GlobalCtx {
                    global: &mut self.config.global,
                    diags: &mut self.diags,
                    env,
                    abort: false,
                };
                let (pending, fatal) = (&mut self.pending, &mut self.fatal);
                self.stopped |= each_line(pending, fatal, &mut ctx, &s.lines);
                self.aborted |= ctx.abort;
            }
            SectionKind::Defaults
            | SectionKind::Frontend
            | SectionKind::Backend
            | SectionKind::Listen => {
                self.proxy_section(&s, env);
            }
            SectionKind::Userlist => {
                if let Some(ul) =
                    kw::userlist::parse_userlist(&s, &self.config.userlists, &mut self.diags)
                {
                    self.config.userlists.push(ul);
                }
            }
            _ => {
                if s.kind == SectionKind::Ring {
                    ring_checks(&s, &mut self.diags);
                }
                if s.kind == SectionKind::HttpErrors {
                    let files = kw::errorfile::parse_http_errors(&s, &mut self.diags);
                    let name = s.name.clone().unwrap_or_default();
                    self.config.http_errors.push((name, files));
                }
                self.config.other_sections.push(RawSection {
                    kind: s.kind.keyword().to_string(),
                    name: s.name.clone().unwrap_or_default(),
                    loc: s.loc.clone(),
                    lines: s
                        .lines
                        .iter()
                        .map(|l| RawRule {
                            loc: l.loc.clone(),
                            words: l.words.clone(),
                        })
                        .collect(),
                });
            }
        }
        self.diags.extend(s.trailing);
    }

    /// The defaults a new proxy or defaults section starts from.
    fn base(&mut self, s: &Section) -> Option<Proxy> {
        match &s.from {
            Some(name) => {
                let what = s.kind.keyword();
                let own = s.name.as_deref().unwrap_or("");
                let mut found = self
                    .defaults
                    .iter()
                    .filter(|(n, _)| n.as_deref() == Some(name.as_str()));
                match (found.next(), found.next()) {
                    (Some((_, p)), None) => {
                        let has_rules = !p.http_request.is_empty()
                            || !p.http_response.is_empty()
                            || !p.tcp_request.is_empty();
                        if s.kind == SectionKind::Defaults && has_rules {
                            let msg = format!(
                                "parsing [{}]: a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at {}).",
                                s.loc, p.loc
                            );
                            self.diags.global(Level::Alert, msg);
                            self.aborted = true;
                            return None;
                        }
                        Some(p.clone())
                    }
                    (Some((_, a)), Some((_, b))) => {
                        let msg = format!(
                            "ambiguous defaults section name '{name}' referenced by {what} '{own}' exists at least at {} and {}.",
                            a.loc, b.loc
                        );
                        self.diags.alert(&s.loc, what, msg);
                        None
                    }
                    _ => {
                        let msg =
                            format!("defaults section '{name}' not found for {what} '{own}'.");
                        self.diags.alert(&s.loc, what, msg);
                        self.aborted = true;
                        None
                    }
                }
            }
            // A new `defaults` section starts from HAProxy's built-in values.
            None if s.kind == SectionKind::Defaults => None,
            None => self.last_defaults.clone(),
        }
    }

    fn proxy_section(&mut self, s: &Section, env: &dyn Fn(&str, u32) -> Option<String>) {
        let name = s.name.clone().unwrap_or_default();
        let kind = match s.kind {
            SectionKind::Frontend => ProxyKind::Frontend,
            SectionKind::Backend => ProxyKind::Backend,
            _ => ProxyKind::Listen,
        };
        if s.kind != SectionKind::Defaults {
            self.check_duplicate(s, kind, &name);
        }
        let base = self.base(s);
        if self.aborted {
            return;
        }
        let mut proxy = match base {
            Some(d) => inherit(d, &name, kind, &s.loc),
            None => Proxy::new(name.clone(), kind, s.loc.clone()),
        };
        let mut ctx = kw::ProxyCtx {
            proxy: &mut proxy,
            section: s.kind,
            named_defaults: s.kind == SectionKind::Defaults && s.name.is_some(),
            global: &self.config.global,
            others: &self.config.proxies,
            diags: &mut self.diags,
            env,
            prefix: None,
            abort: false,
            open_failed: false,
        };
        let (pending, fatal) = (&mut self.pending, &mut self.fatal);
        self.stopped |= each_line(pending, fatal, &mut ctx, &s.lines);
        let (abort, open_failed) = (ctx.abort, ctx.open_failed);
        if open_failed {
            let file = line_file(&s.loc);
            let msg = format!("Could not open configuration file {file} : Success");
            self.diags.global(Level::Alert, msg);
            self.open_failed = true;
        }
        self.aborted |= abort;
        if s.kind == SectionKind::Defaults {
            self.defaults.push((s.name.clone(), proxy.clone()));
            self.last_defaults = Some(proxy);
        } else {
            self.config.proxies.push(proxy);
        }
    }

    /// HAProxy refuses two proxies with the same name when their capabilities overlap.
    fn check_duplicate(&mut self, s: &Section, kind: ProxyKind, name: &str) {
        let cap = kind.cap();
        let clash = self.config.proxies.iter().find(|p| {
            p.name == name && ((p.cap.frontend && cap.frontend) || (p.cap.backend && cap.backend))
        });
        if let Some(p) = clash {
            let other = if p.kind == ProxyKind::Listen {
                "proxy"
            } else {
                p.kind.keyword()
            };
            let msg = format!(
                "Parsing [{}]: {} '{}' has the same name as {} '{}' declared at {}.",
                s.loc,
                if kind == ProxyKind::Listen {
                    "proxy"
                } else {
                    kind.keyword()
                },
                name,
                other,
                p.name,
                p.loc
            );
            self.diags.global(Level::Alert, msg);
        }
    }
}

fn line_file(loc: &Loc) -> Arc<str> {
    loc.file.clone()
}

/// A new proxy built as a copy of a `defaults` section: what a proxy inherits.
fn inherit(mut d: Proxy, name: &str, kind: ProxyKind, loc: &Loc) -> Proxy {
    let fresh = Proxy::new(name, kind, loc.clone());
    if !fresh.cap.frontend {
        // Log formats are only inherited by proxies with the frontend capability.
        d.options.httplog = false;
        d.options.tcplog = false;
        d.options
            .flags
            .retain(|f| f != "httplog-clf" && f != "httpslog");
        d.options.log_option_loc = None;
        d.log_format = None;
        d.log_format_loc = None;
        // So are the frontend-only settings.
        d.default_backend = None;
        d.monitor_uri = None;
    }
    d.checks = d.checks.inherited();
    d.compression = d.compression.as_ref().map(Compression::inherited);
    Proxy {
        name: fresh.name,
        loc: fresh.loc,
        kind: fresh.kind,
        cap: fresh.cap,
        binds: fresh.binds,
        servers: fresh.servers,
        use_backends: fresh.use_backends,
        acls: fresh.acls,
        description: fresh.description,
        id: fresh.id,
        ..d
    }
}

/// Resolves server host names (after validation, as HAProxy does), reporting failures
/// with HAProxy's words.
fn resolve_servers(
    config: &mut Config,
    diags: &mut Diags,
    resolve: &dyn Fn(&str, u16) -> Option<SocketAddr>,
) {
    let mut failed = false;
    for p in &mut config.proxies {
        for s in &mut p.servers {
            let ServerAddr::Host(host, port) = &s.addr else {
                continue;
            };
            let found = resolve(host, *port);
            match found {
                Some(a) => s.addr = ServerAddr::Inet(a),
                None => {
                    let msg = format!(
                        "[{}] : 'server {}/{}' : could not resolve address '{}'.",
                        s.loc, p.name, s.name, host
                    );
                    diags.global(Level::Alert, msg);
                    failed = true;
                }
            }
        }
    }
    if failed {
        diags.global(Level::Alert, "Failed to initialize server(s) addr.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn load_one(text: &str) -> Result<Loaded, Diags> {
        load_texts(&[("t.cfg", text)], &|_| None)
    }

    #[test]
    fn a_simple_config_loads_with_defaults_applied() {
        let l = load_one(
            "global\n maxconn 100\ndefaults\n mode http\n timeout connect 5s\n timeout client 30s\n timeout server 30s\n\
             frontend f\n bind :8080\n default_backend b\nbackend b\n balance leastconn\n server s1 127.0.0.1:9000 weight 3\n",
        )
        .unwrap();
        let c = &l.config;
        assert_eq!(c.global.maxconn, Some(100));
        let f = c.frontend("f").unwrap();
        assert_eq!(f.mode, model::Mode::Http);
        assert_eq!(f.timeouts.client, Some(Duration::from_secs(30)));
        assert_eq!(f.default_backend.as_deref(), Some("b"));
        assert_eq!(
            f.binds[0].addrs,
            vec![model::BindAddr::Inet("0.0.0.0:8080".parse().unwrap())]
        );
        let b = c.backend("b").unwrap();
        assert_eq!(b.balance, model::Balance::LeastConn);
        assert_eq!(b.servers[0].params.weight, 3);
        assert_eq!(
            b.servers[0].addr,
            ServerAddr::Inet("127.0.0.1:9000".parse().unwrap())
        );
        assert!(l.diags.list.is_empty(), "{:?}", l.diags);
    }

    #[test]
    fn each_proxy_takes_the_defaults_section_before_it() {
        let l = load_one(
            "defaults\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\nbackend a\n\
             defaults\n mode tcp\n timeout connect 2s\n timeout client 1s\n timeout server 1s\nbackend b\n",
        )
        .unwrap();
        assert_eq!(l.config.backend("a").unwrap().mode, model::Mode::Http);
        assert_eq!(l.config.backend("b").unwrap().mode, model::Mode::Tcp);
        assert_eq!(
            l.config.backend("b").unwrap().timeouts.connect,
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn a_new_defaults_section_starts_from_builtin_values() {
        let l = load_one(
            "defaults\n mode http\n retries 7\ndefaults\n timeout connect 1s\nbackend b\n",
        )
        .unwrap();
        let b = l.config.backend("b").unwrap();
        assert_eq!((b.mode, b.retries), (model::Mode::Tcp, 3));
        assert_eq!(b.timeouts.connect, Some(Duration::from_secs(1)));
    }

    #[test]
    fn from_picks_a_named_defaults_section() {
        let l = load_one(
            "defaults web\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n\
             defaults other\n mode tcp\nbackend b from web\n",
        )
        .unwrap();
        assert_eq!(l.config.backend("b").unwrap().mode, model::Mode::Http);
    }

    #[test]
    fn several_global_sections_are_merged() {
        let l = load_one("global\n maxconn 5\nglobal\n daemon\n").unwrap();
        assert_eq!(l.config.global.maxconn, Some(5));
        assert!(l.config.global.daemon);
    }

    #[test]
    fn errors_end_with_haproxys_closing_alerts() {
        let d = load_one("frontend f\n mode foo\n").unwrap_err();
        assert_eq!(
            d.render(1),
            "[ALERT]    (1) : config : parsing [t.cfg:2] : unknown proxy mode 'foo'.\n\
             [ALERT]    (1) : config : Error(s) found in configuration file : t.cfg\n\
             [ALERT]    (1) : config : Fatal errors found in configuration.\n"
        );
    }

    #[test]
    fn a_missing_file_is_worded_like_haproxy() {
        let d = load(&[PathBuf::from("/nonexistent")]).unwrap_err();
        assert_eq!(
            d.render(1),
            "[ALERT]    (1) : config : Cannot open configuration file/directory /nonexistent : No such file or directory\n"
        );
    }

    #[test]
    fn a_directory_contributes_its_cfg_files_in_order() {
        let dir = std::env::temp_dir().join(format!("kw-dir-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.cfg"), "backend b2\n").unwrap();
        std::fs::write(dir.join("a.cfg"), "backend b1\n").unwrap();
        std::fs::write(dir.join("c.txt"), "garbage here\n").unwrap();
        let l = load(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = l.config.proxies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b1", "b2"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn duplicate_backends_are_refused() {
        let d = load_one("backend b\nbackend b\n").unwrap_err();
        assert_eq!(
            d.list[0].msg,
            "Parsing [t.cfg:2]: backend 'b' has the same name as backend 'b' declared at t.cfg:1."
        );
    }

    #[test]
    fn setenv_in_one_file_reaches_the_lines_and_files_after_it() {
        // As `haproxy -c -f a.cfg -f b.cfg` does (checked with HAProxy 2.6).
        let files = [
            ("a.cfg", "global\n setenv B b1\n"),
            ("b.cfg", "backend \"${B}\"\nbackend \"${B}x\"\n"),
        ];
        let l = load_texts(&files, &|_| None).unwrap();
        let names: Vec<_> = l.config.proxies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b1", "b1x"]);
    }

    #[test]
    fn setenv_leaves_the_process_environment_alone() {
        let text = "global\n setenv HAPROXY_RS_SETENV_TEST 1\n";
        load_texts(&[("a.cfg", text)], &|k| std::env::var(k).ok()).unwrap();
        assert!(std::env::var("HAPROXY_RS_SETENV_TEST").is_err());
    }

    #[test]
    fn a_frontend_and_a_backend_may_share_a_name() {
        assert!(load_one("frontend x\nbackend x\n").is_ok());
    }
}
