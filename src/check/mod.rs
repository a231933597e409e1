//! Health checks (configuration.txt 5.2 "check", "inter", "fastinter", "downinter", "rise",
//! "fall", "port", "addr", "check-send-proxy"; 4.2 "option httpchk", "http-check",
//! "option tcp-check", "tcp-check", "option log-health-checks", "timeout check").
//!
//! The pieces a scheduler ties to the server model, each pure except the probe:
//!
//! | File | Job |
//! |---|---|
//! | [`event`] | the lines HAProxy prints: `Server be/s1 is DOWN, reason: ...`, health-check logs |
//! | [`expect`] | a response against `expect` rules: verdicts, statuses, info texts |
//! | [`probe`] | one check over a tokio socket: connect, send, expect, status and info |
//! | [`request`] | the bytes of an HTTP check request, and the `send-state` header |
//! | [`state`] | the rise/fall counter, transitions, next interval, `spread-checks` |
//!
//! This room may import `config::model` and tokio; it must not import the proxy, the
//! runtime or the server room (the scheduler, elsewhere, applies what it returns).

pub mod event;
pub mod expect;
pub mod probe;
pub mod request;
pub mod state;

use crate::config::model::Loc;

/// What can go wrong when a check is prepared from the configuration (never at run time).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckError {
    /// A regex that validation accepted does not compile (should not happen).
    #[error("parsing [{loc}] : regex '{pattern}' is invalid ({reason})")]
    Regex {
        /// The rule line.
        loc: Loc,
        /// The pattern.
        pattern: String,
        /// The engine's reason.
        reason: String,
    },
    /// A rule form haproxy-rs does not run (validation refuses such configurations).
    #[error("{0}")]
    Unsupported(String),
}
