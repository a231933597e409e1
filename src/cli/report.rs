//! What the command line prints around a start: usage errors, `-v`/`-vv`, `-cc`, the NOTICE
//! header, `[ALERT]` lines and `-c`'s closing lines, worded and routed (stdout or stderr) as
//! HAProxy 2.6 does. Each function returns the exit code where it ends the process.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use super::{build_options_text, full_version, usage_text, version_text, CliError, Info};

/// Prints a refused command line; exit code 1.
pub fn refused(err: &CliError) -> u8 {
    match err {
        CliError::Usage { progname, alert } => {
            usage(progname, alert.as_deref());
        }
        CliError::Alert(msg) => alert(msg),
    }
    1
}

/// HAProxy's usage: the version on stdout, an optional alert, the usage text on stderr.
pub fn usage(progname: &str, why: Option<&str>) {
    print!("{}", version_text());
    if let Some(a) = why {
        eprintln!("[ALERT]    ({}) : {a}\n", std::process::id());
    }
    eprint!("{}", usage_text(progname));
}

/// `-v` / `-vv`; exit code 0.
pub fn info(what: Info) -> u8 {
    match what {
        Info::Version => print!("{}", version_text()),
        Info::BuildOptions => print!("{}", build_options_text()),
    }
    0
}

/// `-cc`: 0 true, 1 false, 2 evaluation error (printed as a config ALERT).
pub fn condition(result: Result<bool, String>) -> u8 {
    match result {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(msg) => {
            if !msg.is_empty() {
                alert(&format!("config : {msg}"));
            }
            2
        }
    }
}

/// One `[ALERT]    (pid) : msg` line on stderr.
pub fn alert(msg: &str) {
    eprintln!("[ALERT]    ({}) : {msg}", std::process::id());
}

/// One `[WARNING]  (pid) : msg` line on stderr, unless quiet.
pub fn warning(quiet: bool, msg: &str) {
    if !quiet {
        eprintln!("[WARNING]  ({}) : {msg}", std::process::id());
    }
}

/// The two NOTICE lines HAProxy prints before its first startup message.
pub fn notice_header(quiet: bool) {
    if quiet {
        return;
    }
    let pid = std::process::id();
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    eprintln!("[NOTICE]   ({pid}) : haproxy version is {}", full_version());
    eprintln!("[NOTICE]   ({pid}) : path to executable is {exe}");
}

/// `-c`'s closing lines on stdout; exit code 0 (valid) or 2 (valid, but nothing listens).
pub fn check_verdict(quiet: bool, warnings: bool, listeners: bool) -> u8 {
    let say = |s: &str| {
        if !quiet {
            println!("{s}");
        }
    };
    if warnings {
        say("Warnings were found.");
    }
    if !listeners {
        say("Configuration file has no error but will not start (no listener) => exit(2).");
        return 2;
    }
    say("Configuration file is valid");
    0
}

/// WARNINGs for the command-line flags that are accepted but not active yet.
pub fn inactive_flags(cli: &super::Cli, quiet: bool) {
    for (flag, on) in [
        ("-W/-Ws", cli.master_worker),
        ("-sf/-st", cli.old_pids_action.is_some()),
    ] {
        if on {
            warning(quiet, &format!("{flag} is accepted but not implemented yet: staying in the foreground, single process."));
        }
    }
    for (flag, on) in [
        ("-m", cli.memmax_mb.is_some()),
        ("-L", cli.localpeer.is_some()),
        ("-x", cli.unix_socket.is_some()),
        ("-S", !cli.master_cli.is_empty()),
    ] {
        if on {
            warning(quiet, &format!("{flag} is accepted but not active yet."));
        }
    }
}
