//! One client connection of a `mode http` frontend: the keep-alive loop around streams.
//!
//! Keywords: `timeout http-request` (the first head), `timeout http-keep-alive` (between
//! requests), `timeout client` (any silence), `option http-ignore-probes`, `tcp-request
//! content` rules (run once per connection here, before the first request).
//!
//! Between requests the connection holds no buffer and no stream state: the loop waits for
//! readiness, then runs one boxed [`super::txn::run`] per request. Pipelined requests stay in
//! [`Client::buf`] and start the next stream without waiting.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;

use super::io::{self, ClientIo};
use super::txn::{self, Next};
use crate::proxy::acl::Ctx;
use crate::proxy::frontend::Frontend;
use crate::proxy::socket::{IdleIo, Peer};
use crate::proxy::stick::{Slots, View};

/// The client side of a connection, shared by its streams.
pub struct Client<C> {
    /// The socket, with `timeout client` as its inactivity limit.
    pub io: IdleIo<C>,
    /// Bytes read and not yet used (a pipelined request); empty and unallocated when idle.
    pub buf: BytesMut,
    /// The frontend.
    pub fe: Arc<Frontend>,
    /// Addresses.
    pub peer: Peer,
    /// Counters tracked by `tcp-request ... track-sc*`.
    pub session: Arc<Slots>,
    /// Streams started so far on this connection.
    pub served: u32,
    /// The backend and server of the previous stream (`option prefer-last-server`).
    pub last_server: Option<(String, crate::server::ServerId)>,
    /// A server connection private to this client (`http-reuse never`, `send-proxy`).
    pub private: Option<Box<super::server::Private>>,
    /// The `sess` variables, kept between streams.
    pub vars: crate::sample::Vars,
}

/// Serves one client connection of a `mode http` frontend until it closes.
pub async fn serve<C: ClientIo>(fe: Arc<Frontend>, sock: C, peer: Peer, session: Arc<Slots>) {
    serve_holding(fe, sock, peer, session, ()).await;
}

/// [`serve`], keeping `hold` (the listener's `maxconn` permits) until the connection ends.
pub async fn serve_holding<C: ClientIo, H: Send + 'static>(
    fe: Arc<Frontend>,
    sock: C,
    peer: Peer,
    session: Arc<Slots>,
    hold: H,
) {
    let _hold = hold;
    if !fe.tcp_rules.is_empty() && !content_rules_accept(&fe, peer, &session) {
        return;
    }
    let mut cl = Client {
        io: IdleIo::new(sock, fe.client_timeout.unwrap_or(Duration::MAX)),
        buf: BytesMut::new(),
        fe,
        peer,
        session,
        served: 0,
        last_server: None,
        private: None,
        vars: crate::sample::Vars::default(),
    };
    loop {
        if cl.buf.is_empty() && !wait_for_request(&mut cl).await {
            break;
        }
        // Boxed: an idle connection keeps only this loop, not a stream's state.
        let next = Box::pin(txn::run(&mut cl)).await;
        cl.served = cl.served.saturating_add(1);
        if next == Next::Close {
            break;
        }
        if cl.buf.is_empty() {
            io::give(&mut cl.buf);
        }
    }
    let _ = cl.io.shutdown().await;
}

/// Waits for the first byte of the next request. The first request of a connection waits
/// up to `timeout http-request` (then the stream itself answers 408); later ones up to
/// `timeout http-keep-alive` (else `http-request`), then the connection closes silently.
async fn wait_for_request<C: ClientIo>(cl: &mut Client<C>) -> bool {
    let fe = &cl.fe;
    let limit = if cl.served == 0 {
        // The stream reports the timeout (408) itself.
        return true;
    } else {
        fe.http_keep_alive_timeout
            .or(fe.http_request_timeout)
            .or(fe.client_timeout)
    };
    let limit = limit.unwrap_or(Duration::MAX);
    let ready = std::future::poll_fn(|cx| {
        cl.io
            .poll_ready_within(cx, limit, |s, cx| s.poll_read_ready(cx))
    });
    ready.await.is_ok()
}

/// `tcp-request content` rules, evaluated once when the connection starts.
fn content_rules_accept(fe: &Frontend, peer: Peer, session: &Slots) -> bool {
    let view = View {
        proxy: &fe.stick,
        stream: None,
        session: Some(session),
    };
    let ctx = Ctx {
        src: peer.src.map(|a| a.ip()),
        src_port: peer.src.map(|a| a.port()),
        dst: peer.dst,
        regexes: Some(&fe.regexes),
        stick: Some(&view),
        ..Ctx::default()
    };
    fe.tcp_accepts(true, &ctx, session)
}
