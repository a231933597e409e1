//! Black-box test harness shared by every file in `tests/`: starts the binary under test (ours by
//! default, or the one named by `HAPROXY_UNDER_TEST`, or always `/usr/sbin/haproxy` through
//! [`RealHaproxy`]) on a generated config, HTTP and TCP origins on `127.0.0.1:0`, a port registry and
//! a raw HTTP/1.x client.
//!
//! Listening sockets are never fixed ports: a config names its listeners `@@name` (for example
//! `bind @@fe`); the harness binds `127.0.0.1:0` itself, clears `FD_CLOEXEC` and writes
//! `bind fd@N`, so the child inherits the already-listening socket. Readiness is observed without
//! sleeping and without a probe connection: the harness waits (bounded) until an epoll instance
//! of the child watches the inherited socket (`/proc/PID/fdinfo`), or until the child exits.
//!
//! Files: `process.rs` (the binary under test, `-c` runs, ALERT lines), `origin.rs` (HTTP and
//! TCP origins), `client.rs` (raw HTTP client and request helpers); this file holds paths, temp
//! dirs and the port registry.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr
)]

mod client;
mod origin;
mod process;

pub use client::*;
pub use origin::*;
pub use process::*;

use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The real HAProxy 2.6, the reference of every test.
pub const REAL_HAPROXY: &str = "/usr/sbin/haproxy";
/// Upper bound for any wait in the harness (startup, a response, a process exit).
pub const WAIT: Duration = Duration::from_secs(10);

/// The binary under test: `HAPROXY_UNDER_TEST` if set, else ours.
pub fn binary_under_test() -> PathBuf {
    match std::env::var_os("HAPROXY_UNDER_TEST") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_haproxy")),
    }
}

/// True when the binary under test is the real HAProxy (the suite is then validating itself).
pub fn under_test_is_real() -> bool {
    binary_under_test() == Path::new(REAL_HAPROXY)
}

/// The shared directory: `$HAPROXY_SHARED_DIR`, else `../shared` next to the repository root
/// (CI layout), else `../../shared` (a git worktree under `wt/`).
pub fn shared_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HAPROXY_SHARED_DIR") {
        return PathBuf::from(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = root.join("../shared");
    if ci.join("seed").is_dir() {
        return ci;
    }
    let wt = root.join("../../shared");
    if wt.join("seed").is_dir() {
        return wt;
    }
    ci
}

/// The corpus directory (`tests/corpus`).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

// ---------------------------------------------------------------------------------------------
// temp dirs, ports
// ---------------------------------------------------------------------------------------------

/// A private temporary directory, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system temp dir.
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("haproxy-rs-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Writes `content` to `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Port registry: hands out distinct local port numbers for places that need a number (a server
/// line pointing at a closed port). The port is found by binding `127.0.0.1:0` and released, so
/// nothing listens on it; a process never gets the same number twice.
pub fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(|| Mutex::new(HashSet::new()));
    loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if used.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// An address where nothing listens (connections are refused).
pub fn closed_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_port()))
}
