//! `http-check` (configuration.txt 4.2 "http-check ..."): `expect`, `send`, `connect`,
//! `disable-on-404`, `send-state`, `comment`, `set-var*`, `unset-var`. The `expect` line
//! and the others are kept verbatim in `Proxy::httpchk`; checks are not active yet.

use super::{Keyword, Parse, ProxyCtx, BE};
use crate::config::lexer::Line;
use crate::config::model::RawRule;

/// `http-check`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "http-check",
    sections: BE,
    parse: Parse::Proxy(http_check),
}];

const EXPECT: &[&str] = &[
    "min-recv",
    "string",
    "rstring",
    "string-lf",
    "status",
    "rstatus",
    "hdr",
    "fhdr",
    "comment",
    "ok-status",
    "error-status",
    "tout-status",
    "on-success",
    "on-error",
    "status-code",
];

fn http_check(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let sub = line.word(1).unwrap_or("");
    match sub {
        "expect" => {
            let Some(first) = line.word(2) else {
                ctx.alert(
                    line,
                    "'http-check expect' : expects at least a matching pattern as arguments.",
                );
                return;
            };
            // `!` may be a word of its own: `http-check expect ! string x`.
            let first = if first == "!" {
                line.word(3).unwrap_or("")
            } else {
                first
            };
            let bare = first.strip_prefix('!').unwrap_or(first);
            if !EXPECT.contains(&bare) {
                let msg = format!("'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '{first}' as argument..");
                ctx.alert(line, msg);
                return;
            }
            let chk = ctx.proxy.httpchk.get_or_insert_with(Default::default);
            chk.expect = Some(
                line.words
                    .get(2..)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
            );
        }
        "disable-on-404" | "send-state" | "comment" | "connect" | "send" => {
            let chk = ctx.proxy.httpchk.get_or_insert_with(Default::default);
            chk.rules.push(RawRule {
                loc: line.loc.clone(),
                words: line.words.clone(),
            });
        }
        s if s.starts_with("set-var") || s.starts_with("unset-var") => {
            let chk = ctx.proxy.httpchk.get_or_insert_with(Default::default);
            chk.rules.push(RawRule {
                loc: line.loc.clone(),
                words: line.words.clone(),
            });
        }
        other => {
            let msg = format!("'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '{other}'");
            ctx.alert(line, msg);
        }
    }
}
