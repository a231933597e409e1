//! Byte-level helpers shared by the request and response sides of cookie persistence: the
//! cookie-value and header-value ends of HAProxy's `http.c` (quotes respected) and
//! `http_del_hdr_value()` of `http_ana.c`, which removes one cookie from a header value and
//! re-joins its neighbours with the original delimiter. Positions are indices into the
//! value being edited; nothing here panics on any input. Must not import proxy or tokio.

/// Space or horizontal tab (HAProxy's `HTTP_IS_SPHT`).
pub(super) fn is_spht(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The byte at `i`, or 0 past the end.
pub(super) fn at(buf: &[u8], i: usize) -> u8 {
    buf.get(i).copied().unwrap_or(0)
}

/// Removes `from..to` (clamped to the buffer).
pub(super) fn cut(buf: &mut Vec<u8>, from: usize, to: usize) {
    let to = to.min(buf.len());
    if from < to {
        buf.drain(from..to);
    }
}

/// Replaces `from..to` (clamped) by `with`.
pub(super) fn splice(buf: &mut Vec<u8>, from: usize, to: usize, with: &[u8]) {
    let to = to.min(buf.len());
    let from = from.min(to);
    buf.splice(from..to, with.iter().copied());
}

/// The end of a cookie value starting at `s`: the first unquoted `,` or `;`, or the end
/// (HAProxy's `http_find_cookie_value_end`).
pub(super) fn cookie_value_end(buf: &[u8], s: usize) -> usize {
    value_end(buf, s, true)
}

/// The end of a header value starting at `s`: the first unquoted `,`, or the end
/// (HAProxy's `http_find_hdr_value_end`).
pub(super) fn hdr_value_end(buf: &[u8], s: usize) -> usize {
    value_end(buf, s, false)
}

fn value_end(buf: &[u8], s: usize, semicolon: bool) -> usize {
    let (mut quoted, mut qdpair) = (false, false);
    let mut i = s;
    while let Some(&c) = buf.get(i) {
        if qdpair {
            qdpair = false;
        } else if quoted {
            if c == b'\\' {
                qdpair = true;
            } else if c == b'"' {
                quoted = false;
            }
        } else if c == b'"' {
            quoted = true;
        } else if c == b',' || (semicolon && c == b';') {
            return i;
        }
        i += 1;
    }
    buf.len()
}

/// Removes the cookie between `from` (the delimiter before it, or `start`) and `next` (the
/// delimiter after it, or `end`), as HAProxy's `http_del_hdr_value()`: the first cookie
/// takes its following delimiter and spaces with it; any other one leaves the delimiter
/// after it in place of the one before it, followed by one space when there was room.
/// Like the C function it moves bytes within `buf[..end]` and leaves the last ones as they
/// were (callers truncate, or not when HAProxy does not). Returns the new `from` and the
/// (negative or zero) change of the logical end.
pub(super) fn del_hdr_value_in_place(
    buf: &mut [u8],
    start: usize,
    from: usize,
    next: usize,
    end: usize,
) -> (usize, isize) {
    let end = end.min(buf.len());
    let (mut prev, mut next) = (from.min(end), next.min(end));
    let mut new_from = prev;
    if prev == start {
        if next < end {
            next += 1;
        }
        while next < end && is_spht(at(buf, next)) {
            next += 1;
        }
    } else {
        while prev > start && is_spht(at(buf, prev - 1)) {
            prev -= 1;
        }
        new_from = prev;
        if next < end {
            let delim = at(buf, next);
            if let Some(b) = buf.get_mut(prev) {
                *b = delim;
            }
            prev += 1;
            next += 1;
            if prev + 1 < next {
                if let Some(b) = buf.get_mut(prev) {
                    *b = b' ';
                }
                prev += 1;
            }
            while next < end && is_spht(at(buf, next)) {
                next += 1;
            }
        }
    }
    if prev < next {
        buf.copy_within(next..end, prev);
    }
    (new_from, -(next.saturating_sub(prev) as isize))
}

/// [`del_hdr_value_in_place`] on the whole of `buf`, which then shrinks to its new end.
pub(super) fn del_hdr_value(
    buf: &mut Vec<u8>,
    start: usize,
    from: usize,
    next: usize,
) -> (usize, isize) {
    let end = buf.len();
    let (new_from, delta) = del_hdr_value_in_place(buf, start, from, next, end);
    buf.truncate(shift(end, delta));
    (new_from, delta)
}

/// `i` moved by `delta` (never below 0).
pub(super) fn shift(i: usize, delta: isize) -> usize {
    i.saturating_add_signed(delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn del(s: &str, from: usize, next: usize) -> String {
        let mut b = s.as_bytes().to_vec();
        del_hdr_value(&mut b, 0, from, next);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn quotes_hide_delimiters_from_the_value_end() {
        assert_eq!(cookie_value_end(b"\"x;y\"; z", 0), 5);
        assert_eq!(cookie_value_end(b"\"a\\\"b;\";c", 0), 7);
        assert_eq!(hdr_value_end(b"a; b, c", 0), 4);
        assert_eq!(cookie_value_end(b"abc", 0), 3);
    }

    #[test]
    fn the_first_cookie_takes_its_delimiter_and_spaces_along() {
        // "SRV=b; c=3": from 0 to the ';' at 5.
        assert_eq!(del("SRV=b; c=3", 0, 5), "c=3");
    }

    #[test]
    fn a_middle_cookie_leaves_the_next_delimiter_and_one_space() {
        // "a=1; SRV=b; c=3": from the ';' at 3 to the ';' at 10.
        assert_eq!(del("a=1; SRV=b; c=3", 3, 10), "a=1; c=3");
        assert_eq!(del("a=1;SRV=b;c=3", 3, 9), "a=1; c=3");
        assert_eq!(del("a=1 ;  SRV=b  ;  c=3", 4, 14), "a=1; c=3");
    }
}
