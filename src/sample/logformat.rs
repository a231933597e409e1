//! Rendering log-format strings (configuration.txt 8.2.4) in rule arguments: literal text,
//! `%[expr]` samples (`-` ... nothing when the sample is absent, as in a header value) and the
//! address variables `%ci %cp %fi %fp`. Other variables belong to the logging engine.

use std::io::Write as _;

use super::ctx::{Ctx, Vars};
use super::eval;
use crate::config::model::{LfPart, LogFormat};

/// The variables a rule argument can use here.
pub const RULE_VARIABLES: &[&str] = &["ci", "cp", "fi", "fp"];

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
                    _ => None,
                };
            }
        }
    }
    out
}
