//! `errorfile CODE PATH` (configuration.txt 4.2 "errorfile") and the `http-errors`
//! sections (configuration.txt 3.8) whose `errorfile` lines proxies import with
//! `errorfiles NAME [CODE...]` (resolved in `validate`). The files, raw HTTP responses,
//! are read when the configuration loads. Codes are those HAProxy can produce.

use std::path::PathBuf;

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::diag::Diags;
use crate::config::lexer::Line;
use crate::config::model::ErrorFile;
use crate::config::section::Section;

/// `errorfile`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "errorfile",
    sections: PROXIES,
    parse: Parse::Proxy(errorfile),
}];

/// The statuses an `errorfile` may replace (HAProxy's `http_err_codes`).
pub const CODES: &[u16] = super::http_rules::ERROR_CODES;

fn errorfile(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match read_errorfile(line) {
        Ok(e) => {
            ctx.proxy.errorfiles.retain(|x| x.status != e.status);
            ctx.proxy.errorfiles.push(e);
        }
        Err(msg) => ctx.alert(line, msg),
    }
}

/// Reads the file of an `errorfile CODE PATH` line, or returns HAProxy's error text.
pub fn read_errorfile(line: &Line) -> Result<ErrorFile, String> {
    let (Some(code), Some(path)) = (line.word(1), line.word(2)) else {
        return Err("errorfile : expects <status_code> and <file> as arguments.\n".into());
    };
    let number = crate::config::units::atoi_int(code);
    let Some(status) = u16::try_from(number).ok().filter(|s| CODES.contains(s)) else {
        // HAProxy prints the number it read (`x` is 0), not the word.
        return Err(format!("errorfile : status code '{number}' not handled."));
    };
    match std::fs::read(path) {
        Ok(content) => Ok(ErrorFile {
            status,
            path: PathBuf::from(path),
            content,
        }),
        Err(_) => Err(format!("errorfile : error opening file '{path}'.")),
    }
}

/// Parses an `http-errors` section: its `errorfile` lines, the last one per code wins.
pub fn parse_http_errors(s: &Section, diags: &mut Diags) -> Vec<ErrorFile> {
    let mut out: Vec<ErrorFile> = Vec::new();
    for line in &s.lines {
        let kw = line.keyword();
        if kw != "errorfile" {
            diags.alert(
                &line.loc,
                kw,
                format!("unknown keyword '{kw}' in 'http-errors' section"),
            );
            continue;
        }
        match read_errorfile(line) {
            Ok(e) => {
                out.retain(|x| x.status != e.status);
                out.push(e);
            }
            Err(msg) => diags.alert(&line.loc, kw, msg),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Line {
        Line {
            loc: crate::config::diag::Loc::new("e.cfg", 1),
            words: s.split_whitespace().map(String::from).collect(),
        }
    }

    #[test]
    fn an_errorfile_is_read_at_load() {
        let dir = std::env::temp_dir().join(format!("kw-errorfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("503.http");
        std::fs::write(&f, "HTTP/1.0 503 Busy\r\n\r\n").unwrap();
        let e = read_errorfile(&line(&format!("errorfile 503 {}", f.display()))).unwrap();
        assert_eq!(e.status, 503);
        assert_eq!(e.content, b"HTTP/1.0 503 Busy\r\n\r\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_codes_and_missing_files_are_worded_like_haproxy() {
        assert_eq!(
            read_errorfile(&line("errorfile 999 /x")).unwrap_err(),
            "errorfile : status code '999' not handled."
        );
        assert_eq!(
            read_errorfile(&line("errorfile 503 /nonexistent/x")).unwrap_err(),
            "errorfile : error opening file '/nonexistent/x'."
        );
    }
}
