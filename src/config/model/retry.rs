//! `retry-on` and `option redispatch [interval]` (configuration.txt 4.2): which failures a
//! request is retried on, and on which retries it goes to another server.
//! Plain data, part of [`super`].

/// `retry-on` conditions (HAProxy 2.6 default: `conn-failure` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryOn {
    /// `conn-failure`: the connection could not be established.
    pub conn_failure: bool,
    /// `empty-response`: the server closed without sending anything.
    pub empty_response: bool,
    /// `junk-response`: the server sent something that is not an HTTP response.
    pub junk_response: bool,
    /// `response-timeout`: `timeout server` struck before the response.
    pub response_timeout: bool,
    /// `0rtt-rejected`: TLS early data refused (we never send early data).
    pub zero_rtt_rejected: bool,
    /// Response statuses that are retried (401, 403, 404, 408, 425, 500, 501, 502, 503, 504).
    pub statuses: Vec16,
}

/// A small set of HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vec16 {
    items: [u16; 10],
    len: usize,
}

impl Vec16 {
    /// Adds a status once.
    pub fn insert(&mut self, s: u16) {
        if self.contains(s) {
            return;
        }
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = s;
            self.len += 1;
        }
    }

    /// Whether `s` is in the set.
    pub fn contains(&self, s: u16) -> bool {
        self.items.get(..self.len).is_some_and(|v| v.contains(&s))
    }

    /// No status.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for RetryOn {
    fn default() -> Self {
        RetryOn {
            conn_failure: true,
            empty_response: false,
            junk_response: false,
            response_timeout: false,
            zero_rtt_rejected: false,
            statuses: Vec16::default(),
        }
    }
}

impl RetryOn {
    /// `retry-on none`.
    pub fn none() -> Self {
        RetryOn {
            conn_failure: false,
            ..RetryOn::default()
        }
    }

    /// Whether any layer-7 condition is set (the request must be kept to be replayed).
    pub fn layer7(&self) -> bool {
        self.empty_response
            || self.junk_response
            || self.response_timeout
            || !self.statuses.is_empty()
    }
}

/// The statuses `retry-on` accepts.
pub const RETRY_STATUSES: &[u16] = &[401, 403, 404, 408, 425, 500, 501, 502, 503, 504];
