//! Bodies in flight, both directions: `Content-Length` bytes are copied as they come,
//! chunked bodies are decoded and re-chunked (extensions dropped, sizes in upper-case hex,
//! trailers kept with lower-case names, as HAProxy 2.6 forwards them), close-delimited bodies
//! run until the sender closes. Backpressure is the write: nothing more is read from the
//! sender until the bytes already read were written to the receiver. At most one buffer is
//! held per direction.

use bytes::{Buf, BufMut, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};

use super::io::{self, IoEnd};
use crate::http::body::{encode_chunk, encode_last, BodyError, Decoder, Event};
use crate::http::BodyLength;
use crate::proxy::compression::Encoder;
use crate::proxy::splice::{self, SpliceIo};

/// Why a body did not reach its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayError {
    /// The sender's framing is invalid (400 from a client, 502 from a server).
    Bad(BodyError),
    /// The sender closed early.
    Truncated,
    /// The sender was silent for its timeout.
    SenderTimeout,
    /// The receiver failed or timed out.
    Receiver(IoEnd),
    /// The compression stream failed.
    Encoder,
}

/// Relays one body of framing `len` from `src` (bytes already read in `buf`) to `dst`.
/// `out` holds bytes to send first (the message head), so that a head and the body bytes
/// read with it leave in one write. `chunked_out` re-encodes the payload as chunks;
/// `encoder` (HTTP compression) transforms it first. Returns the payload bytes moved
/// (before compression).
pub async fn relay<R, W>(
    src: &mut R,
    buf: &mut BytesMut,
    dst: &mut W,
    (len, chunked_out): (BodyLength, bool),
    mut encoder: Option<Encoder>,
    mut out: BytesMut,
) -> Result<u64, RelayError>
where
    R: AsyncRead + Unpin + SpliceIo,
    W: AsyncWrite + Unpin + SpliceIo,
{
    let r = relay_with(src, buf, dst, (len, chunked_out), &mut encoder, &mut out).await;
    out.clear();
    io::give(&mut out);
    r
}

async fn relay_with<R, W>(
    src: &mut R,
    buf: &mut BytesMut,
    dst: &mut W,
    (len, chunked_out): (BodyLength, bool),
    encoder: &mut Option<Encoder>,
    out: &mut BytesMut,
) -> Result<u64, RelayError>
where
    R: AsyncRead + Unpin + SpliceIo,
    W: AsyncWrite + Unpin + SpliceIo,
{
    let mut dec = Decoder::new(len);
    let mut moved = 0u64;
    let mut trailers: Vec<Vec<u8>> = Vec::new();
    loop {
        while !dec.is_done() && !buf.is_empty() {
            let step = dec.step(buf).map_err(RelayError::Bad)?;
            match &step.event {
                Some(Event::Data(r)) => {
                    let data = buf.get(r.clone()).unwrap_or_default();
                    moved += data.len() as u64;
                    if let Some(enc) = encoder.as_mut() {
                        let mut z = BytesMut::new();
                        enc.push(data, &mut z).map_err(|_| RelayError::Encoder)?;
                        encode_chunk(&z, out);
                    } else if chunked_out {
                        encode_chunk(data, out);
                    } else if out.is_empty() {
                        io::write(dst, data).await.map_err(RelayError::Receiver)?;
                    } else {
                        out.put_slice(data);
                    }
                }
                Some(Event::Trailer(r)) => {
                    trailers.push(buf.get(r.clone()).unwrap_or_default().to_vec());
                }
                Some(Event::Done) | None => {}
            }
            if step.consumed == 0 && step.event.is_none() {
                break;
            }
            buf.advance(step.consumed);
        }
        if dec.is_done() {
            if let Some(enc) = encoder.take() {
                let mut z = BytesMut::new();
                enc.finish(&mut z).map_err(|_| RelayError::Encoder)?;
                encode_chunk(&z, out);
            }
            if chunked_out {
                finish_chunks(&trailers, out);
            }
            if !out.is_empty() {
                io::write(dst, out).await.map_err(RelayError::Receiver)?;
            }
            return Ok(moved);
        }
        if !out.is_empty() {
            io::write(dst, out).await.map_err(RelayError::Receiver)?;
            out.clear();
        }
        let plain = encoder.is_none() && !chunked_out && buf.is_empty();
        if plain {
            if let Some(left) = splice_worthy(len, &dec, moved) {
                if let Some(n) = splice_body(src, dst, left).await? {
                    return Ok(moved.saturating_add(n));
                }
            }
        }
        match io::read_more(src, buf, None).await {
            Ok(_) => {}
            Err(IoEnd::Closed) => {
                dec.on_eof().map_err(|_| RelayError::Truncated)?;
            }
            Err(IoEnd::Timeout) => return Err(RelayError::SenderTimeout),
            Err(IoEnd::Error) => return Err(RelayError::Truncated),
        }
    }
}

/// The payload bytes left to splice (`None`: until the sender closes) when the rest of a
/// body is worth splicing: at least [`splice::HTTP_MIN`] bytes of a `Content-Length`
/// body, or a close-delimited body that already moved that much.
fn splice_worthy(len: BodyLength, dec: &Decoder, moved: u64) -> Option<Option<u64>> {
    match len {
        BodyLength::ContentLength(_) => {
            dec.remaining().filter(|&n| n >= splice::HTTP_MIN).map(Some)
        }
        BodyLength::CloseDelimited if moved >= splice::HTTP_MIN => Some(None),
        _ => None,
    }
}

/// Splices the rest of a body (`left` bytes, or until the sender closes) from `src` to
/// `dst` when both are TCP sockets; `Ok(None)` when they cannot splice (the caller
/// copies). Each wait is bounded by its side's inactivity limit (`timeout server` /
/// `timeout client`).
async fn splice_body<R, W>(
    src: &mut R,
    dst: &mut W,
    left: Option<u64>,
) -> Result<Option<u64>, RelayError>
where
    R: SpliceIo,
    W: SpliceIo,
{
    let (Some(r), Some(w)) = (src.tcp(), dst.tcp()) else {
        return Ok(None);
    };
    let Some(mut pipe) = splice::Lease::take() else {
        return Ok(None);
    };
    let lim = splice::Limits {
        bytes: left,
        read_idle: src.idle_limit(),
        write_idle: dst.idle_limit(),
    };
    let mut moved = 0u64;
    let mut on_move = |n: usize| moved = moved.saturating_add(n as u64);
    let r = splice::forward(r, w, &mut pipe, lim, &mut on_move).await;
    src.spliced();
    dst.spliced();
    match r {
        Ok(n) if left.is_some_and(|l| n < l) => Err(RelayError::Truncated),
        Ok(n) => Ok(Some(n)),
        // Nothing moved: the caller copies the whole rest.
        Err(splice::Stop::Unsupported) if moved == 0 => Ok(None),
        Err(splice::Stop::Unsupported) => Err(RelayError::Truncated),
        Err(splice::Stop::Read(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            Err(RelayError::SenderTimeout)
        }
        Err(splice::Stop::Read(_)) => Err(RelayError::Truncated),
        Err(splice::Stop::Write(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            Err(RelayError::Receiver(IoEnd::Timeout))
        }
        Err(splice::Stop::Write(_)) => Err(RelayError::Receiver(IoEnd::Error)),
    }
}

/// Walks the body bytes already buffered with a fresh decoder, as HAProxy's H1 demux parses
/// whatever arrived with the head: `Ok(true)` when the whole body is there, `Ok(false)` when
/// more is needed, the framing error otherwise (so a bad first chunk is refused before any
/// server is contacted, or before a response head is forwarded).
pub fn scan(buf: &[u8], len: BodyLength) -> Result<bool, BodyError> {
    let mut dec = Decoder::new(len);
    let mut at = 0usize;
    while let Some(rest) = buf.get(at..) {
        if dec.is_done() {
            return Ok(true);
        }
        let step = dec.step(rest)?;
        if matches!(step.event, Some(Event::Done)) || dec.is_done() {
            return Ok(true);
        }
        if step.consumed == 0 {
            break;
        }
        at += step.consumed;
    }
    Ok(dec.is_done())
}

/// The last chunk and the trailers, names in lower case (HTX stores them so).
fn finish_chunks(trailers: &[Vec<u8>], out: &mut BytesMut) {
    let pairs: Vec<(&[u8], &[u8])> = trailers
        .iter()
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let (n, v) = line.split_at(colon);
            Some((n, crate::http::trim(v.get(1..).unwrap_or_default())))
        })
        .collect();
    encode_last(&pairs, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    async fn through(
        input: &[u8],
        len: BodyLength,
        chunked: bool,
    ) -> (Result<u64, RelayError>, Vec<u8>, Vec<u8>) {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let mut src: &[u8] = &[];
        let mut buf = BytesMut::from(input);
        let r = relay(
            &mut src,
            &mut buf,
            &mut a,
            (len, chunked),
            None,
            BytesMut::new(),
        )
        .await;
        drop(a);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        (r, got, buf.to_vec())
    }

    #[tokio::test]
    async fn chunks_are_reframed_without_extensions_and_trailers_kept_in_lower_case() {
        let (r, got, rest) = through(
            b"5;x=1\r\nhello\r\n0\r\nX-T: yes\r\n\r\nGET /next",
            BodyLength::Chunked,
            true,
        )
        .await;
        assert_eq!(r, Ok(5));
        assert_eq!(got, b"5\r\nhello\r\n0\r\nx-t: yes\r\n\r\n");
        assert_eq!(rest, b"GET /next");
    }

    #[tokio::test]
    async fn a_content_length_body_stops_at_its_length_and_a_short_one_is_truncated() {
        let (r, got, rest) = through(b"abcdeXYZ", BodyLength::ContentLength(5), false).await;
        assert_eq!((r, got, rest), (Ok(5), b"abcde".to_vec(), b"XYZ".to_vec()));
        let (r, _, _) = through(b"abc", BodyLength::ContentLength(5), false).await;
        assert_eq!(r, Err(RelayError::Truncated));
        let (r, got, _) = through(b"until close", BodyLength::CloseDelimited, false).await;
        assert_eq!((r, got), (Ok(11), b"until close".to_vec()));
    }

    /// Relays a body of framing `len` between two TCP connections: `buffered` bytes were
    /// read with the head, `wire` is what the sender writes (then it closes). Returns the
    /// result, what the receiver got, and what was left unread on the sender's socket.
    async fn through_sockets(
        buffered: &[u8],
        wire: Vec<u8>,
        len: BodyLength,
    ) -> (Result<u64, RelayError>, Vec<u8>, Vec<u8>) {
        use crate::proxy::socket::{IdleIo, Socket};
        use crate::proxy::splice::tests::pair;
        use tokio::io::AsyncWriteExt;
        let t = std::time::Duration::from_secs(5);
        let (mut sender, s) = pair().await;
        let (d, mut receiver) = pair().await;
        let mut src = IdleIo::new(Socket::Tcp(s), t);
        let mut dst = IdleIo::new(Socket::Tcp(d), t);
        let writer = tokio::spawn(async move {
            sender.write_all(&wire).await.unwrap();
            sender.shutdown().await.unwrap();
        });
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            receiver.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut buf = BytesMut::from(buffered);
        let r = relay(
            &mut src,
            &mut buf,
            &mut dst,
            (len, false),
            None,
            BytesMut::new(),
        )
        .await;
        drop(dst);
        let got = reader.await.unwrap();
        writer.await.unwrap();
        let mut left = buf.to_vec();
        src.read_to_end(&mut left).await.unwrap();
        (r, got, left)
    }

    #[tokio::test]
    async fn a_megabyte_content_length_body_is_spliced_exactly_and_the_next_bytes_stay() {
        use crate::proxy::splice::{tests::noise, SPLICED};
        use std::sync::atomic::Ordering;
        let body = noise(1 << 20, 5);
        let (head, rest) = body.split_at(5000);
        let mut wire = rest.to_vec();
        wire.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
        let before = SPLICED.load(Ordering::Relaxed);
        let n = body.len() as u64;
        let (r, got, left) = through_sockets(head, wire, BodyLength::ContentLength(n)).await;
        assert_eq!(r, Ok(n));
        assert!(
            got == body,
            "body differs ({} of {} bytes)",
            got.len(),
            body.len()
        );
        assert_eq!(left, b"GET /next HTTP/1.1\r\n\r\n");
        assert!(SPLICED.load(Ordering::Relaxed) - before >= n - 5000);
    }

    #[tokio::test]
    async fn a_spliced_body_cut_short_is_truncated_and_a_close_delimited_one_runs_to_the_end() {
        use crate::proxy::splice::tests::noise;
        let body = noise(300_000, 9);
        let (r, got, _) = through_sockets(
            &body[..100],
            body[100..].to_vec(),
            BodyLength::ContentLength(400_000),
        )
        .await;
        assert_eq!(r, Err(RelayError::Truncated));
        assert!(got == body);
        let (r, got, _) = through_sockets(
            &body[..100],
            body[100..].to_vec(),
            BodyLength::CloseDelimited,
        )
        .await;
        assert_eq!(r, Ok(body.len() as u64));
        assert!(got == body);
    }

    #[tokio::test]
    async fn splicing_waits_no_longer_than_the_sender_and_the_receiver_limits() {
        use crate::proxy::socket::{IdleIo, Socket};
        use crate::proxy::splice::tests::pair;
        use std::time::Duration;
        use tokio::io::AsyncWriteExt;
        let (short, long) = (Duration::from_millis(100), Duration::from_secs(5));
        let relay_between = |(s, d): (Duration, Duration), body: usize, mb: u64| async move {
            let (mut sender, so) = pair().await;
            let (de, mut receiver) = pair().await;
            let mut src = IdleIo::new(Socket::Tcp(so), s);
            let mut dst = IdleIo::new(Socket::Tcp(de), d);
            // The sender writes `body` bytes and then stays silent, open.
            let writer = tokio::spawn(async move {
                let _ = sender.write_all(&vec![7u8; body]).await;
                sender
            });
            let reading = d == long;
            let reader = tokio::spawn(async move {
                let mut got = Vec::new();
                if reading {
                    let _ = receiver.read_to_end(&mut got).await;
                }
                receiver
            });
            let len = BodyLength::ContentLength(mb << 20);
            let mut buf = BytesMut::new();
            let r = relay(
                &mut src,
                &mut buf,
                &mut dst,
                (len, false),
                None,
                BytesMut::new(),
            );
            let r = tokio::time::timeout(Duration::from_secs(5), r)
                .await
                .unwrap();
            drop(dst);
            writer.abort();
            reader.abort();
            r
        };
        // A server silent mid-body: `timeout server`.
        let r = relay_between((short, long), 100_000, 1).await;
        assert_eq!(r, Err(RelayError::SenderTimeout));
        // A client that reads nothing: `timeout client`, once the socket buffers are full.
        let r = relay_between((long, short), 64 << 20, 64).await;
        assert_eq!(r, Err(RelayError::Receiver(IoEnd::Timeout)));
    }

    #[tokio::test]
    async fn a_bad_chunk_size_is_refused() {
        let (r, _, _) = through(b"zz\r\nhello\r\n", BodyLength::Chunked, true).await;
        assert_eq!(r, Err(RelayError::Bad(BodyError::ChunkSize)));
    }
}
