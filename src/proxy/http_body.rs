//! The body of an HTTP response on its way to the client: generated in memory (errors,
//! `http-request return`) or streamed from a server, giving the server connection back to
//! the idle pool and the slot back to the server when it ends, bounded by `timeout server`
//! between two chunks, counting `bytes_out`, and ending early when the server's streams are
//! shut down (`on-marked-down shutdown-sessions`). Part of `proxy/http.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::super::backend::{Backend, PooledConn, Slot};
use super::super::socket::after;

/// The body of a response sent to a client: generated, or streamed from a server.
#[derive(Debug)]
pub enum RespBody {
    /// A body held in memory (errors, `http-request return`).
    Full(Option<Bytes>),
    /// A server's body; gives the connection back to the pool and the slot back to the
    /// backend when it ends.
    Upstream(UpstreamBody),
}

impl RespBody {
    /// A body made of `b`.
    pub fn full(b: impl Into<Bytes>) -> RespBody {
        let b = b.into();
        RespBody::Full(if b.is_empty() { None } else { Some(b) })
    }
}

/// A server response body in flight.
#[derive(Debug)]
pub struct UpstreamBody {
    pub(super) inner: Incoming,
    pub(super) conn: Option<PooledConn>,
    pub(super) slot: Option<Slot>,
    /// The backend, whose pool takes the connection back.
    pub(super) backend: Arc<Backend>,
    /// `timeout server` between two chunks of the body, and its running timer.
    pub(super) idle: Option<Duration>,
    /// When the last chunk arrived.
    pub(super) last: tokio::time::Instant,
    /// Created only when the body has to wait, so small bodies never allocate a timer.
    pub(super) timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Resolves when the server's streams are shut down (only for killable servers).
    pub(super) killed: Option<Killed>,
}

/// The boxed [`Slot::killed`] future of a response body.
pub(super) struct Killed(pub(super) Pin<Box<dyn Future<Output = ()> + Send>>);

impl std::fmt::Debug for Killed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Killed")
    }
}

/// The error of a response body sent to a client.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

impl UpstreamBody {
    fn finish(&mut self) {
        if let (Some(c), Some(slot)) = (self.conn.take(), self.slot.as_ref()) {
            if let Some(pool) = self.backend.pool(slot.id()) {
                pool.put(c);
            }
        }
        self.slot = None;
    }
}

impl Drop for UpstreamBody {
    fn drop(&mut self) {
        if self.inner.is_end_stream() {
            self.finish();
        }
    }
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match self.get_mut() {
            RespBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            RespBody::Upstream(u) => {
                let r = Pin::new(&mut u.inner).poll_frame(cx);
                if let (Poll::Ready(Some(Ok(f))), Some(slot)) = (&r, u.slot.as_ref()) {
                    if let Some(d) = f.data_ref() {
                        let n = u64::try_from(d.len()).unwrap_or(u64::MAX);
                        crate::server::Counters::add(&slot.server().counters.bytes_out, n);
                        crate::server::Counters::add(&slot.farm().counters.bytes_out, n);
                    }
                }
                match &r {
                    Poll::Ready(None) => u.finish(),
                    Poll::Ready(Some(Err(_))) => {
                        u.conn = None;
                        u.slot = None;
                    }
                    Poll::Ready(Some(Ok(_))) if u.inner.is_end_stream() => u.finish(),
                    Poll::Ready(Some(Ok(_))) => {
                        if u.idle.is_some() {
                            u.last = tokio::time::Instant::now();
                        }
                    }
                    Poll::Pending => {
                        if u.killed
                            .as_mut()
                            .is_some_and(|k| k.0.as_mut().poll(cx).is_ready())
                        {
                            u.conn = None;
                            u.slot = None;
                            let e = std::io::Error::other("server marked down");
                            return Poll::Ready(Some(Err(e.into())));
                        }
                        if let Some(d) = u.idle {
                            let deadline = after(u.last, d);
                            let timer = u.timer.get_or_insert_with(|| {
                                Box::pin(tokio::time::sleep_until(deadline))
                            });
                            if timer.deadline() != deadline {
                                timer.as_mut().reset(deadline);
                            }
                            if timer.as_mut().poll(cx).is_ready() {
                                u.conn = None;
                                u.slot = None;
                                let e = std::io::Error::new(
                                    std::io::ErrorKind::TimedOut,
                                    "timeout server",
                                );
                                return Poll::Ready(Some(Err(e.into())));
                            }
                        }
                    }
                }
                r.map(|o| o.map(|f| f.map_err(BodyError::from)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RespBody::Full(b) => b.is_none(),
            RespBody::Upstream(u) => u.inner.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RespBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            RespBody::Upstream(u) => u.inner.size_hint(),
        }
    }
}
