//! Bounded fuzz-style tests: thousands of mutated heads and chunked bodies, from a small
//! deterministic xorshift generator, never panic and always terminate. Pure: no sockets, no tokio.

use super::body::{Decoder, Event};
use super::head::BodyLength;
use super::parse::{parse_request, parse_response, Limits, Status};
use super::write::{write_head, Edits};
use bytes::BytesMut;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPICE: &[u8] = b"\r\n \t:,;#\x00\x7f\xff0aZ-/";

fn mutate(rng: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(6) {
        let at = rng.below(v.len() + 1);
        match rng.below(4) {
            0 if at < v.len() => {
                v.remove(at);
            }
            1 if at < v.len() => v[at] = SPICE[rng.below(SPICE.len())],
            2 => v.insert(at, SPICE[rng.below(SPICE.len())]),
            _ => v.insert(at, rng.next() as u8),
        }
    }
    v
}

#[test]
fn mutated_heads_never_panic_and_complete_heads_round_trip() {
    let seeds: [&[u8]; 4] = [
        b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\nX: a\r\n b\r\n\r\nhello",
        b"POST http://x/ HTTP/1.0\r\nhost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok",
        b"\r\nHTTP/1.0 304 Not Modified\nUpgrade: websocket\n\n",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let limits = Limits {
        max_headers: 8,
        max_head: 200,
        max_raw: 200,
        ..Limits::default()
    };
    for i in 0..6000 {
        let input = mutate(&mut rng, seeds[i % seeds.len()]);
        for st in [
            parse_request(&input, &limits),
            parse_response(&input, &limits),
        ] {
            if let Status::Complete(head, used) = st {
                assert!(used <= input.len());
                let mut out = BytesMut::new();
                write_head(&head, &Edits::default(), &mut out);
                // What we write parses again to the same fields.
                let again = if head.is_request() {
                    parse_request(&out, &Limits::default())
                } else {
                    parse_response(&out, &Limits::default())
                };
                match again {
                    Status::Complete(h2, n) => {
                        assert_eq!(n, out.len());
                        assert_eq!(h2.len(), head.len());
                    }
                    other => panic!("{input:?} -> {out:?} -> {other:?}"),
                }
            }
        }
    }
}

#[test]
fn mutated_chunked_bodies_never_panic_and_always_terminate() {
    let seeds: [&[u8]; 3] = [
        b"5;a=b\r\nhello\r\n3\r\nabc\r\n0\r\nT: x\r\n\r\n",
        b"a\nabcdefghij\n0\n\n",
        b"FFF\r\nxyz",
    ];
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for i in 0..6000 {
        let input = mutate(&mut rng, seeds[i % seeds.len()]);
        let piece = 1 + rng.below(8);
        let mut d = Decoder::new(BodyLength::Chunked);
        let (mut pos, mut avail) = (0usize, 0usize);
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps < 4 * input.len() + 16, "no progress on {input:?}");
            avail = (avail + piece).min(input.len());
            let buf = &input[pos..avail];
            match d.step(buf) {
                Err(_)
                | Ok(crate::http::body::Step {
                    event: Some(Event::Done),
                    ..
                }) => break,
                Ok(s) => {
                    assert!(s.consumed <= buf.len());
                    pos += s.consumed;
                    if s.consumed == 0 && avail == input.len() {
                        break; // needs more than there is
                    }
                }
            }
        }
    }
}
