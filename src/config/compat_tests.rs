//! Differential tests: the ALERT/WARNING lines we produce for the seed configurations,
//! Debian's default `haproxy.cfg` and the shipped examples must match what the real
//! `/usr/sbin/haproxy -c` prints (skipped when it is absent).
//!
//! Deliberate differences are normalised away: `nbproc 1` is only a warning here, a line
//! this build refuses as "not supported by haproxy-rs" (a stick-table key or counter form it
//! cannot act on) replaces whatever HAProxy says about that line, and a health check
//! haproxy-rs does not run is refused when a server would run it (README).

use std::path::{Path, PathBuf};
use std::process::Command;

const REAL: &str = "/usr/sbin/haproxy";

/// Our diagnostics for `file`, rendered like HAProxy with pid 0, nbproc lines dropped.
pub(crate) fn ours(dir: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let diags = match super::load_texts(&[(name, &text)], &|k| std::env::var(k).ok()) {
        Ok(l) => l.diags,
        Err(d) => d,
    };
    normalise(&diags.render(0))
}

/// The real binary's diagnostics for `file`, run from its directory.
pub(crate) fn theirs(dir: &Path, name: &str) -> Vec<String> {
    let out = Command::new(REAL)
        .arg("-c")
        .arg("-f")
        .arg(name)
        .current_dir(dir)
        .output()
        .unwrap();
    normalise(&String::from_utf8_lossy(&out.stderr))
}

fn normalise(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in text.lines() {
        let keep = l.starts_with("[ALERT]") || l.starts_with("[WARNING]");
        if l.starts_with("   | ") {
            if let Some(last) = out.last_mut() {
                last.push_str(l);
            }
            continue;
        }
        if !keep || l.contains("nbproc") {
            continue;
        }
        // Drop the pid: "[ALERT]    (1234) : ..." -> "[ALERT] : ...".
        let (tag, rest) = l.split_once('(').unwrap_or((l, ""));
        let rest = rest.split_once(')').map(|(_, r)| r).unwrap_or(rest);
        out.push(format!("{}{}", tag.trim_end(), rest));
    }
    out
}

fn files() -> Vec<(PathBuf, String)> {
    let mut v = Vec::new();
    let own = concat!(env!("CARGO_MANIFEST_DIR"), "/src/config/testdata");
    for dir in [
        "/work/shared/seed/configs",
        "/usr/share/doc/haproxy/examples",
        own,
    ] {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".cfg"))
            .collect();
        names.sort();
        v.extend(names.into_iter().map(|n| (PathBuf::from(dir), n)));
    }
    v.push((PathBuf::from("/etc/haproxy"), "haproxy.cfg".into()));
    v.retain(|(d, n)| d.join(n).exists());
    v
}

/// Drops our refusals of health checks we do not run, and the closing alerts they alone
/// caused.
fn without_check_refusals(ours: Vec<String>, real: &[String]) -> Vec<String> {
    let mark = super::kw::check::NOT_SUPPORTED;
    let mut v: Vec<String> = ours.into_iter().filter(|l| !l.contains(mark)).collect();
    for closing in [
        "Fatal errors found in configuration.",
        "Error(s) found in configuration file",
    ] {
        if !real.iter().any(|l| l.contains(closing)) {
            v.retain(|l| !l.contains(closing));
        }
    }
    v
}

#[test]
fn seed_and_example_configs_get_the_same_messages_as_haproxy() {
    if !Path::new(REAL).exists() {
        return;
    }
    let mut failures = Vec::new();
    for (dir, name) in files() {
        let raw = ours(&dir, &name);
        let refused = raw
            .iter()
            .any(|l| l.contains(super::kw::check::NOT_SUPPORTED));
        let (a, b) = drop_refused(raw, theirs(&dir, &name));
        let a = if refused {
            without_check_refusals(a, &b)
        } else {
            a
        };
        if a != b {
            failures.push(format!(
                "{}/{name}\n ours:\n  {}\n real:\n  {}",
                dir.display(),
                a.join("\n  "),
                b.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Removes, from both lists, the lines about a place where ours says "not supported by
/// haproxy-rs" (a deliberate refusal of a form HAProxy accepts).
fn drop_refused(ours: Vec<String>, theirs: Vec<String>) -> (Vec<String>, Vec<String>) {
    let places: Vec<String> = ours
        .iter()
        .filter(|l| l.contains("not supported by haproxy-rs"))
        .filter_map(|l| {
            let start = l.find("parsing [")?;
            let end = l.get(start..)?.find(']')?;
            l.get(start..start + end + 1).map(str::to_string)
        })
        .collect();
    let keep = |l: &String| !places.iter().any(|p| l.contains(p.as_str()));
    (
        ours.into_iter().filter(keep).collect(),
        theirs.into_iter().filter(keep).collect(),
    )
}

/// Compares one file named by `KW_FILE` (run with `--ignored`), for exploring.
#[test]
#[ignore]
fn compare_the_file_named_by_kw_file() {
    let Ok(path) = std::env::var("KW_FILE") else {
        return;
    };
    let path = PathBuf::from(path);
    let dir = path.parent().unwrap().to_path_buf();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (a, b) = (ours(&dir, &name), theirs(&dir, &name));
    assert_eq!(
        a,
        b,
        "\n ours:\n  {}\n real:\n  {}",
        a.join("\n  "),
        b.join("\n  ")
    );
}
