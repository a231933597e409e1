//! Server connections of HTTP streams: a new one (`timeout connect`, `send-proxy`) or an idle
//! one from the server's pool (`http-reuse`), wrapped with `timeout server` as inactivity
//! limit; given back to the pool when an exchange ends cleanly in keep-alive mode.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;

use super::conn::Client;
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

/// A server connection kept for its client's next request: `http-reuse never` and
/// `send-proxy` servers never share a connection (HAProxy keeps it attached to the session).
pub struct Private {
    /// Its backend.
    pub be: Arc<Backend>,
    /// Its server.
    pub id: ServerId,
    /// The connection.
    pub conn: ServerConn,
}

/// The client's private connection to server `id` of `be`, if it has one still open; any
/// other private connection is closed (the request goes elsewhere).
pub fn take_private<C>(cl: &mut Client<C>, be: &Arc<Backend>, id: ServerId) -> Option<ServerConn> {
    let p = cl.private.take()?;
    let open = p.conn.buf.is_empty() && p.conn.io.inner().is_idle_open();
    (Arc::ptr_eq(&p.be, be) && p.id == id && open).then(|| {
        let mut conn = p.conn;
        conn.reused = true;
        conn
    })
}

/// Where a connection whose exchange ended cleanly goes: kept private to the client
/// (`http-reuse never`, `send-proxy`), or back to its server's idle pool.
pub fn keep<C>(cl: &mut Client<C>, be: &Arc<Backend>, slot: &Slot, conn: ServerConn) {
    if be.reuse == HttpReuse::Never || slot.server().send_proxy {
        cl.private = Some(Box::new(Private {
            be: Arc::clone(be),
            id: slot.id(),
            conn,
        }));
    } else {
        release(be, slot.id(), conn);
    }
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
