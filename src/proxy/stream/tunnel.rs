//! Tunnels: after a `101 Switching Protocols` (WebSocket and other upgrades) or a 2xx to
//! `CONNECT`, bytes flow both ways untouched until both sides closed, with `timeout tunnel`
//! (else `timeout client` / `timeout server`) as the inactivity limit of both sides.

use std::sync::Arc;

use super::conn::Client;
use super::exchange::Exchange;
use super::io::{self, ClientIo};
use super::txn::{Next, Txn};
use crate::proxy::backend::Backend;
use crate::proxy::stream::Phase;
use crate::proxy::Side;

/// Copies both ways after the response head was sent; the client connection ends with it.
pub async fn run<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    be: &Arc<Backend>,
    mut ex: Exchange,
) -> Next {
    // Bytes each side sent past the head go first.
    if !ex.conn.buf.is_empty() && io::write(&mut cl.io, &ex.conn.buf).await.is_err() {
        return Next::Close;
    }
    if !cl.buf.is_empty() && io::write(&mut ex.conn.io, &cl.buf).await.is_err() {
        return Next::Close;
    }
    ex.conn.buf.clear();
    cl.buf.clear();
    io::give(&mut ex.conn.buf);
    io::give(&mut cl.buf);
    let tunnel_t = be.tunnel_timeout.or(cl.fe.tunnel_timeout);
    if let Some(t) = tunnel_t {
        cl.io.set_limit(t);
        ex.conn.io.set_limit(t);
    }
    let idle = tunnel_t.or(be.server_timeout);
    let killed = ex.slot.killed();
    tokio::select! {
        r = crate::proxy::tcp::pump(&mut cl.io, &mut ex.conn.io, idle) => {
            if let Ok((up, down)) = r {
                txn.tr.bytes_in += up;
                txn.tr.bytes_out += down;
            }
        }
        () = killed => txn.tr.ended(Side::Down, false, Phase::Data),
    }
    Next::Close
}
