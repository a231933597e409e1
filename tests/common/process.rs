//! The process under test: `Haproxy::start` (spawn `-db -f CFG` with `@@name` listeners handed
//! over as inherited `fd@N` sockets or, with `HAPROXY_TEST_BIND=port`, numeric ports; bounded
//! readiness wait; kill by own pid on drop), `RealHaproxy` for differential runs, `run_bin` for
//! one-shot runs (`-c`, `-v`, ...), and `alert_lines` to compare diagnostics.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use super::{binary_under_test, free_port, TempDir, REAL_HAPROXY, WAIT};
use std::collections::BTreeMap;
use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Output of a finished run of the binary.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code (-1 when killed by a signal or the bounded wait expired).
    pub code: i32,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

/// Runs `bin args...` to completion, bounded by `timeout` (the child is killed past it).
pub fn run_bin(bin: &Path, args: &[&str], timeout: Duration) -> Output {
    let spawned = {
        // Not while another thread's listeners are inheritable (see `spawn_lock`).
        let _g = spawn_lock();
        Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    };
    let mut child = spawned.unwrap_or_else(|e| panic!("cannot spawn {}: {e}", bin.display()));
    let out_rx = read_to_end_in_thread(child.stdout.take().unwrap());
    let err_rx = read_to_end_in_thread(child.stderr.take().unwrap());
    let deadline = Instant::now() + timeout;
    let stdout = out_rx
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap_or_default();
    let stderr = err_rx
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap_or_default();
    // Both pipes are closed: the child has exited (or we give up on it).
    let code = match child.try_wait() {
        Ok(Some(st)) => st.code().unwrap_or(-1),
        _ => {
            // pipes closed but not reaped yet, or timeout: wait a bounded time, then kill.
            let (tx, rx) = mpsc::channel();
            let pid = child.id();
            let h = std::thread::spawn(move || {
                let r = child.wait();
                let _ = tx.send(());
                r
            });
            if rx.recv_timeout(Duration::from_secs(2)).is_err() {
                kill_pid(pid);
            }
            h.join().unwrap().ok().and_then(|s| s.code()).unwrap_or(-1)
        }
    };
    Output {
        code,
        stdout,
        stderr,
    }
}

fn kill_pid(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

fn read_to_end_in_thread<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

/// True when listeners are handed over as numeric ports (`HAPROXY_TEST_BIND=port`) instead of
/// inherited sockets (`fd@N`, the default). Port mode has a small race (the port is free when
/// chosen, and bound by the child later) but needs nothing from the binary beyond `bind ADDR`.
pub fn port_mode() -> bool {
    std::env::var("HAPROXY_TEST_BIND").is_ok_and(|v| v == "port")
}

/// Listeners of one config: their addresses, and the sockets to inherit (fd mode only).
struct Listeners {
    addrs: BTreeMap<String, SocketAddr>,
    socks: BTreeMap<String, TcpListener>,
}

/// Expands `@@name` placeholders (name = `[A-Za-z0-9_]+`) in a config into `fd@N` for fresh
/// listening sockets bound on `127.0.0.1:0`, or into `127.0.0.1:PORT` in port mode.
fn expand_listeners(cfg: &str) -> (String, Listeners) {
    let mut out = String::with_capacity(cfg.len());
    let mut l = Listeners {
        addrs: BTreeMap::new(),
        socks: BTreeMap::new(),
    };
    let mut rest = cfg;
    while let Some(i) = rest.find("@@") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        assert!(!name.is_empty(), "empty @@ placeholder in config");
        if port_mode() {
            let addr = *l
                .addrs
                .entry(name.to_string())
                .or_insert_with(|| SocketAddr::from(([127, 0, 0, 1], free_port())));
            out.push_str(&addr.to_string());
        } else {
            let sock = l
                .socks
                .entry(name.to_string())
                .or_insert_with(|| TcpListener::bind("127.0.0.1:0").unwrap());
            l.addrs.insert(name.to_string(), sock.local_addr().unwrap());
            out.push_str(&format!("fd@{}", sock.as_raw_fd()));
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    (out, l)
}

/// True when some socket listens on 127.0.0.1:`port` (from `/proc/net/tcp`, no probe connection).
fn port_listening(port: u16) -> bool {
    let want = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
        t.lines().skip(1).any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.get(1) == Some(&want.as_str()) && w.get(3) == Some(&"0A")
        })
    })
}

/// A running binary under test, killed (by its own pid) on drop.
pub struct Haproxy {
    child: Option<Child>,
    /// The binary that runs.
    pub bin: PathBuf,
    /// The expanded config as written to disk.
    pub cfg: String,
    /// Where the config lives.
    pub dir: TempDir,
    addrs: BTreeMap<String, SocketAddr>,
    _socks: BTreeMap<String, TcpListener>,
    stderr: Arc<(Mutex<String>, Condvar)>,
    exited: mpsc::Receiver<()>,
}

impl Haproxy {
    /// Starts the binary under test with `-db -f CFG` and waits until it serves.
    pub fn start(cfg: &str) -> Haproxy {
        Self::start_bin(&binary_under_test(), cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Haproxy::start`] but returns the failure (with the child's stderr) instead of panicking.
    pub fn try_start(cfg: &str) -> Result<Haproxy, String> {
        Self::start_bin(&binary_under_test(), cfg)
    }

    /// Starts `bin -db -f CFG` where `cfg` may contain `@@name` listener placeholders.
    pub fn start_bin(bin: &Path, cfg: &str) -> Result<Haproxy, String> {
        Self::start_bin_args(bin, cfg, &[])
    }

    /// Like [`Haproxy::start_bin`] with extra arguments after `-db -f CFG`; `{dir}` in an
    /// argument is replaced by the private directory that holds the config.
    pub fn start_bin_args(bin: &Path, cfg: &str, extra: &[&str]) -> Result<Haproxy, String> {
        let (text, Listeners { addrs, socks }) = expand_listeners(cfg);
        let dir = TempDir::new();
        let path = dir.write("haproxy.cfg", &text);
        let mut cmd = Command::new(bin);
        cmd.arg("-db")
            .arg("-f")
            .arg(&path)
            .args(
                extra
                    .iter()
                    .map(|a| a.replace("{dir}", &dir.path().to_string_lossy())),
            )
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = {
            let _g = spawn_lock();
            for l in socks.values() {
                socket2::SockRef::from(l).set_cloexec(false).unwrap();
            }
            let r = cmd.spawn();
            for l in socks.values() {
                socket2::SockRef::from(l).set_cloexec(true).unwrap();
            }
            r.map_err(|e| format!("cannot spawn {}: {e}", bin.display()))?
        };
        let stderr = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let (tx, exited) = mpsc::channel();
        {
            let mut pipe = child.stderr.take().unwrap();
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let (text, cv) = &*stderr;
                            text.lock()
                                .unwrap()
                                .push_str(&String::from_utf8_lossy(&buf[..n]));
                            cv.notify_all();
                        }
                    }
                }
                let _ = tx.send(());
            });
        }
        let mut h = Haproxy {
            child: Some(child),
            bin: bin.to_path_buf(),
            cfg: text,
            dir,
            addrs,
            _socks: socks,
            stderr,
            exited,
        };
        h.wait_ready()?;
        Ok(h)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let pid = self.pid();
        let fds: Vec<i32> = self._socks.values().map(|l| l.as_raw_fd()).collect();
        let ports: Vec<u16> = if fds.is_empty() {
            self.addrs.values().map(|a| a.port()).collect()
        } else {
            Vec::new()
        };
        let deadline = Instant::now() + WAIT;
        loop {
            if fds.iter().all(|fd| epoll_watches(pid, *fd))
                && ports.iter().all(|p| port_listening(*p))
            {
                return Ok(());
            }
            // The bounded wait doubles as exit detection: the stderr pipe closes when it exits.
            match self.exited.recv_timeout(Duration::from_millis(20)) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let code = self
                        .child
                        .as_mut()
                        .and_then(|c| c.wait().ok())
                        .and_then(|s| s.code());
                    self.child = None;
                    return Err(format!(
                        "{} exited ({code:?}) before serving; stderr:\n{}\nconfig:\n{}",
                        self.bin.display(),
                        self.stderr(),
                        self.cfg
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() > deadline {
                if fds.is_empty() && ports.is_empty() {
                    return Ok(());
                }
                return Err(format!(
                    "{} did not start listening within {WAIT:?}; stderr:\n{}",
                    self.bin.display(),
                    self.stderr()
                ));
            }
        }
    }

    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Address of the listener named `@@name` in the config.
    pub fn addr(&self, name: &str) -> SocketAddr {
        *self
            .addrs
            .get(name)
            .unwrap_or_else(|| panic!("no listener @@{name} in config"))
    }

    /// Everything the child wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.0.lock().unwrap().clone()
    }

    /// Waits (at most `timeout`) until the child's stderr contains `needle`; false on timeout.
    pub fn wait_stderr(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (text, cv) = &*self.stderr;
        let mut g = text.lock().unwrap();
        while !g.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = cv.wait_timeout(g, left).unwrap().0;
        }
        true
    }

    /// Waits (at most `timeout`) until the child's stderr contains `needle` `n` times.
    pub fn wait_stderr_count(&self, needle: &str, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (text, cv) = &*self.stderr;
        let mut g = text.lock().unwrap();
        while g.matches(needle).count() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = cv.wait_timeout(g, left).unwrap().0;
        }
        true
    }

    /// Waits (at most `timeout`) for the child to exit on its own; its exit code (-1 when killed
    /// by a signal), or None if it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        match self.exited.recv_timeout(timeout) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let st = self.child.take()?.wait().ok()?;
                Some(st.code().unwrap_or(-1))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => None,
        }
    }

    /// True while the child runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Runs `-c -f CFG` with the binary under test. Returns (exit code, stderr).
    pub fn check(cfg: &str) -> (i32, String) {
        Self::check_bin(&binary_under_test(), cfg)
    }

    /// Runs `bin -c -f CFG`. Returns (exit code, stderr).
    pub fn check_bin(bin: &Path, cfg: &str) -> (i32, String) {
        let dir = TempDir::new();
        let path = dir.write("haproxy.cfg", cfg);
        let o = run_bin(bin, &["-c", "-f", path.to_str().unwrap()], WAIT);
        (o.code, o.stderr)
    }

    /// Runs `bin -c -f FILE` on an existing file. Returns (exit code, stderr).
    pub fn check_file(bin: &Path, file: &Path) -> (i32, String) {
        let o = run_bin(bin, &["-c", "-f", file.to_str().unwrap()], WAIT);
        (o.code, o.stderr)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// True when some epoll instance of process `pid` watches the socket our fd `fd` refers to
/// (compared by socket inode, so a child that dup()s the inherited fd is recognised too).
fn epoll_watches(pid: u32, fd: i32) -> bool {
    let Ok(ours) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
        return false;
    };
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    for e in entries.flatten() {
        let Ok(link) = std::fs::read_link(e.path()) else {
            continue;
        };
        if link.to_string_lossy() != "anon_inode:[eventpoll]" {
            continue;
        }
        let info = format!("/proc/{pid}/fdinfo/{}", e.file_name().to_string_lossy());
        let Ok(text) = std::fs::read_to_string(info) else {
            continue;
        };
        for line in text.lines() {
            let mut w = line.split_whitespace();
            if w.next() != Some("tfd:") {
                continue;
            }
            let Some(tfd) = w.next() else { continue };
            if std::fs::read_link(format!("/proc/{pid}/fd/{tfd}")).is_ok_and(|l| l == ours) {
                return true;
            }
        }
    }
    false
}

/// The real HAProxy 2.6 as a second binary for differential tests.
pub struct RealHaproxy;

impl RealHaproxy {
    /// True when `/usr/sbin/haproxy` exists; otherwise prints why the caller skips.
    pub fn available() -> bool {
        let ok = Path::new(REAL_HAPROXY).exists();
        if !ok {
            eprintln!("skipped: {REAL_HAPROXY} is absent, no differential comparison possible");
        }
        ok
    }
    /// Starts the real HAProxy on `cfg` (same placeholders as [`Haproxy::start`]).
    pub fn start(cfg: &str) -> Haproxy {
        Haproxy::start_bin(Path::new(REAL_HAPROXY), cfg).unwrap_or_else(|e| panic!("{e}"))
    }
    /// `haproxy -c` with the real binary.
    pub fn check(cfg: &str) -> (i32, String) {
        Haproxy::check_bin(Path::new(REAL_HAPROXY), cfg)
    }
}

/// The `[ALERT]` lines of a stderr, each cut to the text after `(pid) : `, with `file` replaced by
/// `{file}` so outputs from different paths compare.
pub fn alert_lines(stderr: &str, file: Option<&str>) -> Vec<String> {
    level_lines(stderr, "[ALERT]", file)
}

/// Lines of `level` (`[ALERT]`, `[WARNING]`, `[NOTICE]`) cut to the text after `(pid) : `.
pub fn level_lines(stderr: &str, level: &str, file: Option<&str>) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with(level))
        .map(|l| {
            let t = match l.find(") : ") {
                Some(i) => &l[i + 4..],
                None => l,
            };
            match file {
                Some(f) => t.replace(f, "{file}"),
                None => t.to_string(),
            }
        })
        .collect()
}

/// Serialises spawns so a listening socket with CLOEXEC cleared only leaks into its own child.
fn spawn_lock() -> std::sync::MutexGuard<'static, ()> {
    static L: OnceLock<Mutex<()>> = OnceLock::new();
    let l = L.get_or_init(|| Mutex::new(()));
    l.lock().unwrap_or_else(|e| e.into_inner())
}
