//! `errorfile CODE PATH` (configuration.txt 4.2 "errorfile"), the `http-errors`
//! sections (configuration.txt 3.8) whose `errorfile` lines proxies import with
//! `errorfiles NAME [CODE...]`, and `http-error status CODE ...` (4.2 "http-error"). Each
//! line becomes an `ErrorRule`, in order, resolved in `validate` (a later line wins). The
//! files, raw HTTP responses, are read when the configuration loads; an `http-error` reply
//! is built into one then. Its `lf-string`/`lf-file` payloads and log-format `hdr` values
//! are refused: they would need the request at run time. Codes are those HAProxy can produce.

use std::path::PathBuf;

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::diag::Diags;
use crate::config::lexer::Line;
use crate::config::model::{ErrorFile, ErrorRule};
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
        Ok(e) => ctx.proxy.error_rules.push(ErrorRule::File(e)),
        Err(msg) => ctx.alert(line, msg),
    }
}

/// `errorfiles NAME [CODE...]` (its name checked by `proxy_kept`): the section's pages for
/// those codes, or all of them.
pub fn errorfiles(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let name = line.word(1).unwrap_or_default().to_string();
    let mut codes = Vec::new();
    for w in line.words.iter().skip(2) {
        let number = crate::config::units::atoi_int(w);
        match u16::try_from(number).ok().filter(|s| CODES.contains(s)) {
            Some(c) => codes.push(c),
            None => {
                let msg = format!("errorfiles : status code '{number}' not handled.");
                return ctx.alert(line, msg);
            }
        }
    }
    ctx.proxy.error_rules.push(ErrorRule::Section {
        loc: line.loc.clone(),
        name,
        codes,
    });
}

/// `http-error status CODE [content-type T] [payload] [hdr N V]*` (arguments checked by
/// `proxy_kept`): the reply HAProxy builds for CODE, as a raw response.
pub fn http_error(ctx: &mut ProxyCtx<'_>, line: &Line) {
    match http_error_rule(line) {
        Ok(r) => ctx.proxy.error_rules.push(r),
        Err(msg) => ctx.alert(line, format!("http-error : {msg}")),
    }
}

fn http_error_rule(line: &Line) -> Result<ErrorRule, String> {
    let status = u16::try_from(crate::config::units::atoi_int(line.word(2).unwrap_or("")))
        .map_err(|_| "expects at least a <status> as arguments.".to_string())?;
    let mut ctype: Option<&str> = None;
    let mut body: Vec<u8> = Vec::new();
    let mut hdrs: Vec<(&str, &str)> = Vec::new();
    let mut rule: Option<ErrorRule> = None;
    let mut i = 3;
    while let Some(w) = line.word(i) {
        let v = line.word(i + 1).unwrap_or_default();
        match w {
            "content-type" => ctype = Some(v),
            "string" => body = v.as_bytes().to_vec(),
            "file" | "errorfile" => {
                let data = std::fs::read(v).map_err(|_| format!("error opening file '{v}'."))?;
                if w == "errorfile" {
                    rule = Some(ErrorRule::File(ErrorFile {
                        status,
                        path: PathBuf::from(v),
                        content: data,
                    }));
                } else {
                    body = data;
                }
            }
            "errorfiles" => {
                rule = Some(ErrorRule::Section {
                    loc: line.loc.clone(),
                    name: v.to_string(),
                    codes: vec![status],
                })
            }
            "default-errorfiles" => {
                rule = Some(ErrorRule::Default(status));
                i += 1;
                continue;
            }
            "hdr" => {
                let value = line.word(i + 2).unwrap_or_default();
                if value.contains('%') {
                    return Err(format!(
                        "log-format value of 'hdr {v}' is not supported by haproxy-rs."
                    ));
                }
                hdrs.push((v, value));
                i += 1;
            }
            _ => return Err(format!("'{w}' is not supported by haproxy-rs.")),
        }
        i += 2;
    }
    if let Some(r) = rule {
        return Ok(r);
    }
    let reason = http_reason(status);
    let mut raw = format!("HTTP/1.1 {status} {reason}\r\n");
    for (n, v) in hdrs.iter().filter(|(_, v)| !v.is_empty()) {
        raw.push_str(&format!("{}: {v}\r\n", n.to_ascii_lowercase()));
    }
    raw.push_str(&format!("content-length: {}\r\n", body.len()));
    if let Some(t) = ctype.filter(|_| !body.is_empty()) {
        raw.push_str(&format!("content-type: {t}\r\n"));
    }
    raw.push_str("\r\n");
    let mut content = raw.into_bytes();
    content.extend_from_slice(&body);
    Ok(ErrorRule::File(ErrorFile {
        status,
        path: PathBuf::new(),
        content,
    }))
}

/// HAProxy's reason phrase for the statuses an error reply may have (`http_get_reason`).
fn http_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Payload Too Large",
        425 => "Too Early",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Other",
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
