//! One health check, run over a tokio socket (HAProxy 2.6 tcpcheck.c `tcpcheck_main()`,
//! `tcpcheck_eval_connect/send/recv()`, check.c `chk_report_conn_err()`): the rules of a
//! backend's [`CheckSpec`] in order - connect (PROXY header if asked), send, expect - ending
//! with a status, a code, an info text and a duration, as HAProxy reports them.
//!
//! Time bounds (configuration.txt 4.2 "timeout check"): without `timeout check` the whole
//! check must end within `inter` of its start; with it, each connection gets
//! min(`inter`, `timeout connect`) to establish, then `timeout check` from the moment it is
//! established. The connection is closed with a reset unless `connect ... linger` asked
//! for a normal close, as HAProxy does.
//!
//! Statuses: refused/unreachable `L4CON` ("Connection refused"), connect timeout `L4TOUT`,
//! reset or error once connected `SOCKERR` ("Connection reset by peer"), timeout once
//! connected `L7TOUT` (or the rule's `tout-status`), then what the rules say ([`expect`]).
//! A `tcp-check` ruleset adds where it failed: " at step 2 of tcp-check (expect string
//! '+PONG')", " at initial connection step of tcp-check". Each was captured from the real
//! binary; see the tests.
//!
//! May import tokio and `config::model`; must not import the proxy, the runtime or the
//! server room.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use super::expect::{self, Matcher, Parse, Verdict, BUFSIZE};
use super::CheckError;
use crate::config::model::{
    CheckProto, CheckSpec, CheckStatus, ConnectRule, ExpectPattern, HttpConnMode, HttpRequest,
    Proxy, RuleAction, Server, ServerAddr,
};

/// What one rule does, ready to run.
#[derive(Debug, Clone)]
enum Action {
    Connect(ConnectRule),
    Send(Vec<u8>),
    SendHttp(HttpRequest),
    Expect(Box<Matcher>),
    /// Comments and actions: nothing to run.
    Skip,
}

#[derive(Debug, Clone)]
struct Rule {
    index: u32,
    comment: Option<String>,
    action: Action,
    head: usize,
}

/// A backend's check, compiled once from its [`CheckSpec`].
#[derive(Debug, Clone)]
pub struct Probe {
    proto: CheckProto,
    rules: Vec<Rule>,
    disable_on_404: bool,
    send_state: bool,
    conn_mode: HttpConnMode,
}

impl Probe {
    /// Compiles `spec`; `conn_mode` is the backend's HTTP connection mode (it changes the
    /// `Connection` header of HTTP checks). Fails only on a rule validation should have
    /// refused.
    pub fn new(spec: &CheckSpec, conn_mode: HttpConnMode) -> Result<Probe, CheckError> {
        let mut rules = Vec::with_capacity(spec.rules.len());
        for r in &spec.rules {
            if let Some(why) = &r.unsupported {
                return Err(CheckError::Unsupported(why.clone()));
            }
            let (action, head) = match &r.action {
                RuleAction::Connect(c) => (Action::Connect(c.clone()), 0),
                RuleAction::Send(s) => (Action::Send(s.bytes().to_vec()), 0),
                RuleAction::SendHttp(h) => (Action::SendHttp(h.clone()), 0),
                RuleAction::Expect(e) => {
                    (Action::Expect(Box::new(Matcher::new(e, &r.loc)?)), e.head)
                }
                RuleAction::Comment | RuleAction::Action => (Action::Skip, 0),
            };
            rules.push(Rule {
                index: r.index,
                comment: r.comment.clone(),
                action,
                head,
            });
        }
        Ok(Probe {
            proto: spec.proto,
            rules,
            disable_on_404: spec.disable_on_404,
            send_state: spec.send_state,
            conn_mode,
        })
    }

    /// The probe of a backend, from the loaded configuration.
    pub fn of(proxy: &Proxy) -> Result<Probe, CheckError> {
        Probe::new(&proxy.checks.spec, proxy.options.http_conn_mode)
    }

    /// True when checks send `x-haproxy-server-state` (`http-check send-state`): the caller
    /// builds the value with [`super::request::server_state`] for each run.
    pub fn wants_server_state(&self) -> bool {
        self.send_state
    }
}

/// Where a server's checks go (configuration.txt 5.2 "addr", "port", "check-send-proxy").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The server's address and service port (port 0: none).
    pub server: SocketAddr,
    /// `addr`: checks go there instead (its port counts when not 0).
    pub check_addr: Option<SocketAddr>,
    /// `port`: the port checks use.
    pub check_port: Option<u16>,
    /// `check-send-proxy`, or the server's `send-proxy` when neither `port` nor `addr` is
    /// set: the default connection opens with a PROXY protocol v1 header.
    pub send_proxy: bool,
    /// `check-ssl`, or the server's `ssl` when neither `port` nor `addr` is set: HAProxy
    /// would check over TLS. Not implemented: [`run`] speaks clear text; the scheduler
    /// decides what to do with such servers.
    pub tls: bool,
}

impl Target {
    /// The check target of a configured server; `None` for unix sockets and names left
    /// unresolved (HAProxy checks neither here).
    pub fn of(server: &Server) -> Option<Target> {
        let addr = match &server.addr {
            ServerAddr::Inet(a) => *a,
            _ => return None,
        };
        let p = &server.params;
        let own = p.check_port.is_none_or(|c| c == 0) && p.check_addr.is_none();
        Some(Target {
            server: addr,
            check_addr: p.check_addr,
            check_port: p.check_port.filter(|c| *c != 0),
            send_proxy: p.check_send_proxy || (own && p.send_proxy),
            tls: p.check_ssl || (own && p.ssl),
        })
    }

    /// Where a `connect` rule goes (HAProxy's `tcpcheck_eval_connect()`): the rule's
    /// address, else `addr`, else the server; the first port set among the rule's `port`,
    /// the rule's address, `port`, `addr`'s, the server's.
    pub fn connect_addr(&self, c: &ConnectRule) -> SocketAddr {
        let ip = c
            .addr
            .or(self.check_addr)
            .map_or(self.server.ip(), |a| a.ip());
        let nonzero = |p: u16| (p != 0).then_some(p);
        let port = c
            .port
            .or_else(|| c.addr.and_then(|a| nonzero(a.port())))
            .or(self.check_port)
            .or_else(|| self.check_addr.and_then(|a| nonzero(a.port())))
            .unwrap_or(self.server.port());
        SocketAddr::new(ip, port)
    }
}

/// The time bounds of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The server's `inter` (not `fastinter`/`downinter`: HAProxy bounds checks by `inter`).
    pub inter: Duration,
    /// The backend's `timeout connect`.
    pub connect: Option<Duration>,
    /// The backend's `timeout check`.
    pub check: Option<Duration>,
}

impl Timeouts {
    /// The bounds for `server` of `proxy`.
    pub fn of(proxy: &Proxy, server: &Server) -> Timeouts {
        Timeouts {
            inter: server.params.inter,
            connect: proxy.timeouts.connect.filter(|d| !d.is_zero()),
            check: proxy.timeouts.check.filter(|d| !d.is_zero()),
        }
    }

    /// The deadline to establish a connection started `now`.
    fn connect_deadline(&self, now: Instant) -> Instant {
        let inter = now + self.inter;
        match (self.check, self.connect) {
            (Some(_), Some(c)) => inter.min(now + c),
            _ => inter,
        }
    }
}

/// What one check run reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The check status.
    pub status: CheckStatus,
    /// The HTTP status of the last response evaluated (0 for none); logged when
    /// [`CheckStatus::has_code`].
    pub code: u16,
    /// The info text (`Connection refused`, `Whatever`, `(tcp-check)`, may be empty).
    pub info: String,
    /// How long the check took.
    pub duration: Duration,
}

/// What the caller knows of the server for this run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunContext<'a> {
    /// The server is down (`disable-on-404` does not apply then).
    pub server_down: bool,
    /// The `x-haproxy-server-state` value, for `http-check send-state`.
    pub server_state: Option<&'a str>,
}

/// `strerror()` of an I/O error, without Rust's "(os error N)".
fn strerror(e: &std::io::Error) -> String {
    let text = match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => e.to_string(),
    };
    match text.find(" (os error") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

/// The running state of one check.
struct Run<'a> {
    probe: &'a Probe,
    target: &'a Target,
    timeouts: &'a Timeouts,
    ctx: RunContext<'a>,
    deadline: Instant,
    stream: Option<TcpStream>,
    linger: bool,
    buf: Vec<u8>,
    eof: bool,
    head_request: bool,
    code: u16,
    current: Option<usize>,
}

/// How a rule ended when it did not pass.
enum Stop {
    /// The rule decided the status.
    Status(CheckStatus, String),
    /// A socket error (`None` errno: a timeout) at the connection stage given.
    Conn(Option<std::io::Error>, bool),
}

/// Runs `probe` against `target` once.
pub async fn run(
    probe: &Probe,
    target: &Target,
    timeouts: &Timeouts,
    ctx: RunContext<'_>,
) -> Outcome {
    let start = Instant::now();
    let mut r = Run {
        probe,
        target,
        timeouts,
        ctx,
        deadline: start + timeouts.inter,
        stream: None,
        linger: false,
        buf: Vec::new(),
        eof: false,
        head_request: false,
        code: 0,
        current: None,
    };
    let (status, info) = match r.rules().await {
        Ok(()) => r.success(),
        Err(Stop::Status(s, i)) => (s, i),
        Err(Stop::Conn(err, connected)) => r.conn_error(err.as_ref(), connected),
    };
    r.close();
    Outcome {
        status,
        code: r.code,
        info,
        duration: start.elapsed(),
    }
}

impl Run<'_> {
    async fn rules(&mut self) -> Result<(), Stop> {
        let probe = self.probe;
        let mut i = 0;
        let mut must_read = true;
        while let Some(rule) = probe.rules.get(i) {
            self.code = 0;
            match &rule.action {
                Action::Skip => {}
                Action::Connect(c) => {
                    self.current = Some(i);
                    self.connect(c).await?;
                    must_read = true;
                }
                Action::Send(bytes) => {
                    self.current = Some(i);
                    self.send(bytes).await?;
                    must_read = true;
                }
                Action::SendHttp(req) => {
                    self.current = Some(i);
                    let state = if self.probe.send_state {
                        self.ctx.server_state
                    } else {
                        None
                    };
                    let bytes = super::request::build(req, self.probe.conn_mode, state);
                    self.head_request = req.method.as_deref() == Some("HEAD");
                    self.send(&bytes).await?;
                    must_read = true;
                }
                Action::Expect(m) => {
                    self.current = Some(i);
                    if must_read {
                        self.read().await?;
                        must_read = false;
                    }
                    match self.expect(m, rule) {
                        Verdict::Pass => {}
                        Verdict::Fail { status, info } => return Err(Stop::Status(status, info)),
                        Verdict::Wait => {
                            // HAProxy resumes at the head of the expect chain with more data.
                            self.current = Some(rule.head);
                            let before = (self.buf.len(), self.eof);
                            self.read().await?;
                            if (self.buf.len(), self.eof) == before {
                                // No more data can come: never spin (rules do not ask for
                                // more once the response ended; this is a safety net).
                                return Err(Stop::Conn(None, true));
                            }
                            i = rule.head;
                            continue;
                        }
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }

    fn step_id(&self, i: Option<usize>) -> u32 {
        let Some(rule) = i.and_then(|i| self.probe.rules.get(i)) else {
            return 1;
        };
        match &rule.action {
            Action::Connect(c) if c.implicit && rule.index == 0 => 0,
            _ => rule.index.saturating_add(1),
        }
    }

    fn expect(&mut self, m: &Matcher, rule: &Rule) -> Verdict {
        let comment = rule.comment.as_deref();
        if self.probe.proto != CheckProto::Http {
            let step = self.step_id(self.current);
            return expect::eval_tcp(m, &self.buf, self.eof, step, comment);
        }
        match expect::parse_response(&self.buf, self.eof, self.head_request) {
            Parse::Partial if self.buf.len() >= BUFSIZE => expect::invalid_http(m, comment),
            Parse::Partial => Verdict::Wait,
            Parse::Invalid => expect::invalid_http(m, comment),
            Parse::Response(resp) => {
                self.code = resp.status;
                let ctx = expect::HttpContext {
                    last_read: self.eof || self.buf.len() >= BUFSIZE,
                    accept_404: self.probe.disable_on_404 && !self.ctx.server_down,
                };
                expect::eval_http(m, &resp, ctx, comment)
            }
        }
    }

    async fn connect(&mut self, c: &ConnectRule) -> Result<(), Stop> {
        self.close();
        self.buf.clear();
        self.eof = false;
        let now = Instant::now();
        self.deadline = self.timeouts.connect_deadline(now);
        let addr = self.target.connect_addr(c);
        let stream = match timeout_at(self.deadline, TcpStream::connect(addr)).await {
            Err(_) => return Err(Stop::Conn(None, false)),
            Ok(Err(e)) => return Err(Stop::Conn(Some(e), false)),
            Ok(Ok(s)) => s,
        };
        let _ = stream.set_nodelay(true);
        self.linger = c.linger;
        let send_proxy = c.send_proxy || (c.default && self.target.send_proxy);
        self.stream = Some(stream);
        if let Some(check) = self.timeouts.check {
            self.deadline = Instant::now() + check;
        }
        if send_proxy {
            let line = self.proxy_line();
            self.write(line.as_bytes()).await?;
        }
        Ok(())
    }

    /// `PROXY TCP4 src dst sport dport\r\n` for this connection.
    fn proxy_line(&self) -> String {
        let ends = self
            .stream
            .as_ref()
            .and_then(|s| Some((s.local_addr().ok()?, s.peer_addr().ok()?)));
        match ends {
            Some((src, dst)) if src.is_ipv4() == dst.is_ipv4() => {
                let fam = if src.is_ipv4() { "TCP4" } else { "TCP6" };
                format!(
                    "PROXY {fam} {} {} {} {}\r\n",
                    src.ip(),
                    dst.ip(),
                    src.port(),
                    dst.port()
                )
            }
            _ => "PROXY UNKNOWN\r\n".to_string(),
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(Stop::Conn(None, true));
        };
        match timeout_at(self.deadline, stream.write_all(bytes)).await {
            Err(_) => Err(Stop::Conn(None, true)),
            Ok(Err(e)) => Err(Stop::Conn(Some(e), true)),
            Ok(Ok(())) => Ok(()),
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        // A new send starts a new response.
        self.buf.clear();
        self.eof = false;
        self.write(bytes).await
    }

    /// Waits for more data (or the end of it) within the deadline.
    async fn read(&mut self) -> Result<(), Stop> {
        if self.eof || self.buf.len() >= BUFSIZE {
            return Ok(());
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(Stop::Conn(None, true));
        };
        let mut chunk = vec![0u8; BUFSIZE - self.buf.len()];
        match timeout_at(self.deadline, stream.read(&mut chunk)).await {
            Err(_) => Err(Stop::Conn(None, true)),
            Ok(Ok(0)) => {
                self.eof = true;
                self.empty_response()
            }
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                Ok(())
            }
            // Errors count only when nothing came; otherwise the rules judge the data.
            Ok(Err(e)) if self.buf.is_empty() => Err(Stop::Conn(Some(e), true)),
            Ok(Err(_)) => {
                self.eof = true;
                Ok(())
            }
        }
    }

    /// A TCP ruleset whose server closed without a byte: "TCPCHK got an empty response".
    fn empty_response(&self) -> Result<(), Stop> {
        if !self.buf.is_empty() || self.probe.proto == CheckProto::Http {
            return Ok(());
        }
        let rule = self.current.and_then(|i| self.probe.rules.get(i));
        let mut info = format!(
            "TCPCHK got an empty response at step {}",
            self.step_id(self.current)
        );
        if let Some(c) = rule.and_then(|r| r.comment.as_deref()) {
            info.push_str(&format!(" comment: '{c}'"));
        }
        let status = match rule.map(|r| &r.action) {
            Some(Action::Expect(m)) => m.rule.error_status.unwrap_or(CheckStatus::L7Rsp),
            _ => CheckStatus::L7Rsp,
        };
        Err(Stop::Status(status, info))
    }

    /// The status when every rule passed (the end of `tcpcheck_main()`).
    fn success(&self) -> (CheckStatus, String) {
        let tcp = self.probe.proto == CheckProto::Tcp;
        let last = self.current.and_then(|i| self.probe.rules.get(i));
        match last.map(|r| &r.action) {
            Some(Action::Expect(m)) => {
                let http = self.probe.proto == CheckProto::Http;
                if http && self.probe.disable_on_404 && !self.ctx.server_down && self.code == 404 {
                    return (CheckStatus::L7OkC, String::new());
                }
                let status = m.rule.ok_status.unwrap_or(CheckStatus::L7Ok);
                (status, expect::success_info(m, tcp))
            }
            Some(Action::Connect(c)) => {
                let info = if c.implicit { "" } else { "(tcp-check)" };
                (CheckStatus::L4Ok, info.to_string())
            }
            _ => (CheckStatus::L7Ok, "(tcp-check)".to_string()),
        }
    }

    /// HAProxy's `chk_report_conn_err()`: the status and info of a socket error or timeout.
    fn conn_error(&self, err: Option<&std::io::Error>, connected: bool) -> (CheckStatus, String) {
        let mut info = err.map(strerror).unwrap_or_default();
        info.push_str(&self.where_text());
        let status = match (connected, err) {
            (false, Some(_)) => CheckStatus::L4Con,
            (false, None) => CheckStatus::L4Tout,
            (true, Some(_)) => CheckStatus::SockErr,
            (true, None) => {
                let rule = self.current.and_then(|i| self.probe.rules.get(i));
                match rule.map(|r| &r.action) {
                    Some(Action::Expect(m)) => m.rule.tout_status.unwrap_or(CheckStatus::L7Tout),
                    _ => CheckStatus::L7Tout,
                }
            }
        };
        (status, info)
    }

    /// Where a `tcp-check` ruleset stopped: " at step 2 of tcp-check (expect string 'x')".
    fn where_text(&self) -> String {
        if self.probe.proto != CheckProto::Tcp {
            return String::new();
        }
        let step = self.step_id(self.current);
        if step == 0 {
            return " at initial connection step of tcp-check".into();
        }
        let mut t = format!(" at step {step} of tcp-check");
        let rule = self.current.and_then(|i| self.probe.rules.get(i));
        match rule.map(|r| &r.action) {
            Some(Action::Connect(c)) => match c.port {
                Some(p) => t.push_str(&format!(" (connect port {p})")),
                None => t.push_str(" (connect)"),
            },
            Some(Action::Expect(m)) => t.push_str(&match &m.rule.pattern {
                ExpectPattern::String(s) => {
                    format!(" (expect string '{}')", String::from_utf8_lossy(s))
                }
                ExpectPattern::Binary(s) => {
                    format!(" (expect binary '{}')", String::from_utf8_lossy(s))
                }
                ExpectPattern::RString(_) => " (expect regex)".into(),
                ExpectPattern::RBinary(_) => " (expect binary regex)".into(),
                ExpectPattern::Status(_) => " (expect HTTP status codes)".into(),
                ExpectPattern::RStatus(_) => " (expect HTTP status regex)".into(),
                ExpectPattern::Header(_) => " (expect HTTP header pattern)".into(),
            }),
            Some(Action::Send(_) | Action::SendHttp(_)) => t.push_str(" (send)"),
            _ => {}
        }
        if let Some(c) = rule.and_then(|r| r.comment.as_deref()) {
            t.push_str(&format!(" comment: '{c}'"));
        }
        t
    }

    /// Closes the connection, with a reset unless `linger` (HAProxy's checks do not linger).
    fn close(&mut self) {
        if let Some(s) = self.stream.take() {
            if !self.linger {
                let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            }
        }
    }
}

#[cfg(test)]
#[path = "probe_tests.rs"]
mod tests;
