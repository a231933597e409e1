//! A raw HTTP/1.x client over `TcpStream` (so tests can send malformed requests and HTTP/1.0),
//! every read bounded by `WAIT`, plus request helpers (`get`, `server_of`, `server_sequence`,
//! `tally`).
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use super::WAIT;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// A parsed HTTP response.
#[derive(Clone, Debug, Default)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Version as sent (`HTTP/1.1`).
    pub version: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The `x-server` header set by [`Origin`] (the server that answered), or "" if none.
    pub fn server(&self) -> String {
        self.header("x-server").unwrap_or("").to_string()
    }
}

/// One client connection that writes raw bytes and reads HTTP responses, every read bounded.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `addr` (bounded).
    pub fn connect(addr: SocketAddr) -> Client {
        Self::from_stream(TcpStream::connect_timeout(&addr, WAIT).unwrap())
    }
    /// Connects to `addr` from the local address `src` (any `127.x.y.z` works on Linux), so
    /// source-hashing sees different clients.
    pub fn connect_from(addr: SocketAddr, src: std::net::IpAddr) -> Client {
        let sock =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        sock.bind(&SocketAddr::new(src, 0).into()).unwrap();
        sock.connect_timeout(&addr.into(), WAIT).unwrap();
        Self::from_stream(sock.into())
    }
    fn from_stream(stream: TcpStream) -> Client {
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.set_write_timeout(Some(WAIT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }
    /// The underlying stream.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }
    /// Writes raw bytes.
    pub fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).unwrap();
    }
    /// Sends a GET for `path` (HTTP/1.1, keep-alive) and reads the response.
    pub fn get(&mut self, path: &str) -> Response {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.read_response().unwrap()
    }
    /// Sends raw bytes and reads one response.
    pub fn request(&mut self, raw: &str) -> Response {
        self.send(raw.as_bytes());
        self.read_response().unwrap()
    }
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut b = [0u8; 16384];
        let n = self.stream.read(&mut b)?;
        self.buf.extend_from_slice(&b[..n]);
        Ok(n)
    }
    /// Reads one response; Err on EOF before a status line, timeout or malformed data.
    pub fn read_response(&mut self) -> Result<Response, String> {
        self.read_response_inner(false)
    }
    /// Reads the response to a HEAD request (headers only, whatever Content-Length says).
    pub fn read_head_response(&mut self) -> Result<Response, String> {
        self.read_response_inner(true)
    }
    fn read_response_inner(&mut self, head_only: bool) -> Result<Response, String> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match self.fill() {
                Ok(0) => {
                    return Err(format!(
                        "connection closed before a full response head ({} bytes: {:?})",
                        self.buf.len(),
                        String::from_utf8_lossy(&self.buf)
                    ))
                }
                Ok(_) => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("").to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        let mut resp = Response {
            status,
            version,
            headers,
            body: Vec::new(),
        };
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let cl = resp
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok());
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(resp);
        }
        if chunked {
            loop {
                let line = self.read_line()?;
                let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| format!("bad chunk size {line:?}"))?;
                if size == 0 {
                    // trailers until empty line
                    while !self.read_line()?.is_empty() {}
                    break;
                }
                self.read_exact_into_body(size, &mut resp)?;
                self.read_line()?;
            }
        } else if let Some(n) = cl {
            self.read_exact_into_body(n, &mut resp)?;
        } else {
            loop {
                match self.fill() {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => return Err(format!("read error: {e}")),
                }
            }
            resp.body = std::mem::take(&mut self.buf);
        }
        Ok(resp)
    }
    fn read_line(&mut self) -> Result<String, String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let l = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(l);
            }
            match self.fill() {
                Ok(0) => return Err("eof in chunked body".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
    }
    fn read_exact_into_body(&mut self, n: usize, resp: &mut Response) -> Result<(), String> {
        while self.buf.len() < n {
            match self.fill() {
                Ok(0) => return Err("eof in body".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
        resp.body.extend(self.buf.drain(..n));
        Ok(())
    }
    /// True when the peer closes the connection (EOF or reset) within [`WAIT`]; any byte
    /// received before the close is kept in the buffer.
    pub fn closed_by_peer(&mut self) -> bool {
        loop {
            match self.fill() {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) => {
                    return !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    )
                }
            }
        }
    }
    /// Reads everything until EOF (bounded) and returns it raw.
    pub fn read_to_close(&mut self) -> Vec<u8> {
        let _ = self.closed_by_peer();
        std::mem::take(&mut self.buf)
    }
}

/// One GET on a fresh connection with `Connection: close`.
pub fn get(addr: SocketAddr, path: &str) -> Response {
    let mut c = Client::connect(addr);
    c.request(&format!(
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    ))
}

/// One request (raw head, `Connection: close` is up to the caller) on a fresh connection; the
/// answering server's name, or `<status>` when the proxy answered itself.
pub fn server_of(addr: SocketAddr, raw: &str) -> String {
    let r = Client::connect(addr).request(raw);
    if r.status == 200 {
        r.server()
    } else {
        format!("<{}>", r.status)
    }
}

/// `n` GETs, each on its own connection; returns the `x-server` of each answer (or `<status>`
/// when the answer came from the proxy).
pub fn server_sequence(addr: SocketAddr, path: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let r = get(addr, path);
            if r.status == 200 {
                r.server()
            } else {
                format!("<{}>", r.status)
            }
        })
        .collect()
}

/// Counts occurrences of each element.
pub fn tally(seq: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in seq {
        *m.entry(s.clone()).or_insert(0) += 1;
    }
    m
}
