//! Starts the health checks of every backend and links `track`ing servers to the servers
//! they track (HAProxy's `start_checks()` and `srv_apply_track()`).
//!
//! configuration.txt 5.2 "check", "track", "addr", "port", "check-send-proxy",
//! "inter"; 4.2 "timeout check"; 3.1 "spread-checks". The probes and the scheduler live in
//! the `check` room; this file only chooses them per server and spawns them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::check::scheduler::{self, Probe, Timing};
use crate::check::tcp::Connect;
use crate::config::model::{Config, Proxy};
use crate::log::{self, Level};
use crate::server::{Server, Target};

use super::backend::Backend;

/// The address a check connects to: `addr` and `port` when set, else the server's.
fn check_addr(p: &crate::config::model::ServerParams, s: &Server) -> Option<SocketAddr> {
    let mut a = match &s.target {
        Target::Inet(a) => *a,
        Target::Unix(_) => return None,
    };
    if let Some(host) = &p.check_addr {
        let host = host.trim_start_matches('[');
        let (h, port) = match host.rsplit_once(']') {
            Some((h, rest)) => (h, rest.trim_start_matches(':')),
            None => match host.rsplit_once(':') {
                Some((h, port)) if !h.contains(':') => (h, port),
                _ => (host, ""),
            },
        };
        if let Ok(ip) = h.parse() {
            a.set_ip(ip);
        }
        if let Ok(port) = port.parse::<u16>() {
            a.set_port(port);
        }
    }
    if let Some(port) = p.check_port {
        a.set_port(port);
    }
    (a.port() != 0).then_some(a)
}

/// The timeout of a check: min(`timeout connect`, `inter`) when `timeout check` is set,
/// else `inter` (configuration.txt 4.2 "timeout check").
fn check_timeout(p: &Proxy, inter: Duration) -> Duration {
    match (p.timeouts.check, p.timeouts.connect) {
        (Some(_), Some(c)) => c.min(inter),
        _ => inter,
    }
}

/// Links trackers, then spawns one check task per checked server and one `slowstart`
/// warm-up task per backend that needs it.
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
    for p in config
        .proxies
        .iter()
        .filter(|p| p.cap.backend && !p.disabled)
    {
        let Some(be) = backends.get(&p.name) else {
            continue;
        };
        let mut warned = false;
        for (cfg, s) in p.servers.iter().zip(be.servers()) {
            if !cfg.params.check || s.track.is_some() {
                continue;
            }
            if p.httpchk.is_some() && !warned {
                warned = true;
                log::event(
                    Level::Warning,
                    &format!(
                        "backend '{}' : HTTP checks (option httpchk / http-check) are not active yet; its servers get TCP connect checks.",
                        p.name
                    ),
                );
            }
            let Some(addr) = check_addr(&cfg.params, s) else {
                continue;
            };
            planned.push((p, cfg, Arc::clone(&be.farm), Arc::clone(s), addr));
        }
    }
    // Spread the first checks of all servers over the smallest interval.
    let min_inter = planned
        .iter()
        .map(|(_, c, ..)| c.params.inter)
        .min()
        .unwrap_or(Duration::from_secs(2));
    let n = u32::try_from(planned.len()).unwrap_or(u32::MAX).max(1);
    let spread = config.global.spread_checks.unwrap_or(0);
    let checks = planned
        .into_iter()
        .enumerate()
        .map(|(i, (p, cfg, farm, s, addr))| {
            let inter = cfg.params.inter;
            let probe: Arc<dyn Probe> = Arc::new(Connect {
                addr,
                timeout: check_timeout(p, inter),
                send_proxy: cfg.params.check_send_proxy,
            });
            let t = Timing {
                inter,
                fastinter: cfg.params.fastinter.unwrap_or(inter),
                downinter: cfg.params.downinter.unwrap_or(inter),
                rise: cfg.params.rise,
                fall: cfg.params.fall,
                spread,
                first: min_inter * u32::try_from(i).unwrap_or(0) / n,
                log_checks: p.options.log_health_checks,
            };
            scheduler::spawn(farm, s, probe, t)
        });
    tasks.extend(checks);
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::ServerParams;

    fn server(addr: &str) -> Server {
        Server::new(
            "be",
            0,
            "s1",
            Target::Inet(addr.parse().unwrap()),
            &ServerParams::default(),
        )
    }

    #[test]
    fn checks_go_to_addr_and_port_when_set() {
        let s = server("127.0.0.1:80");
        let mut p = ServerParams::default();
        assert_eq!(check_addr(&p, &s), Some("127.0.0.1:80".parse().unwrap()));
        p.check_port = Some(8080);
        assert_eq!(check_addr(&p, &s), Some("127.0.0.1:8080".parse().unwrap()));
        p.check_addr = Some("127.0.0.2".into());
        assert_eq!(check_addr(&p, &s), Some("127.0.0.2:8080".parse().unwrap()));
        p.check_port = None;
        p.check_addr = Some("127.0.0.3:9".into());
        assert_eq!(check_addr(&p, &s), Some("127.0.0.3:9".parse().unwrap()));
        let same_port = server("127.0.0.1:0");
        assert_eq!(check_addr(&ServerParams::default(), &same_port), None);
    }
}
