//! The PROXY protocol (HAProxy's `proxy-protocol.txt`): `bind ... accept-proxy` reads a v1
//! (text) or v2 (binary) header in front of a client connection and takes the client
//! addresses from it; `server ... send-proxy` writes a v1 header in front of a server
//! connection (configuration.txt 5.1 "accept-proxy", 5.2 "send-proxy").

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The v2 signature.
const V2_SIG: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// Longest v1 line, CRLF included.
const V1_MAX: usize = 107;

/// What a PROXY header said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// `PROXY UNKNOWN` or a v2 `LOCAL` command: keep the connection's own addresses.
    Local,
    /// The real client (`src`) and the address it connected to (`dst`).
    Proxied {
        /// Client address.
        src: SocketAddr,
        /// Destination address.
        dst: SocketAddr,
    },
}

/// Why a header was refused (the connection is then closed, as HAProxy does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not a PROXY header, or a malformed one.
    #[error("invalid PROXY protocol header")]
    Invalid,
    /// The connection ended before the header did.
    #[error("connection closed inside the PROXY protocol header")]
    Closed,
}

/// Parses a complete header at the start of `buf`: `Ok(Some((header, length)))`,
/// `Ok(None)` when more bytes are needed.
pub fn parse(buf: &[u8]) -> Result<Option<(Header, usize)>, Error> {
    if buf.len() >= 6 && buf.starts_with(b"PROXY ") {
        return parse_v1(buf);
    }
    if buf.len() < 6 && (b"PROXY ".starts_with(buf) || V2_SIG.starts_with(buf)) {
        return Ok(None);
    }
    if buf.len() < 16 {
        return if V2_SIG.starts_with(buf.get(..buf.len().min(12)).unwrap_or_default()) {
            Ok(None)
        } else {
            Err(Error::Invalid)
        };
    }
    parse_v2(buf)
}

fn parse_v1(buf: &[u8]) -> Result<Option<(Header, usize)>, Error> {
    let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
        return if buf.len() >= V1_MAX {
            Err(Error::Invalid)
        } else {
            Ok(None)
        };
    };
    if end + 2 > V1_MAX {
        return Err(Error::Invalid);
    }
    let line =
        std::str::from_utf8(buf.get(..end).unwrap_or_default()).map_err(|_| Error::Invalid)?;
    let words: Vec<&str> = line.split(' ').collect();
    let h = match words.as_slice() {
        ["PROXY", "UNKNOWN", ..] => Header::Local,
        ["PROXY", fam @ ("TCP4" | "TCP6"), s, d, sp, dp] => {
            let s: IpAddr = s.parse().map_err(|_| Error::Invalid)?;
            let d: IpAddr = d.parse().map_err(|_| Error::Invalid)?;
            if (*fam == "TCP4") != (s.is_ipv4() && d.is_ipv4()) {
                return Err(Error::Invalid);
            }
            let sp: u16 = sp.parse().map_err(|_| Error::Invalid)?;
            let dp: u16 = dp.parse().map_err(|_| Error::Invalid)?;
            Header::Proxied {
                src: SocketAddr::new(s, sp),
                dst: SocketAddr::new(d, dp),
            }
        }
        _ => return Err(Error::Invalid),
    };
    Ok(Some((h, end + 2)))
}

fn parse_v2(buf: &[u8]) -> Result<Option<(Header, usize)>, Error> {
    if buf.get(..12) != Some(V2_SIG.as_slice()) {
        return Err(Error::Invalid);
    }
    let ver_cmd = *buf.get(12).ok_or(Error::Invalid)?;
    let fam = *buf.get(13).ok_or(Error::Invalid)?;
    let len = usize::from(u16::from_be_bytes([
        *buf.get(14).ok_or(Error::Invalid)?,
        *buf.get(15).ok_or(Error::Invalid)?,
    ]));
    if ver_cmd >> 4 != 2 {
        return Err(Error::Invalid);
    }
    let total = 16 + len;
    let Some(body) = buf.get(16..total) else {
        return Ok(None);
    };
    if ver_cmd & 0x0f == 0 {
        return Ok(Some((Header::Local, total)));
    }
    if ver_cmd & 0x0f != 1 {
        return Err(Error::Invalid);
    }
    let port = |i: usize| -> Result<u16, Error> {
        Ok(u16::from_be_bytes([
            *body.get(i).ok_or(Error::Invalid)?,
            *body.get(i + 1).ok_or(Error::Invalid)?,
        ]))
    };
    let h = match fam >> 4 {
        1 => {
            let ip = |i: usize| -> Result<IpAddr, Error> {
                let b: [u8; 4] = body
                    .get(i..i + 4)
                    .and_then(|s| s.try_into().ok())
                    .ok_or(Error::Invalid)?;
                Ok(IpAddr::V4(Ipv4Addr::from(b)))
            };
            Header::Proxied {
                src: SocketAddr::new(ip(0)?, port(8)?),
                dst: SocketAddr::new(ip(4)?, port(10)?),
            }
        }
        2 => {
            let a = body.get(..36).ok_or(Error::Invalid)?;
            let ip = |i: usize| -> Result<IpAddr, Error> {
                let b: [u8; 16] = a
                    .get(i..i + 16)
                    .and_then(|s| s.try_into().ok())
                    .ok_or(Error::Invalid)?;
                Ok(IpAddr::V6(Ipv6Addr::from(b)))
            };
            Header::Proxied {
                src: SocketAddr::new(ip(0)?, port(32)?),
                dst: SocketAddr::new(ip(16)?, port(34)?),
            }
        }
        _ => Header::Local,
    };
    Ok(Some((h, total)))
}

/// Reads a header from `s`; returns it and the bytes read after it.
pub async fn read<S: AsyncRead + Unpin>(s: &mut S) -> Result<(Header, BytesMut), Error> {
    let mut buf = BytesMut::with_capacity(256);
    loop {
        if !buf.is_empty() {
            if let Some((h, n)) = parse(&buf)? {
                buf.advance(n);
                return Ok((h, buf));
            }
        }
        if buf.len() > 16 + 65535 {
            return Err(Error::Invalid);
        }
        match s.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return Err(Error::Closed),
            Ok(_) => {}
        }
    }
}

/// The v1 line `send-proxy` writes for a client `src` that connected to `dst`.
pub fn v1_line(src: Option<SocketAddr>, dst: Option<SocketAddr>) -> String {
    match (src, dst) {
        (Some(s), Some(d)) if s.is_ipv4() == d.is_ipv4() => {
            let fam = if s.is_ipv4() { "TCP4" } else { "TCP6" };
            format!(
                "PROXY {fam} {} {} {} {}\r\n",
                s.ip(),
                d.ip(),
                s.port(),
                d.port()
            )
        }
        _ => "PROXY UNKNOWN\r\n".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_tcp4_line_gives_the_real_addresses_and_its_length() {
        let b = b"PROXY TCP4 192.0.2.1 198.51.100.2 5678 80\r\nGET /";
        let (h, n) = parse(b).unwrap().unwrap();
        assert_eq!(n, b.len() - 5);
        assert_eq!(
            h,
            Header::Proxied {
                src: "192.0.2.1:5678".parse().unwrap(),
                dst: "198.51.100.2:80".parse().unwrap()
            }
        );
    }

    #[test]
    fn partial_headers_ask_for_more_and_garbage_is_refused() {
        assert_eq!(parse(b"PROX").unwrap(), None);
        assert_eq!(parse(b"PROXY TCP4 1.2.3.4").unwrap(), None);
        assert_eq!(parse(b"GET / HTTP/1.1\r\n\r\n"), Err(Error::Invalid));
        assert_eq!(
            parse(b"PROXY TCP4 1.2.3.4 ::1 1 2\r\n"),
            Err(Error::Invalid)
        );
    }

    #[test]
    fn a_v2_ipv4_header_and_a_v2_local_header_parse() {
        let mut b = V2_SIG.to_vec();
        b.extend_from_slice(&[
            0x21, 0x11, 0, 12, 10, 0, 0, 1, 10, 0, 0, 2, 0x1f, 0x90, 0, 80,
        ]);
        b.extend_from_slice(b"rest");
        let (h, n) = parse(&b).unwrap().unwrap();
        assert_eq!(n, 28);
        assert_eq!(
            h,
            Header::Proxied {
                src: "10.0.0.1:8080".parse().unwrap(),
                dst: "10.0.0.2:80".parse().unwrap()
            }
        );
        let mut l = V2_SIG.to_vec();
        l.extend_from_slice(&[0x20, 0x00, 0, 0]);
        assert_eq!(parse(&l).unwrap(), Some((Header::Local, 16)));
    }

    #[test]
    fn send_proxy_writes_a_v1_line() {
        let s = Some("127.0.0.1:4000".parse().unwrap());
        let d = Some("127.0.0.1:80".parse().unwrap());
        assert_eq!(v1_line(s, d), "PROXY TCP4 127.0.0.1 127.0.0.1 4000 80\r\n");
        assert_eq!(v1_line(None, d), "PROXY UNKNOWN\r\n");
    }
}
