//! Guards the layering described in STYLE.md: the config room imports no other room (so
//! `haproxy -c` never touches the runtime), and balancers stay pure (no tokio, no I/O).
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn offenders(room: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(room);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut bad = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for needle in forbidden {
                if code.contains(needle) {
                    bad.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    bad
}

#[test]
fn the_config_room_imports_no_other_room() {
    let rooms = [
        "crate::balance",
        "crate::check",
        "crate::cli",
        "crate::log",
        "crate::persist",
        "crate::proxy",
        "crate::runtime",
        "crate::stats",
        "crate::tls",
        "tokio",
        "hyper",
    ];
    let bad = offenders("config", &rooms);
    assert!(bad.is_empty(), "config must stay independent:\n{}", bad.join("\n"));
}

#[test]
fn balancers_are_pure() {
    let forbidden = [
        "tokio",
        "hyper",
        "std::net::TcpStream",
        "std::fs",
        "std::time::Instant",
        "SystemTime",
        "crate::proxy",
        "crate::runtime",
        "crate::check",
    ];
    let bad = offenders("balance", &forbidden);
    assert!(bad.is_empty(), "balancers must stay pure:\n{}", bad.join("\n"));
}
