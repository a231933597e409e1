//! Test origins on `127.0.0.1:0`: `Origin::http(name)` (hyper HTTP/1.1; answers 200 with its
//! name (or the builder's `body`) as body and `x-server`, `x-conn` (connection number) and `x-echo-<header>` for every
//! request header; records requests; builder options delay / garbage / close without answer)
//! and `Origin::tcp_echo()` (echo with half-close, counts open connections).
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use super::WAIT;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What an HTTP origin does with a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    /// Answers 200 with its name.
    Answer,
    /// Writes bytes that are not HTTP, then closes.
    Garbage,
    /// Reads the request and closes without answering.
    Close,
}

/// A request as the origin saw it.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    /// Method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// Version, e.g. `HTTP/1.1`.
    pub version: String,
    /// Headers in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Which accepted connection (1-based) carried it.
    pub conn: usize,
    /// The request body as received (de-chunked by the origin).
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// All values of header `name`.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// First value of header `name`.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_all(name).into_iter().next()
    }
}

struct OriginState {
    name: String,
    extra: Mutex<Vec<(String, String)>>,
    body: Mutex<Option<Vec<u8>>>,
    behaviour: Behaviour,
    delay: Duration,
    status: AtomicUsize,
    conns: AtomicUsize,
    requests: Mutex<Vec<SeenRequest>>,
    active: Mutex<usize>,
    arrived: Condvar,
}

impl OriginState {
    fn new(name: &str, behaviour: Behaviour, delay: Duration) -> Arc<OriginState> {
        Arc::new(OriginState {
            name: name.to_string(),
            extra: Mutex::new(Vec::new()),
            body: Mutex::new(None),
            behaviour,
            delay,
            status: AtomicUsize::new(200),
            conns: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            active: Mutex::new(0),
            arrived: Condvar::new(),
        })
    }
    fn set_active(&self, delta: isize) {
        let mut g = self.active.lock().unwrap();
        *g = g.saturating_add_signed(delta);
        self.arrived.notify_all();
    }
    fn record(&self, req: SeenRequest) {
        self.requests.lock().unwrap().push(req);
        self.arrived.notify_all();
    }
}

/// A test origin server on `127.0.0.1:0` (HTTP/1.1 via hyper, or TCP echo).
pub struct Origin {
    addr: SocketAddr,
    state: Arc<OriginState>,
    rt: Option<tokio::runtime::Runtime>,
}

/// Builder for [`Origin`].
pub struct OriginBuilder {
    name: String,
    headers: Vec<(String, String)>,
    behaviour: Behaviour,
    delay: Duration,
    status: u16,
    at: Option<SocketAddr>,
    body: Option<Vec<u8>>,
}

impl OriginBuilder {
    /// Waits `d` before answering each request.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
    /// Adds a header to every answer.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// Listens on this address instead of a fresh port (to bring a stopped origin back).
    pub fn at(mut self, a: SocketAddr) -> Self {
        self.at = Some(a);
        self
    }
    /// Answers with this status instead of 200.
    pub fn status(mut self, s: u16) -> Self {
        self.status = s;
        self
    }
    /// Answers with this body instead of the origin's name (sent with `Content-Length`).
    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = Some(b.into());
        self
    }
    /// Sends garbage instead of an HTTP response.
    pub fn garbage(mut self) -> Self {
        self.behaviour = Behaviour::Garbage;
        self
    }
    /// Closes the connection without answering.
    pub fn close_without_answer(mut self) -> Self {
        self.behaviour = Behaviour::Close;
        self
    }
    /// Starts the origin.
    pub fn start(self) -> Origin {
        let state = OriginState::new(&self.name, self.behaviour, self.delay);
        state
            .status
            .store(usize::from(self.status), Ordering::SeqCst);
        *state.extra.lock().unwrap() = self.headers;
        *state.body.lock().unwrap() = self.body;
        Origin::serve_at(self.at, state, |st, sock, n| {
            tokio::spawn(serve_http(st, sock, n))
        })
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

async fn serve_http(st: Arc<OriginState>, mut sock: tokio::net::TcpStream, conn: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    match st.behaviour {
        Behaviour::Garbage | Behaviour::Close => {
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            // read until the end of the request headers (bounded)
            while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 65536 {
                match tokio::time::timeout(WAIT, sock.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            if let Some(req) = parse_seen(&got, conn) {
                st.record(req);
            }
            if !st.delay.is_zero() {
                tokio::time::sleep(st.delay).await;
            }
            if st.behaviour == Behaviour::Garbage {
                let _ = sock
                    .write_all(b"this is not HTTP at all\x00\x01\x02\r\n\r\n")
                    .await;
            }
            let _ = sock.shutdown().await;
        }
        Behaviour::Answer => {
            let svc =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let st = Arc::clone(&st);
                    async move {
                        use http_body_util::BodyExt;
                        let (parts, body) = req.into_parts();
                        let body = match body.collect().await {
                            Ok(b) => b.to_bytes().to_vec(),
                            Err(_) => Vec::new(),
                        };
                        let seen = SeenRequest {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            version: format!("{:?}", parts.version),
                            body,
                            headers: parts
                                .headers
                                .iter()
                                .map(|(k, v)| {
                                    (
                                        k.as_str().to_string(),
                                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                                    )
                                })
                                .collect(),
                            conn,
                        };
                        let status = u16::try_from(st.status.load(Ordering::SeqCst)).unwrap();
                        let mut resp = hyper::Response::builder()
                            .status(status)
                            .header("x-server", st.name.as_str())
                            .header("x-conn", conn.to_string());
                        for (k, v) in &seen.headers {
                            resp = resp.header(format!("x-echo-{k}"), v.as_str());
                        }
                        for (k, v) in st.extra.lock().unwrap().iter() {
                            resp = resp.header(k.as_str(), v.as_str());
                        }
                        st.record(seen);
                        if !st.delay.is_zero() {
                            tokio::time::sleep(st.delay).await;
                        }
                        let body = st.body.lock().unwrap().clone();
                        let body = body.unwrap_or_else(|| st.name.clone().into_bytes());
                        let body = http_body_util::Full::new(bytes::Bytes::from(body));
                        Ok::<_, std::convert::Infallible>(resp.body(body).unwrap())
                    }
                });
            let io = hyper_util::rt::TokioIo::new(sock);
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc)
                .await;
        }
    }
}

fn parse_seen(raw: &[u8], conn: usize) -> Option<SeenRequest> {
    let mut hs = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut hs);
    req.parse(raw).ok()?;
    Some(SeenRequest {
        method: req.method?.to_string(),
        uri: req.path?.to_string(),
        version: format!("HTTP/1.{}", req.version?),
        headers: req
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        conn,
        body: Vec::new(),
    })
}

impl Origin {
    /// Starts an HTTP origin named `name` that answers 200 with its name.
    pub fn http(name: &str) -> Origin {
        Self::builder(name).start()
    }
    /// A builder for an HTTP origin named `name`.
    pub fn builder(name: &str) -> OriginBuilder {
        OriginBuilder {
            name: name.to_string(),
            headers: Vec::new(),
            behaviour: Behaviour::Answer,
            delay: Duration::ZERO,
            status: 200,
            at: None,
            body: None,
        }
    }
    /// Starts a TCP echo origin: echoes bytes back, and shuts its write side when the client does.
    pub fn tcp_echo() -> Origin {
        let state = OriginState::new("echo", Behaviour::Answer, Duration::ZERO);
        Origin::serve(state, |st, sock, _| tokio::spawn(echo(st, sock)))
    }
    /// Binds `127.0.0.1:0`, runs an accept loop on a private runtime and hands each accepted
    /// connection (counted, 1-based) to `handle`.
    fn serve<F>(state: Arc<OriginState>, handle: F) -> Origin
    where
        F: Fn(Arc<OriginState>, tokio::net::TcpStream, usize) -> tokio::task::JoinHandle<()>
            + Send
            + 'static,
    {
        Self::serve_at(None, state, handle)
    }
    fn serve_at<F>(at: Option<SocketAddr>, state: Arc<OriginState>, handle: F) -> Origin
    where
        F: Fn(Arc<OriginState>, tokio::net::TcpStream, usize) -> tokio::task::JoinHandle<()>
            + Send
            + 'static,
    {
        let rt = runtime();
        let std_l = match at {
            Some(a) => {
                // The old socket may take a moment to leave: retry, bounded.
                let deadline = Instant::now() + WAIT;
                loop {
                    match TcpListener::bind(a) {
                        Ok(l) => break l,
                        Err(e) if Instant::now() > deadline => panic!("rebind {a}: {e}"),
                        Err(_) => std::thread::yield_now(),
                    }
                }
            }
            None => TcpListener::bind("127.0.0.1:0").unwrap(),
        };
        std_l.set_nonblocking(true).unwrap();
        let addr = std_l.local_addr().unwrap();
        let st = Arc::clone(&state);
        rt.spawn(async move {
            let l = tokio::net::TcpListener::from_std(std_l).unwrap();
            loop {
                let Ok((sock, _)) = l.accept().await else {
                    continue;
                };
                let n = st.conns.fetch_add(1, Ordering::SeqCst) + 1;
                handle(Arc::clone(&st), sock, n);
            }
        });
        Origin {
            addr,
            state,
            rt: Some(rt),
        }
    }
    /// Stops the origin as a killed server would: the listener closes and every open
    /// connection is dropped.
    pub fn stop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(WAIT);
        }
    }
    /// Changes the status it answers with from now on.
    pub fn set_status(&self, s: u16) {
        self.state.status.store(usize::from(s), Ordering::SeqCst);
    }
    /// Its listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// Its name.
    pub fn name(&self) -> &str {
        &self.state.name
    }
    /// Connections accepted so far.
    pub fn conns(&self) -> usize {
        self.state.conns.load(Ordering::SeqCst)
    }
    /// Requests seen so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.state.requests.lock().unwrap().clone()
    }
    /// Open connections right now (TCP echo origins only).
    pub fn active(&self) -> usize {
        *self.state.active.lock().unwrap()
    }
    /// Waits (at most [`WAIT`]) until exactly `n` connections are open (TCP echo origins only);
    /// false on timeout.
    pub fn wait_active(&self, n: usize) -> bool {
        let deadline = Instant::now() + WAIT;
        let mut g = self.state.active.lock().unwrap();
        while *g != n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = self.state.arrived.wait_timeout(g, left).unwrap().0;
        }
        true
    }
    /// Waits (at most [`WAIT`]) until at least `n` requests have arrived; false on timeout.
    pub fn wait_requests(&self, n: usize) -> bool {
        self.wait_requests_within(n, WAIT)
    }
    /// Waits at most `limit` until at least `n` requests have arrived; false on timeout.
    pub fn wait_requests_within(&self, n: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut g = self.state.requests.lock().unwrap();
        while g.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = self.state.arrived.wait_timeout(g, left).unwrap().0;
        }
        true
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Echoes bytes until EOF, then shuts the write side; tracks open connections.
async fn echo(st: Arc<OriginState>, mut sock: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    st.set_active(1);
    let mut buf = vec![0u8; 16384];
    loop {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if sock.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = sock.shutdown().await;
    st.set_active(-1);
}
