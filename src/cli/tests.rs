//! Tests of the command line: HAProxy's flags, the `-sf/-st` pre-pass, usage and alerts,
//! and a bounded random-argv robustness run.

use super::*;

fn cli(args: &[&str]) -> Result<Cli, CliError> {
    parse(
        std::iter::once("/usr/sbin/haproxy")
            .chain(args.iter().copied())
            .map(OsString::from),
    )
}

/// Parses `-f base.cfg` followed by `args`.
fn ok(args: &[&str]) -> Cli {
    let mut all = vec!["-f", "base.cfg"];
    all.extend_from_slice(args);
    cli(&all).unwrap()
}

fn is_usage(args: &[&str]) {
    assert!(
        matches!(cli(args), Err(CliError::Usage { alert: None, .. })),
        "{args:?}: {:?}",
        cli(args)
    );
}

#[test]
fn config_files_come_from_f_and_after_double_dash_in_order() {
    let c = ok(&["-f", "a.cfg", "-c", "-f", "dir", "--", "b.cfg", "-q"]);
    assert_eq!(
        c.config_files,
        [
            PathBuf::from("base.cfg"),
            "a.cfg".into(),
            "dir".into(),
            "b.cfg".into(),
            "-q".into()
        ]
    );
    assert!(c.check);
    assert!(!c.quiet);
}

#[test]
fn f_takes_the_next_argument_even_with_a_suffix() {
    assert_eq!(
        ok(&["-fg.cfg", "-c"]).config_files,
        [PathBuf::from("base.cfg"), "-c".into()]
    );
}

#[test]
fn simple_flags_are_read_by_their_first_letter() {
    let c = ok(&["-c", "-q", "-V", "-D", "-W", "-f", "x"]);
    assert!(c.check && c.quiet && c.verbose && c.daemon && c.master_worker);
    assert!(!c.systemd);
    assert!(ok(&["-cfoo"]).check);
    assert!(ok(&["-qc"]).quiet);
    assert!(!ok(&["-qc"]).check);
    let ws = ok(&["-Ws"]);
    assert!(ws.systemd && ws.master_worker && ws.foreground);
}

#[test]
fn v_and_vv_stop_reading_the_command_line() {
    assert_eq!(ok(&["-v", "-Z"]).info, Some(Info::Version));
    assert_eq!(ok(&["-vfoo"]).info, Some(Info::Version));
    assert_eq!(ok(&["-vv"]).info, Some(Info::BuildOptions));
    assert_eq!(ok(&["-c", "-vvx", "junk"]).info, Some(Info::BuildOptions));
}

#[test]
fn cc_takes_the_next_argument_as_the_condition() {
    assert_eq!(
        ok(&["-cc", "defined(HOME) && 1"])
            .check_condition
            .as_deref(),
        Some("defined(HOME) && 1")
    );
    assert_eq!(ok(&["-cc", "-1"]).check_condition.as_deref(), Some("-1"));
    is_usage(&["-cc"]);
}

#[test]
fn the_d_family_sets_debug_flags() {
    let c = ok(&[
        "-de", "-dp", "-dS", "-dG", "-dR", "-dV", "-dW", "-dD", "-dr", "-dL", "-dKacl", "-dM0x42",
        "-db",
    ]);
    let d = &c.debug_flags;
    assert!(d.no_epoll && d.no_poll && d.no_splice && d.no_getaddrinfo && d.no_reuseport);
    assert!(d.no_ssl_verify && d.zero_warning && d.diag && d.resolve_dontfail && d.dump_libs);
    assert_eq!(d.dump_keywords.as_deref(), Some("acl"));
    assert_eq!(d.memory.as_deref(), Some("0x42"));
    assert!(c.foreground);
    assert!(!c.debug);
    assert_eq!(ok(&["-dM"]).debug_flags.memory.as_deref(), Some(""));
}

#[test]
fn d_alone_or_with_an_unknown_letter_is_debug_mode() {
    assert!(ok(&["-d"]).debug);
    assert!(ok(&["-dk"]).debug);
    assert!(ok(&["-dC"]).debug);
}

#[test]
fn valued_flags_take_the_next_argument() {
    let c = ok(&[
        "-p",
        "/run/h.pid",
        "-n",
        "100",
        "-N",
        "20",
        "-m",
        "512",
        "-C",
        "/etc",
        "-L",
        "peer1",
        "-x",
        "/run/s.sock",
        "-S",
        "/run/m.sock,level,admin",
        "-S",
        "ipv4@:9999",
    ]);
    assert_eq!(c.pidfile, Some(PathBuf::from("/run/h.pid")));
    assert_eq!(
        (c.maxconn, c.maxpconn, c.memmax_mb),
        (Some(100), Some(20), Some(512))
    );
    assert_eq!(c.chdir, Some(PathBuf::from("/etc")));
    assert_eq!(c.localpeer.as_deref(), Some("peer1"));
    assert_eq!(c.unix_socket, Some(PathBuf::from("/run/s.sock")));
    assert_eq!(c.master_cli, ["/run/m.sock,level,admin", "ipv4@:9999"]);
}

#[test]
fn numbers_are_read_like_atol() {
    assert_eq!(ok(&["-n", "abc"]).maxconn, Some(0));
    assert_eq!(ok(&["-n", "12x"]).maxconn, Some(12));
    assert_eq!(ok(&["-N", "-5"]).maxpconn, Some(-5));
}

#[test]
fn the_last_of_a_repeated_flag_wins() {
    let c = ok(&["-p", "a", "-p", "b", "-n", "1", "-n", "2"]);
    assert_eq!(c.pidfile, Some(PathBuf::from("b")));
    assert_eq!(c.maxconn, Some(2));
}

#[test]
fn sf_and_st_take_pids_until_the_next_option() {
    let c = ok(&["-f", "h.cfg", "-sf", "12", "34 ", "-st", "56", "-c"]);
    assert_eq!(c.old_pids, [12, 34, 56]);
    assert_eq!(c.old_pids_action, Some(OldPids::Terminate));
    assert!(c.check);
    let c = ok(&["-sf", "7", "--", "x.cfg"]);
    assert_eq!(c.old_pids, [7]);
    assert_eq!(c.old_pids_action, Some(OldPids::Finish));
    assert_eq!(c.config_files, [PathBuf::from("base.cfg"), "x.cfg".into()]);
    let c = ok(&["-sf", "-c"]);
    assert!(c.old_pids.is_empty());
    assert!(c.check);
}

#[test]
fn bad_pids_are_reported_like_haproxy() {
    assert_eq!(
        cli(&["-sf", "12", "x3"]),
        Err(CliError::Alert(
            "-sf option: some bytes unconsumed in PID list {x3}".to_string()
        ))
    );
    assert_eq!(
        cli(&["-st", "12ab"]),
        Err(CliError::Alert(
            "-st option: some bytes unconsumed in PID list {ab}".to_string()
        ))
    );
    assert_eq!(
        cli(&["-sf", "99999999999999999999"]),
        Err(CliError::Alert(
            "-sf option: failed to parse {99999999999999999999}: Numerical result out of range"
                .to_string()
        ))
    );
    is_usage(&["-sf", "0"]);
}

#[test]
fn unknown_flags_and_bare_words_give_the_usage() {
    is_usage(&["-h"]);
    is_usage(&["-Z"]);
    is_usage(&["-"]);
    is_usage(&["g.cfg"]);
    is_usage(&["-c", "-f", "g.cfg", "extra"]);
    let e = cli(&["-h"]).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with(
        "Usage : haproxy [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n"
    ));
    assert!(text.ends_with("        -S <bind>[,<bind options>...] new master CLI\n\n"));
    assert_eq!(text.lines().count(), 32);
}

#[test]
fn x_without_a_path_alerts_then_gives_the_usage() {
    assert_eq!(
        cli(&["-c", "-x"]),
        Err(CliError::Usage {
            progname: "haproxy".to_string(),
            alert: Some("Unix socket path expected with the -x flag".to_string())
        })
    );
}

#[test]
fn a_valued_flag_at_the_end_fails_to_copy_argv() {
    for f in ["-f", "-n", "-N", "-m", "-C", "-L", "-p", "-S"] {
        assert_eq!(
            cli(&["-c", f]),
            Err(CliError::Alert("failed to copy argv.".to_string())),
            "{f}"
        );
    }
}

#[test]
fn version_texts_say_2_6_12_with_our_suffix() {
    let v = version_text();
    assert!(v.starts_with(&format!(
        "HAProxy version 2.6.12-rs{} ",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(v.contains("Known bugs: http://www.haproxy.org/bugs/bugs-2.6.12.html\n"));
    let vv = build_options_text();
    assert!(vv.starts_with(&v));
    assert!(vv.contains("\nFeature list : -51DEGREES +ACCEPT4"));
    assert!(vv.contains("\nAvailable polling systems :\n"));
}

#[test]
fn without_a_configuration_file_only_v_and_cc_are_accepted() {
    is_usage(&[]);
    is_usage(&["-q"]);
    is_usage(&["-c", "-x", "-f"]);
    assert_eq!(ok(&["-v"]).progname, "haproxy");
    assert!(cli(&["-cc", "1"]).unwrap().config_files.is_empty());
}

#[test]
fn argv_is_checked_before_the_flags_are_read() {
    for args in [&["-cc", "-f"][..], &["-Z", "-f"], &["-v", "-p"]] {
        assert_eq!(
            cli(args),
            Err(CliError::Alert("failed to copy argv.".to_string())),
            "{args:?}"
        );
    }
    assert!(ok(&["-x", "-f", "-f", "a.cfg"]).unix_socket.is_some());
}

#[test]
fn random_argument_vectors_never_panic_the_parser() {
    const WORDS: &[&str] = &[
        "-f",
        "-c",
        "-cc",
        "-D",
        "-db",
        "-p",
        "-sf",
        "-st",
        "-W",
        "-Ws",
        "-q",
        "-V",
        "-v",
        "-vv",
        "-x",
        "-L",
        "-N",
        "-n",
        "-C",
        "-m",
        "-S",
        "-d",
        "-dM",
        "-dK",
        "-de",
        "-dW",
        "--",
        "-",
        "",
        "a.cfg",
        "dir",
        "0",
        "-1",
        "12",
        "2147483647",
        "2147483648",
        "4294967296",
        "99999999999999999999999",
        "-99999999999999999999",
        "0x10",
        "12 ",
        " 12",
        "1,2",
        "é",
        "🙂",
        "-é",
        "-sf🙂",
        "-f\u{0}",
        "--f",
        "--sf=1",
        "--vv",
        "-vvvv",
        "-cfoo",
        "-Wsx",
        "-sfx",
        "-stx",
        "-dMfoo,bar",
        "-dK",
        "defined(HOME)",
        "\\",
    ];
    let mut state: u64 = 0x00c1_1f22_3344_5566;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % 1_000_003).unwrap()
    };
    for _ in 0..3000 {
        let n = next() % 9;
        let mut argv: Vec<String> = (0..n)
            .map(|_| match next() % 10 {
                0 => {
                    let w = WORDS[next() % WORDS.len()];
                    let v = WORDS[next() % WORDS.len()];
                    format!("{w}{v}")
                }
                1 => "-c".repeat(1 + next() % 300),
                _ => WORDS[next() % WORDS.len()].to_string(),
            })
            .collect();
        if next() % 20 == 0 {
            argv = std::iter::repeat_n("-q".to_string(), 300).collect();
        }
        let a = argv.clone();
        let r = std::panic::catch_unwind(move || {
            let _ = parse(
                std::iter::once("haproxy".to_string())
                    .chain(a)
                    .map(OsString::from),
            );
        });
        assert!(r.is_ok(), "cli::parse panicked on {argv:?}");
    }
}

#[test]
fn an_empty_path_is_kept_for_haproxy_to_complain_about() {
    let base = PathBuf::from("base.cfg");
    let empty = PathBuf::from("");
    assert_eq!(
        ok(&["-c", "-f", ""]).config_files,
        [base.clone(), empty.clone()]
    );
    assert_eq!(ok(&["-c", "--", ""]).config_files, [base, empty.clone()]);
    assert_eq!(ok(&["-C", ""]).chdir, Some(empty));
}
