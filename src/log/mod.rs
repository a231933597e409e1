//! Traffic logs and syslog (configuration.txt 8 "Logging"); for now, the one place where
//! run-time events (server state changes, "backend has no server available!") are emitted.
//!
//! [`event`] writes HAProxy's `[WARNING]  (pid) : message` form on stderr, as `ha_warning()`
//! and `ha_alert()` do in the foreground, unless `-q` silenced them ([`set_quiet`]). The
//! syslog side (`send_log()`) comes with the logging issue: every event already flows
//! through this function.
//!
//! Must import nothing but `std`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Severity of an event, as HAProxy's stderr prefixes and syslog levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `[ALERT]` (syslog `alert`/`emerg`).
    Alert,
    /// `[WARNING]` (syslog `warning`/`notice`).
    Warning,
    /// `[NOTICE]`.
    Notice,
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q`: no event reaches stderr.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// The stderr line of an event (without its newline).
pub fn render(level: Level, pid: u32, msg: &str) -> String {
    let tag = match level {
        Level::Alert => "[ALERT]    ",
        Level::Warning => "[WARNING]  ",
        Level::Notice => "[NOTICE]   ",
    };
    format!("{tag}({pid}) : {msg}")
}

/// Emits a run-time event.
pub fn event(level: Level, msg: &str) {
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    let line = render(level, std::process::id(), msg);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_prefixed_as_haproxy_does() {
        assert_eq!(
            render(Level::Warning, 7, "Server be/s1 is DOWN."),
            "[WARNING]  (7) : Server be/s1 is DOWN."
        );
        assert_eq!(
            render(Level::Alert, 7, "backend 'be' has no server available!"),
            "[ALERT]    (7) : backend 'be' has no server available!"
        );
    }
}
