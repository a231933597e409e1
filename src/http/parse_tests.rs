//! Pinned HAProxy 2.6 decisions of the head parser, one test per behaviour, each checked
//! against the installed `haproxy` 2.6.12 with the same bytes.

use super::*;
use crate::http::head::BodyLength;

fn req(raw: &[u8]) -> Status {
    parse_request(raw, &Limits::default())
}

fn ok(raw: &[u8]) -> Head {
    match req(raw) {
        Status::Complete(h, used) => {
            assert!(used <= raw.len());
            h
        }
        other => panic!("{other:?}"),
    }
}

fn err(raw: &[u8]) -> u16 {
    match req(raw) {
        Status::Error(e) => e.status(Side::Request),
        other => panic!("{other:?}"),
    }
}

#[test]
fn several_spaces_or_tabs_between_request_line_words_are_accepted() {
    // h1_headers_to_hdr_list: H1_MSG_RQMETH_SP / H1_MSG_RQURI_SP loop on SP/HT.
    let h = ok(b"GET  /a \t HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(h.method(), b"GET");
    assert_eq!(h.target(), b"/a");
    let h = ok(b"GET\t/\tHTTP/1.1\r\n\r\n");
    assert_eq!(h.version(), b"HTTP/1.1");
}

#[test]
fn http_1_2_and_2_0_are_accepted_as_1_1() {
    // h1_process_req_vsn: any HTTP/d.d, H1_MF_VER_11 when >= 1.1.
    assert!(ok(b"GET / HTTP/1.2\r\n\r\n").flags().ver_11);
    assert!(ok(b"GET / HTTP/2.0\r\n\r\n").flags().ver_11);
    assert!(!ok(b"GET / HTTP/1.0\r\n\r\n").flags().ver_11);
}

#[test]
fn http_0_9_request_without_version_is_refused_with_400() {
    // h1_process_req_vsn: 0.9 only with accept-invalid-http-request.
    assert_eq!(err(b"GET /\r\n\r\n"), 400);
    assert_eq!(err(b"GET / http/1.1\r\n\r\n"), 400);
    assert_eq!(err(b"GET / HTTP/1.10\r\n\r\n"), 400);
}

#[test]
fn trailing_space_after_version_is_refused() {
    // h1_headers_to_hdr_list: H1_MSG_RQVER expects a version token or CRLF.
    assert_eq!(err(b"GET / HTTP/1.1 \r\n\r\n"), 400);
}

#[test]
fn fragment_in_the_uri_is_refused_with_400() {
    // h1_headers_to_hdr_list, H1_MSG_RQURI ('#' refused by the 2.6.12 backport).
    assert_eq!(err(b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

#[test]
fn non_ascii_and_control_bytes_in_the_uri_are_refused() {
    // h1_headers_to_hdr_list, H1_MSG_RQURI: bytes >= 128 need accept-invalid-http-request.
    assert_eq!(err(b"GET /\xe9 HTTP/1.1\r\n\r\n"), 400);
    assert_eq!(err(b"GET /\x7f HTTP/1.1\r\n\r\n"), 400);
}

#[test]
fn obs_folded_header_is_unfolded_into_spaces() {
    // h1_headers_to_hdr_list, H1_MSG_HDR_L2_LWS: the fold's CR and LF become spaces, the
    // SP/HT that starts the next line stays (2.6.12 sends "x: a    b" for "X:  a\r\n  b ").
    let h = ok(b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\tc\r\nY: d\r\n\r\n");
    assert_eq!(h.get("x"), Some(&b"a   b  \tc"[..]));
    assert_eq!(h.get("y"), Some(&b"d"[..]));
}

#[test]
fn control_characters_in_header_values_are_accepted() {
    // h1_headers_to_hdr_list, H1_MSG_HDR_VAL: anything but CR/LF.
    assert_eq!(
        ok(b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n").get("x"),
        Some(&b"a\x01b"[..])
    );
    assert_eq!(
        ok(b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n").get("x"),
        Some(&b"a\x00b"[..])
    );
}

#[test]
fn lone_cr_in_a_header_value_is_refused() {
    // EXPECT_LF_HERE in H1_MSG_HDR_L2_LF.
    assert_eq!(err(b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), 400);
}

#[test]
fn bare_lf_line_endings_are_accepted() {
    let h = ok(b"GET / HTTP/1.1\nHost: a\n\nBODY");
    assert_eq!(h.get("host"), Some(&b"a"[..]));
    assert!(matches!(
        req(b"GET / HTTP/1.1\nHost: a\n\nBODY"),
        Status::Complete(_, 24)
    ));
}

#[test]
fn leading_empty_lines_are_skipped() {
    // H1_MSG_RQBEFORE skips CRLFs before the method.
    assert_eq!(ok(b"\r\n\nGET / HTTP/1.1\r\n\r\n").method(), b"GET");
}

#[test]
fn invalid_characters_in_header_names_are_refused_with_400() {
    // H1_MSG_HDR_NAME: token chars then ':'.
    assert_eq!(err(b"GET / HTTP/1.1\r\nX y: a\r\n\r\n"), 400);
    assert_eq!(err(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
    assert_eq!(err(b"GET / HTTP/1.1\r\nX\x01: a\r\n\r\n"), 400);
}

#[test]
fn empty_header_name_is_refused() {
    assert_eq!(err(b"GET / HTTP/1.1\r\n: a\r\n\r\n"), 400);
}

#[test]
fn equal_content_length_list_is_accepted_as_one_value() {
    // h1_parse_cont_len_header: duplicates must be equal; the cleaned word is kept.
    let h = ok(b"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(h.content_length(), Some(5));
    assert_eq!(
        h.get_all("content-length").collect::<Vec<_>>(),
        vec![&b"5"[..]]
    );
    assert_eq!(h.body_length(), BodyLength::ContentLength(5));
}

#[test]
fn different_content_lengths_are_refused_with_400() {
    assert_eq!(err(b"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n"), 400);
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        400
    );
}

#[test]
fn empty_signed_or_overflowing_content_length_is_refused() {
    assert_eq!(err(b"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n"), 400);
    assert_eq!(err(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
    assert_eq!(err(b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n"), 400);
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
        400
    );
}

#[test]
fn chunked_twice_is_refused_with_400() {
    // h1_parse_xfer_enc_header: RFC 7230 3.3.1.
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
        400
    );
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
        400
    );
}

#[test]
fn chunked_not_last_in_a_request_is_refused_with_400() {
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
        400
    );
}

#[test]
fn request_transfer_encoding_without_chunked_is_refused_with_400() {
    // h1_headers_to_hdr_list, end of headers: RFC 7230 3.3.3.
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
        400
    );
}

#[test]
fn other_coding_before_chunked_is_refused_with_422() {
    // h1_handle_headers (mux_h1.c): H1_MF_TE_OTHER -> 422 for a request, 502 for a response.
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        422
    );
    match parse_response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        &Limits::default(),
    ) {
        Status::Error(e) => assert_eq!(e.status(Side::Response), 502),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transfer_encoding_in_http_1_0_is_accepted_and_forces_close() {
    let h = ok(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_eq!(h.body_length(), BodyLength::Chunked);
    assert!(h.flags().conn_close);
}

#[test]
fn transfer_encoding_wins_over_content_length_which_is_removed() {
    let h = ok(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_eq!(h.body_length(), BodyLength::Chunked);
    assert!(!h.contains("content-length"));
    assert_eq!(h.content_length(), None);
    assert!(h.flags().conn_close);
}

#[test]
fn http_1_0_get_with_a_body_is_refused_with_413() {
    // h1_handle_headers (mux_h1.c), without accept_payload_with_any_method.
    assert_eq!(err(b"GET / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"), 413);
    assert!(matches!(
        req(b"GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"),
        Status::Complete(..)
    ));
}

#[test]
fn two_different_hosts_are_refused_and_equal_ones_merged() {
    assert_eq!(err(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    let h = ok(b"GET / HTTP/1.1\r\nHost: a\r\nHost: A\r\n\r\n");
    assert_eq!(h.get_all("host").count(), 1);
}

#[test]
fn absolute_uri_authority_must_match_host() {
    assert_eq!(err(b"GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    assert!(matches!(
        req(b"GET http://u@a/x HTTP/1.1\r\nHost: a\r\n\r\n"),
        Status::Complete(..)
    ));
}

#[test]
fn the_101st_header_slot_is_refused_with_400() {
    // http_output_full with tune.http.maxhdr 101 (one slot is the end marker): 100 pass.
    let mut raw = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..100 {
        raw.extend_from_slice(format!("X{i}: a\r\n").as_bytes());
    }
    let mut more = raw.clone();
    raw.extend_from_slice(b"\r\n");
    assert_eq!(ok(&raw).len(), 100);
    more.extend_from_slice(b"X: a\r\n\r\n");
    assert_eq!(err(&more), 400);
}

#[test]
fn head_larger_than_the_buffer_is_refused_with_400_not_414_or_431() {
    // h1_parse_msg_hdrs: an incomplete head filling the buffer is a parsing error (400).
    let mut raw = b"GET /".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 17000));
    assert_eq!(err(&raw), 400);
    assert_eq!(req(b"GET /aaaa"), Status::Incomplete);
}

#[test]
fn incomplete_head_asks_for_more_at_every_cut() {
    let raw = b"POST /x HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\nContent-Length: 2\r\n\r\n";
    for cut in 0..raw.len() {
        assert_eq!(req(&raw[..cut]), Status::Incomplete, "cut {cut}");
    }
    assert!(matches!(req(raw), Status::Complete(_, n) if n == raw.len()));
}

#[test]
fn response_line_accepts_empty_reason_and_refuses_missing_status() {
    let r = |raw: &[u8]| parse_response(raw, &Limits::default());
    match r(b"HTTP/1.1 204\r\n\r\n") {
        Status::Complete(h, _) => {
            assert_eq!(h.status(), 204);
            assert_eq!(h.reason(), b"");
        }
        other => panic!("{other:?}"),
    }
    match r(b"HTTP/1.1 200 Very  OK\r\n\r\n") {
        Status::Complete(h, _) => assert_eq!(h.reason(), b"Very  OK"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(r(b"HTTP/1.1 OK\r\n\r\n"), Status::Error(_)));
    assert!(matches!(r(b"HTTP/1.1\r\n\r\n"), Status::Error(_)));
}

#[test]
fn connection_and_upgrade_headers_set_flags() {
    let h = ok(b"GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n");
    let f = h.flags();
    assert!(f.conn_keep_alive && f.conn_upgrade && f.upgrade_websocket && !f.conn_close);
}

fn relaxed(raw: &[u8], side: Side) -> Status {
    let limits = Limits {
        accept_invalid: true,
        ..Limits::default()
    };
    match side {
        Side::Request => parse_request(raw, &limits),
        Side::Response => parse_response(raw, &limits),
    }
}

fn relaxed_ok(raw: &[u8], side: Side) -> Head {
    match relaxed(raw, side) {
        Status::Complete(h, _) => h,
        other => panic!("{other:?}"),
    }
}

#[test]
fn accept_invalid_lets_non_token_header_names_through_but_not_empty_or_colonless_ones() {
    // h1_headers_to_hdr_list, H1_MSG_HDR_NAME with err_pos == -1.
    for raw in [
        &b"GET / HTTP/1.1\r\nX(Y): z\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nX Y: z\r\n\r\n",
        b"GET / HTTP/1.1\r\nX\xe9: z\r\n\r\n",
    ] {
        assert_eq!(err(raw), 400);
        let h = relaxed_ok(raw, Side::Request);
        assert_eq!(h.fields().len(), 1);
    }
    assert!(matches!(
        relaxed(b"GET / HTTP/1.1\r\n: z\r\n\r\n", Side::Request),
        Status::Error(_)
    ));
    assert!(matches!(
        relaxed(b"GET / HTTP/1.1\r\nnocolon\r\n\r\n", Side::Request),
        Status::Error(_)
    ));
    let h = relaxed_ok(b"HTTP/1.1 200 OK\r\nX(Y): z\r\n\r\n", Side::Response);
    assert_eq!(h.get("x(y)"), Some(&b"z"[..]));
}

#[test]
fn accept_invalid_lets_non_ascii_and_fragments_into_the_target_but_not_controls() {
    assert_eq!(
        relaxed_ok(b"GET /\xe9 HTTP/1.1\r\n\r\n", Side::Request).target(),
        b"/\xe9"
    );
    assert_eq!(
        relaxed_ok(b"GET /a#b HTTP/1.1\r\n\r\n", Side::Request).target(),
        b"/a#b"
    );
    assert!(matches!(
        relaxed(b"GET /a\x01b HTTP/1.1\r\n\r\n", Side::Request),
        Status::Error(_)
    ));
}

#[test]
fn accept_invalid_skips_the_version_format_and_host_authority_checks() {
    // h1_process_req_vsn / h1_process_res_vsn with err_pos != -2.
    let h = relaxed_ok(b"GET / HTTP/1.10\r\n\r\n", Side::Request);
    assert_eq!(h.version(), b"HTTP/1.10");
    assert!(!h.flags().ver_11);
    assert!(
        relaxed_ok(b"GET / HTTX/1.1\r\n\r\n", Side::Request)
            .flags()
            .ver_11
    );
    assert!(
        relaxed_ok(b"HTTPS1.1 200 OK\r\n\r\n", Side::Response)
            .flags()
            .ver_11
    );
    assert_eq!(err(b"GET / HTTX/1.1\r\n\r\n"), 400);
    relaxed_ok(b"GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n", Side::Request);
    assert!(matches!(
        relaxed(
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            Side::Request
        ),
        Status::Error(_)
    ));
}

#[test]
fn accept_invalid_takes_an_http_0_9_get_as_http_1_0_without_headers() {
    let raw = b"GET /x\r\nHost: a\r\n\r\n";
    assert_eq!(err(raw), 400);
    match relaxed(raw, Side::Request) {
        Status::Complete(h, used) => {
            assert_eq!(used, 8);
            assert_eq!(h.version(), b"HTTP/1.0");
            assert!(h.fields().is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        relaxed(b"GET /x \r\n", Side::Request),
        Status::Complete(..)
    ));
    assert!(matches!(
        relaxed(b"POST /x\r\n\r\n", Side::Request),
        Status::Error(_)
    ));
    assert!(matches!(
        relaxed(b"GET \r\n\r\n", Side::Request),
        Status::Error(_)
    ));
}

#[test]
fn a_response_version_may_use_any_upper_case_letters() {
    // HTTP_IS_VER_TOKEN, then only the `/` at offset 4 is checked.
    let r = parse_response(b"XTTP/1.1 200 OK\r\n\r\n", &Limits::default());
    assert!(matches!(r, Status::Complete(..)), "{r:?}");
}

#[test]
fn the_head_budget_counts_htx_blocks_not_raw_bytes() {
    // tune.bufsize 16384 - tune.maxrewrite 1024, measured on 2.6.12: 15281 bytes pass with
    // no header, 15277 with one `X0: y`; blanks only count against the raw 16320.
    let get = |pad: usize, hdrs: &str| {
        let mut raw = b"GET /".to_vec();
        raw.extend(std::iter::repeat_n(b'a', pad));
        raw.extend_from_slice(format!(" HTTP/1.1\r\n{hdrs}\r\n").as_bytes());
        raw
    };
    assert_eq!(get(15281 - 18, "").len(), 15281);
    assert!(matches!(req(&get(15281 - 18, "")), Status::Complete(..)));
    assert_eq!(err(&get(15282 - 18, "")), 400);
    assert!(matches!(
        req(&get(15277 - 25, "X0: y\r\n")),
        Status::Complete(..)
    ));
    assert_eq!(err(&get(15278 - 25, "X0: y\r\n")), 400);
    let blanks = |n: usize| {
        let mut raw = b"GET / HTTP/1.1\r\nX: ".to_vec();
        raw.extend(std::iter::repeat_n(b' ', n));
        raw.extend_from_slice(b"y\r\n\r\n");
        raw
    };
    assert!(matches!(req(&blanks(16320 - 24)), Status::Complete(..)));
    assert_eq!(err(&blanks(16321 - 24)), 400);
}
