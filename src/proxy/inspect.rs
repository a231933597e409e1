//! TCP content inspection for `mode tcp` routing (configuration.txt 4.2 "tcp-request
//! inspect-delay", 7.3.5 "Fetching samples at Layer 6"): the first bytes of a stream are
//! held for up to `tcp-request inspect-delay` so that `req_ssl_sni`, `req_ssl_hello_type`
//! and `req_len` can be matched by `use_backend` rules (TLS passthrough by SNI).
//!
//! Only the first TLS record is looked at, as HAProxy does.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Most bytes held while inspecting (HAProxy's buffer size).
const MAX_INSPECT: usize = 16 * 1024;

/// What the inspected bytes said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payload {
    /// `req_ssl_sni`: the server name of a TLS ClientHello.
    pub sni: Option<String>,
    /// `req_ssl_hello_type`: the handshake type of the first TLS record (1 = ClientHello).
    pub hello_type: Option<u8>,
    /// `req_len`: bytes received so far.
    pub len: usize,
}

/// True when `buf` holds the whole first TLS record, or cannot be TLS at all.
pub fn complete(buf: &[u8]) -> bool {
    match buf.first() {
        None => false,
        Some(0x16) => match (buf.get(3), buf.get(4)) {
            (Some(hi), Some(lo)) => buf.len() >= 5 + (usize::from(*hi) << 8 | usize::from(*lo)),
            _ => false,
        },
        Some(_) => true,
    }
}

/// Reads the samples out of the first bytes of a stream.
pub fn parse(buf: &[u8]) -> Payload {
    let mut p = Payload {
        len: buf.len(),
        ..Payload::default()
    };
    if buf.first() != Some(&0x16) {
        return p;
    }
    let Some(rec_len) = be16(buf, 3) else {
        return p;
    };
    let Some(rec) = buf.get(5..5 + rec_len) else {
        return p;
    };
    p.hello_type = rec.first().copied();
    if p.hello_type == Some(1) {
        p.sni = client_hello_sni(rec);
    }
    p
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(*b.get(at)?) << 8 | usize::from(*b.get(at + 1)?))
}

/// The `server_name` extension of a ClientHello handshake message.
fn client_hello_sni(hs: &[u8]) -> Option<String> {
    // type(1) length(3) version(2) random(32)
    let mut at = 4 + 2 + 32;
    let sid = usize::from(*hs.get(at)?);
    at += 1 + sid;
    at += 2 + be16(hs, at)?; // cipher suites
    at += 1 + usize::from(*hs.get(at)?); // compression methods
    let ext_end = at + 2 + be16(hs, at)?;
    at += 2;
    while at + 4 <= ext_end {
        let ty = be16(hs, at)?;
        let len = be16(hs, at + 2)?;
        let data = hs.get(at + 4..at + 4 + len)?;
        if ty == 0 {
            // server_name_list: length(2), then name_type(1) length(2) name
            let name_len = be16(data, 3)?;
            let name = data.get(5..5 + name_len)?;
            if data.get(2) == Some(&0) {
                return std::str::from_utf8(name).ok().map(str::to_ascii_lowercase);
            }
            return None;
        }
        at += 4 + len;
    }
    None
}

/// Reads from `s` until the first TLS record is complete, the stream ends, or `delay`
/// passes; returns the bytes read (to be replayed) and their samples.
pub async fn inspect<S: AsyncRead + Unpin>(
    s: &mut S,
    delay: std::time::Duration,
) -> (BytesMut, Payload) {
    let mut buf = BytesMut::with_capacity(1024);
    let deadline = super::socket::after(tokio::time::Instant::now(), delay);
    while !complete(&buf) && buf.len() < MAX_INSPECT {
        buf.reserve(1024);
        match tokio::time::timeout_at(deadline, s.read_buf(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => break,
        }
    }
    let p = parse(&buf);
    (buf, p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::client_hello;

    #[test]
    fn the_sni_of_a_client_hello_is_found_once_the_record_is_complete() {
        let hello = client_hello("Www.Example.com");
        assert!(!complete(&hello[..10]));
        assert!(complete(&hello));
        let p = parse(&hello);
        assert_eq!(p.sni.as_deref(), Some("www.example.com"));
        assert_eq!(p.hello_type, Some(1));
        assert_eq!(p.len, hello.len());
    }

    #[test]
    fn non_tls_bytes_are_complete_at_once_and_have_no_sni() {
        assert!(complete(b"GET / HTTP/1.1\r\n"));
        assert_eq!(parse(b"GET /").sni, None);
        assert_eq!(parse(&[0x16, 3, 1, 0xff, 0xff, 1]).sni, None);
    }
}
