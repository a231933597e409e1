//! Sample values and HAProxy's casts between their types (`sample_casts` in HAProxy 2.6's
//! sample.c): what a fetch gives, a converter takes, and a pattern matches.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::model::SmpT;

/// One sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `bool`.
    Bool(bool),
    /// `sint`.
    Sint(i64),
    /// `ipv4`.
    Ipv4(Ipv4Addr),
    /// `ipv6`.
    Ipv6(Ipv6Addr),
    /// `str`.
    Str(Cow<'a, [u8]>),
    /// `bin`.
    Bin(Cow<'a, [u8]>),
    /// `meth`: an HTTP method, as its bytes.
    Meth(Cow<'a, [u8]>),
}

impl<'a> Value<'a> {
    /// A string sample borrowing `b`.
    pub fn str(b: &'a [u8]) -> Self {
        Value::Str(Cow::Borrowed(b))
    }
    /// A string sample owning `s`.
    pub fn string(s: impl Into<Vec<u8>>) -> Self {
        Value::Str(Cow::Owned(s.into()))
    }
    /// An address sample.
    pub fn ip(a: IpAddr) -> Self {
        match a {
            IpAddr::V4(v) => Value::Ipv4(v),
            IpAddr::V6(v) => Value::Ipv6(v),
        }
    }

    /// Its type.
    pub fn ty(&self) -> SmpT {
        match self {
            Value::Bool(_) => SmpT::Bool,
            Value::Sint(_) => SmpT::Sint,
            Value::Ipv4(_) => SmpT::Ipv4,
            Value::Ipv6(_) => SmpT::Ipv6,
            Value::Str(_) => SmpT::Str,
            Value::Bin(_) => SmpT::Bin,
            Value::Meth(_) => SmpT::Meth,
        }
    }

    /// An owned copy, free of any borrow.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Bool(b) => Value::Bool(b),
            Value::Sint(i) => Value::Sint(i),
            Value::Ipv4(a) => Value::Ipv4(a),
            Value::Ipv6(a) => Value::Ipv6(a),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Bin(s) => Value::Bin(Cow::Owned(s.into_owned())),
            Value::Meth(s) => Value::Meth(Cow::Owned(s.into_owned())),
        }
    }

    /// The sample cast to `to`, as HAProxy casts it; `None` where HAProxy's cast fails or
    /// does not exist.
    pub fn cast(self, to: SmpT) -> Option<Value<'a>> {
        use Value as V;
        if to == SmpT::Any || self.ty() == to {
            return Some(self);
        }
        Some(match (self, to) {
            (V::Bool(b), SmpT::Sint) => V::Sint(i64::from(b)),
            (V::Bool(b), SmpT::Str) => V::string(if b { "1" } else { "0" }),
            (V::Bool(b), SmpT::Bin) => V::Bin(Cow::Owned(i64::from(b).to_be_bytes().to_vec())),
            (V::Sint(i), SmpT::Bool) => V::Bool(i != 0),
            (V::Sint(i), SmpT::Addr | SmpT::Ipv4) => V::Ipv4(Ipv4Addr::from(i as u32)),
            (V::Sint(i), SmpT::Ipv6) => V::Ipv6(Ipv4Addr::from(i as u32).to_ipv6_mapped()),
            (V::Sint(i), SmpT::Str) => V::string(i.to_string()),
            (V::Sint(i), SmpT::Bin) => V::Bin(Cow::Owned(i.to_be_bytes().to_vec())),
            (V::Ipv4(a), SmpT::Sint) => V::Sint(i64::from(u32::from(a))),
            (V::Ipv4(a), SmpT::Addr) => V::Ipv4(a),
            (V::Ipv4(a), SmpT::Ipv6) => V::Ipv6(a.to_ipv6_mapped()),
            (V::Ipv4(a), SmpT::Str) => V::string(a.to_string()),
            (V::Ipv4(a), SmpT::Bin) => V::Bin(Cow::Owned(a.octets().to_vec())),
            (V::Ipv6(a), SmpT::Addr) => V::Ipv6(a),
            (V::Ipv6(a), SmpT::Ipv4) => V::Ipv4(a.to_ipv4_mapped()?),
            (V::Ipv6(a), SmpT::Str) => V::string(a.to_string()),
            (V::Ipv6(a), SmpT::Bin) => V::Bin(Cow::Owned(a.octets().to_vec())),
            (V::Str(s), SmpT::Bool) => V::Bool(str2int(&s)? != 0),
            (V::Str(s), SmpT::Sint) => V::Sint(str2int(&s)?),
            (V::Str(s), SmpT::Addr) => V::ip(parse_ip(&s)?),
            (V::Str(s), SmpT::Ipv4) => V::Ipv4(std::str::from_utf8(&s).ok()?.parse().ok()?),
            (V::Str(s), SmpT::Ipv6) => V::Ipv6(std::str::from_utf8(&s).ok()?.parse().ok()?),
            (V::Str(s) | V::Bin(s), SmpT::Bin) => V::Bin(s),
            (V::Str(s) | V::Bin(s), SmpT::Meth) => V::Meth(s),
            (V::Bin(s) | V::Meth(s), SmpT::Str) => V::Str(s),
            (V::Meth(s), SmpT::Bin) => V::Bin(s),
            _ => return None,
        })
    }

    /// The bytes a string-like sample holds (after a cast to `str` for the others).
    pub fn into_bytes(self) -> Option<Cow<'a, [u8]>> {
        match self.cast(SmpT::Str)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer of a sample (after a cast to `sint`).
    pub fn to_int(&self) -> Option<i64> {
        match self.clone().cast(SmpT::Sint)? {
            Value::Sint(i) => Some(i),
            _ => None,
        }
    }
}

/// HAProxy's `c_str2int`: an optional sign and the digits at the start; an empty string does
/// not cast.
fn str2int(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    Some(if neg { -v } else { v })
}

fn parse_ip(s: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cast_to_integers_by_their_leading_digits() {
        assert_eq!(
            Value::string("12ab").cast(SmpT::Sint),
            Some(Value::Sint(12))
        );
        assert_eq!(Value::string("x").cast(SmpT::Sint), Some(Value::Sint(0)));
        assert_eq!(Value::string("").cast(SmpT::Sint), None);
        assert_eq!(Value::string("-3").to_int(), Some(-3));
    }

    #[test]
    fn addresses_cast_to_strings_integers_and_back() {
        let a = Value::Ipv4(Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(a.clone().cast(SmpT::Sint), Some(Value::Sint(0x0a00_0001)));
        assert_eq!(a.cast(SmpT::Str), Some(Value::string("10.0.0.1")));
        assert_eq!(
            Value::string("::1").cast(SmpT::Ipv4),
            None,
            "an IPv6 string is not an IPv4 address"
        );
        assert_eq!(Value::Sint(1).cast(SmpT::Bool), Some(Value::Bool(true)));
    }
}
