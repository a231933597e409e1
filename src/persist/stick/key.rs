//! Stick-table keys (configuration.txt 4.2 "stick-table" `type ip|ipv6|integer|string|
//! binary`) and the conversions HAProxy 2.6 applies to a sample before looking it up
//! (`smp_to_stkey()` with the `sample_casts` of `sample.c`): an address sample goes into any
//! table type, a string sample too (parsed as an address or a number, truncated, padded).
//! Pure; imports only `config::model`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::model::KeyType;

/// A key as stored in a table of its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// `type ip`.
    Ipv4(Ipv4Addr),
    /// `type ipv6`.
    Ipv6(Ipv6Addr),
    /// `type integer`: 32 bits, as HAProxy keeps them.
    Integer(u32),
    /// `type string`: at most `len` bytes.
    String(Box<[u8]>),
    /// `type binary`: exactly `len` bytes.
    Binary(Box<[u8]>),
}

impl Key {
    /// The key of an address sample (`src`) in a table of type `t`; `None` when HAProxy
    /// cannot convert it (an IPv6 address other than `::ffff:a.b.c.d` into `ip` or
    /// `integer`).
    pub fn from_ip(t: KeyType, ip: IpAddr) -> Option<Key> {
        match (t, ip) {
            (KeyType::Ip, IpAddr::V4(a)) => Some(Key::Ipv4(a)),
            (KeyType::Ip, IpAddr::V6(a)) => v4_mapped(a).map(Key::Ipv4),
            (KeyType::Ipv6, IpAddr::V4(a)) => Some(Key::Ipv6(a.to_ipv6_mapped())),
            (KeyType::Ipv6, IpAddr::V6(a)) => Some(Key::Ipv6(a)),
            (KeyType::Integer, IpAddr::V4(a)) => Some(Key::Integer(u32::from(a))),
            (KeyType::Integer, IpAddr::V6(_)) => None,
            (KeyType::String { .. }, ip) => Key::from_bytes(t, ip.to_string().as_bytes()),
            (KeyType::Binary { len }, IpAddr::V4(a)) => Some(binary(&a.octets(), len)),
            (KeyType::Binary { len }, IpAddr::V6(a)) => Some(binary(&a.octets(), len)),
        }
    }

    /// The key of a string sample (a header, cookie, parameter or path) in a table of type
    /// `t`; `None` when HAProxy cannot convert it (not an address for `ip`/`ipv6`, empty
    /// for `integer`).
    pub fn from_bytes(t: KeyType, s: &[u8]) -> Option<Key> {
        match t {
            KeyType::Ip => parse_ipv4(s).map(Key::Ipv4),
            KeyType::Ipv6 => std::str::from_utf8(s)
                .ok()
                .and_then(|v| v.parse::<Ipv6Addr>().ok())
                .map(Key::Ipv6),
            KeyType::Integer => (!s.is_empty()).then(|| Key::Integer(leading_int(s))),
            KeyType::String { len } => {
                // A NUL ends a string sample, as in HAProxy.
                let s = s.split(|b| *b == 0).next().unwrap_or(s);
                Some(Key::String(s.get(..len.min(s.len())).unwrap_or(s).into()))
            }
            KeyType::Binary { len } => Some(binary(s, len)),
        }
    }

    /// The key of an integer sample.
    pub fn from_int(t: KeyType, v: i64) -> Option<Key> {
        match t {
            // The low 32 bits, as HAProxy's `(unsigned int)` cast keeps them.
            KeyType::Integer => Some(Key::Integer(u32::try_from(v & 0xffff_ffff).unwrap_or(0))),
            KeyType::Ip => Some(Key::Ipv4(Ipv4Addr::from(
                u32::try_from(v & 0xffff_ffff).unwrap_or(0),
            ))),
            KeyType::Ipv6 => Some(Key::Ipv6(
                Ipv4Addr::from(u32::try_from(v & 0xffff_ffff).unwrap_or(0)).to_ipv6_mapped(),
            )),
            KeyType::String { .. } => Key::from_bytes(t, v.to_string().as_bytes()),
            KeyType::Binary { len } => Some(binary(&v.to_be_bytes(), len)),
        }
    }
}

/// `::ffff:a.b.c.d` as `a.b.c.d` (HAProxy's `v6tov4()`).
fn v4_mapped(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let o = a.octets();
    let (pfx, v4) = o.split_at(12);
    if pfx != [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] {
        return None;
    }
    let b: [u8; 4] = v4.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

/// `len` bytes: `s` truncated or padded with zeroes.
fn binary(s: &[u8], len: usize) -> Key {
    let mut v = s.get(..len.min(s.len())).unwrap_or(s).to_vec();
    v.resize(len, 0);
    Key::Binary(v.into())
}

/// HAProxy's `buf2ip()`: a dotted quad, stopping at the first character that is neither a
/// digit nor a dot (leading zeroes allowed).
fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    let end = s
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(s.len());
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.get(..end)?.split(|b| *b == b'.') {
        if part.is_empty() {
            return None;
        }
        let v = part.iter().try_fold(0u32, |v, d| {
            let v = v * 10 + u32::from(d - b'0');
            (v <= 255).then_some(v)
        })?;
        *octets.get_mut(n)? = u8::try_from(v).ok()?;
        n += 1;
    }
    (n == 4).then(|| Ipv4Addr::from(octets))
}

/// HAProxy's `read_int64()` on a string sample, then kept to 32 bits: an optional sign and
/// the leading digits (none: 0), saturated.
fn leading_int(s: &[u8]) -> u32 {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, s.get(1..).unwrap_or(&[])),
        Some(b'+') => (false, s.get(1..).unwrap_or(&[])),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    let v = if neg { v.saturating_neg() } else { v };
    u32::try_from(v & 0xffff_ffff).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_convert_into_every_table_type() {
        let v4: IpAddr = "10.0.0.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(
            Key::from_ip(KeyType::Ip, v4),
            Some(Key::Ipv4("10.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            Key::from_ip(KeyType::Ip, mapped),
            Key::from_ip(KeyType::Ip, v4)
        );
        assert_eq!(Key::from_ip(KeyType::Ip, v6), None);
        assert_eq!(
            Key::from_ip(KeyType::Ipv6, v4),
            Some(Key::Ipv6("::ffff:10.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            Key::from_ip(KeyType::Integer, v4),
            Some(Key::Integer(0x0a00_0001))
        );
        assert_eq!(Key::from_ip(KeyType::Integer, v6), None);
        assert_eq!(
            Key::from_ip(KeyType::String { len: 4 }, v4),
            Some(Key::String(b"10.0".to_vec().into()))
        );
        assert_eq!(
            Key::from_ip(KeyType::Binary { len: 6 }, v4),
            Some(Key::Binary(vec![10, 0, 0, 1, 0, 0].into()))
        );
    }

    #[test]
    fn strings_are_truncated_padded_or_parsed() {
        let t = KeyType::String { len: 5 };
        assert_eq!(
            Key::from_bytes(t, b"abcdefgh"),
            Some(Key::String(b"abcde".to_vec().into()))
        );
        assert_eq!(
            Key::from_bytes(t, b"ab\0cd"),
            Some(Key::String(b"ab".to_vec().into()))
        );
        assert_eq!(
            Key::from_bytes(KeyType::Binary { len: 3 }, b"a"),
            Some(Key::Binary(vec![b'a', 0, 0].into()))
        );
        assert_eq!(
            Key::from_bytes(KeyType::Integer, b"42abc"),
            Some(Key::Integer(42))
        );
        assert_eq!(
            Key::from_bytes(KeyType::Integer, b"abc"),
            Some(Key::Integer(0))
        );
        assert_eq!(Key::from_bytes(KeyType::Integer, b""), None);
        assert_eq!(
            Key::from_bytes(KeyType::Integer, b"-1"),
            Some(Key::Integer(u32::MAX))
        );
        assert_eq!(
            Key::from_bytes(KeyType::Ip, b"010.1.2.3 x"),
            Some(Key::Ipv4("10.1.2.3".parse().unwrap()))
        );
        assert_eq!(Key::from_bytes(KeyType::Ip, b"1.2.3"), None);
        assert_eq!(Key::from_bytes(KeyType::Ip, b"1.2.3.256"), None);
        assert_eq!(Key::from_bytes(KeyType::Ipv6, b"1.2.3.4"), None);
        assert_eq!(
            Key::from_int(KeyType::Integer, 1 << 32 | 7),
            Some(Key::Integer(7))
        );
    }
}
