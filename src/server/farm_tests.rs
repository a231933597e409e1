//! Unit tests of [`super::Farm`]: slots, the two kinds of queue, state changes.

use super::*;
use crate::balance;
use crate::config::model::{Balance, HashType, ServerParams};
use crate::server::Target;
use std::time::Duration;
use tokio::time::timeout;

const T: Duration = Duration::from_secs(5);

fn params(maxconn: u32) -> ServerParams {
    ServerParams {
        maxconn,
        ..ServerParams::default()
    }
}

fn farm_with(ps: &[ServerParams], cfg: FarmConfig) -> Arc<Farm> {
    farm_algo(ps, cfg, &Balance::RoundRobin)
}

fn farm_algo(ps: &[ServerParams], cfg: FarmConfig, algo: &Balance) -> Arc<Farm> {
    let servers: Vec<Server> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Server::new(
                "be",
                i,
                &format!("s{}", i + 1),
                Target::Inet(([127, 0, 0, 1], 1).into()),
                p,
            )
        })
        .collect();
    let infos: Vec<_> = servers.iter().map(Server::balance_info).collect();
    let opts = balance::Options {
        all_backups: cfg.all_backups,
        hash_balance_factor: 0,
    };
    let b = balance::build_with(algo, HashType::default(), &infos, 0, opts);
    Arc::new(Farm::new("be", servers, b, cfg))
}

fn cfg() -> FarmConfig {
    FarmConfig {
        redispatch: false,
        persist: false,
        all_backups: false,
        fullconn: 0,
        queue_timeout: Duration::from_secs(5),
        fair_queue: true,
        kind: "backend",
        sticky_pick: false,
    }
}

fn farm(ps: &[ServerParams]) -> Arc<Farm> {
    farm_with(ps, cfg())
}

fn to(id: usize) -> Want<'static> {
    Want {
        key: Key::None,
        server: Some(ServerId(id)),
        avoid: None,
        force_persist: false,
    }
}

async fn pick(f: &Arc<Farm>) -> usize {
    f.acquire(Want::balanced(Key::None)).await.unwrap().id().0 + 1
}

async fn until(cond: impl Fn() -> bool) {
    timeout(T, async {
        while !cond() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_stream_for_a_full_server_waits_in_that_servers_queue() {
    let f = farm(&[params(1), params(1)]);
    let held = f.acquire(to(0)).await.unwrap();
    let f2 = Arc::clone(&f);
    let waiter = tokio::spawn(async move { f2.acquire(to(0)).await.map(|s| s.id()) });
    until(|| f.servers()[0].queued() == 1).await;
    // The other server is free, but the persistent stream does not go there.
    assert_eq!(f.queued(), 0);
    assert_eq!(f.served(), vec![1, 0]);
    drop(held);
    assert_eq!(timeout(T, waiter).await.unwrap().unwrap(), Ok(ServerId(0)));
    assert_eq!(f.servers()[0].queued(), 0);
}

#[tokio::test]
async fn maxqueue_refuses_what_the_server_queue_cannot_hold() {
    let mut p = params(1);
    p.maxqueue = 1;
    let f = farm(&[p]);
    let _held = f.acquire(to(0)).await.unwrap();
    let f2 = Arc::clone(&f);
    let _waiter = tokio::spawn(async move { f2.acquire(to(0)).await.map(|s| s.id()) });
    until(|| f.servers()[0].queued() == 1).await;
    assert_eq!(f.acquire(to(0)).await.unwrap_err(), AcquireError::QueueFull);
}

#[tokio::test]
async fn a_freed_slot_goes_to_the_oldest_waiter_of_either_queue() {
    let f = farm(&[params(1), params(1)]);
    let a = f.acquire(to(0)).await.unwrap();
    let _b = f.acquire(to(1)).await.unwrap();
    let (f2, f3) = (Arc::clone(&f), Arc::clone(&f));
    // First in the backend queue, then in s1's own queue.
    let balanced = tokio::spawn(async move { f2.acquire(Want::balanced(Key::None)).await });
    until(|| f.queued() == 1).await;
    let persistent = tokio::spawn(async move { f3.acquire(to(0)).await.map(|s| s.id()) });
    until(|| f.servers()[0].queued() == 1).await;
    drop(a);
    let got = timeout(T, balanced).await.unwrap().unwrap().unwrap();
    assert_eq!(got.id(), ServerId(0));
    assert!(!persistent.is_finished());
    assert_eq!(f.servers()[0].queued(), 1);
    drop(got);
    assert_eq!(
        timeout(T, persistent).await.unwrap().unwrap(),
        Ok(ServerId(0))
    );
}

#[tokio::test]
async fn a_server_going_down_redispatches_its_queue_under_option_redispatch() {
    let mut c = cfg();
    c.redispatch = true;
    let f = farm_with(&[params(1), params(0)], c);
    let _held = f.acquire(to(0)).await.unwrap();
    let f2 = Arc::clone(&f);
    let waiter = tokio::spawn(async move { f2.acquire(to(0)).await.map(|s| s.id()) });
    until(|| f.servers()[0].queued() == 1).await;
    let changes = f.set_op_state(ServerId(0), OpState::Stopped, None);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].xferred, 1);
    assert_eq!(changes[0].sessions, 1);
    assert_eq!((changes[0].active, changes[0].backups), (1, 0));
    assert_eq!(timeout(T, waiter).await.unwrap().unwrap(), Ok(ServerId(1)));
    assert_eq!(Counters::get(&f.counters.redispatches), 1);
}

#[tokio::test]
async fn without_redispatch_a_down_server_keeps_its_queue() {
    let f = farm(&[params(1), params(0)]);
    let held = f.acquire(to(0)).await.unwrap();
    let f2 = Arc::clone(&f);
    let waiter = tokio::spawn(async move { f2.acquire(to(0)).await.map(|s| s.id()) });
    until(|| f.servers()[0].queued() == 1).await;
    let changes = f.set_op_state(ServerId(0), OpState::Stopped, None);
    assert_eq!(changes[0].xferred, 0);
    assert_eq!(changes[0].queued, 1);
    drop(held);
    // HAProxy serves it anyway once the slot frees: the stream was assigned to s1.
    assert_eq!(timeout(T, waiter).await.unwrap().unwrap(), Ok(ServerId(0)));
}

#[tokio::test]
async fn backups_serve_only_when_every_active_server_is_down() {
    let mut b = params(0);
    b.backup = true;
    let f = farm(&[params(0), b.clone(), b]);
    assert_eq!(pick(&f).await, 1);
    let c = f.set_op_state(ServerId(0), OpState::Stopped, None);
    assert_eq!((c[0].active, c[0].backups), (0, 2));
    assert!(!c[0].backend_down);
    assert_eq!(pick(&f).await, 2);
    assert_eq!(pick(&f).await, 2);
    f.set_op_state(ServerId(1), OpState::Stopped, None);
    assert_eq!(pick(&f).await, 3);
    let c = f.set_op_state(ServerId(2), OpState::Stopped, None);
    assert!(c[0].backend_down);
    assert_eq!(
        f.acquire(Want::balanced(Key::None)).await.unwrap_err(),
        AcquireError::NoServer
    );
    let up = f.set_op_state(ServerId(0), OpState::Running, None);
    assert_eq!((up[0].active, up[0].backups), (1, 0));
    assert_eq!(pick(&f).await, 1);
}

#[tokio::test]
async fn allbackups_balances_over_every_backup() {
    let mut b = params(0);
    b.backup = true;
    let mut c = cfg();
    c.all_backups = true;
    let f = farm_with(&[params(0), b.clone(), b], c);
    f.set_op_state(ServerId(0), OpState::Stopped, None);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(pick(&f).await);
    }
    assert_eq!(got, [2, 3, 2, 3]);
}

#[tokio::test]
async fn weight_zero_and_maintenance_take_no_traffic() {
    let mut w0 = params(0);
    w0.weight = 0;
    let f = farm(&[w0, params(0)]);
    for _ in 0..3 {
        assert_eq!(pick(&f).await, 2);
    }
    f.set_admin(
        ServerId(1),
        Admin {
            maint: true,
            drain: false,
        },
    );
    assert_eq!(
        f.acquire(Want::balanced(Key::None)).await.unwrap_err(),
        AcquireError::NoServer
    );
    f.set_weight(ServerId(0), 1);
    assert_eq!(pick(&f).await, 1);
}

#[tokio::test]
async fn a_disabled_server_starts_in_maintenance() {
    let mut d = params(0);
    d.disabled = true;
    let f = farm(&[d, params(0)]);
    assert!(f.servers()[0].admin().maint);
    assert_eq!(pick(&f).await, 2);
    assert_eq!(pick(&f).await, 2);
}

#[tokio::test]
async fn a_server_coming_up_takes_the_backend_queue() {
    let f = farm(&[params(1), params(1)]);
    f.set_op_state(ServerId(1), OpState::Stopped, None);
    let _held = f.acquire(Want::balanced(Key::None)).await.unwrap();
    let f2 = Arc::clone(&f);
    let waiter =
        tokio::spawn(async move { f2.acquire(Want::balanced(Key::None)).await.map(|s| s.id()) });
    until(|| f.queued() == 1).await;
    let up = f.set_op_state(ServerId(1), OpState::Running, None);
    assert_eq!(up[0].xferred, 1);
    assert_eq!(timeout(T, waiter).await.unwrap().unwrap(), Ok(ServerId(1)));
}

#[tokio::test]
async fn a_queued_stream_gives_up_after_timeout_queue() {
    let mut c = cfg();
    c.queue_timeout = Duration::from_millis(30);
    let f = farm_with(&[params(1)], c);
    let _held = f.acquire(to(0)).await.unwrap();
    assert_eq!(
        f.acquire(Want::balanced(Key::None)).await.unwrap_err(),
        AcquireError::QueueTimeout
    );
    assert_eq!(f.queued(), 0);
    assert_eq!(f.served(), vec![1]);
}

#[tokio::test]
async fn tracking_servers_follow_the_tracked_one_and_say_via() {
    let a = farm(&[params(0)]);
    let b = farm(&[params(0)]);
    a.add_tracker(ServerId(0), &b, ServerId(0));
    let changes = a.set_op_state(ServerId(0), OpState::Stopped, None);
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].via, Some(("be".into(), "s1".into())));
    assert_eq!(b.servers()[0].op_state(), OpState::Stopped);
    a.set_op_state(ServerId(0), OpState::Running, None);
    assert_eq!(b.servers()[0].op_state(), OpState::Running);
}

#[tokio::test]
async fn slowstart_makes_a_returning_server_warm_up() {
    let mut p = params(10);
    p.slowstart = Some(Duration::from_secs(60));
    let f = farm(&[p]);
    f.set_op_state(ServerId(0), OpState::Stopped, None);
    let c = f.set_op_state(ServerId(0), OpState::Running, None);
    assert_eq!(c[0].to, OpState::Starting);
    // Just back: the limit is the minimum of 1.
    let _one = f.acquire(to(0)).await.unwrap();
    assert_eq!(f.servers()[0].served(), 1);
    assert!(f.warm_up());
}

#[tokio::test]
async fn counters_follow_slots() {
    let f = farm(&[params(0)]);
    let a = f.acquire(to(0)).await.unwrap();
    let b = f.acquire(to(0)).await.unwrap();
    let s = &f.servers()[0];
    assert_eq!(Counters::get(&s.counters.sessions), 2);
    drop(a);
    drop(b);
    assert_eq!(
        s.counters
            .max_sessions
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    assert_eq!(
        s.counters
            .cur_sessions
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn a_hashing_pick_waits_in_its_servers_queue_under_maxqueue() {
    let mut p = params(1);
    p.maxqueue = 1;
    let mut c = cfg();
    c.sticky_pick = true;
    let f = farm_algo(&[p.clone(), p], c, &Balance::Source);
    let src = Key::Source([10, 0, 0, 1].into());
    let held = f.acquire(Want::balanced(src)).await.unwrap();
    let mine = held.id();
    let f2 = Arc::clone(&f);
    // The other server is free, but the hash keeps the stream on its server.
    let waiter = tokio::spawn(async move {
        f2.acquire(Want::balanced(Key::Source([10, 0, 0, 1].into())))
            .await
            .map(|s| s.id())
    });
    until(|| f.servers()[mine.0].queued() == 1).await;
    assert_eq!(f.queued(), 0);
    assert_eq!(
        f.acquire(Want::balanced(src)).await.unwrap_err(),
        AcquireError::QueueFull
    );
    drop(held);
    assert_eq!(timeout(T, waiter).await.unwrap().unwrap(), Ok(mine));
}

#[tokio::test]
async fn the_balancer_skips_a_server_full_under_its_dynamic_limit() {
    // minconn 1 of maxconn 10 with fullconn 100: while the backend is nearly idle, s1
    // takes one stream at a time; the balancer passes it by instead of queueing.
    let mut p = params(10);
    p.minconn = 1;
    let mut c = cfg();
    c.fullconn = 100;
    let f = farm_with(&[p, params(0)], c);
    let held = f.acquire(Want::balanced(Key::None)).await.unwrap();
    assert_eq!(held.id(), ServerId(0));
    assert_eq!(pick(&f).await, 2);
    assert_eq!(pick(&f).await, 2);
    assert_eq!(f.queued(), 0);
    drop(held);
    assert_eq!(pick(&f).await, 1);
}
