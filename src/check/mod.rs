//! Health checks (configuration.txt 5.2 "check", "inter", "fastinter", "downinter", "rise",
//! "fall", "port", "addr", "check-send-proxy"; 4.2 "option httpchk", "http-check",
//! "option tcp-check", "tcp-check", "option log-health-checks", "timeout check").
//!
//! The pieces a scheduler ties to the server model, each pure except the probe:
//!
//! | File | Job |
//! |---|---|
//! | [`request`] | the bytes of an HTTP check request, and the `send-state` header |
//! | [`state`] | the rise/fall counter, transitions, next interval, `spread-checks` |
//!
//! This room may import `config::model` and tokio; it must not import the proxy, the
//! runtime or the server room (the scheduler, elsewhere, applies what it returns).

pub mod request;
pub mod state;
