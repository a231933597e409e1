//! The typed configuration: plain data, no sockets, no tokio.
//!
//! Everything `haproxy.cfg` can say lands here after parsing (`config::kw`) and validation
//! (`config::validate`). The runtime reads it; `-c` stops after building it. Every type is
//! `Clone + PartialEq` so that a reload can diff the old and new configuration.
//!
//! Sections of `configuration.txt` covered: 3 (global), 4 (proxies, stick tables), 5.1 (bind),
//! 5.2 (server), 7.3.3 (stick counter fetches, typed in `stick.rs`).
//! Must not import any other room of the crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use super::diag::Loc;

mod balance;
mod check;
mod compression;
mod global;
mod options;
mod proxy;
mod retry;
mod rules;
mod sample;
mod server;
mod stick;

pub use balance::*;
pub use check::*;
pub use compression::*;
pub use global::*;
pub use options::*;
pub use proxy::*;
pub use retry::*;
pub use rules::*;
pub use sample::*;
pub use server::*;
pub use stick::*;

/// The whole loaded configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// Merged `global` sections.
    pub global: Global,
    /// Every `frontend`, `backend` and `listen`, in file order.
    pub proxies: Vec<Proxy>,
    /// `userlist` sections.
    pub userlists: Vec<Userlist>,
    /// `peers`, `resolvers`, `mailers`, `cache`, `program`, `http-errors` and `ring`
    /// sections: parsed into words and kept, not active.
    pub other_sections: Vec<RawSection>,
    /// `http-errors NAME` sections: their `errorfile` lines, read at load. Proxies that
    /// name them with `errorfiles NAME [CODE...]` get copies in `Proxy::errorfiles`.
    pub http_errors: Vec<(String, Vec<ErrorFile>)>,
}

/// A section kept as words (`peers`, `resolvers`, `cache`, ...), not active.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSection {
    /// The header keyword (`peers`, `cache`, ...).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Where the header is.
    pub loc: Loc,
    /// The body lines.
    pub lines: Vec<RawRule>,
}

impl Config {
    /// Finds a proxy by name that has the backend capability.
    pub fn backend(&self, name: &str) -> Option<&Proxy> {
        self.proxies
            .iter()
            .find(|p| p.cap.backend && p.name == name)
    }
    /// Finds a proxy by name that has the frontend capability.
    pub fn frontend(&self, name: &str) -> Option<&Proxy> {
        self.proxies
            .iter()
            .find(|p| p.cap.frontend && p.name == name)
    }
}
