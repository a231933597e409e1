//! HAProxy's command line, black box: `-v`, `-vv`, `-h` and unknown flags (usage on stderr,
//! exit 1), `-cc` conditions, `-q`, `--` file lists, `-f DIR` (the `*.cfg` files of a directory in
//! lexical order) and several `-f`. Pinned from the real HAProxy 2.6.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;
use common::*;

fn run(args: &[&str]) -> Output {
    run_bin(&binary_under_test(), args, WAIT)
}

const DEFAULTS: &str =
    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n";

#[test]
fn dash_v_prints_the_version_line_and_exits_zero() {
    let o = run(&["-v"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.lines().next().unwrap_or("");
    assert!(first.starts_with("HAProxy version 2.6"), "{first:?}");
    assert!(o.stdout.contains("Running on: "), "{}", o.stdout);
}

#[test]
fn dash_vv_prints_the_version_and_build_options() {
    let o = run(&["-vv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("HAProxy version 2.6"), "{}", o.stdout);
    assert!(o.stdout.contains("Build options"), "{}", o.stdout);
    assert!(o.stdout.len() > run(&["-v"]).stdout.len());
}

#[test]
fn dash_h_prints_the_usage_on_stderr_and_exits_one() {
    let o = run(&["-h"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.starts_with("HAProxy version 2.6"), "{}", o.stdout);
    assert!(
        o.stderr
            .starts_with("Usage : haproxy [-f <cfgfile|cfgdir>]* [ -vdVD ]"),
        "{}",
        o.stderr
    );
    for flag in [
        "-c check mode : only check config files and exit",
        "-q quiet mode : don't display messages",
        "-sf/-st [pid ]* finishes/terminates old pids.",
    ] {
        assert!(o.stderr.contains(flag), "usage lacks {flag:?}");
    }
}

#[test]
fn an_unknown_flag_prints_the_usage_and_exits_one() {
    let o = run(&["--bogus"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.starts_with("Usage : haproxy"), "{}", o.stderr);
}

#[test]
fn no_argument_at_all_prints_the_usage_and_exits_one() {
    let o = run(&[]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.starts_with("Usage : haproxy"), "{}", o.stderr);
}

#[test]
fn dash_cc_exits_zero_for_a_true_condition_and_one_for_a_false_one() {
    assert_eq!(run(&["-cc", "version_atleast(2.4)"]).code, 0);
    assert_eq!(run(&["-cc", "version_atleast(3.0)"]).code, 1);
    assert_eq!(
        run(&["-cc", "defined(HAPROXY_RS_SURELY_UNDEFINED)"]).code,
        1
    );
}

#[test]
fn dash_cc_with_an_unparsable_condition_exits_two_with_an_alert() {
    let o = run(&["-cc", "bogus(1)"]);
    assert_eq!(o.code, 2);
    assert_eq!(
        alert_lines(&o.stderr, None),
        ["config : Failed to evaluate condition: unparsable conditional expression 'bogus(1)'"]
    );
}

#[test]
fn dash_q_silences_the_check_messages_but_keeps_the_verdict() {
    let dir = TempDir::new();
    let good = dir.write(
        "good.cfg",
        &format!("{DEFAULTS}frontend fe\n    bind 127.0.0.1:18080\n    default_backend be\nbackend be\n    server s1 127.0.0.1:18081\n"),
    );
    let bad = dir.write("bad.cfg", &format!("{DEFAULTS}    option forwardfro\n"));
    let o = run(&["-q", "-c", "-f", good.to_str().unwrap()]);
    assert_eq!((o.code, o.stdout.as_str(), o.stderr.as_str()), (0, "", ""));
    let o = run(&["-q", "-c", "-f", bad.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(alert_lines(&o.stderr, None).is_empty(), "{}", o.stderr);
}

#[test]
fn a_missing_config_file_is_an_alert_and_exit_one() {
    let o = run(&["-c", "-f", "/nonexistent/haproxy-rs.cfg"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        alert_lines(&o.stderr, None),
        ["config : Cannot open configuration file/directory /nonexistent/haproxy-rs.cfg : No such file or directory"]
    );
}

#[test]
fn double_dash_takes_the_remaining_arguments_as_config_files() {
    let dir = TempDir::new();
    let a = dir.write(
        "a.cfg",
        &format!("{DEFAULTS}frontend fe\n    bind 127.0.0.1:18080\n    default_backend be\n"),
    );
    let b = dir.write("b.cfg", "backend be\n    server s1 127.0.0.1:18081\n");
    let o = run(&["-c", "--", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // Only the first file: the backend is missing.
    let o = run(&["-c", "--", a.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(
        alert_lines(&o.stderr, None).contains(
            &"config : Proxy 'fe': unable to find required default_backend: 'be'.".to_string()
        ),
        "{}",
        o.stderr
    );
}

#[test]
fn several_dash_f_are_loaded_in_command_line_order() {
    let dir = TempDir::new();
    let a = dir.write("a.cfg", "frontend fe\n    bogus_one\n");
    let b = dir.write("b.cfg", "backend be\n    bogus_two\n");
    let o = run(&["-c", "-f", b.to_str().unwrap(), "-f", a.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    let alerts = alert_lines(&o.stderr, None);
    let pos = |needle: &str| alerts.iter().position(|l| l.contains(needle)).unwrap();
    assert!(pos("'bogus_two'") < pos("'bogus_one'"), "{alerts:#?}");
}

#[test]
fn dash_f_dir_loads_the_cfg_files_in_lexical_order_and_ignores_others() {
    let dir = TempDir::new();
    // Written in reverse order on purpose; `zz.txt` is not a .cfg and must be ignored.
    dir.write("30-be.cfg", "backend be\n    bogus_three\n");
    dir.write(
        "20-fe.cfg",
        "frontend fe\n    bind 127.0.0.1:18080\n    bogus_two\n",
    );
    dir.write("10-defaults.cfg", &format!("{DEFAULTS}    bogus_one\n"));
    dir.write("zz.txt", "this is not a configuration\n");
    let o = run(&["-c", "-f", dir.path().to_str().unwrap()]);
    assert_eq!(o.code, 1);
    let alerts = alert_lines(&o.stderr, Some(dir.path().to_str().unwrap()));
    let kw: Vec<&str> = alerts
        .iter()
        .filter(|l| l.contains("unknown keyword"))
        .map(|l| {
            if l.contains("bogus_one") {
                "10"
            } else if l.contains("bogus_two") {
                "20"
            } else {
                "30"
            }
        })
        .collect();
    assert_eq!(kw, ["10", "20", "30"], "{alerts:#?}");
    assert!(
        alerts
            .iter()
            .any(|l| l == "config : parsing [{file}/10-defaults.cfg:6] : unknown keyword 'bogus_one' in 'defaults' section"),
        "{alerts:#?}"
    );
    assert!(!o.stderr.contains("zz.txt"), "{}", o.stderr);
}

#[test]
fn dash_f_dir_with_a_valid_split_config_is_valid() {
    let dir = TempDir::new();
    dir.write(
        "b-backend.cfg",
        "backend be\n    server s1 127.0.0.1:18081\n",
    );
    dir.write(
        "a-front.cfg",
        &format!("{DEFAULTS}frontend fe\n    bind 127.0.0.1:18080\n    default_backend be\n"),
    );
    let o = run(&["-c", "-f", dir.path().to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), "Configuration file is valid");
}

#[test]
fn dash_p_is_not_written_in_foreground_mode() {
    let h = Haproxy::start_bin_args(
        &binary_under_test(),
        &format!("{DEFAULTS}frontend fe\n    bind @@fe\n"),
        &["-p", "{dir}/haproxy.pid"],
    )
    .unwrap();
    assert!(!h.dir.path().join("haproxy.pid").exists());
}

#[test]
fn dash_d_daemonises_and_dash_p_records_the_daemon_pid() {
    let dir = TempDir::new();
    let port = free_port();
    let cfg = dir.write(
        "d.cfg",
        &format!("{DEFAULTS}frontend fe\n    bind 127.0.0.1:{port}\n"),
    );
    let pidfile = dir.path().join("haproxy.pid");
    let o = run(&[
        "-D",
        "-p",
        pidfile.to_str().unwrap(),
        "-f",
        cfg.to_str().unwrap(),
    ]);
    let pid = std::fs::read_to_string(&pidfile).unwrap_or_default();
    let pid = pid.trim().to_string();
    // Stop the daemon we started, by its recorded pid, before asserting anything else.
    let alive = !pid.is_empty() && std::path::Path::new(&format!("/proc/{pid}")).exists();
    if alive {
        let _ = std::process::Command::new("kill").arg(&pid).status();
    }
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(alive, "no live daemon pid in the pidfile ({pid:?})");
}

#[test]
fn a_foreground_process_with_an_invalid_config_exits_one_with_the_alerts() {
    let dir = TempDir::new();
    let f = dir.write("bad.cfg", &format!("{DEFAULTS}    option forwardfro\n"));
    let o = run(&["-db", "-f", f.to_str().unwrap()]);
    assert_eq!(o.code, 1);
    assert!(
        alert_lines(&o.stderr, f.to_str())
            .iter()
            .any(|l| l.contains("unknown option 'forwardfro'; did you mean 'forwardfor' maybe ?")),
        "{}",
        o.stderr
    );
}

#[test]
fn a_foreground_process_without_listener_exits_with_an_alert() {
    let dir = TempDir::new();
    let f = dir.write(
        "nolisten.cfg",
        &format!("{DEFAULTS}backend be\n    server s1 127.0.0.1:18081\n"),
    );
    let o = run(&["-db", "-f", f.to_str().unwrap()]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    // The alert names the program as invoked: `[/usr/sbin/haproxy.main()]`.
    let bin = binary_under_test();
    assert_eq!(
        alert_lines(&o.stderr, bin.to_str()),
        ["[{file}.main()] No enabled listener found (check for 'bind' directives) ! Exiting."]
    );
}

#[test]
fn a_port_already_in_use_gives_haproxys_two_bind_alerts() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = TempDir::new();
    let f = dir.write(
        "busy.cfg",
        &format!("{DEFAULTS}frontend fe\n    bind 127.0.0.1:{port}\n"),
    );
    let o = run(&["-db", "-f", f.to_str().unwrap()]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let bin = binary_under_test();
    let alerts: Vec<String> = alert_lines(&o.stderr, f.to_str())
        .into_iter()
        .map(|l| l.replace(&bin.display().to_string(), "{bin}"))
        .collect();
    assert_eq!(
        alerts,
        [
            format!("Binding [{{file}}:7] for frontend fe: cannot bind socket (Address already in use) for [127.0.0.1:{port}]"),
            "[{bin}.main()] Some protocols failed to start their listeners! Exiting.".to_string(),
        ]
    );
}

/// `-N 1`: a frontend without its own `maxconn` serves one connection at a time; the second
/// one is echoed only once the first ends.
#[test]
fn dash_capital_n_is_the_maxconn_of_frontends_that_set_none() {
    use std::io::{Read, Write};
    let echo = Origin::tcp_echo();
    let cfg = format!(
        "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\nlisten l\n    bind @@fe\n    server e1 {}\n",
        echo.addr()
    );
    let h = Haproxy::start_bin_args(&binary_under_test(), &cfg, &["-N", "1"]).unwrap();
    let connect = || {
        let c = std::net::TcpStream::connect_timeout(&h.addr("fe"), WAIT).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_millis(300)))
            .unwrap();
        c
    };
    let mut first = connect();
    first.write_all(b"a").unwrap();
    let mut one = [0u8; 1];
    first.read_exact(&mut one).unwrap();
    let mut second = connect();
    second.write_all(b"b").unwrap();
    assert!(
        second.read_exact(&mut one).is_err(),
        "the second connection was served while the first one held the only slot"
    );
    drop(first);
    second.set_read_timeout(Some(WAIT)).unwrap();
    second.read_exact(&mut one).unwrap();
    assert_eq!(&one, b"b");
}
