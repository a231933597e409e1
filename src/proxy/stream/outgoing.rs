//! The `Connection` header of forwarded messages, as HAProxy's H1 mux writes it
//! (`h1_update_req_conn_value`, `h1_update_res_conn_value` in `mux_h1.c`): the `close` and
//! `keep-alive` tokens a message arrived with are dropped (other tokens stay), then one
//! `connection: close` or `connection: keep-alive` is added only where the version alone
//! would not say it. Messages that upgrade or open a tunnel are left alone.
//!
//! Keywords: `option httpclose`, `option http-server-close`, `option http-keep-alive`
//! (configuration.txt 4 "HTTP connection modes"), `option http-pretend-keepalive` (the
//! caller passes `close = false` to [`request_connection`] under it, as `PR_O2_FAKE_KA` does
//! in `h1_update_req_conn_value`: an HTTP/1.0 request then gets `connection: keep-alive`, an
//! HTTP/1.1 one no header, though the server connection still closes after the response).

use crate::config::model::HttpConnMode;
use crate::http::write::CaseMap;
use crate::http::Head;

/// The `h1-case-adjust` map, shared by the frontends and backends that use it; none when the
/// configuration has no entry.
pub fn case_map(entries: &[(String, String)]) -> Option<std::sync::Arc<CaseMap>> {
    (!entries.is_empty()).then(|| {
        std::sync::Arc::new(
            entries
                .iter()
                .map(|(f, t)| (f.as_bytes().to_vec(), t.as_bytes().to_vec()))
                .collect(),
        )
    })
}

/// A header to append.
pub type Added = Option<(&'static str, &'static [u8])>;

/// Removes the `close` and `keep-alive` tokens of every `Connection` header; a header left
/// empty goes.
pub fn strip_tokens(head: &mut Head) {
    let values: Vec<Vec<u8>> = head
        .get_all("connection")
        .filter_map(|v| {
            let kept: Vec<&[u8]> = v
                .split(|&b| b == b',')
                .map(crate::http::trim)
                .filter(|t| {
                    !t.is_empty()
                        && !t.eq_ignore_ascii_case(b"close")
                        && !t.eq_ignore_ascii_case(b"keep-alive")
                })
                .collect();
            (!kept.is_empty()).then(|| kept.join(&b", "[..]))
        })
        .collect();
    if head.contains("connection") {
        head.set_values("connection", values.iter().map(Vec::as_slice));
    }
}

/// The header to add to a request sent to a server (`close` says the server connection
/// ends after this exchange).
pub fn request_connection(req: &Head, close: bool) -> Added {
    if req.flags().conn_upgrade || req.method() == b"CONNECT" {
        return None;
    }
    match (close, req.flags().ver_11) {
        (false, false) => Some(("connection", b"keep-alive")),
        (true, true) => Some(("connection", b"close")),
        _ => None,
    }
}

/// The header to add to a response sent to the client (`close`: the client connection ends
/// after it).
pub fn response_connection(res: &Head, req: Option<&Head>, close: bool) -> Added {
    let status = res.status();
    let tunnel = status == 101
        || (req.is_some_and(|r| r.method() == b"CONNECT") && (200..300).contains(&status));
    if tunnel || res.flags().conn_upgrade {
        return None;
    }
    let res_11 = res.flags().ver_11;
    let req_11 = req.is_none_or(|r| r.flags().ver_11);
    match close {
        false if !res_11 || !req_11 => Some(("connection", b"keep-alive")),
        true if res_11 => Some(("connection", b"close")),
        _ => None,
    }
}

/// The effective mode of a frontend and a backend: `httpclose` on either side wins, then
/// `http-server-close`.
pub fn mode(a: HttpConnMode, b: HttpConnMode) -> HttpConnMode {
    use HttpConnMode::*;
    match (a, b) {
        (Close, _) | (_, Close) => Close,
        (ServerClose, _) | (_, ServerClose) => ServerClose,
        _ => KeepAlive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{parse_request, parse_response, Limits, Status};

    fn req(raw: &[u8]) -> Head {
        match parse_request(raw, &Limits::default()) {
            Status::Complete(h, _) => h,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn close_and_keep_alive_tokens_go_and_others_stay() {
        let mut h =
            req(b"GET / HTTP/1.1\r\nConnection: keep-alive, X-Drop\r\nConnection: close\r\n\r\n");
        strip_tokens(&mut h);
        assert_eq!(
            h.get_all("connection").collect::<Vec<_>>(),
            vec![&b"X-Drop"[..]]
        );
    }

    #[test]
    fn an_http_1_0_request_kept_alive_says_keep_alive_and_1_1_says_close_only_when_closing() {
        let r10 = req(b"GET / HTTP/1.0\r\n\r\n");
        let r11 = req(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(
            request_connection(&r10, false),
            Some(("connection", &b"keep-alive"[..]))
        );
        assert_eq!(request_connection(&r10, true), None);
        assert_eq!(request_connection(&r11, false), None);
        assert_eq!(
            request_connection(&r11, true),
            Some(("connection", &b"close"[..]))
        );
        let res = match parse_response(b"HTTP/1.1 200 OK\r\n\r\n", &Limits::default()) {
            Status::Complete(h, _) => h,
            o => panic!("{o:?}"),
        };
        assert_eq!(
            response_connection(&res, Some(&r10), false),
            Some(("connection", &b"keep-alive"[..]))
        );
        assert_eq!(
            response_connection(&res, Some(&r10), true),
            Some(("connection", &b"close"[..]))
        );
        assert_eq!(response_connection(&res, Some(&r11), false), None);
    }
}
