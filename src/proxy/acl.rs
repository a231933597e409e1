//! Runtime evaluation of conditions: `if|unless` after `use_backend`, `http-request`, ...
//! (configuration.txt 7 "Using ACLs and fetching samples").
//!
//! Supported: the predefined ACLs `TRUE`, `FALSE`, `HTTP`, `HTTP_1.0`, `HTTP_1.1`, `METH_*`,
//! `LOCALHOST`, `HTTP_URL_SLASH`, `HTTP_URL_ABS`, `HTTP_CONTENT`; named `acl` lines (several
//! lines with one name are ORed) and anonymous `{ ... }` ACLs whose criterion is `src`,
//! `path`, `url`, `method`, `hdr(NAME)` or `req.hdr(NAME)`, with the match suffixes
//! `_beg _end _sub _dom _len _found` or `-m str|beg|end|sub|dom|len|found`, and `-i`.
//! Stick-table counters (`sc_*`, `src_*`, `table_*`) are read through `Ctx::stick`.
//! Anything else (maps, other fetches) does not match.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use regex_automata::meta::Regex;

use super::inspect::Payload;

use crate::config::model::{Acl, AclExpr, AclRef, Cond, CondTerm, IpNet};
use crate::http::Head;
use crate::sample::{self, Vars};

/// What a condition can look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx<'a> {
    /// The client address (none for unix sockets).
    pub src: Option<IpAddr>,
    /// The request head (HTTP only): method, target, version and headers.
    pub req: Option<&'a Head>,
    /// The response status (`http-response` rules only).
    pub status: Option<u16>,
    /// The response head (`http-response` rules only).
    pub res: Option<&'a Head>,
    /// The compiled regexes of the proxy whose rules are evaluated.
    pub regexes: Option<&'a Regexes>,
    /// The inspected first bytes of a TCP stream (`tcp-request inspect-delay`).
    pub payload: Option<&'a Payload>,
    /// Stick-table counters (`sc_*`, `src_*`, `table_*` ACLs).
    pub stick: Option<&'a super::stick::View<'a>>,
    /// The client's port (`src_port`).
    pub src_port: Option<u16>,
    /// The address the client connected to (`dst`, `dst_port`).
    pub dst: Option<std::net::SocketAddr>,
    /// The names and ids of the frontend, the backend and the server, once known.
    pub names: Names<'a>,
    /// The stream's variables (`var()`, the `set-var` converter).
    pub vars: Option<&'a Mutex<Vars>>,
}

/// The names and ids a stream has reached (`fe_name`, `be_id`, `srv_name`, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'a> {
    /// The frontend.
    pub frontend: Option<(&'a str, i64)>,
    /// The backend, once chosen.
    pub backend: Option<(&'a str, i64)>,
    /// The server, once chosen.
    pub server: Option<(&'a str, i64)>,
}

impl<'a> Ctx<'a> {
    /// The `sample` room's view of the same stream.
    pub fn sample(&self) -> sample::Ctx<'a> {
        sample::Ctx {
            src: self
                .src
                .map(|ip| std::net::SocketAddr::new(ip, self.src_port.unwrap_or(0))),
            dst: self.dst,
            req: self.req,
            res: self.res,
            frontend: self.names.frontend,
            backend: self.names.backend,
            server: self.names.server,
            ..sample::Ctx::default()
        }
    }
}

/// True when the rule applies: no condition, or an `if` that holds, or an `unless` that fails.
pub fn holds(cond: Option<&Cond>, acls: &[Acl], ctx: &Ctx<'_>) -> bool {
    let Some(c) = cond else { return true };
    let any = c.any_of.iter().any(|all| {
        all.iter().all(|t| {
            let v = match &t.acl {
                AclRef::Named(n) => named(n, acls, ctx),
                AclRef::Anonymous {
                    criterion,
                    args,
                    expr,
                } => matches(criterion, args, expr.as_deref(), ctx),
            };
            v != t.negate
        })
    });
    any != c.unless
}

fn named(name: &str, acls: &[Acl], ctx: &Ctx<'_>) -> bool {
    let mut found = false;
    for a in acls.iter().filter(|a| a.name == name) {
        found = true;
        if matches(&a.criterion, &a.args, a.expr.as_ref(), ctx) {
            return true;
        }
    }
    if found {
        return false;
    }
    predefined(name, ctx)
}

fn predefined(name: &str, ctx: &Ctx<'_>) -> bool {
    let meth = |m: &[u8]| ctx.req.is_some_and(|r| r.method() == m);
    let target = ctx.req.map_or(&[][..], Head::target);
    match name {
        "TRUE" => true,
        "FALSE" => false,
        "HTTP" => ctx.req.is_some(),
        "HTTP_1.0" => ctx.req.is_some_and(|r| r.version() == b"HTTP/1.0"),
        "HTTP_1.1" => ctx.req.is_some_and(|r| r.version() == b"HTTP/1.1"),
        "METH_GET" => meth(b"GET") || meth(b"HEAD"),
        "METH_HEAD" => meth(b"HEAD"),
        "METH_POST" => meth(b"POST"),
        "METH_PUT" => meth(b"PUT"),
        "METH_DELETE" => meth(b"DELETE"),
        "METH_OPTIONS" => meth(b"OPTIONS"),
        "METH_CONNECT" => meth(b"CONNECT"),
        "METH_TRACE" => meth(b"TRACE"),
        "LOCALHOST" => ctx.src.is_some_and(|ip| ip.is_loopback()),
        // `url_beg /`
        "HTTP_URL_SLASH" => target.starts_with(b"/"),
        // `url_reg ^[^/:]*://`
        "HTTP_URL_ABS" => target
            .iter()
            .position(|&c| c == b'/' || c == b':')
            .and_then(|i| target.get(i..))
            .is_some_and(|t| t.starts_with(b"://")),
        // `hdr_val(content-length) gt 0`
        "HTTP_CONTENT" => ctx
            .req
            .and_then(|r| r.get("content-length"))
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0),
        _ => false,
    }
}

/// How sample values are compared with the patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Str,
    Beg,
    End,
    Sub,
    Dom,
    Len,
    Found,
    Ip,
    Reg,
    Unsupported,
}

fn how_of(suffix: &str) -> How {
    match suffix {
        "" | "str" => How::Str,
        "beg" => How::Beg,
        "end" => How::End,
        "sub" => How::Sub,
        "dom" => How::Dom,
        "len" => How::Len,
        "found" | "cnt" => How::Found,
        "ip" => How::Ip,
        "reg" => How::Reg,
        _ => How::Unsupported,
    }
}

/// The parsed form of one ACL line: the fetch, its argument, the match method and `-i`.
struct Shape<'a> {
    base: &'a str,
    arg: &'a str,
    how: How,
    icase: bool,
}

/// Splits `hdr_beg(host)` into base `hdr`, argument `host` and method `beg`, and reads the
/// flags. `None` when the line can never match here (`-f` files, `-M` maps, `-u`).
fn shape<'a>(criterion: &'a str, args: &[String]) -> Option<Shape<'a>> {
    let (head, arg) = match criterion.split_once('(') {
        Some((h, rest)) => (h, rest.strip_suffix(')').unwrap_or(rest)),
        None => (criterion, ""),
    };
    let head = head.strip_prefix("req.").unwrap_or(head);
    let head = match head.strip_prefix("res.") {
        Some(h) if h.starts_with("hdr") => "shdr",
        Some(h) => h,
        None => head,
    };
    let (base, suffix) = match head.split_once('_') {
        Some((b, s)) if matches!(b, "path" | "url" | "hdr" | "shdr" | "method" | "src") => (b, s),
        _ => (head, ""),
    };
    let mut how = if base == "src" {
        How::Ip
    } else {
        how_of(suffix)
    };
    let mut icase = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-i" => icase = true,
            "-m" => how = it.next().map(|m| how_of(m)).unwrap_or(How::Unsupported),
            "-f" | "-M" | "-u" => return None,
            "--" => break,
            _ => {}
        }
    }
    Some(Shape {
        base,
        arg,
        how,
        icase,
    })
}

/// Compiled regular expressions of a proxy's `_reg` / `-m reg` ACLs, built once at startup
/// and read without locks.
#[derive(Debug, Default)]
pub struct Regexes {
    exact: HashMap<String, Regex>,
    icase: HashMap<String, Regex>,
}

impl Regexes {
    /// Compiles the regex patterns of `acls` and of the anonymous ACLs in `conds`. A pattern
    /// that does not compile never matches.
    pub fn compile<'a>(acls: &[Acl], conds: impl IntoIterator<Item = &'a Cond>) -> Regexes {
        let mut r = Regexes::default();
        let mut add = |criterion: &str, args: &[String]| {
            let Some(sh) = shape(criterion, args) else {
                return;
            };
            if sh.how != How::Reg {
                return;
            }
            for v in (Values {
                args,
                i: 0,
                raw: false,
            }) {
                let map = if sh.icase { &mut r.icase } else { &mut r.exact };
                if map.contains_key(v) {
                    continue;
                }
                let built = Regex::builder()
                    .syntax(regex_automata::util::syntax::Config::new().case_insensitive(sh.icase))
                    .build(v);
                if let Ok(re) = built {
                    map.insert(v.to_string(), re);
                }
            }
        };
        for a in acls {
            add(&a.criterion, &a.args);
        }
        for c in conds {
            for t in c.any_of.iter().flatten() {
                if let AclRef::Anonymous {
                    criterion, args, ..
                } = &t.acl
                {
                    add(criterion, args);
                }
            }
        }
        r
    }

    fn is_match(&self, icase: bool, pattern: &str, s: &[u8]) -> bool {
        let map = if icase { &self.icase } else { &self.exact };
        map.get(pattern).is_some_and(|re| re.is_match(s))
    }
}

/// Evaluates one ACL line: its typed expression through the `sample` room, or, for the
/// criteria still kept on words (stick counters, payload), `criterion [flags] values...`.
fn matches(criterion: &str, args: &[String], expr: Option<&AclExpr>, ctx: &Ctx<'_>) -> bool {
    if let Some(e) = expr {
        return match ctx.vars.map(|m| m.try_lock()) {
            Some(Ok(mut vars)) => sample::acl_matches(e, &ctx.sample(), &mut vars),
            _ => sample::acl_matches(e, &ctx.sample(), &mut Vars::default()),
        };
    }
    if criterion == "always_true" {
        return true;
    }
    if let Some(v) = ctx.stick.and_then(|s| s.eval(criterion, args, ctx.src)) {
        return v;
    }
    let Some(Shape {
        base,
        arg,
        how,
        icase,
    }) = shape(criterion, args)
    else {
        return false;
    };
    let int = match base {
        "status" => Some(ctx.status.map(u64::from)),
        "req_ssl_hello_type" | "ssl_hello_type" => {
            Some(ctx.payload.and_then(|p| p.hello_type).map(u64::from))
        }
        "req_len" | "len" => Some(ctx.payload.map(|p| p.len as u64)),
        _ => None,
    };
    if let Some(n) = int {
        let Some(n) = n else { return false };
        return Values {
            args,
            i: 0,
            raw: false,
        }
        .any(|v| int_range(v).is_some_and(|(lo, hi)| lo <= n && n <= hi));
    }
    if how == How::Unsupported {
        return false;
    }
    let values = Values {
        args,
        i: 0,
        raw: false,
    };
    if how == How::Ip {
        let Some(ip) = ctx.src else { return false };
        return values
            .into_iter()
            .any(|v| net(v).is_some_and(|n| n.contains(ip)));
    }
    let one = |s: Option<&[u8]>| match s {
        Some(_) if how == How::Found => true,
        Some(s) if how == How::Reg => {
            let Some(re) = ctx.regexes else { return false };
            Values {
                args,
                i: 0,
                raw: false,
            }
            .any(|v| re.is_match(icase, v, s))
        }
        Some(s) => Values {
            args,
            i: 0,
            raw: false,
        }
        .any(|v| compare(how, icase, s, v.as_bytes())),
        None => false,
    };
    match base {
        "path" => one(ctx.req.and_then(Head::path)),
        "url" => one(ctx.req.map(Head::target)),
        "method" => one(ctx.req.map(Head::method)),
        "req_ssl_sni" | "ssl_sni" => one(ctx
            .payload
            .and_then(|p| p.sni.as_deref())
            .map(str::as_bytes)),
        "hdr" | "shdr" => match if base == "hdr" { ctx.req } else { ctx.res } {
            Some(h) if !arg.is_empty() => h.get_all(arg).any(|v| one(Some(v))),
            _ => false,
        },
        _ => false,
    }
}

/// The pattern values of an ACL line: every word but the flags (`-i`, `-m METHOD`), and
/// every word after `--`.
struct Values<'a> {
    args: &'a [String],
    i: usize,
    raw: bool,
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        loop {
            let a = self.args.get(self.i)?.as_str();
            self.i += 1;
            if self.raw {
                return Some(a);
            }
            match a {
                "-i" => {}
                "-m" => self.i += 1,
                "--" => self.raw = true,
                v => return Some(v),
            }
        }
    }
}

fn compare(how: How, icase: bool, s: &[u8], p: &[u8]) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if icase {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match how {
        How::Str => eq(s, p),
        How::Beg => s.len() >= p.len() && s.get(..p.len()).is_some_and(|h| eq(h, p)),
        How::End => s.len() >= p.len() && s.get(s.len() - p.len()..).is_some_and(|t| eq(t, p)),
        How::Sub => p.is_empty() || s.windows(p.len()).any(|w| eq(w, p)),
        How::Dom => s
            .split(|c| matches!(c, b'/' | b'?' | b'.' | b':'))
            .any(|w| eq(w, p) || (p.contains(&b'.') && eq(s, p))),
        How::Len => {
            std::str::from_utf8(p)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                == Some(s.len())
        }
        How::Found | How::Ip | How::Reg | How::Unsupported => false,
    }
}

/// An integer pattern: `N`, `LO:HI`, `LO:` or `:HI`.
fn int_range(v: &str) -> Option<(u64, u64)> {
    match v.split_once(':') {
        Some((lo, hi)) => {
            let lo = if lo.is_empty() { 0 } else { lo.parse().ok()? };
            let hi = if hi.is_empty() {
                u64::MAX
            } else {
                hi.parse().ok()?
            };
            Some((lo, hi))
        }
        None => v.parse().ok().map(|n| (n, n)),
    }
}

fn net(v: &str) -> Option<IpNet> {
    match v.split_once('/') {
        Some((a, p)) => {
            let addr: IpAddr = a.parse().ok()?;
            let prefix = match p.parse::<u8>() {
                Ok(n) => n,
                Err(_) => {
                    let mask: std::net::Ipv4Addr = p.parse().ok()?;
                    u8::try_from(u32::from(mask).count_ones()).ok()?
                }
            };
            Some(IpNet { addr, prefix })
        }
        None => {
            let addr: IpAddr = v.parse().ok()?;
            Some(IpNet {
                addr,
                prefix: if addr.is_ipv4() { 32 } else { 128 },
            })
        }
    }
}

/// Parses the words of a condition as written after `if`/`unless` in rules kept verbatim
/// (`tcp-request ... if|unless TERMS`): `NAME`, `!NAME`, `! NAME`, `{ criterion args }`,
/// groups separated by `or` / `||`. `None` when there is no condition or it is malformed.
pub fn parse_words(words: &[String]) -> Option<Cond> {
    let at = words.iter().position(|w| w == "if" || w == "unless")?;
    let unless = words.get(at)?.as_str() == "unless";
    let mut any_of = vec![Vec::new()];
    let mut negate = false;
    let mut it = words.get(at + 1..)?.iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "or" | "||" => any_of.push(Vec::new()),
            "!" => negate = !negate,
            "{" | "!{" => {
                let neg = negate != (w == "!{");
                let mut inner = Vec::new();
                for x in it.by_ref() {
                    if x == "}" {
                        break;
                    }
                    inner.push(x.clone());
                }
                let (criterion, args) = inner.split_first()?;
                // The configuration refused at load what does not type.
                let expr = crate::config::kw::acl::typed(criterion, args).ok()?;
                let term = CondTerm {
                    negate: neg,
                    acl: AclRef::Anonymous {
                        criterion: criterion.clone(),
                        args: args.to_vec(),
                        expr: expr.map(Box::new),
                    },
                };
                any_of.last_mut()?.push(term);
                negate = false;
            }
            name => {
                let (neg, name) = match name.strip_prefix('!') {
                    Some(n) => (!negate, n),
                    None => (negate, name),
                };
                any_of.last_mut()?.push(CondTerm {
                    negate: neg,
                    acl: AclRef::Named(name.to_string()),
                });
                negate = false;
            }
        }
    }
    Some(Cond { unless, any_of })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{CondTerm, Loc};
    use crate::http::testing::{request, response};

    fn cond(unless: bool, terms: &[(bool, &str)]) -> Cond {
        Cond {
            unless,
            any_of: vec![terms
                .iter()
                .map(|(n, name)| CondTerm {
                    negate: *n,
                    acl: AclRef::Named((*name).into()),
                })
                .collect()],
        }
    }

    fn acl(name: &str, crit: &str, args: &[&str]) -> Acl {
        Acl {
            loc: Loc::new("t", 1),
            name: name.into(),
            criterion: crit.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            expr: crate::config::kw::acl::typed(
                crit,
                &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .unwrap(),
        }
    }

    #[test]
    fn true_false_and_negation_behave_like_haproxy() {
        let ctx = Ctx::default();
        assert!(holds(None, &[], &ctx));
        assert!(holds(Some(&cond(false, &[(false, "TRUE")])), &[], &ctx));
        assert!(!holds(Some(&cond(false, &[(false, "FALSE")])), &[], &ctx));
        assert!(holds(Some(&cond(false, &[(true, "FALSE")])), &[], &ctx));
        assert!(holds(Some(&cond(true, &[(false, "FALSE")])), &[], &ctx));
        assert!(!holds(
            Some(&cond(false, &[(false, "TRUE"), (false, "FALSE")])),
            &[],
            &ctx
        ));
    }

    #[test]
    fn path_beg_and_host_header_acls_match_the_request() {
        let h = request("GET /api/v1?x=1 HTTP/1.1", &[("host", "Example.com")]);
        let ctx = Ctx {
            req: Some(&h),
            ..Ctx::default()
        };
        let acls = vec![
            acl("is_api", "path_beg", &["/static", "/api"]),
            acl("is_ex", "hdr(host)", &["-i", "example.com"]),
            acl("is_other", "hdr_dom(host)", &["other.org"]),
        ];
        assert!(holds(
            Some(&cond(false, &[(false, "is_api"), (false, "is_ex")])),
            &acls,
            &ctx
        ));
        assert!(!holds(
            Some(&cond(false, &[(false, "is_other")])),
            &acls,
            &ctx
        ));
        assert!(holds(
            Some(&cond(false, &[(false, "METH_GET")])),
            &acls,
            &ctx
        ));
    }

    #[test]
    fn src_acls_match_networks_and_unknown_criteria_never_match() {
        let ctx = Ctx {
            src: Some("10.1.2.3".parse().unwrap()),
            ..Ctx::default()
        };
        let acls = vec![
            acl("lan", "src", &["10.0.0.0/8"]),
            acl("weird", "ssl_fc_sni", &["x"]),
        ];
        assert!(holds(Some(&cond(false, &[(false, "lan")])), &acls, &ctx));
        assert!(!holds(Some(&cond(false, &[(false, "weird")])), &acls, &ctx));
        assert!(!holds(
            Some(&cond(false, &[(false, "LOCALHOST")])),
            &acls,
            &ctx
        ));
    }

    #[test]
    fn match_flags_and_double_dash_values_are_honoured() {
        let h = request("GET /abc HTTP/1.1", &[("x", "-i")]);
        let ctx = Ctx {
            req: Some(&h),
            ..Ctx::default()
        };
        let acls = vec![
            acl("beg", "path", &["-m", "beg", "/a"]),
            acl("lit", "hdr(x)", &["--", "-i"]),
            acl("found", "hdr(x)", &["-m", "found"]),
            acl("missing", "hdr(y)", &["-m", "found"]),
        ];
        assert!(holds(Some(&cond(false, &[(false, "beg")])), &acls, &ctx));
        assert!(holds(Some(&cond(false, &[(false, "lit")])), &acls, &ctx));
        assert!(holds(Some(&cond(false, &[(false, "found")])), &acls, &ctx));
        assert!(!holds(
            Some(&cond(false, &[(false, "missing")])),
            &acls,
            &ctx
        ));
    }

    #[test]
    fn status_and_response_header_acls_match_in_http_response_rules() {
        let h = response(404, &[("content-type", "text/html")]);
        let ctx = Ctx {
            status: Some(404),
            res: Some(&h),
            ..Ctx::default()
        };
        let acls = vec![
            acl("err", "status", &["400:499"]),
            acl("ok", "status", &["200"]),
            acl("html", "res.hdr(content-type)", &["-m", "beg", "text/"]),
        ];
        assert!(holds(
            Some(&cond(false, &[(false, "err"), (false, "html")])),
            &acls,
            &ctx
        ));
        assert!(!holds(Some(&cond(false, &[(false, "ok")])), &acls, &ctx));
    }

    #[test]
    fn regex_acls_match_through_the_sample_room() {
        let h = request("GET /img/a.PNG HTTP/1.1", &[]);
        let acls = vec![
            acl("img", "path_reg", &["-i", "\\.png$"]),
            acl("n", "path", &["-m", "reg", "^/x"]),
        ];
        let re = Regexes::compile(&acls, []);
        let ctx = Ctx {
            req: Some(&h),
            regexes: Some(&re),
            ..Ctx::default()
        };
        assert!(holds(Some(&cond(false, &[(false, "img")])), &acls, &ctx));
        assert!(!holds(Some(&cond(false, &[(false, "n")])), &acls, &ctx));
    }

    #[test]
    fn predefined_acls_read_method_version_target_and_length_bytes() {
        let acls = [];
        let is = |h: &Head, name: &str| {
            let ctx = Ctx {
                req: Some(h),
                ..Ctx::default()
            };
            holds(Some(&cond(false, &[(false, name)])), &acls, &ctx)
        };
        let head = request("HEAD /x HTTP/1.0", &[]);
        assert!(is(&head, "METH_GET") && is(&head, "METH_HEAD") && !is(&head, "METH_POST"));
        assert!(is(&head, "HTTP") && is(&head, "HTTP_1.0") && !is(&head, "HTTP_1.1"));
        assert!(is(&head, "HTTP_URL_SLASH") && !is(&head, "HTTP_URL_ABS"));
        assert!(!is(&head, "HTTP_CONTENT"));
        let post = request("POST /x HTTP/1.0", &[("content-length", "3")]);
        assert!(is(&post, "METH_POST") && !is(&post, "METH_GET"));
        assert!(is(&post, "HTTP_CONTENT"));
        let abs = request("get http://h/p?q HTTP/1.1", &[("host", "h")]);
        assert!(!is(&abs, "METH_GET") && is(&abs, "HTTP_1.1"));
        assert!(is(&abs, "HTTP_URL_ABS") && !is(&abs, "HTTP_URL_SLASH"));
        assert!(!is(&abs, "HTTP_CONTENT"));
        let a = [
            acl("p", "path", &["/p"]),
            acl("u", "url", &["http://h/p?q"]),
        ];
        let ctx = Ctx {
            req: Some(&abs),
            ..Ctx::default()
        };
        assert!(holds(
            Some(&cond(false, &[(false, "p"), (false, "u")])),
            &a,
            &ctx
        ));
        assert!(!holds(
            Some(&cond(false, &[(false, "HTTP")])),
            &a,
            &Ctx::default()
        ));
    }

    #[test]
    fn conditions_kept_as_words_parse_like_haproxy() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let c = parse_words(&w(
            "tcp-request connection reject if !lan { src 10.0.0.1 } or FALSE",
        ))
        .unwrap();
        assert!(!c.unless);
        assert_eq!(c.any_of.len(), 2);
        assert!(c.any_of[0][0].negate);
        assert!(
            matches!(&c.any_of[0][1].acl, AclRef::Anonymous { criterion, args, .. } if criterion == "src" && args == &["10.0.0.1"])
        );
        assert!(parse_words(&w("tcp-request inspect-delay 5s")).is_none());
        let ctx = Ctx {
            src: Some("10.0.0.1".parse().unwrap()),
            ..Ctx::default()
        };
        let acls = vec![acl("lan", "src", &["192.168.0.0/16"])];
        assert!(holds(Some(&c), &acls, &ctx));
    }
}
