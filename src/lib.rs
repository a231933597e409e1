//! A memory-safe, drop-in replacement for HAProxy.
//!
//! # Layout
//!
//! Dependencies point down only:
//! `main -> cli, runtime -> proxy -> {check, stats, persist, tls, log} -> server -> balance -> config::model`.
//!
//! | Room | Job |
//! |---|---|
//! | [`cli`] | HAProxy's command line (`-f -c -D -db -p -sf -st -W -Ws -q -v -vv ...`) |
//! | [`config`] | `haproxy.cfg` to a typed model; diagnostics like `haproxy -c` |
//! | [`server`] | the runtime servers of each backend: state, weights, slots, queues, counters |
//! | [`balance`] | `balance` algorithms, pure |
//! | [`http`] | the HTTP/1 codec: message head, head parser and writer, body framing; pure |
//! | [`sample`] | fetches, converters, ACL matching; userlist password checks; pure |
//! | [`persist`] | `cookie` persistence, stick tables (`persist::stick`, pure) |
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
//! | `global` section (`daemon`, `maxconn`, `nbthread`, `user`, `stats socket`, `setenv`, ...) | `config/kw/global.rs`, kept ones `config/kw/global_kept.rs` |
//! | `tune.*` | `config/kw/tune.rs` |
//! | `mode`, `default_backend`, `use_backend`, `retries`, `retry-on`, `use-server`, `maxconn`, `fullconn`, `id`, `monitor-uri`, `http-reuse` | `config/kw/proxy.rs`; kept ones `config/kw/proxy_kept.rs` |
//! | `bind` and its options | `config/kw/bind.rs` |
//! | `server`, `default-server` and their options | `config/kw/server.rs` |
//! | `timeout *` | `config/kw/timeout.rs` |
//! | `balance`, `hash-type` | `config/kw/balance.rs` |
//! | `option *`, `no option *` | `config/kw/option.rs` |
//! | `cookie` | `config/kw/cookie.rs` |
//! | `compression algo/type/offload` (the `filter compression` checks in `config/validate.rs`) | `config/kw/compression.rs` |
//! | `dynamic-cookie-key` (and the dynamic server cookies), `force-persist`, `ignore-persist` | `config/kw/proxy.rs`, `config/dynamic_cookie.rs` |
//! | `http-check`, `tcp-check` (with `option httpchk` / `option tcp-check`); their `expect` | `config/kw/check.rs`, `config/kw/check_expect.rs`; post-parse rules in `config/kw/check_rules.rs` |
//! | `stats *` (proxies) | `config/kw/stats.rs` |
//! | `log` | `config/kw/log.rs` |
//! | `acl`, `if`/`unless` conditions | `config/kw/acl.rs` |
//! | `http-request`, `http-response` | `config/kw/http_rules.rs` |
//! | `tcp-request` | `config/kw/tcp_request.rs` |
//! | `errorfile`, `errorfiles`, `http-error`, `http-errors` sections | `config/kw/errorfile.rs` (order resolved in `config/validate.rs`) |
//! | `userlist` sections | `config/kw/userlist.rs` |
//! | `stick-table`, `stick on/match/store-*`, `track-sc*`, `sc_*`/`src_*`/`table_*` ACL fetches | `config/kw/stick/` |
//! | cross-checks after parsing | `config/validate.rs` |
//!
//! Where each keyword takes effect at run time:
//!
//! | Behaviour | File |
//! |---|---|
//! | `bind` sockets, `fd@N`, unix sockets, `maxconn` (global, frontend, bind), `accept-proxy` | `proxy/listener.rs`, `proxy/proxy_protocol.rs` |
//! | `mode tcp`, `timeout tunnel`, `tcp-request` | `proxy/tcp.rs`, `proxy/inspect.rs`, rules in `proxy/frontend.rs` |
//! | `mode http`, `option httpclose/http-server-close/http-keep-alive/forwardfor`, `http-reuse`, 400/408/502/503/504 | `proxy/http.rs` |
//! | `http-request` / `http-response` actions | `proxy/http_rules.rs`, conditions in `proxy/acl.rs` |
//! | `errorfile`, built-in pages | `proxy/errorfile.rs` (pages in `errorfiles/`) |
//! | `server` `weight`/`maxconn`/`minconn`/`maxqueue`/`backup`/`disabled`/`slowstart`/`track`/`on-marked-*`, `fullconn`, `option allbackups/persist`, the backend and per-server queues, `timeout queue` | `server/farm.rs`, `server/state.rs` |
//! | `retries`, `retry-on`, `option redispatch [N]`, `option abortonclose`, `option prefer-last-server`, the idle server connection pool | `proxy/backend.rs`, `proxy/http.rs` |
//! | `use-server`, `force-persist`/`ignore-persist`, the cookie on requests and responses | `proxy/persist.rs` |
//! | `stick-table`, `stick on/match/store-*`, `track-sc*`, `sc_*`/`src_*`/`table_*` ACLs | `proxy/stick.rs` (tables: `persist/stick/`) |
//! | `userlist` passwords and groups, the `Authorization` header of the `http_auth*` fetches | `sample/userlist.rs` (hashes: `sample/userlist/crypt.rs`) |
//! | checks started per server, `track` links, `slowstart` warm-up | `proxy/health.rs`, `check/scheduler.rs` |
//! | `observe`, `on-error`, `error-limit`, `on-marked-down`/`on-marked-up` | `server/mod.rs`, `server/farm.rs`, `check/scheduler.rs` |
//! | `balance roundrobin` / `static-rr` / `leastconn` / `first` / `random` | `balance/{roundrobin,static_rr,leastconn,first,random}.rs` |
//! | `balance source/uri/url_param/hdr/rdp-cookie/hash`, `hash-type` | `balance/{key,hash,chash}.rs` |
//! | `nbthread`, signals, `daemon`/`-D`, `pidfile` | `runtime/mod.rs`, `runtime/daemon.rs` |
//! | `cookie` (all modes), `option persist`, `force-persist`/`ignore-persist` flags, `option checkcache` | `persist/cookie/{request,response}.rs`, `persist/cache.rs` |
//! | `check`, `option httpchk`, `http-check`, `tcp-check`, `inter/fastinter/downinter/rise/fall`, `timeout check`, `option log-health-checks` | `check/{probe,request,expect,state,event}.rs` |

pub mod balance;
pub mod check;
pub mod cli;
pub mod config;
pub mod http;
pub mod log;
pub mod persist;
pub mod proxy;
pub mod runtime;
pub mod sample;
pub mod server;
pub mod stats;
pub mod tls;
