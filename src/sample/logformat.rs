//! Rendering log-format strings (configuration.txt 8.2.4) in rule arguments: literal text,
//! `%[expr]` samples (nothing when the sample is absent, as in a header value), the address
//! variables `%ci %cp %fi %fp`, the names `%f %ft %b %s` and `%pid`. Other variables belong
//! to the logging engine; the configuration refuses them in rules at start-up.

use std::io::Write as _;

use super::ctx::{Ctx, Vars};
use super::eval;
use crate::config::model::{LfPart, LogFormat};

pub use crate::config::kw::sample::logformat::RULE_VARIABLES;

/// The text of `f` when it has no sample and no variable (nothing to render).
pub fn literal(f: &LogFormat) -> Option<&str> {
    match f.parts.as_slice() {
        [] => Some(""),
        [LfPart::Text(t)] => Some(t),
        _ => None,
    }
}

/// Renders `f` into bytes.
pub fn render(f: &LogFormat, ctx: &Ctx<'_>, vars: &mut Vars) -> Vec<u8> {
    let mut out = Vec::new();
    for p in &f.parts {
        match p {
            LfPart::Text(t) => out.extend_from_slice(t.as_bytes()),
            LfPart::Expr { expr, quote } => {
                let v = eval(expr, ctx, vars).and_then(super::Value::into_bytes);
                if *quote {
                    out.push(b'"');
                }
                if let Some(b) = v {
                    out.extend_from_slice(&b);
                }
                if *quote {
                    out.push(b'"');
                }
            }
            LfPart::Var(name) => {
                let _ = match name.as_str() {
                    "ci" => ctx.src.map(|a| write!(out, "{}", a.ip())),
                    "cp" => ctx.src.map(|a| write!(out, "{}", a.port())),
                    "fi" => ctx.dst.map(|a| write!(out, "{}", a.ip())),
                    "fp" => ctx.dst.map(|a| write!(out, "{}", a.port())),
                    "f" | "ft" => ctx.frontend.map(|(n, _)| write!(out, "{n}")),
                    "b" => Some(write!(out, "{}", ctx.backend.map_or("-", |(n, _)| n))),
                    "s" => Some(write!(out, "{}", ctx.server.map_or("<NOSRV>", |(n, _)| n))),
                    "pid" => Some(write!(out, "{}", std::process::id())),
                    _ => None,
                };
            }
        }
    }
    out
}
