//! The check scheduler: one tokio task per checked server, its `health` counter, and what a
//! result changes (HAProxy's `process_chk()`, `set_server_check_status()`,
//! `check_notify_failure/success/stopping()`, `srv_getinter()`, `start_checks()`).
//!
//! configuration.txt 5.2 "check", "inter", "fastinter", "downinter", "rise", "fall",
//! "observe", "on-error", "error-limit"; 3.1 "spread-checks"; 4.2
//! "option log-health-checks".
//!
//! The counter runs from 0 to `rise + fall - 1`; the server is UP from `rise` on. A server
//! starts UP with `health = rise`, so its first failed check marks it DOWN, as in HAProxy.
//! Results go to the [`Farm`], whose state-change lines are emitted through
//! [`crate::log::event`].
//!
//! May import `server`, `config::model`, `log` and tokio; never `proxy`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::log::{self, Level};
use crate::server::event::{no_server_line, state_line};
use crate::server::farm::{Change, Why};
use crate::server::{Counters, Farm, OpState, Server};

/// What a check concluded (HAProxy's `CHK_RES_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passed.
    Passed,
    /// Passed, but the server asks to be drained (`http-check disable-on-404`).
    Stopping,
    /// Failed.
    Failed,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Pass or fail.
    pub verdict: Verdict,
    /// Status description, code, info and duration, as printed.
    pub why: Why,
}

/// A boxed check run.
pub type ProbeFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// Runs one check of a server.
pub trait Probe: Send + Sync {
    /// One check, bounded in time by the probe itself.
    fn run(&self) -> ProbeFuture;
}

/// How often and how strictly a server is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `inter`.
    pub inter: Duration,
    /// `fastinter` (defaults to `inter`).
    pub fastinter: Duration,
    /// `downinter` (defaults to `inter`).
    pub downinter: Duration,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
    /// `spread-checks` percent (0 = none).
    pub spread: u32,
    /// First check after this delay (servers are spread over the smallest `inter`).
    pub first: Duration,
    /// `option log-health-checks`.
    pub log_checks: bool,
}

/// HAProxy's `check->health` and its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// The counter, 0..=rise+fall-1.
    pub value: u32,
    rise: u32,
    fall: u32,
}

impl Health {
    /// A server that starts UP, just barely (`health = rise`).
    pub fn new(rise: u32, fall: u32) -> Health {
        let rise = rise.max(1);
        Health {
            value: rise,
            rise,
            fall: fall.max(1),
        }
    }

    fn max(&self) -> u32 {
        self.rise + self.fall - 1
    }

    /// UP as far as the counter goes.
    pub fn is_up(&self) -> bool {
        self.value >= self.rise
    }

    /// Applies a result; returns true when the counter moved (HAProxy's `report`).
    pub fn apply(&mut self, v: Verdict) -> bool {
        match v {
            Verdict::Failed if self.value > 0 => {
                self.value -= 1;
                if self.value < self.rise {
                    self.value = 0;
                }
                true
            }
            Verdict::Passed | Verdict::Stopping if self.value < self.max() => {
                self.value += 1;
                if self.value >= self.rise {
                    self.value = self.max();
                }
                true
            }
            _ => false,
        }
    }

    /// `srv_getinter()`: `inter` when fully UP, `downinter` when fully DOWN, else
    /// `fastinter`.
    pub fn interval(&self, t: &Timing) -> Duration {
        if self.value == self.max() {
            t.inter
        } else if self.value == 0 {
            t.downinter
        } else {
            t.fastinter
        }
    }

    /// `status: N/M UP|DOWN` of the log-health-checks line.
    pub fn status_text(&self, drain: bool) -> String {
        if self.is_up() {
            let word = if drain { "DRAIN" } else { "UP" };
            format!("{}/{} {word}", self.value - self.rise + 1, self.fall)
        } else {
            format!("{}/{} DOWN", self.value, self.rise)
        }
    }

    /// `on-error sudden-death`: one more failure marks the server DOWN.
    pub fn sudden_death(&mut self) {
        if self.value > self.rise {
            self.value = self.rise + 1;
        }
    }

    /// `on-error mark-down`: the next failure marks the server DOWN.
    pub fn mark_down(&mut self) {
        self.value = self.rise;
    }
}

/// `Health check for server be/s1 failed, reason: ..., status: 0/2 DOWN.`
pub fn health_line(s: &Server, v: Verdict, why: &Why, status: &str) -> String {
    let backup = if s.backup { "backup " } else { "" };
    let result = match v {
        Verdict::Failed => "failed",
        Verdict::Passed | Verdict::Stopping => "succeeded",
    };
    let mut line = format!(
        "Health check for {backup}server {}/{} {result}",
        s.backend, s.name
    );
    let c = Change {
        backend: String::new(),
        kind: "backend",
        server: String::new(),
        backup: false,
        from: OpState::Running,
        to: OpState::Running,
        why: Some(why.clone()),
        via: None,
        xferred: 0,
        active: 0,
        backups: 0,
        sessions: 0,
        queued: 0,
        backend_down: false,
    };
    // The reason part is the same as in the state-change lines.
    let full = state_line(&c);
    if let (Some(start), Some(end)) = (full.find(", reason:"), full.find(". 0 active")) {
        if let Some(reason) = full.get(start..end) {
            line.push_str(reason);
        }
    }
    line.push_str(&format!(", status: {status}."));
    line
}

/// Emits the lines of state changes, and the "no server available" alert.
pub fn announce(changes: &[Change]) {
    for c in changes {
        log::event(Level::Warning, &state_line(c));
        if c.backend_down {
            log::event(Level::Alert, &no_server_line(c.kind, &c.backend));
        }
    }
}

/// Applies one outcome to the server: counter, counters, state, lines.
pub fn apply(farm: &Farm, s: &Server, health: &mut Health, t: &Timing, o: &Outcome) {
    let moved = health.apply(o.verdict);
    if o.verdict == Verdict::Failed && moved {
        Counters::inc(&s.counters.check_failures);
    }
    if t.log_checks && moved {
        let drain = s.user_weight() == 0;
        let line = health_line(s, o.verdict, &o.why, &health.status_text(drain));
        log::event(Level::Warning, &line);
    }
    // With log-health-checks the check lines carry the reason; state lines do not.
    let why = (!t.log_checks).then(|| o.why.clone());
    let state = s.op_state();
    let to = match o.verdict {
        Verdict::Failed if health.value == 0 && state != OpState::Stopped => OpState::Stopped,
        Verdict::Passed
            if health.is_up() && !matches!(state, OpState::Running | OpState::Starting) =>
        {
            OpState::Running
        }
        Verdict::Stopping if health.is_up() && state != OpState::Stopping => OpState::Stopping,
        _ => return,
    };
    announce(&farm.set_op_state(s.id, to, why));
}

/// Adds ±`spread`% of jitter to an interval (`spread-checks`).
fn spread(d: Duration, pct: u32, seed: &mut u64) -> Duration {
    if pct == 0 {
        return d;
    }
    // xorshift: no RNG crate needed for jitter.
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let range = ms.saturating_mul(u64::from(pct)) / 100;
    if range == 0 {
        return d;
    }
    let off = *seed % (2 * range);
    Duration::from_millis(ms.saturating_sub(range).saturating_add(off))
}

/// Starts the check task of server `s` of `farm`.
pub fn spawn(farm: Arc<Farm>, s: Arc<Server>, probe: Arc<dyn Probe>, t: Timing) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut health = Health::new(t.rise, t.fall);
        let mut seed = u64::from(s.puid).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        tokio::time::sleep(t.first).await;
        loop {
            let o = probe.run().await;
            apply(&farm, &s, &mut health, &t, &o);
            let wait = spread(health.interval(&t), t.spread, &mut seed);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                on_error = s.observed() => {
                    apply_on_error(&farm, &s, &mut health, &t, on_error);
                    tokio::time::sleep(t.fastinter).await;
                }
            }
        }
    })
}

/// `on-error` after `error-limit` consecutive errors seen in traffic (`observe`).
fn apply_on_error(
    farm: &Farm,
    s: &Server,
    health: &mut Health,
    t: &Timing,
    what: crate::config::model::OnError,
) {
    use crate::config::model::OnError;
    let why = Why {
        desc: "Health analyze".into(),
        code: None,
        info: format!(
            "Detected {} consecutive errors, last one was: {}",
            s.error_limit.max(1),
            s.last_observed_error()
        ),
        duration_ms: None,
    };
    let fail = Outcome {
        verdict: Verdict::Failed,
        why,
    };
    match what {
        OnError::Fastinter => {}
        OnError::FailCheck => apply(farm, s, health, t, &fail),
        OnError::SuddenDeath => {
            health.sudden_death();
            apply(farm, s, health, t, &fail);
        }
        OnError::MarkDown => {
            health.mark_down();
            apply(farm, s, health, t, &fail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing() -> Timing {
        Timing {
            inter: Duration::from_secs(2),
            fastinter: Duration::from_secs(1),
            downinter: Duration::from_secs(5),
            rise: 2,
            fall: 3,
            spread: 0,
            first: Duration::ZERO,
            log_checks: false,
        }
    }

    fn run(h: &mut Health, vs: &str) -> Vec<u32> {
        vs.chars()
            .map(|c| {
                h.apply(if c == '+' {
                    Verdict::Passed
                } else {
                    Verdict::Failed
                });
                h.value
            })
            .collect()
    }

    #[test]
    fn a_new_server_falls_at_the_first_failure() {
        let mut h = Health::new(2, 3);
        assert!(h.is_up());
        assert_eq!(run(&mut h, "-"), [0]);
        assert!(!h.is_up());
    }

    #[test]
    fn a_fully_up_server_needs_fall_failures_and_rise_successes() {
        let mut h = Health::new(2, 3);
        assert_eq!(run(&mut h, "+"), [4]);
        assert_eq!(run(&mut h, "---"), [3, 2, 0]);
        assert_eq!(run(&mut h, "++"), [1, 4]);
        assert_eq!(run(&mut h, "-+"), [3, 4]);
    }

    #[test]
    fn the_interval_follows_srv_getinter() {
        let t = timing();
        let mut h = Health::new(2, 3);
        assert_eq!(h.interval(&t), t.fastinter);
        h.apply(Verdict::Passed);
        assert_eq!(h.interval(&t), t.inter);
        h.apply(Verdict::Failed);
        assert_eq!(h.interval(&t), t.fastinter);
        h.value = 0;
        assert_eq!(h.interval(&t), t.downinter);
    }

    #[test]
    fn status_text_is_haproxys() {
        let mut h = Health::new(2, 3);
        assert_eq!(h.status_text(false), "1/3 UP");
        h.apply(Verdict::Failed);
        assert_eq!(h.status_text(false), "0/2 DOWN");
        h.apply(Verdict::Passed);
        assert_eq!(h.status_text(false), "1/2 DOWN");
        h.apply(Verdict::Passed);
        assert_eq!(h.status_text(true), "3/3 DRAIN");
    }

    #[test]
    fn sudden_death_leaves_one_failure() {
        let mut h = Health::new(2, 3);
        h.apply(Verdict::Passed);
        h.sudden_death();
        // The simulated failed check itself, then the next real one.
        assert_eq!(run(&mut h, "--"), [2, 0]);
    }

    #[test]
    fn spread_stays_within_the_percentage() {
        let mut seed = 42;
        for _ in 0..100 {
            let d = spread(Duration::from_millis(1000), 10, &mut seed);
            assert!(d >= Duration::from_millis(900) && d < Duration::from_millis(1100));
        }
    }
}
