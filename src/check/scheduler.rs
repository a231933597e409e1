//! The check scheduler: one tokio task per checked server, which runs the backend's
//! [`Probe`], feeds its status to the server's [`CheckState`] and applies the transitions to
//! the server room (HAProxy's `process_chk()` and `check_notify_failure/success/stopping()`),
//! plus `observe`'s `on-error` actions (`__health_adjust()`).
//!
//! configuration.txt 5.2 "check", "inter", "fastinter", "downinter", "rise", "fall",
//! "observe", "on-error", "error-limit"; 3.1 "spread-checks"; 4.2
//! "option log-health-checks".
//!
//! State-change lines come from the [`Farm`] ([`crate::server::event`]); the check lines of
//! `option log-health-checks` from [`super::event`]; both leave through
//! [`crate::log::event`].
//!
//! May import `server`, `config::model`, `log` and tokio; never `proxy`.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::event::{self, CheckReport};
use super::probe::{self, Probe, RunContext};
use super::request::{self, ServerStateView};
use super::state::{self, CheckState, OpState as CheckOp};
use super::ServerPlan;
use crate::config::model::{CheckResult, CheckStatus, OnError};
use crate::log::{self, Level};
use crate::server::event::{no_server_line, state_line};
use crate::server::farm::Change;
use crate::server::{Counters, Farm, OpState, Server, Target};

/// What a check task needs besides its server.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The backend's probe.
    pub probe: Arc<Probe>,
    /// The server's plan (target, timeouts, rise/fall, intervals).
    pub plan: ServerPlan,
    /// `option log-health-checks`.
    pub log_checks: bool,
    /// `spread-checks` percent.
    pub spread: u32,
    /// Delay before the first check (servers spread over the smallest `inter`).
    pub first: Duration,
    /// `node` for `http-check send-state`.
    pub node: String,
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

/// The server room's state as the check state machine sees it.
fn check_op(op: OpState) -> CheckOp {
    match op {
        OpState::Stopped => CheckOp::Stopped,
        OpState::Stopping => CheckOp::Stopping,
        OpState::Running | OpState::Starting => CheckOp::Running,
    }
}

/// Applies one check status to the server: counter, counters, lines, state.
fn apply(farm: &Farm, s: &Server, cs: &mut CheckState, setup: &Setup, o: &probe::Outcome) {
    let op = check_op(s.op_state());
    let step = cs.apply(o.status, op);
    if o.status.result() == CheckResult::Failed && step.report {
        Counters::inc(&s.counters.check_failures);
    }
    let report = CheckReport {
        status: o.status,
        code: o.code,
        info: &o.info,
        duration: o.duration,
    };
    if setup.log_checks && step.report {
        let line = event::health_check(
            &s.backend,
            &s.name,
            s.backup,
            &report,
            cs,
            s.user_weight() == 0,
        );
        log::event(Level::Warning, &line);
    }
    let Some(to) = step.transition else { return };
    if s.admin().maint {
        return;
    }
    // With log-health-checks the check lines carry the reason; state lines do not.
    let why = (!setup.log_checks).then(|| event::why(&report));
    let to = match to {
        CheckOp::Stopped => OpState::Stopped,
        CheckOp::Stopping => OpState::Stopping,
        CheckOp::Running => OpState::Running,
    };
    announce(&farm.set_op_state(s.id, to, why));
}

/// The `x-haproxy-server-state` value of `s` (`http-check send-state`).
fn server_state(farm: &Farm, s: &Server, cs: &CheckState, node: &str) -> String {
    let addr = match &s.target {
        Target::Inet(a) => Some((a.ip(), a.port())),
        Target::Unix(_) => None,
    };
    let total: u32 = farm
        .servers()
        .iter()
        .filter(|x| x.usable() && x.backup == s.backup)
        .map(|x| x.user_weight())
        .sum();
    let backend_sessions: u32 = farm.servers().iter().map(|x| x.served()).sum();
    request::server_state(&ServerStateView {
        op: check_op(s.op_state()),
        check: Some(cs),
        addr,
        backend: &s.backend,
        server: &s.name,
        node,
        weight: s.user_weight(),
        total_weight: total,
        cur_sess: s.served(),
        backend_sessions,
        queue: s.queued(),
    })
}

/// A number in [0, 1) for `spread-checks` (xorshift: jitter needs no RNG crate).
fn jitter(seed: &mut u64) -> f64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    // 53 random bits as a fraction.
    #[allow(clippy::cast_precision_loss)]
    let f = (*seed >> 11) as f64 / (1u64 << 53) as f64;
    f
}

/// `on-error` after `error-limit` consecutive errors seen in traffic (`observe`): a
/// simulated failed check (`HCHK_STATUS_HANA`), or a faster next check.
fn on_error(farm: &Farm, s: &Server, cs: &mut CheckState, setup: &Setup, what: OnError) {
    let failed = probe::Outcome {
        status: CheckStatus::Hana,
        code: 0,
        info: format!(
            "Detected {} consecutive errors, last one was: {}",
            s.error_limit.max(1),
            s.last_observed_error()
        ),
        duration: Duration::ZERO,
    };
    match what {
        OnError::Fastinter => {}
        OnError::FailCheck => apply(farm, s, cs, setup, &failed),
        OnError::SuddenDeath => {
            if cs.health > cs.rise {
                cs.health = cs.rise + 1;
            }
            apply(farm, s, cs, setup, &failed);
        }
        OnError::MarkDown => {
            cs.health = cs.rise;
            apply(farm, s, cs, setup, &failed);
        }
    }
}

/// Starts the check task of server `s` of `farm`.
pub fn spawn(farm: Arc<Farm>, s: Arc<Server>, setup: Setup) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut cs = CheckState::new(setup.plan.rise, setup.plan.fall);
        let mut seed = u64::from(s.puid).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        tokio::time::sleep(setup.first).await;
        loop {
            let op = check_op(s.op_state());
            let st = setup
                .probe
                .wants_server_state()
                .then(|| server_state(&farm, &s, &cs, &setup.node));
            let ctx = RunContext {
                server_down: op == CheckOp::Stopped,
                server_state: st.as_deref(),
            };
            let o = probe::run(&setup.probe, &setup.plan.target, &setup.plan.timeouts, ctx).await;
            apply(&farm, &s, &mut cs, &setup, &o);
            let p = &setup.plan;
            let next = cs.next_interval(check_op(s.op_state()), p.inter, p.fastinter, p.downinter);
            let wait = state::spread(next, setup.spread, jitter(&mut seed));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                what = s.observed() => {
                    on_error(&farm, &s, &mut cs, &setup, what);
                    tokio::time::sleep(p.fastinter.unwrap_or(p.inter)).await;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_the_unit_interval() {
        let mut seed = 42;
        for _ in 0..1000 {
            let j = jitter(&mut seed);
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn the_server_rooms_states_map_to_the_checks() {
        assert_eq!(check_op(OpState::Starting), CheckOp::Running);
        assert_eq!(check_op(OpState::Stopping), CheckOp::Stopping);
        assert_eq!(check_op(OpState::Stopped), CheckOp::Stopped);
    }
}
