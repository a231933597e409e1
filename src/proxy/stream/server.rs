//! Server connections of HTTP streams: a new one (`timeout connect`, `send-proxy`) or an idle
//! one from the server's pool (`http-reuse`), wrapped with `timeout server` as inactivity
//! limit; given back to the pool when an exchange ends cleanly in keep-alive mode.

use std::time::Duration;

use bytes::BytesMut;

use crate::config::model::HttpReuse;
use crate::proxy::backend::{Backend, Slot};
use crate::proxy::socket::{IdleIo, Peer, Socket};
use crate::server::ServerId;

/// A connection to a server, owned by one stream at a time.
pub struct ServerConn {
    /// The socket with `timeout server`.
    pub io: IdleIo<Socket>,
    /// Bytes read and not yet used.
    pub buf: BytesMut,
    /// It came from the idle pool.
    pub reused: bool,
}

/// An idle pooled connection of the slot's server when allowed, else a new one.
pub async fn obtain(be: &Backend, slot: &Slot, peer: &Peer, pooled: bool) -> Option<ServerConn> {
    let limit = be.server_timeout.unwrap_or(Duration::MAX);
    if pooled {
        if let Some(sock) = be.pool(slot.id()).and_then(|p| p.take()) {
            return Some(ServerConn {
                io: IdleIo::new(sock, limit),
                buf: BytesMut::new(),
                reused: true,
            });
        }
    }
    let sock = be.connect_once(slot, peer).await?;
    Some(ServerConn {
        io: IdleIo::new(sock, limit),
        buf: BytesMut::new(),
        reused: false,
    })
}

/// Gives a connection whose exchange ended cleanly back to its server's idle pool.
pub fn release(be: &Backend, id: ServerId, mut conn: ServerConn) {
    if !conn.buf.is_empty() {
        return;
    }
    super::io::give(&mut conn.buf);
    if let Some(pool) = be.pool(id) {
        pool.put(conn.io.into_inner());
    }
}

/// The server the previous request of this connection used, if it is in `be`, its
/// connection was private to this client, and it is usable with a free slot
/// (`option prefer-last-server`).
pub fn prefer_last(be: &Backend, last: Option<&(String, ServerId)>) -> Option<ServerId> {
    let (name, id) = last?;
    let s = be.farm.server(*id).filter(|_| *name == be.name)?;
    // HAProxy only finds the last server through a server connection still attached to
    // the session: private ones (`http-reuse never`, `send-proxy`); others go to the
    // shared idle pool and the request is balanced.
    let private = be.reuse == HttpReuse::Never || s.send_proxy;
    (private && s.usable() && (s.maxconn == 0 || s.served() < s.maxconn)).then_some(*id)
}
