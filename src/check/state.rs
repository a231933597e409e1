//! The rise/fall machine of one server's health check (configuration.txt 5.2 "rise", "fall",
//! "inter", "fastinter", "downinter"; HAProxy 2.6 check.c `set_server_check_status()`,
//! `check_notify_*()`, server.c `srv_getinter()`), pure: no clock, no I/O.
//!
//! HAProxy keeps a `health` counter from 0 to `rise + fall - 1`; the server counts as up from
//! `rise`. A server starts running with `health = rise`, "just barely up": one failed check
//! takes it to `rise - 1`, below `rise`, so straight to 0 and DOWN, while one passed check
//! takes it to the top. From the top, `fall` failures in a row are needed; from DOWN, `rise`
//! successes. Checked with the real 2.6.12 binary (`fall 3`: first check failing = DOWN at
//! once; first check passing, then 503, 503, 200 = still UP).
//!
//! The server's operational state itself lives in the `server` room: it is passed in as an
//! [`OpState`] and this machine only says which transition the result asks for. It must not
//! import tokio, the proxy or the server room.

use std::time::Duration;

use crate::config::model::{CheckResult, CheckStatus};

/// A server's operational state as checks see it (HAProxy's `SRV_ST_*`, with STARTING folded
/// into `Running`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpState {
    /// Serving (`UP`).
    Running,
    /// Up but taking no new traffic (`NOLB`, after `disable-on-404`).
    Stopping,
    /// Down.
    Stopped,
}

/// The health counter of one check and the last status it reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckState {
    /// `rise` (at least 1).
    pub rise: u32,
    /// `fall` (at least 1).
    pub fall: u32,
    /// 0..=rise+fall-1; up from `rise`.
    pub health: u32,
    /// The status of the last finished check ([`CheckStatus::Ini`] before the first).
    pub status: CheckStatus,
}

/// What one check result does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The health counter or the status changed: with `option log-health-checks`, HAProxy
    /// logs this check ([`crate::check::event::health_check`]).
    pub report: bool,
    /// The operational state the server must take, if it changes.
    pub transition: Option<OpState>,
}

impl CheckState {
    /// A new check: the server starts running, barely (`health = rise`).
    pub fn new(rise: u32, fall: u32) -> Self {
        let rise = rise.max(1);
        CheckState {
            rise,
            fall: fall.max(1),
            health: rise,
            status: CheckStatus::Ini,
        }
    }

    /// The top of the counter: fully up.
    pub fn max(&self) -> u32 {
        self.rise.saturating_add(self.fall).saturating_sub(1)
    }

    /// True when the counter says up (`health >= rise`).
    pub fn is_up(&self) -> bool {
        self.health >= self.rise
    }

    /// Applies a finished check with `status` to the counter, the server being in `op`.
    /// While the server is in maintenance the caller ignores the transition (HAProxy does
    /// not change a server under maintenance) but still applies the counter.
    pub fn apply(&mut self, status: CheckStatus, op: OpState) -> Step {
        let prev = self.status;
        self.status = status;
        let result = status.result();
        let mut changed = false;
        match result {
            CheckResult::Failed if self.health > 0 => {
                changed = true;
                self.health -= 1;
                if self.health < self.rise {
                    self.health = 0;
                }
            }
            CheckResult::Passed | CheckResult::CondPass if self.health < self.max() => {
                changed = true;
                self.health += 1;
                if self.health >= self.rise {
                    self.health = self.max();
                }
            }
            _ => {}
        }
        let transition = match result {
            CheckResult::Failed if self.health == 0 && op != OpState::Stopped => {
                Some(OpState::Stopped)
            }
            CheckResult::CondPass if self.is_up() && op != OpState::Stopping => {
                Some(OpState::Stopping)
            }
            CheckResult::Passed if self.is_up() && op == OpState::Stopped => Some(OpState::Running),
            CheckResult::Passed if self.is_up() && op == OpState::Stopping => {
                Some(OpState::Running)
            }
            _ => None,
        };
        Step {
            report: changed || status != prev,
            transition,
        }
    }

    /// The delay before the next check (HAProxy's `srv_getinter()`): `inter` when fully up,
    /// `downinter` (or `inter`) when down for good, `fastinter` (or `inter`) in between.
    pub fn next_interval(
        &self,
        op: OpState,
        inter: Duration,
        fastinter: Option<Duration>,
        downinter: Option<Duration>,
    ) -> Duration {
        if self.health == self.max() {
            inter
        } else if op == OpState::Stopped && self.health == 0 {
            downinter.unwrap_or(inter)
        } else {
            fastinter.unwrap_or(inter)
        }
    }

    /// The `N/M STATE` part of HAProxy's health-check log line (`status: 2/3 UP`):
    /// `health - rise + 1` of `fall` when up, `health` of `rise` when down; `DRAIN` instead
    /// of `UP` for a server of weight 0.
    pub fn counts(&self, weight_zero: bool) -> (u32, u32, &'static str) {
        if self.is_up() {
            let state = if weight_zero { "DRAIN" } else { "UP" };
            (self.health - self.rise + 1, self.fall, state)
        } else {
            (self.health, self.rise, "DOWN")
        }
    }
}

/// HAProxy's `spread-checks`: the interval `inter` moved by a random amount within
/// `percent` % (0..=50), `random` being uniform in `0.0..=1.0` (drawn by the caller).
pub fn spread(inter: Duration, percent: u32, random: f64) -> Duration {
    if percent == 0 {
        return inter;
    }
    let ms = i64::try_from(inter.as_millis()).unwrap_or(i64::MAX);
    let rv = ms.saturating_mul(i64::from(percent.min(50))) / 100;
    #[allow(clippy::cast_possible_truncation)] // bounded by 2 * rv
    let shift = (2.0 * rv as f64 * random.clamp(0.0, 1.0)) as i64;
    let total = ms.saturating_add(rv).saturating_sub(shift);
    Duration::from_millis(u64::try_from(total).unwrap_or(0))
}

/// When the first check of the `pos`-th checked server of `count` starts (HAProxy's
/// `start_checks()`, servers counted over every backend in order): spread over `min_inter`,
/// the larger of the smallest interval of 1 s or more among all checked servers and this
/// server's own first interval ([`CheckState::next_interval`]); `max_spread`
/// (`max-spread-checks`) caps it.
pub fn first_check_delay(
    min_inter: Duration,
    pos: u32,
    count: u32,
    max_spread: Option<Duration>,
) -> Duration {
    if count == 0 {
        return Duration::ZERO;
    }
    let spread = match max_spread {
        Some(m) if !m.is_zero() && min_inter > m => m,
        _ => min_inter,
    };
    spread.saturating_mul(pos) / count
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckStatus::{L4Con, L7Ok, L7OkC, L7Sts};
    use OpState::{Running, Stopped, Stopping};

    /// Runs results from a fresh server (rise 2, fall 3), feeding back the transitions;
    /// returns the health after each result and the transitions.
    fn run(results: &[CheckStatus]) -> (Vec<u32>, Vec<Option<OpState>>) {
        let mut c = CheckState::new(2, 3);
        let mut op = Running;
        let mut healths = Vec::new();
        let mut transitions = Vec::new();
        for s in results {
            let step = c.apply(*s, op);
            if let Some(t) = step.transition {
                op = t;
            }
            healths.push(c.health);
            transitions.push(step.transition);
        }
        (healths, transitions)
    }

    #[test]
    fn a_new_server_is_barely_up_and_one_failure_marks_it_down() {
        let c = CheckState::new(2, 3);
        assert_eq!((c.health, c.is_up()), (2, true));
        assert_eq!(run(&[L4Con]), (vec![0], vec![Some(Stopped)]));
    }

    #[test]
    fn a_first_success_takes_the_server_fully_up_then_fall_failures_are_needed() {
        // As captured: 200, 503, 503, 200 stays UP; three failures in a row take it down.
        let (h, t) = run(&[L7Ok, L7Sts, L7Sts, L7Ok, L7Sts, L7Sts, L7Sts]);
        assert_eq!(h, [4, 3, 2, 4, 3, 2, 0]);
        assert_eq!(t, [None, None, None, None, None, None, Some(Stopped)]);
    }

    #[test]
    fn rise_successes_bring_a_down_server_up() {
        let (h, t) = run(&[L4Con, L7Ok, L4Con, L7Ok, L7Ok]);
        assert_eq!(h, [0, 1, 0, 1, 4]);
        assert_eq!(t, [Some(Stopped), None, None, None, Some(Running)]);
    }

    #[test]
    fn a_conditional_pass_sets_nolb_and_a_pass_clears_it() {
        let (h, t) = run(&[L7Ok, L7OkC, L7OkC, L7Ok]);
        assert_eq!(h, [4, 4, 4, 4]);
        assert_eq!(t, [None, Some(Stopping), None, Some(Running)]);
        // A server stopping that fails goes down.
        let mut c = CheckState::new(1, 1);
        assert_eq!(c.apply(L7Sts, Stopping).transition, Some(Stopped));
    }

    #[test]
    fn reports_follow_counter_and_status_changes() {
        let mut c = CheckState::new(2, 3);
        assert!(c.apply(L7Ok, Running).report);
        // Same status, counter at the top: nothing to log.
        assert!(!c.apply(L7Ok, Running).report);
        assert!(c.apply(L7Sts, Running).report);
        let mut d = CheckState::new(2, 3);
        d.apply(L4Con, Running);
        // Down and failing the same way: silent.
        assert!(!d.apply(L4Con, Stopped).report);
        assert!(d.apply(L7Sts, Stopped).report);
    }

    #[test]
    fn the_interval_depends_on_the_counter() {
        let ms = Duration::from_millis;
        let (i, f, d) = (ms(2000), Some(ms(500)), Some(ms(5000)));
        let mut c = CheckState::new(2, 3);
        // Barely up at start: transitional, fastinter.
        assert_eq!(c.next_interval(Running, i, f, d), ms(500));
        c.apply(L7Ok, Running);
        assert_eq!(c.next_interval(Running, i, f, d), ms(2000));
        c.apply(L7Sts, Running);
        assert_eq!(c.next_interval(Running, i, f, d), ms(500));
        let mut down = CheckState::new(2, 3);
        down.apply(L4Con, Running);
        assert_eq!(down.next_interval(Stopped, i, f, d), ms(5000));
        assert_eq!(down.next_interval(Stopped, i, None, None), ms(2000));
        down.apply(L7Ok, Stopped);
        assert_eq!(down.next_interval(Stopped, i, f, d), ms(500));
    }

    #[test]
    fn log_counts_read_like_haproxy() {
        let mut c = CheckState::new(2, 3);
        c.apply(L7Ok, Running);
        assert_eq!(c.counts(false), (3, 3, "UP"));
        c.apply(L7Sts, Running);
        assert_eq!(c.counts(false), (2, 3, "UP"));
        assert_eq!(c.counts(true), (2, 3, "DRAIN"));
        c.apply(L7Sts, Running);
        c.apply(L7Sts, Running);
        assert_eq!(c.counts(false), (0, 2, "DOWN"));
        c.apply(L7Ok, Stopped);
        assert_eq!(c.counts(false), (1, 2, "DOWN"));
    }

    #[test]
    fn spread_moves_the_interval_within_the_percentage() {
        let ms = Duration::from_millis;
        assert_eq!(spread(ms(1000), 0, 0.3), ms(1000));
        assert_eq!(spread(ms(1000), 10, 0.0), ms(1100));
        assert_eq!(spread(ms(1000), 10, 1.0), ms(900));
        assert_eq!(spread(ms(1000), 10, 0.5), ms(1000));
        assert_eq!(spread(ms(1000), 80, 1.0), ms(500));
    }

    #[test]
    fn first_checks_are_spread_over_the_smallest_interval() {
        let ms = Duration::from_millis;
        assert_eq!(first_check_delay(ms(2000), 0, 4, None), ms(0));
        assert_eq!(first_check_delay(ms(2000), 1, 4, None), ms(500));
        assert_eq!(first_check_delay(ms(2000), 3, 4, Some(ms(1000))), ms(750));
        assert_eq!(first_check_delay(ms(2000), 3, 0, None), ms(0));
    }
}
