//! The `.case` file format of `tests/rules/cases/` (described in `tests/rules/README.md`): a
//! config fragment in sections, files written beside the config, the origin's answer and the
//! requests; and the full config a case is wrapped into.

use std::path::{Path, PathBuf};

/// One request of a case.
#[derive(Clone, Debug)]
pub struct Request {
    /// Sent on the connection of the previous request instead of a new one.
    pub same_connection: bool,
    /// The bytes sent (head and body).
    pub bytes: Vec<u8>,
    /// A `HEAD` request (its response has no body).
    pub head: bool,
}

/// One corpus case.
#[derive(Clone, Debug, Default)]
pub struct Case {
    /// File stem.
    pub name: String,
    /// Lines added to `global`.
    pub global: Vec<String>,
    /// Lines added to `defaults`.
    pub defaults: Vec<String>,
    /// Lines added to `frontend fe`.
    pub frontend: Vec<String>,
    /// Lines added to `backend be` (before its `server s1`).
    pub backend: Vec<String>,
    /// Top-level text placed between `defaults` and `frontend fe` (userlists, more backends).
    pub config: Vec<String>,
    /// Files written beside the config: (name, content).
    pub files: Vec<(String, String)>,
    /// What the origin answers to every request (a `HEAD` gets the head only).
    pub response: Vec<u8>,
    /// The requests, sent one after the other.
    pub requests: Vec<Request>,
    /// `NAME.expected`.
    pub expected: PathBuf,
}

/// The origin's answer when the case has no `[response]`.
const DEFAULT_RESPONSE: &str = "HTTP/1.1 200 OK\ncontent-type: text/plain\n\nok";

/// Decodes the escapes of head lines and bodies: `\r`, `\n`, `\t`, `\\`, `\xNN`.
pub fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = s.get(i + 2..i + 4).ok_or("short \\x")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad \\x{hex}"))?);
                i += 2;
            }
            other => return Err(format!("unknown escape \\{:?}", other.map(|c| *c as char))),
        }
        i += 2;
    }
    Ok(out)
}

/// The inverse of [`unescape`], on one line (printable ASCII stays as it is).
pub fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s
}

/// Builds an HTTP/1 message from the lines of a `[request]` or `[response]` block: the first
/// line, header lines up to an empty line, then body lines joined by `\n`. Each line is
/// unescaped; `content-length` is added to a non-empty body unless the head has a length.
fn message(lines: &[String]) -> Result<Vec<u8>, String> {
    let blank = lines.iter().position(|l| l.is_empty());
    let (head, body) = match blank {
        Some(i) => (&lines[..i], &lines[i + 1..]),
        None => (lines, &[][..]),
    };
    if head.is_empty() {
        return Err("empty message".into());
    }
    let mut body_bytes = Vec::new();
    for (i, l) in body.iter().enumerate() {
        if i > 0 {
            body_bytes.push(b'\n');
        }
        body_bytes.extend(unescape(l)?);
    }
    let mut out = Vec::new();
    let mut has_length = false;
    for l in head {
        let lower = l.to_ascii_lowercase();
        has_length |=
            lower.starts_with("content-length:") || lower.starts_with("transfer-encoding:");
        out.extend(unescape(l)?);
        out.extend_from_slice(b"\r\n");
    }
    if !body_bytes.is_empty() && !has_length {
        out.extend(format!("content-length: {}\r\n", body_bytes.len()).bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend(body_bytes);
    Ok(out)
}

/// Parses the text of a `.case` file.
pub fn parse(name: &str, text: &str, expected: PathBuf) -> Result<Case, String> {
    let mut case = Case {
        name: name.to_string(),
        expected,
        ..Case::default()
    };
    // (section header, its lines)
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            blocks.push((line[1..line.len() - 1].trim().to_string(), Vec::new()));
            continue;
        }
        match blocks.last_mut() {
            Some((_, lines)) => lines.push(line.trim_end().to_string()),
            None if line.trim().is_empty() => {}
            None => return Err(format!("line {}: text before the first [section]", n + 1)),
        }
    }
    let mut response = None;
    for (head, mut lines) in blocks {
        let (kind, arg) = head.split_once(' ').unwrap_or((&head, ""));
        let arg = arg.trim();
        if kind != "file" {
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
        }
        let config_lines = |lines: Vec<String>| -> Vec<String> {
            lines
                .into_iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        };
        match kind {
            "global" => case.global.extend(config_lines(lines)),
            "defaults" => case.defaults.extend(config_lines(lines)),
            "frontend" => case.frontend.extend(config_lines(lines)),
            "backend" => case.backend.extend(config_lines(lines)),
            "config" => case.config.extend(lines),
            "file" if !arg.is_empty() => {
                let mut content = lines.join("\n");
                content.push('\n');
                case.files.push((arg.to_string(), content));
            }
            "response" => {
                let lines: Vec<String> = skip_leading_blank(lines);
                response = Some(message(&lines)?);
            }
            "request" => {
                let same_connection = match arg {
                    "" => false,
                    "same-connection" => true,
                    other => return Err(format!("[request {other}]: unknown option")),
                };
                let lines: Vec<String> = skip_leading_blank(lines);
                let head = lines.first().is_some_and(|l| l.starts_with("HEAD "));
                case.requests.push(Request {
                    same_connection,
                    bytes: message(&lines)?,
                    head,
                });
            }
            other => return Err(format!("unknown section [{other}]")),
        }
    }
    case.response = match response {
        Some(r) => r,
        None => message(
            &DEFAULT_RESPONSE
                .lines()
                .map(String::from)
                .collect::<Vec<_>>(),
        )?,
    };
    if case.requests.is_empty() {
        return Err("no [request]".into());
    }
    Ok(case)
}

fn skip_leading_blank(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().skip_while(|l| l.is_empty()).collect()
}

/// Every case of `dir` (`*.case`), sorted by name; `RULES_CASE=PREFIX` keeps the names that
/// start with PREFIX (for working on a family).
pub fn load_all(dir: &Path) -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "case"))
        .collect();
    files.sort();
    let filter = std::env::var("RULES_CASE").unwrap_or_default();
    files
        .into_iter()
        .filter_map(|f| {
            let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
            if !stem.starts_with(&filter) {
                return None;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let expected = f.with_extension("expected");
            Some(parse(&stem, &text, expected).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        })
        .collect()
}

impl Case {
    /// The full configuration: `@@fe` for the listener, `{origin}` and `{dir}` replaced.
    /// Returns the text and the 1-based line numbers that came from the case's fragment.
    pub fn config(&self, origin: &str, dir: &Path) -> (String, Vec<usize>) {
        let mut out: Vec<(String, bool)> = Vec::new();
        let mut push = |l: String, ours: bool| out.push((l, ours));
        push("global".into(), false);
        for l in &self.global {
            push(format!("    {l}"), true);
        }
        push("defaults".into(), false);
        for l in [
            "mode http",
            "timeout connect 2s",
            "timeout client 3s",
            "timeout server 3s",
            "timeout http-request 2s",
        ] {
            push(format!("    {l}"), false);
        }
        for l in &self.defaults {
            push(format!("    {l}"), true);
        }
        for l in &self.config {
            push(l.clone(), true);
        }
        push("frontend fe".into(), false);
        push("    bind @@fe".into(), false);
        for l in &self.frontend {
            push(format!("    {l}"), true);
        }
        if !self
            .frontend
            .iter()
            .any(|l| l.starts_with("default_backend"))
        {
            push("    default_backend be".into(), false);
        }
        push("backend be".into(), false);
        for l in &self.backend {
            push(format!("    {l}"), true);
        }
        push("    server s1 {origin}".into(), false);
        let dir = dir.to_string_lossy();
        let mut text = String::new();
        let mut ours = Vec::new();
        for (i, (l, mine)) in out.iter().enumerate() {
            text.push_str(&l.replace("{origin}", origin).replace("{dir}", &dir));
            text.push('\n');
            if *mine {
                ours.push(i + 1);
            }
        }
        (text, ours)
    }

    /// The words of the case's own config lines (at least 3 characters, rule-set keywords and
    /// condition words left out), one of which an ALERT refusing the case should quote.
    pub fn fragment_words(&self) -> Vec<String> {
        const GENERIC: &[&str] = &[
            "http-request",
            "http-response",
            "http-after-response",
            "tcp-request",
            "content",
            "connection",
            "session",
            "acl",
            "unless",
            "yes",
        ];
        let mut words = Vec::new();
        for l in self
            .global
            .iter()
            .chain(&self.defaults)
            .chain(&self.config)
            .chain(&self.frontend)
            .chain(&self.backend)
        {
            for w in l.split(|c: char| c.is_whitespace() || "()[],%'\"<>{}=".contains(c)) {
                if w.len() >= 3 && !GENERIC.contains(&w) && !words.iter().any(|x| x == w) {
                    words.push(w.to_string());
                }
            }
        }
        words
    }
}
