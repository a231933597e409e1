//! The stream's socket side: readiness without a buffer, reads into buffers taken from a
//! per-thread pool, and writes bounded by the side's timeout.
//!
//! An idle keep-alive connection holds no buffer: it waits for readiness
//! ([`ClientIo::poll_read_ready`]) and only then takes a buffer ([`take`]), as HAProxy waits
//! with `tune.bufsize` buffers in `pool_head_buffer` and releases them when a stream is idle.

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::proxy::socket::{after, IdleIo, Rewind, Socket};
use crate::proxy::splice::SpliceIo;

/// `tune.bufsize`: the size of one I/O buffer, set once at start-up ([`set_bufsize`]).
static BUFSIZE: AtomicUsize = AtomicUsize::new(16384);

/// Sets `tune.bufsize` for the buffers taken from now on (at start-up and on reload).
pub fn set_bufsize(n: usize) {
    BUFSIZE.store(n.max(1024), Ordering::Relaxed);
}

/// The current `tune.bufsize`.
pub fn bufsize() -> usize {
    BUFSIZE.load(Ordering::Relaxed)
}
/// Buffers kept per thread for reuse.
const POOL_KEEP: usize = 16;

thread_local! {
    static POOL: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
}

/// A buffer from the per-thread pool (or a new one).
pub fn take() -> BytesMut {
    POOL.with(|p| p.borrow_mut().pop())
        .unwrap_or_else(|| BytesMut::with_capacity(bufsize()))
}

/// An output buffer for a message head and the body bytes already read with it: sized to
/// what it will hold, not a whole `tune.bufsize` buffer (many streams in flight then cost
/// less memory).
pub fn out_buffer(head: usize, body: usize) -> BytesMut {
    BytesMut::with_capacity(head + body.min(bufsize()) + 64)
}

/// Gives `buf` back to the pool once it is empty; a buffer still holding bytes (pipelined
/// requests) must be kept by its owner instead.
pub fn give(buf: &mut BytesMut) {
    if !buf.is_empty() {
        return;
    }
    let mut b = std::mem::take(buf);
    b.clear();
    // A buffer read from has moved its start: reserving on the empty, unshared buffer takes
    // back its whole allocation without copying (bytes' `reserve` reclaims in place).
    let size = bufsize();
    b.reserve(size);
    if b.capacity() < size {
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < POOL_KEEP {
            p.push(b);
        }
    });
}

/// A byte stream that can say it is readable without being read (so an idle connection
/// needs no buffer).
pub trait ClientIo: AsyncRead + AsyncWrite + Unpin + Send + 'static + SpliceIo {
    /// Ready when a read would not block (data, end of stream or error).
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

impl ClientIo for Socket {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Socket::Tcp(s) => s.poll_read_ready(cx),
            Socket::Unix(s) => s.poll_read_ready(cx),
        }
    }
}

impl<S: ClientIo> ClientIo for Rewind<S> {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.has_pending() {
            return Poll::Ready(Ok(()));
        }
        self.inner().poll_read_ready(cx)
    }
}

impl<S: ClientIo> ClientIo for IdleIo<S> {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_read_ready(cx)
    }
}

/// Why a read or a write stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoEnd {
    /// The peer closed its side (a read returned 0).
    Closed,
    /// The deadline passed, or the socket's own idle timer fired.
    Timeout,
    /// Any other error (reset, broken pipe).
    Error,
}

fn classify(e: &io::Error) -> IoEnd {
    if e.kind() == io::ErrorKind::TimedOut {
        IoEnd::Timeout
    } else {
        IoEnd::Error
    }
}

/// Reads more bytes into `buf` (taking a pooled buffer when it has none), until `deadline`.
pub async fn read_more<R: AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
    deadline: Option<tokio::time::Instant>,
) -> Result<usize, IoEnd> {
    if buf.capacity() == 0 {
        *buf = take();
    }
    if buf.capacity() - buf.len() < 1024 {
        buf.reserve(bufsize());
    }
    let read = io.read_buf(buf);
    let r = match deadline {
        Some(d) => match tokio::time::timeout_at(d, read).await {
            Ok(r) => r,
            Err(_) => return Err(IoEnd::Timeout),
        },
        None => read.await,
    };
    match r {
        Ok(0) => Err(IoEnd::Closed),
        Ok(n) => Ok(n),
        Err(e) => Err(classify(&e)),
    }
}

/// Writes all of `bytes`.
pub async fn write<W: AsyncWrite + Unpin>(io: &mut W, bytes: &[u8]) -> Result<(), IoEnd> {
    io.write_all(bytes).await.map_err(|e| classify(&e))
}

/// A deadline `d` from now.
pub fn deadline(d: Option<Duration>) -> Option<tokio::time::Instant> {
    d.map(|d| after(tokio::time::Instant::now(), d))
}
