//! Stick tables at run time (configuration.txt 4.2 "stick-table", "stick on", "stick match",
//! "stick store-request", "stick store-response", "http-request track-sc0", "tcp-request
//! connection track-sc0"; 7.3.3 the `sc_*`, `sc0_*`, `src_*`, `table_*` fetches): a pure
//! table of typed keys with HAProxy 2.6's data, expiry, eviction and frequency counters.
//!
//! - `freq.rs`: [`FreqCtr`], HAProxy's `freq_ctr` over a period;
//! - `key.rs`: [`Key`] and the sample-to-key conversions of `smp_to_stkey()`;
//! - `table.rs`: [`Table`]: entries, `size`/`nopurge` eviction, `expire`, references,
//!   `stick match`/`store` ([`Table::stuck_server`], [`Table::store_server`]);
//! - `counters.rs`: tracking events ([`Table::track`], [`Table::inc_http_req`], ...) and
//!   the counter fetches ([`Table::read`], [`eval_counter`], [`int_match`]).
//!
//! How the runtime drives it (one `Table` per `stick-table` line, named after its proxy,
//! each behind a mutex; `now` in milliseconds from any fixed origin):
//! - `track-scN KEY [table T]`: build the key with [`Table::key_from_ip`] (for `src`) or
//!   [`Table::key_from_bytes`] (headers, cookies, parameters, path); skip the rule when it
//!   gives `None`, or when slot N is already tracked; then [`Table::track`], remember
//!   `(T, key)` in slot N, and [`Table::untrack`] when the stream (HTTP rule) or session
//!   (`tcp-request connection|session`) ends. A `http-request track-sc*` also calls
//!   [`Table::inc_http_req`] at once; every later request of a session tracked by a
//!   `tcp-request` rule calls it for each tracked slot; 4xx responses and denied requests
//!   call [`Table::inc_http_err`], 5xx but 501/505 [`Table::inc_http_fail`].
//! - `stick match`/`on`: [`Table::stuck_server`] picks the server by `server_key`, then by
//!   `server_id`, if it is usable; `stick store-*`/`on`: [`Table::store_server`] once the
//!   server is known (at most one store per table and per direction, eight per stream).
//! - a counter ACL: look it up in `Proxy::stick.counter_acls`, evaluate its fetch with
//!   [`eval_counter`] on the right table and key, then [`int_match`].
//! - a timer calls [`Table::purge_expired`] at [`Table::next_expiry`].
//!
//! Pure: no clock, no I/O, no tokio, no locks. May import only `config::model`.

mod counters;
mod freq;
mod key;
mod table;

pub use counters::int_match;
pub use freq::FreqCtr;
pub use key::Key;
pub use table::{Entry, Stuck, Table};

use crate::config::model::{CounterData, CounterOf};

/// Why a table refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StickError {
    /// The table holds `size` entries and none could be removed (`nopurge`, or every
    /// entry is tracked): the new key is not stored, as in HAProxy.
    #[error("stick table full ({size} entries) and nothing can be purged")]
    Full {
        /// The table's `size`.
        size: u64,
    },
    /// The entry vanished between two steps of one operation (cannot happen with `&mut`
    /// access; reported rather than assumed).
    #[error("stick table entry missing")]
    Missing,
}

/// Evaluates a counter fetch (`sc*_DATA`, `src_DATA`) on `table` at `now`. `key` is the
/// entry the fetch is about: for [`CounterOf::Sc`], the key tracked in that slot (`None`
/// when the slot tracks nothing; with an alternate table, the same key looked up there);
/// for [`CounterOf::Src`], the client address as a key of `table` (`None` when it has
/// none). `None` is "no sample": the ACL does not match.
///
/// Writing fetches act as in HAProxy: `inc_gpc0/1` and `clr_gpc0/1` change an existing
/// entry (`src_*` creates it), `src_updt_conn_cnt` counts a connection.
pub fn eval_counter(
    table: &mut Table,
    of: CounterOf,
    data: CounterData,
    key: Option<&Key>,
    now: u64,
) -> Option<i64> {
    let create = of == CounterOf::Src;
    if data == CounterData::Tracked {
        return Some(i64::from(key.is_some()));
    }
    let key = key?;
    // A writing fetch whose entry is missing (or cannot be created) still yields 0.
    match data {
        CounterData::IncGpc0 => table.inc_gpc(key, 0, create, now).or(Some(0)),
        CounterData::IncGpc1 => table.inc_gpc(key, 1, create, now).or(Some(0)),
        CounterData::ClrGpc0 => table.clr_gpc(key, 0, create, now).or(Some(0)),
        CounterData::ClrGpc1 => table.clr_gpc(key, 1, create, now).or(Some(0)),
        CounterData::UpdtConnCnt => table.updt_conn_cnt(key, now).or(Some(0)),
        _ => table.read(key, of, data, now),
    }
}
