//! Test helpers for the proxy room: configs built by hand, tiny origin servers on
//! 127.0.0.1:0 and a raw HTTP/1.1 client. Compiled for tests only.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::config::model::{
    Bind, BindAddr, Config, Loc, Mode, Proxy, ProxyKind, Server, ServerAddr, ServerParams,
};

use super::listener::{start, BoundAddr, Started};

/// Bound for every wait in tests.
pub const T: Duration = Duration::from_secs(5);

/// A `bind 127.0.0.1:0` line.
pub fn bind_any() -> Bind {
    let mut b = Bind::new(Loc::new("t.cfg", 1), "127.0.0.1:0");
    b.addrs = vec![BindAddr::Inet("127.0.0.1:0".parse().unwrap())];
    b
}

/// A `server NAME ADDR` line.
pub fn server(name: &str, addr: SocketAddr) -> Server {
    Server {
        loc: Loc::new("t.cfg", 2),
        name: name.into(),
        addr: ServerAddr::Inet(addr),
        params: ServerParams::default(),
    }
}

/// A `listen NAME` in `mode`, bound to 127.0.0.1:0, with these servers.
pub fn listen(name: &str, mode: Mode, servers: &[SocketAddr]) -> Proxy {
    let mut p = Proxy::new(name, ProxyKind::Listen, Loc::new("t.cfg", 1));
    p.mode = mode;
    p.binds.push(bind_any());
    for (i, a) in servers.iter().enumerate() {
        p.servers.push(server(&format!("s{}", i + 1), *a));
    }
    p.timeouts.connect = Some(Duration::from_millis(500));
    p.timeouts.client = Some(T);
    p.timeouts.server = Some(T);
    p
}

/// Starts the proxies; returns the handle and the first address of `name`.
pub async fn run(proxies: Vec<Proxy>, name: &str) -> (Started, SocketAddr) {
    let cfg = Config {
        proxies,
        ..Config::default()
    };
    let s = start(&cfg).await.unwrap();
    let a = match s.addr(name).unwrap() {
        BoundAddr::Inet(a) => *a,
        other => panic!("unexpected {other:?}"),
    };
    (s, a)
}

/// An address nothing listens on (connection refused).
pub async fn refused_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// What an origin does with each request.
#[derive(Clone)]
pub enum Behaviour {
    /// 200 with body `NAME\n` followed by the request head.
    Echo(&'static str),
    /// Writes garbage instead of a response.
    Garbage,
    /// Reads the request and never answers.
    Silent,
    /// Waits for the notify, then answers like Echo.
    Hold(&'static str, Arc<Notify>),
    /// Answers `101 Switching Protocols` then echoes bytes.
    Upgrade,
    /// Announces a 10-byte body, sends 2 bytes, then stalls.
    Stall,
}

/// A tiny HTTP/1.1 origin server with keep-alive; counts accepted connections.
pub struct Origin {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Connections accepted so far.
    pub conns: Arc<AtomicUsize>,
    /// Requests seen so far.
    pub reqs: Arc<AtomicUsize>,
}

impl Origin {
    /// Starts one on 127.0.0.1:0.
    pub async fn start(b: Behaviour) -> Origin {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let conns = Arc::new(AtomicUsize::new(0));
        let reqs = Arc::new(AtomicUsize::new(0));
        let (c2, r2) = (Arc::clone(&conns), Arc::clone(&reqs));
        tokio::spawn(async move {
            loop {
                let Ok((s, _)) = l.accept().await else { return };
                c2.fetch_add(1, Ordering::SeqCst);
                let (b, r) = (b.clone(), Arc::clone(&r2));
                tokio::spawn(async move {
                    let _ = origin_conn(s, b, r).await;
                });
            }
        });
        Origin { addr, conns, reqs }
    }
}

async fn origin_conn(
    mut s: TcpStream,
    b: Behaviour,
    reqs: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some(head) = read_head(&mut s, &mut buf).await? else {
            return Ok(());
        };
        reqs.fetch_add(1, Ordering::SeqCst);
        let name = match &b {
            Behaviour::Echo(n) => n,
            Behaviour::Garbage => {
                s.write_all(b"this is not http\r\n\r\n").await?;
                return Ok(());
            }
            Behaviour::Silent => {
                let mut sink = [0u8; 64];
                while s.read(&mut sink).await? > 0 {}
                return Ok(());
            }
            Behaviour::Hold(n, notify) => {
                notify.notified().await;
                n
            }
            Behaviour::Upgrade => {
                s.write_all(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").await?;
                s.write_all(&buf).await?;
                let (mut r, mut w) = s.split();
                tokio::io::copy(&mut r, &mut w).await?;
                return Ok(());
            }
            Behaviour::Stall => {
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                    .await?;
                let mut sink = [0u8; 64];
                while s.read(&mut sink).await? > 0 {}
                return Ok(());
            }
        };
        let body = format!("{name}\n{head}");
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(resp.as_bytes()).await?;
        if head.to_ascii_lowercase().contains("connection: close") {
            return Ok(());
        }
    }
}

/// Reads one message head (through the blank line); `None` on a clean close.
pub async fn read_head<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<String>> {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..i + 4).collect();
            return Ok(Some(String::from_utf8_lossy(&head).into_owned()));
        }
        let mut tmp = [0u8; 4096];
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    }
}

/// A parsed response.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Head, lowercased.
    pub head: String,
    /// Body.
    pub body: String,
}

/// Reads one response with a Content-Length body (or up to close when there is none).
pub async fn read_resp(s: &mut TcpStream, buf: &mut Vec<u8>) -> Resp {
    let head = tokio::time::timeout(T, read_head(s, buf))
        .await
        .unwrap()
        .unwrap()
        .expect("response");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let lower = head.to_ascii_lowercase();
    let len = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse::<usize>().unwrap());
    match len {
        Some(n) => {
            while buf.len() < n {
                let mut tmp = [0u8; 4096];
                let k = tokio::time::timeout(T, s.read(&mut tmp))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(k > 0, "eof in body");
                buf.extend_from_slice(&tmp[..k]);
            }
            let body: Vec<u8> = buf.drain(..n).collect();
            Resp {
                status,
                head: lower,
                body: String::from_utf8_lossy(&body).into_owned(),
            }
        }
        None => {
            tokio::time::timeout(T, s.read_to_end(buf))
                .await
                .unwrap()
                .unwrap();
            let body = String::from_utf8_lossy(buf).into_owned();
            buf.clear();
            Resp {
                status,
                head: lower,
                body,
            }
        }
    }
}

/// Sends a GET and reads the response on an open connection.
pub async fn get(s: &mut TcpStream, buf: &mut Vec<u8>, path: &str) -> Resp {
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    read_resp(s, buf).await
}

/// True when the peer closed the connection (EOF) within the bound.
pub async fn closed(s: &mut TcpStream) -> bool {
    let mut tmp = [0u8; 1024];
    matches!(
        tokio::time::timeout(T, s.read(&mut tmp)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

/// A minimal TLS 1.2 ClientHello for `name`.
pub fn client_hello(name: &str) -> Vec<u8> {
    let n = name.as_bytes();
    let mut sni = vec![0, 0]; // type server_name
    let list_len = 3 + n.len();
    let ext_len = 2 + list_len;
    sni.extend_from_slice(&(ext_len as u16).to_be_bytes());
    sni.extend_from_slice(&(list_len as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(n.len() as u16).to_be_bytes());
    sni.extend_from_slice(n);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7u8; 32]);
    body.push(0); // session id
    body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
    body.extend_from_slice(&[1, 0]); // null compression
    body.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    body.extend_from_slice(&sni);
    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}
