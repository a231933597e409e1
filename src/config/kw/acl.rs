//! `acl` and conditions (`if|unless TERM...`), configuration.txt 7.

use super::{Keyword, ProxyCtx};
use crate::config::lexer::Line;
use crate::config::model::{AclRef, Cond, CondTerm};

/// The keywords of this family.
pub static KEYWORDS: &[Keyword] = &[];

/// Parses the condition starting at word `at` (`if` or `unless`).
pub fn parse_cond(ctx: &ProxyCtx<'_>, line: &Line, at: usize) -> Result<Cond, String> {
    let _ = ctx;
    let unless = line.word(at) == Some("unless");
    let mut any_of = vec![Vec::new()];
    for w in line.words.get(at + 1..).unwrap_or(&[]) {
        if w == "or" || w == "||" {
            any_of.push(Vec::new());
            continue;
        }
        let (negate, name) = match w.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, w.as_str()),
        };
        if let Some(last) = any_of.last_mut() {
            last.push(CondTerm {
                negate,
                acl: AclRef::Named(name.to_string()),
            });
        }
    }
    Ok(Cond { unless, any_of })
}
