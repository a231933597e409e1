//! `mode tcp` streams (configuration.txt 4 "mode"): pick a backend and a server, connect
//! (with `retries`), then copy bytes both ways with half-close: when one side ends its
//! output, the other side's output is shut down and the stream goes on until both ended.
//!
//! Timeouts: `timeout connect` per attempt; once connected, the stream dies after
//! `timeout tunnel` of inactivity in both directions if set, else after the smaller of
//! `timeout client` and `timeout server`.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use std::time::SystemTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::balance::Key;
use crate::config::model::Balance;

use super::acl::Ctx;
use super::backend::{AcquireError, ConnectError, Stick, Want};
use super::frontend::Frontend;
use super::inspect::{self, Payload};
use super::sample::Sample;
use super::socket::{self, after, Peer, Rewind};
use super::splice::{self, SpliceIo};
use super::stick::{Slots, View};
use super::stream::{Phase, StreamInfo, Termination};
use super::Side;

/// Size of each direction's copy buffer.
const BUF: usize = 16 * 1024;

/// Serves one client connection of a `mode tcp` frontend. Errors only end the stream.
pub async fn serve<C>(fe: Arc<Frontend>, client: C, peer: Peer)
where
    C: AsyncRead + AsyncWrite + Unpin + Send + SpliceIo,
{
    serve_session(fe, client, peer, &Slots::default()).await;
}

/// [`serve`] with the counters the connection tracks (`tcp-request connection track-sc*`).
pub async fn serve_session<C>(fe: Arc<Frontend>, client: C, peer: Peer, session: &Slots)
where
    C: AsyncRead + AsyncWrite + Unpin + Send + SpliceIo,
{
    let accept = SystemTime::now();
    let start = Instant::now();
    let mut info = Outcome::default();
    relay(&fe, client, peer, &mut info, session).await;
    if let Some(hook) = &fe.log_hook {
        hook(&StreamInfo {
            accept,
            client: peer.src,
            frontend: Arc::from(fe.name.as_str()),
            backend: info.backend.as_deref().map(Arc::from),
            server: info.server.as_deref().map(Arc::from),
            t_queue: None,
            t_connect: info.t_connect,
            t_response: None,
            t_total: start.elapsed(),
            status: None,
            bytes_out: info.bytes.1,
            bytes_in: info.bytes.0,
            retries: 0,
            request_line: None,
            termination: info.term,
        });
    }
}

/// What a TCP stream did, for its log line.
#[derive(Debug)]
struct Outcome {
    backend: Option<String>,
    server: Option<String>,
    t_connect: Option<Duration>,
    bytes: (u64, u64),
    term: Termination,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            backend: None,
            server: None,
            t_connect: None,
            bytes: (0, 0),
            term: Termination::NORMAL,
        }
    }
}

async fn relay<C>(fe: &Frontend, client: C, peer: Peer, out: &mut Outcome, session: &Slots)
where
    C: AsyncRead + AsyncWrite + Unpin + Send + SpliceIo,
{
    match fe.inspect_delay {
        Some(delay) => {
            let mut client = client;
            let (buf, payload) = inspect::inspect(&mut client, delay).await;
            let client = Rewind::new(buf.freeze(), client);
            route(fe, client, peer, out, (Some(&payload), session)).await;
        }
        None => route(fe, client, peer, out, (None, session)).await,
    }
}

async fn route<C>(
    fe: &Frontend,
    client: C,
    peer: Peer,
    out: &mut Outcome,
    (payload, session): (Option<&Payload>, &Slots),
) where
    C: AsyncRead + AsyncWrite + Unpin + Send + SpliceIo,
{
    let fe_view = View {
        proxy: &fe.stick,
        stream: None,
        session: Some(session),
    };
    let ctx = Ctx {
        src: peer.src.map(|a| a.ip()),
        src_port: peer.src.map(|a| a.port()),
        dst: peer.dst,
        regexes: Some(&fe.regexes),
        payload,
        stick: Some(&fe_view),
        ..Ctx::default()
    };
    if !fe.tcp_accepts(true, &ctx, session) {
        out.term = Termination {
            side: Some(Side::Proxy),
            timeout: false,
            phase: Phase::Request,
        };
        return;
    }
    let sample = Sample {
        src: peer.src,
        dst: peer.dst,
        ..Sample::default()
    };
    let Some(be) = fe.select(&ctx, &sample) else {
        out.term = Termination {
            side: Some(Side::Proxy),
            timeout: false,
            phase: Phase::Request,
        };
        return;
    };
    out.backend = Some(be.name.clone());
    let key = match (&be.balance, peer.src) {
        (Balance::Source, Some(a)) => Key::Source(a.ip()),
        _ => Key::None,
    };
    // force-persist/ignore-persist and use-server work in TCP mode too.
    let be_view = View {
        proxy: &be.stick,
        stream: None,
        session: Some(session),
    };
    let be_ctx = Ctx {
        src: peer.src.map(|a| a.ip()),
        src_port: peer.src.map(|a| a.port()),
        dst: peer.dst,
        regexes: Some(&be.regexes),
        payload,
        stick: Some(&be_view),
        ..Ctx::default()
    };
    let mut assigned = super::persist::rules(&be, &be_ctx, &sample);
    let stick_req = super::stick::Request {
        src: peer.src.map(|a| a.ip()),
        req: None,
    };
    let pending = super::persist::stick_rules(&be, &be_ctx, &stick_req, &mut assigned);
    let want = Want {
        key,
        server: assigned.server,
        avoid: None,
        force_persist: assigned.force,
    };
    let stick = Stick {
        direct: assigned.direct,
        force: assigned.force,
    };
    let connect_at = Instant::now();
    let (server, slot) = match be.connect_want(want, stick, &peer).await {
        Ok(x) => x,
        Err(e) => {
            let queue = matches!(e, ConnectError::Acquire(AcquireError::QueueTimeout));
            let phase = if queue { Phase::Queue } else { Phase::Connect };
            out.term = Termination {
                side: Some(Side::Server),
                timeout: queue,
                phase,
            };
            return;
        }
    };
    out.t_connect = Some(connect_at.elapsed());
    out.server = Some(slot.server().name.clone());
    pending.commit(slot.server());
    let idle =
        be.tunnel_timeout
            .or(fe.tunnel_timeout)
            .or(match (fe.client_timeout, be.server_timeout) {
                (Some(c), Some(s)) => Some(c.min(s)),
                (c, s) => c.or(s),
            });
    let counted = Counted::default();
    let pumped = tokio::select! {
        r = pump_counted(client, server, idle, &counted) => r,
        () = slot.killed() => {
            out.bytes = counted.get();
            count_bytes(&slot, out.bytes);
            out.term = Termination {
                side: Some(Side::Down),
                timeout: false,
                phase: Phase::Data,
            };
            return;
        }
    };
    match pumped {
        Ok(b) => out.bytes = b,
        Err(e) => {
            out.bytes = counted.get();
            let timeout = e.kind() == io::ErrorKind::TimedOut;
            out.term = Termination {
                side: Some(Side::Client),
                timeout,
                phase: Phase::Data,
            };
        }
    }
    count_bytes(&slot, out.bytes);
    drop(slot);
}

/// Adds a stream's bytes (client to server, server to client) to its server's and
/// backend's `bytes_in` / `bytes_out`.
fn count_bytes(slot: &super::backend::Slot, (up, down): (u64, u64)) {
    use crate::server::Counters;
    for c in [&slot.server().counters, &slot.farm().counters] {
        Counters::add(&c.bytes_in, up);
        Counters::add(&c.bytes_out, down);
    }
}

/// Byte counters shared by the two directions of a pump.
#[derive(Debug, Default)]
struct Counted {
    up: AtomicU64,
    down: AtomicU64,
}

impl Counted {
    fn get(&self) -> (u64, u64) {
        (
            self.up.load(Ordering::Relaxed),
            self.down.load(Ordering::Relaxed),
        )
    }
}

/// Copies `a` to `b` and `b` to `a` until both directions ended, propagating each end of
/// stream as a write shutdown. Returns the bytes copied (a to b, b to a). With `idle`, gives
/// up with `TimedOut` after that long without a byte in either direction.
pub async fn pump<A, B>(a: A, b: B, idle: Option<Duration>) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + SpliceIo,
    B: AsyncRead + AsyncWrite + Unpin + SpliceIo,
{
    pump_counted(a, b, idle, &Counted::default()).await
}

async fn pump_counted<A, B>(
    mut a: A,
    mut b: B,
    idle: Option<Duration>,
    counted: &Counted,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + SpliceIo,
    B: AsyncRead + AsyncWrite + Unpin + SpliceIo,
{
    let clock = Clock {
        start: Instant::now(),
        last: AtomicU64::new(0),
    };
    let both = async {
        // Bytes read ahead (inspected, or after a PROXY header) go first, copied.
        let up = drain_read_ahead(&mut a, &mut b, &clock, &counted.up).await?;
        let down = drain_read_ahead(&mut b, &mut a, &clock, &counted.down).await?;
        let (ta, tb) = (a.tcp(), b.tcp());
        let (x, y) = if let (Some(ta), Some(tb)) = (ta, tb) {
            tokio::try_join!(
                tcp_one_way(ta, tb, &clock, &counted.up),
                tcp_one_way(tb, ta, &clock, &counted.down)
            )?
        } else {
            let (mut ar, mut aw) = tokio::io::split(a);
            let (mut br, mut bw) = tokio::io::split(b);
            tokio::try_join!(
                one_way(&mut ar, &mut bw, &clock, &counted.up),
                one_way(&mut br, &mut aw, &clock, &counted.down)
            )?
        };
        Ok((up.saturating_add(x), down.saturating_add(y)))
    };
    let Some(idle) = idle else { return both.await };
    let watchdog = async {
        loop {
            let seen = after(
                clock.start,
                Duration::from_millis(clock.last.load(Ordering::Relaxed)),
            );
            let deadline = after(seen, idle);
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    };
    tokio::select! {
        r = both => r,
        () = watchdog => Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout")),
    }
}

/// When a pump started and when it last moved a byte (milliseconds after the start).
struct Clock {
    start: Instant,
    last: AtomicU64,
}

impl Clock {
    /// `n` more bytes moved one way.
    fn moved(&self, count: &AtomicU64, n: usize) {
        count.fetch_add(n as u64, Ordering::Relaxed);
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

/// Copies the bytes `r` read ahead of its socket to `w`.
async fn drain_read_ahead<R, W>(
    r: &mut R,
    w: &mut W,
    clock: &Clock,
    count: &AtomicU64,
) -> io::Result<u64>
where
    R: AsyncRead + Unpin + SpliceIo,
    W: AsyncWrite + Unpin,
{
    let mut total = 0u64;
    let mut buf = Vec::new();
    while r.read_ahead() {
        // A read ahead stream hands out its own bytes first, without touching the socket.
        buf.resize(BUF, 0);
        let n = r.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        w.write_all(buf.get(..n).unwrap_or_default()).await?;
        total = total.saturating_add(n as u64);
        clock.moved(count, n);
    }
    Ok(total)
}

/// Whether TCP streams switch to splicing. Off: measured with compare.sh `tcp_64k`, splicing
/// cut proxy CPU per request by a third (37.9 -> 24 us) but raised p99 from 5.5 ms to 29.7 ms
/// (cause not found yet; HTTP bodies, spliced through `stream::body`, do not show it).
const TCP_SPLICE: bool = false;

/// One direction between two TCP sockets: copies through a buffer until a read fills it
/// (HAProxy's `splice-auto` heuristic: the transfer is large), then splices (see
/// [`splice`]). Falls back to copying when the kernel refuses to splice.
async fn tcp_one_way(
    r: &TcpStream,
    w: &TcpStream,
    clock: &Clock,
    count: &AtomicU64,
) -> io::Result<u64> {
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut pipe: Option<splice::Lease> = None;
    let mut can_splice = TCP_SPLICE;
    loop {
        if let Some(p) = pipe.as_mut() {
            let mut spliced = 0u64;
            let mut on_move = |n: usize| {
                spliced = spliced.saturating_add(n as u64);
                clock.moved(count, n);
            };
            let r = splice::forward(r, w, p, splice::Limits::default(), &mut on_move).await;
            total = total.saturating_add(spliced);
            match r {
                Ok(_) => {
                    splice::shutdown_write(w);
                    return Ok(total);
                }
                Err(splice::Stop::Read(e) | splice::Stop::Write(e)) => return Err(e),
                Err(splice::Stop::Unsupported) => {
                    // The pipe is empty: copying goes on from where splicing stopped.
                    pipe = None;
                    can_splice = false;
                    continue;
                }
            }
        }
        if buf.is_empty() {
            buf.resize(BUF, 0);
        }
        let n = socket::read_drained(r, &mut buf).await?;
        if n == 0 {
            splice::shutdown_write(w);
            return Ok(total);
        }
        splice::write_all(w, buf.get(..n).unwrap_or_default()).await?;
        total = total.saturating_add(n as u64);
        clock.moved(count, n);
        if n == buf.len() && can_splice {
            pipe = splice::Lease::take();
            can_splice = pipe.is_some();
        }
    }
}

async fn one_way<R, W>(r: &mut R, w: &mut W, clock: &Clock, count: &AtomicU64) -> io::Result<u64>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; BUF];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            // Half-close: tell the other side we are done sending; ignore a peer that
            // already went away.
            let _ = w.shutdown().await;
            return Ok(total);
        }
        w.write_all(buf.get(..n).unwrap_or_default()).await?;
        total = total.saturating_add(n as u64);
        clock.moved(count, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};
    use tokio::time::timeout;

    const T: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn pump_copies_both_ways_and_propagates_half_close() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let la = l.local_addr().unwrap();
        // Echo origin: replies with what it read, after the client half-closed.
        let origin = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            s.write_all(&got).await.unwrap();
            s.shutdown().await.unwrap();
        });
        let pl = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let pa = pl.local_addr().unwrap();
        let proxy = tokio::spawn(async move {
            let (c, _) = pl.accept().await.unwrap();
            let s = TcpStream::connect(la).await.unwrap();
            pump(c, s, Some(T)).await.unwrap()
        });
        let mut c = TcpStream::connect(pa).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        c.shutdown().await.unwrap();
        let mut back = Vec::new();
        timeout(T, c.read_to_end(&mut back)).await.unwrap().unwrap();
        assert_eq!(back, b"hello");
        assert_eq!(timeout(T, proxy).await.unwrap().unwrap(), (5, 5));
        timeout(T, origin).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_spliced_megabyte_each_way_arrives_intact_and_the_server_half_close_first() {
        use crate::proxy::splice::tests::noise;
        let (up, down) = (noise(1 << 20, 11), noise(1 << 20, 13));
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let la = l.local_addr().unwrap();
        // Origin: sends `down` and half-closes at once, while it reads `up` to the end.
        let send = down.clone();
        let origin = tokio::spawn(async move {
            let (s, _) = l.accept().await.unwrap();
            let (mut r, mut w) = s.into_split();
            let writer = tokio::spawn(async move {
                w.write_all(&send).await.unwrap();
                w.shutdown().await.unwrap();
                w
            });
            let mut got = Vec::new();
            r.read_to_end(&mut got).await.unwrap();
            let _w = writer.await.unwrap();
            got
        });
        let pl = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let pa = pl.local_addr().unwrap();
        let proxy = tokio::spawn(async move {
            let (c, _) = pl.accept().await.unwrap();
            let s = TcpStream::connect(la).await.unwrap();
            pump(c, s, Some(T)).await.unwrap()
        });
        let before = crate::proxy::splice::SPLICED.load(Ordering::Relaxed);
        let c = TcpStream::connect(pa).await.unwrap();
        let (mut cr, mut cw) = c.into_split();
        // The server's end of stream reaches us while our own direction is still open.
        let mut back = Vec::new();
        timeout(T, cr.read_to_end(&mut back))
            .await
            .unwrap()
            .unwrap();
        assert!(back == down, "server to client bytes differ");
        timeout(T, cw.write_all(&up)).await.unwrap().unwrap();
        cw.shutdown().await.unwrap();
        let got = timeout(T, origin).await.unwrap().unwrap();
        assert!(got == up, "client to server bytes differ");
        let n = 1u64 << 20;
        assert_eq!(timeout(T, proxy).await.unwrap().unwrap(), (n, n));
        let spliced = crate::proxy::splice::SPLICED.load(Ordering::Relaxed) - before;
        if TCP_SPLICE {
            assert!(spliced >= n, "only {spliced} bytes spliced");
        }
    }

    #[tokio::test]
    async fn read_ahead_bytes_go_first_then_the_rest_is_spliced() {
        use crate::proxy::splice::tests::{noise, pair};
        let data = noise(1 << 20, 17);
        let (mut client, c) = pair().await;
        let (s, mut server) = pair().await;
        let (head, rest) = data.split_at(1000);
        let c = Rewind::new(bytes::Bytes::copy_from_slice(head), c);
        let proxy = tokio::spawn(async move { pump(c, s, Some(T)).await.unwrap() });
        let send = rest.to_vec();
        tokio::spawn(async move {
            client.write_all(&send).await.unwrap();
            client.shutdown().await.unwrap();
            let mut none = Vec::new();
            client.read_to_end(&mut none).await.unwrap();
        });
        let mut got = Vec::new();
        timeout(T, server.read_to_end(&mut got))
            .await
            .unwrap()
            .unwrap();
        assert!(
            got == data,
            "bytes differ ({} of {})",
            got.len(),
            data.len()
        );
        server.shutdown().await.unwrap();
        let n = data.len() as u64;
        assert_eq!(timeout(T, proxy).await.unwrap().unwrap(), (n, 0));
    }

    #[tokio::test]
    async fn pump_gives_up_after_the_idle_timeout() {
        let (a, _a2) = tokio::io::duplex(64);
        let (b, _b2) = tokio::io::duplex(64);
        let r = timeout(T, pump(a, b, Some(Duration::from_millis(30))))
            .await
            .unwrap();
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::TimedOut);
    }

    use crate::config::model::Mode;
    use crate::proxy::testutil::{listen, refused_addr, run};

    async fn echo_origin() -> std::net::SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                    let _ = w.shutdown().await;
                });
            }
        });
        a
    }

    #[tokio::test]
    async fn tcp_mode_echoes_through_the_proxy_and_keeps_half_close() {
        let o = echo_origin().await;
        let (_p, addr) = run(vec![listen("l", Mode::Tcp, &[o])], "l").await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"ping").await.unwrap();
        let mut four = [0u8; 4];
        timeout(T, c.read_exact(&mut four)).await.unwrap().unwrap();
        assert_eq!(&four, b"ping");
        // After our half-close the reverse direction still delivers data, then ends.
        c.write_all(b"pong").await.unwrap();
        c.shutdown().await.unwrap();
        let mut rest = Vec::new();
        timeout(T, c.read_to_end(&mut rest)).await.unwrap().unwrap();
        assert_eq!(rest, b"pong");
    }

    #[tokio::test]
    async fn tcp_mode_closes_the_client_when_no_server_answers() {
        let dead = refused_addr().await;
        let mut p = listen("l", Mode::Tcp, &[dead]);
        p.retries = 0;
        let (_p, addr) = run(vec![p], "l").await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 8];
        let n = timeout(T, c.read(&mut buf)).await.unwrap();
        assert!(matches!(n, Ok(0) | Err(_)));
    }

    #[tokio::test]
    async fn frontend_maxconn_holds_the_next_connection_until_one_ends() {
        let o = echo_origin().await;
        let mut p = listen("l", Mode::Tcp, &[o]);
        p.maxconn = Some(1);
        let (_p, addr) = run(vec![p], "l").await;
        let mut c1 = TcpStream::connect(addr).await.unwrap();
        c1.write_all(b"1").await.unwrap();
        let mut one = [0u8; 1];
        timeout(T, c1.read_exact(&mut one)).await.unwrap().unwrap();
        // The kernel completes the handshake, but the proxy does not accept it yet.
        let mut c2 = TcpStream::connect(addr).await.unwrap();
        c2.write_all(b"2").await.unwrap();
        let early = timeout(Duration::from_millis(150), c2.read_exact(&mut one)).await;
        assert!(early.is_err(), "second connection served above maxconn");
        drop(c1);
        timeout(T, c2.read_exact(&mut one)).await.unwrap().unwrap();
        assert_eq!(&one, b"2");
    }

    #[tokio::test]
    async fn accept_proxy_addresses_are_passed_on_by_send_proxy() {
        // Origin: reports the first line it got (the PROXY line), then echoes the rest.
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let o = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            s.write_all(&got).await.unwrap();
        });
        let mut p = listen("l", Mode::Tcp, &[o]);
        p.binds[0].accept_proxy = true;
        p.servers[0].params.send_proxy = true;
        let (_p, addr) = run(vec![p], "l").await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"PROXY TCP4 192.0.2.1 198.51.100.2 5678 80\r\nhello")
            .await
            .unwrap();
        c.shutdown().await.unwrap();
        let mut back = Vec::new();
        timeout(T, c.read_to_end(&mut back)).await.unwrap().unwrap();
        assert_eq!(
            String::from_utf8(back).unwrap(),
            "PROXY TCP4 192.0.2.1 198.51.100.2 5678 80\r\nhello"
        );
    }

    #[tokio::test]
    async fn accept_proxy_closes_a_connection_without_a_header() {
        let o = echo_origin().await;
        let mut p = listen("l", Mode::Tcp, &[o]);
        p.binds[0].accept_proxy = true;
        let (_p, addr) = run(vec![p], "l").await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let mut back = Vec::new();
        let r = timeout(T, c.read_to_end(&mut back)).await.unwrap();
        assert!(r.is_err() || back.is_empty());
    }

    #[tokio::test]
    async fn the_log_hook_sees_a_tcp_stream_with_its_byte_counts() {
        use crate::proxy::listener::{start_with, BoundAddr, Hooks};
        let o = echo_origin().await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StreamInfo>();
        let hooks = Hooks {
            log: Some(Arc::new(move |i: &StreamInfo| {
                let _ = tx.send(i.clone());
            })),
        };
        let cfg = crate::config::model::Config {
            proxies: vec![listen("l", Mode::Tcp, &[o])],
            ..Default::default()
        };
        let st = start_with(&cfg, &hooks).await.unwrap();
        let Some(BoundAddr::Inet(addr)) = st.addr("l").cloned() else {
            panic!()
        };
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        c.shutdown().await.unwrap();
        let mut back = Vec::new();
        timeout(T, c.read_to_end(&mut back)).await.unwrap().unwrap();
        let info = timeout(T, rx.recv()).await.unwrap().unwrap();
        assert_eq!((info.bytes_in, info.bytes_out), (5, 5));
        assert_eq!(info.server.as_deref(), Some("s1"));
        assert_eq!(info.termination.letters(), ['-', '-']);
    }

    #[tokio::test]
    async fn unbind_refuses_new_clients_while_streams_in_flight_finish() {
        let o = echo_origin().await;
        let (mut st, addr) = run(vec![listen("l", Mode::Tcp, &[o])], "l").await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"a").await.unwrap();
        let mut one = [0u8; 1];
        timeout(T, c.read_exact(&mut one)).await.unwrap().unwrap();
        assert_eq!(st.active.count(), 1);
        st.unbind();
        // The listening socket is closed once the aborted accept task is dropped.
        timeout(T, async {
            while TcpStream::connect(addr).await.is_ok() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap();
        c.write_all(b"b").await.unwrap();
        timeout(T, c.read_exact(&mut one)).await.unwrap().unwrap();
        assert_eq!(&one, b"b");
        drop(c);
        timeout(T, st.active.wait_idle()).await.unwrap();
        assert_eq!(st.active.count(), 0);
    }

    #[tokio::test]
    async fn tls_passthrough_routes_on_the_client_hello_sni_after_inspection() {
        use crate::config::model::{AclRef, Cond, CondTerm, Loc, ProxyKind, RawRule, UseBackend};
        use crate::proxy::testutil::client_hello;
        let a = echo_origin().await;
        let other = echo_origin().await;
        let mut fe = listen("fe", Mode::Tcp, &[other]);
        fe.tcp_request.push(RawRule {
            loc: Loc::new("t.cfg", 2),
            words: vec!["tcp-request".into(), "inspect-delay".into(), "2s".into()],
        });
        fe.use_backends.push(UseBackend {
            loc: Loc::new("t.cfg", 3),
            backend: "site_a".into(),
            cond: Some(Cond {
                unless: false,
                any_of: vec![vec![CondTerm {
                    negate: false,
                    acl: AclRef::Anonymous {
                        criterion: "req_ssl_sni".into(),
                        args: vec!["-i".into(), "a.example".into()],
                        expr: None,
                    },
                }]],
            }),
        });
        let mut site_a = listen("site_a", Mode::Tcp, &[a]);
        site_a.kind = ProxyKind::Backend;
        site_a.cap = ProxyKind::Backend.cap();
        site_a.binds.clear();
        let (st, addr) = run(vec![fe, site_a], "fe").await;
        let hello = client_hello("A.example");
        // Sent in two pieces: the proxy waits for the whole record before routing.
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(&hello[..7]).await.unwrap();
        c.write_all(&hello[7..]).await.unwrap();
        c.shutdown().await.unwrap();
        let mut back = Vec::new();
        timeout(T, c.read_to_end(&mut back)).await.unwrap().unwrap();
        assert_eq!(back, hello);
        let be = st.backends.get("site_a").unwrap();
        assert_eq!(
            crate::server::Counters::get(&be.servers()[0].counters.sessions),
            1
        );
        // Bytes are counted on the server and the backend once the stream ends.
        let n = u64::try_from(hello.len()).unwrap();
        let c = &be.servers()[0].counters;
        timeout(T, async {
            while crate::server::Counters::get(&c.bytes_out) < n {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap();
        assert_eq!(crate::server::Counters::get(&c.bytes_in), n);
        assert_eq!(crate::server::Counters::get(&be.farm.counters.bytes_out), n);
        let fe_be = st.backends.get("fe").unwrap();
        assert_eq!(
            crate::server::Counters::get(&fe_be.servers()[0].counters.sessions),
            0
        );
    }

    #[tokio::test]
    async fn tcp_request_rules_reject_by_source_and_by_content() {
        use crate::config::model::{Loc, RawRule};
        use crate::proxy::testutil::client_hello;
        let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let o = echo_origin().await;
        let mut by_src = listen("src", Mode::Tcp, &[o]);
        by_src.tcp_request.push(RawRule {
            loc: Loc::new("t.cfg", 2),
            words: words("tcp-request connection reject if { src 127.0.0.0/8 }"),
        });
        let mut by_content = listen("content", Mode::Tcp, &[o]);
        for w in [
            "tcp-request inspect-delay 2s",
            "tcp-request content reject if !{ req_ssl_hello_type 1 }",
        ] {
            by_content.tcp_request.push(RawRule {
                loc: Loc::new("t.cfg", 3),
                words: words(w),
            });
        }
        let (st, src_addr) = run(vec![by_src, by_content], "src").await;
        let Some(crate::proxy::listener::BoundAddr::Inet(content_addr)) =
            st.addr("content").cloned()
        else {
            panic!()
        };
        for (addr, payload, echoed) in [
            (src_addr, client_hello("x").to_vec(), false),
            (content_addr, b"plain text".to_vec(), false),
            (content_addr, client_hello("x").to_vec(), true),
        ] {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let _ = c.write_all(&payload).await;
            let _ = c.shutdown().await;
            let mut back = Vec::new();
            let _ = timeout(T, c.read_to_end(&mut back)).await.unwrap();
            assert_eq!(back == payload, echoed, "{addr} {}", payload.len());
        }
    }
}
