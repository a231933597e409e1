//! The article's configs (`../shared/seed/configs`) run and serve as the article describes, with
//! addresses rewritten to local ones: `bind` lines become inherited `fd@` listeners, `server`
//! lines point at test origins named like the servers (web1, web2). Environment fixes a user
//! would make to run them on Debian with HAProxy 2.6: `group nobody` -> `nogroup`, no `daemon`,
//! no `pidfile`, no `nbproc` (refused since 2.5), the reference config's `log` line that the
//! article broke in two is joined back, and the backend-only snippets of section 6 get a
//! `defaults` and a frontend. The `-c` verdicts of the unmodified files are in config_check.rs.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;
use std::net::{IpAddr, Ipv4Addr};

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Rewrites a seed config for running. `servers` maps server names to origins.
fn rewrite(text: &str, servers: &[(&str, &Origin)]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut section = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(&kw) = words.first() else {
            out.push(line.to_string());
            continue;
        };
        if !line.starts_with(char::is_whitespace) {
            section = words.get(1).map(|s| s.to_string()).unwrap_or_default();
        }
        match kw {
            "daemon" | "pidfile" | "nbproc" => continue,
            "user" | "group" if !running_as_root() => continue,
            "group" if words.get(1) == Some(&"nobody") => out.push("\tgroup nogroup".into()),
            "bind" => out.push(format!("\tbind @@{section}")),
            "server" => {
                let name = words.get(1).copied().unwrap_or("");
                let (_, o) = servers
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("no origin for server {name}"));
                let rest = words.get(3..).unwrap_or(&[]).join(" ");
                let rest = rest.split('#').next().unwrap_or("");
                out.push(format!("\tserver {name} {} {rest}", o.addr()));
            }
            // The article printed `log 127.0.0.1 local0 err` / `stats refresh 30s` over three
            // lines: `log 127.0.0.1`, `local0 err stats`, `refresh 30s`.
            "log"
                if words.len() == 2
                    && lines
                        .get(i)
                        .is_some_and(|n| n.trim_start().starts_with("local0 err stats")) =>
            {
                out.push(format!("\tlog {} local0 err", words[1]));
                i += 1;
                if lines
                    .get(i)
                    .is_some_and(|n| n.trim_start().starts_with("refresh"))
                {
                    out.push(format!("\tstats {}", lines[i].trim()));
                    i += 1;
                }
            }
            _ => out.push(line.to_string()),
        }
    }
    out.join("\n") + "\n"
}

fn seed(name: &str) -> String {
    let p = shared_dir().join("seed/configs").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The section-6 snippets are a backend only: add what the article's section 3 puts around it.
fn with_frontend(backend: &str) -> String {
    format!(
        "defaults\n\tmode http\n\tretries 3\n\ttimeout connect 10s\n\ttimeout client 20s\n\ttimeout server 30s\n\ttimeout check 5s\nfrontend www\n\tbind @@www\n\tdefault_backend htmpool\n{backend}"
    )
}

fn web_origins() -> (Origin, Origin) {
    (Origin::http("web1"), Origin::http("web2"))
}

/// Requests that are not health checks.
fn traffic(o: &Origin) -> Vec<SeenRequest> {
    o.requests().into_iter().filter(|r| r.uri == "/").collect()
}

// ----- section 3.1: the reference config -----

fn reference(w1: &Origin, w2: &Origin) -> Haproxy {
    Haproxy::start(&rewrite(
        &seed("section-3.1-reference.cfg"),
        &[("web1", w1), ("web2", w2)],
    ))
}

#[test]
fn reference_config_alternates_between_web1_and_web2() {
    let (w1, w2) = web_origins();
    let h = reference(&w1, &w2);
    let seq = server_sequence(h.addr("www"), "/", 6);
    assert_eq!(seq, ["web1", "web2", "web1", "web2", "web1", "web2"]);
}

#[test]
fn reference_config_adds_x_forwarded_for_and_closes_connections() {
    let (w1, w2) = web_origins();
    let h = reference(&w1, &w2);
    let mut c = Client::connect(h.addr("www"));
    let r = c.get("/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(
        c.closed_by_peer(),
        "option httpclose: the connection must close"
    );
    let seen: Vec<SeenRequest> = traffic(&w1).into_iter().chain(traffic(&w2)).collect();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header_all("x-forwarded-for"), ["127.0.0.1"]);
}

#[test]
#[ignore = "later issue: stats page"]
fn reference_config_serves_the_stats_page_behind_basic_auth() {
    let (w1, w2) = web_origins();
    let h = reference(&w1, &w2);
    let r = get(h.addr("admin_stats"), "/haproxy-status");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        // `stats realm welcome login\ Haproxy`: HAProxy keeps the first word only.
        Some("Basic realm=\"welcome\"")
    );
    // admin:admin123
    let r = Client::connect(h.addr("admin_stats")).request(
        "GET /haproxy-status HTTP/1.1\r\nHost: test\r\nAuthorization: Basic YWRtaW46YWRtaW4xMjM=\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    let page = r.text();
    assert!(page.contains("Statistics Report"), "{page}");
    assert!(page.contains("htmpool") && page.contains("web1") && page.contains("web2"));
    assert!(!page.contains("version"), "stats hide-version");
}

#[test]
fn reference_config_health_checks_get_index_php_and_mark_a_dead_server_down() {
    let w1 = Origin::http("web1");
    // web2 points at a closed port: after `fall 3` checks (inter 2000) it must be DOWN.
    let dead = Origin::builder("web2").close_without_answer().start();
    let h = reference(&w1, &dead);
    assert!(w1.wait_requests(1));
    let check = &w1.requests()[0];
    assert_eq!(
        (check.method.as_str(), check.uri.as_str()),
        ("GET", "/index.php")
    );
    // At startup a checked server is only just UP: its first failed check takes it DOWN.
    assert!(
        h.wait_stderr(
            "Server htmpool/web2 is DOWN",
            std::time::Duration::from_secs(10)
        ),
        "{}",
        h.stderr()
    );
    assert_eq!(server_sequence(h.addr("www"), "/", 4), ["web1"; 4]);
}

// ----- section 5: the usage config -----

fn usage(w1: &Origin, w2: &Origin) -> Haproxy {
    Haproxy::start(&rewrite(
        &seed("section-5-usage.cfg"),
        &[("web1", w1), ("web2", w2)],
    ))
}

#[test]
fn usage_config_alternates_between_web1_and_web2() {
    let (w1, w2) = web_origins();
    let h = usage(&w1, &w2);
    let seq = server_sequence(h.addr("http_front"), "/", 4);
    assert_eq!(seq, ["web1", "web2", "web1", "web2"]);
}

#[test]
fn usage_config_passes_the_client_address_in_x_forwarded_for() {
    let (w1, w2) = web_origins();
    let h = usage(&w1, &w2);
    let r = get(h.addr("http_front"), "/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-echo-x-forwarded-for"), Some("127.0.0.1"));
}

#[test]
#[ignore = "later issue: stats page"]
fn usage_config_serves_stats_on_the_frontend_uri() {
    let (w1, w2) = web_origins();
    let h = usage(&w1, &w2);
    let r = get(h.addr("http_front"), "/haproxy?stats");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Statistics Report"));
    assert!(traffic(&w1).is_empty() && traffic(&w2).is_empty());
}

#[test]
fn usage_config_health_checks_request_index_html() {
    let (w1, w2) = web_origins();
    let _h = usage(&w1, &w2);
    assert!(w1.wait_requests(1));
    let c = &w1.requests()[0];
    assert_eq!((c.method.as_str(), c.uri.as_str()), ("GET", "/index.html"));
}

// ----- section 6: persistence snippets -----

#[test]
fn cookie_section_static_rr_with_weights_six_and_three_gives_two_to_one() {
    let (w1, w2) = web_origins();
    let h = Haproxy::start(&with_frontend(&rewrite(
        &seed("section-6-cookie.cfg"),
        &[("web1", &w1), ("web2", &w2)],
    )));
    let seq = server_sequence(h.addr("www"), "/", 18);
    let t = tally(&seq);
    assert_eq!(
        (t.get("web1"), t.get("web2")),
        (Some(&12), Some(&6)),
        "{seq:?}"
    );
}

#[test]
fn cookie_section_inserts_session_cookie_and_sticks_to_it() {
    let (w1, w2) = web_origins();
    let h = Haproxy::start(&with_frontend(&rewrite(
        &seed("section-6-cookie.cfg"),
        &[("web1", &w1), ("web2", &w2)],
    )));
    let r = get(h.addr("www"), "/");
    let first = r.server();
    let cookie = r.header("set-cookie").unwrap_or("").to_string();
    let want = if first == "web1" {
        "server1"
    } else {
        "server2"
    };
    assert_eq!(cookie, format!("SESSION_COOKIE={want}; path=/"));
    // nocache only tags responses HAProxy deems cacheable; a plain 200 gets nothing.
    assert_eq!(r.header("cache-control"), None);
    for _ in 0..5 {
        let r = Client::connect(h.addr("www")).request(&format!(
            "GET / HTTP/1.1\r\nHost: test\r\nCookie: SESSION_COOKIE={want}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(r.server(), first);
        assert!(r.header("set-cookie").is_none(), "indirect: no new cookie");
    }
    // indirect: the server never sees the persistence cookie
    for o in [&w1, &w2] {
        assert!(traffic(o).iter().all(|q| q.header("cookie").is_none()));
    }
}

#[test]
fn source_section_sticks_one_client_address_to_one_server() {
    let (w1, w2) = web_origins();
    let h = Haproxy::start(&with_frontend(&rewrite(
        &seed("section-6-source.cfg"),
        &[("web1", &w1), ("web2", &w2)],
    )));
    let seq = server_sequence(h.addr("www"), "/", 6);
    assert_eq!(tally(&seq).len(), 1, "{seq:?}");
    // Different client addresses use both servers.
    let many: Vec<String> = (1..=16u8)
        .map(|i| {
            Client::connect_from(h.addr("www"), IpAddr::V4(Ipv4Addr::new(127, 0, 0, i)))
                .request("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                .server()
        })
        .collect();
    assert_eq!(tally(&many).len(), 2, "{many:?}");
}
