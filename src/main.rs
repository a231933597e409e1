//! The `haproxy` binary: argv -> `cli` -> `runtime::run`; errors -> exit codes.
//!
//! Temporary thin version (the integrator replaces it with the `cli` room): understands
//! `-f FILE` (repeatable), `-c`, `-p FILE`, `-D`, `-db`, `-q`, `-sf/-st PID...`, `-n`/`-N`.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;

use haproxy::config;
use haproxy::runtime::{self, RunOptions};

fn main() -> ExitCode {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut check = false;
    let mut quiet = false;
    let mut opts = RunOptions::default();
    let mut argv = std::env::args();
    opts.program = argv.next().unwrap_or_else(|| "haproxy".into());
    let mut args = argv.peekable();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-f" => files.extend(args.next().map(PathBuf::from)),
            "-c" => check = true,
            "-q" => quiet = true,
            "-D" => opts.daemon = true,
            "-db" | "-V" | "-W" | "-Ws" => {}
            "-p" => opts.pidfile = args.next().map(PathBuf::from),
            "-n" | "-N" | "-L" | "-x" | "-C" => {
                let _ = args.next();
            }
            "-sf" | "-st" => {
                while let Some(pid) = args.peek().and_then(|p| p.parse::<u32>().ok()) {
                    opts.old_pids.push(pid);
                    let _ = args.next();
                }
            }
            other => files.push(PathBuf::from(other)),
        }
    }
    let pid = std::process::id();
    let loaded = match config::load(&files) {
        Ok(l) => l,
        Err(diags) => {
            diags.print(pid, quiet);
            return ExitCode::from(1);
        }
    };
    loaded.diags.print(pid, quiet);
    if check {
        if !quiet {
            println!("Configuration file is valid");
        }
        return ExitCode::SUCCESS;
    }
    match runtime::run(loaded.config, opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("[ALERT]    ({pid}) : {e}");
            ExitCode::from(1)
        }
    }
}
