//! `errorfile CODE PATH` (configuration.txt 4.2 "errorfile"): the file, a raw HTTP
//! response, is read when the configuration loads. Codes are those HAProxy can produce.

use std::path::PathBuf;

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::ErrorFile;

/// `errorfile`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "errorfile",
    sections: PROXIES,
    parse: Parse::Proxy(errorfile),
}];

/// The statuses an `errorfile` may replace (HAProxy's `http_err_codes`).
pub const CODES: &[u16] = super::http_rules::ERROR_CODES;

fn errorfile(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let (Some(code), Some(path)) = (line.word(1), line.word(2)) else {
        ctx.alert(
            line,
            "errorfile : expects <status_code> and <file> as arguments.\n",
        );
        return;
    };
    let status = crate::config::units::atol(code);
    let Some(status) = u16::try_from(status).ok().filter(|s| CODES.contains(s)) else {
        ctx.alert(
            line,
            format!("errorfile : status code '{code}' not handled."),
        );
        return;
    };
    match std::fs::read(path) {
        Ok(content) => {
            ctx.proxy.errorfiles.retain(|e| e.status != status);
            ctx.proxy.errorfiles.push(ErrorFile {
                status,
                path: PathBuf::from(path),
                content,
            });
        }
        Err(_) => ctx.alert(line, format!("errorfile : error opening file '{path}'.")),
    }
}
