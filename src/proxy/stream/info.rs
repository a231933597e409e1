//! What one stream did, handed to the log room when it is known (configuration.txt 8.2
//! "Log formats", 8.5 "Session state at disconnection").
//!
//! HTTP streams are reported when the response head is ready (like `option logasap`: the
//! byte count is the announced `Content-Length`, if any); TCP streams when they end. The
//! runtime installs a [`LogHook`] with [`super::listener::start_with`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::proxy::Side;

/// Called once per stream with its summary. Must not block.
pub type LogHook = Arc<dyn Fn(&StreamInfo) + Send + Sync>;

/// The phase a stream was in when it ended (second termination-state letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the request (`R`).
    Request,
    /// Waiting in the queue (`Q`).
    Queue,
    /// Connecting to the server (`C`).
    Connect,
    /// Waiting for the response headers (`H`).
    Headers,
    /// Transferring data (`D`).
    Data,
    /// Normal end (`-`).
    Normal,
}

/// Why and where a stream ended: HAProxy's two termination-state letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Termination {
    /// Who ended it; `None` for a normal end. `timeout` makes the letter lowercase.
    pub side: Option<Side>,
    /// True when a timeout ended it (`c`, `s` instead of `C`, `S`).
    pub timeout: bool,
    /// Where it was.
    pub phase: Phase,
}

impl Termination {
    /// A normal end: `--`.
    pub const NORMAL: Termination = Termination {
        side: None,
        timeout: false,
        phase: Phase::Normal,
    };

    /// The two letters as HAProxy logs them (`--`, `sH`, `SC`, `cR`, `PR`, ...).
    pub fn letters(&self) -> [char; 2] {
        let side = match self.side {
            None => '-',
            Some(Side::Client) => 'C',
            Some(Side::Server) => 'S',
            Some(Side::Proxy) => 'P',
            Some(Side::Resource) => 'R',
            Some(Side::Internal) => 'I',
            Some(Side::Down) => 'D',
        };
        let side = if self.timeout {
            side.to_ascii_lowercase()
        } else {
            side
        };
        let phase = match self.phase {
            Phase::Request => 'R',
            Phase::Queue => 'Q',
            Phase::Connect => 'C',
            Phase::Headers => 'H',
            Phase::Data => 'D',
            Phase::Normal => '-',
        };
        [side, phase]
    }
}

/// The summary of one stream.
#[derive(Debug, Clone)]
pub struct StreamInfo {
    /// When the stream started.
    pub accept: SystemTime,
    /// The client address (`None` on a unix socket).
    pub client: Option<SocketAddr>,
    /// Frontend name.
    pub frontend: Arc<str>,
    /// Backend name, once chosen.
    pub backend: Option<Arc<str>>,
    /// Server name, once chosen.
    pub server: Option<Arc<str>>,
    /// Time spent waiting in the queue (`Tw`).
    pub t_queue: Option<Duration>,
    /// Time to connect to the server (`Tc`).
    pub t_connect: Option<Duration>,
    /// Time waiting for the response headers (`Tr`).
    pub t_response: Option<Duration>,
    /// Total time so far (`Ta` / `Tt`).
    pub t_total: Duration,
    /// HTTP status sent to the client.
    pub status: Option<u16>,
    /// Bytes sent to the client (announced length for HTTP).
    pub bytes_out: u64,
    /// Bytes received from the client (TCP).
    pub bytes_in: u64,
    /// Connection retries done.
    pub retries: u32,
    /// The request line, `GET /path HTTP/1.1` (HTTP).
    pub request_line: Option<String>,
    /// How it ended.
    pub termination: Termination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_letters_follow_haproxys_table() {
        assert_eq!(Termination::NORMAL.letters(), ['-', '-']);
        let t = Termination {
            side: Some(Side::Server),
            timeout: true,
            phase: Phase::Headers,
        };
        assert_eq!(t.letters(), ['s', 'H']);
        let t = Termination {
            side: Some(Side::Server),
            timeout: false,
            phase: Phase::Connect,
        };
        assert_eq!(t.letters(), ['S', 'C']);
        let t = Termination {
            side: Some(Side::Proxy),
            timeout: false,
            phase: Phase::Request,
        };
        assert_eq!(t.letters(), ['P', 'R']);
    }
}
