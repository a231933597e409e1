//! The differential corpus of the rules engine (issue 7): fetches, converters, actions and ACLs.
//! Each case of `tests/rules/cases/NAME.case` is a config fragment wrapped into a full config
//! (one frontend, one backend, an echo origin on `127.0.0.1:0`) and one or more requests; what
//! the client received (status line, response headers, body) and what the origin received
//! (request line, headers, body) are compared with `NAME.expected`, recorded from the real
//! HAProxy 2.6 by `tests/rules/regenerate.sh`. The format is described in `tests/rules/README.md`.
//!
//! A case passes when the binary under test acts as HAProxy did, or when it refuses the config
//! at load (`-c`, or the start-up, exits non-zero with an ALERT quoting the case's config). Cases our engine does
//! not pass yet are listed in `tests/rules/KNOWN_DIFFERENCES`; that list may only shrink: a case
//! missing from it that fails, and a listed case that passes, both fail the test.
//!
//! With `HAPROXY_UNDER_TEST=/usr/sbin/haproxy` every case must match its expectation exactly,
//! which proves the corpus deterministic. `RULES_CASE=PREFIX` runs only the cases whose name
//! starts with PREFIX.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

#[path = "rules_corpus/case.rs"]
mod case;
mod common;
#[path = "rules_corpus/wire.rs"]
mod wire;

use case::{escape, Case};
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wire::{latin1, unlatin1, Client, EchoOrigin, Response, Seen};

/// Cases run at once (each is mostly waiting on its proxy).
const WORKERS: usize = 8;
/// Address written in place of `@@fe` for the `-c` run (nothing is bound by `-c`).
const CHECK_BIND: &str = "127.0.0.1:1";

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules")
}

fn cases() -> Vec<Case> {
    case::load_all(&rules_dir().join("cases"))
}

// ---------------------------------------------------------------------------------------------
// one run of one case
// ---------------------------------------------------------------------------------------------

/// What one binary did with one case.
#[derive(Debug, Default)]
struct Run {
    /// The observation lines, in the `.expected` format (without comments).
    lines: Vec<String>,
    /// `-c` refused the config, or the process refused to start with it.
    refused: bool,
    /// Its ALERT lines (path of the config replaced by `{file}`).
    alerts: Vec<String>,
    /// An ALERT quotes the case's config: a line number of the fragment or one of its words.
    alert_names_fragment: bool,
    /// How long the case took.
    took: Duration,
}

/// Replaces the decimal `port` (not part of a longer number) by `name`.
fn replace_port(s: &str, port: u16, name: &str) -> String {
    let p = port.to_string();
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(&p) {
        let before = rest[..i].chars().last();
        let after = rest[i + p.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
            out.push_str(&p);
        } else {
            out.push_str(name);
        }
        rest = &rest[i + p.len()..];
    }
    out.push_str(rest);
    out
}

/// A built-in error page (`<html><body><h1>...`) is compared on its heading only: the sentence
/// under it is our own wording on purpose (README, "Deliberate differences"), and so is its
/// length.
fn error_page_heading(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.starts_with("<html><body><h1>") {
        return None;
    }
    let end = text.find("</h1>")?;
    Some(text["<html><body>".len()..end + 5].to_string())
}

/// The observation lines of one response.
fn response_lines(r: Option<&Response>, out: &mut Vec<String>) {
    let Some(r) = r else {
        out.push("status none".into());
        return;
    };
    out.push(format!("status {}", escape(&unlatin1(&r.status))));
    let heading = error_page_heading(&r.body);
    let mut hdrs: Vec<String> = r
        .headers
        .iter()
        .filter(|(k, _)| k != "date" && !(heading.is_some() && k == "content-length"))
        .map(|(k, v)| format!("header {k}: {}", escape(&unlatin1(v))))
        .collect();
    hdrs.sort();
    out.extend(hdrs);
    match heading {
        Some(h) => out.push(format!("errorpage {h}")),
        None if !r.body.is_empty() => out.push(format!("body {}", escape(&r.body))),
        None => {}
    }
    if r.truncated {
        out.push("truncated".into());
    }
}

/// The observation lines of what the origin received for one request.
fn origin_lines(seen: &[Seen], out: &mut Vec<String>) {
    if seen.is_empty() {
        out.push("origin none".into());
    }
    for s in seen {
        let text = latin1(&s.head);
        let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
        out.push(format!(
            "origin {}",
            escape(&unlatin1(lines.next().unwrap_or("")))
        ));
        for l in lines {
            out.push(format!("origin-header {}", escape(&unlatin1(l))));
        }
        if !s.body.is_empty() {
            out.push(format!("origin-body {}", escape(&s.body)));
        }
    }
}

/// Whether an ALERT quotes the case's config: one of its line numbers or one of its words.
fn names_fragment(case: &Case, fragment_lines: &[usize], alerts: &[String]) -> bool {
    let words = case.fragment_words();
    alerts.iter().any(|a| {
        fragment_lines.iter().any(|n| a.contains(&format!(":{n}]")))
            || words.iter().any(|w| a.contains(w.as_str()))
    })
}

/// Runs one case through `bin`: `-c` first, then (if it loads) every request.
fn run_case(bin: &Path, case: &Case) -> Run {
    let dir = TempDir::new();
    for (name, content) in &case.files {
        dir.write(name, content);
    }
    let origin = EchoOrigin::start(case.response.clone());
    let (cfg, fragment_lines) = case.config(&origin.addr.to_string(), dir.path());
    let check = dir.write("check.cfg", &cfg.replace("@@fe", CHECK_BIND));
    let out = run_bin(bin, &["-c", "-f", check.to_str().unwrap()], WAIT);
    let mut run = Run::default();
    if out.code != 0 {
        let file = check.to_string_lossy().into_owned();
        let dir_text = dir.path().to_string_lossy().into_owned();
        run.alerts = alert_lines(&out.stderr, Some(&file))
            .into_iter()
            .map(|a| a.replace(&dir_text, "{dir}"))
            .collect();
        run.alert_names_fragment = names_fragment(case, &fragment_lines, &run.alerts);
        run.refused = true;
        run.lines.push("config refused".into());
        return run;
    }
    run.lines.push("config loaded".into());
    let h = match Haproxy::start_bin(bin, &cfg) {
        Ok(h) => h,
        Err(e) => {
            // Refused at start-up: our design for keywords that type at load (so `-c` keeps
            // HAProxy's verdict) but that this build cannot run yet.
            run.lines.push("start failed".into());
            run.alerts = alert_lines(&e, None);
            run.alert_names_fragment = names_fragment(case, &fragment_lines, &run.alerts);
            run.refused = true;
            return run;
        }
    };
    let fe = h.addr("fe");
    let mut client = Client::new(fe);
    let mut lines = Vec::new();
    for (i, req) in case.requests.iter().enumerate() {
        lines.push(format!("request {}", i + 1));
        let before = origin.count();
        let r = client.exchange(&req.bytes, req.same_connection, req.head);
        response_lines(r.as_ref(), &mut lines);
        origin_lines(&origin.seen_since(before), &mut lines);
    }
    drop(client);
    drop(h);
    let origin_port = origin.addr.port();
    run.lines.extend(lines.into_iter().map(|l| {
        replace_port(
            &replace_port(&l, fe.port(), "{fe_port}"),
            origin_port,
            "{origin_port}",
        )
    }));
    run
}

/// Runs every case through `bin`, [`WORKERS`] at a time; runs in case order.
fn run_all(bin: &Path, cases: &[Case]) -> Vec<Run> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Run>>> = Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|sc| {
        for _ in 0..WORKERS {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let t0 = Instant::now();
                let mut r = run_case(bin, case);
                r.took = t0.elapsed();
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// expectations
// ---------------------------------------------------------------------------------------------

/// The observation lines of an `.expected` file (comments and blank lines dropped).
fn expected_lines(case: &Case) -> Vec<String> {
    let text = std::fs::read_to_string(&case.expected)
        .unwrap_or_else(|e| panic!("{}: no expectation ({e})", case.name));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(String::from)
        .collect()
}

/// The text of an `.expected` file for `run` (from the real HAProxy).
fn render(run: &Run) -> String {
    let mut s = String::from(
        "# written by tests/rules/regenerate.sh from /usr/sbin/haproxy (HAProxy 2.6); do not edit\n",
    );
    for a in &run.alerts {
        s.push_str(&format!("# {a}\n"));
    }
    for l in &run.lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// `want` and `got` as a short diff: lines only expected (`-`) and only observed (`+`).
fn diff(want: &[String], got: &[String]) -> String {
    let mut s = String::new();
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < got.len() {
        if i < want.len() && j < got.len() && want[i] == got[j] {
            i += 1;
            j += 1;
        } else if i < want.len() && !got[j..].contains(&want[i]) {
            s.push_str(&format!("      - {}\n", want[i]));
            i += 1;
        } else if j < got.len() {
            s.push_str(&format!("      + {}\n", got[j]));
            j += 1;
        } else {
            s.push_str(&format!("      - {}\n", want[i]));
            i += 1;
        }
    }
    s
}

/// The names listed in `KNOWN_DIFFERENCES`.
fn known_differences() -> BTreeSet<String> {
    std::fs::read_to_string(rules_dir().join("KNOWN_DIFFERENCES"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// How one case came out.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Acted as HAProxy did.
    Equal,
    /// Refused at load, with an ALERT quoting the case, where HAProxy loaded it.
    Refused,
    /// Anything else; the diff.
    Different(String),
}

fn verdict(case: &Case, run: &Run, strict: bool) -> Verdict {
    let want = expected_lines(case);
    if want == run.lines {
        return Verdict::Equal;
    }
    let loaded = want.first().is_some_and(|l| l == "config loaded");
    if !strict && run.refused && loaded && run.alert_names_fragment {
        return Verdict::Refused;
    }
    let mut d = diff(&want, &run.lines);
    if run.refused && loaded {
        d.push_str("      (refused, but no ALERT quotes the case's config)\n");
    }
    for a in &run.alerts {
        d.push_str(&format!("      alert: {a}\n"));
    }
    Verdict::Different(d)
}

// ---------------------------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------------------------

#[test]
fn every_case_parses_and_has_an_expectation() {
    let cases = cases();
    if std::env::var_os("RULES_CASE").is_none() {
        assert!(cases.len() >= 160, "only {} cases", cases.len());
    }
    for c in &cases {
        let want = expected_lines(c);
        let refused = want.first().map(String::as_str) == Some("config refused");
        assert!(
            refused || want.first().map(String::as_str) == Some("config loaded"),
            "{}: the expectation starts with neither `config loaded` nor `config refused`",
            c.name
        );
        // A case meant to probe a behaviour must not be refused by a typo, and a refusal case
        // must stay one: the name says which.
        assert_eq!(
            refused,
            c.name.starts_with("refuse_"),
            "{}: HAProxy {} it; only `refuse_*` cases are refused",
            c.name,
            if refused { "refuses" } else { "loads" }
        );
        if !refused {
            let requests = want.iter().filter(|l| l.starts_with("request ")).count();
            assert_eq!(requests, c.requests.len(), "{}: stale expectation", c.name);
        }
    }
}

#[test]
fn ports_are_replaced_only_as_whole_numbers() {
    assert_eq!(
        replace_port("a:4000 14000 40001", 4000, "{p}"),
        "a:{p} 14000 40001"
    );
}

/// The comparison (issue 7). Against the real HAProxy every case must match exactly; against
/// ours a case passes equal or refused, and the failures must be exactly the listed ones.
#[test]
fn every_case_acts_as_haproxy_or_is_refused_at_load() {
    let bin = binary_under_test();
    let strict = under_test_is_real();
    let cases = cases();
    let t0 = Instant::now();
    let runs = run_all(&bin, &cases);
    let known = known_differences();
    let (mut equal, mut refused, mut known_diff) = (0, 0, 0);
    let (mut regressions, mut stale, mut refused_names) = (Vec::new(), Vec::new(), Vec::new());
    for (case, run) in cases.iter().zip(&runs) {
        let listed = !strict && known.contains(&case.name);
        match verdict(case, run, strict) {
            Verdict::Equal | Verdict::Refused if listed => stale.push(case.name.clone()),
            Verdict::Equal => equal += 1,
            Verdict::Refused => {
                refused += 1;
                refused_names.push(format!(
                    "  {}: {}",
                    case.name,
                    run.alerts.first().map_or("", String::as_str)
                ));
            }
            Verdict::Different(d) if listed => {
                known_diff += 1;
                if std::env::var_os("RULES_VERBOSE").is_some() {
                    eprintln!("  known-different {}\n{d}", case.name);
                }
            }
            Verdict::Different(d) => regressions.push(format!("  {}\n{d}", case.name)),
        }
    }
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let unknown: Vec<&String> = if strict || std::env::var_os("RULES_CASE").is_some() {
        Vec::new()
    } else {
        known
            .iter()
            .filter(|k| !names.contains(k.as_str()))
            .collect()
    };
    eprintln!(
        "rules corpus on {} ({:.1?}): {} cases, {equal} pass-equal, {refused} pass-refused, \
         {known_diff} known-different, {} unexpected",
        bin.display(),
        t0.elapsed(),
        cases.len(),
        regressions.len()
    );
    if !refused_names.is_empty() {
        eprintln!("pass-refused (HAProxy loads these; the binary under test refuses them):");
        for r in &refused_names {
            eprintln!("{r}");
        }
    }
    for r in &regressions {
        eprintln!("{r}");
    }
    if !stale.is_empty() {
        eprintln!("now passing; remove from tests/rules/KNOWN_DIFFERENCES:");
        for s in &stale {
            eprintln!("{s}");
        }
    }
    for u in &unknown {
        eprintln!("KNOWN_DIFFERENCES names no case: {u}");
    }
    assert!(
        regressions.is_empty() && stale.is_empty() && unknown.is_empty(),
        "{} cases differ from HAProxy 2.6 without being listed, {} listed cases pass, {} listed \
         names are not cases",
        regressions.len(),
        stale.len(),
        unknown.len()
    );
}

/// Writes every `*.expected` from the real HAProxy (run by `tests/rules/regenerate.sh`).
#[test]
#[ignore = "regenerates tests/rules/cases/*.expected from /usr/sbin/haproxy"]
fn regenerate_expectations_from_the_real_haproxy() {
    if std::env::var_os("RULES_CORPUS_REGENERATE").is_none() {
        eprintln!("skipped: tests/rules/regenerate.sh sets RULES_CORPUS_REGENERATE=1");
        return;
    }
    let cases = cases();
    let runs = run_all(Path::new(REAL_HAPROXY), &cases);
    for (case, run) in cases.iter().zip(&runs) {
        std::fs::write(&case.expected, render(run)).unwrap();
    }
    eprintln!("wrote {} expectations", cases.len());
}

/// Lists what ours does differently, one name per line, for `KNOWN_DIFFERENCES` (run by
/// `tests/rules/regenerate.sh --known`).
#[test]
#[ignore = "prints the cases the binary under test does not pass"]
fn list_the_cases_the_binary_under_test_does_not_pass() {
    let cases = cases();
    let runs = run_all(&binary_under_test(), &cases);
    let mut out = String::new();
    for (case, run) in cases.iter().zip(&runs) {
        if let Verdict::Different(_) = verdict(case, run, false) {
            out.push_str(&case.name);
            out.push('\n');
        }
    }
    if let Some(p) = std::env::var_os("RULES_KNOWN_OUT") {
        std::fs::write(p, &out).unwrap();
    } else {
        eprint!("{out}");
    }
}

#[test]
#[ignore = "prints how long each case takes with the binary under test"]
fn time_each_case() {
    let cases = cases();
    let runs = run_all(&binary_under_test(), &cases);
    let mut t: Vec<(Duration, &str)> = runs
        .iter()
        .zip(&cases)
        .map(|(r, c)| (r.took, c.name.as_str()))
        .collect();
    t.sort();
    for (d, n) in t.iter().rev().take(20) {
        eprintln!("{d:>10.1?} {n}");
    }
}
