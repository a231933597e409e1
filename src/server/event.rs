//! The lines HAProxy prints when a server changes state (`srv_update_status()`,
//! `srv_append_status()`, `set_backend_down()`), word for word. Pure: the caller sends
//! them to stderr and the logs (`log::event`).
//!
//! Must import nothing but this room.

use super::OpState;

/// A state change of one server, with what its log line needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The backend.
    pub backend: String,
    /// `backend`, or `proxy` for a `listen` (HAProxy's `proxy_type_str()`).
    pub kind: &'static str,
    /// The server.
    pub server: String,
    /// A backup server.
    pub backup: bool,
    /// The state before.
    pub from: OpState,
    /// The state after.
    pub to: OpState,
    /// Why (the check result), or `None` for a change that came through `track`.
    pub why: Option<Why>,
    /// `via BACKEND/SERVER` for a tracking server.
    pub via: Option<(String, String)>,
    /// Streams moved: requeued to the balancer on DOWN, taken from the backend queue on UP.
    pub xferred: usize,
    /// Usable active servers after the change.
    pub active: usize,
    /// Usable backup servers after the change.
    pub backups: usize,
    /// Streams on the server (`cur_sess`).
    pub sessions: u32,
    /// Streams left in the server's queue.
    pub queued: usize,
    /// This change left the backend with no usable server.
    pub backend_down: bool,
}

/// The reason a check gives for a state change (`srv_append_status()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    /// The check status description ("Layer4 connection problem").
    pub desc: String,
    /// The status code shown for layer-5+ results (`code: 200`).
    pub code: Option<u32>,
    /// The check's info text, shown in quotes.
    pub info: String,
    /// Check duration in ms.
    pub duration_ms: Option<u64>,
}

/// `Server be/s is DOWN, reason: ..., info: "...", check duration: 0ms. 1 active and 0
/// backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.` and the UP
/// and "is stopping" lines; `via be/s` for a tracking server.
pub fn state_line(c: &Change) -> String {
    let backup = if c.backup { "Backup " } else { "" };
    let verb = match c.to {
        OpState::Stopped => "DOWN",
        OpState::Stopping => "stopping",
        OpState::Running | OpState::Starting => "UP",
    };
    let mut s = format!("{backup}Server {}/{} is {verb}", c.backend, c.server);
    if let Some(w) = &c.why {
        s.push_str(&reason(w));
    } else if let Some((b, srv)) = &c.via {
        s.push_str(&format!(" via {b}/{srv}"));
    }
    let on_backup = if c.backups > 0 && c.active == 0 {
        " Running on backup."
    } else {
        ""
    };
    if c.to == OpState::Stopped {
        s.push_str(&format!(
            ". {} active and {} backup servers left.{on_backup} {} sessions active, {} requeued, {} remaining in queue.",
            c.active, c.backups, c.sessions, c.xferred, c.queued
        ));
    } else {
        s.push_str(&format!(
            ". {} active and {} backup servers online.{on_backup} {} sessions requeued, {} total in queue.",
            c.active, c.backups, c.xferred, c.queued
        ));
    }
    s
}

/// `backend 'be' has no server available!` (`proxy 'li'` for a `listen`; HAProxy prints
/// the name quoted on stderr and bare in the log; this is the stderr form).
pub fn no_server_line(kind: &str, backend: &str) -> String {
    format!("{kind} '{backend}' has no server available!")
}

/// `, reason: D[, code: N][, info: "I"][, check duration: Nms]` (`srv_append_status()`),
/// shared by the state-change lines and the `option log-health-checks` lines.
pub fn reason(w: &Why) -> String {
    let mut s = format!(", reason: {}", w.desc);
    if let Some(code) = w.code {
        s.push_str(&format!(", code: {code}"));
    }
    if !w.info.is_empty() {
        s.push_str(&format!(", info: \"{}\"", encode_info(&w.info)));
    }
    if let Some(d) = w.duration_ms {
        s.push_str(&format!(", check duration: {d}ms"));
    }
    s
}

/// HAProxy keeps at most this many bytes of a check's info (`HCHK_DESC_LEN - 1`).
pub const INFO_MAX: usize = 127;

/// HAProxy's `chunk_asciiencode()` with `"` as the quote: non-printable bytes, `<`, `>` and
/// `"` become `<XX>`. The text is first cut to [`INFO_MAX`] bytes.
pub fn encode_info(info: &str) -> String {
    let bytes = info.as_bytes();
    let bytes = bytes.get(..INFO_MAX).unwrap_or(bytes);
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"')) || b == b' ' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("<{b:02X}>"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(to: OpState) -> Change {
        Change {
            backend: "web".into(),
            kind: "backend",
            server: "web1".into(),
            backup: false,
            from: OpState::Running,
            to,
            why: Some(Why {
                desc: "Layer4 connection problem".into(),
                code: None,
                info: "Connection refused".into(),
                duration_ms: Some(0),
            }),
            via: None,
            xferred: 0,
            active: 1,
            backups: 0,
            sessions: 0,
            queued: 0,
            backend_down: false,
        }
    }

    #[test]
    fn the_down_line_is_haproxys() {
        assert_eq!(
            state_line(&change(OpState::Stopped)),
            "Server web/web1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
    }

    #[test]
    fn the_up_line_is_haproxys() {
        let mut c = change(OpState::Running);
        c.why = Some(Why {
            desc: "Layer7 check passed".into(),
            code: Some(200),
            info: "OK".into(),
            duration_ms: Some(1),
        });
        c.active = 2;
        assert_eq!(
            state_line(&c),
            "Server web/web1 is UP, reason: Layer7 check passed, code: 200, info: \"OK\", check duration: 1ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
        );
    }

    #[test]
    fn a_tracking_server_says_via_and_backups_say_so() {
        let mut c = change(OpState::Stopped);
        c.why = None;
        c.via = Some(("be".into(), "s1".into()));
        c.backup = true;
        c.active = 0;
        c.backups = 1;
        assert_eq!(
            state_line(&c),
            "Backup Server web/web1 is DOWN via be/s1. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
    }

    #[test]
    fn info_quotes_are_encoded() {
        assert_eq!(encode_info("a\"b\n"), "a<22>b<0A>");
    }
}
