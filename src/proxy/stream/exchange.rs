//! Stage 3: the backend side of a stream (HAProxy's `http_process_request` tail,
//! `back_handle_st_*`, `http_wait_for_response` head): persistence (`force-persist`,
//! `ignore-persist`, `use-server`, `cookie`, `stick`), the balancing key, the queue, the
//! connection with `retries` and `option redispatch`, the request head and body sent, and
//! the response head read (interim `1xx` relayed to the client), with `retry-on` replays.
//!
//! Errors: 503 when no server can take the request, 502 on a bad or missing response, 504
//! when `timeout server` strikes first, 400 on a bad request body.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};

use super::body::{self, RelayError};
use super::conn::Client;
use super::io::{self, ClientIo, IoEnd};
use super::outgoing;
use super::reply::Reply;
use super::rules::{ctx_of, sample_of};
use super::server::{self, ServerConn};
use super::txn::{self, Txn};
use crate::balance::Key;
use crate::config::model::{Balance, HttpConnMode, HttpReuse};
use crate::http::write::{write_head, Edits};
use crate::http::{parse_response, BodyLength, Head, Limits, Side as MsgSide, Status};
use crate::proxy::backend::{AcquireError, Backend, Slot, Stick, Want};
use crate::proxy::persist::{self, Assignment};
use crate::proxy::sample;
use crate::proxy::stick::{self, Pending, View};
use crate::proxy::stream::Phase;
use crate::proxy::Side;
use crate::server::{Analyze, Counters};

/// A response head received, with what is needed to forward it.
pub struct Exchange {
    /// The server connection (its buffer holds the start of the body).
    pub conn: ServerConn,
    /// The response head.
    pub res: Head,
    /// The slot on the server (released when the exchange drops).
    pub slot: Slot,
    /// How persistence bound the stream.
    pub assigned: Assignment,
    /// `stick store-request` entries waiting for the server.
    pub pending: Pending,
    /// The server connection closes after this exchange.
    pub server_close: bool,
    /// The request body was not (all) sent: the client connection must close.
    pub body_left: bool,
    /// The compression the request accepts (`compression algo`), if any.
    pub comp: Option<crate::config::model::CompAlgo>,
}

/// Why an attempt failed after the connection was made.
enum Failed {
    /// Answer the client with this reply (no retry possible).
    Reply(Reply),
    /// The server failed in a way `retry-on` may replay (status to send otherwise).
    Server {
        status: u16,
        retry: bool,
        analyze: Analyze,
    },
    /// A reused idle connection was found closed before any answer: try a new one.
    Stale,
}

/// Persistence, balancing, connection and the request sent; the response head read.
pub async fn run<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    be: &Arc<Backend>,
) -> Result<Exchange, Reply> {
    let chain_fe = Arc::clone(&cl.fe);
    let chain = [&be.errors, &chain_fe.errors];
    let peer = cl.peer;
    let view = View {
        proxy: &be.stick,
        stream: Some(&txn.slots),
        session: Some(&cl.session),
    };
    let mut assigned = persist::rules(
        be,
        &ctx_of(
            &txn.req,
            txn::env(&chain_fe, &txn.tr, &txn.vars, peer),
            &be.regexes,
            Some(&view),
        ),
        &sample_of(&txn.req, peer),
    );
    persist::request_cookie(be, &mut assigned, &mut txn.req);
    let sreq = stick::Request {
        src: peer.src.map(|a| a.ip()),
        req: Some(&txn.req),
    };
    let pending = persist::stick_rules(
        be,
        &ctx_of(
            &txn.req,
            txn::env(&chain_fe, &txn.tr, &txn.vars, peer),
            &be.regexes,
            Some(&view),
        ),
        &sreq,
        &mut assigned,
    );
    let comp = crate::proxy::compression::request_edits(
        chain_fe.compression.as_ref(),
        be.compression.as_ref(),
        &mut txn.req,
    );
    let req_len = txn.req.body_length();
    let tunnel = req_len == BodyLength::Tunnel || txn.req.flags().conn_upgrade;
    let server_close = txn.mode != HttpConnMode::KeepAlive
        || tunnel
        || txn.req.flags().conn_close && !txn.req.flags().ver_11;
    // option http-pretend-keepalive: the server is told keep-alive even when it will not be.
    let head_bytes = request_bytes(
        &mut txn.req,
        server_close && !be.pretend_keepalive,
        be.case_adjust.as_deref(),
    );
    let slot = acquire(cl, txn, be, &assigned).await.map_err(|e| {
        txn.tr.ended(
            Side::Server,
            e == AcquireError::QueueTimeout,
            if e == AcquireError::NoServer {
                Phase::Connect
            } else {
                Phase::Queue
            },
        );
        Reply::page(&chain, 503)
    })?;
    if be.prefer_last_server {
        cl.last_server = Some((be.name.clone(), slot.id()));
    }
    let stick = Stick {
        direct: assigned.direct,
        force: assigned.force,
    };
    let replayable = matches!(req_len, BodyLength::Empty);
    attempts(
        cl,
        txn,
        be,
        slot,
        stick,
        head_bytes,
        replayable,
        server_close,
    )
    .await
    .map(|(conn, res, slot, body_left)| Exchange {
        conn,
        res,
        slot,
        assigned,
        pending,
        server_close,
        body_left,
        comp,
    })
}

/// The request head as sent to the server: `Connection` handled as the H1 mux does.
fn request_bytes(
    req: &mut Head,
    server_close: bool,
    case: Option<&crate::http::write::CaseMap>,
) -> Bytes {
    if !req.flags().conn_upgrade {
        outgoing::strip_tokens(req);
    }
    let add = outgoing::request_connection(req, server_close);
    let mut out = BytesMut::with_capacity(req.buffer().len() + 64);
    let edits = Edits {
        add: add.as_slice(),
        case,
        ..Edits::default()
    };
    write_head(req, &edits, &mut out);
    out.freeze()
}

/// The balancing key of `be` for this request.
fn key_of<'a>(
    be: &'a Backend,
    req: &'a Head,
    src: Option<std::net::IpAddr>,
    hashed: &'a Option<String>,
) -> Key<'a> {
    use crate::balance::key;
    match (&be.balance, hashed) {
        (Balance::Hash { .. }, Some(h)) if !h.is_empty() => Key::Bytes(h.as_bytes()),
        (Balance::Hash { .. }, _) => Key::None,
        (Balance::Source, _) => src.map_or(Key::None, Key::Source),
        (
            Balance::Uri {
                len,
                depth,
                whole,
                path_only,
            },
            _,
        ) => Key::Bytes(key::uri_key(req.target(), *len, *depth, *whole, *path_only)),
        (Balance::UrlParam { name, .. }, _) => {
            key::url_param(req.target(), name.as_bytes()).map_or(Key::None, Key::Bytes)
        }
        (
            Balance::Hdr {
                name,
                use_domain_only,
            },
            _,
        ) => req
            .get(name)
            .and_then(|v| key::hdr_key(v, *use_domain_only))
            .map_or(Key::None, Key::Bytes),
        _ => Key::None,
    }
}

/// Takes a slot: persistence's server, `prefer-last-server`, or the balancer's pick; waits
/// in the queue. Under `option abortonclose` a client that closes meanwhile is dropped.
async fn acquire<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    be: &Arc<Backend>,
    a: &Assignment,
) -> Result<Slot, AcquireError> {
    let hashed = match &be.balance {
        Balance::Hash { expr } => {
            Some(sample::expand(&format!("%[{expr}]"), &sample_of(&txn.req, cl.peer)).into_owned())
        }
        _ => None,
    };
    let last = if be.prefer_last_server && a.server.is_none() {
        server::prefer_last(be, cl.last_server.as_ref())
    } else {
        None
    };
    let want = Want {
        key: key_of(be, &txn.req, cl.peer.src.map(|s| s.ip()), &hashed),
        server: a.server.or(last),
        avoid: None,
        force_persist: a.force,
    };
    let queued = txn.tr.now();
    let got = if be.abortonclose {
        let farm = Arc::clone(&be.farm);
        tokio::select! {
            r = farm.acquire(want) => r,
            () = client_gone(cl) => Err(AcquireError::NoServer),
        }
    } else {
        be.farm.acquire(want).await
    };
    txn.tr.t_queue = queued.map(|t| t.elapsed());
    got
}

/// Resolves when the client closed its side (bytes it sends meanwhile are kept).
async fn client_gone<C: ClientIo>(cl: &mut Client<C>) {
    loop {
        match io::read_more(&mut cl.io, &mut cl.buf, None).await {
            Ok(_) if cl.buf.len() < 64 * 1024 => {}
            Ok(_) => std::future::pending::<()>().await,
            Err(_) => return,
        }
    }
}

/// Connects and exchanges, retrying as `retries`, `option redispatch` and `retry-on` say.
#[allow(clippy::too_many_arguments)]
async fn attempts<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    be: &Arc<Backend>,
    mut slot: Slot,
    stick: Stick,
    head: Bytes,
    replayable: bool,
    server_close: bool,
) -> Result<(ServerConn, Head, Slot, bool), Reply> {
    let fe = Arc::clone(&cl.fe);
    let chain = [&be.errors, &fe.errors];
    let mut tries = 0u32;
    let private_first = cl.served == 0 && be.reuse == HttpReuse::Safe;
    loop {
        let shared = be.reuse != HttpReuse::Never && !slot.server().send_proxy;
        let pooled_ok = !server_close && !private_first && shared;
        txn.tr.server = Some(Arc::clone(slot.server()));
        let connect_at = txn.tr.now();
        let private = server::take_private(cl, be, slot.id());
        let conn = match private {
            Some(c) => Some(c),
            None => server::obtain(be, &slot, &cl.peer, pooled_ok).await,
        };
        let Some(mut conn) = conn else {
            txn.tr.ended(Side::Server, false, Phase::Connect);
            tries += 1;
            if tries > be.retries || !be.retry_on.conn_failure {
                return Err(Reply::page(&chain, 503));
            }
            txn.tr.retries = txn.tr.retries.saturating_add(1);
            slot = be
                .next_attempt(slot, tries, stick, true)
                .await
                .map_err(|_| Reply::page(&chain, 503))?;
            continue;
        };
        if !conn.reused {
            txn.tr.t_connect = connect_at.map(|t| t.elapsed());
        }
        txn.tr.t_connect.get_or_insert(std::time::Duration::ZERO);
        txn.tr.term = crate::proxy::stream::Termination::NORMAL;
        let sent_at = txn.tr.now();
        match exchange(cl, txn, &mut conn, &head, &chain).await {
            Ok((res, body_left)) => {
                txn.tr.t_response = sent_at.map(|t| t.elapsed());
                let status = res.status();
                slot.server().counters.http_response(status);
                slot.server().observe(Analyze::of_status(status));
                if replayable && be.retry_on.statuses.contains(status) && tries < be.retries {
                    tries += 1;
                    txn.tr.retries = txn.tr.retries.saturating_add(1);
                    slot = be
                        .next_attempt(slot, tries, stick, false)
                        .await
                        .map_err(|_| Reply::page(&chain, 503))?;
                    continue;
                }
                return Ok((conn, res, slot, body_left));
            }
            Err(Failed::Reply(r)) => return Err(r),
            Err(Failed::Stale) if replayable => continue,
            Err(Failed::Stale) => return Err(Reply::page(&chain, 502)),
            Err(Failed::Server {
                status,
                retry,
                analyze,
            }) => {
                Counters::inc(&slot.server().counters.resp_errors);
                Counters::inc(&be.farm.counters.resp_errors);
                slot.server().observe(analyze);
                txn.tr.ended(Side::Server, status == 504, Phase::Headers);
                if replayable && retry && tries < be.retries {
                    tries += 1;
                    txn.tr.retries = txn.tr.retries.saturating_add(1);
                    slot = be
                        .next_attempt(slot, tries, stick, false)
                        .await
                        .map_err(|_| Reply::page(&chain, 503))?;
                    continue;
                }
                return Err(Reply::page(&chain, status));
            }
        }
    }
}

/// Sends the request and reads the final response head. Returns it and whether the
/// request body was left unsent (a final answer to `Expect: 100-continue`).
async fn exchange<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    conn: &mut ServerConn,
    head: &Bytes,
    chain: &[&crate::proxy::errorfile::ErrorPages],
) -> Result<(Head, bool), Failed> {
    let be = txn.tr.backend.clone();
    let retry_on = be.as_ref().map(|b| b.retry_on).unwrap_or_default();
    let limits = be.as_ref().map(|b| b.limits).unwrap_or_default();
    let len = txn.req.body_length();
    let has_body = !matches!(len, BodyLength::Empty | BodyLength::Tunnel);
    let expect = has_body
        && txn
            .req
            .get("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"));
    let mut body_sent = !has_body;
    if has_body && !expect {
        // The head leaves with the first body bytes, in one write.
        send_body(cl, txn, conn, len, head, chain).await?;
        body_sent = true;
    } else if io::write(&mut conn.io, head).await.is_err() {
        return Err(if conn.reused {
            Failed::Stale
        } else {
            Failed::Server {
                status: 502,
                retry: retry_on.empty_response,
                analyze: Analyze::HttpBrokenPipe,
            }
        });
    }
    // The request is out: its buffer goes back to the pool before the response is read,
    // so a stream in flight holds one buffer, not two.
    if body_sent && cl.buf.is_empty() {
        io::give(&mut cl.buf);
    }
    loop {
        let res = read_head(conn, &retry_on, &limits).await?;
        let status = res.status();
        if (100..200).contains(&status) && status != 101 {
            relay_interim(cl, &res).await;
            if status == 100 && !body_sent {
                send_body(cl, txn, conn, len, &Bytes::new(), chain).await?;
                body_sent = true;
            }
            continue;
        }
        return Ok((res, !body_sent));
    }
}

/// Relays the request body to the server.
async fn send_body<C: ClientIo>(
    cl: &mut Client<C>,
    txn: &mut Txn,
    conn: &mut ServerConn,
    len: BodyLength,
    head: &Bytes,
    chain: &[&crate::proxy::errorfile::ErrorPages],
) -> Result<(), Failed> {
    let chunked = len == BodyLength::Chunked;
    let mut first = io::out_buffer(head.len(), cl.buf.len());
    first.extend_from_slice(head);
    let relay = body::relay(
        &mut cl.io,
        &mut cl.buf,
        &mut conn.io,
        (len, chunked),
        None,
        first,
    );
    match relay.await {
        Ok(n) => {
            txn.tr.bytes_in = n;
            Ok(())
        }
        Err(RelayError::Bad(e)) => {
            txn.client_close = true;
            txn.tr.ended(Side::Client, false, Phase::Data);
            Err(Failed::Reply(Reply::page(
                chain,
                e.status(MsgSide::Request),
            )))
        }
        Err(RelayError::Truncated) => {
            txn.client_close = true;
            txn.tr.ended(Side::Client, false, Phase::Data);
            Err(Failed::Reply(Reply::silent(400)))
        }
        Err(RelayError::SenderTimeout) => {
            txn.client_close = true;
            // The server's read timer runs from the moment the request head left: when
            // `timeout server` is not longer than `timeout client`, it strikes first (504).
            let be = txn.tr.backend.as_ref();
            let client_t = cl.fe.client_timeout;
            if be
                .and_then(|b| b.server_timeout)
                .is_some_and(|s| client_t.is_none_or(|c| s <= c))
            {
                txn.tr.ended(Side::Server, true, Phase::Headers);
                return Err(Failed::Reply(Reply::page(chain, 504)));
            }
            txn.tr.ended(Side::Client, true, Phase::Data);
            Err(Failed::Reply(Reply::page(chain, 408)))
        }
        Err(RelayError::Receiver(_) | RelayError::Encoder) => Err(Failed::Server {
            status: 502,
            retry: false,
            analyze: Analyze::HttpBrokenPipe,
        }),
    }
}

/// Reads one response head from the server.
async fn read_head(
    conn: &mut ServerConn,
    retry_on: &crate::config::model::RetryOn,
    limits: &Limits,
) -> Result<Head, Failed> {
    loop {
        if !conn.buf.is_empty() {
            match parse_response(&conn.buf, limits) {
                Status::Complete(h, used) => {
                    conn.buf.advance(used);
                    return Ok(h);
                }
                Status::Error(_) => {
                    return Err(Failed::Server {
                        status: 502,
                        retry: retry_on.junk_response,
                        analyze: Analyze::HttpInvalid,
                    })
                }
                Status::Incomplete => {}
            }
        }
        match io::read_more(&mut conn.io, &mut conn.buf, None).await {
            Ok(_) => {}
            Err(IoEnd::Timeout) => {
                return Err(Failed::Server {
                    status: 504,
                    retry: retry_on.response_timeout,
                    analyze: Analyze::HttpReadTimeout,
                })
            }
            Err(_) if conn.buf.is_empty() && conn.reused => return Err(Failed::Stale),
            Err(_) if conn.buf.is_empty() => {
                return Err(Failed::Server {
                    status: 502,
                    retry: retry_on.empty_response,
                    analyze: Analyze::HttpBrokenPipe,
                })
            }
            Err(_) => {
                return Err(Failed::Server {
                    status: 502,
                    retry: retry_on.junk_response,
                    analyze: Analyze::HttpInvalid,
                })
            }
        }
    }
}

/// Forwards an interim `1xx` response (HAProxy relays the server's `100 Continue`).
async fn relay_interim<C: ClientIo>(cl: &mut Client<C>, res: &Head) {
    let mut out = BytesMut::with_capacity(64);
    let edits = Edits {
        case: cl.fe.case_adjust.as_deref(),
        ..Edits::default()
    };
    write_head(res, &edits, &mut out);
    let _ = io::write(&mut cl.io, &out).await;
}
