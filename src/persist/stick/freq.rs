//! HAProxy's frequency counter over a period (`struct freq_ctr`, `update_freq_ctr_period()`,
//! `freq_ctr_total()` / `read_freq_ctr_period()` of 2.6), behind every `*_rate(PERIOD)` data
//! type of a stick table (configuration.txt 4.2 "stick-table", data types `conn_rate`,
//! `http_req_rate`, ...).
//!
//! Events are counted in the current period; when it is over, its count becomes the
//! previous period's. A read is a sliding estimate: the events of the current period plus
//! the previous period's weighted by the part of the period not yet elapsed,
//! `curr + prev * (period - elapsed) / period`, rounded down. Two quirks are kept: a
//! period is not aligned on a clock but starts with the first event after a quiet time,
//! and at very low rates (nothing yet in the current period and at most one event in the
//! previous one) the previous count is returned whole, to avoid flapping between 0 and 1.
//!
//! Pure: no clock (`now` is milliseconds from any fixed origin, given by the caller), no
//! I/O. Must not import anything outside `std`.

/// A frequency counter; all zero until the first event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FreqCtr {
    /// Start of the current period (`None` before the first event).
    tick: Option<u64>,
    /// Events in the current period.
    curr: u32,
    /// Events in the previous period.
    prev: u32,
}

impl FreqCtr {
    /// Counts `inc` events at `now` for a counter of `period` ms; returns the count of the
    /// current period (HAProxy's `update_freq_ctr_period()`).
    pub fn update(&mut self, now: u64, period: u64, inc: u32) -> u32 {
        match self.tick {
            // A `now` before the period's start (a late caller) counts in this period.
            Some(t) if now.saturating_sub(t) < period => {
                self.curr = self.curr.saturating_add(inc);
                self.curr
            }
            Some(t) => {
                self.prev = self.curr;
                self.curr = inc;
                let mut start = t.saturating_add(period);
                if now.saturating_sub(start) >= period {
                    // At least two periods were missed.
                    self.prev = 0;
                    start = now;
                }
                self.tick = Some(start);
                inc
            }
            None => {
                self.prev = 0;
                self.curr = inc;
                self.tick = Some(now);
                inc
            }
        }
    }

    /// The events per `period` at `now` (HAProxy's `read_freq_ctr_period()`). A period of
    /// 0 (accepted by `store http_req_rate(0)`) always reads 0.
    pub fn read(&self, now: u64, period: u64) -> u64 {
        let (Some(tick), true) = (self.tick, period > 0) else {
            return 0;
        };
        let (mut curr, mut past) = (u128::from(self.curr), u128::from(self.prev));
        let period = i128::from(period);
        let end = i128::from(tick) + period;
        // Never more than a whole period left, even for a `now` before the start.
        let mut remain = (end - i128::from(now)).min(period);
        if remain < 0 {
            // Past the current period: part of it may still count as the previous one.
            remain += period;
            past = if remain >= 0 { curr } else { 0 };
            curr = 0;
        }
        if curr == 0 && past <= 1 {
            return u64::try_from(past).unwrap_or(u64::MAX);
        }
        let remain = u128::try_from(remain.max(0)).unwrap_or(0);
        let period = u128::try_from(period).unwrap_or(1).max(1);
        let total = past * remain + curr * period;
        u64::try_from(total / period).unwrap_or(u64::MAX)
    }

    /// The count of the current period as stored (what `sc_inc_gpc0` returns when only
    /// `gpc0_rate` is stored).
    pub fn current(&self) -> u32 {
        self.curr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = 10_000;

    fn burst(f: &mut FreqCtr, start: u64, n: u32, spacing: u64) {
        for i in 0..u64::from(n) {
            f.update(start + i * spacing, P, 1);
        }
    }

    #[test]
    fn eleven_requests_in_one_second_read_eleven_over_ten_seconds() {
        let mut f = FreqCtr::default();
        burst(&mut f, 50_000, 11, 100);
        assert_eq!(f.read(51_000, P), 11);
        assert_eq!(f.read(59_999, P), 11);
    }

    #[test]
    fn a_finished_period_decays_linearly_over_the_next_one() {
        let mut f = FreqCtr::default();
        burst(&mut f, 50_000, 11, 100);
        // The period started at the first event (50 000) and ended at 60 000.
        assert_eq!(f.read(60_000, P), 11);
        assert_eq!(f.read(62_500, P), 8); // 11 * 7500 / 10000 = 8.25
        assert_eq!(f.read(65_000, P), 5); // 5.5
        assert_eq!(f.read(69_000, P), 1); // 1.1
        assert_eq!(f.read(70_000, P), 0);
        assert_eq!(f.read(1_000_000, P), 0);
    }

    #[test]
    fn events_of_the_next_period_add_to_the_weighted_previous_one() {
        let mut f = FreqCtr::default();
        burst(&mut f, 0, 11, 100);
        assert_eq!(f.update(12_000, P, 1), 1);
        // prev 11 weighted by (20 000 - 12 000) / 10 000, plus 1.
        assert_eq!(f.read(12_000, P), 9); // 8.8 + 1 = 9.8
        assert_eq!(f.update(13_000, P, 2), 3);
        assert_eq!(f.read(15_000, P), 8); // 11 * 0.5 + 3 = 8.5
    }

    #[test]
    fn two_missed_periods_forget_the_past_and_restart_the_period() {
        let mut f = FreqCtr::default();
        burst(&mut f, 0, 5, 10);
        f.update(25_000, P, 1);
        assert_eq!(f.read(25_000, P), 1);
        // The new period starts at 25 000, not at 20 000.
        assert_eq!(f.read(34_999, P), 1);
        f.update(34_999, P, 3);
        assert_eq!(f.read(34_999, P), 4);
    }

    #[test]
    fn a_single_past_event_does_not_flap_to_zero() {
        let mut f = FreqCtr::default();
        f.update(0, P, 1);
        assert_eq!(f.read(15_000, P), 1);
        assert_eq!(f.read(20_000, P), 1);
        assert_eq!(f.read(20_001, P), 0);
    }

    #[test]
    fn a_zero_period_and_late_callers_stay_sane() {
        let mut f = FreqCtr::default();
        f.update(100, 0, 1);
        assert_eq!(f.read(100, 0), 0);
        let mut g = FreqCtr::default();
        g.update(1_000, P, 1);
        g.update(900, P, 1);
        assert_eq!(g.read(900, P), 2);
        assert_eq!(g.current(), 2);
    }
}
