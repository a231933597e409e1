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
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
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
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
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

    #[tokio::test]
    async fn a_bad_chunk_size_is_refused() {
        let (r, _, _) = through(b"zz\r\nhello\r\n", BodyLength::Chunked, true).await;
        assert_eq!(r, Err(RelayError::Bad(BodyError::ChunkSize)));
    }
}
