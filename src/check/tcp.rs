//! The default health check: a TCP connection to the server's address, or to its `addr` and
//! `port` (configuration.txt 5.2 "check", "addr", "port", "check-send-proxy"), bounded by
//! `timeout connect` capped at `inter` when `timeout check` is set, else by `inter`.
//!
//! May import `server`, `config::model` and tokio; never `proxy`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use super::scheduler::{Outcome, Probe, ProbeFuture, Verdict};
use crate::server::farm::Why;

/// A TCP connect check.
#[derive(Debug, Clone)]
pub struct Connect {
    /// Where to connect.
    pub addr: SocketAddr,
    /// Connection timeout.
    pub timeout: Duration,
    /// `check-send-proxy`: a PROXY v1 `UNKNOWN` line first (no client behind a check).
    pub send_proxy: bool,
}

/// HAProxy's description of a check status.
pub fn why(desc: &str, info: &str, started: Instant) -> Why {
    Why {
        desc: desc.into(),
        code: None,
        info: info.into(),
        duration_ms: Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
    }
}

/// `strerror()` of a connection error, as HAProxy puts it in the check's info.
pub fn strerror(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "Connection refused".into(),
        std::io::ErrorKind::ConnectionReset => "Connection reset by peer".into(),
        std::io::ErrorKind::TimedOut => "Connection timed out".into(),
        _ => {
            let s = e.to_string();
            // "No route to host (os error 113)" -> "No route to host"
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

impl Probe for Connect {
    fn run(&self) -> ProbeFuture {
        let c = self.clone();
        Box::pin(async move {
            let started = Instant::now();
            match tokio::time::timeout(c.timeout, tokio::net::TcpStream::connect(c.addr)).await {
                Ok(Ok(mut s)) => {
                    if c.send_proxy {
                        let _ = s.write_all(b"PROXY UNKNOWN\r\n").await;
                    }
                    Outcome {
                        verdict: Verdict::Passed,
                        why: why("Layer4 check passed", "", started),
                    }
                }
                Ok(Err(e)) => Outcome {
                    verdict: Verdict::Failed,
                    why: why("Layer4 connection problem", &strerror(&e), started),
                },
                Err(_) => Outcome {
                    verdict: Verdict::Failed,
                    why: why("Layer4 timeout", "", started),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listening_port_passes_and_a_closed_one_fails() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ok = Connect {
            addr: l.local_addr().unwrap(),
            timeout: Duration::from_secs(2),
            send_proxy: false,
        };
        let o = ok.run().await;
        assert_eq!(o.verdict, Verdict::Passed);
        assert_eq!(o.why.desc, "Layer4 check passed");
        let closed = l.local_addr().unwrap();
        drop(l);
        let bad = Connect {
            addr: closed,
            timeout: Duration::from_secs(2),
            send_proxy: false,
        };
        let o = bad.run().await;
        assert_eq!(o.verdict, Verdict::Failed);
        assert_eq!(o.why.desc, "Layer4 connection problem");
        assert_eq!(o.why.info, "Connection refused");
    }
}
