//! The lines HAProxy 2.6 prints about health checks and server state changes (server.c
//! `srv_update_status()`, `srv_append_status()`, check.c `set_server_check_status()`,
//! backend.c `set_backend_down()`), as pure functions; the caller prints them (a WARNING, or
//! an ALERT for "has no server available!") and sends them to the logs.
//!
//! Captured from the real binary in the foreground (`-db`), for example:
//!
//! ```text
//! Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
//! Server be/s1 is UP, reason: Layer7 check passed, code: 200, check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.
//! Server be/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: 0ms. 0 active and 1 backup servers online. Running on backup. 0 sessions requeued, 0 total in queue.
//! backend 'be' has no server available!
//! Health check for server be/s1 failed, reason: Layer7 wrong status, code: 503, info: "Whatever", check duration: 0ms, status: 2/3 UP.
//! ```
//!
//! With `option log-health-checks`, each check is logged by [`health_check`] and the state
//! change lines carry no reason (`Server be/s1 is DOWN. 0 active and ...`): pass `None`.
//! Counts (servers left, sessions, requeued, queue) are plain arguments: the server room
//! knows them. The lines themselves are the server room's ([`crate::server::event`]), which
//! also prints them for changes that come from `track`; this file adapts check results to
//! them. Must not import tokio or the proxy.

use std::time::Duration;

use super::state::CheckState;
use crate::config::model::CheckStatus;
use crate::server::event::{no_server_line, state_line, Change as ServerChange, Why};
use crate::server::OpState;

pub use crate::server::event::{encode_info, INFO_MAX};

/// What a finished check reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckReport<'a> {
    /// Its status.
    pub status: CheckStatus,
    /// The HTTP code (shown for layer 7 statuses only).
    pub code: u16,
    /// The info text (empty: not shown).
    pub info: &'a str,
    /// How long it took.
    pub duration: Duration,
}

/// A server's operational change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `is DOWN`.
    Down,
    /// `is UP`.
    Up,
    /// `is stopping` (NOLB).
    Stopping,
}

/// The numbers that end a state change line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Usable active servers of the backend after the change.
    pub active: u32,
    /// Usable backup servers of the backend after the change.
    pub backup: u32,
    /// The server's current sessions (`sessions active`, DOWN only).
    pub sessions: u32,
    /// Streams moved: requeued elsewhere (DOWN, stopping) or taken from the backend's queue
    /// (UP).
    pub moved: u32,
    /// The server's queue length.
    pub queue: u32,
}

/// The check result as the server room prints it in a state-change line.
pub fn why(r: &CheckReport<'_>) -> Why {
    Why {
        desc: r.status.desc().to_string(),
        code: r.status.has_code().then_some(u32::from(r.code)),
        info: r.info.to_string(),
        duration_ms: (r.status != CheckStatus::Hana)
            .then(|| u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX)),
    }
}

/// The reason part of a check line, as the server room words it.
fn reason(r: &CheckReport<'_>) -> String {
    crate::server::event::reason(&why(r))
}

fn server_name(backend: &str, server: &str, backup: bool, capital: bool) -> String {
    match (backup, capital) {
        (true, true) => format!("Backup Server {backend}/{server}"),
        (true, false) => format!("backup server {backend}/{server}"),
        (false, true) => format!("Server {backend}/{server}"),
        (false, false) => format!("server {backend}/{server}"),
    }
}

/// `Server be/s1 is DOWN[, reason...]. 0 active and 0 backup servers left. ...` and its UP
/// and stopping forms. `report` is `None` with `option log-health-checks` (HAProxy then
/// logs the reason on the health-check line instead).
pub fn server_change(
    backend: &str,
    server: &str,
    backup: bool,
    change: Change,
    report: Option<&CheckReport<'_>>,
    counts: &Counts,
) -> String {
    let to = match change {
        Change::Down => OpState::Stopped,
        Change::Up => OpState::Running,
        Change::Stopping => OpState::Stopping,
    };
    let n = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
    state_line(&ServerChange {
        backend: backend.to_string(),
        kind: "backend",
        server: server.to_string(),
        backup,
        from: OpState::Running,
        to,
        why: report.map(why),
        via: None,
        xferred: n(counts.moved),
        active: n(counts.active),
        backups: n(counts.backup),
        sessions: counts.sessions,
        queued: n(counts.queue),
        backend_down: false,
    })
}

/// `backend 'be' has no server available!` (an ALERT on stderr); `kind` is `backend` or
/// `proxy` (a `listen` section), as [`crate::config::validate::type_word`] gives it.
pub fn no_server_available(kind: &str, backend: &str) -> String {
    no_server_line(kind, backend)
}

/// The same event as sent to the logs (emerg): `backend be has no server available!`.
pub fn no_server_available_log(kind: &str, backend: &str) -> String {
    format!("{kind} {backend} has no server available!")
}

/// The `option log-health-checks` line of one check (HAProxy prints it when the health
/// counter or the status changed, see [`super::state::Step::report`]):
/// `Health check for server be/s1 failed, reason: ..., status: 0/2 DOWN.`
/// `state` is the counter after the check; `weight_zero` shows `DRAIN` instead of `UP`.
pub fn health_check(
    backend: &str,
    server: &str,
    backup: bool,
    report: &CheckReport<'_>,
    state: &CheckState,
    weight_zero: bool,
) -> String {
    use crate::config::model::CheckResult;
    let result = report.status.result();
    let how = match result {
        CheckResult::CondPass => "conditionally succeeded",
        CheckResult::Passed => "succeeded",
        _ => "failed",
    };
    let (n, of, word) = state.counts(weight_zero);
    format!(
        "Health check for {} {how}{}, status: {n}/{of} {word}.",
        server_name(backend, server, backup, false),
        reason(report)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::state::OpState;
    use CheckStatus::*;

    fn report(status: CheckStatus, code: u16, info: &str, ms: u64) -> CheckReport<'_> {
        CheckReport {
            status,
            code,
            info,
            duration: Duration::from_millis(ms),
        }
    }

    // Every expected line was printed by /usr/sbin/haproxy 2.6.12 -db.

    #[test]
    fn a_refused_server_goes_down_with_its_reason() {
        let r = report(L4Con, 0, "Connection refused", 0);
        assert_eq!(
            server_change("be", "s1", false, Change::Down, Some(&r), &Counts::default()),
            "Server be/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
        assert_eq!(
            no_server_available("backend", "be"),
            "backend 'be' has no server available!"
        );
        assert_eq!(
            no_server_available_log("proxy", "li"),
            "proxy li has no server available!"
        );
    }

    #[test]
    fn up_and_stopping_lines() {
        let ok = report(L7Ok, 200, "", 0);
        let one = Counts {
            active: 1,
            ..Counts::default()
        };
        assert_eq!(
            server_change("be", "s1", false, Change::Up, Some(&ok), &one),
            "Server be/s1 is UP, reason: Layer7 check passed, code: 200, check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
        );
        let both = Counts {
            active: 1,
            backup: 1,
            ..Counts::default()
        };
        assert_eq!(
            server_change("be", "b1", true, Change::Up, Some(&ok), &both),
            "Backup Server be/b1 is UP, reason: Layer7 check passed, code: 200, check duration: 0ms. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue."
        );
        let nolb = report(L7OkC, 404, "", 0);
        let backup_only = Counts {
            backup: 1,
            ..Counts::default()
        };
        assert_eq!(
            server_change("be", "s1", false, Change::Stopping, Some(&nolb), &backup_only),
            "Server be/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: 0ms. 0 active and 1 backup servers online. Running on backup. 0 sessions requeued, 0 total in queue."
        );
    }

    #[test]
    fn infos_are_ascii_encoded() {
        let r = report(L7Sts, 503, "a<b>\"c\"\u{1}", 0);
        assert_eq!(
            server_change("be", "s1", false, Change::Down, Some(&r), &Counts { backup: 1, ..Counts::default() }),
            "Server be/s1 is DOWN, reason: Layer7 wrong status, code: 503, info: \"a<3C>b<3E><22>c<22><01>\", check duration: 0ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
        let long = "x".repeat(200);
        assert_eq!(encode_info(&long).len(), INFO_MAX);
        assert_eq!(encode_info("é"), "<C3><A9>");
    }

    #[test]
    fn timeouts_show_no_code() {
        let r = report(L7Tout, 0, "", 152);
        assert_eq!(
            server_change("be", "s1", false, Change::Down, Some(&r), &Counts { backup: 1, ..Counts::default() }),
            "Server be/s1 is DOWN, reason: Layer7 timeout, check duration: 152ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
    }

    #[test]
    fn with_log_health_checks_state_changes_have_no_reason() {
        assert_eq!(
            server_change("be", "s1", false, Change::Down, None, &Counts::default()),
            "Server be/s1 is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
        let one = Counts {
            active: 1,
            ..Counts::default()
        };
        assert_eq!(
            server_change("be", "s1", false, Change::Up, None, &one),
            "Server be/s1 is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
        );
    }

    #[test]
    fn health_check_lines_follow_the_counter() {
        let mut c = CheckState::new(2, 3);
        c.apply(L7Ok, OpState::Running);
        assert_eq!(
            health_check("be", "s1", false, &report(L7Ok, 200, "", 0), &c, false),
            "Health check for server be/s1 succeeded, reason: Layer7 check passed, code: 200, check duration: 0ms, status: 3/3 UP."
        );
        c.apply(L7Sts, OpState::Running);
        assert_eq!(
            health_check("be", "s1", false, &report(L7Sts, 503, "Whatever", 0), &c, false),
            "Health check for server be/s1 failed, reason: Layer7 wrong status, code: 503, info: \"Whatever\", check duration: 0ms, status: 2/3 UP."
        );
        c.apply(L7Rsp, OpState::Running);
        c.apply(L7Rsp, OpState::Running);
        assert_eq!(
            health_check("be", "s1", false, &report(L7Rsp, 0, "", 0), &c, false),
            "Health check for server be/s1 failed, reason: Layer7 invalid response, check duration: 0ms, status: 0/2 DOWN."
        );
        c.apply(L7Tout, OpState::Stopped);
        assert_eq!(
            health_check("be", "s1", false, &report(L7Tout, 0, " at step 2 of tcp-check (expect string '+PONG')", 202), &c, false),
            "Health check for server be/s1 failed, reason: Layer7 timeout, info: \" at step 2 of tcp-check (expect string '+PONG')\", check duration: 202ms, status: 0/2 DOWN."
        );
        let mut n = CheckState::new(2, 3);
        n.apply(L7Ok, OpState::Running);
        n.apply(L7OkC, OpState::Running);
        assert_eq!(
            health_check("be", "s1", false, &report(L7OkC, 404, "", 0), &n, false),
            "Health check for server be/s1 conditionally succeeded, reason: Layer7 check conditionally passed, code: 404, check duration: 0ms, status: 3/3 UP."
        );
        let mut d = CheckState::new(2, 1);
        d.apply(L4Ok, OpState::Running);
        assert_eq!(
            health_check("li", "s1", false, &report(L4Ok, 0, "", 0), &d, true),
            "Health check for server li/s1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 1/1 DRAIN."
        );
        assert_eq!(
            health_check("be", "b1", true, &report(L7Ok, 0, "(tcp-check)", 0), &d, false),
            "Health check for backup server be/b1 succeeded, reason: Layer7 check passed, code: 0, info: \"(tcp-check)\", check duration: 0ms, status: 1/1 UP."
        );
    }
}
