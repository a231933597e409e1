//! Architecture rules of STYLE.md, checked by grepping the sources: dependencies point down only.
//! `src/config` imports no other room (so `haproxy -c` never touches the runtime) and no async
//! or network crate; `src/balance` is pure (no tokio, no I/O, no clock, no thread RNG) and may
//! only import `config::model`; `src/persist` is pure too (no tokio, no I/O, no clock, no
//! logging, no proxy); `src/check` reaches neither the proxy nor the runtime; `src/sample` is
//! pure (no tokio, no sockets, no files) and sits below the proxy.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Lines of non-comment code in `room` that contain any of `forbidden`, outside `#[cfg(test)]`
/// modules (a test module may use anything).
fn offenders(room: &str, forbidden: &[&str]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(room);
    let mut hits = Vec::new();
    for f in rust_files(&dir) {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = match text.find("#[cfg(test)]") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        for (n, line) in code.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            for bad in forbidden {
                if t.contains(bad) {
                    hits.push(format!("{}:{}: {bad}: {t}", f.display(), n + 1));
                }
            }
        }
    }
    hits
}

#[test]
fn the_config_room_imports_no_other_room_and_no_runtime_crate() {
    let hits = offenders(
        "config",
        &[
            "crate::balance",
            "crate::proxy",
            "crate::runtime",
            "crate::check",
            "crate::stats",
            "crate::persist",
            "crate::tls",
            "crate::log",
            "crate::cli",
            "crate::sample",
            "tokio",
            "hyper",
            "std::net::TcpListener",
            "std::net::TcpStream",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_balance_room_is_pure() {
    let hits = offenders(
        "balance",
        &[
            "tokio",
            "hyper",
            "std::net::Tcp",
            "std::fs",
            "std::io",
            "Instant::now",
            "SystemTime",
            "thread_rng",
            "rand::random",
            "crate::proxy",
            "crate::runtime",
            "crate::check",
            "crate::stats",
            "crate::persist",
            "crate::config::lexer",
            "crate::config::section",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_sample_room_is_pure() {
    // Fetches, converters and userlist checks: may import config::model, http, the keyword
    // tables of config::kw::sample and the pure hashes of balance::hash (STYLE.md), nothing
    // that runs or touches sockets.
    let hits = offenders(
        "sample",
        &[
            "tokio",
            "hyper",
            "std::net::Tcp",
            "std::fs",
            "crate::proxy",
            "crate::runtime",
            "crate::check",
            "crate::stats",
            "crate::server",
            "crate::persist",
            "crate::tls",
            "crate::cli",
            "crate::config::lexer",
            "crate::config::section",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_check_room_reaches_neither_the_proxy_nor_the_runtime() {
    // It may import config::model, server (its scheduler applies results there), log and
    // tokio (STYLE.md: proxy -> check -> server).
    let hits = offenders(
        "check",
        &[
            "crate::proxy",
            "crate::runtime",
            "crate::balance",
            "crate::stats",
            "crate::cli",
            "crate::config::lexer",
            "crate::config::section",
            "crate::config::kw",
            "hyper",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_http1_path_uses_our_codec_not_hyper() {
    // Issue 6: the stream pipeline and the codec own HTTP/1; hyper serves only test origins.
    for room in ["proxy", "http", "persist", "check"] {
        let hits = offenders(room, &["hyper", "http_body_util", "use http::"]);
        assert!(hits.is_empty(), "{}", hits.join("\n"));
    }
}

#[test]
fn no_fixed_sleep_is_used_in_the_test_suite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut hits = Vec::new();
    for f in rust_files(&dir) {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains(concat!("thread::", "sleep")) {
                hits.push(format!("{}:{}", f.display(), n + 1));
            }
        }
    }
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_persist_room_is_pure() {
    let hits = offenders(
        "persist",
        &[
            "tokio",
            "hyper",
            "std::net::Tcp",
            "std::fs",
            "std::io",
            "Instant::now",
            "SystemTime",
            "crate::proxy",
            "crate::runtime",
            "crate::check",
            "crate::stats",
            "crate::server",
            "tracing",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}
