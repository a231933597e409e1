//! Zero-copy forwarding with splice(2): socket -> pipe -> socket, so the bytes of a large
//! transfer never enter user space (HAProxy's `option splice-auto` / `splice-request` /
//! `splice-response` and its per-thread pipe pool, `pool_head_pipe`).
//!
//! Used where it pays, without an option: `mode tcp` streams and tunnels switch a direction
//! to splicing after a read filled a whole buffer ([`crate::proxy::tcp`]), HTTP bodies
//! with a known length of at least [`HTTP_MIN`] left once the buffered bytes are gone
//! ([`crate::proxy::stream::body`]). Only TCP sockets splice; anything else (unix sockets,
//! bytes read ahead above the socket, a kernel that refuses with `EINVAL`/`ENOSYS`) keeps
//! the plain copy.
//!
//! The syscalls come from `nix` (`fcntl::splice`, `unistd::pipe2`): safe wrappers over
//! owned descriptors, so this file needs no `unsafe`. Imports nothing but tokio and nix.

use std::cell::RefCell;
use std::io;
use std::os::fd::OwnedFd;
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{splice, OFlag, SpliceFFlags};
use tokio::io::Interest;
use tokio::net::TcpStream;

use super::socket::{IdleIo, Rewind, Socket};

/// Least body length still to come (after the bytes read with the head) for an HTTP body
/// to be spliced; smaller bodies cost less through the buffer (measured with
/// `bench/compare.sh`, see the commit adding this file).
pub const HTTP_MIN: u64 = 16 * 1024;

/// Bytes asked of one splice into a pipe: the default pipe capacity (16 pages).
const CHUNK: usize = 64 * 1024;

/// Pipes kept per thread for reuse.
const POOL_KEEP: usize = 32;

/// Bytes spliced by this process (tests only: they check that splicing happened).
#[cfg(test)]
pub static SPLICED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    static PIPES: RefCell<Vec<Pipe>> = const { RefCell::new(Vec::new()) };
}

/// A stream whose bytes may be spliced: the TCP socket under it, if any.
pub trait SpliceIo {
    /// The TCP socket to splice from or to; `None` for other streams, and while bytes
    /// read ahead wait above the socket (they must be read first).
    fn tcp(&self) -> Option<&TcpStream> {
        None
    }
    /// Whether bytes read ahead are waiting above the socket ([`Rewind`]).
    fn read_ahead(&self) -> bool {
        false
    }
    /// The stream's inactivity limit ([`IdleIo`]), which bounds each wait while splicing.
    fn idle_limit(&self) -> Option<Duration> {
        None
    }
    /// Bytes moved beneath the stream: its idle clock starts again.
    fn spliced(&mut self) {}
}

impl SpliceIo for TcpStream {
    fn tcp(&self) -> Option<&TcpStream> {
        Some(self)
    }
}

impl SpliceIo for Socket {
    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Socket::Tcp(s) => Some(s),
            Socket::Unix(_) => None,
        }
    }
}

impl<S: SpliceIo> SpliceIo for Rewind<S> {
    fn tcp(&self) -> Option<&TcpStream> {
        if self.has_pending() {
            return None;
        }
        self.inner().tcp()
    }
    fn read_ahead(&self) -> bool {
        self.has_pending() || self.inner().read_ahead()
    }
}

impl<S: SpliceIo> SpliceIo for IdleIo<S> {
    fn tcp(&self) -> Option<&TcpStream> {
        self.inner().tcp()
    }
    fn read_ahead(&self) -> bool {
        self.inner().read_ahead()
    }
    fn idle_limit(&self) -> Option<Duration> {
        Some(self.limit())
    }
    fn spliced(&mut self) {
        self.touch();
    }
}

impl<T: SpliceIo + ?Sized> SpliceIo for &mut T {
    fn tcp(&self) -> Option<&TcpStream> {
        (**self).tcp()
    }
    fn read_ahead(&self) -> bool {
        (**self).read_ahead()
    }
    fn idle_limit(&self) -> Option<Duration> {
        (**self).idle_limit()
    }
    fn spliced(&mut self) {
        (**self).spliced();
    }
}

#[cfg(test)]
impl SpliceIo for tokio::io::DuplexStream {}

#[cfg(test)]
impl SpliceIo for &[u8] {}

/// A pipe and the bytes it holds.
#[derive(Debug)]
struct Pipe {
    rx: OwnedFd,
    tx: OwnedFd,
}

/// A pipe taken from the per-thread pool for one direction of one stream. Given back when
/// dropped empty; closed when dropped with bytes in it (an aborted stream).
#[derive(Debug)]
pub struct Lease {
    pipe: Option<Pipe>,
    held: usize,
}

impl Lease {
    /// A pipe from the pool, or a new one; `None` when none can be made (out of
    /// descriptors): the caller copies instead.
    pub fn take() -> Option<Lease> {
        let pooled = PIPES.with(|p| p.borrow_mut().pop());
        let pipe = match pooled {
            Some(p) => p,
            None => {
                let (rx, tx) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC).ok()?;
                Pipe { rx, tx }
            }
        };
        Some(Lease {
            pipe: Some(pipe),
            held: 0,
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.held != 0 {
            return;
        }
        if let Some(pipe) = self.pipe.take() {
            PIPES.with(|p| {
                let mut p = p.borrow_mut();
                if p.len() < POOL_KEEP {
                    p.push(pipe);
                }
            });
        }
    }
}

/// Why splicing stopped before the end of stream or the limit.
#[derive(Debug)]
pub enum Stop {
    /// Reading failed, or waited longer than the reader's limit (`TimedOut`).
    Read(io::Error),
    /// Writing failed, or waited longer than the writer's limit (`TimedOut`).
    Write(io::Error),
    /// The kernel cannot splice these descriptors; the pipe is empty, so the caller can
    /// go on copying.
    Unsupported,
}

/// Limits of one spliced transfer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Bytes to move at most (`None`: until the end of stream).
    pub bytes: Option<u64>,
    /// Longest wait for the reader to become readable.
    pub read_idle: Option<Duration>,
    /// Longest wait for the writer to become writable.
    pub write_idle: Option<Duration>,
}

/// Splices `r` to `w` through `pipe` until `r` ends or `lim.bytes` were moved; returns
/// the bytes moved. `on_move` hears about each write, with its size. Never reads more
/// than `lim.bytes` from `r`. The end of `r` is returned, not propagated to `w`.
pub async fn forward(
    r: &TcpStream,
    w: &TcpStream,
    pipe: &mut Lease,
    lim: Limits,
    on_move: &mut (dyn FnMut(usize) + Send),
) -> Result<u64, Stop> {
    let Some(p) = pipe.pipe.as_ref() else {
        return Err(Stop::Unsupported);
    };
    let flags = SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK;
    let mut moved = 0u64;
    loop {
        if pipe.held > 0 {
            within(lim.write_idle, w.writable())
                .await
                .map_err(Stop::Write)?;
            let r = w.try_io(Interest::WRITABLE, || {
                splice(&p.rx, None, w, None, pipe.held, flags).map_err(io::Error::from)
            });
            match r {
                Ok(n) => {
                    pipe.held = pipe.held.saturating_sub(n);
                    moved = moved.saturating_add(n as u64);
                    #[cfg(test)]
                    SPLICED.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                    on_move(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(Stop::Write(e)),
            }
            continue;
        }
        let want = match lim.bytes {
            Some(limit) => {
                let left = limit.saturating_sub(moved);
                if left == 0 {
                    return Ok(moved);
                }
                usize::try_from(left).unwrap_or(CHUNK).min(CHUNK)
            }
            None => CHUNK,
        };
        within(lim.read_idle, r.readable())
            .await
            .map_err(Stop::Read)?;
        let got = r.try_io(Interest::READABLE, || {
            splice(r, None, &p.tx, None, want, flags).map_err(io::Error::from)
        });
        match got {
            Ok(0) => return Ok(moved),
            Ok(n) => pipe.held = n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if unsupported(&e) => return Err(Stop::Unsupported),
            Err(e) => return Err(Stop::Read(e)),
        }
    }
}

/// Errors meaning "this kernel or these descriptors cannot splice".
fn unsupported(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error().map(Errno::from_raw),
        Some(Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP)
    )
}

/// Awaits `f`, for at most `limit`.
async fn within<F>(limit: Option<Duration>, f: F) -> io::Result<()>
where
    F: std::future::Future<Output = io::Result<()>>,
{
    match limit {
        None => f.await,
        Some(d) => match tokio::time::timeout(d, f).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout")),
        },
    }
}

/// Writes all of `bytes` to `w` through its readiness (the copying side of a direction
/// that splices later).
pub async fn write_all(w: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        w.writable().await?;
        match w.try_write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Shuts the write side of `w` down (half-close); a peer already gone is no error.
pub fn shutdown_write(w: &TcpStream) {
    let _ = socket2::SockRef::from(w).shutdown(std::net::Shutdown::Write);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    const T: Duration = Duration::from_secs(5);

    /// Pseudo-random bytes (xorshift): a lost or repeated block cannot go unnoticed.
    pub fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    /// A connected pair of TCP sockets on 127.0.0.1.
    pub async fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (b, _) = l.accept().await.unwrap();
        (a, b)
    }

    #[tokio::test]
    async fn forward_moves_exactly_the_limit_and_leaves_the_rest_in_the_socket() {
        let (mut src, r) = pair().await;
        let (w, mut dst) = pair().await;
        let data = noise(300_000, 3);
        let send = data.clone();
        let writer = tokio::spawn(async move {
            src.write_all(&send).await.unwrap();
            src.write_all(b"NEXT").await.unwrap();
            src
        });
        let mut pipe = Lease::take().unwrap();
        let mut seen = 0usize;
        let lim = Limits {
            bytes: Some(data.len() as u64),
            read_idle: Some(T),
            write_idle: Some(T),
        };
        let reader = tokio::spawn(async move {
            let mut got = vec![0u8; 300_000];
            dst.read_exact(&mut got).await.unwrap();
            got
        });
        let n = forward(&r, &w, &mut pipe, lim, &mut |k| seen += k)
            .await
            .unwrap();
        assert_eq!((n, seen), (data.len() as u64, data.len()));
        assert_eq!(reader.await.unwrap(), data);
        let _src = writer.await.unwrap();
        let mut next = [0u8; 4];
        let mut r = r;
        tokio::time::timeout(T, r.read_exact(&mut next))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&next, b"NEXT");
    }

    #[tokio::test]
    async fn forward_returns_at_the_end_of_stream_and_times_out_on_silence() {
        let (mut src, r) = pair().await;
        let (w, _dst) = pair().await;
        src.write_all(b"abc").await.unwrap();
        let mut pipe = Lease::take().unwrap();
        let lim = Limits {
            bytes: None,
            read_idle: Some(Duration::from_millis(50)),
            write_idle: Some(T),
        };
        let e = forward(&r, &w, &mut pipe, lim, &mut |_| {}).await;
        assert!(matches!(e, Err(Stop::Read(e)) if e.kind() == io::ErrorKind::TimedOut));
        drop(src);
        let n = forward(&r, &w, &mut pipe, lim, &mut |_| {}).await.unwrap();
        assert_eq!(n, 0);
    }
}
