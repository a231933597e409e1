//! Starts the health checks of every backend and links `track`ing servers to the servers
//! they track (HAProxy's `start_checks()` and `srv_apply_track()`).
//!
//! configuration.txt 5.2 "check", "track", "addr", "port", "check-send-proxy",
//! "inter"; 4.2 "timeout check"; 3.1 "spread-checks". The plan, the probes and the
//! scheduler live in the `check` room; this file spawns them per server, warns about the
//! servers it cannot check (unix sockets, TLS checks) and runs the `slowstart` warm-up.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::check::scheduler::{self, Setup};
use crate::config::model::Config;
use crate::log::{self, Level};

use super::backend::Backend;

/// `node` for `http-check send-state`: the global `node`, else the host name.
fn node_name(config: &Config) -> String {
    config.global.node.clone().unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default()
    })
}

/// Links trackers, then spawns one check task per checked server and one `slowstart`
/// warm-up task per backend that needs it. Warns about the servers it cannot check.
pub fn start(config: &Config, backends: &HashMap<String, Arc<Backend>>) -> Vec<JoinHandle<()>> {
    for p in config.proxies.iter().filter(|p| p.cap.backend) {
        let Some(be) = backends.get(&p.name) else {
            continue;
        };
        for s in be.servers() {
            let Some((tb, ts)) = &s.track else { continue };
            if let Some(t) = backends
                .get(tb)
                .and_then(|b| b.farm.find(ts).map(|x| (b, x.id)))
            {
                t.0.farm.add_tracker(t.1, &be.farm, s.id);
            }
        }
    }
    let mut tasks = Vec::new();
    for be in backends.values() {
        // `slowstart`: warming servers are moved along every max(1s, slowstart/20).
        let Some(ss) = be.servers().iter().filter_map(|s| s.slowstart).min() else {
            continue;
        };
        let tick = (ss / 20).max(Duration::from_secs(1));
        let farm = Arc::clone(&be.farm);
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                farm.warm_up();
            }
        }));
    }
    let mut planned = Vec::new();
    for p in config.proxies.iter() {
        let (Some(be), Ok(Some(plan))) = (backends.get(&p.name), crate::check::plan(p)) else {
            continue;
        };
        let probe = Arc::new(plan.probe);
        for i in &plan.unreachable {
            if let Some(s) = p.servers.get(*i) {
                log::event(
                    Level::Warning,
                    &format!(
                        "Health checks of server {}/{} are not run: its address is not an IP address and port.",
                        p.name, s.name
                    ),
                );
            }
        }
        for sp in plan.servers {
            let Some(s) = be.servers().get(sp.server) else {
                continue;
            };
            if s.track.is_some() {
                continue;
            }
            if sp.target.tls {
                log::event(
                    Level::Warning,
                    &format!(
                        "Health checks of server {}/{} are not run: TLS checks (check-ssl) are not supported yet.",
                        p.name, s.name
                    ),
                );
                continue;
            }
            planned.push((
                Arc::clone(&be.farm),
                Arc::clone(s),
                Arc::clone(&probe),
                sp,
                plan.log_health_checks,
            ));
        }
    }
    // Spread the first checks of all servers over the smallest interval.
    let min_inter = planned
        .iter()
        .map(|(_, _, _, sp, _)| sp.inter)
        .min()
        .unwrap_or(Duration::from_secs(2));
    let n = u32::try_from(planned.len()).unwrap_or(u32::MAX).max(1);
    let spread = config.global.spread_checks.unwrap_or(0);
    let node = node_name(config);
    let checks = planned
        .into_iter()
        .enumerate()
        .map(|(i, (farm, s, probe, plan, log_checks))| {
            let setup = Setup {
                probe,
                plan,
                log_checks,
                spread,
                first: min_inter * u32::try_from(i).unwrap_or(0) / n,
                node: node.clone(),
            };
            scheduler::spawn(farm, s, setup)
        });
    tasks.extend(checks);
    tasks
}
