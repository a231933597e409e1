//! `h1-case-adjust <from> <to>` and `h1-case-adjust-file <file>` (global, configuration.txt
//! 3.1): the header names written in another case towards clients of frontends with
//! `option h1-case-adjust-bogus-client` and servers of backends with
//! `option h1-case-adjust-bogus-server` (HAProxy's `hdrs_map` in `mux_h1.c`).
//!
//! As in 2.6, the map is keyed by `<from>` as written and looked up with the lower-case name
//! HAProxy stores, so only lower-case `<from>` entries ever match; `<to>` may differ from
//! `<from>` only by case; a `<from>` given twice is refused. The file (the last
//! `h1-case-adjust-file` line wins) is read after the whole configuration, one `from to` pair
//! a line, `#` comments and blank lines skipped, and its entries follow the lines'.
//! Imports nothing outside `config`.

use super::GlobalCtx;
use crate::config::diag::{Diags, Level};
use crate::config::lexer::Line;
use crate::config::model::Global;

/// Why an entry is refused (`add_hdr_case_adjust`).
fn check_entry(g: &Global, from: &str, to: &str) -> Option<String> {
    if to.is_empty() {
        return Some("expect <to>".into());
    }
    if !from.eq_ignore_ascii_case(to) {
        // sic: HAProxy 2.6's wording.
        return Some("<from> and <to> must not differ execpt the case".into());
    }
    if g.h1_case_adjust.iter().any(|(f, _)| f == from) {
        return Some(format!("duplicate entry '{from}'"));
    }
    None
}

/// `h1-case-adjust <from> <to>`.
pub fn case_adjust(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let kw = line.keyword();
    if let Some(extra) = line.word(3) {
        ctx.alert(
            line,
            format!("'{kw}' cannot handle unexpected argument '{extra}'."),
        );
        return;
    }
    let (from, to) = (line.word(1).unwrap_or(""), line.word(2).unwrap_or(""));
    if from.is_empty() || to.is_empty() {
        ctx.alert(line, format!("'{kw}' expects <from> and <to> as argument."));
        return;
    }
    match check_entry(ctx.global, from, to) {
        Some(msg) => ctx.alert(line, msg),
        None => ctx.global.h1_case_adjust.push((from.into(), to.into())),
    }
}

/// `h1-case-adjust-file <file>`: remembered, read by [`load_file`] once all is parsed.
pub fn case_adjust_file(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let kw = line.keyword();
    if let Some(extra) = line.word(2) {
        ctx.alert(
            line,
            format!("'{kw}' cannot handle unexpected argument '{extra}'."),
        );
        return;
    }
    match line.word(1).filter(|f| !f.is_empty()) {
        Some(f) => ctx.global.h1_case_adjust_file = Some(f.into()),
        None => ctx.alert(line, format!("'{kw}' expects <file> as argument.")),
    }
}

/// Reads the `h1-case-adjust-file` into the map (`cfg_h1_headers_case_adjust_postparser`),
/// stopping at the first bad line as HAProxy does.
pub fn load_file(g: &mut Global, diags: &mut Diags) {
    let Some(name) = g.h1_case_adjust_file.clone() else {
        return;
    };
    let Ok(text) = std::fs::read(&name) else {
        let msg = format!("h1-headers-case-adjust-file '{name}': failed to open file.");
        diags.global(Level::Alert, msg);
        return;
    };
    let text = String::from_utf8_lossy(&text);
    for (i, l) in text.split('\n').enumerate() {
        let l = l.trim_start_matches([' ', '\t']);
        if l.is_empty() || l.starts_with(['#', '\r']) {
            continue;
        }
        let end = l.find([' ', '\t', '\r']).unwrap_or(l.len());
        let (from, rest) = l.split_at(end);
        let rest = rest.trim_start_matches([' ', '\t']);
        let to = rest
            .split('\r')
            .next()
            .unwrap_or("")
            .trim_end_matches([' ', '\t']);
        if let Some(err) = check_entry(g, from, to) {
            let msg = format!(
                "h1-headers-case-adjust-file '{name}' : {err} at line {}.",
                i + 1
            );
            diags.global(Level::Alert, msg);
            return;
        }
        g.h1_case_adjust.push((from.into(), to.into()));
    }
}

#[cfg(test)]
mod tests {
    use crate::config::model::Config;

    fn load(global: &str) -> Result<Config, Vec<String>> {
        let text = format!("global\n{global}defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nbackend be\n server s1 127.0.0.1:80\n");
        crate::config::load_texts(&[("t.cfg", &text)], &|_| None)
            .map(|l| l.config)
            .map_err(|d| d.list.iter().map(|d| d.msg.clone()).collect())
    }

    #[test]
    fn entries_keep_their_order_and_only_case_may_differ() {
        let c =
            load(" h1-case-adjust content-type Content-Type\n h1-case-adjust Foo fOO\n").unwrap();
        assert_eq!(
            c.global.h1_case_adjust,
            [
                ("content-type".to_string(), "Content-Type".to_string()),
                ("Foo".to_string(), "fOO".to_string())
            ]
        );
        // Keys are compared as written: `foo` and `Foo` are two entries in 2.6 too.
        assert!(load(" h1-case-adjust foo FOO\n h1-case-adjust Foo fOO\n").is_ok());
        let e = load(" h1-case-adjust foo bar\n").unwrap_err();
        assert!(
            e[0].ends_with("<from> and <to> must not differ execpt the case"),
            "{e:?}"
        );
        let e = load(" h1-case-adjust foo FOO\n h1-case-adjust foo Foo\n").unwrap_err();
        assert!(e[0].ends_with("duplicate entry 'foo'"), "{e:?}");
        let e = load(" h1-case-adjust foo FOO x\n").unwrap_err();
        assert!(e[0].ends_with("'h1-case-adjust' cannot handle unexpected argument 'x'."));
    }

    #[test]
    fn the_file_is_read_after_the_lines_and_stops_at_its_first_bad_line() {
        let dir = std::env::temp_dir().join(format!("h1case-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("map");
        std::fs::write(
            &f,
            "  # c\n\nx-foo   X-FOO  \r\ncontent-type\tContent-Type\nbad Other\n",
        )
        .unwrap();
        let g = format!(
            " h1-case-adjust-file {}\n h1-case-adjust a A\n",
            f.display()
        );
        let e = load(&g).unwrap_err();
        assert_eq!(
            e[0],
            format!(
                "h1-headers-case-adjust-file '{}' : <from> and <to> must not differ execpt the case at line 5.",
                f.display()
            )
        );
        std::fs::write(&f, "x-foo X-FOO\n").unwrap();
        let c = load(&g).unwrap();
        assert_eq!(c.global.h1_case_adjust.len(), 2);
        assert_eq!(c.global.h1_case_adjust[1].1, "X-FOO");
        let e = load(" h1-case-adjust-file /nonexistent/x\n").unwrap_err();
        assert_eq!(
            e[0],
            "h1-headers-case-adjust-file '/nonexistent/x': failed to open file."
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
