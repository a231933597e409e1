//! Per-server and per-backend counters, as atomics readable without any lock (HAProxy's
//! `struct be_counters`): what the stats page, the runtime API and the logs read.
//!
//! Where each is incremented:
//! - `sessions`, `cur_sessions`, `max_sessions`: [`super::Farm`] when a stream takes or
//!   releases a connection slot on the server (`Slot` creation and drop).
//! - `queue_max`: [`super::Farm`] when a stream is queued on the server or the backend.
//! - `conn_errors`, `retries`, `redispatches`: the proxy's connect loop
//!   (`proxy/backend.rs` `Backend::connect` and `proxy/http.rs`).
//! - `resp_errors`, `http_responses`: the proxy when a server's response fails or arrives.
//! - `bytes_in`, `bytes_out`: the proxy's forwarding loops.
//! - `check_failures`, `down_transitions`: the check room through [`super::Farm`].
//!
//! Must import nothing but `std`.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Counters of one server or one backend. All relaxed: they are statistics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Streams that took a slot here (`stot`).
    pub sessions: AtomicU64,
    /// Streams currently holding a slot (`scur`).
    pub cur_sessions: AtomicU32,
    /// Highest `cur_sessions` seen (`smax`).
    pub max_sessions: AtomicU32,
    /// Highest queue length seen (`qmax`).
    pub queue_max: AtomicU32,
    /// Bytes received from clients (`bin`).
    pub bytes_in: AtomicU64,
    /// Bytes sent to clients (`bout`).
    pub bytes_out: AtomicU64,
    /// Failed connection attempts (`econ`).
    pub conn_errors: AtomicU64,
    /// Failed or invalid responses (`eresp`).
    pub resp_errors: AtomicU64,
    /// Connection retries (`wretr`).
    pub retries: AtomicU64,
    /// Redispatches to another server (`wredis`).
    pub redispatches: AtomicU64,
    /// Failed health checks (`chkfail`).
    pub check_failures: AtomicU64,
    /// UP to DOWN transitions (`chkdown`).
    pub down_transitions: AtomicU64,
    /// HTTP responses by class: 1xx, 2xx, 3xx, 4xx, 5xx, other (`hrsp_*`).
    pub http_responses: [AtomicU64; 6],
}

impl Counters {
    /// Adds one to a counter.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n` to a counter.
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads a counter.
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    /// A stream took a slot.
    pub fn session_start(&self) {
        self.sessions.fetch_add(1, Ordering::Relaxed);
        let cur = self
            .cur_sessions
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        self.max_sessions.fetch_max(cur, Ordering::Relaxed);
    }

    /// A stream released its slot.
    pub fn session_end(&self) {
        let _ = self
            .cur_sessions
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(1))
            });
    }

    /// A queue reached `len`.
    pub fn queued(&self, len: usize) {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.queue_max.fetch_max(len, Ordering::Relaxed);
    }

    /// A response with this status came back from a server.
    pub fn http_response(&self, status: u16) {
        let i = match status {
            100..=199 => 0,
            200..=299 => 1,
            300..=399 => 2,
            400..=499 => 3,
            500..=599 => 4,
            _ => 5,
        };
        if let Some(c) = self.http_responses.get(i) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_track_current_and_max() {
        let c = Counters::default();
        c.session_start();
        c.session_start();
        c.session_end();
        c.session_start();
        assert_eq!(Counters::get(&c.sessions), 3);
        assert_eq!(c.cur_sessions.load(Ordering::Relaxed), 2);
        assert_eq!(c.max_sessions.load(Ordering::Relaxed), 2);
        c.session_end();
        c.session_end();
        c.session_end();
        assert_eq!(c.cur_sessions.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn responses_are_counted_by_class() {
        let c = Counters::default();
        c.http_response(200);
        c.http_response(503);
        c.http_response(42);
        let got: Vec<u64> = c.http_responses.iter().map(Counters::get).collect();
        assert_eq!(got, [0, 1, 0, 0, 1, 1]);
    }
}
