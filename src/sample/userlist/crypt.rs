//! `user NAME password HASH` (configuration.txt 3.4): the crypt(3) check of HAProxy's
//! `check_user()` (src/auth.c), `strcmp(crypt(pass, HASH), HASH) == 0`, without calling the C
//! library. Pure: no I/O, no tokio, nothing from `proxy`.
//!
//! The hash matches exactly when Debian's libxcrypt would reproduce it from the password, so
//! each stored hash is parsed with libxcrypt's rules for its *setting* (what it accepts, how it
//! truncates salts), the hash is computed from the parsed parameters, and the text crypt(3)
//! would print is compared with the stored text. A stored string that crypt(3) could never
//! print (a bad salt, rounds out of range, a missing hash part, a plain word) never matches,
//! as in HAProxy, where `crypt()` then returns a failure token or a different string.
//!
//! Schemes verified (the crates do the hashing, this file the settings and the text):
//! - `$6$` SHA-512-crypt and `$5$` SHA-256-crypt, with `rounds=N` (`sha-crypt`);
//! - `$1$` MD5-crypt (written here over `md-5`: no maintained crate has it);
//! - `$2b$`, `$2y$`, `$2a$` bcrypt (`bcrypt`); `$2a$` is computed as `$2b$`, which libxcrypt's
//!   `$2a$` safety measure changes only for passwords whose 8-bit bytes all follow `\xff`
//!   bytes in their 4-byte word: such a password is refused, never wrongly accepted;
//! - `$y$` yescrypt (`yescrypt`), in its default flavour (`j..`, what `mkpasswd` writes) and
//!   the scrypt and WORM flavours, up to 1 GiB of memory per check.
//!
//! The other schemes libxcrypt knows (DES, BSDi `_`, `$2x$`, `$gy$`, `$7$`, `$3$`, `$md5`,
//! `$sha1$`) are refused at load by `config::kw::userlist::scheme_supported`; the unit tests
//! below keep that list and this file in step.
//!
//! Like libxcrypt, passwords of 512 bytes or more never match.

use md5::{Digest, Md5};

/// libxcrypt's `CRYPT_MAX_PASSPHRASE_SIZE`: longer passphrases are refused.
const MAX_PASSPHRASE: usize = 512;

/// The largest yescrypt memory cost verified (`128 * r * N` bytes).
const YESCRYPT_MAX_MEMORY: u64 = 1 << 30;

/// The crypt(3) alphabet, shared by every scheme here.
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A stored `password` hash, parsed once at start.
#[derive(Debug, Clone)]
pub(super) enum Hash {
    /// `$5$` / `$6$`.
    Sha {
        /// `$6$` when true.
        sha512: bool,
        /// The rounds (5000 when the hash gives none).
        rounds: u32,
        /// The salt, at most 16 bytes.
        salt: Vec<u8>,
        /// The stored hash text after the salt's `$`.
        expected: Vec<u8>,
    },
    /// `$1$`.
    Md5 {
        /// The salt, at most 8 bytes.
        salt: Vec<u8>,
        /// The stored hash text after the salt's `$`.
        expected: Vec<u8>,
    },
    /// `$2a$`, `$2b$`, `$2y$`.
    Bcrypt {
        /// The version letter the output carries.
        version: BcryptVersion,
        /// The cost (4 to 31).
        cost: u32,
        /// The decoded salt.
        salt: [u8; 16],
        /// The whole stored string.
        expected: Vec<u8>,
    },
    /// `$y$`.
    Yescrypt {
        /// The decoded parameters.
        params: yescrypt::Params,
        /// The decoded salt.
        salt: Vec<u8>,
        /// The stored hash text after the last `$`.
        expected: Vec<u8>,
    },
    /// crypt(3) can never print this string: no password matches.
    Never,
}

/// The bcrypt version letters verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BcryptVersion {
    /// `$2a$`.
    A,
    /// `$2b$`.
    B,
    /// `$2y$`.
    Y,
}

impl Hash {
    /// Parses a stored hash with libxcrypt's rules; [`Hash::Never`] when crypt(3) could never
    /// print it.
    pub(super) fn parse(stored: &str) -> Hash {
        let s = stored.as_bytes();
        // libxcrypt's check_badsalt_chars: printable ASCII only, and none of `!*:;\`.
        if s.iter()
            .any(|&b| b <= b' ' || b >= 0x7f || b"!*:;\\".contains(&b))
        {
            return Hash::Never;
        }
        let parsed = if let Some(rest) = s.strip_prefix(b"$6$") {
            parse_sha(true, rest)
        } else if let Some(rest) = s.strip_prefix(b"$5$") {
            parse_sha(false, rest)
        } else if let Some(rest) = s.strip_prefix(b"$1$") {
            parse_md5(rest)
        } else if s.starts_with(b"$2") {
            parse_bcrypt(stored)
        } else if let Some(rest) = s.strip_prefix(b"$y$") {
            parse_yescrypt(rest)
        } else {
            None
        };
        parsed.unwrap_or(Hash::Never)
    }

    /// `crypt(pass, stored) == stored`. `pass` is used as given (the caller has cut it at its
    /// first NUL, as HAProxy's C strings are).
    pub(super) fn verify(&self, pass: &[u8]) -> bool {
        if pass.len() >= MAX_PASSPHRASE {
            return false;
        }
        match self {
            Hash::Sha {
                sha512,
                rounds,
                salt,
                expected,
            } => sha_text(*sha512, pass, salt, *rounds).is_some_and(|t| ct_eq(&t, expected)),
            Hash::Md5 { salt, expected } => ct_eq(&md5_text(pass, salt), expected),
            Hash::Bcrypt {
                version,
                cost,
                salt,
                expected,
            } => bcrypt_text(*version, *cost, *salt, pass).is_some_and(|t| ct_eq(&t, expected)),
            Hash::Yescrypt {
                params,
                salt,
                expected,
            } => {
                let mut out = [0u8; 32];
                yescrypt::yescrypt(pass, salt, params, &mut out).is_ok()
                    && ct_eq(&encode64(&out), expected)
            }
            Hash::Never => false,
        }
    }
}

/// Equality whose time depends on the lengths only.
pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The salt of an SHA or MD5 setting: up to the first `$` (`:` and newlines are already
/// refused). Returns the salt and what follows its `$`, the hash.
fn salt_and_hash(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = rest.iter().position(|&b| b == b'$')?;
    Some((rest.get(..end)?, rest.get(end + 1..)?))
}

fn parse_sha(sha512: bool, rest: &[u8]) -> Option<Hash> {
    let mut rounds = 5000;
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix(b"rounds=") {
        // libxcrypt: a digit 1-9 first, decimal up to a '$', 1000 to 999999999.
        let end = r.iter().position(|&b| b == b'$')?;
        let digits = r.get(..end)?;
        if !matches!(digits.first(), Some(b'1'..=b'9')) || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        rounds = std::str::from_utf8(digits).ok()?.parse::<u32>().ok()?;
        if !(1000..=999_999_999).contains(&rounds) {
            return None;
        }
        rest = r.get(end + 1..)?;
    }
    let (salt, expected) = salt_and_hash(rest)?;
    // Longer salts are cut to 16 bytes in the output, which then differs from the stored text.
    if salt.len() > 16 {
        return None;
    }
    Some(Hash::Sha {
        sha512,
        rounds,
        salt: salt.to_vec(),
        expected: expected.to_vec(),
    })
}

fn parse_md5(rest: &[u8]) -> Option<Hash> {
    let (salt, expected) = salt_and_hash(rest)?;
    if salt.len() > 8 {
        return None;
    }
    Some(Hash::Md5 {
        salt: salt.to_vec(),
        expected: expected.to_vec(),
    })
}

fn parse_bcrypt(stored: &str) -> Option<Hash> {
    let version = match stored.as_bytes().get(..4)? {
        b"$2a$" => BcryptVersion::A,
        b"$2b$" => BcryptVersion::B,
        b"$2y$" => BcryptVersion::Y,
        _ => return None,
    };
    // crypt(3) prints 60 characters; the crate parses cost and salt, and the comparison with
    // the text we print refuses any non-canonical spelling of them.
    if stored.len() != 60 {
        return None;
    }
    let parts: bcrypt::HashParts = stored.parse().ok()?;
    let cost = parts.get_cost();
    if !(4..=31).contains(&cost) {
        return None;
    }
    Some(Hash::Bcrypt {
        version,
        cost,
        salt: parts.get_salt_raw(),
        expected: stored.as_bytes().to_vec(),
    })
}

fn parse_yescrypt(rest: &[u8]) -> Option<Hash> {
    let mut pos = 0;
    let params = yescrypt_params(rest, &mut pos)?;
    if rest.get(pos) != Some(&b'$') {
        return None;
    }
    let tail = rest.get(pos + 1..)?;
    // The salt runs to the last '$' (libxcrypt's strrchr); the hash follows it.
    let last = tail.iter().rposition(|&b| b == b'$')?;
    let salt = decode64(tail.get(..last)?)?;
    Some(Hash::Yescrypt {
        params,
        salt,
        expected: tail.get(last + 1..)?.to_vec(),
    })
}

fn atoi64(c: u8) -> Option<u32> {
    ITOA64.iter().position(|&x| x == c).map(|i| i as u32)
}

/// yescrypt's variable-length number: the first character says how many follow.
fn decode64_uint32(s: &[u8], pos: &mut usize, min: u32) -> Option<u32> {
    let mut c = atoi64(*s.get(*pos)?)?;
    *pos += 1;
    let (mut start, mut end, mut chars, mut bits) = (0u32, 47u32, 1u32, 0u32);
    let mut dst = min;
    while c > end {
        dst = dst.wrapping_add((end + 1 - start).wrapping_shl(bits));
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    dst = dst.wrapping_add((c - start).wrapping_shl(bits));
    while chars > 1 {
        chars -= 1;
        c = atoi64(*s.get(*pos)?)?;
        *pos += 1;
        bits -= 6;
        dst = dst.wrapping_add(c.wrapping_shl(bits));
    }
    Some(dst)
}

/// The `$y$` parameters (flavour, N, r, then optional p, t, g, NROM), as libxcrypt reads
/// them; `None` for what it refuses or what the `yescrypt` crate cannot compute.
fn yescrypt_params(s: &[u8], pos: &mut usize) -> Option<yescrypt::Params> {
    let flavor = decode64_uint32(s, pos, 0)?;
    let mode = match flavor {
        0 => yescrypt::Mode::Classic,
        1 => yescrypt::Mode::Worm,
        f if f == u32::from(yescrypt::Mode::Rw) => yescrypt::Mode::Rw,
        _ => return None,
    };
    let n_log2 = decode64_uint32(s, pos, 1)?;
    if n_log2 > 63 {
        return None;
    }
    let n = 1u64 << n_log2;
    let r = decode64_uint32(s, pos, 1)?;
    let (mut p, mut t, mut g) = (1, 0, 0);
    if s.get(*pos).is_some_and(|&c| c != b'$') {
        let have = decode64_uint32(s, pos, 1)?;
        if have & 1 != 0 {
            p = decode64_uint32(s, pos, 2)?;
        }
        if have & 2 != 0 {
            t = decode64_uint32(s, pos, 1)?;
        }
        if have & 4 != 0 {
            g = decode64_uint32(s, pos, 1)?;
        }
        if have & 8 != 0 {
            // A ROM needs a shared table that crypt(3) never has.
            return None;
        }
    }
    let memory = 128u64.checked_mul(u64::from(r))?.checked_mul(n)?;
    let blocks = 128u64
        .checked_mul(u64::from(r))?
        .checked_mul(u64::from(p))?;
    if p == 0 || r == 0 || memory > YESCRYPT_MAX_MEMORY || blocks > YESCRYPT_MAX_MEMORY {
        return None;
    }
    yescrypt::Params::new_with_all_params(mode, n, r, p, t, g).ok()
}

/// yescrypt's salt decoding: little-endian groups of up to 4 characters, each giving 1 to 3
/// bytes with its spare bits zero, at most 64 bytes.
fn decode64(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for group in s.chunks(4) {
        let (mut value, mut bits) = (0u32, 0u32);
        for &c in group {
            value |= atoi64(c)? << bits;
            bits += 6;
        }
        if bits < 12 {
            return None;
        }
        while bits >= 8 {
            if out.len() >= 64 {
                return None;
            }
            out.push((value & 0xff) as u8);
            value >>= 8;
            bits -= 8;
        }
        if value != 0 {
            return None;
        }
    }
    Some(out)
}

/// yescrypt's encoding of its 32-byte hash: little-endian groups of 3 bytes.
fn encode64(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len().div_ceil(3) * 4);
    for group in src.chunks(3) {
        let mut value = 0u32;
        for (i, &b) in group.iter().enumerate() {
            value |= u32::from(b) << (8 * i);
        }
        for _ in 0..(group.len() * 8).div_ceil(6) {
            push64(&mut out, value);
            value >>= 6;
        }
    }
    out
}

fn push64(out: &mut Vec<u8>, v: u32) {
    out.push(ITOA64.get((v & 0x3f) as usize).copied().unwrap_or(b'.'));
}

/// crypt(3)'s `b64_from_24bit`: `n` characters of `b2 b1 b0`, low bits first.
fn push24(out: &mut Vec<u8>, b2: u8, b1: u8, b0: u8, n: usize) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        push64(out, w);
        w >>= 6;
    }
}

/// The hash text of SHA-256/512-crypt (what follows the salt's `$`).
fn sha_text(sha512: bool, pass: &[u8], salt: &[u8], rounds: u32) -> Option<Vec<u8>> {
    let params = sha_crypt::Params::new(rounds).ok()?;
    let mut out = Vec::with_capacity(86);
    let at = |d: &[u8], i: usize| d.get(i).copied().unwrap_or(0);
    if sha512 {
        let d = sha_crypt::sha512_crypt(pass, salt, params);
        for i in 0..21 {
            let (x, y, z) = (at(&d, i), at(&d, i + 21), at(&d, i + 42));
            match i % 3 {
                0 => push24(&mut out, x, y, z, 4),
                1 => push24(&mut out, y, z, x, 4),
                _ => push24(&mut out, z, x, y, 4),
            }
        }
        push24(&mut out, 0, 0, at(&d, 63), 2);
    } else {
        let d = sha_crypt::sha256_crypt(pass, salt, params);
        for i in 0..10 {
            let (x, y, z) = (at(&d, i), at(&d, i + 10), at(&d, i + 20));
            match i % 3 {
                0 => push24(&mut out, x, y, z, 4),
                1 => push24(&mut out, z, x, y, 4),
                _ => push24(&mut out, y, z, x, 4),
            }
        }
        push24(&mut out, 0, at(&d, 31), at(&d, 30), 3);
    }
    Some(out)
}

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The hash text of MD5-crypt (what follows the salt's `$`): Poul-Henning Kamp's algorithm
/// of FreeBSD 2.0, as libxcrypt computes it.
fn md5_text(pass: &[u8], salt: &[u8]) -> Vec<u8> {
    let alt = md5(&[pass, salt, pass]);
    let mut h = Md5::new();
    h.update(pass);
    h.update(b"$1$");
    h.update(salt);
    // As many bytes of `alt` as the password has, `alt` repeated.
    let mut left = pass.len();
    while left > 0 {
        let n = left.min(16);
        h.update(alt.get(..n).unwrap_or_default());
        left -= n;
    }
    // For each bit of the length, low first: a NUL for a 1, the password's first byte for a 0.
    let first = pass.get(..1).unwrap_or_default();
    let mut bits = pass.len();
    while bits > 0 {
        h.update(if bits & 1 != 0 { &[0u8][..] } else { first });
        bits >>= 1;
    }
    let mut d: [u8; 16] = h.finalize().into();
    for i in 0..1000 {
        let mut h = Md5::new();
        if i & 1 != 0 {
            h.update(pass);
        } else {
            h.update(d);
        }
        if i % 3 != 0 {
            h.update(salt);
        }
        if i % 7 != 0 {
            h.update(pass);
        }
        if i & 1 != 0 {
            h.update(d);
        } else {
            h.update(pass);
        }
        d = h.finalize().into();
    }
    let at = |i: usize| d.get(i).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(22);
    for i in 0..5 {
        let third = if i == 4 { 5 } else { i + 12 };
        push24(&mut out, at(i), at(i + 6), at(third), 4);
    }
    push24(&mut out, 0, 0, at(11), 2);
    out
}

/// The whole 60-character bcrypt string crypt(3) prints.
fn bcrypt_text(version: BcryptVersion, cost: u32, salt: [u8; 16], pass: &[u8]) -> Option<Vec<u8>> {
    let v = match version {
        BcryptVersion::A => bcrypt::Version::TwoA,
        BcryptVersion::B => bcrypt::Version::TwoB,
        BcryptVersion::Y => bcrypt::Version::TwoY,
    };
    let parts = bcrypt::hash_with_salt(pass, cost, salt).ok()?;
    Some(parts.format_for_version(v).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::kw::userlist::scheme_supported;

    /// Hashes of "secret" made on Debian 12 (libxcrypt 4.4.33) with `mkpasswd -m METHOD`,
    /// `openssl passwd` and Perl's `crypt` (the system's crypt(3)).
    const SECRET: &[&str] = &[
        // mkpasswd -m sha-512 / sha-256 / md5crypt / bcrypt / bcrypt-a / yescrypt
        "$6$nnM/C1Fz4fmwYogI$wCxjnYoElVTOgDe9fznuXz/TSR02Yr7kuvjzZnnK.SheouPdWzB8qIYq5.ZkxDrNqA1UfQmrEJ8WpKzYpwb9V0",
        "$5$LdbiX3IhCbAldPrS$r9Kras3XnydLeq.S7j7PfGFCCdykV5v.510qPXh8A35",
        "$1$5xkm7g/A$XTHVBdh7agzxLPkvLwBkf0",
        "$2b$05$Ohodbl5jZNMJd5ZuMWhfeejcrNYTxkXZcEKuPi9FSUXEnuMUaxwaW",
        "$2a$05$tycgz5xeam7v5gy6Twk6P.SyvcrmFjwqeo4wxpkeT1uHl5VqMuyWy",
        "$y$j9T$5g8Ov0Zu3.12dJRj4pusf/$QSImbAi9p4DmmQEV8do1.StIs8EZG7OVpP9y61BA8yC",
        // openssl passwd -6 / -5 / -1
        "$6$lLUSRtJDdxlq09us$lOdnSTlcp0OcvvRmQolAO8KfPucvOY8X8hnOnqQxx2YirIfSyJ94keYuEGBIu5sAtL0NVae5wxOf4vN40AtUj.",
        "$5$o7FOl7Zirt5QZkKj$Jq5.EAZG9Y28LnamHXT0hBFA3a2c6dMJSpr8NFJPej4",
        "$1$Kp.Bt3g2$vj3S/URn/b2PP2yjAAVyA0",
        // perl -e 'print crypt("secret", SETTING)'
        "$6$rounds=5000$salt$egUxKNxDs8kPfh8iPMNcosMhb2eWah6d3R44JDm5Rj/j/XWR5E33QPd0YmHXoDHOIDR6kL5D3JcQcz0O8FHE00",
        "$6$salt$egUxKNxDs8kPfh8iPMNcosMhb2eWah6d3R44JDm5Rj/j/XWR5E33QPd0YmHXoDHOIDR6kL5D3JcQcz0O8FHE00",
        "$6$saltsaltsaltsalt$ph0yGsyjzqdeFaon7.gJZo8eAG5/rj9/JdzOu1Rl7dKzBYg3xgvl7T2VQ2Rt81bc5AXkdA54r0p8QvC1omD6R1",
        "$6$$2M9DchxW4txWyTYoZrH9D3VvAAQxBpEezYsLY6Cao.jwzEXpyL9xwip9hiUZX7GqTqe/E/z6iKvZqXUuqniQH.",
        "$6$a$DkL.VXUfAmPhzDh.OEz4mRpnHS/zKOvB4eLJuV07HjGZRVaYToFFKaEKnIoL.eZI6Vq5tRCyIzPnM6lJn/E7Y0",
        "$5$s$oCJQ8pz2oyl6hgzly.hQ0W7Sgcl8Kr7EadnBpVm7huD",
        "$1$$ysVNzQc4CTMkp5daOdZ.3/",
        "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1",
        "$1$a$41c8gzdxX5iFFuqkeAdoe0",
        "$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a",
        "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
        "$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
        "$y$j9T$$kqN0Js9nF7eERE.51024UC4tcxd3UwTViEvi9nw9G41",
        "$y$j9T$//$tWP/8l8PqlfA5VPud/oJgZedlSvcfz3BYPD93iu.h75",
        "$5$rounds=1000$sixteencharsalt$udI7IPCDWKyZ9GYUrz39IhNWpG2peq/3DzsIJ9fzCY.",
        "$y$jAT$abcd$EgqxJjYQc2FQqWHgup3g8suusJ2PVv0fUpC0XP.d906",
        // the WORM and classic scrypt flavours
        "$y$/9T$abcdefgh$0w5MbwyKfSzpFTjwhwLONwkspBWczk2Ckcse8zasW7/",
        "$y$.9T$abcdefgh$DaKTfMv0ZnqzbUyQ2rVPfOoIJgQ7xqGmOQw55bzjgw4",
        // mkpasswd -m yescrypt -R 3
        "$y$j7T$MpgYRzj9v2LJxewVC25eO1$w3KwQ2QKjUwtVzW.ZFxvamSL0KeDSNklYxlLynzVJFD",
    ];

    /// Other passwords, hashed by Perl's `crypt` on the same system.
    const OTHERS: &[(&[u8], &str)] = &[
        (&[b'a'; 100], "$2b$04$abcdefghijklmnopqrstuuBzzIgyKkz7xMWYSzkIjUSnxEQFQ0WNe"),
        (&[b'a'; 100], "$1$saltsalt$qBcnIlWAJZ/sYLOaQoS7c."),
        (&[b'a'; 100], "$6$rounds=1234$x$beT/ePLh9udRr864lFL0t76cq/7KuCkEGBdsJmAmMr28/aEPOxodIIwaWo7ltbDhm98Jg87Kc/FCRhzod2g2x/"),
        (&[b'a'; 71], "$2b$04$abcdefghijklmnopqrstuuMCu.k1vM/ywQwiONaEn3oEMlZoCVBd6"),
        (&[b'a'; 71], "$1$saltsalt$UU.UZgA3ZWwON1.mRlxoe."),
        (&[b'a'; 71], "$6$rounds=1234$x$zAFVHig.Vv.e6hyEjRlcY4OE8i3OXZXjgIAUB5.cL1FfnNF4/QuYK5nqwARXNDY8n2IS3vCIZl1i6IRLLuk1b."),
        (b"p\xe9ss w\xf6rd", "$2b$04$abcdefghijklmnopqrstuuJGkrGJhut8WNbR9KWttcv9F055ovYyC"),
        (b"p\xe9ss w\xf6rd", "$1$saltsalt$uobGO7MxvUsFbSR/1hmgv0"),
        (b"p\xe9ss w\xf6rd", "$6$rounds=1234$x$fN10yZg0iB7Om1BxXeOyXUDS7v0oaA9RXhJaynxwW/L5Q.DaHmAwrYYF6kTn96HPxKnzCXbd9MNYoJ.mFe.aQ0"),
        (b"p\xe9ss", "$y$j9T$5g8Ov0Zu3.12dJRj4pusf/$qkTb0x/xWMsvl192rDCVAtKuCGZcbz8EX23FKznzPF9"),
        (b"correct horse battery staple is long enough", "$2b$04$abcdefghijklmnopqrstuujG.RrnSY2A7pZiFWgRqjMHY4Rhm04Xu"),
        (b"correct horse battery staple is long enough", "$1$saltsalt$XUpeYcrfPSgXSw.v.GY0P."),
        (b"correct horse battery staple is long enough", "$6$rounds=1234$x$epan72u2C2hwBnE6Kzah6xGK99fwWl7Oh.pXkJ0ispH1r.XqCsKAJA13Y/611cnAXuWZv7NzqDeY/i7pklEGU1"),
        (b"", "$2b$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq"),
        (b"", "$1$saltsalt$5Jhcit4zN9UlGiA0txPkO0"),
        (b"", "$6$rounds=1234$x$etR/edFdZLRgu2BZqh87KX3jghNKa7l4t.Isy2FIF9CEt3b7TyFTvO5wZK09YzoHL8.7VYL7I4rczLX3RMb4a0"),
    ];

    #[test]
    fn long_empty_and_8_bit_passwords_verify_as_crypt_computes_them() {
        for (pass, h) in OTHERS {
            let hash = Hash::parse(h);
            assert!(hash.verify(pass), "{h} refuses {pass:?}");
            assert!(!hash.verify(b"secret"), "{h}");
        }
    }

    #[test]
    fn every_system_hash_of_secret_verifies_secret_only() {
        for h in SECRET {
            let hash = Hash::parse(h);
            assert!(!matches!(hash, Hash::Never), "{h} not parsed");
            assert!(hash.verify(b"secret"), "{h} refuses the password");
            for wrong in [&b"Secret"[..], b"secret ", b"", b"secre"] {
                assert!(!hash.verify(wrong), "{h} accepts {wrong:?}");
            }
            assert_eq!(scheme_supported(h), Ok(()), "{h}");
        }
    }

    #[test]
    fn strings_crypt_would_never_print_never_match() {
        for h in [
            "secret",
            "",
            "*0",
            "$6$rounds=999$salt$egUxKNxDs8kPfh8iPMNcosMhb2eWah6d3R44JDm5Rj/j/XWR5E33QPd0YmHXoDHOIDR6kL5D3JcQcz0O8FHE00",
            "$6$rounds=05000$salt$egUxKNxDs8kPfh8iPMNcosMhb2eWah6d3R44JDm5Rj/j/XWR5E33QPd0YmHXoDHOIDR6kL5D3JcQcz0O8FHE00",
            // a salt over 16 bytes: crypt(3) prints it cut, so never this text.
            "$6$saltsaltsaltsaltXX$ph0yGsyjzqdeFaon7.gJZo8eAG5/rj9/JdzOu1Rl7dKzBYg3xgvl7T2VQ2Rt81bc5AXkdA54r0p8QvC1omD6R1",
            "$6$salt",
            "$6$sa:lt$x",
            "$6$sixteencharsalt!$x",
            "$6$ab c$x",
            "$1$abcdefghi$cHJi5PXp/ki/ktXzqlk6I1",
            "$2b$03$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a",
            "$2b$5$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a",
            "$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0",
            "$y$j9T$5g8Ov0Zu3.12dJRj4pusf",
            "$y$j9TX$5g8Ov0Zu3.12dJRj4pusf/$QSImbAi9p4DmmQEV8do1.StIs8EZG7OVpP9y61BA8yC",
            "$9$abc",
        ] {
            assert!(!Hash::parse(h).verify(b"secret"), "{h}");
        }
        // The hash part must be the exact text crypt(3) prints.
        let padded = format!("{}x", SECRET[0]);
        assert!(!Hash::parse(&padded).verify(b"secret"));
    }

    #[test]
    fn a_noncanonical_bcrypt_salt_never_matches() {
        // crypt(3) prints the salt's last character canonically ('u', not 'v').
        let h = "$2b$04$abcdefghijklmnopqrstuv2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW";
        assert!(!Hash::parse(h).verify(b"secret"));
    }

    #[test]
    fn passwords_of_512_bytes_or_more_never_match() {
        let long = vec![b'a'; 511];
        let text = sha_text(true, &long, b"salt", 5000).unwrap();
        let stored = format!("$6$salt${}", String::from_utf8(text).unwrap());
        assert!(Hash::parse(&stored).verify(&long));
        let longer = vec![b'a'; 512];
        let text = sha_text(true, &longer, b"salt", 5000).unwrap();
        let stored = format!("$6$salt${}", String::from_utf8(text).unwrap());
        assert!(!Hash::parse(&stored).verify(&longer));
    }

    #[test]
    fn bcrypt_uses_the_first_72_bytes_only() {
        // Perl's crypt of 100 "a", above.
        let h = Hash::parse(OTHERS[0].1);
        assert!(h.verify(&[b'a'; 72]));
        assert!(!h.verify(&[b'a'; 71]));
    }

    #[test]
    fn yescrypt_salts_decode_as_libxcrypt_does() {
        assert_eq!(decode64(b""), Some(vec![]));
        assert_eq!(decode64(b"."), None, "6 bits make no byte");
        assert_eq!(decode64(b"/."), Some(vec![1]));
        assert_eq!(decode64(b"//"), Some(vec![0x41]));
        assert_eq!(decode64(b".z"), None, "spare bits must be zero");
        assert_eq!(
            decode64(&[b'z'; 86]).map(|v| v.len()),
            None,
            "over 64 bytes"
        );
        assert_eq!(decode64(&[b'.'; 84]).map(|v| v.len()), Some(63));
        assert_eq!(decode64(b"ab$c"), None);
        let bytes: Vec<u8> = (0u8..40).collect();
        assert_eq!(decode64(&encode64(&bytes)), Some(bytes));
    }

    #[test]
    fn yescrypt_params_refuse_what_cannot_be_computed() {
        let mut pos = 0;
        let p = yescrypt_params(b"j9T$", &mut pos).unwrap();
        assert_eq!((p.n(), p.r(), p.p(), pos), (4096, 32, 1, 3));
        // N = 2^63: far over the memory cap.
        assert!(yescrypt_params(b"jzT$", &mut 0).is_none());
        // An unknown flavour.
        assert!(yescrypt_params(b"i9T$", &mut 0).is_none());
        // Truncated numbers and bytes outside the alphabet.
        assert!(yescrypt_params(b"z", &mut 0).is_none());
        assert!(yescrypt_params("j9\u{e9}$".as_bytes(), &mut 0).is_none());
    }

    #[test]
    fn arbitrary_stored_strings_and_passwords_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let prefixes = [
            "$6$",
            "$5$",
            "$1$",
            "$2b$04$",
            "$y$",
            "$y$j9T$",
            "$6$rounds=",
        ];
        for _ in 0..300 {
            let prefix = prefixes[(next() % prefixes.len() as u64) as usize];
            let len = (next() % 40) as usize;
            let tail: String = (0..len)
                .map(|_| char::from(b"$./:az09AZ\n=j9T"[(next() % 15) as usize]))
                .collect();
            let stored = format!("{prefix}{tail}");
            let hash = Hash::parse(&stored);
            if !matches!(hash, Hash::Yescrypt { .. }) {
                let _ = hash.verify(b"pw");
            }
        }
    }

    #[test]
    fn schemes_we_cannot_verify_are_refused_by_the_config() {
        for h in [
            "abNANd1rDfiNc",
            "_J9..abcd/H6HLCcf7nw",
            "$2x$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a",
            "$gy$j9T$GMVRq6oaX2XU6iPfy1RUu/$SwYIlpUJTtgUlWmNAaGRjYi8Kmcpdhfqq0jhBagBiZ2",
            "$7$CU..../....9/raB.zYZTvxSH9InQnyi.$.Ixp5zpU.VvMPuFWbcvz1BzHcinoHEViPik76pF26N5",
            "$3$$878d8014606cda29677a44efa1353fc7",
            "$md5,rounds=86895$dbdRAf0X$$PG/QoJTvG.LC25snk/ZGS0",
            "$sha1$10$abc$7SVoifuQvl/GZ.3fk35zBDZnG5HN",
        ] {
            assert!(scheme_supported(h).is_err(), "{h}");
            assert!(matches!(Hash::parse(h), Hash::Never), "{h}");
        }
    }
}
