//! One byte stream to a client or a server: TCP (IPv4/IPv6) or a unix stream socket,
//! plus [`Rewind`], which replays bytes already read in front of a stream.
//!
//! Used by `bind` (client side) and `server` (server side) addresses. Imports nothing but tokio.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// Reads what `s` holds, waiting for it if need be. A read that leaves `buf` unfilled
/// drained the socket, so its readiness is cleared: the next read waits for epoll instead
/// of paying a `recv` that answers EAGAIN, as HAProxy's `raw_sock_to_buf` does with
/// `fd_cant_recv` after a short read. (Tokio keeps the read-closed state, so a FIN that
/// came with the data is not lost.) Returns 0 at end of stream.
pub async fn read_drained(s: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    use std::io::Read;
    let cap = buf.len();
    loop {
        s.readable().await?;
        let mut short = None;
        let r = s.try_io(Interest::READABLE, || {
            let n = (&*socket2::SockRef::from(s)).read(&mut *buf)?;
            if n == 0 || n == cap {
                return Ok(n);
            }
            short = Some(n);
            Err(io::ErrorKind::WouldBlock.into())
        });
        match (r, short) {
            (Ok(n), _) | (Err(_), Some(n)) => return Ok(n),
            (Err(e), None) if e.kind() == io::ErrorKind::WouldBlock => continue,
            (Err(e), None) => return Err(e),
        }
    }
}

/// A connected stream socket.
#[derive(Debug)]
pub enum Socket {
    /// TCP over IPv4 or IPv6.
    Tcp(TcpStream),
    /// A unix stream socket.
    Unix(UnixStream),
}

impl Socket {
    /// Connects to a TCP address, with `TCP_NODELAY` set.
    pub async fn connect_tcp(addr: SocketAddr) -> io::Result<Socket> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Socket::Tcp(s))
    }
    /// Applies `option tcpka` (SO_KEEPALIVE) and `option nolinger` (SO_LINGER 0) to a TCP
    /// socket; unix sockets are left alone.
    pub fn tune(&self, keepalive: bool, nolinger: bool) {
        if let Socket::Tcp(s) = self {
            let r = socket2::SockRef::from(s);
            if keepalive {
                let _ = r.set_keepalive(true);
            }
            if nolinger {
                let _ = r.set_linger(Some(std::time::Duration::ZERO));
            }
        }
    }

    /// Whether an idle connection is still open with nothing to read (a pooled server
    /// connection the server did not close).
    pub fn is_idle_open(&self) -> bool {
        let mut probe = [0u8; 1];
        let r = match self {
            Socket::Tcp(s) => s.try_read(&mut probe),
            Socket::Unix(s) => s.try_read(&mut probe),
        };
        matches!(r, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }

    /// Connects to a unix stream socket.
    pub async fn connect_unix(path: &Path) -> io::Result<Socket> {
        Ok(Socket::Unix(UnixStream::connect(path).await?))
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, b),
            Socket::Unix(s) => Pin::new(s).poll_write(cx, b),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Socket::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// A stream with some bytes already read from it, replayed first.
#[derive(Debug)]
pub struct Rewind<S> {
    pre: Bytes,
    inner: S,
}

impl<S> Rewind<S> {
    /// Wraps `inner`, replaying `pre` before reading from it.
    pub fn new(pre: Bytes, inner: S) -> Self {
        Rewind { pre, inner }
    }

    /// Whether replayed bytes are still waiting to be read.
    pub fn has_pending(&self) -> bool {
        self.pre.has_remaining()
    }

    /// The wrapped stream.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.pre.has_remaining() {
            let n = me.pre.len().min(buf.remaining());
            let chunk = me.pre.split_to(n);
            buf.put_slice(&chunk);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut me.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, b)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Who a client connection came from and where it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The client address (`None` on a unix socket).
    pub src: Option<SocketAddr>,
    /// The address the client connected to (`None` on a unix socket).
    pub dst: Option<SocketAddr>,
}

impl Peer {
    /// The port the client connected to (0 on a unix socket); used by servers declared
    /// without a port.
    pub fn local_port(&self) -> u16 {
        self.dst.map_or(0, |a| a.port())
    }
}

/// `t + d`, saturating at about 30 years from `t` instead of overflowing.
pub fn after(t: tokio::time::Instant, d: std::time::Duration) -> tokio::time::Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(std::time::Duration::from_secs(86_400 * 365 * 30)))
        .unwrap_or(t)
}

/// A stream that fails with `TimedOut` once no byte moved in either direction for its
/// limit (`timeout client` on the client side of an HTTP connection, `timeout server` on a
/// server connection). The timer is only re-armed when it fires, so I/O costs one clock read.
#[derive(Debug)]
pub struct IdleIo<S> {
    inner: S,
    limit: std::time::Duration,
    last: tokio::time::Instant,
    /// Bytes moved since `last` was read from the clock.
    moved: bool,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl<S> IdleIo<S> {
    /// Wraps `inner` with an inactivity limit of `idle`.
    pub fn new(inner: S, limit: std::time::Duration) -> Self {
        let now = tokio::time::Instant::now();
        let deadline = after(now, limit);
        IdleIo {
            inner,
            limit,
            last: now,
            moved: false,
            timer: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }

    /// The wrapped stream.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The inactivity limit.
    pub fn limit(&self) -> std::time::Duration {
        self.limit
    }

    /// Changes the inactivity limit (a tunnel switches to `timeout tunnel`).
    pub fn set_limit(&mut self, d: std::time::Duration) {
        self.limit = d;
    }

    /// Polls `ready` (the inner stream's readiness) with `limit` as the inactivity limit
    /// meanwhile: `Err(TimedOut)` once nothing moved for that long (HAProxy's `timeout
    /// http-keep-alive` between requests). Uses the stream's own timer: waiting costs no
    /// other allocation.
    pub fn poll_ready_within(
        &mut self,
        cx: &mut Context<'_>,
        limit: std::time::Duration,
        ready: impl FnOnce(&S, &mut Context<'_>) -> Poll<io::Result<()>>,
    ) -> Poll<io::Result<()>> {
        if let Poll::Ready(r) = ready(&self.inner, cx) {
            return Poll::Ready(r);
        }
        let saved = std::mem::replace(&mut self.limit, limit);
        let r = self.check(cx);
        self.limit = saved;
        match r {
            Ok(()) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Restarts the idle clock (bytes moved beneath the wrapper, e.g. spliced).
    pub fn touch(&mut self) {
        self.moved = true;
    }

    /// Called when the inner I/O is pending: `Err(TimedOut)` once the stream was idle too long.
    ///
    /// Cheap on the hot path: the clock is read once per pending poll that follows some
    /// progress (not at every read or write), and the timer is only moved earlier; a timer
    /// left at an earlier deadline fires, finds the stream active since, and is re-armed then.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if std::mem::take(&mut self.moved) {
            self.last = tokio::time::Instant::now();
        }
        loop {
            let deadline = after(self.last, self.limit);
            if self.timer.deadline() > deadline {
                if tokio::time::Instant::now() >= deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"));
                }
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Pending => return Ok(()),
                Poll::Ready(()) if deadline <= self.timer.deadline() => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"));
                }
                // Fired early (activity since it was armed): on to the real deadline.
                Poll::Ready(()) => self.timer.as_mut().reset(deadline),
            }
        }
    }

    /// What an I/O poll of the inner stream becomes: progress re-arms the idle clock, a
    /// pending poll checks it.
    fn settle<T>(&mut self, cx: &mut Context<'_>, p: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match p {
            Poll::Ready(r) => {
                self.touch();
                Poll::Ready(r)
            }
            Poll::Pending => match self.check(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let p = Pin::new(&mut me.inner).poll_read(cx, buf);
        me.settle(cx, p)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleIo<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let p = Pin::new(&mut me.inner).poll_write(cx, b);
        me.settle(cx, p)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let p = Pin::new(&mut me.inner).poll_write_vectored(cx, bufs);
        me.settle(cx, p)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn rewind_replays_the_bytes_already_read_first() {
        let (a, mut b) = tokio::io::duplex(64);
        b.write_all(b" world").await.unwrap();
        drop(b);
        let mut r = Rewind::new(Bytes::from_static(b"hello"), a);
        let mut s = String::new();
        r.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "hello world");
    }

    #[tokio::test(start_paused = true)]
    async fn idle_io_times_out_only_after_a_silence_of_the_limit() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut io = IdleIo::new(a, Duration::from_secs(10));
        let mut one = [0u8; 1];
        // Activity every 6s keeps it alive past the 10s mark.
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_secs(6)).await;
            b.write_all(b"x").await.unwrap();
            io.read_exact(&mut one).await.unwrap();
        }
        let start = tokio::time::Instant::now();
        let e = io.read_exact(&mut one).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_huge_idle_limit_never_overflows_the_clock() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut io = IdleIo::new(a, Duration::MAX);
        b.write_all(b"z").await.unwrap();
        let mut one = [0u8; 1];
        io.read_exact(&mut one).await.unwrap();
        let now = tokio::time::Instant::now();
        assert!(after(now, Duration::MAX) > now);
    }

    #[tokio::test]
    async fn tune_sets_keepalive_and_zero_linger_on_tcp_sockets() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let s = Socket::connect_tcp(l.local_addr().unwrap()).await.unwrap();
        s.tune(true, true);
        let Socket::Tcp(t) = &s else { panic!("tcp") };
        let r = socket2::SockRef::from(t);
        assert!(r.keepalive().unwrap());
        assert_eq!(r.linger().unwrap(), Some(Duration::ZERO));
    }
}
