//! The two ends of a rules case: the echo origin (records the head and body of every request it
//! receives, then answers the case's fixed response) and the client (sends one request, reads one
//! response), both raw HTTP/1 over `TcpStream` with bounded reads.

use super::WAIT;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Upper bound for one response (the proxy's own timeouts end a stuck exchange before).
pub const RESPONSE_LIMIT: Duration = Duration::from_secs(5);

/// One request as the origin received it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The head bytes, up to and including the empty line.
    pub head: Vec<u8>,
    /// The body bytes as they arrived (chunked framing included), or everything after the head
    /// when the message did not complete.
    pub body: Vec<u8>,
}

/// The echo origin of one case on `127.0.0.1:0`.
pub struct EchoOrigin {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl EchoOrigin {
    /// Starts the origin; it answers every request with `response` (the head only to a `HEAD`).
    pub fn start(response: Vec<u8>) -> EchoOrigin {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let response = Arc::new(response);
        let accept = std::thread::spawn(move || {
            for conn in l.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (seen3, response) = (seen2.clone(), response.clone());
                std::thread::spawn(move || serve(conn, &response, &seen3));
            }
        });
        EchoOrigin {
            addr,
            seen,
            stop,
            accept: Some(accept),
        }
    }

    /// The requests received since the first `from`.
    pub fn seen_since(&self, from: usize) -> Vec<Seen> {
        let g = self.seen.lock().unwrap();
        g.get(from..).unwrap_or_default().to_vec()
    }

    /// How many requests it has received.
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Drop for EchoOrigin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, WAIT);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads more bytes into `buf`; false on close, error or timeout.
fn fill(s: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut b = [0u8; 16384];
    loop {
        match s.read(&mut b) {
            Ok(0) => return false,
            Ok(n) => {
                buf.extend_from_slice(&b[..n]);
                return true;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// The bytes as a string of the chars U+0000..=U+00FF, one per byte (lossless, unlike UTF-8).
pub fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The inverse of [`latin1`].
pub fn unlatin1(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

/// The header lines of a head (without the first line), names lower-cased, values trimmed, as
/// [`latin1`] strings.
pub fn headers(head: &[u8]) -> Vec<(String, String)> {
    latin1(head)
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// How a message body is delimited.
enum Framing {
    Chunked,
    Length(usize),
    Close,
}

fn framing(hdrs: &[(String, String)], close_default: bool) -> Framing {
    if hdrs
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"))
    {
        return Framing::Chunked;
    }
    match hdrs.iter().find(|(k, _)| k == "content-length") {
        Some((_, v)) => Framing::Length(v.parse().unwrap_or(0)),
        None if close_default => Framing::Close,
        None => Framing::Length(0),
    }
}

/// End of a chunked body starting at `at`: Some(Ok(end)), Some(Err) when malformed, None when
/// more bytes are needed. `data` receives the de-chunked payload.
fn chunked_end(buf: &[u8], mut at: usize, data: &mut Vec<u8>) -> Option<Result<usize, ()>> {
    data.clear();
    loop {
        let eol = find(buf.get(at..)?, b"\r\n")? + at;
        let line = String::from_utf8_lossy(&buf[at..eol]);
        let size = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return Some(Err(()));
        };
        at = eol + 2;
        if size == 0 {
            loop {
                let eol = find(buf.get(at..)?, b"\r\n")? + at;
                let empty = eol == at;
                at = eol + 2;
                if empty {
                    return Some(Ok(at));
                }
            }
        }
        if buf.len() < at + size + 2 {
            return None;
        }
        data.extend_from_slice(&buf[at..at + size]);
        at += size + 2;
    }
}

/// One origin connection: records each request, then answers it.
fn serve(mut s: TcpStream, response: &[u8], seen: &Mutex<Vec<Seen>>) {
    s.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = Vec::new();
    let record = |head: &[u8], body: &[u8]| {
        seen.lock().unwrap().push(Seen {
            head: head.to_vec(),
            body: body.to_vec(),
        })
    };
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            if !fill(&mut s, &mut buf) {
                if !buf.is_empty() {
                    record(&buf, b"");
                }
                return;
            }
        };
        let head = buf[..head_end].to_vec();
        let hdrs = headers(&head);
        if hdrs
            .iter()
            .any(|(k, v)| k == "expect" && v.eq_ignore_ascii_case("100-continue"))
        {
            let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let f = framing(&hdrs, false);
        let mut scratch = Vec::new();
        let end = loop {
            let e = match f {
                Framing::Chunked => match chunked_end(&buf, head_end, &mut scratch) {
                    Some(Ok(e)) => Some(e),
                    Some(Err(())) => Some(buf.len()),
                    None => None,
                },
                Framing::Length(n) => (buf.len() >= head_end + n).then_some(head_end + n),
                Framing::Close => None,
            };
            if let Some(e) = e {
                break e;
            }
            if !fill(&mut s, &mut buf) {
                record(&head, &buf[head_end..]);
                return;
            }
        };
        record(&head, &buf[head_end..end]);
        buf.drain(..end);
        let answer = if head.starts_with(b"HEAD ") {
            let i = find(response, b"\r\n\r\n").map_or(response.len(), |i| i + 4);
            &response[..i]
        } else {
            response
        };
        if s.write_all(answer).is_err() {
            return;
        }
    }
}

/// A response as the client read it.
#[derive(Clone, Debug, Default)]
pub struct Response {
    /// The status line.
    pub status: String,
    /// Header lines in order, names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// The connection ended before the response did.
    pub truncated: bool,
    /// The connection ended (a close-delimited body, or a truncated response).
    pub closed: bool,
}

/// The client side of a case: one connection, reused by `same-connection` requests.
pub struct Client {
    addr: SocketAddr,
    conn: Option<(TcpStream, Vec<u8>)>,
}

impl Client {
    /// A client of the proxy listening on `addr` (it connects on the first request).
    pub fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    /// Sends `bytes` (on a new connection unless `reuse`) and reads one final response; None
    /// when the proxy closed or stayed silent without sending a status line.
    pub fn exchange(&mut self, bytes: &[u8], reuse: bool, head: bool) -> Option<Response> {
        if !reuse || self.conn.is_none() {
            let s = TcpStream::connect_timeout(&self.addr, WAIT).unwrap();
            s.set_nodelay(true).unwrap();
            s.set_write_timeout(Some(WAIT)).unwrap();
            self.conn = Some((s, Vec::new()));
        }
        let (s, buf) = self.conn.as_mut()?;
        buf.clear();
        // A failed write is not the end: the proxy may have answered and closed already.
        let _ = s.write_all(bytes);
        let deadline = Instant::now() + RESPONSE_LIMIT;
        let r = read_response(s, buf, head, deadline);
        let close = |r: &Response| {
            r.closed
                || r.headers
                    .iter()
                    .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"))
        };
        if r.as_ref().is_none_or(close) {
            self.conn = None;
        }
        r
    }
}

/// Reads until `buf` holds one final response (interim `1xx` are skipped).
fn read_response(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    head_req: bool,
    deadline: Instant,
) -> Option<Response> {
    let more = |s: &mut TcpStream, buf: &mut Vec<u8>| -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        fill(s, buf)
    };
    loop {
        let head_end = loop {
            if let Some(i) = find(buf, b"\r\n\r\n") {
                break i + 4;
            }
            if !more(s, buf) {
                return None;
            }
        };
        let head = buf[..head_end].to_vec();
        let text = latin1(&head);
        let status = text.split("\r\n").next().unwrap_or("").to_string();
        let code: u16 = status
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        if (100..200).contains(&code) && code != 101 {
            buf.drain(..head_end);
            continue;
        }
        let hdrs = headers(&head);
        let mut r = Response {
            status,
            headers: hdrs.clone(),
            ..Response::default()
        };
        let bodiless = head_req || code == 204 || code == 304 || code == 101;
        let f = if bodiless {
            Framing::Length(0)
        } else {
            framing(&hdrs, true)
        };
        loop {
            let done = match f {
                Framing::Length(n) => {
                    if buf.len() >= head_end + n {
                        r.body = buf[head_end..head_end + n].to_vec();
                        true
                    } else {
                        false
                    }
                }
                Framing::Chunked => {
                    let mut data = Vec::new();
                    match chunked_end(buf, head_end, &mut data) {
                        Some(Ok(_)) => {
                            r.body = data;
                            true
                        }
                        Some(Err(())) => {
                            r.body = buf[head_end..].to_vec();
                            r.truncated = true;
                            r.closed = true;
                            true
                        }
                        None => false,
                    }
                }
                Framing::Close => false,
            };
            if done {
                return Some(r);
            }
            if !more(s, buf) {
                r.body = buf[head_end..].to_vec();
                r.truncated = !matches!(f, Framing::Close);
                r.closed = true;
                return Some(r);
            }
        }
    }
}
