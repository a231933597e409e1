//! Time and size units (configuration.txt 2.5 "Time format", 2.6 "Size format"), plus the
//! integer and address helpers the keyword parsers share.
//!
//! Times: a decimal number followed by `us`, `ms`, `s`, `m`, `h` or `d` (default `ms`).
//! Sizes: a decimal number followed by `k`, `m` or `g` (powers of 1024).
//! The error values carry what HAProxy needs to word its messages.

use std::time::Duration;

/// Why a time value was rejected (HAProxy's `parse_time_err` results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// The value is empty or does not start with a digit where one was expected.
    Empty,
    /// A character that is neither a digit nor a known unit.
    BadChar(char),
    /// The value exceeds 2147483647 ms.
    Overflow,
    /// A non-null value rounds to zero milliseconds... (HAProxy rounds up, so this only
    /// appears for values such as `0us` written with a unit smaller than 1 ms).
    Underflow,
}

/// The largest timer HAProxy accepts, in milliseconds (`TIMER_LOOK_BACK` aside, INT_MAX).
pub const MAX_TIMER_MS: u64 = 2_147_483_647;

/// Parses a time with an optional unit; the default unit is milliseconds.
///
/// Microsecond values are rounded up to the next millisecond, as HAProxy does.
pub fn parse_time(text: &str) -> Result<Duration, TimeError> {
    parse_time_unit(text, 1)
}

/// Parses a time whose default unit (when none is written) is `default_ms` milliseconds
/// (1000 for the keywords documented "in seconds").
pub fn parse_time_unit(text: &str, default_ms: u64) -> Result<Duration, TimeError> {
    let (value, factor_us) = split_time(text, default_ms)?;
    let us = value.checked_mul(factor_us).ok_or(TimeError::Overflow)?;
    let ms = us.div_ceil(1000);
    if ms > MAX_TIMER_MS {
        return Err(TimeError::Overflow);
    }
    if value != 0 && ms == 0 {
        return Err(TimeError::Underflow);
    }
    Ok(Duration::from_millis(ms))
}

/// The largest value HAProxy accepts for the times it keeps in seconds (INT_MAX s).
pub const MAX_TIMER_S: u64 = 2_147_483_647;

/// Parses a time HAProxy keeps in seconds (`cookie ... maxidle/maxlife`, `stats refresh`):
/// the default unit is the second, the value is rounded up to whole seconds, and it may
/// reach 2147483647 s (~68 years) where millisecond timers stop at ~24.8 days.
pub fn parse_time_secs(text: &str) -> Result<Duration, TimeError> {
    let (value, factor_us) = split_time(text, 1000)?;
    let us = value.checked_mul(factor_us).ok_or(TimeError::Overflow)?;
    let secs = us.div_ceil(1_000_000);
    if secs > MAX_TIMER_S {
        return Err(TimeError::Overflow);
    }
    Ok(Duration::from_secs(secs))
}

/// The number of a time value and its unit's factor in microseconds.
fn split_time(text: &str, default_ms: u64) -> Result<(u64, u64), TimeError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(digits_end);
    if num.is_empty() {
        return match unit.chars().next() {
            Some(c) => Err(TimeError::BadChar(c)),
            None => Err(TimeError::Empty),
        };
    }
    let value: u64 = num.parse().map_err(|_| TimeError::Overflow)?;
    let (factor_us, rest) = time_unit(unit, default_ms);
    if let Some(c) = rest.chars().next() {
        return Err(TimeError::BadChar(c));
    }
    Ok((value, factor_us))
}

/// Splits a unit suffix into its factor (in microseconds) and whatever follows it.
fn time_unit(unit: &str, default_ms: u64) -> (u64, &str) {
    let default_us = default_ms.saturating_mul(1000);
    if let Some(r) = unit.strip_prefix("us") {
        (1, r)
    } else if let Some(r) = unit.strip_prefix("ms") {
        (1000, r)
    } else if let Some(r) = unit.strip_prefix('s') {
        (1_000_000, r)
    } else if let Some(r) = unit.strip_prefix('m') {
        (60_000_000, r)
    } else if let Some(r) = unit.strip_prefix('h') {
        (3_600_000_000, r)
    } else if let Some(r) = unit.strip_prefix('d') {
        (86_400_000_000, r)
    } else {
        (default_us, unit)
    }
}

/// Words a time error the way HAProxy does for `keyword` (e.g. `timeout client`),
/// with `arg` the value as written.
pub fn time_error_msg(err: TimeError, arg: &str, keyword: &str) -> String {
    match err {
        TimeError::Empty => format!("'{keyword}' expects an integer value (in milliseconds)"),
        TimeError::BadChar(c) => format!("unexpected character '{c}' in '{keyword}'"),
        TimeError::Overflow => format!(
            "timer overflow in argument '{arg}' to '{keyword}' (maximum value is 2147483647 ms or ~24.8 days)"
        ),
        TimeError::Underflow => format!(
            "timer underflow in argument '{arg}' to '{keyword}' (minimum non-null value is 1 ms)"
        ),
    }
}

/// Why a size was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeError {
    /// Not a number.
    Empty,
    /// An unexpected character.
    BadChar(char),
    /// Too large.
    Overflow,
}

/// Parses a size with an optional `k`, `m` or `g` suffix (case-insensitive, powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(digits_end);
    if num.is_empty() {
        return match unit.chars().next() {
            Some(c) => Err(SizeError::BadChar(c)),
            None => Err(SizeError::Empty),
        };
    }
    let value: u64 = num.parse().map_err(|_| SizeError::Overflow)?;
    let mut chars = unit.chars();
    let factor = match chars.next() {
        None => 1,
        Some('k' | 'K') => 1024,
        Some('m' | 'M') => 1024 * 1024,
        Some('g' | 'G') => 1024 * 1024 * 1024,
        Some(c) => return Err(SizeError::BadChar(c)),
    };
    if let Some(c) = chars.next() {
        return Err(SizeError::BadChar(c));
    }
    value.checked_mul(factor).ok_or(SizeError::Overflow)
}

/// HAProxy's `parse_size_err()`: an unsigned 32-bit size with an optional `k`, `m` or `g`
/// unit (powers of 1024). On refusal, the character HAProxy points at: the first one that
/// is not a digit nor a single unit, the digit or unit that overflows, or the first
/// character after the unit.
pub fn parse_size_err(text: &str) -> Result<u32, char> {
    let bytes = text.as_bytes();
    let at = |i: usize| char::from(bytes.get(i).copied().unwrap_or(0));
    if !at(0).is_ascii_digit() {
        return Err(at(0));
    }
    let mut value: u32 = 0;
    let mut i = 0;
    while let Some(d) = at(i).to_digit(10) {
        value = match value.checked_mul(10).and_then(|v| v.checked_add(d)) {
            Some(v) => v,
            None => return Err(at(i)),
        };
        i += 1;
    }
    let shift = match at(i) {
        '\0' => return Ok(value),
        'k' | 'K' => 10,
        'm' | 'M' => 20,
        'g' | 'G' => 30,
        c => return Err(c),
    };
    if value > u32::MAX >> shift {
        return Err(at(i));
    }
    if i + 1 < bytes.len() {
        return Err(at(i + 1));
    }
    Ok(value << shift)
}

/// Parses an integer the way C's `atol` does: leading digits, optional sign, anything
/// else ignored, 0 when there are no digits. HAProxy uses this for many numeric keywords
/// (`retries`, `maxconn`, ...) and so accepts `maxconn abc` as 0.
pub fn atol(text: &str) -> i64 {
    let t = text.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

/// HAProxy's `strl2irc()`: a strict C `int`, digits with an optional leading `-` and no
/// overflow (`-` alone reads as 0); `None` where HAProxy reports an error.
pub fn strl2irc(text: &str) -> Option<i32> {
    match text {
        "" => None,
        "-" => Some(0),
        t if t.starts_with('+') => None,
        t => t.parse().ok(),
    }
}

/// [`atol`] stored into a C `int`, as HAProxy does for `weight`, `id` and friends: the
/// saturated `long` keeps its low 32 bits (`99999999999999999999` gives -1).
pub fn atoi_int(text: &str) -> i32 {
    let low = u32::try_from(atol(text) & 0xffff_ffff).unwrap_or(0);
    i32::from_ne_bytes(low.to_ne_bytes())
}

/// `atol` clamped into a `u32` (negative values become 0).
pub fn atou32(text: &str) -> u32 {
    u32::try_from(atol(text).max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_number_is_milliseconds() {
        assert_eq!(parse_time("5000"), Ok(Duration::from_millis(5000)));
    }

    #[test]
    fn every_unit_is_understood() {
        assert_eq!(parse_time("1500us"), Ok(Duration::from_millis(2)));
        assert_eq!(parse_time("10ms"), Ok(Duration::from_millis(10)));
        assert_eq!(parse_time("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_time("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_time("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_time("1d"), Ok(Duration::from_secs(86400)));
    }

    #[test]
    fn a_bad_unit_names_the_offending_character() {
        assert_eq!(parse_time("1x"), Err(TimeError::BadChar('x')));
        assert_eq!(parse_time("abc"), Err(TimeError::BadChar('a')));
        assert_eq!(parse_time(""), Err(TimeError::Empty));
        assert_eq!(
            time_error_msg(TimeError::BadChar('x'), "1x", "timeout client"),
            "unexpected character 'x' in 'timeout client'"
        );
    }

    #[test]
    fn huge_times_overflow() {
        assert_eq!(parse_time("99999999999"), Err(TimeError::Overflow));
        assert_eq!(parse_time("25d"), Err(TimeError::Overflow));
        assert_eq!(parse_time("24d"), Ok(Duration::from_secs(24 * 86400)));
    }

    #[test]
    fn a_default_unit_of_seconds_applies_only_without_suffix() {
        assert_eq!(parse_time_unit("30", 1000), Ok(Duration::from_secs(30)));
        assert_eq!(parse_time_unit("30ms", 1000), Ok(Duration::from_millis(30)));
    }

    #[test]
    fn sizes_use_powers_of_1024() {
        assert_eq!(parse_size("16k"), Ok(16384));
        assert_eq!(parse_size("2M"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("12"), Ok(12));
        assert_eq!(parse_size("1q"), Err(SizeError::BadChar('q')));
    }

    #[test]
    fn strl2irc_is_strict_like_haproxys() {
        assert_eq!(strl2irc("42"), Some(42));
        assert_eq!(strl2irc("-7"), Some(-7));
        assert_eq!(strl2irc("-"), Some(0));
        assert_eq!(strl2irc("+1"), None);
        assert_eq!(strl2irc("1/"), None);
        assert_eq!(strl2irc("2147483648"), None);
        assert_eq!(strl2irc(""), None);
    }

    #[test]
    fn parse_size_err_points_where_haproxy_does() {
        assert_eq!(parse_size_err("10k"), Ok(10 * 1024));
        assert_eq!(parse_size_err("3G"), Ok(3 << 30));
        assert_eq!(parse_size_err("4294967295"), Ok(u32::MAX));
        assert_eq!(parse_size_err("10x"), Err('x'));
        assert_eq!(parse_size_err("10kk"), Err('k'));
        assert_eq!(parse_size_err("10g"), Err('g'));
        assert_eq!(parse_size_err("-1"), Err('-'));
        assert_eq!(parse_size_err("5000000000"), Err('0'));
        assert_eq!(parse_size_err("abc"), Err('a'));
    }

    #[test]
    fn atol_behaves_like_c() {
        assert_eq!(atol("abc"), 0);
        assert_eq!(atol("42abc"), 42);
        assert_eq!(atol("-3"), -3);
        assert_eq!(atou32("-3"), 0);
    }

    #[test]
    fn second_timers_reach_68_years_and_round_up() {
        assert_eq!(parse_time_secs("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(
            parse_time_secs("24855d"),
            Ok(Duration::from_secs(24_855 * 86_400))
        );
        assert_eq!(parse_time_secs("24856d"), Err(TimeError::Overflow));
        assert_eq!(parse_time_secs("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_time_secs("1500ms"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_time_secs("1000us"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_time_secs("0"), Ok(Duration::ZERO));
        assert_eq!(parse_time_secs("3x"), Err(TimeError::BadChar('x')));
    }

    #[test]
    fn atoi_int_keeps_the_low_32_bits_like_c() {
        assert_eq!(atoi_int("300"), 300);
        assert_eq!(atoi_int("4294967297"), 1);
        assert_eq!(atoi_int("2147483648"), -2_147_483_648);
        assert_eq!(atoi_int("99999999999999999999"), -1);
        assert_eq!(atoi_int("-5x"), -5);
    }
}
