//! Converters (configuration.txt 7.3.1 "Converters"): each keyword of
//! `config::kw::sample::support::CONVERTERS` compiled once into a [`Conv`] (regexes built,
//! variable names checked), then applied to a sample already cast to the converter's input
//! type. Hashes reuse `balance::hash`, HAProxy's own functions.

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine as _;
use regex_automata::meta::Regex;

use super::ctx::{Ctx, Vars};
use super::value::Value;
use crate::balance::hash;
use crate::config::model::{Arg, Call};

/// An arithmetic operand: a constant or a variable.
#[derive(Debug, Clone)]
pub enum Operand {
    /// An integer.
    Int(i64),
    /// A variable's value, cast to an integer.
    Var(String),
}

/// A compiled converter.
#[derive(Debug, Clone)]
pub enum Conv {
    /// `lower`, `upper`.
    Case {
        /// To upper case.
        upper: bool,
    },
    /// `length`.
    Length,
    /// `add sub mul div mod and or xor`.
    Arith(char, Operand),
    /// `neg cpl not bool odd even`.
    Unary(&'static str),
    /// `base64 b64dec ub64enc ub64dec`.
    Base64 {
        /// Decode rather than encode.
        decode: bool,
        /// The URL-safe alphabet without padding.
        url: bool,
    },
    /// `hex`.
    Hex,
    /// `hex2i`.
    Hex2i,
    /// `crc32 djb2 sdbm wt6 [avalanche]`.
    Hash(&'static str, bool),
    /// `sha1`.
    Sha1,
    /// `sha2([bits])`.
    Sha2(i64),
    /// `bytes(offset[,length])`.
    Bytes(i64, Option<i64>),
    /// `field`/`word(index,delims[,count])`.
    Field {
        /// Words skip empty fields.
        word: bool,
        /// 1-based; negative from the end.
        index: i64,
        /// Delimiter characters.
        delims: Vec<u8>,
        /// How many fields (0: all following).
        count: i64,
    },
    /// `concat([prefix][,var][,suffix])`.
    Concat(String, Option<String>, String),
    /// `ltrim(chars)` / `rtrim(chars)`.
    Trim {
        /// The right side.
        right: bool,
        /// The characters removed.
        chars: Vec<u8>,
    },
    /// `ipmask(mask4[,mask6])`.
    IpMask(u32, Option<u128>),
    /// `host_only` / `port_only`.
    HostPort {
        /// Keep the port.
        port: bool,
    },
    /// `json([mode])`.
    Json,
    /// `url_dec([in_form])`.
    UrlDec(bool),
    /// `url_enc([query])`.
    UrlEnc,
    /// `regsub(regex,subst[,flags])`.
    Regsub {
        /// The compiled regex.
        re: Box<Regex>,
        /// The replacement, with `\N` references.
        subst: String,
        /// `g`: every match.
        global: bool,
    },
    /// `strcmp(var)`.
    Strcmp(String),
    /// `set-var(name[,conditions])`.
    SetVar(String, Vec<String>),
    /// `unset-var(name)`.
    UnsetVar(String),
}

fn s(args: &[Arg], i: usize) -> Option<String> {
    args.get(i).and_then(Arg::as_str).map(str::to_string)
}

fn operand(args: &[Arg]) -> Option<Operand> {
    let a = s(args, 0)?;
    Some(match crate::config::kw::sample::parse::read_int64(&a) {
        Some(i) => Operand::Int(i),
        None => Operand::Var(a),
    })
}

/// Compiles a converter call; `None` for a keyword this build does not run.
pub fn compile(c: &Call) -> Option<Conv> {
    if crate::config::kw::sample::support::refused_converter(&c.name).is_some() {
        return None;
    }
    let a = &c.args;
    let int = |i: usize| a.get(i).and_then(Arg::as_int);
    let hash_kind = |n: &'static str| Conv::Hash(n, int(0).unwrap_or(0) != 0);
    Some(match c.name.as_str() {
        "lower" => Conv::Case { upper: false },
        "upper" => Conv::Case { upper: true },
        "length" => Conv::Length,
        "add" => Conv::Arith('+', operand(a)?),
        "sub" => Conv::Arith('-', operand(a)?),
        "mul" => Conv::Arith('*', operand(a)?),
        "div" => Conv::Arith('/', operand(a)?),
        "mod" => Conv::Arith('%', operand(a)?),
        "and" => Conv::Arith('&', operand(a)?),
        "or" => Conv::Arith('|', operand(a)?),
        "xor" => Conv::Arith('^', operand(a)?),
        "neg" => Conv::Unary("neg"),
        "cpl" => Conv::Unary("cpl"),
        "not" => Conv::Unary("not"),
        "bool" => Conv::Unary("bool"),
        "odd" => Conv::Unary("odd"),
        "even" => Conv::Unary("even"),
        "base64" => Conv::Base64 {
            decode: false,
            url: false,
        },
        "b64dec" => Conv::Base64 {
            decode: true,
            url: false,
        },
        "ub64enc" => Conv::Base64 {
            decode: false,
            url: true,
        },
        "ub64dec" => Conv::Base64 {
            decode: true,
            url: true,
        },
        "hex" => Conv::Hex,
        "hex2i" => Conv::Hex2i,
        "crc32" => hash_kind("crc32"),
        "djb2" => hash_kind("djb2"),
        "sdbm" => hash_kind("sdbm"),
        "wt6" => hash_kind("wt6"),
        "sha1" => Conv::Sha1,
        "sha2" => Conv::Sha2(int(0).unwrap_or(256)),
        "bytes" => Conv::Bytes(int(0)?, int(1)),
        "field" | "word" => Conv::Field {
            word: c.name == "word",
            index: int(0)?,
            delims: s(a, 1)?.into_bytes(),
            count: int(2).unwrap_or(1),
        },
        "concat" => Conv::Concat(
            s(a, 0).unwrap_or_default(),
            s(a, 1).filter(|v| !v.is_empty()),
            s(a, 2).unwrap_or_default(),
        ),
        "ltrim" | "rtrim" => Conv::Trim {
            right: c.name == "rtrim",
            chars: s(a, 0)?.into_bytes(),
        },
        "ipmask" => {
            let m4 = match a.first()? {
                Arg::Ipv4(m) => u32::from(*m),
                _ => return None,
            };
            let m6 = match a.get(1) {
                Some(Arg::Ipv6(m)) => Some(u128::from(*m)),
                _ => None,
            };
            Conv::IpMask(m4, m6)
        }
        "host_only" => Conv::HostPort { port: false },
        "port_only" => Conv::HostPort { port: true },
        "json" => Conv::Json,
        "url_dec" => Conv::UrlDec(int(0).unwrap_or(0) != 0),
        "url_enc" => Conv::UrlEnc,
        "regsub" => {
            let flags = s(a, 2).unwrap_or_default();
            let syntax = regex_automata::util::syntax::Config::new()
                .case_insensitive(flags.contains('i'))
                .utf8(false);
            let re = Regex::builder().syntax(syntax).build(&s(a, 0)?).ok()?;
            Conv::Regsub {
                re: Box::new(re),
                subst: s(a, 1).unwrap_or_default(),
                global: flags.contains('g'),
            }
        }
        "strcmp" => Conv::Strcmp(s(a, 0)?),
        "set-var" => Conv::SetVar(
            s(a, 0)?,
            a.iter()
                .skip(1)
                .filter_map(Arg::as_str)
                .map(str::to_string)
                .collect(),
        ),
        "unset-var" => Conv::UnsetVar(s(a, 0)?),
        _ => return None,
    })
}

fn bytes_of<'a>(v: Value<'a>) -> Option<Cow<'a, [u8]>> {
    match v {
        Value::Str(b) | Value::Bin(b) | Value::Meth(b) => Some(b),
        other => other.into_bytes(),
    }
}

fn map_bytes<'a>(v: Value<'a>, f: impl FnOnce(&[u8]) -> Vec<u8>) -> Option<Value<'a>> {
    Some(Value::Str(Cow::Owned(f(&bytes_of(v)?))))
}

impl Conv {
    /// Applies the converter to `v`, already cast to its input type.
    pub fn apply<'a>(&self, v: Value<'a>, _ctx: &Ctx<'a>, vars: &mut Vars) -> Option<Value<'a>> {
        match self {
            Conv::Case { upper } => map_bytes(v, |b| {
                if *upper {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            }),
            Conv::Length => Some(Value::Sint(bytes_of(v)?.len() as i64)),
            Conv::Arith(op, o) => {
                let x = v.to_int()?;
                let y = match o {
                    Operand::Int(i) => *i,
                    Operand::Var(n) => vars.get(n)?.to_int()?,
                };
                Some(Value::Sint(arith(*op, x, y)))
            }
            Conv::Unary(op) => {
                let x = v.to_int()?;
                Some(match *op {
                    "neg" => Value::Sint(x.wrapping_neg()),
                    "cpl" => Value::Sint(!x),
                    "not" => Value::Bool(x == 0),
                    "bool" => Value::Bool(x != 0),
                    "odd" => Value::Bool(x & 1 == 1),
                    _ => Value::Bool(x & 1 == 0),
                })
            }
            Conv::Base64 { decode, url } => {
                let b = bytes_of(v)?;
                let e = if *url {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                } else {
                    base64::engine::general_purpose::STANDARD
                };
                if *decode {
                    Some(Value::Bin(Cow::Owned(e.decode(&*b).ok()?)))
                } else {
                    Some(Value::string(e.encode(&*b)))
                }
            }
            Conv::Hex => map_bytes(v, |b| {
                b.iter()
                    .flat_map(|c| format!("{c:02X}").into_bytes())
                    .collect()
            }),
            Conv::Hex2i => {
                let b = bytes_of(v)?;
                let t = std::str::from_utf8(&b).ok()?;
                Some(Value::Sint(i64::from_str_radix(t, 16).ok()?))
            }
            Conv::Hash(name, aval) => {
                let b = bytes_of(v)?;
                let h = match *name {
                    "crc32" => hash::crc32(&b),
                    "djb2" => hash::djb2(&b),
                    "sdbm" => hash::sdbm(&b),
                    _ => hash::wt6(&b),
                };
                Some(Value::Sint(i64::from(if *aval {
                    hash::full_hash(h)
                } else {
                    h
                })))
            }
            Conv::Sha1 => {
                use sha1::Digest as _;
                Some(Value::Bin(Cow::Owned(
                    sha1::Sha1::digest(&*bytes_of(v)?).to_vec(),
                )))
            }
            Conv::Sha2(bits) => {
                use sha2::Digest as _;
                let b = bytes_of(v)?;
                let out = match bits {
                    224 => sha2::Sha224::digest(&*b).to_vec(),
                    384 => sha2::Sha384::digest(&*b).to_vec(),
                    512 => sha2::Sha512::digest(&*b).to_vec(),
                    _ => sha2::Sha256::digest(&*b).to_vec(),
                };
                Some(Value::Bin(Cow::Owned(out)))
            }
            Conv::Bytes(off, len) => {
                let b = bytes_of(v)?;
                let off = usize::try_from(*off).ok()?;
                let rest = b.get(off..).unwrap_or_default();
                let take = match len {
                    Some(l) => usize::try_from(*l).ok()?.min(rest.len()),
                    None => rest.len(),
                };
                Some(Value::Bin(Cow::Owned(
                    rest.get(..take).unwrap_or_default().to_vec(),
                )))
            }
            Conv::Field {
                word,
                index,
                delims,
                count,
            } => {
                let b = bytes_of(v)?;
                Some(Value::string(field(&b, *word, *index, delims, *count)))
            }
            Conv::Concat(pre, var, post) => {
                let mut out = bytes_of(v)?.into_owned();
                out.extend_from_slice(pre.as_bytes());
                if let Some(n) = var {
                    if let Some(x) = vars.get(n).and_then(Value::into_bytes) {
                        out.extend_from_slice(&x);
                    }
                }
                out.extend_from_slice(post.as_bytes());
                Some(Value::string(out))
            }
            Conv::Trim { right, chars } => {
                let b = bytes_of(v)?;
                let t: &[u8] = if *right {
                    let end = b
                        .iter()
                        .rposition(|c| !chars.contains(c))
                        .map_or(0, |i| i + 1);
                    b.get(..end).unwrap_or_default()
                } else {
                    let start = b.iter().position(|c| !chars.contains(c)).unwrap_or(b.len());
                    b.get(start..).unwrap_or_default()
                };
                Some(Value::string(t.to_vec()))
            }
            Conv::IpMask(m4, m6) => match v {
                Value::Ipv4(a) => Some(Value::Ipv4((u32::from(a) & m4).into())),
                Value::Ipv6(a) => m6.map(|m| Value::Ipv6((u128::from(a) & m).into())),
                other => match other.into_bytes().and_then(|b| super::http::parse_ip(&b))? {
                    IpAddr::V4(a) => Some(Value::Ipv4((u32::from(a) & m4).into())),
                    IpAddr::V6(a) => Some(Value::Ipv6((u128::from(a) & (*m6)?).into())),
                },
            },
            Conv::HostPort { port } => {
                let b = bytes_of(v)?;
                let (host, p) = split_host_port(&b);
                if *port {
                    Some(Value::Sint(p.map_or(0, super::http::leading_int)))
                } else {
                    Some(Value::string(host.to_vec()))
                }
            }
            Conv::Json => map_bytes(v, json_escape),
            Conv::UrlDec(form) => {
                let b = bytes_of(v)?;
                Some(Value::string(url_decode(&b, *form)?))
            }
            Conv::UrlEnc => map_bytes(v, url_encode),
            Conv::Regsub { re, subst, global } => {
                let b = bytes_of(v)?;
                Some(Value::string(regsub(re, &b, subst, *global)))
            }
            Conv::Strcmp(var) => {
                let a = bytes_of(v)?;
                let b = vars.get(var)?.into_bytes()?;
                Some(Value::Sint(strcmp(&a, &b)))
            }
            Conv::SetVar(name, conds) => {
                if conds_hold(conds, vars.get(name).as_ref(), &v) {
                    vars.set(name, v.clone());
                }
                Some(v)
            }
            Conv::UnsetVar(name) => {
                vars.unset(name);
                Some(v)
            }
        }
    }
}

/// The conditions of `set-var(name,cond...)` (HAProxy 2.6 `var_set` flags).
pub fn conds_hold(conds: &[String], old: Option<&Value<'_>>, new: &Value<'_>) -> bool {
    conds.iter().all(|c| match c.as_str() {
        "ifexists" => old.is_some(),
        "ifnotexists" => old.is_none(),
        "ifempty" => new.clone().into_bytes().is_some_and(|b| b.is_empty()),
        "ifnotempty" => new.clone().into_bytes().is_some_and(|b| !b.is_empty()),
        "ifset" => old.is_some(),
        "ifnotset" => old.is_none(),
        "ifgt" => {
            matches!((old.and_then(Value::to_int), new.to_int()), (Some(o), Some(n)) if o > n)
        }
        "iflt" => {
            matches!((old.and_then(Value::to_int), new.to_int()), (Some(o), Some(n)) if o < n)
        }
        _ => true,
    })
}

fn arith(op: char, x: i64, y: i64) -> i64 {
    match op {
        '+' => x.saturating_add(y),
        '-' => x.saturating_sub(y),
        '*' => x.saturating_mul(y),
        '/' => {
            if y == 0 {
                i64::MAX
            } else {
                x.wrapping_div(y)
            }
        }
        '%' => {
            if y == 0 {
                0
            } else {
                x.wrapping_rem(y)
            }
        }
        '&' => x & y,
        '|' => x | y,
        _ => x ^ y,
    }
}

fn field(b: &[u8], word: bool, index: i64, delims: &[u8], count: i64) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = b.split(|c| delims.contains(c)).collect();
    if word {
        parts.retain(|p| !p.is_empty());
    }
    let n = parts.len() as i64;
    let start = if index > 0 { index - 1 } else { n + index };
    if start < 0 || start >= n {
        return Vec::new();
    }
    let end = if count <= 0 {
        n
    } else {
        (start + count).min(n)
    };
    let sep = if word { None } else { delims.first().copied() };
    let mut out = Vec::new();
    for (k, p) in parts
        .iter()
        .enumerate()
        .skip(usize::try_from(start).unwrap_or(0))
        .take(usize::try_from(end - start).unwrap_or(0))
    {
        if k > usize::try_from(start).unwrap_or(0) {
            out.push(sep.unwrap_or(delims.first().copied().unwrap_or(b' ')));
        }
        out.extend_from_slice(p);
    }
    out
}

fn split_host_port(b: &[u8]) -> (&[u8], Option<&[u8]>) {
    if b.first() == Some(&b'[') {
        if let Some(close) = b.iter().position(|&c| c == b']') {
            let host = b.get(..=close).unwrap_or(b);
            let port = b.get(close + 1..).and_then(|r| r.strip_prefix(b":"));
            return (host, port);
        }
    }
    match b.iter().rposition(|&c| c == b':') {
        Some(i) if b.iter().filter(|&&c| c == b':').count() == 1 => {
            (b.get(..i).unwrap_or(b), b.get(i + 1..))
        }
        _ => (b, None),
    }
}

fn json_escape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for &c in b {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if !(0x20..=0x7e).contains(&c) => {
                out.extend_from_slice(format!("\\u{c:04x}").as_bytes())
            }
            c => out.push(c),
        }
    }
    out
}

fn url_decode(b: &[u8], form: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
                continue;
            }
            b'+' if form => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

fn url_encode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for &c in b {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c);
        } else {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        }
    }
    out
}

fn regsub(re: &Regex, b: &[u8], subst: &str, global: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut caps = re.create_captures();
    let mut at = 0;
    while at <= b.len() {
        re.search_captures(&regex_automata::Input::new(b).range(at..), &mut caps);
        let Some(m) = caps.get_match() else { break };
        out.extend_from_slice(b.get(at..m.start()).unwrap_or_default());
        let s = subst.as_bytes();
        let mut i = 0;
        while let Some(&c) = s.get(i) {
            if c == b'\\' && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                let g = usize::from(s.get(i + 1).copied().unwrap_or(b'0') - b'0');
                if let Some(sp) = caps.get_group(g) {
                    out.extend_from_slice(b.get(sp.start..sp.end).unwrap_or_default());
                }
                i += 2;
                continue;
            }
            out.push(c);
            i += 1;
        }
        if m.end() == m.start() {
            out.extend_from_slice(b.get(m.end()..m.end() + 1).unwrap_or_default());
            at = m.end() + 1;
        } else {
            at = m.end();
        }
        if !global {
            break;
        }
    }
    out.extend_from_slice(b.get(at..).unwrap_or_default());
    out
}

fn strcmp(a: &[u8], b: &[u8]) -> i64 {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return i64::from(*x) - i64::from(*y);
        }
    }
    a.len() as i64 - b.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_and_word_pick_like_haproxy() {
        assert_eq!(field(b"a,b,,c", false, 2, b",", 1), b"b");
        assert_eq!(field(b"a,b,,c", false, -1, b",", 1), b"c");
        assert_eq!(field(b"a,b,,c", false, 2, b",", 2), b"b,");
        assert_eq!(field(b"a,b,,c", true, 3, b",", 1), b"c");
    }

    #[test]
    fn regsub_replaces_with_groups() {
        let re = Regex::new("(a+)").unwrap();
        assert_eq!(regsub(&re, b"xaay a", "<\\1>", true), b"x<aa>y <a>");
        assert_eq!(regsub(&re, b"xaay a", "-", false), b"x-y a");
    }

    #[test]
    fn host_only_and_port_only() {
        assert_eq!(
            split_host_port(b"ex.com:8080"),
            (&b"ex.com"[..], Some(&b"8080"[..]))
        );
        assert_eq!(
            split_host_port(b"[::1]:80"),
            (&b"[::1]"[..], Some(&b"80"[..]))
        );
    }
}
