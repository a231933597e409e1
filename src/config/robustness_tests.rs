//! Robustness: `load_texts` and the lexer must return (Ok or Err) on any input, never panic.
//!
//! A bounded, deterministic fuzz run (a tiny xorshift with a fixed seed, no extra crate) over
//! inputs derived from the seed configurations, Debian's `haproxy.cfg`, `src/config/testdata`
//! and `tests/corpus`: byte flips, truncations, duplicated/shuffled/dropped lines, random
//! keywords with random arguments, huge numbers, empty quotes, `${`, `\x`, unicode...
//! A panic is caught with `catch_unwind` and the input that caused it is reported.
//! Server host names are not resolved here (no DNS from tests).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

/// A tiny xorshift64 generator: deterministic and good enough to pick mutations.
pub(crate) struct XorShift(u64);

impl XorShift {
    /// A generator from a non-zero seed.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// One element of `items`.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Arguments that have broken parsers before: limits, odd units, quoting and expansion.
pub(crate) const NASTY: &[&str] = &[
    "",
    "0",
    "-1",
    "1",
    "256",
    "257",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "-99999999999999999999",
    "99999999d",
    "2147483648ms",
    "4294967296s",
    "1e9",
    "0x",
    "0xffffffffff",
    "1k",
    "9999999999g",
    "5s",
    "10m",
    "1-65535",
    "65535-1",
    "0-0",
    "*:1-65535",
    ":0",
    ":",
    "::",
    "[::1]:80",
    "127.0.0.1:1-65535",
    "127.0.0.1:99999",
    "127.0.0.1:-1",
    "1.2.3.4/33",
    "1.2.3.4/-1",
    "ipv6@",
    "ipv4@:80",
    "unix@",
    "abns@",
    "fd@",
    "fd@99999999999",
    "sockpair@",
    "\"\"",
    "''",
    "\"",
    "'",
    "${",
    "${X",
    "${X-",
    "${X[*]}",
    "\"${X[*]}\"",
    "\"${X-def}\"",
    "\"$X\"",
    "\"${.LINE}\"",
    "\\x",
    "\\x4",
    "\\xZZ",
    "\\",
    "\\ ",
    "#",
    "é",
    "🙂",
    "\u{202e}",
    "[",
    "]",
    "{",
    "}",
    "!",
    "if",
    "unless",
    "or",
    "||",
    "%[",
    "%[src",
    "%{",
    "%",
    "(",
    ")",
    "),",
    "hdr(",
    "path,",
    "-m",
    "-i",
    ".if",
    ".elif",
    ".else",
    ".endif",
    ".if defined(X)",
    ".if streq(",
    ".if version_atleast(99999999999999.99999999999999)",
    ".notice",
    ".warning",
    ".alert",
    "source",
    "roundrobin",
    "random(0)",
    "random(99999999999)",
    "hdr()",
    "url_param",
    "rdp-cookie()",
    "consistent",
    "weight",
    "maxconn",
    "id",
    "check",
    "backup",
    "cookie",
    "inter",
    "rise",
    "fall",
    "slowstart",
    "port",
    "addr",
    "bind",
    "server",
    "backend",
    "frontend",
    "listen",
    "defaults",
    "global",
    "from",
    "userlist",
    "peers",
    "resolvers",
    "ring",
    "cache",
    "program",
];

/// Where the corpus lives: seed configs, Debian's file, testdata, tests/corpus.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("src/config/testdata"),
        root.join("tests/corpus/good"),
        root.join("tests/corpus/bad"),
        Path::new("/work/shared/seed/configs").to_path_buf(),
    ];
    let mut out = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "cfg") {
                if let Ok(b) = std::fs::read(&p) {
                    out.push(String::from_utf8_lossy(&b).into_owned());
                }
            }
        }
    }
    if let Ok(b) = std::fs::read("/etc/haproxy/haproxy.cfg") {
        out.push(String::from_utf8_lossy(&b).into_owned());
    }
    // A built-in fallback so the test means something without the corpus.
    out.push(
        "global\n maxconn 100\ndefaults\n mode http\n timeout connect 5s\n timeout client 30s\n \
         timeout server 30s\nfrontend f\n bind :8080\n default_backend b\nbackend b\n \
         balance roundrobin\n server s1 127.0.0.1:9000 weight 3 check\n"
            .to_string(),
    );
    out
}

/// The first words of every corpus line: the keywords to throw around.
fn keywords(corpus: &[String]) -> Vec<String> {
    let mut kws: Vec<String> = corpus
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| !w.starts_with('#'))
        .map(str::to_string)
        .collect();
    kws.sort();
    kws.dedup();
    kws
}

/// A random argument: a nasty one, a corpus word, or a random short string.
fn random_arg(rng: &mut XorShift, kws: &[String]) -> String {
    match rng.below(4) {
        0 | 1 => (*rng.pick(NASTY)).to_string(),
        2 => rng.pick(kws).clone(),
        _ => {
            let len = rng.below(8);
            (0..len)
                .map(|_| char::from(b' ' + (rng.below(95) as u8)))
                .collect()
        }
    }
}

/// One mutation of `text`.
fn mutate(rng: &mut XorShift, text: &str, kws: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match rng.below(9) {
        0 => {
            // Byte flips, kept valid UTF-8 the lossy way.
            let mut b = text.as_bytes().to_vec();
            for _ in 0..=rng.below(4) {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] = rng.next() as u8;
                }
            }
            return String::from_utf8_lossy(&b).into_owned();
        }
        1 => {
            // Truncation at any byte.
            let b = text.as_bytes();
            let cut = rng.below(b.len() + 1);
            return String::from_utf8_lossy(&b[..cut]).into_owned();
        }
        2 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let l = lines[i].clone();
            for _ in 0..=rng.below(60) {
                lines.insert(i, l.clone());
            }
        }
        3 if lines.len() > 1 => {
            for _ in 0..=rng.below(6) {
                let a = rng.below(lines.len());
                let b = rng.below(lines.len());
                lines.swap(a, b);
            }
        }
        4 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            lines.remove(i);
        }
        5 | 6 => {
            // A random keyword line with random arguments.
            let mut words = vec![rng.pick(kws).clone()];
            for _ in 0..rng.below(6) {
                words.push(random_arg(rng, kws));
            }
            let i = rng.below(lines.len() + 1);
            lines.insert(i, format!("    {}", words.join(" ")));
        }
        _ if !lines.is_empty() => {
            // Replace or append a word of an existing line.
            let i = rng.below(lines.len());
            let mut words: Vec<String> = lines[i].split_whitespace().map(str::to_string).collect();
            let arg = random_arg(rng, kws);
            if words.is_empty() || rng.below(3) == 0 {
                words.push(arg);
            } else {
                let j = rng.below(words.len());
                words[j] = arg;
            }
            lines[i] = format!("    {}", words.join(" "));
        }
        _ => {}
    }
    let mut out = lines.join("\n");
    if rng.below(8) != 0 {
        out.push('\n');
    }
    out
}

/// Environment variables for `${...}`: some empty, some with spaces, some odd.
fn env(name: &str) -> Option<String> {
    match name {
        "X" => Some("a b  c".into()),
        "EMPTY" => Some(String::new()),
        "HOME" => Some("/tmp".into()),
        "NUM" => Some("99999999999999999999".into()),
        "Q" => Some("\"'\\".into()),
        _ => None,
    }
}

/// Runs `f`, host name lookups off, returning a description of the panic if there was one.
fn catch<F: FnOnce()>(f: F) -> Option<String> {
    super::kw::bind::OFFLINE.with(|o| o.set(true));
    catch_unwind(AssertUnwindSafe(f)).err().map(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn thousands_of_mutated_configs_never_panic() {
    let corpus = corpus();
    let kws = keywords(&corpus);
    let mut rng = XorShift::new(0x5eed_cafe_f00d_beef);
    let start = Instant::now();
    let budget = Duration::from_secs(6);
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut runs = 0usize;
    while runs < 3000 && start.elapsed() < budget {
        let base = rng.pick(&corpus).clone();
        let mut text = base;
        for _ in 0..=rng.below(3) {
            text = mutate(&mut rng, &text, &kws);
        }
        let second = if rng.below(5) == 0 {
            let other = rng.pick(&corpus).clone();
            Some(mutate(&mut rng, &other, &kws))
        } else {
            None
        };
        let t = text.clone();
        let res = catch(move || {
            let mut files = vec![("fuzz.cfg", t.as_str())];
            if let Some(s) = &second {
                files.push(("fuzz2.cfg", s.as_str()));
            }
            let _ = super::load_texts_with(&files, &env, &|_, _| None);
            let mut d = super::diag::Diags::new();
            let _ = super::lexer::lex_file("raw.cfg", t.as_bytes(), &env, &mut d);
        });
        if let Some(msg) = res {
            failures.push((msg, text));
        }
        runs += 1;
    }
    assert!(runs >= 300, "only {runs} inputs ran within the budget");
    if let Some((msg, text)) = failures.first() {
        panic!(
            "{} of {runs} inputs panicked; first: {msg}\n--- input ---\n{text}\n---",
            failures.len()
        );
    }
}

#[test]
fn random_raw_bytes_never_panic_the_lexer_or_loader() {
    let mut rng = XorShift::new(42);
    let alphabet: &[u8] = b" \t\n\r\0#\\'\"${}[]()x0123456789abcdefglobaldefaultsserver:.-*@%!";
    for _ in 0..1500 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(10) == 0 {
                    rng.next() as u8
                } else {
                    *rng.pick(alphabet)
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let t = text.clone();
        let res = catch(move || {
            let mut d = super::diag::Diags::new();
            let _ = super::lexer::lex_file("raw.cfg", &bytes, &env, &mut d);
            let _ = super::load_texts_with(&[("raw.cfg", &t)], &env, &|_, _| None);
        });
        assert!(res.is_none(), "panic {res:?} on input {text:?}");
    }
}

/// Every word of the corpus (sub-keywords such as `insert`, `httplog`, `check`).
fn all_words(corpus: &[String]) -> Vec<String> {
    let mut words: Vec<String> = corpus
        .iter()
        .flat_map(|t| t.split_whitespace())
        .filter(|w| !w.starts_with('#') && w.len() < 40)
        .map(str::to_string)
        .collect();
    words.sort();
    words.dedup();
    words
}

#[test]
fn random_keyword_lines_in_every_section_never_panic() {
    const HEADERS: &[&str] = &[
        "global",
        "defaults",
        "defaults d",
        "frontend f",
        "backend b",
        "listen l",
        "userlist u",
        "peers p",
        "resolvers r",
        "ring r",
        "cache c",
        "http-errors h",
        "program p",
        "mailers m",
    ];
    let corpus = corpus();
    let kws = keywords(&corpus);
    let words = all_words(&corpus);
    let mut rng = XorShift::new(0xfeed_face_0123_4567);
    let start = Instant::now();
    let mut runs = 0usize;
    while runs < 3000 && start.elapsed() < Duration::from_secs(6) {
        let mut text = String::new();
        for _ in 0..=rng.below(3) {
            let header: &&str = rng.pick(HEADERS);
            text.push_str(header);
            text.push('\n');
            for _ in 0..=rng.below(4) {
                text.push_str("    ");
                text.push_str(rng.pick(&kws).as_str());
                for _ in 0..rng.below(7) {
                    text.push(' ');
                    if rng.below(2) == 0 {
                        text.push_str(rng.pick(&words).as_str());
                    } else {
                        text.push_str(&random_arg(&mut rng, &kws));
                    }
                }
                text.push('\n');
            }
        }
        let t = text.clone();
        let res = catch(move || {
            let _ = super::load_texts_with(&[("kw.cfg", &t)], &env, &|_, _| None);
        });
        assert!(res.is_none(), "panic {res:?} on input:\n{text}");
        runs += 1;
    }
    assert!(runs >= 300, "only {runs} inputs ran within the budget");
}

#[test]
fn extreme_sizes_return_quickly_without_panicking() {
    let long_word = "a".repeat(1 << 20);
    let many_words = "w ".repeat(100_000);
    let nested_if = ".if 1\n".repeat(10_000);
    let many_ranges = format!("frontend f\n bind {}\n", vec![":1-65535"; 40].join(","));
    let many_lines = "frontend f\n bind :80\n".repeat(5_000);
    let inputs = [
        format!("global\n {long_word}\n"),
        format!("global\n log {many_words}\n"),
        format!("global\n{nested_if}"),
        "global\n .if \"${X[*]}${X[*]}${X[*]}\"\n".to_string(),
        format!("backend b\n server s \"{long_word}\":80\n"),
        many_ranges,
        many_lines,
        format!("{}\n", "\\".repeat(100_000)),
        format!("global\n x \"{}\n", "${".repeat(50_000)),
    ];
    let start = Instant::now();
    for text in inputs {
        let res = catch(|| {
            let _ = super::load_texts_with(&[("big.cfg", &text)], &env, &|_, _| None);
        });
        assert!(
            res.is_none(),
            "panic {res:?} on a {}-byte input",
            text.len()
        );
    }
    assert!(start.elapsed() < Duration::from_secs(60), "too slow");
}
