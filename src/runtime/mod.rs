//! Process runtime: builds the tokio runtime (`nbthread` worker threads, default the number
//! of cores), starts every enabled frontend and `listen` (configuration.txt 3.1 `nbthread`,
//! `pidfile`, `hard-stop-after`), then runs until SIGINT or SIGTERM (hard stop) or SIGUSR1
//! (graceful stop: unbind, finish the connections in flight; management.txt 4).
//!
//! `-D`, `-sf` and `-st` are accepted by the caller and ignored here for now (`-D` stays in
//! the foreground); `pidfile` (or `-p`) is written once the listeners are bound, and only in
//! daemon or master-worker mode, as HAProxy does. Without any listener the run fails with
//! HAProxy's "No enabled listener found" alert.

pub mod daemon;
pub mod limits;
pub mod memory;

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::model::Config;
use crate::proxy::listener::{self, Started};
use crate::proxy::ProxyError;

/// Options from the command line that shape the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// `-p FILE`: overrides the global `pidfile`.
    pub pidfile: Option<PathBuf>,
    /// `-D`: daemon mode (not implemented yet: stays in the foreground).
    pub daemon: bool,
    /// `-sf`/`-st` pids (not implemented yet: ignored).
    pub old_pids: Vec<u32>,
    /// Overrides `nbthread`.
    pub nbthread: Option<usize>,
    /// The program name as invoked (`argv[0]`), used in some alerts.
    pub program: String,
}

/// Why the runtime stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The tokio runtime or signal handlers could not be set up.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// A proxy could not start (bind, resolution, missing backend).
    #[error("{0}")]
    Proxy(#[from] ProxyError),
    /// No frontend or listen has a `bind` line.
    #[error(
        "[{program}.main()] No enabled listener found (check for 'bind' directives) ! Exiting."
    )]
    NoListener {
        /// `argv[0]`.
        program: String,
    },
    /// The pidfile could not be written.
    #[error("[{path}] cannot create pidfile: {source}")]
    Pidfile {
        /// Its path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl RunError {
    /// The second alert HAProxy prints after some start-up errors, if any: after a failed
    /// `bind`, "[prog.main()] Some protocols failed to start their listeners! Exiting.".
    pub fn closing_alert(&self, program: &str) -> Option<String> {
        match self {
            RunError::Proxy(ProxyError::Bind { .. }) => Some(format!(
                "[{program}.main()] Some protocols failed to start their listeners! Exiting."
            )),
            _ => None,
        }
    }
}

/// Number of worker threads: `nbthread`, else the number of cores.
pub fn threads(config: &Config, opts: &RunOptions) -> usize {
    opts.nbthread
        .or(config.global.nbthread.and_then(|n| usize::try_from(n).ok()))
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs the proxies of `config` until SIGINT or SIGTERM.
pub fn run(config: Config, opts: RunOptions) -> Result<(), RunError> {
    run_until(config, opts, |_| {}, None)
}

/// Like [`run`], but also stops when `stop` fires (or its sender is dropped), and calls
/// `on_ready` once every listener is bound and the pidfile written.
pub fn run_until(
    config: Config,
    opts: RunOptions,
    on_ready: impl FnOnce(&Started),
    stop: Option<tokio::sync::oneshot::Receiver<()>>,
) -> Result<(), RunError> {
    let nofile = match limits::raise_nofile() {
        Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open files limit");
            1024
        }
    };
    // HAProxy's maxsock: two sockets per connection of `maxconn`, else what the process may open.
    let maxsock = config
        .global
        .maxconn
        .map_or(nofile, |m| (m as usize).saturating_mul(2).min(nofile));
    crate::proxy::backend::set_pool_high_from_maxsock(maxsock);
    // `nbthread 1` runs every task on the one thread, as HAProxy does: no work-stealing
    // scheduler, no cross-thread wake-ups (measured: fewer context switches per request).
    let n = threads(&config, &opts);
    let mut builder = if n == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(n);
        b
    };
    let rt = builder.enable_all().build().map_err(RunError::Runtime)?;
    // What the configuration asks for that is not active yet, so nothing is silently less.
    for sentence in crate::config::inactive::not_active(&config) {
        crate::log::event(crate::log::Level::Warning, &sentence);
    }
    let result = rt.block_on(async {
        let started = listener::start(&config).await?;
        tokio::spawn(memory::collect_after_activity());
        if started.addrs.is_empty() {
            return Err(RunError::NoListener {
                program: opts.program.clone(),
            });
        }
        // Like HAProxy, the pidfile is only written by a daemon or a master process.
        let daemon = opts.daemon || config.global.daemon || config.global.master_worker;
        let pidfile = opts
            .pidfile
            .clone()
            .or_else(|| config.global.pidfile.clone());
        if let Some(path) = pidfile.filter(|_| daemon) {
            let pid = format!("{}\n", std::process::id());
            std::fs::write(&path, pid).map_err(|source| RunError::Pidfile { path, source })?;
        }
        let mut started = started;
        on_ready(&started);
        let how = match stop {
            Some(rx) => {
                tokio::select! {
                    r = wait_for_stop() => r?,
                    _ = rx => Stop::Hard,
                }
            }
            None => wait_for_stop().await?,
        };
        if how == Stop::Graceful {
            // SIGUSR1: unbind, then serve the connections in flight until they end
            // (bounded by `hard-stop-after`).
            started.unbind();
            let idle = started.active.wait_idle();
            match config.global.hard_stop_after {
                Some(t) => {
                    let _ = tokio::time::timeout(t, idle).await;
                }
                None => idle.await,
            }
        }
        drop(started);
        Ok(())
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}

/// How the process was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// SIGTERM or SIGINT: quit now, closing every connection.
    Hard,
    /// SIGUSR1: stop listening, finish the connections in flight.
    Graceful,
}

/// Waits for SIGINT or SIGTERM (hard stop) or SIGUSR1 (graceful stop).
async fn wait_for_stop() -> Result<Stop, RunError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(RunError::Runtime)?;
    let mut int = signal(SignalKind::interrupt()).map_err(RunError::Runtime)?;
    let mut usr1 = signal(SignalKind::user_defined1()).map_err(RunError::Runtime)?;
    Ok(tokio::select! {
        _ = term.recv() => Stop::Hard,
        _ = int.recv() => Stop::Hard,
        _ = usr1.recv() => Stop::Graceful,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{HttpAction, HttpRule, Loc, Mode, Proxy, ProxyKind, ReturnBody};
    use crate::proxy::listener::BoundAddr;
    use crate::proxy::testutil::bind_any;
    use std::io::{Read, Write};

    #[test]
    fn a_config_without_listener_fails_with_haproxys_alert() {
        let opts = RunOptions {
            program: "/usr/sbin/haproxy".into(),
            ..RunOptions::default()
        };
        let e = run_until(Config::default(), opts, |_| {}, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "[/usr/sbin/haproxy.main()] No enabled listener found (check for 'bind' directives) ! Exiting."
        );
    }

    #[test]
    fn a_foreground_run_does_not_write_the_pidfile() {
        let mut p = Proxy::new("l", ProxyKind::Listen, Loc::new("t.cfg", 1));
        p.binds.push(bind_any());
        let cfg = Config {
            proxies: vec![p],
            ..Config::default()
        };
        let pidfile = std::env::temp_dir().join(format!("hx-fg-{}.pid", std::process::id()));
        let opts = RunOptions {
            pidfile: Some(pidfile.clone()),
            ..RunOptions::default()
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        drop(stop_tx);
        run_until(cfg, opts, |_| {}, Some(stop_rx)).unwrap();
        assert!(!pidfile.exists());
    }

    #[test]
    fn nbthread_wins_over_the_core_count_and_zero_is_ignored() {
        let mut c = Config::default();
        c.global.nbthread = Some(3);
        assert_eq!(threads(&c, &RunOptions::default()), 3);
        c.global.nbthread = Some(0);
        assert!(threads(&c, &RunOptions::default()) >= 1);
    }

    #[test]
    fn run_serves_writes_the_pidfile_and_stops_cleanly() {
        let mut p = Proxy::new("l", ProxyKind::Listen, Loc::new("t.cfg", 1));
        p.mode = Mode::Http;
        p.binds.push(bind_any());
        p.http_request.push(HttpRule {
            loc: Loc::new("t.cfg", 2),
            action: HttpAction::Return {
                status: 200,
                content_type: Some("text/plain".into()),
                body: ReturnBody::Bytes(b"up".to_vec()),
                headers: Vec::new(),
            },
            cond: None,
        });
        let mut cfg = Config {
            proxies: vec![p],
            ..Config::default()
        };
        cfg.global.nbthread = Some(1);
        let pidfile = std::env::temp_dir().join(format!("hx-run-{}.pid", std::process::id()));
        let opts = RunOptions {
            pidfile: Some(pidfile.clone()),
            daemon: true,
            ..RunOptions::default()
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let th = std::thread::spawn(move || {
            run_until(
                cfg,
                opts,
                move |s| {
                    let _ = ready_tx.send(s.addr("l").cloned());
                },
                Some(stop_rx),
            )
        });
        let t = Duration::from_secs(5);
        let Some(BoundAddr::Inet(addr)) = ready_rx.recv_timeout(t).unwrap() else {
            panic!("no addr")
        };
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(t)).unwrap();
        c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        assert!(out.ends_with("up"), "{out}");
        stop_tx.send(()).unwrap();
        th.join().unwrap().unwrap();
        let _ = std::fs::remove_file(&pidfile);
    }

    #[test]
    fn a_config_file_loaded_by_config_load_runs_end_to_end() {
        let dir = std::env::temp_dir().join(format!("hx-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fe_sock = dir.join("fe.sock");
        let ret_sock = dir.join("ret.sock");
        let text = format!(
            "global\n    nbthread 1\n\
             defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\
             frontend fe\n    bind {fe}\n    default_backend be\n\
             backend be\n    server s1 {ret}\n    http-response set-header X-Backend be\n\
             listen ret\n    bind unix@{ret}\n    http-request return status 200 content-type text/plain string ok if TRUE\n    http-request deny\n",
            fe = fe_sock.display(),
            ret = ret_sock.display()
        );
        let path = dir.join("a.cfg");
        std::fs::write(&path, text).unwrap();
        let loaded = match crate::config::load(std::slice::from_ref(&path)) {
            Ok(l) => l,
            Err(d) => panic!("{}", d.render(0)),
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let th = std::thread::spawn(move || {
            run_until(
                loaded.config,
                RunOptions::default(),
                move |_| {
                    let _ = ready_tx.send(());
                },
                Some(stop_rx),
            )
        });
        let t = Duration::from_secs(5);
        ready_rx.recv_timeout(t).unwrap();
        let mut c = std::os::unix::net::UnixStream::connect(&fe_sock).unwrap();
        c.set_read_timeout(Some(t)).unwrap();
        c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        assert!(out.contains(" 200 OK\r\n"), "{out}");
        assert!(
            out.to_ascii_lowercase().contains("x-backend: be\r\n"),
            "{out}"
        );
        assert!(out.ends_with("\r\n\r\nok"), "{out}");
        stop_tx.send(()).unwrap();
        th.join().unwrap().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
