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
//! | [`scheduler`] | one task per checked server: runs the probe, applies results to the server room |
//! | [`state`] | the rise/fall counter, transitions, next interval, `spread-checks` |
//!
//! [`plan`] gathers, for one backend, everything the scheduler needs from the configuration.
//!
//! This room may import `config::model`, `server`, `log` and tokio; it must not import the
//! proxy or the runtime. Only [`scheduler`] touches the server room.

pub mod event;
pub mod expect;
pub mod probe;
pub mod request;
pub mod scheduler;
pub mod state;

use std::time::Duration;

use crate::config::model::{Loc, Proxy};

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

/// How one server of a backend is checked, from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPlan {
    /// Its position in `Proxy::servers`.
    pub server: usize,
    /// Where its checks go.
    pub target: probe::Target,
    /// The time bounds of one check.
    pub timeouts: probe::Timeouts,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
    /// `inter`.
    pub inter: Duration,
    /// `fastinter`.
    pub fastinter: Option<Duration>,
    /// `downinter`.
    pub downinter: Option<Duration>,
}

/// How a backend's servers are checked.
#[derive(Debug, Clone)]
pub struct BackendPlan {
    /// The check every checked server runs.
    pub probe: probe::Probe,
    /// `option log-health-checks`: log each check ([`event::health_check`]) and print state
    /// changes without their reason.
    pub log_health_checks: bool,
    /// The servers with `check` that can be checked.
    pub servers: Vec<ServerPlan>,
    /// Servers with `check` the probe cannot reach (unix sockets), by position.
    pub unreachable: Vec<usize>,
}

/// The check plan of `proxy`: `None` when it runs no check (no backend capability,
/// disabled, or no server with `check`).
pub fn plan(proxy: &Proxy) -> Result<Option<BackendPlan>, CheckError> {
    if !proxy.cap.backend || proxy.disabled || !proxy.servers.iter().any(|s| s.params.check) {
        return Ok(None);
    }
    let probe = probe::Probe::of(proxy)?;
    let mut servers = Vec::new();
    let mut unreachable = Vec::new();
    for (i, s) in proxy.servers.iter().enumerate() {
        if !s.params.check {
            continue;
        }
        let Some(target) = probe::Target::of(s) else {
            unreachable.push(i);
            continue;
        };
        let p = &s.params;
        servers.push(ServerPlan {
            server: i,
            target,
            timeouts: probe::Timeouts::of(proxy, s),
            rise: p.rise,
            fall: p.fall,
            inter: p.inter,
            fastinter: p.fastinter,
            downinter: p.downinter,
        });
    }
    Ok(Some(BackendPlan {
        probe,
        log_health_checks: proxy.options.log_health_checks,
        servers,
        unreachable,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_lists_the_checked_servers_with_their_settings() {
        let text = "defaults\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n timeout check 3s\nbackend be\n option log-health-checks\n server a 127.0.0.1:80 check inter 500 fastinter 100 downinter 2s rise 3 fall 4 port 81\n server b 127.0.0.1:80\n server c /run/c.sock check\nbackend quiet\n server a 127.0.0.1:80\n";
        let l = crate::config::load_texts(&[("t.cfg", text)], &|_| None).unwrap();
        let p = plan(l.config.backend("be").unwrap()).unwrap().unwrap();
        assert!(p.log_health_checks);
        assert_eq!(p.unreachable, [2]);
        let a = &p.servers[0];
        assert_eq!((a.server, a.rise, a.fall), (0, 3, 4));
        let ms = Duration::from_millis;
        assert_eq!(
            (a.inter, a.fastinter, a.downinter),
            (ms(500), Some(ms(100)), Some(ms(2000)))
        );
        assert_eq!(a.target.check_port, Some(81));
        assert_eq!(a.timeouts.check, Some(ms(3000)));
        assert!(plan(l.config.backend("quiet").unwrap()).unwrap().is_none());
    }
}
