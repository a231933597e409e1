//! The runtime side of a frontend (or the frontend half of a `listen`): its settings and
//! backend selection (`use_backend ... if|unless COND`, `default_backend`; a `listen` falls
//! back to itself). configuration.txt 4.2 "use_backend", "default_backend".

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::model::{
    Acl, Bind, Cond, ForwardFor, HttpConnMode, HttpRule, Mode, Proxy, ProxyKind,
};

use super::acl::{self, Ctx, Regexes};
use super::backend::Backend;
use super::errorfile::ErrorPages;
use super::sample::{self, Sample};
use super::stick::Slots;
use super::stream::LogHook;
use super::ProxyError;

impl std::fmt::Debug for Frontend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frontend")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A frontend at runtime.
pub struct Frontend {
    /// The proxy name.
    pub name: String,
    /// The proxy id (`id`, or assigned at load in declaration order): `fe_id`.
    pub id: i64,
    /// Stick tables: `tcp-request` tracking, counter ACLs.
    pub stick: super::stick::ProxyStickRt,
    /// `frontend` or `listen`.
    pub kind: ProxyKind,
    /// `mode`.
    pub mode: Mode,
    /// `bind` lines.
    pub binds: Vec<Bind>,
    /// `maxconn`.
    pub maxconn: Option<u32>,
    /// `timeout client`.
    pub client_timeout: Option<Duration>,
    /// `timeout http-request`.
    pub http_request_timeout: Option<Duration>,
    /// `timeout http-keep-alive`.
    pub http_keep_alive_timeout: Option<Duration>,
    /// `timeout tunnel` of the frontend (a `listen` uses it for TCP).
    pub tunnel_timeout: Option<Duration>,
    /// `timeout tarpit` (else `timeout connect`): how long `http-request tarpit` holds.
    pub tarpit_timeout: Option<Duration>,
    /// `acl` lines.
    pub acls: Vec<Acl>,
    /// `http-request` rules.
    pub http_request: Vec<HttpRule>,
    /// `http-response` rules.
    pub http_response: Vec<HttpRule>,
    /// `monitor-uri`.
    pub monitor_uri: Option<String>,
    /// `use_backend` rules, resolved.
    pub use_backends: Vec<(Option<Cond>, UseTarget)>,
    /// Every backend by name, for `use_backend` names built from samples (`%[...]`).
    pub all_backends: HashMap<String, Arc<Backend>>,
    /// `default_backend`, or the `listen` itself.
    pub default_backend: Option<Arc<Backend>>,
    /// For a `listen`: its own backend half (whose rules are this proxy's rules).
    pub own_backend: Option<Arc<Backend>>,
    /// `option forwardfor`.
    pub forwardfor: Option<ForwardFor>,
    /// `option originalto`.
    pub originalto: Option<ForwardFor>,
    /// HTTP connection mode.
    pub conn_mode: HttpConnMode,
    /// `option tcpka` / `clitcpka`: SO_KEEPALIVE on client connections.
    pub tcpka: bool,
    /// `option nolinger`: client connections are reset rather than lingering on close.
    pub nolinger: bool,
    /// `option http-ignore-probes`.
    pub ignore_probes: bool,
    /// `option http-buffer-request`: the request body is waited for before the backend.
    pub buffer_request: bool,
    /// The request parser's limits (`tune.bufsize`, `tune.maxrewrite`, `tune.http.maxhdr`)
    /// and `option accept-invalid-http-request`.
    pub limits: crate::http::Limits,
    /// `h1-case-adjust` for responses to clients, under `option h1-case-adjust-bogus-client`.
    pub case_adjust: Option<Arc<crate::http::write::CaseMap>>,
    /// `compression algo|type|offload`.
    pub compression: Option<crate::config::model::Compression>,
    /// `errorfile` pages.
    pub errors: ErrorPages,
    /// `tcp-request inspect-delay`, when `use_backend` rules need the stream's first bytes
    /// (`req_ssl_sni`, `req_ssl_hello_type`, `req_len`).
    pub inspect_delay: Option<Duration>,
    /// `tcp-request connection|content accept|reject [if|unless COND]` rules, in order.
    pub tcp_rules: Vec<TcpRule>,
    /// Compiled regexes of this proxy's ACLs.
    pub regexes: Regexes,
    /// Receives a summary of every stream (installed by the runtime for logging).
    pub log_hook: Option<LogHook>,
}

impl Frontend {
    /// Builds the runtime frontend of `p`, resolving backend names in `backends`.
    pub fn build(
        p: &Proxy,
        backends: &HashMap<String, Arc<Backend>>,
        tables: &super::stick::Tables,
    ) -> Result<Frontend, ProxyError> {
        let find = |name: &str, what: &'static str| {
            backends
                .get(name)
                .cloned()
                .ok_or_else(|| ProxyError::NoBackend {
                    frontend: p.name.clone(),
                    what,
                    backend: name.to_string(),
                })
        };
        let mut use_backends = Vec::with_capacity(p.use_backends.len());
        let mut dynamic = false;
        for u in &p.use_backends {
            let target = if u.backend.contains("%[") {
                dynamic = true;
                UseTarget::Dynamic(u.backend.clone())
            } else {
                UseTarget::Static(find(&u.backend, "use_backend")?)
            };
            use_backends.push((u.cond.clone(), target));
        }
        let own_backend = if p.cap.backend {
            backends.get(&p.name).cloned()
        } else {
            None
        };
        let default_backend = match &p.default_backend {
            Some(n) => Some(find(n, "default_backend")?),
            None => own_backend.clone(),
        };
        let t = &p.timeouts;
        let tcp = tcp_rules(p);
        Ok(Frontend {
            stick: super::stick::ProxyStickRt::new(&p.name, &p.stick, tables),
            name: p.name.clone(),
            id: i64::from(p.id.unwrap_or(0)),
            kind: p.kind,
            mode: p.mode,
            binds: p.binds.clone(),
            maxconn: p.maxconn,
            client_timeout: t.client,
            http_request_timeout: t.http_request,
            http_keep_alive_timeout: t.http_keep_alive,
            tunnel_timeout: t.tunnel,
            tarpit_timeout: t.tarpit.or(t.connect),
            acls: p.acls.clone(),
            http_request: p.http_request.clone(),
            http_response: p.http_response.clone(),
            monitor_uri: p.monitor_uri.clone(),
            use_backends,
            all_backends: if dynamic {
                backends.clone()
            } else {
                HashMap::new()
            },
            default_backend,
            own_backend,
            forwardfor: p.forwardfor.clone(),
            originalto: p.options.originalto.clone(),
            conn_mode: p.options.http_conn_mode,
            ignore_probes: p.options.http_ignore_probes,
            buffer_request: p.options.http_buffer_request,
            case_adjust: None,
            limits: super::stream::request::limits(
                &crate::config::model::Tune::default(),
                p.options.accept_invalid_http_request,
            ),
            compression: p.compression.clone(),
            tcpka: p.options.tcpka_client,
            nolinger: p.options.nolinger,
            errors: ErrorPages::new(&p.errorfiles),
            log_hook: None,
            inspect_delay: inspect_delay(p),
            regexes: Regexes::compile(
                &p.acls,
                tcp.iter()
                    .filter_map(|r| r.cond.as_ref())
                    .chain(p.use_backends.iter().filter_map(|u| u.cond.as_ref()))
                    .chain(
                        p.http_request
                            .iter()
                            .chain(&p.http_response)
                            .filter_map(|r| r.cond.as_ref()),
                    ),
            ),
            tcp_rules: tcp,
        })
    }

    /// The backend for a stream: the first `use_backend` whose condition holds, else the
    /// default backend. `None` means 503 (HTTP) or close (TCP).
    /// A name built from samples that names no backend skips its rule.
    pub fn select(&self, ctx: &Ctx<'_>, sample: &Sample<'_>) -> Option<Arc<Backend>> {
        for (c, target) in &self.use_backends {
            if !acl::holds(c.as_ref(), &self.acls, ctx) {
                continue;
            }
            match target {
                UseTarget::Static(b) => return Some(Arc::clone(b)),
                UseTarget::Dynamic(fmt) => {
                    if let Some(b) = self.all_backends.get(sample::expand(fmt, sample).as_ref()) {
                        return Some(Arc::clone(b));
                    }
                }
            }
        }
        self.default_backend.clone()
    }

    /// Runs the `tcp-request connection` (`content == false`) or `content` rules: the first
    /// rule whose condition holds decides; `true` (accept) when none does.
    ///
    /// `track-sc*` rules whose condition holds track their key in `session` and go on.
    pub fn tcp_accepts(&self, content: bool, ctx: &Ctx<'_>, session: &Slots) -> bool {
        for r in self.tcp_rules.iter().filter(|r| r.content == content) {
            if !acl::holds(r.cond.as_ref(), &self.acls, ctx) {
                continue;
            }
            match &r.action {
                TcpAction::Accept => return true,
                TcpAction::Reject => return false,
                TcpAction::Track(t) => {
                    let req = super::stick::Request {
                        src: ctx.src,
                        req: ctx.req,
                    };
                    self.stick.track(t, session, &req, None, false);
                }
            }
        }
        true
    }

    /// True when `be` is this `listen`'s own backend half (its rules were already run).
    pub fn is_own(&self, be: &Arc<Backend>) -> bool {
        self.own_backend
            .as_ref()
            .is_some_and(|o| Arc::ptr_eq(o, be))
    }
}

/// The `tcp-request inspect-delay` of `p`, if its rules use payload samples.
fn inspect_delay(p: &Proxy) -> Option<Duration> {
    let rules_use_payload = p.tcp_request.iter().any(|r| {
        r.words.iter().any(|w| {
            w.starts_with("req_ssl") || w.starts_with("req.ssl") || w == "req_len" || w == "req.len"
        })
    });
    let payload_fetch = |c: &str| {
        let c = c
            .strip_prefix("req.")
            .or_else(|| c.strip_prefix("req_"))
            .unwrap_or(c);
        c.starts_with("ssl_sni") || c.starts_with("ssl_hello_type") || c.starts_with("len")
    };
    let anon = p
        .use_backends
        .iter()
        .filter_map(|u| u.cond.as_ref())
        .any(|c| {
            c.any_of.iter().flatten().any(|t| match &t.acl {
                crate::config::model::AclRef::Anonymous { criterion, .. } => {
                    payload_fetch(criterion)
                }
                crate::config::model::AclRef::Named(_) => false,
            })
        });
    if !anon && !rules_use_payload && !p.acls.iter().any(|a| payload_fetch(&a.criterion)) {
        return None;
    }
    p.tcp_request
        .iter()
        .find_map(|r| match r.words.get(1).map(String::as_str) {
            Some("inspect-delay") => r
                .words
                .get(2)
                .and_then(|t| crate::config::units::parse_time(t).ok()),
            _ => None,
        })
}

/// A `tcp-request connection|content accept|reject` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpRule {
    /// `content` (after inspection) rather than `connection` (at accept).
    pub content: bool,
    /// What it does.
    pub action: TcpAction,
    /// The condition.
    pub cond: Option<Cond>,
}

/// The accept/reject rules among `p`'s `tcp-request` lines; other actions are ignored.
fn tcp_rules(p: &Proxy) -> Vec<TcpRule> {
    p.tcp_request
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let content = match r.words.get(1).map(String::as_str) {
                Some("connection" | "session") => false,
                Some("content") => true,
                _ => return None,
            };
            if let Some(t) = p.stick.tcp_track_at(i) {
                return Some(TcpRule {
                    content,
                    action: TcpAction::Track(t.track.clone()),
                    cond: t.cond.clone(),
                });
            }
            let action = match r.words.get(2).map(String::as_str) {
                Some("accept") => TcpAction::Accept,
                Some("reject" | "silent-drop") => TcpAction::Reject,
                _ => return None,
            };
            Some(TcpRule {
                content,
                action,
                cond: acl::parse_words(&r.words),
            })
        })
        .collect()
}

/// What a `tcp-request` rule does.
#[derive(Debug, Clone, PartialEq)]
pub enum TcpAction {
    /// `accept`.
    Accept,
    /// `reject`, `silent-drop`.
    Reject,
    /// `track-sc0/1/2`.
    Track(crate::config::model::TrackSc),
}

/// Where a `use_backend` rule sends a stream.
#[derive(Debug, Clone)]
pub enum UseTarget {
    /// A backend named in the configuration.
    Static(Arc<Backend>),
    /// A name built at run time from a log-format string (`use_backend be_%[req.hdr(host)]`).
    Dynamic(String),
}
