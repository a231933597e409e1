//! Unit tests of the compression filter: one per rule of `flt_http_comp.c`, and round trips
//! of every algorithm through flate2's decoders.

use super::*;
use crate::config::model::Loc;
use crate::http::{parse_request, parse_response, BodyLength, Limits, Status as ParseStatus};
use std::io::Read;

fn req(raw: &str) -> Head {
    match parse_request(raw.as_bytes(), &Limits::default()) {
        ParseStatus::Complete(h, _) => h,
        other => panic!("{other:?}"),
    }
}

fn res(raw: &str) -> Head {
    match parse_response(raw.as_bytes(), &Limits::default()) {
        ParseStatus::Complete(h, _) => h,
        other => panic!("{other:?}"),
    }
}

fn comp(algos: &[CompAlgo], types: &[&str], offload: bool) -> Compression {
    Compression {
        algos: algos.to_vec(),
        types: types.iter().map(|t| t.to_string()).collect(),
        offload,
        loc: Loc::new("t.cfg", 1),
    }
}

fn get(headers: &str) -> Head {
    req(&format!("GET / HTTP/1.1\r\nHost: a\r\n{headers}\r\n"))
}

fn ok(headers: &str) -> Head {
    res(&format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10\r\n{headers}\r\n"
    ))
}

use CompAlgo::{Deflate, Gzip, Identity, RawDeflate};

#[test]
fn nothing_is_chosen_without_compression_settings() {
    assert_eq!(choose(None, None, &get("Accept-Encoding: gzip\r\n")), None);
}

#[test]
fn the_accepted_algorithm_is_chosen() {
    let c = comp(&[Gzip, Deflate], &[], false);
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: gzip\r\n")),
        Some(Gzip)
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: br, deflate\r\n")),
        Some(Deflate)
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: br\r\n")),
        None
    );
    assert_eq!(choose(Some(&c), None, &get("")), None);
}

#[test]
fn tokens_compare_case_insensitively_and_whole() {
    let c = comp(&[Gzip], &[], false);
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: GZip\r\n")),
        Some(Gzip)
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: gzipx\r\n")),
        None
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: x-gzip\r\n")),
        None
    );
}

#[test]
fn the_highest_q_wins_and_ties_go_to_the_first_value() {
    let c = comp(&[Gzip, Deflate], &[], false);
    let h = get("Accept-Encoding: gzip;q=0.5, deflate;q=0.8\r\n");
    assert_eq!(choose(Some(&c), None, &h), Some(Deflate));
    let h = get("Accept-Encoding: deflate, gzip\r\n");
    assert_eq!(choose(Some(&c), None, &h), Some(Deflate));
    let h = get("Accept-Encoding: gzip ; level=1 ; q=0.9\r\nAccept-Encoding: deflate;q=0.95\r\n");
    assert_eq!(choose(Some(&c), None, &h), Some(Deflate));
}

#[test]
fn q_zero_refuses_an_algorithm() {
    let c = comp(&[Gzip], &[], false);
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: gzip;q=0\r\n")),
        None
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: gzip;q=0.000\r\n")),
        None
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: gzip;q=0.001\r\n")),
        Some(Gzip)
    );
}

#[test]
fn q_values_read_like_http_parse_qvalue() {
    assert_eq!(parse_qvalue(b"0.5"), 500);
    assert_eq!(parse_qvalue(b"0.123"), 123);
    assert_eq!(parse_qvalue(b"0"), 0);
    assert_eq!(parse_qvalue(b"1.5"), 1000);
    assert_eq!(parse_qvalue(b"x"), 1000);
    assert_eq!(parse_qvalue(b"0.5x"), 500);
    assert_eq!(qvalue(b""), 1000);
    assert_eq!(qvalue(b";q=0.3"), 300);
    assert_eq!(qvalue(b" ; a=b;q=0.2"), 200);
}

#[test]
fn a_star_takes_the_last_configured_algorithm() {
    let c = comp(&[Gzip, Deflate], &[], false);
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: *\r\n")),
        Some(Deflate)
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: *;q=0\r\n")),
        None
    );
}

#[test]
fn identity_is_implicit_when_configured() {
    let c = comp(&[Gzip, Identity], &[], false);
    assert_eq!(choose(Some(&c), None, &get("")), Some(Identity));
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: br\r\n")),
        Some(Identity)
    );
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: gzip\r\n")),
        Some(Gzip)
    );
}

#[test]
fn the_backend_algorithms_win_over_the_frontend_ones() {
    let fe = comp(&[Gzip], &[], false);
    let be = comp(&[Deflate], &[], false);
    let h = get("Accept-Encoding: gzip, deflate\r\n");
    assert_eq!(choose(Some(&fe), Some(&be), &h), Some(Deflate));
    assert_eq!(
        choose(Some(&fe), Some(&be), &get("Accept-Encoding: gzip\r\n")),
        None
    );
    let be_types_only = comp(&[], &["text/"], false);
    assert_eq!(choose(Some(&fe), Some(&be_types_only), &h), Some(Gzip));
}

#[test]
fn raw_deflate_answers_to_deflate() {
    let c = comp(&[RawDeflate], &[], false);
    assert_eq!(
        choose(Some(&c), None, &get("Accept-Encoding: deflate\r\n")),
        Some(RawDeflate)
    );
}

#[test]
fn old_mozilla_agents_get_nothing_but_msie_6_sp2_and_later_do() {
    let c = comp(&[Gzip, Identity], &[], false);
    let ua = |ua: &str| get(&format!("User-Agent: {ua}\r\nAccept-Encoding: gzip\r\n"));
    assert_eq!(
        choose(Some(&c), None, &ua("Mozilla/4.0 (compatible)")),
        None
    );
    assert_eq!(
        choose(
            Some(&c),
            None,
            &ua("Mozilla/4.0 (compatible; MSIE 5.5; Windows NT 5.0)")
        ),
        None
    );
    assert_eq!(
        choose(
            Some(&c),
            None,
            &ua("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)")
        ),
        None
    );
    assert_eq!(
        choose(
            Some(&c),
            None,
            &ua("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)")
        ),
        Some(Gzip)
    );
    assert_eq!(
        choose(
            Some(&c),
            None,
            &ua("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)")
        ),
        Some(Gzip)
    );
    assert_eq!(choose(Some(&c), None, &ua("Mozilla/5.0 (X11)")), Some(Gzip));
}

#[test]
fn offload_removes_accept_encoding_only_after_a_match() {
    let c = comp(&[Gzip, Identity], &[], true);
    let mut h = get("Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n");
    assert_eq!(request_edits(Some(&c), None, &mut h), Some(Gzip));
    assert!(!h.contains("accept-encoding"));
    let mut h = get("Accept-Encoding: br\r\n");
    assert_eq!(request_edits(Some(&c), None, &mut h), Some(Identity));
    assert!(h.contains("accept-encoding"));
    let fe = comp(&[Gzip], &[], false);
    let be = comp(&[], &[], true);
    let mut h = get("Accept-Encoding: gzip\r\n");
    assert_eq!(request_edits(Some(&fe), Some(&be), &mut h), Some(Gzip));
    assert!(!h.contains("accept-encoding"));
}

#[test]
fn without_offload_the_request_is_left_alone() {
    let c = comp(&[Gzip], &[], false);
    let mut h = get("Accept-Encoding: gzip\r\n");
    assert_eq!(request_edits(Some(&c), None, &mut h), Some(Gzip));
    assert_eq!(h.get("accept-encoding"), Some(&b"gzip"[..]));
}

#[test]
fn a_plain_200_with_a_length_is_compressible() {
    let c = comp(&[Gzip], &[], false);
    assert!(response_allows(Some(&c), None, &get(""), &ok("")));
    let chunked = res("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert!(response_allows(Some(&c), None, &get(""), &chunked));
}

#[test]
fn only_statuses_200_to_203_are_compressed() {
    let c = comp(&[Gzip], &[], false);
    for (status, want) in [
        (200, true),
        (201, true),
        (202, true),
        (203, true),
        (206, false),
        (404, false),
        (500, false),
    ] {
        let r = res(&format!("HTTP/1.1 {status} X\r\nContent-Length: 5\r\n\r\n"));
        assert_eq!(
            response_allows(Some(&c), None, &get(""), &r),
            want,
            "{status}"
        );
    }
}

#[test]
fn http_1_0_on_either_side_is_not_compressed() {
    let c = comp(&[Gzip], &[], false);
    let r10 = req("GET / HTTP/1.0\r\n\r\n");
    assert!(!response_allows(Some(&c), None, &r10, &ok("")));
    let s10 = res("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n");
    assert!(!response_allows(Some(&c), None, &get(""), &s10));
}

#[test]
fn head_requests_and_bodies_without_length_or_empty_are_not_compressed() {
    let c = comp(&[Gzip], &[], false);
    assert!(!response_allows(
        Some(&c),
        None,
        &req("HEAD / HTTP/1.1\r\n\r\n"),
        &ok("")
    ));
    let close = res("HTTP/1.1 200 OK\r\n\r\n");
    assert_eq!(close.response_length(b"GET"), BodyLength::CloseDelimited);
    assert!(!response_allows(Some(&c), None, &get(""), &close));
    let empty = res("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert!(!response_allows(Some(&c), None, &get(""), &empty));
    let connect = req("CONNECT a:443 HTTP/1.1\r\n\r\n");
    assert!(!response_allows(Some(&c), None, &connect, &ok("")));
}

#[test]
fn an_encoded_response_is_left_alone() {
    let c = comp(&[Gzip], &[], false);
    assert!(!response_allows(
        Some(&c),
        None,
        &get(""),
        &ok("Content-Encoding: br\r\n")
    ));
    assert!(!response_allows(
        Some(&c),
        None,
        &get(""),
        &ok("Content-Encoding:\r\n")
    ));
}

#[test]
fn cache_control_no_transform_forbids_compression() {
    let c = comp(&[Gzip], &[], false);
    let g = get("");
    assert!(!response_allows(
        Some(&c),
        None,
        &g,
        &ok("Cache-Control: no-transform\r\n")
    ));
    assert!(!response_allows(
        Some(&c),
        None,
        &g,
        &ok("Cache-Control: max-age=3, No-Transform\r\n")
    ));
    assert!(response_allows(
        Some(&c),
        None,
        &g,
        &ok("Cache-Control: no-transformx\r\n")
    ));
    assert!(response_allows(
        Some(&c),
        None,
        &g,
        &ok("Cache-Control: \"no-transform,\"\r\n")
    ));
}

#[test]
fn a_malformed_or_repeated_etag_forbids_compression() {
    let c = comp(&[Gzip], &[], false);
    let g = get("");
    assert!(response_allows(
        Some(&c),
        None,
        &g,
        &ok("ETag: \"abc\"\r\n")
    ));
    assert!(response_allows(
        Some(&c),
        None,
        &g,
        &ok("ETag: W/\"abc\"\r\n")
    ));
    assert!(!response_allows(Some(&c), None, &g, &ok("ETag: abc\r\n")));
    assert!(!response_allows(Some(&c), None, &g, &ok("ETag: \"\r\n")));
    assert!(!response_allows(
        Some(&c),
        None,
        &g,
        &ok("ETag: \"a\"\r\nETag: \"b\"\r\n")
    ));
}

#[test]
fn multipart_is_never_compressed() {
    let c = comp(&[Gzip], &[], false);
    let r =
        res("HTTP/1.1 200 OK\r\nContent-Type: Multipart/form-data\r\nContent-Length: 5\r\n\r\n");
    assert!(!response_allows(Some(&c), None, &get(""), &r));
}

#[test]
fn the_type_list_is_matched_by_prefix_and_a_missing_type_fails_it() {
    let c = comp(&[Gzip], &["text/html", "application/json"], false);
    let g = get("");
    let typed = |t: &str| {
        res(&format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {t}\r\nContent-Length: 5\r\n\r\n"
        ))
    };
    assert!(response_allows(
        Some(&c),
        None,
        &g,
        &typed("text/html; charset=utf-8")
    ));
    assert!(response_allows(
        Some(&c),
        None,
        &g,
        &typed("APPLICATION/JSON")
    ));
    assert!(!response_allows(Some(&c), None, &g, &typed("text/plain")));
    let untyped = res("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    assert!(!response_allows(Some(&c), None, &g, &untyped));
    let any = comp(&[Gzip], &[], false);
    assert!(response_allows(Some(&any), None, &g, &untyped));
}

#[test]
fn the_backend_type_list_wins_over_the_frontend_one() {
    let fe = comp(&[Gzip], &["text/plain"], false);
    let be = comp(&[], &["text/html"], false);
    let g = get("");
    assert!(response_allows(Some(&fe), Some(&be), &g, &ok("")));
    let plain = res("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
    assert!(!response_allows(Some(&fe), Some(&be), &g, &plain));
    assert!(response_allows(
        Some(&fe),
        Some(&comp(&[], &[], false)),
        &g,
        &plain
    ));
}

#[test]
fn a_compressed_response_becomes_chunked_encoded_weak_and_varied() {
    let mut r = ok("ETag: \"v1\"\r\n");
    edit_response(&mut r, Gzip);
    assert!(!r.contains("content-length"));
    assert_eq!(r.get("content-encoding"), Some(&b"gzip"[..]));
    assert_eq!(r.get("transfer-encoding"), Some(&b"chunked"[..]));
    assert_eq!(r.get("etag"), Some(&b"W/\"v1\""[..]));
    assert_eq!(r.get("vary"), Some(&b"Accept-Encoding"[..]));
    assert_eq!(r.response_length(b"GET"), BodyLength::Chunked);
}

#[test]
fn an_already_chunked_response_gets_no_second_transfer_encoding() {
    let mut r = res(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: W/\"x\"\r\nVary: Cookie\r\n\r\n",
    );
    edit_response(&mut r, RawDeflate);
    assert_eq!(r.get_all("transfer-encoding").count(), 1);
    assert_eq!(r.get("content-encoding"), Some(&b"deflate"[..]));
    assert_eq!(r.get("etag"), Some(&b"W/\"x\""[..]));
    assert_eq!(
        r.get_all("vary").collect::<Vec<_>>(),
        vec![&b"Cookie"[..], &b"Accept-Encoding"[..]]
    );
}

#[test]
fn identity_writes_no_content_encoding_but_still_chunks_and_varies() {
    let mut r = ok("");
    edit_response(&mut r, Identity);
    assert!(!r.contains("content-encoding"));
    assert!(!r.contains("content-length"));
    assert_eq!(r.get("vary"), Some(&b"Accept-Encoding"[..]));
}

fn body() -> Vec<u8> {
    (0..50_000u32)
        .flat_map(|i| format!("line {} of the body\n", i % 977).into_bytes())
        .collect()
}

fn encode(algo: CompAlgo, level: u32, pieces: &[&[u8]]) -> Vec<u8> {
    let mut enc = Encoder::with_level(algo, level);
    let mut out = BytesMut::new();
    for p in pieces {
        enc.push(p, &mut out).unwrap();
    }
    enc.finish(&mut out).unwrap();
    out.to_vec()
}

fn decode(algo: CompAlgo, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match algo {
        Gzip => flate2::read::GzDecoder::new(data).read_to_end(&mut out),
        Deflate => flate2::read::ZlibDecoder::new(data).read_to_end(&mut out),
        RawDeflate => flate2::read::DeflateDecoder::new(data).read_to_end(&mut out),
        Identity => {
            out.extend_from_slice(data);
            Ok(0)
        }
    }
    .unwrap();
    out
}

#[test]
fn every_algorithm_round_trips_through_flate2() {
    let b = body();
    let pieces: Vec<&[u8]> = b.chunks(7_000).collect();
    for algo in CompAlgo::ALL {
        for level in [1, 6, 9] {
            let z = encode(algo, level, &pieces);
            assert_eq!(decode(algo, &z), b, "{algo:?} level {level}");
            if algo != Identity {
                assert!(z.len() < b.len() / 4, "{algo:?} compresses: {}", z.len());
            }
        }
    }
}

#[test]
fn an_empty_body_still_makes_a_valid_stream() {
    for algo in CompAlgo::ALL {
        assert_eq!(decode(algo, &encode(algo, 1, &[])), b"");
        assert_eq!(decode(algo, &encode(algo, 1, &[b""])), b"");
    }
}

#[test]
fn each_push_is_flushed_so_the_client_can_decode_it_at_once() {
    let mut enc = Encoder::new(Gzip);
    let mut out = BytesMut::new();
    enc.push(b"hello, ", &mut out).unwrap();
    assert_eq!(out.get(..3), Some(&[0x1f, 0x8b, 8][..]));
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]), "sync flush marker");
    let mut partial = Vec::new();
    let mut dec = flate2::read::DeflateDecoder::new(out.get(10..).unwrap());
    let mut buf = [0u8; 64];
    let n = dec.read(&mut buf).unwrap();
    partial.extend_from_slice(&buf[..n]);
    assert_eq!(partial, b"hello, ");
}

#[test]
fn gzip_ends_with_the_crc_and_the_length() {
    let z = encode(Gzip, 1, &[b"abc"]);
    let tail = z.get(z.len() - 8..).unwrap();
    let mut crc = Crc::new();
    crc.update(b"abc");
    assert_eq!(tail.get(..4), Some(&crc.sum().to_le_bytes()[..]));
    assert_eq!(tail.get(4..), Some(&3u32.to_le_bytes()[..]));
}

#[test]
fn a_large_push_is_taken_whole() {
    let big = vec![b'x'; 3 * 1024 * 1024];
    for algo in [Gzip, Deflate, RawDeflate] {
        assert_eq!(decode(algo, &encode(algo, 1, &[&big])), big);
    }
}
