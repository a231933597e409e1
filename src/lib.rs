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
//! (filled as keywords are implemented)

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
