//! Keyword parsers, one file per keyword family, each exporting a `KEYWORDS` table of
//! [`Keyword`] (name, sections where it is allowed, parse function), so that a grep for
//! `"balance"` finds its parser.
//!
//! This file owns the dispatch: it finds the table entry for a line, reports unknown and
//! misplaced keywords with HAProxy's words (including its "did you mean" guess, computed
//! with HAProxy's own digram fingerprint, see [`best_match`]), and handles the `no` /
//! `default` prefixes of `option`.

pub mod acl;
pub mod addr;
pub mod balance;
pub mod bind;
pub mod check;
pub mod check_expect;
pub mod check_rules;
pub mod compression;
pub mod cookie;
pub mod errorfile;
pub mod fetches;
pub mod global;
pub mod global_kept;
pub mod h1_case;
pub mod http_rules;
pub mod log;
pub mod option;
pub mod pcre;
pub mod proxy;
pub mod proxy_kept;
pub mod sample;
pub mod server;
pub mod stats;
pub mod stick;
pub mod tcp_request;
pub mod timeout;
pub mod tune;
pub mod userlist;
pub mod vars;

use super::diag::{Diags, Level};
use super::lexer::Line;
use super::model::{Global, Proxy};
use super::section::SectionKind;

/// A set of sections where a keyword is allowed (bit flags).
pub type Sections = u8;
/// The `global` section.
pub const GLOBAL: Sections = 1;
/// `defaults` sections.
pub const DEFAULTS: Sections = 2;
/// `frontend` sections.
pub const FRONTEND: Sections = 4;
/// `backend` sections.
pub const BACKEND: Sections = 8;
/// `listen` sections.
pub const LISTEN: Sections = 16;
/// Keywords of the frontend side (`defaults`, `frontend`, `listen`).
pub const FE: Sections = DEFAULTS | FRONTEND | LISTEN;
/// Keywords of the backend side (`defaults`, `backend`, `listen`).
pub const BE: Sections = DEFAULTS | BACKEND | LISTEN;
/// Every proxy section.
pub const PROXIES: Sections = DEFAULTS | FRONTEND | BACKEND | LISTEN;
/// Every proxy section except `defaults`.
pub const NO_DEFAULTS: Sections = FRONTEND | BACKEND | LISTEN;
/// Frontend side, not in `defaults`.
pub const FE_ONLY: Sections = FRONTEND | LISTEN;
/// Backend side, not in `defaults`.
pub const BE_ONLY: Sections = BACKEND | LISTEN;

/// The bit of a section kind (0 for sections that have no keyword table here).
pub fn section_bit(kind: SectionKind) -> Sections {
    match kind {
        SectionKind::Global => GLOBAL,
        SectionKind::Defaults => DEFAULTS,
        SectionKind::Frontend => FRONTEND,
        SectionKind::Backend => BACKEND,
        SectionKind::Listen => LISTEN,
        _ => 0,
    }
}

/// How a keyword is parsed.
#[derive(Clone, Copy)]
pub enum Parse {
    /// A `global` keyword.
    Global(fn(&mut GlobalCtx<'_>, &Line)),
    /// A proxy keyword (`defaults`, `frontend`, `backend`, `listen`).
    Proxy(fn(&mut ProxyCtx<'_>, &Line)),
}

/// One entry of a `KEYWORDS` table.
#[derive(Clone, Copy)]
pub struct Keyword {
    /// The first word of the line.
    pub name: &'static str,
    /// Where it is allowed.
    pub sections: Sections,
    /// Its parser.
    pub parse: Parse,
}

/// What a global keyword parser works on.
pub struct GlobalCtx<'a> {
    /// The merged global section.
    pub global: &'a mut Global,
    /// Where messages go.
    pub diags: &'a mut Diags,
    /// An environment variable as line N of the file sees it (after the `setenv` lines
    /// before it).
    pub env: &'a dyn Fn(&str, u32) -> Option<String>,
    /// Set by a parser to stop reading the configuration (HAProxy's `ERR_ABORT`).
    pub abort: bool,
}

impl GlobalCtx<'_> {
    /// Records an alert about `line`.
    pub fn alert(&mut self, line: &Line, msg: impl Into<String>) {
        self.diags.alert(&line.loc, line.keyword(), msg);
    }
    /// Records an alert about `line` that leaves the configuration valid.
    pub fn alert_continue(&mut self, line: &Line, msg: impl Into<String>) {
        self.diags.alert_continue(&line.loc, line.keyword(), msg);
    }
    /// Records a warning about `line`.
    pub fn warning(&mut self, line: &Line, msg: impl Into<String>) {
        self.diags.warning(&line.loc, line.keyword(), msg);
    }
}

/// What a proxy keyword parser works on.
pub struct ProxyCtx<'a> {
    /// The proxy being built (a `defaults` section is a proxy too).
    pub proxy: &'a mut Proxy,
    /// Which section the line is in.
    pub section: SectionKind,
    /// True when the section is a named `defaults`.
    pub named_defaults: bool,
    /// The global section as known so far.
    pub global: &'a Global,
    /// The proxies declared before this one (for duplicate ids).
    pub others: &'a [Proxy],
    /// Where messages go.
    pub diags: &'a mut Diags,
    /// An environment variable as line N of the file sees it (after the `setenv` lines
    /// before it).
    pub env: &'a dyn Fn(&str, u32) -> Option<String>,
    /// `no` or `default` when the line started with it (only `option` accepts them).
    pub prefix: Option<&'static str>,
    /// Set by a parser to stop reading the configuration (HAProxy's `ERR_ABORT`).
    pub abort: bool,
    /// Set with `abort` when HAProxy reports the stop as "Could not open configuration
    /// file F : Success" (its reading loop returns -1 for a few keywords).
    pub open_failed: bool,
}

impl ProxyCtx<'_> {
    /// Records an alert about `line`.
    pub fn alert(&mut self, line: &Line, msg: impl Into<String>) {
        self.diags.alert(&line.loc, line.keyword(), msg);
    }
    /// Records a warning about `line`.
    pub fn warning(&mut self, line: &Line, msg: impl Into<String>) {
        self.diags.warning(&line.loc, line.keyword(), msg);
    }
    /// Records an alert printed with HAProxy's other prefix, `[file:line] : msg`
    /// (used by the `server` keywords).
    pub fn alert_bare(&mut self, line: &Line, msg: impl AsRef<str>) {
        self.diags
            .global(Level::Alert, format!("[{}] : {}", line.loc, msg.as_ref()));
    }
    /// True in a `defaults` section.
    pub fn in_defaults(&self) -> bool {
        self.section == SectionKind::Defaults
    }
    /// The section word HAProxy uses for this proxy in messages (`backend`, `listen`...).
    pub fn kind_word(&self) -> &'static str {
        self.section.keyword()
    }
    /// True if the proxy has the frontend capability (defaults count as both).
    pub fn has_fe(&self) -> bool {
        self.in_defaults() || self.proxy.cap.frontend
    }
    /// True if the proxy has the backend capability (defaults count as both).
    pub fn has_be(&self) -> bool {
        self.in_defaults() || self.proxy.cap.backend
    }
}

/// Every keyword table.
pub fn tables() -> [&'static [Keyword]; 18] {
    [
        global::KEYWORDS,
        proxy::KEYWORDS,
        bind::KEYWORDS,
        server::KEYWORDS,
        timeout::KEYWORDS,
        balance::KEYWORDS,
        option::KEYWORDS,
        cookie::KEYWORDS,
        check::KEYWORDS,
        stats::KEYWORDS,
        log::KEYWORDS,
        acl::KEYWORDS,
        http_rules::KEYWORDS,
        tcp_request::KEYWORDS,
        errorfile::KEYWORDS,
        userlist::KEYWORDS,
        stick::KEYWORDS,
        compression::KEYWORDS,
    ]
}

fn entries() -> impl Iterator<Item = &'static Keyword> {
    tables().into_iter().flat_map(|t| t.iter())
}

fn is_global(k: &Keyword) -> bool {
    matches!(k.parse, Parse::Global(_))
}

/// A section parser's context, as seen by the line loop of `config::load` (which adds
/// HAProxy's bookkeeping around each line).
pub trait LineCtx {
    /// Where messages go.
    fn diags(&mut self) -> &mut Diags;
    /// Parses one line of the section.
    fn parse_line(&mut self, line: &Line);
    /// True once a parser asked to stop reading (HAProxy's `ERR_ABORT`).
    fn aborted(&self) -> bool;
}

impl LineCtx for GlobalCtx<'_> {
    fn diags(&mut self) -> &mut Diags {
        self.diags
    }
    fn parse_line(&mut self, line: &Line) {
        parse_global_line(self, line);
    }
    fn aborted(&self) -> bool {
        self.abort
    }
}

impl LineCtx for ProxyCtx<'_> {
    fn diags(&mut self) -> &mut Diags {
        self.diags
    }
    fn parse_line(&mut self, line: &Line) {
        parse_proxy_line(self, line);
    }
    fn aborted(&self) -> bool {
        self.abort
    }
}

/// Parses one line of the `global` section.
pub fn parse_global_line(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let first = line.keyword();
    if (first == "no" || first == "default") && line.word(1).is_some() {
        const NEGATABLE: &[&str] = &[
            "busy-polling",
            "set-dumpable",
            "strict-limits",
            "insecure-fork-wanted",
            "numa-cpu-mapping",
        ];
        if line.word(1).is_some_and(|w| NEGATABLE.contains(&w)) {
            return;
        }
        let msg = format!("parsing [{}]: negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.", line.loc);
        ctx.diags.global(Level::Alert, msg);
        let shifted = Line {
            loc: line.loc.clone(),
            words: line.words.get(1..).unwrap_or(&[]).to_vec(),
        };
        parse_global_line(ctx, &shifted);
        return;
    }
    let kw = line.keyword();
    if let Some(extra) = global_extra_arg(line) {
        let msg = format!("'{kw}' cannot handle unexpected argument '{extra}'.");
        ctx.diags.alert(&line.loc, kw, msg);
        return;
    }
    if let Some(k) = entries().find(|k| is_global(k) && k.name == kw) {
        if let Parse::Global(f) = k.parse {
            f(ctx, line);
        }
        return;
    }
    if kw.starts_with("tune.") {
        tune::parse(ctx, line);
        return;
    }
    let names = entries().filter(|k| is_global(k)).map(|k| k.name);
    let msg = unknown_msg(kw, "global", names);
    ctx.alert(line, msg);
}

/// Parses one line of a proxy section (`defaults`, `frontend`, `backend`, `listen`).
pub fn parse_proxy_line(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let first = line.keyword();
    if (first == "no" || first == "default") && line.word(1).is_some() {
        if !matches!(line.word(1), Some("option" | "log")) {
            let msg = format!("parsing [{}]: negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.", line.loc);
            ctx.diags.global(Level::Alert, msg);
        }
        ctx.prefix = Some(if first == "no" { "no" } else { "default" });
        let shifted = Line {
            loc: line.loc.clone(),
            words: line.words.get(1..).unwrap_or(&[]).to_vec(),
        };
        dispatch(ctx, &shifted);
        ctx.prefix = None;
        return;
    }
    ctx.prefix = None;
    dispatch(ctx, line);
}

fn dispatch(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let kw = line.keyword();
    let bit = section_bit(ctx.section);
    let mut candidates = entries().filter(|k| !is_global(k) && k.name == kw);
    let Some(first) = candidates.next() else {
        let names = PROXY_CANDIDATES.iter().copied();
        let msg = unknown_msg(kw, ctx.section.keyword(), names);
        ctx.alert(line, msg);
        return;
    };
    if matches!(
        kw,
        "log-format" | "unique-id-format" | "log-format-sd" | "error-log-format"
    ) {
        // Checked before any capability warning, unlike the other keywords.
        if let Some(msg) = proxy_extra_arg(line) {
            ctx.alert(line, msg);
            return;
        }
    }
    let chosen = std::iter::once(first)
        .chain(candidates)
        .find(|k| k.sections & bit != 0);
    match chosen {
        Some(k) => run(ctx, k, line),
        None => {
            if misplaced(ctx, line, first.sections) {
                run(ctx, first, line);
            }
        }
    }
}

fn run(ctx: &mut ProxyCtx<'_>, k: &Keyword, line: &Line) {
    if let Some(msg) = proxy_extra_arg(line) {
        ctx.alert(line, msg);
        return;
    }
    if let Parse::Proxy(f) = k.parse {
        f(ctx, line);
    }
}

/// HAProxy's `too_many_args()` checks of the one-argument proxy keywords, made once the
/// keyword is known to apply to the section and before its value is read.
fn proxy_extra_arg(line: &Line) -> Option<String> {
    let kw = line.keyword();
    let extra = line.word(2)?;
    match kw {
        "maxconn" | "mode" | "backlog" | "id" | "default_backend" | "monitor-uri" | "fullconn" => {
            Some(format!(
                "'{kw}' cannot handle unexpected argument '{extra}'."
            ))
        }
        "log-format" | "unique-id-format" | "log-format-sd" | "error-log-format" => Some(format!(
            "{kw} expects only one argument, don't forget to escape spaces!"
        )),
        _ => None,
    }
}

/// Reports a keyword used where its table entry does not allow it. Returns true when
/// HAProxy still parses the line after its warning (it does, except in `defaults`).
fn misplaced(ctx: &mut ProxyCtx<'_>, line: &Line, allowed: Sections) -> bool {
    let kw = line.keyword();
    let (kind, name) = (ctx.kind_word(), ctx.proxy.name.clone());
    if ctx.in_defaults() {
        match kw {
            "id" | "description" => {
                let msg = format!(
                    "parsing [{}]: '{kw}' not allowed in 'defaults' section.",
                    line.loc
                );
                ctx.diags.global(Level::Alert, msg);
            }
            "stick-table" => ctx.alert(
                line,
                "'stick-table' is not supported in 'defaults' section.",
            ),
            _ => ctx.alert(line, format!("'{kw}' not allowed in 'defaults' section.")),
        }
        return false;
    }
    let need = if allowed & FRONTEND != 0 {
        "frontend"
    } else {
        "backend"
    };
    match kw {
        "log-format" => {
            let msg = format!("{kind} '{name}' : 'log-format' directive is ignored in backends.");
            ctx.warning(line, msg);
            return false;
        }
        "rate-limit" => {
            let msg = format!("rate-limit sessions will be ignored because {kind} '{name}' has no frontend capability");
            ctx.warning(line, msg);
            return false;
        }
        "retry-on" | "use-fcgi-app" => {
            ctx.alert(
                line,
                format!("'{kw}' only available in backend or listen section"),
            );
            return false;
        }
        _ => {}
    }
    let hint = match kw {
        "fullconn" => " Maybe you want 'maxconn' instead ?",
        "maxconn" => " Maybe you want 'fullconn' instead ?",
        _ => "",
    };
    let msg = format!("'{kw}' ignored because {kind} '{name}' has no {need} capability.{hint}");
    ctx.warning(line, msg);
    true
}

/// The words HAProxy 2.6 proposes for a misspelled proxy keyword, in its order: the
/// registered `listen` keywords (`haproxy -dKcfg`), then its `common_kw_list`.
pub(crate) const PROXY_CANDIDATES: &[&str] = &[
    "clitcpka-cnt",
    "clitcpka-idle",
    "clitcpka-intvl",
    "clitimeout",
    "compression",
    "contimeout",
    "declare",
    "errorfile",
    "errorfiles",
    "errorloc",
    "errorloc302",
    "errorloc303",
    "external-check",
    "filter",
    "http-check",
    "http-error",
    "max-keep-alive-queue",
    "rate-limit",
    "retry-on",
    "srvtcpka-cnt",
    "srvtcpka-idle",
    "srvtcpka-intvl",
    "srvtimeout",
    "tcp-check",
    "tcp-request",
    "tcp-response",
    "timeout",
    "use-fcgi-app",
    "listen",
    "frontend",
    "backend",
    "defaults",
    "server",
    "default-server",
    "server-template",
    "bind",
    "monitor-net",
    "monitor-uri",
    "mode",
    "id",
    "description",
    "disabled",
    "enabled",
    "acl",
    "dynamic-cookie-key",
    "cookie",
    "email-alert",
    "persist",
    "appsession",
    "load-server-state-from-file",
    "server-state-file-name",
    "max-session-srv-conns",
    "capture",
    "retries",
    "http-request",
    "http-response",
    "http-after-response",
    "http-send-name-header",
    "block",
    "redirect",
    "use_backend",
    "use-server",
    "force-persist",
    "ignore-persist",
    "force-persist",
    "stick-table",
    "stick",
    "stats",
    "option",
    "default_backend",
    "http-reuse",
    "monitor",
    "transparent",
    "maxconn",
    "backlog",
    "fullconn",
    "dispatch",
    "balance",
    "hash-type",
    "hash-balance-factor",
    "unique-id-format",
    "unique-id-header",
    "log-format",
    "log-format-sd",
    "log-tag",
    "log",
    "source",
    "usesrc",
    "error-log-format",
];

/// The first word past what a global keyword takes, for HAProxy's `too_many_args()` check
/// (made before the keyword reads its value).
fn global_extra_arg(line: &Line) -> Option<&str> {
    const NONE: &[&str] = &[
        "daemon",
        "quiet",
        "noepoll",
        "nopoll",
        "nosplice",
        "nogetaddrinfo",
        "noreuseport",
        "nokqueue",
        "noevports",
        "busy-polling",
        "set-dumpable",
        "strict-limits",
        "zero-warning",
        "insecure-fork-wanted",
        "insecure-setuid-wanted",
        "pp2-never-send-local",
        "external-check",
    ];
    const ONE: &[&str] = &[
        "pidfile",
        "ulimit-n",
        "chroot",
        "user",
        "group",
        "uid",
        "gid",
        "node",
        "nbthread",
        "maxconn",
        "master-worker",
        "profiling.tasks",
        "spread-checks",
        "max-spread-checks",
        "maxsslconn",
        "maxconnrate",
        "maxsessrate",
        "maxsslrate",
        "maxpipes",
        "maxcomprate",
        "maxcompcpuusage",
        "maxzlibmem",
        "cluster-secret",
        "log-tag",
        "localpeer",
        "fd-hard-limit",
        "thread-groups",
        "ssl-server-verify",
        "ssl-default-bind-ciphers",
        "tune.bufsize",
        "tune.maxrewrite",
        "tune.http.maxhdr",
    ];
    let kw = line.keyword();
    let takes = if NONE.contains(&kw) {
        0
    } else if ONE.contains(&kw) {
        1
    } else {
        return None;
    };
    line.word(takes + 1)
}

/// `unknown keyword 'x' in 'y' section[; did you mean 'z' maybe ?]`.
pub fn unknown_msg<'a>(
    kw: &str,
    section: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> String {
    match best_match(kw, names) {
        Some(m) => {
            format!("unknown keyword '{kw}' in '{section}' section; did you mean '{m}' maybe ?")
        }
        None => format!("unknown keyword '{kw}' in '{section}' section"),
    }
}

/// HAProxy's `cfg_find_best_match()`: the closest candidate, unless it is too far (more
/// than twice either word's length). One implementation: [`crate::config::diag::did_you_mean`].
pub fn best_match<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    super::diag::did_you_mean(word, candidates)
}

/// The request processing stages, in the order HAProxy runs them, with the article and
/// name its "placed after" warning uses.
const STAGES: &[(&str, &str)] = &[
    ("a", "tcp-request connection"),
    ("a", "tcp-request session"),
    ("a", "tcp-request content"),
    ("a", "monitor fail"),
    ("an", "http-request"),
    ("a", "redirect"),
    ("a", "use_backend"),
    ("a", "use-server"),
];

/// True if the proxy already has a rule of stage `i` (an index into [`STAGES`]).
fn has_stage(p: &Proxy, i: usize) -> bool {
    let other = |kw: &str, sub: Option<&str>| {
        p.other.iter().any(|r| {
            r.words.first().map(String::as_str) == Some(kw)
                && (sub.is_none() || r.words.get(1).map(String::as_str) == sub)
        })
    };
    let tcp = |sub: &str| {
        p.tcp_request
            .iter()
            .any(|r| r.words.get(1).map(String::as_str) == Some(sub))
    };
    match i {
        0 => tcp("connection"),
        1 => tcp("session"),
        2 => tcp("content"),
        3 => other("monitor", Some("fail")),
        4 => !p.http_request.is_empty(),
        5 => other("redirect", None),
        6 => !p.use_backends.is_empty(),
        7 => other("use-server", None),
        _ => false,
    }
}

/// HAProxy's warning for a rule written after rules of a later processing stage:
/// `a 'tcp-request' rule placed after an 'http-request' rule will still be processed
/// before.` `stage` is the index of the new rule's stage in `STAGES` (0 tcp-request
/// connection, 1 session, 2 content, 3 monitor fail, 4 http-request, 5 redirect, 6 use_backend).
pub fn warn_misplaced_rule(ctx: &mut ProxyCtx<'_>, line: &Line, stage: usize) {
    let later = (stage + 1..STAGES.len()).find(|&i| has_stage(ctx.proxy, i));
    if let Some((article, name)) = later.and_then(|i| STAGES.get(i)) {
        let kw = line.keyword();
        let msg = format!(
            "a '{kw}' rule placed after {article} '{name}' rule will still be processed before."
        );
        ctx.warning(line, msg);
    }
}

/// Joins the words of `line` from index `from` with spaces (for values HAProxy keeps whole).
pub fn rest(line: &Line, from: usize) -> String {
    line.words
        .get(from..)
        .map(|w| w.join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_taken_for_retries() {
        let names = entries()
            .filter(|k| !is_global(k) && k.sections & LISTEN != 0)
            .map(|k| k.name);
        assert_eq!(best_match("refresh", names), Some("retries"));
    }

    #[test]
    fn far_words_get_no_suggestion() {
        assert_eq!(best_match("zzzzzzzzzzzz", ["mode", "bind"]), None);
    }

    #[test]
    fn every_keyword_has_at_least_one_section() {
        assert!(entries().all(|k| k.sections != 0));
    }

    #[test]
    fn no_log_clears_inherited_targets() {
        let text = "defaults\n log 127.0.0.1 local0\nbackend b\n no log\n";
        let l = crate::config::load_texts(&[("n.cfg", text)], &|_| None).unwrap();
        assert!(l.config.proxies[0].logs.is_empty());
    }

    #[test]
    fn a_negated_keyword_other_than_option_or_log_alerts_then_parses() {
        let d =
            crate::config::load_texts(&[("n.cfg", "listen l\n no mode\n")], &|_| None).unwrap_err();
        assert!(d.list[0].msg.starts_with(
            "parsing [n.cfg:2]: negation/default currently supported only for options, log"
        ));
        assert_eq!(d.list[1].msg, "unknown proxy mode ''.");
    }

    #[test]
    fn rules_written_after_later_stages_warn() {
        let text = "frontend f\n bind :8080\n use_backend b if TRUE\n http-request deny if FALSE\nbackend b\n";
        let l = crate::config::load_texts(&[("r.cfg", text)], &|_| None).unwrap();
        assert_eq!(
            l.diags.list[0].msg,
            "a 'http-request' rule placed after a 'use_backend' rule will still be processed before."
        );
    }
}
