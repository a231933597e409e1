//! The variable actions of rules (configuration.txt 4.2 "http-request set-var",
//! "set-var-fmt", "unset-var"; 2.8 "Variables"): `set-var(NAME[,COND...]) EXPR`,
//! `set-var-fmt(NAME[,COND...]) FMT` and `unset-var(NAME)`, parsed as HAProxy 2.6's
//! `parse_store()` does, with its messages. Shared by `http-request`, `http-response` (and
//! the `tcp-request` rules once they are typed).

use super::sample::logformat::parse_log_format_at;
use super::sample::parse::parse_expr;
use crate::config::model::{HttpAction, SetVar, VarCond, VarValue};

/// Why a variable action was refused.
#[derive(Debug, PartialEq)]
pub enum Error {
    /// The rule's error message.
    Rule(String),
    /// A word left after the action, where `if`/`unless` should be.
    Trailing(String),
}

/// Parses `action` (`set-var(txn.x,ifnotset)`, ...) and its words; `cap` says where the rule
/// runs (bits of `kw::sample::place`).
pub fn parse_action(action: &str, args: &[String], cap: u32) -> Result<HttpAction, Error> {
    let (kind, rest) = if let Some(r) = action.strip_prefix("set-var-fmt") {
        (Kind::SetFmt, r)
    } else if let Some(r) = action.strip_prefix("set-var") {
        (Kind::Set, r)
    } else {
        (
            Kind::Unset,
            action.strip_prefix("unset-var").unwrap_or(action),
        )
    };
    let Some(inner) = rest.strip_prefix('(') else {
        return Err(Error::Rule(format!("invalid or incomplete action '{action}'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'")));
    };
    let Some(inner) = inner.strip_suffix(')') else {
        return Err(Error::Rule(format!("incomplete argument after action '{action}'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'")));
    };
    let mut parts = inner.split(',');
    let var = parts.next().unwrap_or("").to_string();
    let mut conds = Vec::new();
    for c in parts.take_while(|c| !c.is_empty()) {
        if kind == Kind::Unset {
            return Err(Error::Rule("unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions".into()));
        }
        conds.push(cond(c).ok_or_else(|| Error::Rule(format!("unknown condition \"{c}\"")))?);
    }
    check_name(&var).map_err(Error::Rule)?;
    let value = match kind {
        Kind::Unset => {
            return match args.first() {
                Some(w) => Err(Error::Trailing(w.clone())),
                None => Ok(HttpAction::UnsetVar { var }),
            }
        }
        Kind::SetFmt => VarValue::Format(
            parse_log_format_at(args.first().map_or("", String::as_str), cap)
                .map_err(Error::Rule)?,
        ),
        Kind::Set => {
            let (e, _) =
                parse_expr(args.first().map_or("", String::as_str)).map_err(Error::Rule)?;
            if let Some(k) = super::sample::fetch(&e.fetch.name).filter(|k| k.valid & cap == 0) {
                return Err(Error::Rule(format!(
                    "fetch method '{action}' extracts information from '{}', none of which is available here",
                    k.needs
                )));
            }
            VarValue::Expr(e)
        }
    };
    if let Some(w) = args.get(1) {
        return Err(Error::Trailing(w.clone()));
    }
    Ok(HttpAction::SetVar(SetVar { var, conds, value }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Set,
    SetFmt,
    Unset,
}

/// A `set-var` condition word (`conditions_array`).
fn cond(w: &str) -> Option<VarCond> {
    Some(match w {
        "ifexists" => VarCond::Exists(true),
        "ifnotexists" => VarCond::Exists(false),
        "ifempty" => VarCond::Empty(true),
        "ifnotempty" => VarCond::Empty(false),
        "ifset" => VarCond::Set(true),
        "ifnotset" => VarCond::Set(false),
        "ifgt" => VarCond::Gt,
        "iflt" => VarCond::Lt,
        _ => return None,
    })
}

/// A variable name as `vars_hash_name()` checks it: a scope, a dot, then at least one of
/// `[A-Za-z0-9_.]`.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Empty variable name cannot be accepted".into());
    }
    let rest = ["proc.", "sess.", "txn.", "req.", "res.", "check."]
        .iter()
        .find_map(|s| name.strip_prefix(s).filter(|r| !r.is_empty()));
    let Some(rest) = rest else {
        return Err(format!("invalid variable name '{name}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"));
    };
    match rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.')))
    {
        Some((i, _)) => Err(format!(
            "invalid syntax at char '{}'",
            rest.get(i..).unwrap_or("")
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::kw::sample::place::FE_HRQ_HDR;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn err(action: &str, args: &str) -> String {
        match parse_action(action, &words(args), FE_HRQ_HDR) {
            Err(Error::Rule(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn set_var_types_its_expression_and_conditions() {
        let a = parse_action(
            "set-var(txn.a,ifnotset,ifgt)",
            &words("req.hdr(x),lower"),
            FE_HRQ_HDR,
        );
        let Ok(HttpAction::SetVar(v)) = a else {
            panic!("{a:?}")
        };
        assert_eq!(v.var, "txn.a");
        assert_eq!(v.conds, vec![VarCond::Set(false), VarCond::Gt]);
        assert!(matches!(v.value, VarValue::Expr(ref e) if e.convs.len() == 1));
        assert!(matches!(
            parse_action("set-var-fmt(txn.a)", &[], FE_HRQ_HDR),
            Ok(HttpAction::SetVar(_))
        ));
        assert_eq!(
            parse_action("unset-var(req.x)", &[], FE_HRQ_HDR),
            Ok(HttpAction::UnsetVar {
                var: "req.x".into()
            })
        );
    }

    #[test]
    fn messages_are_haproxys() {
        assert_eq!(err("set-var(txn.a)", ""), "missing fetch method");
        assert_eq!(err("set-var(txn.a)", "foo"), "unknown fetch method 'foo'");
        assert_eq!(
            err("set-var(txn.a,ifzz)", "str(a)"),
            "unknown condition \"ifzz\""
        );
        assert!(err("unset-var(txn.a,ifset)", "").starts_with("unset-var does not expect"));
        assert!(err("set-var(txn.a", "str(a)")
            .starts_with("incomplete argument after action 'set-var(txn.a'."));
        assert_eq!(
            err("set-var(txn.a)", "res.hdr(x)"),
            "fetch method 'set-var(txn.a)' extracts information from 'HTTP response headers', none of which is available here"
        );
        assert!(err("set-var(txn.)", "str(a)").starts_with(
            "invalid variable name 'txn.'. A variable name must be start by its scope."
        ));
        assert_eq!(
            parse_action("set-var(txn.a)", &words("str(a) str(b)"), FE_HRQ_HDR),
            Err(Error::Trailing("str(b)".into()))
        );
    }
}
