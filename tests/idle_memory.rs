//! Memory per idle HTTP/1.1 keep-alive connection, the number issue 6 tracks: the proxy holds N
//! client connections that each sent one request, read the whole response and stay open idle;
//! the proxy's VmRSS (`/proc/PID/status`) is sampled before and after each of a few stages.
//! Printed: N, RSS before/after, bytes per connection from the endpoints ((after - before) / N)
//! and the marginal slope (least squares over the stages, without the 0 point, so one-time
//! growth of pools and tables is left out), for the binary under test and, when installed, for
//! `/usr/sbin/haproxy` on the same config, with the ratio. Modelled on
//! `shared/bench/idle_conns.py`; the config is `shared/bench/compare.cfg`'s `fe_http` with one
//! server.
//!
//! Asserted, on either binary: every request got a 200 and every connection is still open after
//! the hold (a bounded read finds nothing, not EOF). On our binary only: bytes per connection stay
//! under a regression bound per N ([`BOUND_3000`], [`BOUND_10000`]). HAProxy's own number is
//! printed, not asserted against: it is the target, not met yet.
//!
//! Clients are plain blocking sockets on a few threads, each with a batch of connections in
//! flight, all on 127.0.0.1; every connect and read is bounded and a run stops at a deadline.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Regression bounds on our bytes per idle connection, (endpoints, marginal), for the debug
/// build the suite runs. Measured 2026-12 over about ten runs on 2 cores (issue 6), in bytes:
///
/// | N      | ours endpoints | ours marginal | HAProxy 2.6 endpoints | HAProxy marginal |
/// |--------|----------------|---------------|-----------------------|------------------|
/// | 3,000  | 2,281-3,561    | 869-2,426     | 1,252-1,502           | 980-1,340        |
/// | 10,000 | 1,907-2,169    | 1,497-1,868   | 1,203-1,242           | 1,122-1,191      |
///
/// Each bound is about 1.5x the worst of ours, to catch a regression, not to meet the target;
/// tighten them towards HAProxy's numbers as the engine improves (issue 6).
const BOUND_3000: (f64, f64) = (5_400.0, 3_700.0);
/// See [`BOUND_3000`].
const BOUND_10000: (f64, f64) = (3_300.0, 2_800.0);

/// RSS samples: after the 0 point, one per stage.
const STAGES: usize = 4;
/// Client threads; each keeps [`BATCH`] connections in flight (100 in all).
const THREADS: usize = 4;
const BATCH: usize = 25;
/// Bound on one connect or one read.
const IO_WAIT: Duration = Duration::from_secs(5);
/// Bound on the opening of all connections of one run.
const RUN_DEADLINE: Duration = Duration::from_secs(25);
/// Descriptors the test process keeps for the origin side of idle server connections.
const SERVER_SIDE_FDS: u64 = 2048;
/// Descriptors the test process keeps for itself (harness, threads, listeners).
const RESERVE_FDS: u64 = 512;
/// `maxconn` of the config: above the largest N, the same for every N.
const MAXCONN: u64 = 10_500;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

#[test]
fn idle_keepalive_connections_at_3000() {
    idle_memory(3_000, BOUND_3000);
}

#[test]
fn idle_keepalive_connections_at_10000() {
    idle_memory(10_000, BOUND_10000);
}

/// Runs the measure on the binary under test and, when it is ours and HAProxy is installed, on
/// HAProxy too; prints both and the ratio, asserts `(endpoints, marginal)` bounds on ours.
fn idle_memory(wanted: usize, (max_endpoints, max_marginal): (f64, f64)) {
    let n = fit_nofile(wanted);
    let ours = !under_test_is_real();
    let under = measure(n, &binary_under_test());
    under.print();
    if ours && RealHaproxy::available() {
        let real = measure(n, std::path::Path::new(REAL_HAPROXY));
        real.print();
        eprintln!(
            "idle_memory N={n}: ours/haproxy = {:.2} (endpoints), {:.2} (marginal)",
            under.endpoints / real.endpoints,
            under.marginal / real.marginal
        );
    }
    if ours && n < wanted {
        eprintln!("idle_memory: bound not checked, it holds for N={wanted} only");
    } else if ours {
        assert!(
            under.endpoints < max_endpoints && under.marginal < max_marginal,
            "our memory per idle connection regressed: {:.0} B endpoints (bound {max_endpoints}), \
             {:.0} B marginal (bound {max_marginal}) at N={n}",
            under.endpoints,
            under.marginal,
        );
    }
}

/// Raises the soft RLIMIT_NOFILE to the hard limit (the proxy inherits both) and returns the
/// number of client connections that fit: the test process holds each client connection, plus
/// the origin side of the server connections the proxy keeps idle (ours keeps at most 1,024,
/// HAProxy fewer once `tune.pool-high-fd-ratio` of its descriptors are in use), plus the
/// harness's own. Where the hard limit is too low, N falls back to what fits and is printed.
fn fit_nofile(wanted: usize) -> usize {
    use rlimit::Resource;
    let (_, hard) = Resource::NOFILE.get().unwrap();
    Resource::NOFILE.set(hard, hard).unwrap();
    let fits = hard.saturating_sub(SERVER_SIDE_FDS + RESERVE_FDS);
    let n = wanted.min(usize::try_from(fits).unwrap_or(usize::MAX));
    if n < wanted {
        eprintln!("idle_memory: RLIMIT_NOFILE {hard} holds only N={n} of {wanted} connections");
    }
    assert!(n >= 100, "RLIMIT_NOFILE {hard} is too low for this test");
    n
}

/// The config: `compare.cfg`'s `fe_http` with one server. HAProxy sizes its descriptor limit
/// from `maxconn` (2 x maxconn + 14) and, with `strict-limits` (the 2.6 default), refuses to start
/// when it cannot raise the hard limit that far; where the hard limit is lower, `no
/// strict-limits` lets it run on the hard limit (one ALERT line), which holds N clients.
fn config(origin: SocketAddr) -> String {
    let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
    let strict = if hard < 2 * MAXCONN + 14 {
        "    no strict-limits\n"
    } else {
        ""
    };
    format!(
        "global\n    nbthread 1\n    maxconn {MAXCONN}\n{strict}\
         defaults\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n\
         frontend fe_http\n    mode http\n    bind @@fe\n    default_backend be_http\n\
         backend be_http\n    mode http\n    balance roundrobin\n    server s1 {origin}\n"
    )
}

/// What one run measured.
struct Measure {
    bin: String,
    n: usize,
    rss_before_kb: u64,
    rss_after_kb: u64,
    endpoints: f64,
    marginal: f64,
    server_conns_opened: usize,
    proxy_fds: usize,
    secs: f64,
}

impl Measure {
    fn print(&self) {
        eprintln!(
            "idle_memory {}: N={} rss_before={} kB rss_after={} kB bytes_per_conn={:.0} \
             marginal={:.0} server_conns_opened={} proxy_fds={} open_secs={:.1}",
            self.bin,
            self.n,
            self.rss_before_kb,
            self.rss_after_kb,
            self.endpoints,
            self.marginal,
            self.server_conns_opened,
            self.proxy_fds,
            self.secs
        );
    }
}

/// Starts `bin` on the `fe_http` config with one fresh origin, opens `n` idle connections in
/// stages, samples the proxy's RSS, checks every connection answered 200 and stays open.
fn measure(n: usize, bin: &std::path::Path) -> Measure {
    let origin = Origin::http("s1");
    let cfg = config(origin.addr());
    let proxy = Haproxy::start_bin(bin, &cfg).unwrap_or_else(|e| panic!("{e}"));
    let pid = proxy.pid();
    let fe = proxy.addr("fe");

    let mut conns: Vec<TcpStream> = Vec::with_capacity(n);
    let mut failed: Vec<String> = Vec::new();
    let mut samples = vec![(0usize, rss_kb(pid))];
    let start = Instant::now();
    let deadline = start + RUN_DEADLINE;
    for stage in 1..=STAGES {
        let target = n * stage / STAGES;
        let (ok, bad) = open_idle(fe, target - conns.len() - failed.len(), deadline);
        conns.extend(ok);
        failed.extend(bad);
        samples.push((conns.len(), rss_kb(pid)));
    }
    let secs = start.elapsed().as_secs_f64();
    assert!(
        failed.is_empty(),
        "{}: {} of {n} connections failed, first: {:?}\nstderr:\n{}",
        bin.display(),
        failed.len(),
        &failed[..failed.len().min(3)],
        proxy.stderr()
    );
    assert_still_open(&conns, bin);

    let m = Measure {
        bin: bin.display().to_string(),
        n,
        rss_before_kb: samples[0].1,
        rss_after_kb: samples[STAGES].1,
        endpoints: (samples[STAGES].1 as f64 - samples[0].1 as f64) * 1024.0 / n as f64,
        marginal: slope(&samples[1..]),
        server_conns_opened: origin.conns(),
        proxy_fds: std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count()),
        secs,
    };
    drop(conns);
    drop(proxy);
    m
}

/// Opens `count` connections to `addr` on [`THREADS`] threads; each sends one request and reads
/// the whole response. Returns the connections that got a 200, and a note for each failure.
fn open_idle(addr: SocketAddr, count: usize, deadline: Instant) -> (Vec<TcpStream>, Vec<String>) {
    let per = count.div_ceil(THREADS);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let mine = per.min(count.saturating_sub(t * per));
                s.spawn(move || open_batches(addr, mine, deadline))
            })
            .collect();
        let mut ok = Vec::with_capacity(count);
        let mut bad = Vec::new();
        for w in workers {
            let (o, b) = w.join().unwrap();
            ok.extend(o);
            bad.extend(b);
        }
        (ok, bad)
    })
}

/// One client thread: [`BATCH`] connections at a time are opened and sent their request, then
/// their responses are read.
fn open_batches(
    addr: SocketAddr,
    count: usize,
    deadline: Instant,
) -> (Vec<TcpStream>, Vec<String>) {
    let mut ok = Vec::with_capacity(count);
    let mut bad = Vec::new();
    let mut left = count;
    while left > 0 {
        let k = left.min(BATCH);
        left -= k;
        if Instant::now() > deadline {
            bad.extend((0..k).map(|_| "run deadline passed".to_string()));
            continue;
        }
        let mut sent = Vec::with_capacity(k);
        for _ in 0..k {
            match send_request(addr) {
                Ok(s) => sent.push(s),
                Err(e) => bad.push(e),
            }
        }
        for mut s in sent {
            match read_response(&mut s) {
                Ok(()) => ok.push(s),
                Err(e) => bad.push(e),
            }
        }
    }
    (ok, bad)
}

fn send_request(addr: SocketAddr) -> Result<TcpStream, String> {
    let mut s = TcpStream::connect_timeout(&addr, IO_WAIT).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(IO_WAIT)).unwrap();
    s.set_nodelay(true).unwrap();
    s.write_all(REQUEST).map_err(|e| format!("write: {e}"))?;
    Ok(s)
}

/// Reads one whole response (head, then a `content-length` body); Ok when it is a 200.
fn read_response(s: &mut TcpStream) -> Result<(), String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = content_length(&head).ok_or_else(|| format!("no content-length: {head}"))?;
            if buf.len() >= end + 4 + len {
                return if head.starts_with("HTTP/1.1 200") {
                    Ok(())
                } else {
                    Err(head.lines().next().unwrap_or("").to_string())
                };
            }
        }
        if buf.len() > 65536 {
            return Err("response too large".into());
        }
        match s.read(&mut chunk) {
            Ok(0) => return Err(format!("EOF after {} bytes", buf.len())),
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())?
    })
}

/// After the hold, the proxy kept every connection: a sample of them is read with a short
/// timeout (which is the hold), then every one is read without waiting; each must find nothing
/// to read, neither data nor EOF nor an error.
fn assert_still_open(conns: &[TcpStream], bin: &std::path::Path) {
    let step = (conns.len() / 20).max(1);
    for (i, mut c) in conns.iter().enumerate().step_by(step) {
        c.set_read_timeout(Some(Duration::from_millis(10))).unwrap();
        let mut b = [0u8; 64];
        match c.read(&mut b) {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            other => panic!("{}: connection {i} not idle-open: {other:?}", bin.display()),
        }
    }
    for (i, mut c) in conns.iter().enumerate() {
        c.set_nonblocking(true).unwrap();
        let mut b = [0u8; 64];
        match c.read(&mut b) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("{}: connection {i} not idle-open: {other:?}", bin.display()),
        }
    }
}

/// VmRSS of `pid` in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS for pid {pid}"))
}

/// Least-squares slope of RSS (bytes) against open connections.
fn slope(samples: &[(usize, u64)]) -> f64 {
    let pts: Vec<(f64, f64)> = samples
        .iter()
        .map(|&(x, kb)| (x as f64, kb as f64 * 1024.0))
        .collect();
    let len = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / len;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / len;
    let den: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let num: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}
