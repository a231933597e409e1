//! Process runtime: builds the tokio runtime (`nbthread` worker threads, default the number
//! of cores), starts every enabled frontend and `listen` (configuration.txt 3.1 `nbthread`,
//! `pidfile`), then runs until SIGINT or SIGTERM and exits cleanly.
//!
//! `-D`, `-sf` and `-st` are accepted by the caller and ignored here for now; `pidfile` (or
//! `-p`) is written once the listeners are bound.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::model::Config;
use crate::proxy::listener;
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
    /// The pidfile could not be written.
    #[error("[{path}] cannot create pidfile: {source}")]
    Pidfile {
        /// Its path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads(&config, &opts))
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let result = rt.block_on(async {
        let started = listener::start(&config).await?;
        if let Some(path) = opts
            .pidfile
            .clone()
            .or_else(|| config.global.pidfile.clone())
        {
            let pid = format!("{}\n", std::process::id());
            std::fs::write(&path, pid).map_err(|source| RunError::Pidfile { path, source })?;
        }
        wait_for_stop().await?;
        drop(started);
        Ok(())
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Waits for SIGINT or SIGTERM.
async fn wait_for_stop() -> Result<(), RunError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(RunError::Runtime)?;
    let mut int = signal(SignalKind::interrupt()).map_err(RunError::Runtime)?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
