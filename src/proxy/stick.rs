//! Stick tables at run time: one locked [`Table`] per `stick-table` line, the counters a
//! stream or a session tracks (`track-sc0/1/2`), the `sc_*`/`src_*`/`table_*` ACLs that read
//! them, and the `stick on|match|store-request|store-response` rules.
//!
//! configuration.txt 4.2 "stick-table", "stick on", "stick match", "stick store-request",
//! "stick store-response", "http-request track-sc0", "tcp-request connection track-sc0";
//! 7.3.2 `sc_*`, `src_*`, `table_*`. The tables themselves are the pure `persist::stick`;
//! this file keys them from traffic and holds the locks (never across an await).
//!
//! A tracked entry is released (its `conn_cur` drops) when the stream or the connection that
//! tracks it ends. Expired entries are purged whenever a table is used past its next expiry.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::config::model::{
    Config, CounterAcl, CounterData, CounterFetch, CounterOf, ProxyStick, Side, StickKey,
    StickRule, TcpTrack, TrackSc,
};
use crate::http::Head;
use crate::persist::stick::{eval_counter, int_match, Key, Table};
use crate::server::{Server, ServerId};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One `stick-table`, named after its proxy.
#[derive(Debug)]
pub struct TableRt {
    /// The proxy that declares it.
    pub name: String,
    table: Mutex<Table>,
    epoch: Instant,
}

impl TableRt {
    /// Runs `f` on the table with the current time in ms, purging expired entries first
    /// when one is due.
    pub fn with<R>(&self, f: impl FnOnce(&mut Table, u64) -> R) -> R {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut t = lock(&self.table);
        if t.next_expiry().is_some_and(|e| e <= now) {
            t.purge_expired(now);
        }
        f(&mut t, now)
    }
}

/// Every table of the configuration, by proxy name.
#[derive(Debug, Clone, Default)]
pub struct Tables(Arc<HashMap<String, Arc<TableRt>>>);

impl Tables {
    /// Builds the tables of every proxy with a `stick-table` line.
    pub fn build(config: &Config) -> Tables {
        let epoch = Instant::now();
        let map = config
            .proxies
            .iter()
            .filter_map(|p| {
                let spec = p.stick.table.as_ref()?;
                Some((
                    p.name.clone(),
                    Arc::new(TableRt {
                        name: p.name.clone(),
                        table: Mutex::new(Table::new(spec)),
                        epoch,
                    }),
                ))
            })
            .collect();
        Tables(Arc::new(map))
    }

    /// A table by name.
    pub fn get(&self, name: &str) -> Option<&Arc<TableRt>> {
        self.0.get(name)
    }
}

/// One tracked entry; releasing it drops its `conn_cur`.
#[derive(Debug)]
pub struct Track {
    table: Arc<TableRt>,
    key: Key,
}

impl Drop for Track {
    fn drop(&mut self) {
        self.table.with(|t, now| t.untrack(&self.key, now));
    }
}

/// The three `track-sc` slots of a stream or of a session.
#[derive(Debug, Default)]
pub struct Slots(Mutex<[Option<Arc<Track>>; 3]>);

impl Slots {
    fn get(&self, n: u32) -> Option<Arc<Track>> {
        let i = usize::try_from(n).ok()?;
        lock(&self.0).get(i).cloned().flatten()
    }

    /// Runs `f` on every tracked entry (under the slots' lock; no allocation).
    fn each(&self, mut f: impl FnMut(&Track)) {
        for t in lock(&self.0).iter().flatten() {
            f(t);
        }
    }

    /// `track-sc<n>`: tracks `key` of `table` in slot `n` unless the slot is taken.
    /// Returns true when it did.
    fn track(&self, n: u8, table: &Arc<TableRt>, key: Key) -> bool {
        let mut slots = lock(&self.0);
        let Some(slot) = slots.get_mut(usize::from(n)) else {
            return false;
        };
        if slot.is_some() {
            return false;
        }
        if table.with(|t, now| t.track(&key, now)).is_err() {
            return false;
        }
        *slot = Some(Arc::new(Track {
            table: Arc::clone(table),
            key,
        }));
        true
    }
}

/// What one request offers to build keys from.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The client address.
    pub src: Option<IpAddr>,
    /// The request head (HTTP).
    pub req: Option<&'a Head>,
}

/// The last comma-separated value of the last `name` header (`req.hdr(name)` as a sample),
/// or the `occ`-th (1-based; negative from the end).
fn hdr_value(h: &Head, name: &str, occ: Option<i64>) -> Option<Vec<u8>> {
    let values: Vec<&[u8]> = h
        .get_all(name)
        .flat_map(|v| v.split(|b| *b == b','))
        .map(|v| v.trim_ascii())
        .collect();
    let n = i64::try_from(values.len()).ok()?;
    let idx = match occ.unwrap_or(-1) {
        0 => return None,
        o if o > 0 => o - 1,
        o => n + o,
    };
    values.get(usize::try_from(idx).ok()?).map(|v| v.to_vec())
}

/// The last value of cookie `name` in the `Cookie` headers (`req.cook`), or in the
/// `Set-Cookie` headers (`res.cook`).
fn cookie_value(h: &Head, name: &str, response: bool) -> Option<Vec<u8>> {
    let header = if response { "set-cookie" } else { "cookie" };
    let mut found = None;
    for v in h.get_all(header) {
        // A Set-Cookie carries one cookie, its attributes after the first ';'.
        let pairs: Vec<&[u8]> = if response {
            v.split(|b| *b == b';').take(1).collect()
        } else {
            v.split(|b| *b == b';').collect()
        };
        for p in pairs {
            let p = p.trim_ascii();
            let Some(eq) = p.iter().position(|b| *b == b'=') else {
                continue;
            };
            if p.get(..eq).map(<[u8]>::trim_ascii) == Some(name.as_bytes()) {
                found = p.get(eq + 1..).map(|x| x.trim_ascii().to_vec());
            }
        }
    }
    found
}

/// The first value of query parameter `name` (`url_param`) in the request target.
fn url_param(req: &Head, name: &str, delim: Option<&str>) -> Option<Vec<u8>> {
    let q = req.query()?;
    let d = delim.and_then(|d| d.bytes().next()).unwrap_or(b'&');
    q.split(|b| *b == d)
        .find_map(|kv| {
            let eq = kv.iter().position(|b| *b == b'=')?;
            (kv.get(..eq) == Some(name.as_bytes())).then(|| kv.get(eq + 1..).map(<[u8]>::to_vec))
        })
        .flatten()
}

/// The key `k` yields in `table` for a request, or on the response headers `res`.
fn key_of(table: &TableRt, k: &StickKey, r: &Request<'_>, res: Option<&Head>) -> Option<Key> {
    let bytes = match k {
        StickKey::Src => return table.with(|t, _| r.src.and_then(|ip| t.key_from_ip(ip))),
        StickKey::Hdr { side, name, occ } => {
            let h = match side {
                Side::Request => r.req?,
                Side::Response => res?,
            };
            hdr_value(h, name, *occ)?
        }
        StickKey::Cookie { side, name } => match side {
            Side::Request => cookie_value(r.req?, name, false)?,
            Side::Response => cookie_value(res?, name, true)?,
        },
        StickKey::UrlParam { name, delim } => url_param(r.req?, name, delim.as_deref())?,
        StickKey::Path => r.req?.path()?.to_vec(),
    };
    table.with(|t, _| t.key_from_bytes(&bytes))
}

/// A proxy's stick settings at run time.
#[derive(Debug, Default)]
pub struct ProxyStickRt {
    /// The proxy's name (its own table, for `src_*` fetches).
    pub name: String,
    /// Every table.
    pub tables: Tables,
    /// The typed `sc_*`/`src_*`/`table_*` ACLs of the proxy.
    pub acls: Vec<CounterAcl>,
    /// `stick` rules (backends).
    pub rules: Vec<StickRule>,
    /// `tcp-request ... track-sc*` rules.
    pub tcp_track: Vec<TcpTrack>,
}

impl ProxyStickRt {
    /// From the model.
    pub fn new(name: &str, s: &ProxyStick, tables: &Tables) -> Self {
        ProxyStickRt {
            name: name.to_string(),
            tables: tables.clone(),
            acls: s.counter_acls.clone(),
            rules: s.rules.clone(),
            tcp_track: s.tcp_track.clone(),
        }
    }

    /// `track-sc<n> KEY [table T]` for a stream (`http-request`) or a session
    /// (`tcp-request`). An HTTP track counts the request at once.
    pub fn track(
        &self,
        t: &TrackSc,
        slots: &Slots,
        r: &Request<'_>,
        res: Option<&Head>,
        http: bool,
    ) {
        let Some(table) = self.tables.get(&t.table) else {
            return;
        };
        let Some(key) = key_of(table, &t.key, r, res) else {
            return;
        };
        if slots.track(t.counter, table, key.clone()) && http {
            table.with(|tb, now| tb.inc_http_req(&key, now));
        }
    }
}

/// What an ACL sees of stick tables: the stream's and the session's tracked counters and
/// the counter ACLs of the proxy whose rules run.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The proxy.
    pub proxy: &'a ProxyStickRt,
    /// The stream's `track-sc` slots (`http-request`).
    pub stream: Option<&'a Slots>,
    /// The session's slots (`tcp-request connection|session`).
    pub session: Option<&'a Slots>,
}

impl View<'_> {
    fn slot(&self, n: u32) -> Option<Arc<Track>> {
        self.stream
            .and_then(|s| s.get(n))
            .or_else(|| self.session.and_then(|s| s.get(n)))
    }

    /// Evaluates a counter ACL (`None` when `criterion args` is not one).
    pub fn eval(&self, criterion: &str, args: &[String], src: Option<IpAddr>) -> Option<bool> {
        let acl = self
            .proxy
            .acls
            .iter()
            .find(|a| a.criterion == criterion && a.args == args)?;
        let tables = &self.proxy.tables;
        let value = match &acl.fetch {
            CounterFetch::TableCnt { table } => tables
                .get(table)
                .map(|t| t.with(|tb, _| i64::try_from(tb.len()).unwrap_or(i64::MAX))),
            CounterFetch::TableAvl { table } => tables
                .get(table)
                .map(|t| t.with(|tb, _| i64::try_from(tb.available()).unwrap_or(i64::MAX))),
            CounterFetch::Counter { of, table, data } => {
                let named = table.as_deref().and_then(|t| tables.get(t));
                match of {
                    CounterOf::Sc(n) => match self.slot(*n) {
                        None if *data == CounterData::Tracked => Some(0),
                        None => None,
                        Some(tr) => {
                            let t = named.unwrap_or(&tr.table);
                            t.with(|tb, now| eval_counter(tb, *of, *data, Some(&tr.key), now))
                        }
                    },
                    CounterOf::Src => {
                        let own = tables.get(&self.proxy.name);
                        named.or(own).and_then(|t| {
                            t.with(|tb, now| {
                                let key = src.and_then(|ip| tb.key_from_ip(ip));
                                eval_counter(tb, *of, *data, key.as_ref(), now)
                            })
                        })
                    }
                }
            }
        };
        Some(int_match(&acl.matcher, value))
    }
}

impl View<'_> {
    /// Runs `sc-inc-gpc0(N)`, `sc-inc-gpc1(N)` or `sc-set-gpt0(N) VALUE` on the entry tracked
    /// in slot N; returns false when `name` is none of them. An untracked slot does nothing,
    /// as in HAProxy.
    pub fn sc_action(&self, name: &str, args: &[String]) -> bool {
        let Some((verb, rest)) = name.split_once('(') else {
            return false;
        };
        let n = rest
            .trim_end_matches(')')
            .trim()
            .parse::<u32>()
            .unwrap_or(0);
        let act = |f: &dyn Fn(&mut Table, &Key, u64)| {
            if let Some(t) = self.slot(n) {
                t.table.with(|tb, now| f(tb, &t.key, now));
            }
        };
        match verb {
            "sc-inc-gpc0" => act(&|tb, k, now| {
                tb.inc_gpc(k, 0, false, now);
            }),
            "sc-inc-gpc1" => act(&|tb, k, now| {
                tb.inc_gpc(k, 1, false, now);
            }),
            "sc-set-gpt0" => {
                let v = args
                    .first()
                    .and_then(|a| a.parse::<i64>().ok())
                    .unwrap_or(0);
                act(&|tb, k, now| {
                    tb.set_gpt0(k, v, now);
                });
            }
            _ => return false,
        }
        true
    }
}

/// Counts an HTTP request on every counter a session tracks (`tcp-request` tracking).
pub fn count_request(session: &Slots) {
    session.each(|t| {
        t.table.with(|tb, now| tb.inc_http_req(&t.key, now));
    });
}

/// Counts a response status on every tracked counter: 4xx as `http_err`, 5xx but 501 and
/// 505 as `http_fail`.
pub fn count_status(slots: &[&Slots], status: u16) {
    let err = (400..500).contains(&status);
    let fail = (500..600).contains(&status) && status != 501 && status != 505;
    if !err && !fail {
        return;
    }
    for s in slots {
        s.each(|t| {
            t.table.with(|tb, now| {
                if err {
                    tb.inc_http_err(&t.key, now)
                } else {
                    tb.inc_http_fail(&t.key, now)
                }
            });
        });
    }
}

/// Entries a stream will store once it knows its server (`stick on`, `store-request`),
/// at most one per table.
#[derive(Debug, Default)]
pub struct Pending(Vec<(Arc<TableRt>, Key)>);

impl ProxyStickRt {
    /// Runs the request-side `stick` rules whose condition `holds`: the first matching
    /// entry of a server the stream may use assigns it (`stick on`, `stick match`); store
    /// rules remember their key. `usable(id)` tells whether a stuck server may be used.
    pub fn request_rules(
        &self,
        holds: impl Fn(&StickRule) -> bool,
        r: &Request<'_>,
        servers: &[std::sync::Arc<Server>],
        usable: impl Fn(&Server) -> bool,
        assigned: &mut Option<ServerId>,
    ) -> Pending {
        let mut pending = Pending::default();
        for rule in &self.rules {
            if rule.kind == crate::config::model::StickKind::StoreResponse {
                continue;
            }
            // Only the first storing rule of each table applies (HAProxy skips the others,
            // their matching part included).
            let stored_here = pending.0.iter().any(|(t, _)| t.name == rule.table);
            if rule.kind.stores() && stored_here {
                continue;
            }
            if !holds(rule) {
                continue;
            }
            let Some(table) = self.tables.get(&rule.table) else {
                continue;
            };
            let Some(key) = key_of(table, &rule.key, r, None) else {
                continue;
            };
            if rule.kind.matches() && assigned.is_none() {
                let stuck = table.with(|t, now| t.stuck_server(&key, now));
                let srv = stuck.and_then(|s| {
                    s.key
                        .as_deref()
                        .and_then(|k| servers.iter().find(|x| x.name == k || addr_key(x) == k))
                        .or_else(|| {
                            s.id.and_then(|id| {
                                servers.iter().find(|x| i64::from(x.puid) == i64::from(id))
                            })
                        })
                });
                if let Some(s) = srv.filter(|s| usable(s)) {
                    *assigned = Some(s.id);
                }
            }
            if rule.kind.stores() {
                pending.0.push((Arc::clone(table), key));
            }
        }
        pending
    }

    /// Runs `stick store-response` rules on a response.
    pub fn response_rules(
        &self,
        holds: impl Fn(&StickRule) -> bool,
        r: &Request<'_>,
        res: &Head,
        pending: &mut Pending,
    ) {
        for rule in &self.rules {
            if rule.kind != crate::config::model::StickKind::StoreResponse || !holds(rule) {
                continue;
            }
            if pending.0.iter().any(|(t, _)| t.name == rule.table) {
                continue;
            }
            let Some(table) = self.tables.get(&rule.table) else {
                continue;
            };
            if let Some(key) = key_of(table, &rule.key, r, Some(res)) {
                pending.0.push((Arc::clone(table), key));
            }
        }
    }
}

/// `srvkey addr`: the server's address as HAProxy stores it.
fn addr_key(s: &Server) -> String {
    match &s.target {
        crate::server::Target::Inet(a) => a.to_string(),
        crate::server::Target::Unix(p) => p.display().to_string(),
    }
}

impl Pending {
    /// Stores every pending key with the server the stream used.
    pub fn commit(self, server: &Server) {
        for (table, key) in self.0 {
            let id = i32::try_from(server.puid).unwrap_or(i32::MAX);
            let name = match table.with(|t, _| t.srvkey()) {
                crate::config::model::SrvKey::Addr => addr_key(server),
                crate::config::model::SrvKey::Name => server.name.clone(),
            };
            table
                .with(|t, now| t.store_server(&key, id, &name, now))
                .ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::{request, response};

    #[test]
    fn hdr_samples_take_the_last_value_unless_told() {
        let h = request("GET / HTTP/1.1", &[("x", "a, b"), ("y-", "z"), ("x", "c")]);
        assert_eq!(hdr_value(&h, "x", None), Some(b"c".to_vec()));
        assert_eq!(hdr_value(&h, "x", Some(1)), Some(b"a".to_vec()));
        assert_eq!(hdr_value(&h, "x", Some(-2)), Some(b"b".to_vec()));
        assert_eq!(hdr_value(&h, "y", None), None);
    }

    #[test]
    fn cookies_are_read_from_both_sides() {
        let h = request("GET / HTTP/1.1", &[("cookie", "a=1; sid=x; sid=y")]);
        assert_eq!(cookie_value(&h, "sid", false), Some(b"y".to_vec()));
        let r = response(200, &[("set-cookie", "sid=z; path=/")]);
        assert_eq!(cookie_value(&r, "sid", true), Some(b"z".to_vec()));
        assert_eq!(cookie_value(&r, "path", true), None);
    }

    #[test]
    fn url_params_are_found() {
        let u = request("GET /p?a=1&user=bob&user=al HTTP/1.1", &[]);
        assert_eq!(url_param(&u, "user", None), Some(b"bob".to_vec()));
        assert_eq!(url_param(&u, "none", None), None);
        let abs = request("GET http://h/p?a=1;user=x HTTP/1.1", &[("host", "h")]);
        assert_eq!(url_param(&abs, "user", Some(";")), Some(b"x".to_vec()));
        assert_eq!(url_param(&request("GET /p HTTP/1.1", &[]), "a", None), None);
    }
}
