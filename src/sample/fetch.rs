//! Sample fetches (configuration.txt 7.3.2 "Fetching samples at layer 4", 7.3.6 "Fetching
//! HTTP samples (Layer 7)", 7.3.1 "Converters"'s internal fetches): each fetch keyword of
//! `config::kw::sample::support::FETCHES` compiled once into a [`Fetch`], then run against a
//! [`Ctx`]. Multi-valued fetches (headers, cookies, URL parameters) hand every value to an
//! ACL and the last (or chosen) one to an expression, as HAProxy's `SMP_OPT_ITERATE` does.

use std::borrow::Cow;

use super::ctx::{Ctx, Vars};
use super::http;
use super::value::Value;
use crate::config::model::{Arg, Call};
use crate::http::Head;

/// A compiled fetch.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// A constant (`str()`, `int()`, `always_true`, ...).
    Const(Value<'static>),
    /// `env(NAME)`.
    Env(String),
    /// `src`.
    Src,
    /// `src_port`.
    SrcPort,
    /// `dst`.
    Dst,
    /// `dst_port`.
    DstPort,
    /// `method`.
    Method,
    /// `path`.
    Path,
    /// `pathq`.
    PathQ,
    /// `url`.
    Url,
    /// `query`.
    Query,
    /// `base`, or `baseq` when `query`.
    Base {
        /// Whether the query string follows.
        query: bool,
    },
    /// `req.ver` / `res.ver`.
    Ver {
        /// The response's.
        res: bool,
    },
    /// `status`.
    Status,
    /// `req.hdr`, `req.fhdr`, `res.hdr`, `res.fhdr` and their `_val`/`_ip` forms.
    Hdr {
        /// The response's headers.
        res: bool,
        /// Lower-case name; `None` for every header.
        name: Option<String>,
        /// Which occurrence; `None` or 0: all in an ACL, the last in an expression.
        occ: i64,
        /// Whole lines (`fhdr`) rather than comma-separated values.
        full: bool,
        /// What the value becomes.
        kind: HdrKind,
    },
    /// `req.hdr_cnt`, `req.fhdr_cnt`, `res.hdr_cnt`, `res.fhdr_cnt`.
    HdrCnt {
        /// The response's headers.
        res: bool,
        /// Lower-case name; `None` counts every header.
        name: Option<String>,
        /// Whole lines rather than values.
        full: bool,
    },
    /// `req.hdrs` / `res.hdrs`.
    Hdrs {
        /// The response's.
        res: bool,
    },
    /// `req.hdr_names` / `res.hdr_names`.
    HdrNames {
        /// The response's.
        res: bool,
        /// The delimiter.
        delim: Vec<u8>,
    },
    /// `req.cook`, `res.cook` (`Set-Cookie`) and their `_cnt`/`_val` forms.
    Cook {
        /// From `Set-Cookie`.
        res: bool,
        /// The cookie's name; `None` for any.
        name: Option<String>,
        /// What is returned.
        kind: CookKind,
    },
    /// `url_param` / `urlp` / `urlp_val`.
    UrlParam {
        /// The parameter's name; `None` for any.
        name: Option<String>,
        /// Delimiters besides `&`.
        delim: Vec<u8>,
        /// As an integer (`urlp_val`).
        int: bool,
    },
    /// `var(NAME[,DEFAULT])`.
    Var {
        /// `scope.name`.
        name: String,
        /// The default when it is not set.
        default: Option<String>,
    },
    /// `fe_name`, `fe_id`, `be_name`, `be_id`.
    Names {
        /// `fe`, `be`.
        which: Which,
        /// The id rather than the name.
        id: bool,
    },
}

/// What a header fetch returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HdrKind {
    /// The value as a string.
    Str,
    /// `_val`: as an integer.
    Int,
    /// `_ip`: as an address.
    Ip,
}

/// What a cookie fetch returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookKind {
    /// The value.
    Value,
    /// `_cnt`: how many there are.
    Count,
    /// `_val`: the value as an integer.
    Int,
}

/// Whose name a name fetch gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The frontend.
    Frontend,
    /// The backend.
    Backend,
    /// The server.
    Server,
}

fn s(args: &[Arg], i: usize) -> Option<String> {
    args.get(i).and_then(Arg::as_str).map(str::to_string)
}

fn name_arg(args: &[Arg]) -> Option<String> {
    s(args, 0)
        .filter(|n| !n.is_empty())
        .map(|n| n.to_ascii_lowercase())
}

/// Compiles a fetch call; `None` for a keyword this build does not run (refused at load).
pub fn compile(c: &Call) -> Option<Fetch> {
    if crate::config::kw::sample::support::refused_fetch(&c.name).is_some() {
        return None;
    }
    let a = &c.args;
    let int = |i: usize| a.get(i).and_then(Arg::as_int);
    let hdr = |res: bool, full: bool, kind: HdrKind| Fetch::Hdr {
        res,
        name: name_arg(a),
        occ: int(1).unwrap_or(0),
        full,
        kind,
    };
    let cook = |res: bool, kind: CookKind| Fetch::Cook {
        res,
        name: s(a, 0).filter(|n| !n.is_empty()),
        kind,
    };
    Some(match c.name.as_str() {
        "always_true" => Fetch::Const(Value::Bool(true)),
        "always_false" => Fetch::Const(Value::Bool(false)),
        "str" => Fetch::Const(Value::string(s(a, 0).unwrap_or_default())),
        "int" => Fetch::Const(Value::Sint(int(0).unwrap_or(0))),
        "bool" => Fetch::Const(Value::Bool(int(0).unwrap_or(0) != 0)),
        "bin" => Fetch::Const(Value::Bin(Cow::Owned(unhex(&s(a, 0).unwrap_or_default())?))),
        "ipv4" => Fetch::Const(match a.first()? {
            Arg::Ipv4(v) => Value::Ipv4(*v),
            _ => return None,
        }),
        "ipv6" => Fetch::Const(match a.first()? {
            Arg::Ipv6(v) => Value::Ipv6(*v),
            _ => return None,
        }),
        "meth" => Fetch::Const(Value::Meth(Cow::Owned(s(a, 0)?.into_bytes()))),
        "env" => Fetch::Env(s(a, 0)?),
        "src" => Fetch::Src,
        "src_port" => Fetch::SrcPort,
        "dst" => Fetch::Dst,
        "dst_port" => Fetch::DstPort,
        "method" => Fetch::Method,
        "path" => Fetch::Path,
        "pathq" => Fetch::PathQ,
        "url" => Fetch::Url,
        "query" => Fetch::Query,
        "base" => Fetch::Base { query: false },
        "baseq" => Fetch::Base { query: true },
        "req.ver" | "req_ver" => Fetch::Ver { res: false },
        "res.ver" | "resp_ver" => Fetch::Ver { res: true },
        "status" => Fetch::Status,
        "req.hdr" | "hdr" => hdr(false, false, HdrKind::Str),
        "req.fhdr" => hdr(false, true, HdrKind::Str),
        "res.hdr" | "shdr" => hdr(true, false, HdrKind::Str),
        "res.fhdr" => hdr(true, true, HdrKind::Str),
        "req.hdr_val" | "hdr_val" => hdr(false, false, HdrKind::Int),
        "res.hdr_val" | "shdr_val" => hdr(true, false, HdrKind::Int),
        "req.hdr_ip" | "hdr_ip" => hdr(false, false, HdrKind::Ip),
        "res.hdr_ip" | "shdr_ip" => hdr(true, false, HdrKind::Ip),
        "req.hdr_cnt" | "hdr_cnt" => Fetch::HdrCnt {
            res: false,
            name: name_arg(a),
            full: false,
        },
        "req.fhdr_cnt" => Fetch::HdrCnt {
            res: false,
            name: name_arg(a),
            full: true,
        },
        "res.hdr_cnt" | "shdr_cnt" => Fetch::HdrCnt {
            res: true,
            name: name_arg(a),
            full: false,
        },
        "res.fhdr_cnt" => Fetch::HdrCnt {
            res: true,
            name: name_arg(a),
            full: true,
        },
        "req.hdrs" => Fetch::Hdrs { res: false },
        "res.hdrs" => Fetch::Hdrs { res: true },
        "req.hdr_names" => Fetch::HdrNames {
            res: false,
            delim: s(a, 0)
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ",".into())
                .into_bytes(),
        },
        "res.hdr_names" => Fetch::HdrNames {
            res: true,
            delim: s(a, 0)
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ",".into())
                .into_bytes(),
        },
        "req.cook" | "cook" => cook(false, CookKind::Value),
        "req.cook_cnt" | "cook_cnt" => cook(false, CookKind::Count),
        "req.cook_val" | "cook_val" => cook(false, CookKind::Int),
        "res.cook" | "scook" => cook(true, CookKind::Value),
        "res.cook_cnt" | "scook_cnt" => cook(true, CookKind::Count),
        "res.cook_val" | "scook_val" => cook(true, CookKind::Int),
        "cookie" => cook(false, CookKind::Value),
        "url_param" | "urlp" | "urlp_val" => Fetch::UrlParam {
            name: s(a, 0).filter(|n| !n.is_empty()),
            delim: s(a, 1).unwrap_or_default().into_bytes(),
            int: c.name == "urlp_val",
        },
        "var" => Fetch::Var {
            name: s(a, 0)?,
            default: s(a, 1),
        },
        "fe_name" => Fetch::Names {
            which: Which::Frontend,
            id: false,
        },
        "fe_id" => Fetch::Names {
            which: Which::Frontend,
            id: true,
        },
        "be_name" => Fetch::Names {
            which: Which::Backend,
            id: false,
        },
        "be_id" => Fetch::Names {
            which: Which::Backend,
            id: true,
        },
        "srv_name" => Fetch::Names {
            which: Which::Server,
            id: false,
        },
        "srv_id" => Fetch::Names {
            which: Which::Server,
            id: true,
        },
        _ => return None,
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

impl Fetch {
    /// Hands each value to `f` until it returns true (found). `all` asks for every
    /// occurrence (an ACL); otherwise only the one an expression uses is given.
    pub fn each<'a>(
        &self,
        ctx: &Ctx<'a>,
        vars: &Vars,
        all: bool,
        f: &mut dyn FnMut(Value<'a>) -> bool,
    ) {
        match self {
            Fetch::Hdr {
                res,
                name,
                occ,
                full,
                kind,
            } => {
                let Some(h) = head(ctx, *res) else { return };
                let vals = http::header_values(h, name.as_deref(), *full);
                let mut give = |v: &'a [u8]| match kind {
                    HdrKind::Str => f(Value::str(v)),
                    HdrKind::Int => f(Value::Sint(http::leading_int(v))),
                    HdrKind::Ip => match http::parse_ip(v) {
                        Some(ip) => f(Value::ip(ip)),
                        None => false,
                    },
                };
                pick(&vals, *occ, all, &mut give);
            }
            Fetch::Cook { res, name, kind } => {
                let Some(h) = head(ctx, *res) else { return };
                let vals = http::cookies(h, *res, name.as_deref());
                match kind {
                    CookKind::Count => {
                        f(Value::Sint(vals.len() as i64));
                    }
                    CookKind::Value | CookKind::Int => {
                        // No name: the first cookie; a name: the last, or all in an ACL.
                        let occ = if name.is_none() { 1 } else { 0 };
                        let mut give = |v: &'a [u8]| match kind {
                            CookKind::Int => f(Value::Sint(http::leading_int(v))),
                            _ => f(Value::str(v)),
                        };
                        pick(&vals, occ, all, &mut give);
                    }
                }
            }
            Fetch::UrlParam { name, delim, int } => {
                let Some(r) = ctx.req else { return };
                let vals = http::url_params(r.target(), name.as_deref(), delim);
                let occ = if name.is_none() { 1 } else { 0 };
                let mut give = |v: &'a [u8]| {
                    if *int {
                        f(Value::Sint(http::leading_int(v)))
                    } else {
                        f(Value::str(v))
                    }
                };
                pick(&vals, occ, all, &mut give);
            }
            _ => {
                if let Some(v) = self.one(ctx, vars) {
                    f(v);
                }
            }
        }
    }

    /// The single value of the fetch, as an expression uses it.
    pub fn value<'a>(&self, ctx: &Ctx<'a>, vars: &Vars) -> Option<Value<'a>> {
        let mut out = None;
        self.each(ctx, vars, false, &mut |v| {
            out = Some(v);
            true
        });
        out
    }

    fn one<'a>(&self, ctx: &Ctx<'a>, vars: &Vars) -> Option<Value<'a>> {
        let req = || ctx.req;
        Some(match self {
            Fetch::Const(v) => v.clone(),
            Fetch::Env(n) => Value::string(std::env::var_os(n)?.into_encoded_bytes()),
            Fetch::Src => Value::ip(ctx.src?.ip()),
            Fetch::SrcPort => Value::Sint(i64::from(ctx.src?.port())),
            Fetch::Dst => Value::ip(ctx.dst?.ip()),
            Fetch::DstPort => Value::Sint(i64::from(ctx.dst?.port())),
            Fetch::Method => Value::Meth(Cow::Borrowed(req()?.method())),
            Fetch::Path => Value::str(req()?.path()?),
            Fetch::PathQ => Value::str(http::pathq(req()?.target())),
            Fetch::Url => Value::str(req()?.target()),
            Fetch::Query => Value::str(req()?.query()?),
            Fetch::Base { query } => Value::string(http::base(req()?, *query)?),
            Fetch::Ver { res } => {
                let v = head(ctx, *res)?.version();
                Value::str(v.strip_prefix(b"HTTP/").unwrap_or(v))
            }
            Fetch::Status => Value::Sint(i64::from(ctx.res?.status())),
            Fetch::HdrCnt { res, name, full } => Value::Sint(
                http::header_values(head(ctx, *res)?, name.as_deref(), *full).len() as i64,
            ),
            Fetch::Hdrs { res } => Value::string(http::raw_headers(head(ctx, *res)?)),
            Fetch::HdrNames { res, delim } => {
                Value::string(http::header_names(head(ctx, *res)?, delim))
            }
            Fetch::Var { name, default } => match vars.get(name) {
                Some(v) => v,
                None => Value::string(default.clone()?),
            },
            Fetch::Names { which, id } => {
                let (n, i) = match which {
                    Which::Frontend => ctx.frontend?,
                    Which::Backend => ctx.backend?,
                    Which::Server => ctx.server?,
                };
                if *id {
                    Value::Sint(i)
                } else {
                    Value::str(n.as_bytes())
                }
            }
            Fetch::Hdr { .. } | Fetch::Cook { .. } | Fetch::UrlParam { .. } => return None,
        })
    }
}

fn head<'a>(ctx: &Ctx<'a>, res: bool) -> Option<&'a Head> {
    if res {
        ctx.res
    } else {
        ctx.req
    }
}

/// Hands the values HAProxy's occurrence rule selects to `f`: `occ` > 0 the n-th from the
/// first, < 0 the n-th from the last, 0 all of them (`all`) or the last.
fn pick<'a>(vals: &[&'a [u8]], occ: i64, all: bool, f: &mut dyn FnMut(&'a [u8]) -> bool) {
    match occ {
        0 if all => {
            for v in vals {
                if f(v) {
                    return;
                }
            }
        }
        0 => {
            if let Some(v) = vals.last() {
                f(v);
            }
        }
        n if n > 0 => {
            if let Some(v) = usize::try_from(n - 1).ok().and_then(|i| vals.get(i)) {
                f(v);
            }
        }
        n => {
            let back = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
            if let Some(v) = vals.len().checked_sub(back).and_then(|i| vals.get(i)) {
                f(v);
            }
        }
    }
}
