//! Stick tables (configuration.txt 4.2 "stick-table", "stick match", "stick on", "stick
//! store-request", "stick store-response"; the `track-sc*` actions and the counter fetches
//! of 7.3.3), read into [`crate::config::model::ProxyStick`] with HAProxy 2.6's messages.
//!
//! - `mod.rs`: the `stick-table` and `stick` keywords (`parse_stick_table()` and the
//!   `stick` branch of `cfg_parse_listen()`);
//! - `sample.rs`: the key expressions this build accepts (`src`, `path`, `req.hdr()`,
//!   `res.hdr()`, `hdr()`, `req.cook()`, `res.cook()`, `cookie()`, `url_param()`);
//! - `track.rs`: `track-sc0|1|2` of `http-request`, `http-response` and `tcp-request`;
//! - `counter.rs`: ACLs on `sc_*`, `scN_*`, `src_*`, `table_*` fetches, typed;
//! - `check.rs`: the cross-checks made after parsing (tables found, key types compatible).
//!
//! Anything HAProxy accepts here that this build cannot act on (another fetch, a converter,
//! the `gpc(N)`/`gpt(N)` arrays) is refused with an ALERT naming the line, never kept
//! without effect. Imports only `config::model`, `config::diag` and `config::kw`.

mod check;
mod counter;
mod sample;
mod track;

pub use check::{check_proxy, enable_server_ids};
pub use counter::{is_counter, parse as parse_counter_acl};
pub use track::{http as http_track, tcp as tcp_track, HttpTrackError};

use super::{Keyword, Parse, ProxyCtx, BE_ONLY, NO_DEFAULTS};
use crate::config::diag::Level;
use crate::config::lexer::Line;
use crate::config::model::{
    DataType, KeyType, ProxyKind, SrvKey, StickKind, StickRule, StickTable, Store,
};
use crate::config::units::{parse_time, TimeError};
use sample::{ExprError, KeyError, Place};
use std::time::Duration;

/// `stick-table`, `stick`.
pub static KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "stick-table",
        sections: NO_DEFAULTS,
        parse: Parse::Proxy(stick_table),
    },
    Keyword {
        name: "stick",
        sections: BE_ONLY,
        parse: Parse::Proxy(stick),
    },
];

/// The longest `len` of a string or binary key accepted here (HAProxy takes any `atol()`
/// value and fails later, or allocates that much per entry).
pub const MAX_KEY_LEN: usize = 1 << 20;

/// HAProxy's `parse_size_err()` into an `unsigned int`: the offending character on error.
fn size_u32(text: &str) -> Result<u64, char> {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).map_or('\0', |b| char::from(*b));
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return Err(at(0));
    }
    let mut value: u64 = 0;
    let mut i = 0;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        value = value * 10 + u64::from(d - b'0');
        if value > u64::from(u32::MAX) {
            return Err(char::from(*d));
        }
        i += 1;
    }
    let shift = match bytes.get(i) {
        None => return Ok(value),
        Some(b'k' | b'K') => 10,
        Some(b'm' | b'M') => 20,
        Some(b'g' | b'G') => 30,
        Some(_) => return Err(at(i)),
    };
    if value > u64::from(u32::MAX >> shift) {
        return Err(at(i));
    }
    if bytes.get(i + 1).is_some() {
        return Err(at(i + 1));
    }
    Ok(value << shift)
}

/// The parts of a `store` word: `(name, argument)` for each comma-separated item (a second
/// argument, which only the refused arrays take, is dropped), or the item named by
/// HAProxy's missing-parenthesis error.
fn store_items(word: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    let mut out = Vec::new();
    let mut rest = word;
    while !rest.is_empty() {
        let paren = rest.find('(');
        let comma = rest.find(',');
        match (paren, comma) {
            (Some(p), c) if c.is_none_or(|c| p < c) => {
                let name = rest.get(..p).unwrap_or("");
                let inner = rest.get(p + 1..).unwrap_or("");
                let Some(close) = inner.find(')') else {
                    return Err(name.to_string());
                };
                let args = inner.get(..close).unwrap_or("");
                let first = args.split_once(',').map_or(args, |(a, _)| a);
                out.push((name, Some(first)));
                // Whatever follows ')' up to the next comma is skipped, as in HAProxy.
                let after = inner.get(close + 1..).unwrap_or("");
                rest = after.split_once(',').map_or("", |(_, r)| r);
            }
            (_, Some(c)) => {
                out.push((rest.get(..c).unwrap_or(""), None));
                rest = rest.get(c + 1..).unwrap_or("");
            }
            (_, None) => {
                out.push((rest, None));
                rest = "";
            }
        }
    }
    Ok(out)
}

/// The outcome of one `store` item.
enum StoreItem {
    Add(Store),
    AlreadyThere,
}

/// Checks one `store` item and its argument (HAProxy's `stktable_alloc_data_type()`).
fn store_item(table: &[Store], name: &str, arg: Option<&str>) -> Result<StoreItem, String> {
    if matches!(name, "gpc" | "gpt" | "gpc_rate") {
        return Err(format!(
            "stick-table: store option '{name}' (an array) is not supported by haproxy-rs; use gpt0, gpc0, gpc1, gpc0_rate or gpc1_rate."
        ));
    }
    let Some(data) = DataType::from_name(name) else {
        return Err(format!("stick-table: unknown store option '{name}'."));
    };
    if table.iter().any(|s| s.data == data) {
        return Ok(StoreItem::AlreadyThere);
    }
    let period = match (data.is_rate(), arg) {
        (false, None) => None,
        (false, Some(_)) => {
            return Err(format!(
                "stick-table: unexpected argument to store option '{name}'."
            ))
        }
        (true, None) => {
            return Err(format!(
                "stick-table: missing argument to store option '{name}'."
            ))
        }
        (true, Some(a)) => match parse_time(a) {
            Ok(d) => Some(d),
            Err(_) => {
                return Err(format!(
                    "stick-table: error when processing store option '{name}'."
                ))
            }
        },
    };
    Ok(StoreItem::Add(Store { data, period }))
}

/// The key type after `type` at `words[i]`, and the index of the next word; the word HAProxy
/// names in its "unknown type" error otherwise.
fn key_type(words: &[String], mut i: usize) -> Result<(KeyType, usize), String> {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let base = match w(i) {
        "ip" => KeyType::Ip,
        "ipv6" => KeyType::Ipv6,
        "integer" => KeyType::Integer,
        "string" => KeyType::String { len: 31 },
        "binary" => KeyType::Binary { len: 32 },
        other => return Err(other.to_string()),
    };
    i += 1;
    let custom = matches!(base, KeyType::String { .. } | KeyType::Binary { .. });
    if !custom || w(i) != "len" {
        return Ok((base, i));
    }
    i += 1;
    let n = crate::config::units::atol(w(i));
    if n == 0 {
        return Err(w(i).to_string());
    }
    // `atol()` stored in a `size_t`: a negative length is huge.
    let len = usize::try_from(n).unwrap_or(usize::MAX);
    let t = match base {
        KeyType::String { .. } => KeyType::String { len },
        _ => KeyType::Binary { len },
    };
    Ok((t, i + 1))
}

/// HAProxy's `proxy_cap_str()`: a `listen` section is a "proxy".
fn cap_word(kind: ProxyKind) -> &'static str {
    match kind {
        ProxyKind::Frontend => "frontend",
        ProxyKind::Backend => "backend",
        ProxyKind::Listen => "proxy",
    }
}

/// `stick-table type T [len N] size S [expire E] [nopurge] [peers P] [srvkey K]
/// [store D[,D...]]...`, word by word as HAProxy's `parse_stick_table()`.
fn stick_table(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let own = ctx.proxy.name.clone();
    let clash = ctx
        .others
        .iter()
        .find(|p| p.name == own && p.stick.table.is_some())
        .map(|p| {
            (
                cap_word(p.kind),
                p.stick.table.as_ref().map(|t| t.loc.clone()),
            )
        });
    let clash = clash.or_else(|| {
        ctx.proxy
            .stick
            .table
            .as_ref()
            .map(|t| (cap_word(ctx.proxy.kind), Some(t.loc.clone())))
    });
    if let Some((kind, Some(at))) = clash {
        let msg = format!(
            "stick-table name '{own}' conflicts with table declared in {kind} '{own}' at {at}."
        );
        ctx.alert(line, msg);
        return;
    }
    let w = |i: usize| line.word(i).unwrap_or("");
    let mut t = StickTable {
        loc: line.loc.clone(),
        key: KeyType::Ip,
        size: 0,
        expire: None,
        nopurge: false,
        peers: None,
        srvkey: SrvKey::Name,
        store: Vec::new(),
    };
    let mut typed = false;
    let mut i = 1;
    while !w(i).is_empty() {
        let arg = w(i);
        let value = w(i + 1);
        let missing = || format!("stick-table: missing argument after '{arg}'.");
        match arg {
            "size" | "peers" | "expire" if value.is_empty() => {
                ctx.alert(line, missing());
                return;
            }
            "size" => match size_u32(value) {
                Ok(n) => t.size = n,
                Err(c) => {
                    let msg =
                        format!("stick-table: unexpected character '{c}' in argument of 'size'.");
                    ctx.alert(line, msg);
                    return;
                }
            },
            "peers" => t.peers = Some(value.to_string()),
            "expire" => match parse_time(value) {
                Ok(d) => t.expire = (d > Duration::ZERO).then_some(d),
                Err(e) => {
                    expire_error(ctx, line, e, value);
                    return;
                }
            },
            "nopurge" => {
                t.nopurge = true;
                i += 1;
                continue;
            }
            "type" => match key_type(&line.words, i + 1) {
                Ok((k, next)) => {
                    if let KeyType::String { len } | KeyType::Binary { len } = k {
                        if len > MAX_KEY_LEN {
                            let msg = format!("stick-table: key length {len} is larger than haproxy-rs accepts ({MAX_KEY_LEN}).");
                            ctx.alert(line, msg);
                            return;
                        }
                    }
                    t.key = k;
                    typed = true;
                    i = next;
                    continue;
                }
                Err(word) => {
                    ctx.alert(line, format!("stick-table: unknown type '{word}'."));
                    return;
                }
            },
            "store" => {
                if !store(ctx, line, &mut t.store, value) {
                    return;
                }
            }
            "srvkey" => match value {
                "name" => t.srvkey = SrvKey::Name,
                "addr" => t.srvkey = SrvKey::Addr,
                other => {
                    let msg = format!("stick-table : unknown server key type '{other}'.");
                    ctx.alert(line, msg);
                    return;
                }
            },
            other => {
                ctx.alert(line, format!("stick-table: unknown argument '{other}'."));
                return;
            }
        }
        i += 2;
    }
    if t.size == 0 {
        ctx.alert(line, "stick-table: missing size.");
        return;
    }
    if !typed {
        ctx.alert(line, "stick-table: missing type.");
        return;
    }
    ctx.proxy.stick.table = Some(t);
}

/// HAProxy's three wordings of a bad `expire` value.
fn expire_error(ctx: &mut ProxyCtx<'_>, line: &Line, e: TimeError, value: &str) {
    let msg = match e {
        TimeError::Overflow => format!("parsing [{}]: stick-table: timer overflow in argument <{value}> to <expire>, maximum value is 2147483647 ms (~24.8 days).", line.loc),
        TimeError::Underflow => format!("parsing [{}]: stick-table: timer underflow in argument <{value}> to <expire>, minimum non-null value is 1 ms.", line.loc),
        TimeError::BadChar(c) => {
            ctx.alert(line, format!("stick-table: unexpected character '{c}' in argument of 'expire'."));
            return;
        }
        TimeError::Empty => {
            ctx.alert(line, "stick-table: missing argument after 'expire'.");
            return;
        }
    };
    ctx.diags.global(Level::Alert, msg);
}

/// One `store` word; false when the line must stop (an alert was recorded).
fn store(ctx: &mut ProxyCtx<'_>, line: &Line, list: &mut Vec<Store>, word: &str) -> bool {
    let items = match store_items(word) {
        Ok(items) => items,
        Err(name) => {
            let msg =
                format!("stick-table: missing closing parenthesis after store option '{name}'.");
            ctx.alert(line, msg);
            return false;
        }
    };
    for (name, a1) in items {
        match store_item(list, name, a1) {
            Ok(StoreItem::Add(s)) => list.push(s),
            Ok(StoreItem::AlreadyThere) => {
                let msg = format!(
                    "parsing [{}]: stick-table: store option '{name}' already enabled, ignored.",
                    line.loc
                );
                ctx.diags.global(Level::Warning, msg);
            }
            Err(msg) => {
                ctx.alert(line, msg);
                return false;
            }
        }
    }
    true
}

/// `stick on|match|store-request|store-response PATTERN [table T] [if|unless COND]`.
fn stick(ctx: &mut ProxyCtx<'_>, line: &Line) {
    if !ctx.has_be() {
        // The dispatcher already warned that it is ignored; HAProxy reads no further.
        return;
    }
    let kind = match line.word(1).unwrap_or("") {
        "on" => StickKind::On,
        "match" => StickKind::Match,
        "store" | "store-request" => StickKind::StoreRequest,
        "store-response" => StickKind::StoreResponse,
        _ => {
            ctx.alert(line, "'stick' expects 'on', 'match', or 'store'.");
            return;
        }
    };
    let word = line.word(2).unwrap_or("");
    if word.is_empty() {
        ctx.alert(line, "'stick' expects a fetch method.");
        return;
    }
    let place = if kind == StickKind::StoreResponse {
        Place::StickResponse
    } else {
        Place::StickRequest
    };
    let key = match sample::parse_key(word, place) {
        Ok(k) => k,
        Err(e) => {
            let msg = match e {
                KeyError::Expr(ExprError::Parse(m)) => format!("'stick': {m}"),
                KeyError::Expr(ExprError::Unsupported(what)) => format!(
                    "'stick': {what} is not supported by haproxy-rs as a stick-table key (supported: {}).",
                    sample::SUPPORTED_KEYS
                ),
                KeyError::Unavailable { name, sources } => {
                    let when = if kind == StickKind::StoreResponse {
                        "for 'store-response'"
                    } else {
                        "during request"
                    };
                    format!("'stick': fetch method '{name}' extracts information from '{sources}', none of which is available {when}.")
                }
            };
            ctx.alert(line, msg);
            return;
        }
    };
    let mut i = 3;
    let mut table = ctx.proxy.name.clone();
    if line.word(i) == Some("table") {
        table = line.word(i + 1).unwrap_or("").to_string();
        i += 2;
    }
    let cond = match line.word(i) {
        Some("if" | "unless") => match super::acl::parse_cond(ctx, line, i) {
            Ok(c) => Some(c),
            Err(msg) => {
                let msg =
                    format!("'stick': error detected while parsing sticking condition : {msg}.");
                ctx.alert(line, msg);
                return;
            }
        },
        Some(w) if !w.is_empty() => {
            ctx.alert(line, format!("'stick': unknown keyword '{w}'."));
            return;
        }
        _ => None,
    };
    ctx.proxy.stick.rules.push(StickRule {
        loc: line.loc.clone(),
        kind,
        key,
        table,
        cond,
    });
}

#[cfg(test)]
mod tests;
