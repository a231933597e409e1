//! The README's first command: `examples/demo.cfg` loads, passes `-c`, and round-robins between
//! its two `listen` servers ("server 1" / "server 2"). Ports are swapped for free local ones.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;
use common::*;

fn demo_text() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.cfg");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_demo_config_is_valid() {
    let (code, stderr) = Haproxy::check(&demo_text());
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn the_demo_alternates_between_server_1_and_server_2() {
    let (p1, p2) = (free_port(), free_port());
    let cfg = demo_text()
        .replace("bind 127.0.0.1:8080", "bind @@www")
        .replace("127.0.0.1:8081", &format!("127.0.0.1:{p1}"))
        .replace("127.0.0.1:8082", &format!("127.0.0.1:{p2}"));
    let h = Haproxy::start(&cfg);
    let bodies: Vec<String> = (0..4).map(|_| get(h.addr("www"), "/").text()).collect();
    assert_eq!(
        bodies,
        ["server 1\n", "server 2\n", "server 1\n", "server 2\n"]
    );
}
