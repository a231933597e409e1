//! No panic on any path a request can reach: a few hundred mutated and random requests (fixed
//! seed, bounded in count and time) go to an HTTP frontend and to a TCP frontend that inspects
//! content (`req_ssl_sni`, `rdp-cookie`); the process must keep running and still serve a good
//! request afterwards, and nothing may have panicked (stderr is checked, since a panicking task
//! would not end the process).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A tiny xorshift generator: the same inputs on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: &[&[u8]] = &[
    b"GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: test\r\nCookie: SERVERID=s1\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /c HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET / HTTP/1.0\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
    b"GET http://example.org/abs HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
    b"\x16\x03\x01\x00\x2e\x01\x00\x00\x2a\x03\x03",
    b"Cookie: mstshash=user1\r\n",
];

/// One mutated input: byte flips, truncation, duplication, random bytes or a huge header.
fn mutate(rng: &mut Rng) -> Vec<u8> {
    let mut v = SEEDS[rng.below(SEEDS.len())].to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
        }
        1 => v.truncate(rng.below(v.len())),
        2 => {
            let cut = rng.below(v.len());
            let dup = v[..cut].to_vec();
            v.extend_from_slice(&dup);
        }
        3 => v = (0..rng.below(512)).map(|_| rng.next() as u8).collect(),
        4 => {
            let at = rng.below(v.len());
            let junk = format!("X-{}: {}\r\n", rng.next(), "a".repeat(rng.below(40000)));
            v.splice(at..at, junk.into_bytes());
        }
        _ => {
            for _ in 0..rng.below(4) {
                let i = rng.below(v.len());
                v.insert(i, [b'\r', b'\n', b':', b' ', 0, b'%', 0xff][rng.below(7)]);
            }
        }
    }
    v
}

/// Sends `bytes`, reads whatever comes back for a short while, and closes.
fn poke(addr: std::net::SocketAddr, bytes: &[u8]) {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, WAIT) else {
        panic!("the proxy stopped accepting connections");
    };
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 4096];
    while let Ok(n) = s.read(&mut sink) {
        if n == 0 {
            break;
        }
    }
}

#[test]
fn mutated_requests_never_stop_the_http_proxy() {
    let s1 = Origin::http("s1");
    let cfg = format!(
        "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\n    timeout http-request 300ms\n    option forwardfor\nfrontend fe\n    bind @@fe\n    http-request set-header X-Path %[path]\n    default_backend be\nbackend be\n    balance url_param x\n    server s1 {}\n",
        s1.addr()
    );
    let mut h = Haproxy::start(&cfg);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..1500 {
        poke(h.addr("fe"), &mutate(&mut rng));
    }
    assert!(h.is_running(), "the proxy died: {}", h.stderr());
    // tokio survives a panicking task, so look for the panic message itself.
    assert!(!h.stderr().contains("panicked"), "{}", h.stderr());
    assert_eq!(get(h.addr("fe"), "/?x=1").status, 200);
}

#[test]
fn mutated_payloads_never_stop_a_content_inspecting_tcp_proxy() {
    let echo = Origin::tcp_echo();
    let cfg = format!(
        "defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend fe\n    bind @@fe\n    tcp-request inspect-delay 100ms\n    tcp-request content accept if {{ req_ssl_hello_type 1 }}\n    use_backend be if {{ req_ssl_sni -i example.org }}\n    default_backend rdp\nbackend be\n    server e1 {a}\nbackend rdp\n    balance rdp-cookie\n    server e1 {a}\n",
        a = echo.addr()
    );
    let mut h = Haproxy::start(&cfg);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..800 {
        poke(h.addr("fe"), &mutate(&mut rng));
    }
    assert!(h.is_running(), "the proxy died: {}", h.stderr());
    // tokio survives a panicking task, so look for the panic message itself.
    assert!(!h.stderr().contains("panicked"), "{}", h.stderr());
    let mut c = TcpStream::connect_timeout(&h.addr("fe"), WAIT).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    c.write_all(b"ping").unwrap();
    let mut b = [0u8; 4];
    c.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"ping");
}
