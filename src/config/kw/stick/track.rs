//! The `track-sc0|1|2 KEY [table T]` action (configuration.txt 4.2 "http-request
//! track-sc0", "http-response track-sc0", "tcp-request connection track-sc0", "tcp-request
//! session track-sc0", "tcp-request content track-sc0"), read the way HAProxy 2.6's
//! `parse_http_track_sc()` and `tcp_parse_request_rule()` read it, with their messages.
//! Imports only `config::model` and the sample helpers of this folder.

use super::sample::{self, ExprError, KeyError, Place};
use crate::config::model::{TcpStage, TrackSc};

/// HAProxy's `MAX_SESS_STKCTR`: counters `track-sc0` to `track-sc2`.
pub const MAX_SESS_STKCTR: u64 = 3;

/// Why an `http-request|http-response track-sc*` action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpTrackError {
    /// The text after "while parsing 'http-request track-scN' rule : ".
    Rule(String),
    /// A word where `if` or `unless` was expected.
    Trailing(String),
}

/// The counter number after `track-sc` (HAProxy's `cfg_parse_track_sc_num()`).
fn counter(action: &str) -> Result<u8, String> {
    let text = action.get(8..).unwrap_or("");
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits_end != text.len() {
        return Err(format!("Wrong track-sc number '{text}'"));
    }
    let n = text.bytes().fold(0u64, |n, d| {
        n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
    });
    if n >= MAX_SESS_STKCTR {
        // HAProxy prints the number through an `unsigned int`.
        return Err(format!(
            "{} track-sc number exceeding {} (MAX_SESS_STKCTR-1) value",
            n & 0xffff_ffff,
            MAX_SESS_STKCTR - 1
        ));
    }
    u8::try_from(n).map_err(|_| format!("Wrong track-sc number '{text}'"))
}

/// The words of a refusal of `key`.
fn key_error(e: KeyError, word: &str) -> String {
    match e {
        KeyError::Expr(ExprError::Parse(m)) => m,
        KeyError::Expr(ExprError::Unsupported(what)) => format!(
            "{what} is not supported by haproxy-rs as a stick-table key (supported: {})",
            sample::SUPPORTED_KEYS
        ),
        KeyError::Unavailable { sources, .. } => format!(
            "fetch method '{word}' extracts information from '{sources}', none of which is available here"
        ),
    }
}

/// `http-request|http-response ACTION args...` where ACTION starts with `track-sc`; `args`
/// are the words between the action and `if`/`unless`; `own` is the proxy's name.
pub fn http(
    action: &str,
    args: &[String],
    request: bool,
    own: &str,
) -> Result<TrackSc, HttpTrackError> {
    let counter = counter(action).map_err(HttpTrackError::Rule)?;
    let Some(word) = args.first() else {
        return Err(HttpTrackError::Rule("missing fetch method".into()));
    };
    let place = if request {
        Place::HttpRequest
    } else {
        Place::HttpResponse
    };
    let key =
        sample::parse_key(word, place).map_err(|e| HttpTrackError::Rule(key_error(e, word)))?;
    let mut next = 1;
    let mut table = own.to_string();
    if args.get(next).map(String::as_str) == Some("table") {
        match args.get(next + 1) {
            Some(t) if !t.is_empty() => table = t.clone(),
            _ => return Err(HttpTrackError::Rule("missing table name".into())),
        }
        next += 2;
    }
    if let Some(w) = args.get(next) {
        return Err(HttpTrackError::Trailing(w.clone()));
    }
    Ok(TrackSc {
        counter,
        key,
        table,
    })
}

/// `tcp-request connection|session|content ACTION ...` where ACTION (word 2 of `words`)
/// starts with `track-sc`. Returns the action and the index of the word that follows it
/// (`if`/`unless` or the end), or HAProxy's message (printed after `parsing [f:l] : `).
/// `kind` and `own` name the proxy for the "only accepts" message.
pub fn tcp(
    words: &[String],
    stage: TcpStage,
    kind: &str,
    own: &str,
) -> Result<(TrackSc, usize), String> {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let head = format!("'{} {} {}'", w(0), w(1), w(2));
    let counter = counter(w(2)).map_err(|m| format!("{head} : {m}"))?;
    let word = w(3);
    if word.is_empty() {
        return Err(format!("{head} : missing fetch method"));
    }
    let place = match stage {
        TcpStage::Content => Place::TcpContent,
        TcpStage::Connection | TcpStage::Session => Place::TcpLayer4,
    };
    let key =
        sample::parse_key(word, place).map_err(|e| format!("{head} : {}", key_error(e, word)))?;
    let mut next = 4;
    let mut table = own.to_string();
    if w(next) == "table" {
        // HAProxy takes the next word as it is, even empty (then no table is found).
        table = w(next + 1).to_string();
        next += 2;
    }
    let after = w(next);
    if !after.is_empty() && after != "if" && after != "unless" {
        return Err(format!(
            "{head} only accepts 'if' or 'unless', in {kind} '{own}' (got '{after}')"
        ));
    }
    Ok((
        TrackSc {
            counter,
            key,
            table,
        },
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::StickKey;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn http_track_reads_counter_key_and_table() {
        assert_eq!(
            http("track-sc1", &w("src table per_ip"), true, "fe"),
            Ok(TrackSc {
                counter: 1,
                key: StickKey::Src,
                table: "per_ip".into()
            })
        );
        assert_eq!(
            http("track-sc0", &w("src"), true, "fe").map(|t| t.table),
            Ok("fe".into())
        );
    }

    #[test]
    fn http_track_errors_are_worded_like_haproxy() {
        let rule = |a: &str, args: &str| match http(a, &w(args), true, "fe") {
            Err(HttpTrackError::Rule(m)) => m,
            other => format!("{other:?}"),
        };
        assert_eq!(
            rule("track-sc3", "src"),
            "3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"
        );
        assert_eq!(rule("track-scx", "src"), "Wrong track-sc number 'x'");
        assert_eq!(rule("track-sc0", ""), "missing fetch method");
        assert_eq!(rule("track-sc0", "src table"), "missing table name");
        assert_eq!(
            match http("track-sc0", &w("res.cook(x)"), true, "fe") {
                Err(HttpTrackError::Rule(m)) => m,
                _ => String::new(),
            },
            "fetch method 'res.cook(x)' extracts information from 'HTTP response headers', none of which is available here"
        );
        assert_eq!(
            http("track-sc0", &w("src extra"), true, "fe"),
            Err(HttpTrackError::Trailing("extra".into()))
        );
    }

    #[test]
    fn tcp_track_errors_are_worded_like_haproxy() {
        let err = |s: &str, stage| tcp(&w(s), stage, "frontend", "f").unwrap_err();
        assert_eq!(
            err("tcp-request connection track-sc5 src", TcpStage::Connection),
            "'tcp-request connection track-sc5' : 5 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"
        );
        assert_eq!(
            err("tcp-request connection track-sc0 req.hdr(x)", TcpStage::Connection),
            "'tcp-request connection track-sc0' : fetch method 'req.hdr(x)' extracts information from 'HTTP request headers', none of which is available here"
        );
        assert_eq!(
            err("tcp-request connection track-sc0 src extra", TcpStage::Connection),
            "'tcp-request connection track-sc0' only accepts 'if' or 'unless', in frontend 'f' (got 'extra')"
        );
        let (t, next) = tcp(
            &w("tcp-request content track-sc2 req.hdr(x) table t if c"),
            TcpStage::Content,
            "frontend",
            "f",
        )
        .unwrap();
        assert_eq!((t.counter, t.table.as_str(), next), (2, "t", 6));
    }
}
