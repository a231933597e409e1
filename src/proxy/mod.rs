//! The proxy room: the only room that touches client or server sockets.
//!
//! configuration.txt sections: 4 (HTTP connection modes), 4.2, 5.1 (bind), 5.2 (server), 7
//! (ACLs). Where each keyword lives:
//!
//! | Keyword | File |
//! |---|---|
//! | `bind` (inet, IPv6, unix, `fd@N`, `backlog`, `maxconn`, `accept-proxy`), `maxconn` (global, frontend) | listener.rs |
//! | `server` (address, `maxconn`, `disabled`, `send-proxy`), `retries`, `option redispatch`, `timeout connect`, `timeout queue`, `http-reuse` | backend.rs |
//! | `mode tcp`, `timeout tunnel` | tcp.rs |
//! | `mode http`, `option httpclose/http-server-close/http-keep-alive`, `option forwardfor`, `option originalto`, `http-request`, `http-response`, `redirect`, `monitor-uri`, `timeout client/server/http-request/http-keep-alive/tarpit` | http.rs |
//! | `use_backend`, `default_backend` | frontend.rs |
//! | `acl`, `if`/`unless` | acl.rs |
//! | `errorfile` | errorfile.rs |
//! | `compression` (the HTTP response filter, pure; not wired yet) | compression.rs |
//! | log-format values (`%[src]`, `%ci`, ...) | sample.rs |
//! | PROXY protocol v1/v2 | proxy_protocol.rs |
//! | `option splice-auto/splice-request/splice-response` (zero-copy forwarding) | splice.rs |
//!
//! Must not import `runtime`.

pub mod acl;
pub mod backend;
pub mod compression;
pub mod errorfile;
pub mod frontend;
pub mod health;

pub mod inspect;
pub mod listener;
pub mod persist;
pub mod proxy_protocol;
pub mod sample;
pub mod socket;
pub mod splice;
pub mod stick;
pub mod stream;
pub mod tcp;
#[cfg(test)]
pub mod testutil;

pub use backend::Backend;
pub use frontend::Frontend;

/// Which side of a stream an error came from (maps to the log's termination-state letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client (`C`).
    Client,
    /// The server (`S`).
    Server,
    /// The proxy itself, e.g. a rule (`P`).
    Proxy,
    /// A resource limit: no server, queue full (`R`).
    Resource,
    /// An internal error (`I`).
    Internal,
    /// Killed because its server went DOWN (`on-marked-down shutdown-sessions`) or, for a
    /// backup, UP came back (`on-marked-up shutdown-backup-sessions`) (`D` / `U`).
    Down,
}

/// Errors of the proxy room.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Binding a listening address failed (worded as HAProxy 2.6's alert).
    #[error(
        "Binding [{loc}] for {kind} {proxy}: cannot bind socket ({}) for [{addr}]",
        strerror(source)
    )]
    Bind {
        /// The `bind` line, `file:line`.
        loc: String,
        /// `frontend` or `listen`.
        kind: &'static str,
        /// Proxy name.
        proxy: String,
        /// The address as text.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A server host name could not be resolved.
    #[error("parsing [{file}:{line}] : '{kind} {proxy}' : could not resolve address '{host}'")]
    Resolve {
        /// Configuration file.
        file: String,
        /// Line.
        line: u32,
        /// `backend` or `listen`.
        kind: &'static str,
        /// Proxy name.
        proxy: String,
        /// The host name.
        host: String,
    },
    /// A frontend names a backend that does not exist.
    #[error("Proxy '{frontend}': unable to find required {what} '{backend}'.")]
    NoBackend {
        /// Frontend name.
        frontend: String,
        /// `default_backend` or `use_backend`.
        what: &'static str,
        /// The missing backend.
        backend: String,
    },
    /// A configured feature this runtime cannot honour yet.
    #[error("Starting {kind} {proxy}: {what} is not supported yet.")]
    Unsupported {
        /// `frontend` or `listen`.
        kind: &'static str,
        /// Proxy name.
        proxy: String,
        /// What was asked.
        what: String,
    },
    /// An I/O error during a stream.
    #[error("{side:?} side: {source}")]
    Io {
        /// Which side failed.
        side: Side,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The C library's text for an OS error (`strerror`), without Rust's ` (os error N)` suffix.
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}
