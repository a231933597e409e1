//! The dates of `maxidle`/`maxlife` cookies (configuration.txt 4.2 "cookie", `maxidle`,
//! `maxlife`): `NAME=SRV|LAST|FIRST`, each date a 30-bit count of 4-second units since the
//! epoch written as 5 base64 characters, most significant first, standard alphabet
//! (`A-Z a-z 0-9 + /`), no padding: HAProxy's `s30tob64()`/`b64tos30()` of `base64.c`.
//! Emitted dates are `(now + 3) >> 2`. Must not import proxy or tokio.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes the low 30 bits of `v` as 5 characters.
pub(super) fn s30tob64(v: u32) -> [u8; 5] {
    let mut out = [0u8; 5];
    for (i, o) in out.iter_mut().enumerate() {
        let shift = 24 - 6 * i as u32;
        let idx = ((v >> shift) & 0x3F) as usize;
        *o = ALPHABET.get(idx).copied().unwrap_or(b'A');
    }
    out
}

fn digit(c: u8) -> Option<u32> {
    let d = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(d))
}

/// Decodes 5 characters written by [`s30tob64`]; None if fewer or any is not in the
/// alphabet (HAProxy's negative result).
pub(super) fn b64tos30(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for i in 0..5 {
        v = (v << 6) | digit(*s.get(i)?)?;
    }
    Some(v)
}

/// The date HAProxy writes for `now` (seconds since the epoch), in 4-second units.
pub(super) fn units(now: u64) -> u32 {
    (now.saturating_add(3) >> 2) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_match_haproxys_text() {
        // Read from the real binary: at 1796219690, `maxidle 30m` set `SRV=a|axAjL`.
        assert_eq!(&s30tob64(units(1796219690)), b"axAjL");
        assert_eq!(b64tos30(b"axAjL"), Some(449054923));
        assert_eq!(b64tos30(b"axAj"), None);
        assert_eq!(b64tos30(b"ax|jL"), None);
        assert_eq!(b64tos30(b"ax=jL"), None);
        assert_eq!(b64tos30(b"+/+/+"), Some(0x3EFF_EFFE));
    }
}
