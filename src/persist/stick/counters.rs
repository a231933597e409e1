//! What happens to a stick-table entry while streams track it, and what the counter fetches
//! read (configuration.txt 4.2 "http-request track-sc0", 7.3.3 `sc_*`, `src_*`, `table_*`),
//! after HAProxy 2.6's `stream_start_counters()`, `session_store_counters()`,
//! `stkctr_inc_http_req_ctr()` and friends, and the `smp_fetch_sc_*()` functions.
//!
//! Every update changes only the data types the table stores, and touches the entry (pushes
//! its expiry) only when it changed something, as HAProxy does. Counters saturate instead
//! of wrapping. Pure: `now` is given in milliseconds. Imports only `config::model` and this
//! folder.

use super::key::Key;
use super::table::{rate_index, Entry, Table};
use super::StickError;
use crate::config::model::{CounterData, CounterOf, DataType, IntMatch};

/// Which counter and rate an event bumps.
#[derive(Clone, Copy)]
struct Event {
    cnt: Option<DataType>,
    rate: DataType,
}

impl Table {
    /// Adds `inc` to the counter and rate of `ev` on an existing entry; touches it when the
    /// table stores either. False when there is no such entry.
    fn bump(&mut self, key: &Key, ev: Event, inc: u64, now: u64) -> bool {
        let (has_cnt, has_rate) = (ev.cnt.is_some_and(|c| self.stores(c)), self.stores(ev.rate));
        let period = self.period(ev.rate);
        let Some(e) = self.live_mut(key, now) else {
            return false;
        };
        if has_cnt {
            if let Some(c) = ev.cnt {
                add(e, c, inc);
            }
        }
        if has_rate {
            if let Some(f) = rate_index(ev.rate).and_then(|i| e.rates.get_mut(i)) {
                f.update(now, period, u32::try_from(inc).unwrap_or(u32::MAX));
            }
        }
        if has_cnt || has_rate {
            self.touch(key, now);
        }
        true
    }

    /// A stream starts tracking `key` (`track-sc*`): the entry is created if needed and
    /// referenced, `conn_cur`, `conn_cnt` and `conn_rate` count one more connection, and
    /// the entry is touched (HAProxy's `stream_track_stkctr()`). Pair with [`Table::untrack`].
    pub fn track(&mut self, key: &Key, now: u64) -> Result<(), StickError> {
        self.get_or_create(key, now)?;
        self.acquire(key);
        let cur = self.stores(DataType::ConnCur);
        let ev = Event {
            cnt: Some(DataType::ConnCnt),
            rate: DataType::ConnRate,
        };
        if let Some(e) = self.live_mut(key, now) {
            if cur {
                add(e, DataType::ConnCur, 1);
            }
        }
        self.bump(key, ev, 1, now);
        self.touch(key, now);
        Ok(())
    }

    /// A tracking stream ends: `conn_cur` counts one less (and the entry is touched when it
    /// is stored), the reference is dropped, and an expired entry goes away (HAProxy's
    /// `session_store_counters()`).
    pub fn untrack(&mut self, key: &Key, now: u64) {
        if self.stores(DataType::ConnCur) {
            if let Some(e) = self.live_mut(key, now) {
                e.conn_cur = e.conn_cur.saturating_sub(1);
                self.touch(key, now);
            }
        }
        self.release(key, now);
    }

    /// One more HTTP request on a tracked entry (`http_req_cnt`, `http_req_rate`).
    pub fn inc_http_req(&mut self, key: &Key, now: u64) -> bool {
        let ev = Event {
            cnt: Some(DataType::HttpReqCnt),
            rate: DataType::HttpReqRate,
        };
        self.bump(key, ev, 1, now)
    }

    /// One more HTTP error caused by the client (`http_err_cnt`, `http_err_rate`).
    pub fn inc_http_err(&mut self, key: &Key, now: u64) -> bool {
        let ev = Event {
            cnt: Some(DataType::HttpErrCnt),
            rate: DataType::HttpErrRate,
        };
        self.bump(key, ev, 1, now)
    }

    /// One more server failure (`http_fail_cnt`, `http_fail_rate`).
    pub fn inc_http_fail(&mut self, key: &Key, now: u64) -> bool {
        let ev = Event {
            cnt: Some(DataType::HttpFailCnt),
            rate: DataType::HttpFailRate,
        };
        self.bump(key, ev, 1, now)
    }

    /// One more accepted session (`sess_cnt`, `sess_rate`).
    pub fn inc_sess(&mut self, key: &Key, now: u64) -> bool {
        let ev = Event {
            cnt: Some(DataType::SessCnt),
            rate: DataType::SessRate,
        };
        self.bump(key, ev, 1, now)
    }

    /// `n` more bytes from the client (`bytes_in_cnt`, `bytes_in_rate`).
    pub fn add_bytes_in(&mut self, key: &Key, n: u64, now: u64) -> bool {
        let ev = Event {
            cnt: Some(DataType::BytesInCnt),
            rate: DataType::BytesInRate,
        };
        self.bump(key, ev, n, now)
    }

    /// `n` more bytes to the client (`bytes_out_cnt`, `bytes_out_rate`).
    pub fn add_bytes_out(&mut self, key: &Key, n: u64, now: u64) -> bool {
        let ev = Event {
            cnt: Some(DataType::BytesOutCnt),
            rate: DataType::BytesOutRate,
        };
        self.bump(key, ev, n, now)
    }

    /// `sc_inc_gpc0` / `sc_inc_gpc1` (`which` 0 or 1) on an existing entry, or `src_inc_*`
    /// with `create` (the entry is created for the client). Updates the rate then the
    /// counter; returns the counter, else the rate's current count, else 0. `None` when
    /// there is no entry (and `create` is false) or it cannot be created.
    pub fn inc_gpc(&mut self, key: &Key, which: u8, create: bool, now: u64) -> Option<i64> {
        let (cnt, rate) = gpc(which);
        if create {
            self.get_or_create(key, now).ok()?;
        }
        let (has_cnt, has_rate) = (self.stores(cnt), self.stores(rate));
        let period = self.period(rate);
        let e = self.live_mut(key, now)?;
        let mut v = 0;
        if has_rate {
            if let Some(f) = rate_index(rate).and_then(|i| e.rates.get_mut(i)) {
                f.update(now, period, 1);
                v = i64::from(f.current());
            }
        }
        if has_cnt {
            add(e, cnt, 1);
            v = value(e, cnt).unwrap_or(0);
        }
        if has_cnt || has_rate {
            self.touch(key, now);
        }
        Some(v)
    }

    /// `sc_clr_gpc0` / `sc_clr_gpc1`, or `src_clr_*` with `create`: sets the counter to 0
    /// and returns its previous value (0 when not stored).
    pub fn clr_gpc(&mut self, key: &Key, which: u8, create: bool, now: u64) -> Option<i64> {
        let (cnt, _) = gpc(which);
        if create {
            self.get_or_create(key, now).ok()?;
        }
        let stored = self.stores(cnt);
        let e = self.live_mut(key, now)?;
        if !stored {
            return Some(0);
        }
        let before = value(e, cnt).unwrap_or(0);
        set(e, cnt, 0);
        self.touch(key, now);
        Some(before)
    }

    /// `sc-set-gpt0(N) VALUE` on an existing entry: stores `v` in `gpt0` when the table
    /// stores it (negative values are stored as 0, values above u32 saturate).
    pub fn set_gpt0(&mut self, key: &Key, v: i64, now: u64) -> bool {
        if !self.stores(DataType::Gpt0) {
            return false;
        }
        let Some(e) = self.live_mut(key, now) else {
            return false;
        };
        set(
            e,
            DataType::Gpt0,
            u32::try_from(v.max(0)).unwrap_or(u32::MAX),
        );
        self.touch(key, now);
        true
    }

    /// `src_updt_conn_cnt`: creates the client's entry if needed, counts one connection in
    /// `conn_cnt` and returns it (0 when not stored).
    pub fn updt_conn_cnt(&mut self, key: &Key, now: u64) -> Option<i64> {
        self.get_or_create(key, now).ok()?;
        if !self.stores(DataType::ConnCnt) {
            return Some(0);
        }
        let e = self.live_mut(key, now)?;
        add(e, DataType::ConnCnt, 1);
        let v = value(e, DataType::ConnCnt);
        self.touch(key, now);
        v
    }

    /// The value a read-only counter fetch returns for `key` (`sc*_DATA` on the tracked
    /// entry, or `src_DATA` with `of` = [`CounterOf::Src`]). `None` is "no sample" (the ACL
    /// does not match): the data type is not stored, or, for `sc*`, there is no entry.
    /// For `src_*`, a client without an entry reads 0. The fetches that write
    /// (`inc_*`, `clr_*`, `updt_conn_cnt`) and `tracked` are not read here.
    pub fn read(&self, key: &Key, of: CounterOf, data: CounterData, now: u64) -> Option<i64> {
        let Some(e) = self.lookup(key, now) else {
            return match (of, data) {
                (CounterOf::Src, d) if d == CounterData::Trackers || read_type(d).is_some() => {
                    Some(0)
                }
                _ => None,
            };
        };
        if data == CounterData::Trackers {
            return Some(i64::from(e.refs));
        }
        let stored_as = read_type(data)?;
        if !self.stores(stored_as) {
            return None;
        }
        match data {
            CounterData::KbytesIn => Some(i64::try_from(e.bytes_in >> 10).unwrap_or(i64::MAX)),
            CounterData::KbytesOut => Some(i64::try_from(e.bytes_out >> 10).unwrap_or(i64::MAX)),
            _ if rate_index(stored_as).is_some() => {
                let f = rate_index(stored_as).and_then(|i| e.rates.get(i))?;
                Some(i64::try_from(f.read(now, self.period(stored_as))).unwrap_or(i64::MAX))
            }
            _ => value(e, stored_as),
        }
    }

    /// The value of any stored data type of `key` at `now` (rates read over their period),
    /// for tests and the CLI's `show table`; `None` if absent or not stored.
    pub fn data(&self, key: &Key, d: DataType, now: u64) -> Option<i64> {
        let e = self.lookup(key, now)?;
        if !self.stores(d) {
            return None;
        }
        match rate_index(d) {
            Some(i) => {
                let f = e.rates.get(i)?;
                Some(i64::try_from(f.read(now, self.period(d))).unwrap_or(i64::MAX))
            }
            None => value(e, d),
        }
    }
}

/// The data type a read-only fetch reads (`None` for `trackers`, which reads the reference
/// count, and for the fetches that write or do not read the entry).
fn read_type(d: CounterData) -> Option<DataType> {
    Some(match d {
        CounterData::ConnCnt => DataType::ConnCnt,
        CounterData::ConnCur => DataType::ConnCur,
        CounterData::ConnRate => DataType::ConnRate,
        CounterData::SessCnt => DataType::SessCnt,
        CounterData::SessRate => DataType::SessRate,
        CounterData::HttpReqCnt => DataType::HttpReqCnt,
        CounterData::HttpReqRate => DataType::HttpReqRate,
        CounterData::HttpErrCnt => DataType::HttpErrCnt,
        CounterData::HttpErrRate => DataType::HttpErrRate,
        CounterData::HttpFailCnt => DataType::HttpFailCnt,
        CounterData::HttpFailRate => DataType::HttpFailRate,
        CounterData::BytesInRate => DataType::BytesInRate,
        CounterData::BytesOutRate => DataType::BytesOutRate,
        CounterData::KbytesIn => DataType::BytesInCnt,
        CounterData::KbytesOut => DataType::BytesOutCnt,
        CounterData::GetGpt0 => DataType::Gpt0,
        CounterData::GetGpc0 => DataType::Gpc0,
        CounterData::GetGpc1 => DataType::Gpc1,
        CounterData::Gpc0Rate => DataType::Gpc0Rate,
        CounterData::Gpc1Rate => DataType::Gpc1Rate,
        CounterData::Trackers
        | CounterData::IncGpc0
        | CounterData::IncGpc1
        | CounterData::ClrGpc0
        | CounterData::ClrGpc1
        | CounterData::UpdtConnCnt
        | CounterData::Tracked => return None,
    })
}

/// The counter and rate of `gpc0` (0) or `gpc1` (anything else).
fn gpc(which: u8) -> (DataType, DataType) {
    if which == 0 {
        (DataType::Gpc0, DataType::Gpc0Rate)
    } else {
        (DataType::Gpc1, DataType::Gpc1Rate)
    }
}

/// A plain counter's value.
fn value(e: &Entry, d: DataType) -> Option<i64> {
    let v = match d {
        DataType::ServerId => return Some(i64::from(e.server_id)),
        DataType::Gpt0 => e.gpt0,
        DataType::Gpc0 => e.gpc0,
        DataType::Gpc1 => e.gpc1,
        DataType::ConnCnt => e.conn_cnt,
        DataType::ConnCur => e.conn_cur,
        DataType::SessCnt => e.sess_cnt,
        DataType::HttpReqCnt => e.http_req_cnt,
        DataType::HttpErrCnt => e.http_err_cnt,
        DataType::HttpFailCnt => e.http_fail_cnt,
        DataType::BytesInCnt => return Some(i64::try_from(e.bytes_in).unwrap_or(i64::MAX)),
        DataType::BytesOutCnt => return Some(i64::try_from(e.bytes_out).unwrap_or(i64::MAX)),
        _ => return None,
    };
    Some(i64::from(v))
}

/// The field of a plain counter.
fn field(e: &mut Entry, d: DataType) -> Option<&mut u32> {
    Some(match d {
        DataType::Gpt0 => &mut e.gpt0,
        DataType::Gpc0 => &mut e.gpc0,
        DataType::Gpc1 => &mut e.gpc1,
        DataType::ConnCnt => &mut e.conn_cnt,
        DataType::ConnCur => &mut e.conn_cur,
        DataType::SessCnt => &mut e.sess_cnt,
        DataType::HttpReqCnt => &mut e.http_req_cnt,
        DataType::HttpErrCnt => &mut e.http_err_cnt,
        DataType::HttpFailCnt => &mut e.http_fail_cnt,
        _ => return None,
    })
}

/// Adds to a counter, saturating.
fn add(e: &mut Entry, d: DataType, inc: u64) {
    match d {
        DataType::BytesInCnt => e.bytes_in = e.bytes_in.saturating_add(inc),
        DataType::BytesOutCnt => e.bytes_out = e.bytes_out.saturating_add(inc),
        _ => {
            if let Some(f) = field(e, d) {
                *f = f.saturating_add(u32::try_from(inc).unwrap_or(u32::MAX));
            }
        }
    }
}

/// Sets a 32-bit counter.
fn set(e: &mut Entry, d: DataType, v: u32) {
    if let Some(f) = field(e, d) {
        *f = v;
    }
}

/// True if the ACL matches the fetched sample (`None`: no sample, never matches).
pub fn int_match(m: &IntMatch, sample: Option<i64>) -> bool {
    let Some(v) = sample else {
        return false;
    };
    match m {
        IntMatch::Found => true,
        IntMatch::Bool => v != 0,
        IntMatch::Ranges(rs) => rs
            .iter()
            .any(|r| r.min.is_none_or(|lo| v >= lo) && r.max.is_none_or(|hi| v <= hi)),
    }
}
