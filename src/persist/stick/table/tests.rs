//! Exact counts, rates, expiry and eviction over simulated time (milliseconds).

use std::time::Duration;

use super::*;
use crate::config::model::Loc;
use crate::config::model::{
    CounterData, CounterOf, DataType, IntMatch, IntRange, KeyType, SrvKey, StickTable, Store,
};
use crate::persist::stick::{eval_counter, int_match};

fn spec(key: KeyType, size: u64, expire_ms: Option<u64>, store: &[(DataType, u64)]) -> StickTable {
    StickTable {
        loc: Loc::new("t", 1),
        key,
        size,
        expire: expire_ms.map(Duration::from_millis),
        nopurge: false,
        peers: None,
        srvkey: SrvKey::Name,
        store: store
            .iter()
            .map(|(data, p)| Store {
                data: *data,
                period: data.is_rate().then(|| Duration::from_millis(*p)),
            })
            .collect(),
    }
}

fn ip(s: &str) -> Key {
    Key::Ipv4(s.parse().unwrap())
}

const T0: u64 = 1_000_000;

#[test]
fn eleven_requests_in_one_second_read_eleven_then_decay() {
    let mut t = Table::new(&spec(
        KeyType::Ip,
        100,
        Some(30_000),
        &[(DataType::HttpReqRate, 10_000), (DataType::HttpReqCnt, 0)],
    ));
    let k = ip("10.0.0.1");
    for i in 0..11 {
        let now = T0 + i * 100;
        t.track(&k, now).unwrap();
        assert!(t.inc_http_req(&k, now));
        t.untrack(&k, now);
    }
    let rate = |t: &Table, now| t.read(&k, CounterOf::Sc(0), CounterData::HttpReqRate, now);
    assert_eq!(rate(&t, T0 + 1_000), Some(11));
    assert_eq!(
        t.read(&k, CounterOf::Sc(0), CounterData::HttpReqCnt, T0 + 1_000),
        Some(11)
    );
    // The period started with the first request; past it, 11 weighted by what is left.
    assert_eq!(rate(&t, T0 + 10_000), Some(11));
    assert_eq!(rate(&t, T0 + 15_000), Some(5));
    assert_eq!(rate(&t, T0 + 19_000), Some(1));
    assert_eq!(rate(&t, T0 + 20_000), Some(0));
}

#[test]
fn deny_if_rate_gt_10_matches_from_the_eleventh_request() {
    let mut t = Table::new(&spec(
        KeyType::Ip,
        100,
        Some(10_000),
        &[(DataType::HttpReqRate, 10_000)],
    ));
    let k = ip("127.0.0.1");
    let gt10 = IntMatch::Ranges(vec![IntRange {
        min: Some(11),
        max: None,
    }]);
    let verdicts: Vec<bool> = (0..12)
        .map(|i| {
            let now = T0 + i * 10;
            t.track(&k, now).unwrap();
            t.inc_http_req(&k, now);
            let v = eval_counter(
                &mut t,
                CounterOf::Sc(0),
                CounterData::HttpReqRate,
                Some(&k),
                now,
            );
            t.untrack(&k, now);
            int_match(&gt10, v)
        })
        .collect();
    assert_eq!(verdicts.iter().filter(|d| **d).count(), 2);
    assert!(!verdicts[9] && verdicts[10] && verdicts[11]);
}

#[test]
fn tracking_counts_connections_and_the_current_ones() {
    let mut t = Table::new(&spec(
        KeyType::Ip,
        10,
        Some(60_000),
        &[
            (DataType::ConnCnt, 0),
            (DataType::ConnCur, 0),
            (DataType::ConnRate, 1_000),
        ],
    ));
    let k = ip("10.0.0.2");
    t.track(&k, T0).unwrap();
    t.track(&k, T0 + 1).unwrap();
    let read = |t: &Table, d| t.read(&k, CounterOf::Sc(0), d, T0 + 2);
    assert_eq!(read(&t, CounterData::ConnCur), Some(2));
    assert_eq!(read(&t, CounterData::ConnCnt), Some(2));
    assert_eq!(read(&t, CounterData::ConnRate), Some(2));
    assert_eq!(read(&t, CounterData::Trackers), Some(2));
    t.untrack(&k, T0 + 3);
    t.untrack(&k, T0 + 4);
    assert_eq!(read(&t, CounterData::ConnCur), Some(0));
    assert_eq!(read(&t, CounterData::ConnCnt), Some(2));
    assert_eq!(read(&t, CounterData::Trackers), Some(0));
    // Not stored: no sample.
    assert_eq!(read(&t, CounterData::HttpReqRate), None);
}

#[test]
fn src_fetches_read_zero_for_an_unknown_client_and_sc_fetches_nothing() {
    let mut t = Table::new(&spec(KeyType::Ip, 10, None, &[(DataType::ConnCur, 0)]));
    let k = ip("10.9.9.9");
    assert_eq!(
        t.read(&k, CounterOf::Src, CounterData::ConnCur, T0),
        Some(0)
    );
    assert_eq!(t.read(&k, CounterOf::Sc(0), CounterData::ConnCur, T0), None);
    assert_eq!(
        eval_counter(&mut t, CounterOf::Sc(1), CounterData::ConnCur, None, T0),
        None
    );
    assert_eq!(
        eval_counter(&mut t, CounterOf::Sc(1), CounterData::Tracked, None, T0),
        Some(0)
    );
    // A src read does not create the entry.
    assert!(t.is_empty());
}

#[test]
fn gpc0_increments_and_clears_and_src_forms_create_the_entry() {
    let mut t = Table::new(&spec(
        KeyType::Ip,
        10,
        Some(60_000),
        &[(DataType::Gpc0, 0), (DataType::Gpc0Rate, 10_000)],
    ));
    let k = ip("10.0.0.3");
    assert_eq!(
        eval_counter(&mut t, CounterOf::Src, CounterData::IncGpc0, Some(&k), T0),
        Some(1)
    );
    assert_eq!(t.len(), 1);
    assert_eq!(
        eval_counter(
            &mut t,
            CounterOf::Sc(0),
            CounterData::IncGpc0,
            Some(&k),
            T0 + 1
        ),
        Some(2)
    );
    assert_eq!(
        t.read(&k, CounterOf::Sc(0), CounterData::Gpc0Rate, T0 + 2),
        Some(2)
    );
    assert_eq!(
        eval_counter(
            &mut t,
            CounterOf::Sc(0),
            CounterData::ClrGpc0,
            Some(&k),
            T0 + 3
        ),
        Some(2)
    );
    assert_eq!(
        t.read(&k, CounterOf::Sc(0), CounterData::GetGpc0, T0 + 4),
        Some(0)
    );
    // Only the rate stored: inc returns the current period's count.
    let mut r = Table::new(&spec(KeyType::Ip, 10, None, &[(DataType::Gpc1Rate, 1_000)]));
    assert_eq!(r.inc_gpc(&k, 1, true, T0), Some(1));
    assert_eq!(r.inc_gpc(&k, 1, true, T0 + 1), Some(2));
    assert_eq!(r.inc_gpc(&k, 0, true, T0 + 1), Some(0));
}

#[test]
fn entries_expire_after_their_last_touch_unless_tracked() {
    let mut t = Table::new(&spec(
        KeyType::Ip,
        10,
        Some(1_000),
        &[(DataType::HttpReqCnt, 0)],
    ));
    let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
    t.get_or_create(&a, T0).unwrap();
    t.get_or_create(&b, T0).unwrap();
    // A lookup does not touch; an update does.
    assert!(t.lookup(&a, T0 + 500).is_some());
    t.acquire(&b);
    t.inc_http_req(&b, T0 + 900);
    assert!(t.lookup(&a, T0 + 999).is_some());
    assert!(t.lookup(&a, T0 + 1_000).is_none());
    assert_eq!(t.next_expiry(), Some(T0 + 1_000));
    assert_eq!(t.purge_expired(T0 + 1_000), 1);
    // Tracked: never expires, even long after.
    assert!(t.lookup(&b, T0 + 50_000).is_some());
    assert_eq!(t.purge_expired(T0 + 50_000), 0);
    // Released after its expiry (T0 + 1900): gone at once.
    t.release(&b, T0 + 50_000);
    assert!(t.is_empty());
}

#[test]
fn a_released_entry_that_has_not_expired_stays_until_its_expiry() {
    let mut t = Table::new(&spec(
        KeyType::Ip,
        10,
        Some(1_000),
        &[(DataType::ConnCur, 0)],
    ));
    let k = ip("10.0.0.7");
    t.track(&k, T0).unwrap();
    t.untrack(&k, T0 + 500);
    // `conn_cur` is stored, so the untrack touched it: expiry T0 + 1500.
    assert_eq!(t.next_expiry(), Some(T0 + 1_500));
    assert!(t.lookup(&k, T0 + 1_499).is_some());
    assert!(t.lookup(&k, T0 + 1_500).is_none());
}

#[test]
fn a_full_table_evicts_the_soonest_expiring_entries() {
    // size 4: batch 4/256 + 1 = 1 entry per insertion.
    let mut t = Table::new(&spec(KeyType::Integer, 4, Some(10_000), &[]));
    for i in 0..4u32 {
        t.get_or_create(&Key::Integer(i), T0 + u64::from(i))
            .unwrap();
    }
    // Touch 0: 1 becomes the oldest.
    t.touch(&Key::Integer(0), T0 + 10);
    t.get_or_create(&Key::Integer(9), T0 + 11).unwrap();
    assert_eq!(t.len(), 4);
    assert!(t.lookup(&Key::Integer(1), T0 + 11).is_none());
    assert!(t.lookup(&Key::Integer(0), T0 + 11).is_some());
    assert_eq!(t.available(), 0);
}

#[test]
fn eviction_batches_are_size_over_256_plus_one() {
    let mut t = Table::new(&spec(KeyType::Integer, 512, None, &[]));
    for i in 0..512u32 {
        t.get_or_create(&Key::Integer(i), T0 + u64::from(i))
            .unwrap();
    }
    t.get_or_create(&Key::Integer(1_000), T0 + 600).unwrap();
    // Three oldest removed (512 / 256 + 1), then the new one added.
    assert_eq!(t.len(), 510);
    assert!((0..3).all(|i| t.lookup(&Key::Integer(i), T0 + 600).is_none()));
    assert!(t.lookup(&Key::Integer(3), T0 + 600).is_some());
}

#[test]
fn nopurge_and_fully_tracked_tables_refuse_new_keys() {
    let mut s = spec(KeyType::Ip, 2, None, &[]);
    s.nopurge = true;
    let mut t = Table::new(&s);
    t.get_or_create(&ip("10.0.0.1"), T0).unwrap();
    t.get_or_create(&ip("10.0.0.2"), T0).unwrap();
    assert_eq!(
        t.get_or_create(&ip("10.0.0.3"), T0).err(),
        Some(StickError::Full { size: 2 })
    );
    // An existing key is still found.
    assert!(t.get_or_create(&ip("10.0.0.1"), T0).is_ok());
    let mut u = Table::new(&spec(KeyType::Ip, 1, None, &[]));
    u.track(&ip("10.0.0.1"), T0).unwrap();
    assert!(u.track(&ip("10.0.0.2"), T0).is_err());
    u.untrack(&ip("10.0.0.1"), T0);
    assert!(u.track(&ip("10.0.0.2"), T0).is_ok());
    assert!(u.lookup(&ip("10.0.0.1"), T0).is_none());
}

#[test]
fn stick_store_then_match_returns_the_server_and_touches() {
    let mut t = Table::new(&spec(
        KeyType::String { len: 8 },
        10,
        Some(1_000),
        &[(DataType::ServerId, 0), (DataType::ServerKey, 0)],
    ));
    let k = t.key_from_bytes(b"session-12345").unwrap();
    assert_eq!(k, Key::String(b"session-".to_vec().into()));
    assert_eq!(t.stuck_server(&k, T0), None);
    t.store_server(&k, 2, "s2", T0).unwrap();
    // Another value with the same first 8 bytes is the same key.
    let same = t.key_from_bytes(b"session-99").unwrap();
    assert_eq!(
        t.stuck_server(&same, T0 + 900),
        Some(Stuck {
            key: Some("s2".into()),
            id: Some(2)
        })
    );
    // The match touched it: still there 1900 ms after the store.
    assert!(t.lookup(&k, T0 + 1_899).is_some());
    assert!(t.lookup(&k, T0 + 1_900).is_none());
}

#[test]
fn bytes_and_kbytes_and_errors_are_counted() {
    let mut t = Table::new(&spec(
        KeyType::Ipv6,
        10,
        None,
        &[
            (DataType::BytesInCnt, 0),
            (DataType::BytesOutRate, 1_000),
            (DataType::HttpErrCnt, 0),
            (DataType::HttpFailRate, 1_000),
            (DataType::SessCnt, 0),
        ],
    ));
    let k = t.key_from_ip("10.0.0.1".parse().unwrap()).unwrap();
    assert_eq!(k, Key::Ipv6("::ffff:10.0.0.1".parse().unwrap()));
    t.get_or_create(&k, T0).unwrap();
    t.add_bytes_in(&k, 3_000, T0);
    t.add_bytes_out(&k, 5_000, T0);
    t.inc_http_err(&k, T0);
    t.inc_http_fail(&k, T0);
    t.inc_sess(&k, T0);
    let read = |d| t.read(&k, CounterOf::Sc(0), d, T0 + 1);
    assert_eq!(read(CounterData::KbytesIn), Some(2));
    assert_eq!(read(CounterData::BytesOutRate), Some(5_000));
    assert_eq!(read(CounterData::HttpErrCnt), Some(1));
    assert_eq!(read(CounterData::HttpFailRate), Some(1));
    assert_eq!(read(CounterData::SessCnt), Some(1));
    assert_eq!(read(CounterData::KbytesOut), None);
    assert_eq!(t.data(&k, DataType::BytesInCnt, T0), Some(3_000));
}

#[test]
fn int_matching_follows_the_typed_acl() {
    let r = |min, max| IntRange { min, max };
    let m = IntMatch::Ranges(vec![r(Some(1), Some(5)), r(Some(10), None)]);
    assert!(int_match(&m, Some(3)) && int_match(&m, Some(10)));
    assert!(!int_match(&m, Some(7)) && !int_match(&m, None));
    assert!(int_match(&IntMatch::Found, Some(0)));
    assert!(!int_match(&IntMatch::Bool, Some(0)) && int_match(&IntMatch::Bool, Some(2)));
    assert!(!int_match(&IntMatch::Ranges(vec![]), Some(0)));
}

#[test]
fn a_table_built_from_the_config_follows_its_declaration() {
    let text =
        "backend b\n stick-table type string len 4 size 2 expire 1s store http_req_rate(2s)\n";
    let l = crate::config::load_texts(&[("t.cfg", text)], &|_| None).unwrap();
    let spec = l.config.backend("b").unwrap().stick.table.clone().unwrap();
    let mut t = Table::new(&spec);
    let k = t.key_from_bytes(b"abcdef").unwrap();
    t.get_or_create(&k, 0).unwrap();
    t.inc_http_req(&k, 0);
    t.inc_http_req(&k, 1);
    assert_eq!(t.data(&k, DataType::HttpReqRate, 2), Some(2));
    assert_eq!(t.size(), 2);
    assert!(t.lookup(&k, 1_001).is_none());
}
