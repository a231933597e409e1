//! The `haproxy` binary: argv -> `cli` -> `config::load` -> `runtime::run`; errors -> exit codes.
//!
//! Exit codes follow HAProxy 2.6: 0 valid/clean stop, 1 error, 2 `-c` on a valid configuration
//! without any listener (and `-cc` on an evaluation error).
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::process::ExitCode;

use haproxy::cli::{self, Cli, CliError, Info};
use haproxy::config::{self, cond, validate};
use haproxy::runtime::{self, RunOptions};

fn main() -> ExitCode {
    let pid = std::process::id();
    let cli = match cli::parse(std::env::args_os()) {
        Ok(c) => c,
        Err(CliError::Usage { progname, alert }) => {
            print!("{}", cli::version_text());
            if let Some(a) = alert {
                eprintln!("[ALERT]    ({pid}) : {a}\n");
            }
            eprint!("{}", cli::usage_text(&progname));
            return ExitCode::from(1);
        }
        Err(CliError::Alert(msg)) => {
            eprintln!("[ALERT]    ({pid}) : {msg}");
            return ExitCode::from(1);
        }
    };
    match cli.info {
        Some(Info::Version) => return print_and_exit(cli::version_text()),
        Some(Info::BuildOptions) => return print_and_exit(cli::build_options_text()),
        None => {}
    }
    if let Some(cond) = &cli.check_condition {
        return match cond::check_condition(cond) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(msg) => {
                if !msg.is_empty() {
                    eprintln!("[ALERT]    ({pid}) : config : {msg}");
                }
                ExitCode::from(2)
            }
        };
    }
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!(
                "[ALERT]    ({pid}) : Could not change to directory {} : {e}",
                dir.display()
            );
            return ExitCode::from(1);
        }
    }
    let quiet = cli.quiet && !cli.verbose;
    if config::config_files(&cli.config_files).is_ok_and(|f| f.is_empty()) {
        print!("{}", cli::version_text());
        eprint!("{}", cli::usage_text(&cli.progname));
        return ExitCode::from(1);
    }
    let loaded = match config::load(&cli.config_files) {
        Ok(l) => l,
        Err(diags) => {
            notice_header(quiet);
            diags.print(pid, quiet);
            return ExitCode::from(1);
        }
    };
    if !loaded.diags.list.is_empty() {
        notice_header(quiet);
        loaded.diags.print(pid, quiet);
    }
    if cli.debug_flags.zero_warning && loaded.diags.has_warnings() {
        eprintln!("[ALERT]    ({pid}) : config : Some warnings were found and 'zero-warning' is set. Aborting.");
        return ExitCode::from(1);
    }
    if cli.check {
        return check_verdict(&cli, &loaded);
    }
    if !validate::has_listeners(&loaded.config) {
        let prog = std::env::args().next().unwrap_or_else(|| "haproxy".into());
        eprintln!("[ALERT]    ({pid}) : [{prog}.main()] No enabled listener found (check for 'bind' directives) ! Exiting.");
        return ExitCode::from(1);
    }
    let daemon = (cli.daemon || loaded.config.global.daemon) && !cli.foreground && !cli.debug;
    let mut config = loaded.config;
    // HAProxy writes the pidfile only when it detaches (or in master-worker mode).
    let pidfile = cli
        .pidfile
        .clone()
        .or(config.global.pidfile.take())
        .filter(|_| daemon);
    if daemon {
        if let Err(e) = runtime::daemon::daemonize(pidfile.as_deref()) {
            eprintln!("[ALERT]    ({pid}) : Cannot fork: {e}.");
            return ExitCode::from(1);
        }
    }
    for (flag, on) in [
        ("-W/-Ws", cli.master_worker),
        ("-sf/-st", cli.old_pids_action.is_some()),
    ] {
        if on && !quiet {
            eprintln!("[WARNING]  ({pid}) : {flag} is accepted but not implemented yet: staying in the foreground, single process.");
        }
    }
    let opts = RunOptions {
        pidfile: None,
        daemon,
        old_pids: cli
            .old_pids
            .iter()
            .filter_map(|p| u32::try_from(*p).ok())
            .collect(),
        nbthread: None,
        program: std::env::args().next().unwrap_or_else(|| "haproxy".into()),
    };
    let program = opts.program.clone();
    match runtime::run(config, opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            notice_header(quiet);
            eprintln!("[ALERT]    ({pid}) : {e}");
            if let Some(more) = e.closing_alert(&program) {
                eprintln!("[ALERT]    ({pid}) : {more}");
            }
            ExitCode::from(1)
        }
    }
}

/// `-c`: HAProxy's closing lines and exit code.
fn check_verdict(cli: &Cli, loaded: &config::Loaded) -> ExitCode {
    if !cli.quiet && loaded.diags.has_warnings() {
        println!("Warnings were found.");
    }
    if !validate::has_listeners(&loaded.config) {
        if !cli.quiet {
            println!(
                "Configuration file has no error but will not start (no listener) => exit(2)."
            );
        }
        return ExitCode::from(2);
    }
    if !cli.quiet {
        println!("Configuration file is valid");
    }
    ExitCode::SUCCESS
}

/// The two NOTICE lines HAProxy prints before its first startup message.
fn notice_header(quiet: bool) {
    if !quiet {
        let pid = std::process::id();
        let exe = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        eprintln!(
            "[NOTICE]   ({pid}) : haproxy version is {}",
            cli::full_version()
        );
        eprintln!("[NOTICE]   ({pid}) : path to executable is {exe}");
    }
}

fn print_and_exit(text: String) -> ExitCode {
    print!("{text}");
    ExitCode::SUCCESS
}
