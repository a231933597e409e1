//! The `haproxy` binary: argv -> `cli` -> `config::load` -> `runtime::run`; errors -> exit codes.
//!
//! Exit codes follow HAProxy 2.6: 0 valid/clean stop, 1 error, 2 `-c` on a valid configuration
//! without any listener (and `-cc` on an evaluation error). What is printed lives in
//! `cli::report`.

use std::process::ExitCode;

/// mimalloc: per-thread size classes make the per-stream allocations (the stream state,
/// message heads) cheap, where glibc's malloc walked its bins for every request.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use haproxy::cli::{self, report};
use haproxy::config::{self, cond, validate};
use haproxy::runtime::{self, RunOptions};

fn main() -> ExitCode {
    ExitCode::from(start())
}

fn start() -> u8 {
    let cli = match cli::parse(std::env::args_os()) {
        Ok(c) => c,
        Err(e) => return report::refused(&e),
    };
    if let Some(what) = cli.info {
        return report::info(what);
    }
    if let Some(c) = &cli.check_condition {
        return report::condition(cond::check_condition(c));
    }
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            report::alert(&format!(
                "Could not change to directory {} : {e}",
                dir.display()
            ));
            return 1;
        }
    }
    let quiet = cli.quiet && !cli.verbose;
    haproxy::log::set_quiet(quiet);
    if config::config_files(&cli.config_files).is_ok_and(|f| f.is_empty()) {
        report::usage(&cli.progname, None);
        return 1;
    }
    let pid = std::process::id();
    let loaded = match config::load(&cli.config_files) {
        Ok(l) => l,
        Err(diags) => {
            report::notice_header(quiet);
            diags.print(pid, quiet);
            return 1;
        }
    };
    if !loaded.diags.list.is_empty() {
        report::notice_header(quiet);
        loaded.diags.print(pid, quiet);
    }
    if cli.debug_flags.zero_warning && loaded.diags.has_warnings() {
        report::alert("config : Some warnings were found and 'zero-warning' is set. Aborting.");
        return 1;
    }
    let listeners = validate::has_listeners(&loaded.config);
    if cli.check {
        return report::check_verdict(cli.quiet, loaded.diags.has_warnings(), listeners);
    }
    // What this build cannot run yet is refused here, not by `-c` (HAProxy's verdict).
    let refused = config::unsupported::refusals(&loaded.config);
    for r in &refused {
        report::alert(&format!("config : {r}"));
    }
    if !refused.is_empty() {
        report::alert("config : Fatal errors found in configuration.");
        return 1;
    }
    let program = std::env::args().next().unwrap_or_else(|| "haproxy".into());
    if !listeners {
        report::alert(&format!(
            "[{program}.main()] No enabled listener found (check for 'bind' directives) ! Exiting."
        ));
        return 1;
    }
    let daemon = (cli.daemon || loaded.config.global.daemon) && !cli.foreground && !cli.debug;
    let mut config = loaded.config;
    apply_limits(&mut config, cli.maxconn, cli.maxpconn);
    // HAProxy writes the pidfile only when it detaches (or in master-worker mode).
    let pidfile = cli
        .pidfile
        .clone()
        .or(config.global.pidfile.take())
        .filter(|_| daemon);
    if daemon {
        if let Err(e) = runtime::daemon::daemonize(pidfile.as_deref()) {
            report::alert(&format!("Cannot fork: {e}."));
            return 1;
        }
    }
    report::inactive_flags(&cli, quiet);
    let old_pids = cli
        .old_pids
        .iter()
        .filter_map(|p| u32::try_from(*p).ok())
        .collect();
    let opts = RunOptions {
        pidfile: None,
        daemon,
        old_pids,
        nbthread: None,
        program: program.clone(),
    };
    match runtime::run(config, opts) {
        Ok(()) => 0,
        Err(e) => {
            report::notice_header(quiet);
            report::alert(&e.to_string());
            if let Some(more) = e.closing_alert(&program) {
                report::alert(&more);
            }
            1
        }
    }
}

/// `-n N` overrides the global `maxconn`; `-N N` is the `maxconn` of every frontend that sets
/// none (HAProxy's `cfg_maxconn` and `cfg_maxpconn`).
fn apply_limits(config: &mut config::model::Config, n: Option<i64>, per_proxy: Option<i64>) {
    let positive = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0);
    if let Some(n) = positive(n) {
        config.global.maxconn = Some(n);
    }
    if let Some(n) = positive(per_proxy) {
        for p in config.proxies.iter_mut().filter(|p| p.cap.frontend) {
            p.maxconn.get_or_insert(n);
        }
    }
}
