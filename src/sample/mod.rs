//! The rules engine's sample room (configuration.txt 7 "Using ACLs and fetching samples";
//! HAProxy 2.6's sample.c, acl.c, pattern.c, vars.c): sample expressions and ACL expressions,
//! typed and checked at load by `config::kw::sample`, are compiled here once (fetch and
//! converter keywords resolved, regexes built, pattern sets indexed) into the
//! [`crate::config::model::Compiled`] slot they carry, then evaluated against a [`Ctx`].
//!
//! Files: [`value`] (types and casts), [`fetch`], [`conv`], [`pattern`] (pattern sets),
//! [`http`] (how HTTP fetches read a head), [`ctx`] (the context and variables),
//! [`logformat`] (rendering `%[...]` strings).
//! Pure: no sockets, no tokio; imports `config::model`, `http` and `balance::hash`.

pub mod conv;
pub mod ctx;
pub mod fetch;
pub mod http;
pub mod logformat;
pub mod pattern;
pub mod userlist;
pub mod value;

use std::sync::Arc;

pub use ctx::{Ctx, Vars};
pub use value::Value;

use crate::config::kw::sample::converter;
use crate::config::model::{AclExpr, Expr, SmpT};

/// An expression compiled once.
#[derive(Debug)]
pub struct Compiled {
    fetch: fetch::Fetch,
    convs: Vec<(conv::Conv, SmpT)>,
}

impl Compiled {
    /// Compiles `e`; `None` when a keyword of it is not run by this build (the configuration
    /// refuses those at load).
    pub fn new(e: &Expr) -> Option<Compiled> {
        let f = fetch::compile(&e.fetch)?;
        let mut convs = Vec::with_capacity(e.convs.len());
        for c in &e.convs {
            let input = converter(&c.name).map_or(SmpT::Any, |k| k.input);
            convs.push((conv::compile(c)?, input));
        }
        Some(Compiled { fetch: f, convs })
    }

    /// Runs the converters over one fetched value.
    fn convert<'a>(&self, mut v: Value<'a>, ctx: &Ctx<'a>, vars: &mut Vars) -> Option<Value<'a>> {
        for (c, input) in &self.convs {
            let cast = if *input == SmpT::Addr {
                match v {
                    Value::Ipv4(_) | Value::Ipv6(_) => v,
                    other => other.cast(SmpT::Addr)?,
                }
            } else {
                v.cast(*input)?
            };
            v = c.apply(cast, ctx, vars)?;
        }
        Some(v)
    }
}

fn compiled(e: &Expr) -> Option<Arc<Compiled>> {
    let any = e.compiled.get_or_init(|| match Compiled::new(e) {
        Some(c) => Arc::new(Some(Arc::new(c))),
        None => Arc::new(None::<Arc<Compiled>>),
    });
    any.downcast_ref::<Option<Arc<Compiled>>>()?.clone()
}

/// Compiles `e` now (at start, so that the first request pays nothing); false when this
/// build cannot run it.
pub fn prepare(e: &Expr) -> bool {
    compiled(e).is_some()
}

/// The value of a sample expression, or `None` when the fetch finds nothing or a converter
/// fails.
pub fn eval<'a>(e: &Expr, ctx: &Ctx<'a>, vars: &mut Vars) -> Option<Value<'a>> {
    let c = compiled(e)?;
    let v = c.fetch.value(ctx, vars)?;
    c.convert(v, ctx, vars)
}

fn patset(a: &AclExpr) -> Option<Arc<pattern::PatSet>> {
    let any = a
        .compiled
        .get_or_init(|| Arc::new(Arc::new(pattern::PatSet::build(a))));
    any.downcast_ref::<Arc<pattern::PatSet>>().cloned()
}

/// Whether an ACL expression matches: any value of its fetch, once converted, matches any
/// pattern (HAProxy's `acl_exec_cond` over `SMP_OPT_ITERATE` samples).
pub fn acl_matches(a: &AclExpr, ctx: &Ctx<'_>, vars: &mut Vars) -> bool {
    let (Some(c), Some(set)) = (compiled(&a.expr), patset(a)) else {
        return false;
    };
    let mut values = Vec::new();
    c.fetch.each(ctx, vars, true, &mut |v| {
        values.push(v);
        false
    });
    values
        .into_iter()
        .any(|v| c.convert(v, ctx, vars).is_some_and(|v| set.matches(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::kw::sample::acl::parse_acl_expr;
    use crate::config::kw::sample::parse::parse_expr;
    use crate::http::Head;

    fn head(raw: &str) -> Head {
        match crate::http::parse_request(raw.as_bytes(), &crate::http::Limits::default()) {
            crate::http::Status::Complete(h, _) => h,
            other => panic!("{other:?}"),
        }
    }

    fn run(expr: &str, h: &Head) -> Option<Vec<u8>> {
        let (e, _) = parse_expr(expr).unwrap();
        let ctx = Ctx {
            req: Some(h),
            src: Some("192.168.1.7:5000".parse().unwrap()),
            ..Ctx::default()
        };
        eval(&e, &ctx, &mut Vars::default())
            .and_then(Value::into_bytes)
            .map(|b| b.to_vec())
    }

    #[test]
    fn expressions_fetch_and_convert() {
        let h = head("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: WWW.Ex.com:8080\r\nX: 1, 2\r\nX: 3\r\nCookie: a=1; b=2\r\n\r\n");
        let got = |e: &str| run(e, &h).map(|b| String::from_utf8(b).unwrap());
        assert_eq!(
            got("req.hdr(host),lower,host_only").as_deref(),
            Some("www.ex.com")
        );
        assert_eq!(got("req.hdr(x)").as_deref(), Some("3"));
        assert_eq!(got("req.hdr(x,1)").as_deref(), Some("1"));
        assert_eq!(got("req.fhdr(x,1)").as_deref(), Some("1, 2"));
        assert_eq!(got("req.hdr_cnt(x)").as_deref(), Some("3"));
        assert_eq!(got("req.cook(b)").as_deref(), Some("2"));
        assert_eq!(got("url_param(y),add(40)").as_deref(), Some("42"));
        assert_eq!(got("path,field(2,/)").as_deref(), Some("a"));
        assert_eq!(got("src,ipmask(24)").as_deref(), Some("192.168.1.0"));
        assert_eq!(got("str(abc),hex").as_deref(), Some("616263"));
        assert_eq!(got("str(abc),crc32").as_deref(), Some("891568578"));
        assert_eq!(got("base").as_deref(), Some("WWW.Ex.com:8080/a/b"));
        assert_eq!(got("req.hdr(nope)"), None);
    }

    #[test]
    fn variables_live_in_their_scope() {
        let mut vars = Vars::default();
        vars.set("txn.a", Value::string("v1"));
        vars.set("sess.b", Value::Sint(2));
        assert_eq!(vars.get("txn.a"), Some(Value::string("v1")));
        vars.end_txn();
        assert_eq!(vars.get("txn.a"), None);
        assert_eq!(vars.get("sess.b"), Some(Value::Sint(2)));
        vars.unset("sess.b");
        assert_eq!(vars.get("sess.b"), None);
    }

    #[test]
    fn acls_match_any_occurrence() {
        let h = head("GET / HTTP/1.1\r\nX: a\r\nX: b\r\n\r\n");
        let ctx = Ctx {
            req: Some(&h),
            ..Ctx::default()
        };
        let w = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        let a = parse_acl_expr("hdr(x)", &w("a"), &|_| Err(String::new())).unwrap();
        assert!(acl_matches(&a, &ctx, &mut Vars::default()));
        let a = parse_acl_expr("hdr(x),upper", &w("B"), &|_| Err(String::new())).unwrap();
        assert!(acl_matches(&a, &ctx, &mut Vars::default()));
        let a = parse_acl_expr("req.hdr(y)", &w("-m found"), &|_| Err(String::new())).unwrap();
        assert!(!acl_matches(&a, &ctx, &mut Vars::default()));
    }

    #[test]
    fn every_supported_keyword_compiles_and_no_other() {
        use crate::config::kw::sample::{support, table};
        use crate::config::model::{Arg, Call};
        let sample_arg = |t: &crate::config::model::ArgT| match t {
            crate::config::model::ArgT::Int => Arg::Int(1),
            crate::config::model::ArgT::Msk4 | crate::config::model::ArgT::Ipv4 => {
                Arg::Ipv4("255.255.255.0".parse().unwrap())
            }
            crate::config::model::ArgT::Msk6 | crate::config::model::ArgT::Ipv6 => {
                Arg::Ipv6("ffff::".parse().unwrap())
            }
            _ => Arg::Str("txn.x".into()),
        };
        for f in table::FETCHES {
            let call = Call {
                name: f.name.into(),
                args: f.args.iter().map(sample_arg).collect(),
            };
            let works = support::refused_fetch(f.name).is_none();
            let call = if f.name == "bin" {
                Call {
                    name: "bin".into(),
                    args: vec![Arg::Str("00".into())],
                }
            } else {
                call
            };
            assert_eq!(fetch::compile(&call).is_some(), works, "fetch {}", f.name);
        }
        for c in table::CONVERTERS {
            let call = Call {
                name: c.name.into(),
                args: c.args.iter().map(sample_arg).collect(),
            };
            let works = support::refused_converter(c.name).is_none();
            assert_eq!(
                conv::compile(&call).is_some(),
                works,
                "converter {}",
                c.name
            );
        }
    }
}
