//! A memory-safe, drop-in replacement for HAProxy.
//!
//! # Layout
//!
//! Dependencies point down only:
//! `main -> cli, runtime -> proxy -> {balance, persist, check, stats, tls, log} -> config::model`.
//!
//! | Room | Job |
//! |---|---|
//! | [`cli`] | HAProxy's command line (`-f -c -D -db -p -sf -st -W -Ws -q -v -vv ...`) |
//! | [`config`] | `haproxy.cfg` to a typed model; diagnostics like `haproxy -c` |
//! | [`balance`] | `balance` algorithms, pure |
//! | [`persist`] | `cookie` persistence |
//! | [`check`] | health checks |
//! | [`proxy`] | listeners, TCP and HTTP streams, errorfiles |
//! | [`stats`] | stats page and counters |
//! | [`log`] | traffic logs, syslog |
//! | [`tls`] | TLS termination |
//! | [`runtime`] | tokio runtime, signals, reload, daemon |
//!
//! # Where each keyword lives
//!
//! Configuration keywords are parsed in `config::kw`, one file per family, each with a
//! `KEYWORDS` table (grep for `"keyword"`):
//!
//! | Keywords | File |
//! |---|---|
//! | `global` section (`daemon`, `maxconn`, `nbthread`, `user`, `stats socket`, `tune.*`, ...) | `config/kw/global.rs` |
//! | `mode`, `default_backend`, `use_backend`, `retries`, `maxconn`, `id`, `monitor-uri`, `http-reuse`, kept ones | `config/kw/proxy.rs` |
//! | `bind` and its options | `config/kw/bind.rs` |
//! | `server`, `default-server` and their options | `config/kw/server.rs` |
//! | `timeout *` | `config/kw/timeout.rs` |
//! | `balance`, `hash-type` | `config/kw/balance.rs` |
//! | `option *`, `no option *` | `config/kw/option.rs` |
//! | `cookie` | `config/kw/cookie.rs` |
//! | `http-check`, `tcp-check` (with `option httpchk` / `option tcp-check`); their `expect` | `config/kw/check.rs`, `config/kw/check_expect.rs`; post-parse rules in `config/kw/check_rules.rs` |
//! | `stats *` (proxies) | `config/kw/stats.rs` |
//! | `log` | `config/kw/log.rs` |
//! | `acl`, `if`/`unless` conditions | `config/kw/acl.rs` |
//! | `http-request`, `http-response`, `tcp-request` | `config/kw/http_rules.rs` |
//! | `errorfile` | `config/kw/errorfile.rs` |
//! | `userlist` sections | `config/kw/userlist.rs` |
//! | cross-checks after parsing | `config/validate.rs` |
//!
//! Where each keyword takes effect at run time:
//!
//! | Behaviour | File |
//! |---|---|
//! | `bind` sockets, `fd@N`, unix sockets, `maxconn` (global, frontend, bind), `accept-proxy` | `proxy/listener.rs`, `proxy/proxy_protocol.rs` |
//! | `mode tcp`, `timeout tunnel`, `tcp-request` | `proxy/tcp.rs`, `proxy/inspect.rs` |
//! | `mode http`, `option httpclose/http-server-close/http-keep-alive/forwardfor`, `http-reuse`, 400/408/502/503/504 | `proxy/http.rs` |
//! | `http-request` / `http-response` actions | `proxy/http_rules.rs`, conditions in `proxy/acl.rs` |
//! | `errorfile`, built-in pages | `proxy/errorfile.rs` (pages in `errorfiles/`) |
//! | `server` `weight`/`maxconn`, queue and `timeout queue`, `retries`, `option redispatch` | `proxy/backend.rs` |
//! | `balance roundrobin` / `static-rr` / `leastconn` / `first` / `random` | `balance/{roundrobin,static_rr,leastconn,first,random}.rs` |
//! | `balance source/uri/url_param/hdr/rdp-cookie/hash`, `hash-type` | `balance/{key,hash,chash}.rs` |
//! | `nbthread`, signals, `daemon`/`-D`, `pidfile` | `runtime/mod.rs`, `runtime/daemon.rs` |
//! | `check`, `option httpchk`, `http-check`, `tcp-check`, `inter/fastinter/downinter/rise/fall`, `timeout check`, `option log-health-checks` (engine; the scheduler is pending) | `check/{probe,request,expect,state,event}.rs` |

pub mod balance;
pub mod check;
pub mod cli;
pub mod config;
pub mod log;
pub mod persist;
pub mod proxy;
pub mod runtime;
pub mod stats;
pub mod tls;
