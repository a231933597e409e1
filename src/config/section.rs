//! Groups lexed lines into sections (configuration.txt 2.5 and 4: `global`, `defaults`,
//! `frontend`, `backend`, `listen`, `userlist`, `peers`, `resolvers`, `mailers`, `cache`,
//! `program`, `http-errors`, `ring`).
//!
//! A section runs from its header line to the next header. Headers are checked here
//! (`'frontend' expects an <id> argument`, `from NAME`); the keyword lines are parsed by
//! `config::kw`. Each file is grouped on its own: a file always starts out of any section.

use super::diag::{Diags, Loc};
use super::lexer::Line;

/// The kind of a section header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// `global`.
    Global,
    /// `defaults [NAME] [from DEFAULTS]`.
    Defaults,
    /// `frontend NAME [from DEFAULTS]`.
    Frontend,
    /// `backend NAME [from DEFAULTS]`.
    Backend,
    /// `listen NAME [from DEFAULTS]`.
    Listen,
    /// `userlist NAME`.
    Userlist,
    /// `peers NAME` (parsed, not active).
    Peers,
    /// `resolvers NAME` (parsed, not active).
    Resolvers,
    /// `mailers NAME` (parsed, not active).
    Mailers,
    /// `cache NAME` (parsed, not active).
    Cache,
    /// `program NAME` (parsed, not active).
    Program,
    /// `http-errors NAME`.
    HttpErrors,
    /// `ring NAME` (parsed, not active).
    Ring,
}

impl SectionKind {
    /// Recognises a section header keyword.
    pub fn from_keyword(word: &str) -> Option<SectionKind> {
        Some(match word {
            "global" => SectionKind::Global,
            "defaults" => SectionKind::Defaults,
            "frontend" => SectionKind::Frontend,
            "backend" => SectionKind::Backend,
            "listen" => SectionKind::Listen,
            "userlist" => SectionKind::Userlist,
            "peers" => SectionKind::Peers,
            "resolvers" => SectionKind::Resolvers,
            "mailers" => SectionKind::Mailers,
            "cache" => SectionKind::Cache,
            "program" => SectionKind::Program,
            "http-errors" => SectionKind::HttpErrors,
            "ring" => SectionKind::Ring,
            _ => return None,
        })
    }

    /// The header keyword, as HAProxy prints it in messages.
    pub fn keyword(self) -> &'static str {
        match self {
            SectionKind::Global => "global",
            SectionKind::Defaults => "defaults",
            SectionKind::Frontend => "frontend",
            SectionKind::Backend => "backend",
            SectionKind::Listen => "listen",
            SectionKind::Userlist => "userlist",
            SectionKind::Peers => "peers",
            SectionKind::Resolvers => "resolvers",
            SectionKind::Mailers => "mailers",
            SectionKind::Cache => "cache",
            SectionKind::Program => "program",
            SectionKind::HttpErrors => "http-errors",
            SectionKind::Ring => "ring",
        }
    }

    /// True for `defaults`, `frontend`, `backend` and `listen`.
    pub fn is_proxy(self) -> bool {
        matches!(
            self,
            SectionKind::Defaults
                | SectionKind::Frontend
                | SectionKind::Backend
                | SectionKind::Listen
        )
    }
}

/// A section and its body lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its kind.
    pub kind: SectionKind,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// `from NAME`: the defaults section to inherit from.
    pub from: Option<String>,
    /// Where the header line is.
    pub loc: Loc,
    /// The lines after the header, up to the next header.
    pub lines: Vec<Line>,
    /// Diagnostics found after this section's lines (a broken next header), to be reported
    /// once its lines were parsed so that messages keep the file order.
    pub trailing: Diags,
}

/// The outcome of grouping one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grouped {
    /// The sections, in file order.
    pub sections: Vec<Section>,
    /// True if a fatal header error stopped the parsing (HAProxy's `ERR_ABORT`).
    pub aborted: bool,
}

/// Groups lines into sections. Lines before any section header are errors.
pub fn group(lines: Vec<Line>, diags: &mut Diags) -> Vec<Section> {
    group_file(lines, diags).sections
}

/// Groups the lines of one file, telling whether a fatal header error stopped it.
pub fn group_file(lines: Vec<Line>, diags: &mut Diags) -> Grouped {
    let mut out = Grouped::default();
    let mut skipping = false;
    let mut orphan = false;
    for line in lines {
        let kw = line.keyword();
        let Some(kind) = SectionKind::from_keyword(kw) else {
            if orphan {
                // HAProxy has no current proxy after such a header: every line says so.
                let sink = match out.sections.last_mut() {
                    Some(s) => &mut s.trailing,
                    None => &mut *diags,
                };
                sink.alert(&line.loc, kw, "'listen' or 'defaults' expected.");
                continue;
            }
            if skipping {
                continue;
            }
            match out.sections.last_mut() {
                Some(s) => s.lines.push(line),
                None => diags.global(
                    super::diag::Level::Alert,
                    format!(
                        "parsing [{}]: unknown keyword '{}' out of section.",
                        line.loc, kw
                    ),
                ),
            }
            continue;
        };
        match header(kind, &line) {
            Ok(section) => {
                skipping = false;
                orphan = false;
                out.sections.push(section);
            }
            Err(e) => {
                let sink = match out.sections.last_mut() {
                    Some(s) => &mut s.trailing,
                    None => &mut *diags,
                };
                orphan = e.orphan;
                if e.orphan {
                    // Possibly silent (a backend with extra words), possibly two alerts.
                    for m in std::iter::once(e.msg)
                        .chain(e.then)
                        .filter(|m| !m.is_empty())
                    {
                        sink.alert(&line.loc, kw, m);
                    }
                } else if e.bare {
                    sink.global(
                        super::diag::Level::Alert,
                        format!("parsing [{}]: {}", line.loc, e.msg),
                    );
                } else {
                    sink.alert(&line.loc, kw, e.msg);
                }
                if e.abort {
                    out.aborted = true;
                    return out;
                }
                // HAProxy keeps reading; the broken section's lines are dropped.
                skipping = true;
            }
        }
    }
    out
}

/// A broken section header.
struct HeaderError {
    /// HAProxy's message.
    msg: String,
    /// True when HAProxy stops reading the configuration (`ERR_ABORT`).
    abort: bool,
    /// True when the message is printed as `parsing [f:l]: msg` (no space before ':').
    bare: bool,
    /// True when HAProxy goes on without a current proxy, so that each following line of
    /// the section is an alert.
    orphan: bool,
    /// A second alert HAProxy prints for the same header.
    then: Option<String>,
}

fn herr(msg: String, abort: bool, bare: bool) -> HeaderError {
    HeaderError {
        msg,
        abort,
        bare,
        orphan: false,
        then: None,
    }
}

/// A proxy header HAProxy refuses without stopping: `msg` may be empty (then nothing is
/// printed for the header itself).
fn orphan(msg: String) -> HeaderError {
    HeaderError {
        msg,
        abort: false,
        bare: false,
        orphan: true,
        then: None,
    }
}

/// Parses a header line into an empty section.
fn header(kind: SectionKind, line: &Line) -> Result<Section, HeaderError> {
    let kw = kind.keyword();
    let mut name = line.word(1).map(str::to_string);
    let mut rest = 2;
    if kind == SectionKind::Defaults && name.as_deref() == Some("from") {
        name = None;
        rest = 1;
    }
    let needs_name = !matches!(kind, SectionKind::Global | SectionKind::Defaults);
    if needs_name && name.is_none() {
        return Err(match kind {
            SectionKind::Userlist => {
                herr(format!("'{kw}' expects <name> as arguments."), false, true)
            }
            SectionKind::Ring => herr("missing ring name.".into(), false, false),
            SectionKind::Cache => herr(format!("'{kw}' expects a <name> argument"), true, false),
            SectionKind::Peers
            | SectionKind::Resolvers
            | SectionKind::Mailers
            | SectionKind::HttpErrors => {
                herr(format!("missing name for {kw} section."), true, false)
            }
            _ => herr(format!("'{kw}' expects an <id> argument"), true, false),
        });
    }
    if let (Some(n), false) = (&name, kind == SectionKind::Defaults) {
        let bad = n
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')));
        if let Some(c) = bad {
            let msg = format!("character '{c}' is not permitted in '{kw}' name '{n}'.");
            return Err(herr(msg, !kind.is_proxy(), false));
        }
    }
    let mut from = None;
    if kind.is_proxy() {
        match (line.word(rest), line.word(rest + 1)) {
            (Some("from"), Some(d)) => from = Some(d.to_string()),
            // `defaults from` alone: HAProxy reads an ordinary defaults section.
            (Some("from"), None) if kind == SectionKind::Defaults => {}
            (Some(_), _) if kind != SectionKind::Defaults => {
                // `frontend|listen|backend NAME WORD` without `from DEFAULTS`.
                let msg = match kind {
                    SectionKind::Frontend | SectionKind::Listen => {
                        "please use the 'bind' keyword for listening addresses.".to_string()
                    }
                    _ => String::new(),
                };
                return Err(orphan(msg));
            }
            _ => {}
        }
        if kind != SectionKind::Defaults {
            if let Some(extra) = line.word(rest + 2) {
                let msg = format!("'{kw}' cannot handle unexpected argument '{extra}'.");
                let mut e = orphan(msg);
                if matches!(kind, SectionKind::Frontend | SectionKind::Listen) {
                    // HAProxy then also asks for `bind`, in a second alert.
                    e.then = Some("please use the 'bind' keyword for listening addresses.".into());
                }
                return Err(e);
            }
        }
    }
    Ok(Section {
        kind,
        name: if kind == SectionKind::Global {
            None
        } else {
            name
        },
        from,
        loc: line.loc.clone(),
        lines: Vec::new(),
        trailing: Diags::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        let mut d = Diags::new();
        super::super::lexer::lex("t.cfg", text, &|_| None, &mut d)
    }

    #[test]
    fn lines_are_grouped_under_their_headers() {
        let mut d = Diags::new();
        let s = group(
            lines("global\n maxconn 10\nfrontend f\n bind :80\n mode http\nbackend b\n"),
            &mut d,
        );
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].kind, SectionKind::Global);
        assert_eq!(s[1].name.as_deref(), Some("f"));
        assert_eq!(s[1].lines.len(), 2);
        assert!(s[2].lines.is_empty());
        assert!(d.list.is_empty());
    }

    #[test]
    fn a_line_before_any_section_is_an_alert() {
        let mut d = Diags::new();
        group(lines("foo bar\nglobal\n"), &mut d);
        assert_eq!(
            d.render(1),
            "[ALERT]    (1) : config : parsing [t.cfg:1]: unknown keyword 'foo' out of section.\n"
        );
    }

    #[test]
    fn a_nameless_frontend_aborts() {
        let mut d = Diags::new();
        let g = group_file(lines("defaults\n mode http\nfrontend\n bind :80\n"), &mut d);
        assert!(g.aborted);
        assert_eq!(g.sections.len(), 1);
        assert_eq!(
            g.sections[0].trailing.render(1),
            "[ALERT]    (1) : config : parsing [t.cfg:3] : 'frontend' expects an <id> argument\n"
        );
    }

    #[test]
    fn from_names_the_defaults_to_inherit() {
        let mut d = Diags::new();
        let s = group(
            lines("defaults base\ndefaults from base\nbackend b from base\n"),
            &mut d,
        );
        assert_eq!(s[0].name.as_deref(), Some("base"));
        assert_eq!(s[1].name, None);
        assert_eq!(s[1].from.as_deref(), Some("base"));
        assert_eq!(s[2].from.as_deref(), Some("base"));
    }

    #[test]
    fn a_proxy_header_with_extra_words_leaves_its_lines_without_a_proxy() {
        let mut d = Diags::new();
        let g = group_file(lines("frontend f :80\n mode http\nbackend b\n"), &mut d);
        assert!(!g.aborted);
        assert_eq!(g.sections.len(), 1);
        assert_eq!(
            d.render(1),
            "[ALERT]    (1) : config : parsing [t.cfg:1] : please use the 'bind' keyword for listening addresses.\n\
             [ALERT]    (1) : config : parsing [t.cfg:2] : 'listen' or 'defaults' expected.\n"
        );
    }
}
