//! Body framing state machines: a `Content-Length` countdown, the chunked decoder (sizes,
//! extensions, trailers) and encoder, and close-delimited bodies. Mirrors `h1_parse_chunk_size`
//! and `h1_skip_chunk_crlf` (`include/haproxy/h1.h`) and the trailers parsing of
//! `h1_parse_msg_tlrs` (`src/h1_htx.c`).
//!
//! The decoder works over whatever bytes are buffered and says, per step, how many input bytes
//! it used and which of them are payload, so a caller can either forward the raw framing as is
//! (copy the consumed bytes) or re-encode as HAProxy does (it rewrites chunk sizes and drops
//! extensions: `1;ext=1` leaves as `1`, checked against 2.6.12).
//!
//! Pure: no sockets, no tokio.

use std::ops::Range;

use bytes::{BufMut, BytesMut};
use thiserror::Error;

use super::head::BodyLength;
use super::parse::Side;

/// A chunk-size line, an extension or a trailer block may not be longer than this.
pub const MAX_LINE: usize = 16384;

/// Why a body is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// A bad chunk size line (no hex digit, more than 13 digits, junk before CRLF).
    #[error("invalid chunk size")]
    ChunkSize,
    /// Chunk data not followed by CRLF.
    #[error("missing CRLF after chunk data")]
    ChunkCrlf,
    /// A CR not followed by LF in the trailers, or a line longer than [`MAX_LINE`].
    #[error("invalid trailers")]
    Trailers,
    /// The connection closed before the announced end of the body.
    #[error("body truncated")]
    Truncated,
}

impl BodyError {
    /// HAProxy's answer: 400 on the request side, 502 on the response side.
    pub fn status(&self, side: Side) -> u16 {
        match side {
            Side::Request => 400,
            Side::Response => 502,
        }
    }
}

/// What one step found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Payload bytes, as a range of the input given to [`Decoder::step`].
    Data(Range<usize>),
    /// One trailer line without its line ending, as a range of the input.
    Trailer(Range<usize>),
    /// The body is complete.
    Done,
}

/// One step: `consumed` input bytes (framing and payload), and what they held. A step with
/// `consumed == 0` and no event needs more input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Input bytes used.
    pub consumed: usize,
    /// What they held.
    pub event: Option<Event>,
}

const MORE: Step = Step {
    consumed: 0,
    event: None,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Length(u64),
    Size,
    Data(u64),
    DataCrlf,
    Trailers,
    Close,
    Done,
}

/// A body decoder for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoder {
    state: State,
}

impl Decoder {
    /// The decoder for a message framed as `len` (a tunnel is close-delimited bytes).
    pub fn new(len: BodyLength) -> Self {
        let state = match len {
            BodyLength::Empty | BodyLength::ContentLength(0) => State::Done,
            BodyLength::ContentLength(n) => State::Length(n),
            BodyLength::Chunked => State::Size,
            BodyLength::CloseDelimited | BodyLength::Tunnel => State::Close,
        };
        Decoder { state }
    }

    /// Whether the body is complete.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Payload bytes still announced by `Content-Length` or the current chunk.
    pub fn remaining(&self) -> Option<u64> {
        match self.state {
            State::Length(n) | State::Data(n) => Some(n),
            _ => None,
        }
    }

    /// The connection closed: fine for a close-delimited body, an error if more was announced.
    pub fn on_eof(&mut self) -> Result<(), BodyError> {
        match self.state {
            State::Close | State::Done => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(BodyError::Truncated),
        }
    }

    /// Decodes the next element of `input`.
    pub fn step(&mut self, input: &[u8]) -> Result<Step, BodyError> {
        match self.state {
            State::Done => Ok(Step {
                consumed: 0,
                event: Some(Event::Done),
            }),
            State::Close => Ok(data(input, input.len())),
            State::Length(n) => {
                let k = take(n, input.len());
                let left = n - k as u64;
                self.state = if left == 0 {
                    State::Done
                } else {
                    State::Length(left)
                };
                Ok(data(input, k))
            }
            State::Data(n) => {
                let k = take(n, input.len());
                let left = n - k as u64;
                self.state = if left == 0 {
                    State::DataCrlf
                } else {
                    State::Data(left)
                };
                Ok(data(input, k))
            }
            State::Size => match chunk_size(input)? {
                None => Ok(MORE),
                Some((0, used)) => {
                    self.state = State::Trailers;
                    Ok(Step {
                        consumed: used,
                        event: None,
                    })
                }
                Some((size, used)) => {
                    self.state = State::Data(size);
                    Ok(Step {
                        consumed: used,
                        event: None,
                    })
                }
            },
            State::DataCrlf => match skip_crlf(input)? {
                None => Ok(MORE),
                Some(used) => {
                    self.state = State::Size;
                    Ok(Step {
                        consumed: used,
                        event: None,
                    })
                }
            },
            State::Trailers => match line(input)? {
                None => Ok(MORE),
                Some((0, used)) => {
                    self.state = State::Done;
                    Ok(Step {
                        consumed: used,
                        event: Some(Event::Done),
                    })
                }
                Some((end, used)) => Ok(Step {
                    consumed: used,
                    event: Some(Event::Trailer(0..end)),
                }),
            },
        }
    }
}

fn take(n: u64, avail: usize) -> usize {
    usize::try_from(n).map_or(avail, |n| n.min(avail))
}

fn data(input: &[u8], k: usize) -> Step {
    if k == 0 && !input.is_empty() {
        return MORE;
    }
    Step {
        consumed: k,
        event: (k > 0).then_some(Event::Data(0..k)),
    }
}

/// `h1_parse_chunk_size`: `1*HEXDIG *WSP [ ";" ext ] CRLF`, at most 13 hex digits (2^52 - 1).
/// Returns the size and the bytes used, or None when the line is not complete.
fn chunk_size(b: &[u8]) -> Result<Option<(u64, usize)>, BodyError> {
    let mut p = 0;
    let mut size: u64 = 0;
    while let Some(d) = b.get(p).and_then(|&c| (c as char).to_digit(16)) {
        size = (size << 4) | u64::from(d);
        if size & 0xF0_0000_0000_0000 != 0 {
            return Err(BodyError::ChunkSize);
        }
        p += 1;
    }
    if p == b.len() {
        return more(b);
    }
    if p == 0 {
        return Err(BodyError::ChunkSize);
    }
    while matches!(b.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    loop {
        match b.get(p) {
            None => return more(b),
            Some(b'\r') => match b.get(p + 1) {
                None => return more(b),
                Some(b'\n') => return Ok(Some((size, p + 2))),
                Some(_) => return Err(BodyError::ChunkSize),
            },
            Some(b'\n') => return Ok(Some((size, p + 1))),
            Some(b';') => {
                // extension: anything up to the next CR or LF.
                p += 1;
                while b.get(p).is_some_and(|&c| c != b'\r' && c != b'\n') {
                    p += 1;
                }
            }
            Some(_) => return Err(BodyError::ChunkSize),
        }
    }
}

fn more<T>(b: &[u8]) -> Result<Option<T>, BodyError> {
    if b.len() >= MAX_LINE {
        Err(BodyError::ChunkSize)
    } else {
        Ok(None)
    }
}

/// `h1_skip_chunk_crlf`: CRLF or a bare LF after chunk data.
fn skip_crlf(b: &[u8]) -> Result<Option<usize>, BodyError> {
    match (b.first(), b.get(1)) {
        (None, _) | (Some(b'\r'), None) => Ok(None),
        (Some(b'\n'), _) => Ok(Some(1)),
        (Some(b'\r'), Some(b'\n')) => Ok(Some(2)),
        _ => Err(BodyError::ChunkCrlf),
    }
}

/// One trailer line: its length without the line ending, and the bytes used.
fn line(b: &[u8]) -> Result<Option<(usize, usize)>, BodyError> {
    let Some(lf) = b.iter().position(|&c| c == b'\n') else {
        return if b.len() >= MAX_LINE {
            Err(BodyError::Trailers)
        } else {
            Ok(None)
        };
    };
    let end = if lf > 0 && b.get(lf - 1) == Some(&b'\r') {
        lf - 1
    } else {
        lf
    };
    if b.get(..end).is_some_and(|l| l.contains(&b'\r')) {
        return Err(BodyError::Trailers);
    }
    Ok(Some((end, lf + 1)))
}

/// Writes one chunk as HAProxy does: lowercase hex size, CRLF, data, CRLF (nothing for empty
/// data, which would end the body).
pub fn encode_chunk(data: &[u8], out: &mut BytesMut) {
    if data.is_empty() {
        return;
    }
    out.put_slice(format!("{:X}\r\n", data.len()).as_bytes());
    out.put_slice(data);
    out.put_slice(b"\r\n");
}

/// Writes the last chunk, the trailers (names in lower case) and the final CRLF.
pub fn encode_last(trailers: &[(&[u8], &[u8])], out: &mut BytesMut) {
    out.put_slice(b"0\r\n");
    for (n, v) in trailers {
        out.extend(n.iter().map(u8::to_ascii_lowercase));
        out.put_slice(b": ");
        out.put_slice(v);
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a decoder over `input` fed in pieces of `piece` bytes; returns payload and trailers.
    /// Payload, trailer lines, and whether the body ended.
    type Decoded = (Vec<u8>, Vec<Vec<u8>>, bool);

    pub(crate) fn run(len: BodyLength, input: &[u8], piece: usize) -> Result<Decoded, BodyError> {
        let mut d = Decoder::new(len);
        let (mut pos, mut avail) = (0, 0);
        let (mut out, mut trailers) = (Vec::new(), Vec::new());
        for _ in 0..input.len() * 4 + 8 {
            avail = (avail + piece).min(input.len());
            let buf = &input[pos..avail];
            let step = d.step(buf)?;
            match step.event {
                Some(Event::Data(r)) => out.extend_from_slice(&buf[r]),
                Some(Event::Trailer(r)) => trailers.push(buf[r].to_vec()),
                Some(Event::Done) => return Ok((out, trailers, true)),
                None => {}
            }
            pos += step.consumed;
        }
        Ok((out, trailers, d.is_done()))
    }

    #[test]
    fn content_length_counts_down_and_stops_at_the_end() {
        let (out, _, done) = run(BodyLength::ContentLength(5), b"helloEXTRA", 3).unwrap();
        assert_eq!(out, b"hello");
        assert!(done);
    }

    #[test]
    fn chunked_with_extensions_and_trailers_decodes_in_any_pieces() {
        let raw =
            b"5;a=b\r\nhello\r\n1 ;x\r\n!\r\nA\r\n0123456789\r\n0\r\nT: x\r\nU: y\r\n\r\nNEXT";
        for piece in 1..raw.len() {
            let (out, tr, done) = run(BodyLength::Chunked, raw, piece).unwrap();
            assert_eq!(out, b"hello!0123456789");
            assert_eq!(tr, vec![b"T: x".to_vec(), b"U: y".to_vec()]);
            assert!(done);
        }
    }

    #[test]
    fn bad_chunk_size_is_400_on_requests_and_502_on_responses() {
        for raw in [
            &b"zz\r\n"[..],
            b"\r\n",
            b"5x\r\nhello\r\n",
            b"10000000000000\r\n",
        ] {
            let e = run(BodyLength::Chunked, raw, raw.len()).unwrap_err();
            assert_eq!(e.status(Side::Request), 400);
            assert_eq!(e.status(Side::Response), 502);
        }
    }

    #[test]
    fn thirteen_hex_digits_are_the_largest_chunk_size() {
        let mut d = Decoder::new(BodyLength::Chunked);
        let s = d.step(b"fffffffffffff\r\n").unwrap();
        assert_eq!(s.consumed, 15);
        assert_eq!(d.remaining(), Some(0xf_ffff_ffff_ffff));
    }

    #[test]
    fn chunk_data_must_end_with_crlf() {
        assert_eq!(
            run(BodyLength::Chunked, b"1\r\naXY", 6).unwrap_err(),
            BodyError::ChunkCrlf
        );
    }

    #[test]
    fn close_delimited_body_ends_at_eof_and_length_body_cannot() {
        let mut d = Decoder::new(BodyLength::CloseDelimited);
        assert_eq!(d.step(b"abc").unwrap().consumed, 3);
        assert!(d.on_eof().is_ok());
        let mut d = Decoder::new(BodyLength::ContentLength(4));
        d.step(b"ab").unwrap();
        assert_eq!(d.on_eof(), Err(BodyError::Truncated));
    }

    #[test]
    fn encoder_writes_hex_sizes_without_extensions_and_lowercase_trailers() {
        let mut out = BytesMut::new();
        encode_chunk(b"0123456789abcdef0", &mut out);
        encode_chunk(b"", &mut out);
        encode_last(&[(b"T", b"x")], &mut out);
        assert_eq!(&out[..], b"11\r\n0123456789abcdef0\r\n0\r\nt: x\r\n\r\n");
        let (back, tr, done) = run(BodyLength::Chunked, &out, 4).unwrap();
        assert_eq!(back, b"0123456789abcdef0");
        assert_eq!(tr, vec![b"t: x".to_vec()]);
        assert!(done);
    }
}
