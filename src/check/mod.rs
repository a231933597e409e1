//! Health checks (configuration.txt 5.2 "check", "inter", "rise", "fall"; 4.2
//! "option httpchk", "http-check", "option tcp-check", "option log-health-checks").
//!
//! | File | Job |
//! |---|---|
//! | [`scheduler`] | one task per checked server, the `health` counter, state changes |
//! | [`tcp`] | the default check: a TCP connect |
//!
//! May import `server`, `config::model`, `log` and tokio; never `proxy`.

pub mod scheduler;
pub mod tcp;
