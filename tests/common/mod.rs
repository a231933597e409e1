//! Black-box test harness shared by every file in `tests/`: starts the binary under test (ours by
//! default, or the one named by `HAPROXY_UNDER_TEST`, or always `/usr/sbin/haproxy` through
//! [`RealHaproxy`]) on a generated config, HTTP and TCP origins on `127.0.0.1:0`, a port registry and
//! a raw HTTP/1.x client.
//!
//! Listening sockets are never fixed ports: a config names its listeners `@@name` (for example
//! `bind @@fe`); the harness binds `127.0.0.1:0` itself, clears `FD_CLOEXEC` and writes
//! `bind fd@N`, so the child inherits the already-listening socket. Readiness is observed without
//! sleeping and without a probe connection: the harness waits (bounded) until an epoll instance
//! of the child watches fd N (`/proc/PID/fdinfo`), or until the child exits.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The real HAProxy 2.6, the reference of every test.
pub const REAL_HAPROXY: &str = "/usr/sbin/haproxy";
/// Upper bound for any wait in the harness (startup, a response, a process exit).
pub const WAIT: Duration = Duration::from_secs(10);

/// The binary under test: `HAPROXY_UNDER_TEST` if set, else ours.
pub fn binary_under_test() -> PathBuf {
    match std::env::var_os("HAPROXY_UNDER_TEST") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_haproxy")),
    }
}

/// True when the binary under test is the real HAProxy (the suite is then validating itself).
pub fn under_test_is_real() -> bool {
    binary_under_test() == Path::new(REAL_HAPROXY)
}

/// The shared directory: `$HAPROXY_SHARED_DIR`, else `../shared` next to the repository root
/// (CI layout), else `../../shared` (a git worktree under `wt/`).
pub fn shared_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HAPROXY_SHARED_DIR") {
        return PathBuf::from(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = root.join("../shared");
    if ci.join("seed").is_dir() {
        return ci;
    }
    let wt = root.join("../../shared");
    if wt.join("seed").is_dir() {
        return wt;
    }
    ci
}

/// The corpus directory (`tests/corpus`).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

// ---------------------------------------------------------------------------------------------
// temp dirs, ports
// ---------------------------------------------------------------------------------------------

/// A private temporary directory, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system temp dir.
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("haproxy-rs-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Writes `content` to `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Port registry: hands out distinct local port numbers for places that need a number (a server
/// line pointing at a closed port). The port is found by binding `127.0.0.1:0` and released, so
/// nothing listens on it; a process never gets the same number twice.
pub fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(|| Mutex::new(HashSet::new()));
    loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if used.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// An address where nothing listens (connections are refused).
pub fn closed_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_port()))
}

/// Serialises spawns so a listening socket with CLOEXEC cleared only leaks into its own child.
fn spawn_lock() -> std::sync::MutexGuard<'static, ()> {
    static L: OnceLock<Mutex<()>> = OnceLock::new();
    let l = L.get_or_init(|| Mutex::new(()));
    l.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------------
// the process under test
// ---------------------------------------------------------------------------------------------

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
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", bin.display()));
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

/// True when some epoll instance of process `pid` watches its fd `fd`.
fn epoll_watches(pid: u32, fd: i32) -> bool {
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
            if w.next() == Some("tfd:") && w.next().and_then(|s| s.parse::<i32>().ok()) == Some(fd)
            {
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

// ---------------------------------------------------------------------------------------------
// origins
// ---------------------------------------------------------------------------------------------

/// What an HTTP origin does with a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    /// Answers 200 with its name.
    Answer,
    /// Writes bytes that are not HTTP, then closes.
    Garbage,
    /// Reads the request and closes without answering.
    Close,
}

/// A request as the origin saw it.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    /// Method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// Version, e.g. `HTTP/1.1`.
    pub version: String,
    /// Headers in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Which accepted connection (1-based) carried it.
    pub conn: usize,
    /// The request body as received (de-chunked by the origin).
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// All values of header `name`.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// First value of header `name`.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_all(name).into_iter().next()
    }
}

struct OriginState {
    name: String,
    behaviour: Behaviour,
    delay: Duration,
    conns: AtomicUsize,
    requests: Mutex<Vec<SeenRequest>>,
    active: Mutex<usize>,
    arrived: Condvar,
}

impl OriginState {
    fn new(name: &str, behaviour: Behaviour, delay: Duration) -> Arc<OriginState> {
        Arc::new(OriginState {
            name: name.to_string(),
            behaviour,
            delay,
            conns: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            active: Mutex::new(0),
            arrived: Condvar::new(),
        })
    }
    fn set_active(&self, delta: isize) {
        let mut g = self.active.lock().unwrap();
        *g = g.saturating_add_signed(delta);
        self.arrived.notify_all();
    }
    fn record(&self, req: SeenRequest) {
        self.requests.lock().unwrap().push(req);
        self.arrived.notify_all();
    }
}

/// A test origin server on `127.0.0.1:0` (HTTP/1.1 via hyper, or TCP echo).
pub struct Origin {
    addr: SocketAddr,
    state: Arc<OriginState>,
    rt: Option<tokio::runtime::Runtime>,
}

/// Builder for [`Origin`].
pub struct OriginBuilder {
    name: String,
    behaviour: Behaviour,
    delay: Duration,
}

impl OriginBuilder {
    /// Waits `d` before answering each request.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
    /// Sends garbage instead of an HTTP response.
    pub fn garbage(mut self) -> Self {
        self.behaviour = Behaviour::Garbage;
        self
    }
    /// Closes the connection without answering.
    pub fn close_without_answer(mut self) -> Self {
        self.behaviour = Behaviour::Close;
        self
    }
    /// Starts the origin.
    pub fn start(self) -> Origin {
        let state = OriginState::new(&self.name, self.behaviour, self.delay);
        let rt = runtime();
        let std_l = TcpListener::bind("127.0.0.1:0").unwrap();
        std_l.set_nonblocking(true).unwrap();
        let addr = std_l.local_addr().unwrap();
        let st = Arc::clone(&state);
        rt.spawn(async move {
            let l = tokio::net::TcpListener::from_std(std_l).unwrap();
            loop {
                let Ok((sock, _)) = l.accept().await else {
                    continue;
                };
                let n = st.conns.fetch_add(1, Ordering::SeqCst) + 1;
                let st = Arc::clone(&st);
                tokio::spawn(serve_http(st, sock, n));
            }
        });
        Origin {
            addr,
            state,
            rt: Some(rt),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

async fn serve_http(st: Arc<OriginState>, mut sock: tokio::net::TcpStream, conn: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    match st.behaviour {
        Behaviour::Garbage | Behaviour::Close => {
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            // read until the end of the request headers (bounded)
            while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 65536 {
                match tokio::time::timeout(WAIT, sock.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            if let Some(req) = parse_seen(&got, conn) {
                st.record(req);
            }
            if !st.delay.is_zero() {
                tokio::time::sleep(st.delay).await;
            }
            if st.behaviour == Behaviour::Garbage {
                let _ = sock
                    .write_all(b"this is not HTTP at all\x00\x01\x02\r\n\r\n")
                    .await;
            }
            let _ = sock.shutdown().await;
        }
        Behaviour::Answer => {
            let svc =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let st = Arc::clone(&st);
                    async move {
                        use http_body_util::BodyExt;
                        let (parts, body) = req.into_parts();
                        let body = match body.collect().await {
                            Ok(b) => b.to_bytes().to_vec(),
                            Err(_) => Vec::new(),
                        };
                        let seen = SeenRequest {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            version: format!("{:?}", parts.version),
                            body,
                            headers: parts
                                .headers
                                .iter()
                                .map(|(k, v)| {
                                    (
                                        k.as_str().to_string(),
                                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                                    )
                                })
                                .collect(),
                            conn,
                        };
                        let mut resp = hyper::Response::builder()
                            .status(200)
                            .header("x-server", st.name.as_str())
                            .header("x-conn", conn.to_string());
                        for (k, v) in &seen.headers {
                            resp = resp.header(format!("x-echo-{k}"), v.as_str());
                        }
                        st.record(seen);
                        if !st.delay.is_zero() {
                            tokio::time::sleep(st.delay).await;
                        }
                        let body = http_body_util::Full::new(bytes::Bytes::from(st.name.clone()));
                        Ok::<_, std::convert::Infallible>(resp.body(body).unwrap())
                    }
                });
            let io = hyper_util::rt::TokioIo::new(sock);
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc)
                .await;
        }
    }
}

fn parse_seen(raw: &[u8], conn: usize) -> Option<SeenRequest> {
    let mut hs = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut hs);
    req.parse(raw).ok()?;
    Some(SeenRequest {
        method: req.method?.to_string(),
        uri: req.path?.to_string(),
        version: format!("HTTP/1.{}", req.version?),
        headers: req
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        conn,
        body: Vec::new(),
    })
}

impl Origin {
    /// Starts an HTTP origin named `name` that answers 200 with its name.
    pub fn http(name: &str) -> Origin {
        Self::builder(name).start()
    }
    /// A builder for an HTTP origin named `name`.
    pub fn builder(name: &str) -> OriginBuilder {
        OriginBuilder {
            name: name.to_string(),
            behaviour: Behaviour::Answer,
            delay: Duration::ZERO,
        }
    }
    /// Starts a TCP echo origin: echoes bytes back, and shuts its write side when the client does.
    pub fn tcp_echo() -> Origin {
        let state = OriginState::new("echo", Behaviour::Answer, Duration::ZERO);
        let rt = runtime();
        let std_l = TcpListener::bind("127.0.0.1:0").unwrap();
        std_l.set_nonblocking(true).unwrap();
        let addr = std_l.local_addr().unwrap();
        let st = Arc::clone(&state);
        rt.spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let l = tokio::net::TcpListener::from_std(std_l).unwrap();
            loop {
                let Ok((mut sock, _)) = l.accept().await else {
                    continue;
                };
                st.conns.fetch_add(1, Ordering::SeqCst);
                st.set_active(1);
                let st = Arc::clone(&st);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16384];
                    loop {
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if sock.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = sock.shutdown().await;
                    st.set_active(-1);
                });
            }
        });
        Origin {
            addr,
            state,
            rt: Some(rt),
        }
    }
    /// Its listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// Its name.
    pub fn name(&self) -> &str {
        &self.state.name
    }
    /// Connections accepted so far.
    pub fn conns(&self) -> usize {
        self.state.conns.load(Ordering::SeqCst)
    }
    /// Requests seen so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.state.requests.lock().unwrap().clone()
    }
    /// Open connections right now (TCP echo origins only).
    pub fn active(&self) -> usize {
        *self.state.active.lock().unwrap()
    }
    /// Waits (at most [`WAIT`]) until exactly `n` connections are open (TCP echo origins only);
    /// false on timeout.
    pub fn wait_active(&self, n: usize) -> bool {
        let deadline = Instant::now() + WAIT;
        let mut g = self.state.active.lock().unwrap();
        while *g != n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = self.state.arrived.wait_timeout(g, left).unwrap().0;
        }
        true
    }
    /// Waits (at most [`WAIT`]) until at least `n` requests have arrived; false on timeout.
    pub fn wait_requests(&self, n: usize) -> bool {
        let deadline = Instant::now() + WAIT;
        let mut g = self.state.requests.lock().unwrap();
        while g.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = self.state.arrived.wait_timeout(g, left).unwrap().0;
        }
        true
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// raw HTTP client
// ---------------------------------------------------------------------------------------------

/// A parsed HTTP response.
#[derive(Clone, Debug, Default)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Version as sent (`HTTP/1.1`).
    pub version: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The `x-server` header set by [`Origin`] (the server that answered), or "" if none.
    pub fn server(&self) -> String {
        self.header("x-server").unwrap_or("").to_string()
    }
}

/// One client connection that writes raw bytes and reads HTTP responses, every read bounded.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `addr` (bounded).
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect_timeout(&addr, WAIT).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.set_write_timeout(Some(WAIT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }
    /// Connects to `addr` from the local address `src` (any `127.x.y.z` works on Linux), so
    /// source-hashing sees different clients.
    pub fn connect_from(addr: SocketAddr, src: std::net::IpAddr) -> Client {
        let sock =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        sock.bind(&SocketAddr::new(src, 0).into()).unwrap();
        sock.connect_timeout(&addr.into(), WAIT).unwrap();
        let stream: TcpStream = sock.into();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.set_write_timeout(Some(WAIT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }
    /// The underlying stream.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }
    /// Writes raw bytes.
    pub fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).unwrap();
    }
    /// Sends a GET for `path` (HTTP/1.1, keep-alive) and reads the response.
    pub fn get(&mut self, path: &str) -> Response {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.read_response().unwrap()
    }
    /// Sends raw bytes and reads one response.
    pub fn request(&mut self, raw: &str) -> Response {
        self.send(raw.as_bytes());
        self.read_response().unwrap()
    }
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut b = [0u8; 16384];
        let n = self.stream.read(&mut b)?;
        self.buf.extend_from_slice(&b[..n]);
        Ok(n)
    }
    /// Reads one response; Err on EOF before a status line, timeout or malformed data.
    pub fn read_response(&mut self) -> Result<Response, String> {
        self.read_response_inner(false)
    }
    /// Reads the response to a HEAD request (headers only, whatever Content-Length says).
    pub fn read_head_response(&mut self) -> Result<Response, String> {
        self.read_response_inner(true)
    }
    fn read_response_inner(&mut self, head_only: bool) -> Result<Response, String> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match self.fill() {
                Ok(0) => {
                    return Err(format!(
                        "connection closed before a full response head ({} bytes: {:?})",
                        self.buf.len(),
                        String::from_utf8_lossy(&self.buf)
                    ))
                }
                Ok(_) => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("").to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        let mut resp = Response {
            status,
            version,
            headers,
            body: Vec::new(),
        };
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let cl = resp
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok());
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(resp);
        }
        if chunked {
            loop {
                let line = self.read_line()?;
                let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| format!("bad chunk size {line:?}"))?;
                if size == 0 {
                    // trailers until empty line
                    while !self.read_line()?.is_empty() {}
                    break;
                }
                self.read_exact_into_body(size, &mut resp)?;
                self.read_line()?;
            }
        } else if let Some(n) = cl {
            self.read_exact_into_body(n, &mut resp)?;
        } else {
            loop {
                match self.fill() {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => return Err(format!("read error: {e}")),
                }
            }
            resp.body = std::mem::take(&mut self.buf);
        }
        Ok(resp)
    }
    fn read_line(&mut self) -> Result<String, String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let l = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(l);
            }
            match self.fill() {
                Ok(0) => return Err("eof in chunked body".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
    }
    fn read_exact_into_body(&mut self, n: usize, resp: &mut Response) -> Result<(), String> {
        while self.buf.len() < n {
            match self.fill() {
                Ok(0) => return Err("eof in body".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
        resp.body.extend(self.buf.drain(..n));
        Ok(())
    }
    /// True when the peer closes the connection (EOF or reset) within [`WAIT`]; any byte
    /// received before the close is kept in the buffer.
    pub fn closed_by_peer(&mut self) -> bool {
        loop {
            match self.fill() {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) => {
                    return !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    )
                }
            }
        }
    }
    /// Reads everything until EOF (bounded) and returns it raw.
    pub fn read_to_close(&mut self) -> Vec<u8> {
        let _ = self.closed_by_peer();
        std::mem::take(&mut self.buf)
    }
}

/// One GET on a fresh connection with `Connection: close`.
pub fn get(addr: SocketAddr, path: &str) -> Response {
    let mut c = Client::connect(addr);
    c.request(&format!(
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    ))
}

/// One request (raw head, `Connection: close` is up to the caller) on a fresh connection; the
/// answering server's name, or `<status>` when the proxy answered itself.
pub fn server_of(addr: SocketAddr, raw: &str) -> String {
    let r = Client::connect(addr).request(raw);
    if r.status == 200 {
        r.server()
    } else {
        format!("<{}>", r.status)
    }
}

/// `n` GETs, each on its own connection; returns the `x-server` of each answer (or `<status>`
/// when the answer came from the proxy).
pub fn server_sequence(addr: SocketAddr, path: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let r = get(addr, path);
            if r.status == 200 {
                r.server()
            } else {
                format!("<{}>", r.status)
            }
        })
        .collect()
}

/// Counts occurrences of each element.
pub fn tally(seq: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in seq {
        *m.entry(s.clone()).or_insert(0) += 1;
    }
    m
}
