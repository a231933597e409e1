//! The HTTP stream: one request and its response through named stages, as HAProxy's
//! analysers run them, over our own HTTP/1 codec ([`crate::http`]).
//!
//! | Stage | File | HAProxy |
//! |---|---|---|
//! | keep-alive loop, idle wait without buffers | `conn.rs` | `mux_h1.c` idle connection |
//! | read and parse the request head (400, 408, 413, 422) | `request.rs` | `http_wait_for_request` |
//! | `monitor-uri`, `http-request` rules, `use_backend`, `forwardfor` | `route.rs`, `rules.rs` | `http_process_req_common`, `process_switching_rules` |
//! | persistence, balance, queue, connect, retries, request sent, response head | `exchange.rs`, `server.rs` | `back_handle_st_*`, `http_wait_for_response` |
//! | bodies both ways, re-chunked | `body.rs` | `h1_process_demux` / `h1_process_mux` |
//! | cookie, `stick store-response`, `http-response` rules, forward | `response.rs` | `http_process_res_common` |
//! | `101` and `CONNECT` tunnels | `tunnel.rs` | `H1S_F_WANT_TUN` |
//! | `Connection` header rules | `outgoing.rs` | `h1_update_*_conn_value` |
//! | proxy answers (errorfiles, `return`, `redirect`, `auth`) | `reply.rs` | `http_reply_message` |
//! | end: log hook, counters | `end.rs`, `info.rs` | `http_end_txn` |
//!
//! One task per client connection drives both sockets; buffers exist only while a message is
//! in flight ([`io::take`]).

pub mod body;
pub mod conn;
pub mod end;
pub mod exchange;
mod info;
pub mod io;
pub mod outgoing;
pub mod reply;
pub mod request;
pub mod response;
pub mod route;
pub mod rules;
pub mod server;
pub mod tunnel;
pub mod txn;

pub use conn::{serve, serve_holding};

/// Streams started since the process began (the runtime's memory collector watches it).
static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Streams started since the process began.
pub fn started() -> u64 {
    STARTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Counts one more stream.
fn count_started() {
    STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}
pub use info::*;
#[cfg(test)]
mod tests;
