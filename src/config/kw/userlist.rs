//! `userlist` sections (configuration.txt 3.4): `user NAME [password|insecure-password
//! PASS] [groups G,...]` and `group NAME [users U,...]`, with HAProxy's messages, and the
//! name checks of HAProxy's `userlist_postinit()` ([`resolve`]).
//!
//! HAProxy 2.6 accepts any `password` string that the system's crypt(3) does not return NULL
//! for, which on Debian (libxcrypt) is every string: a value crypt(3) cannot reproduce just
//! never matches. We verify hashes in pure Rust (`sample/userlist/crypt.rs`), so a hash of a
//! scheme we cannot verify is refused here ([`scheme_supported`]) instead of never matching.

use super::Keyword;
use crate::config::diag::{Diags, Level};
use crate::config::lexer::Line;
use crate::config::model::{UserEntry, Userlist};
use crate::config::section::Section;

/// `userlist` keywords are parsed by [`parse_userlist`]; none belong to proxies.
pub static KEYWORDS: &[Keyword] = &[];

fn bare(diags: &mut Diags, level: Level, line: &Line, msg: String) {
    diags.global(level, format!("parsing [{}]: {msg}", line.loc));
}

/// Parses a whole `userlist` section. `None` when a userlist of that name already exists
/// (HAProxy ignores the duplicate with a warning).
pub fn parse_userlist(s: &Section, existing: &[Userlist], diags: &mut Diags) -> Option<Userlist> {
    let name = s.name.clone().unwrap_or_default();
    if existing.iter().any(|u| u.name == name) {
        let msg = format!(
            "parsing [{}]: ignoring duplicated userlist '{name}'.",
            s.loc
        );
        diags.global(Level::Warning, msg);
        return None;
    }
    let mut ul = Userlist {
        name,
        ..Userlist::default()
    };
    for line in &s.lines {
        match line.keyword() {
            "user" => user(&mut ul, line, diags),
            "group" => group(&mut ul, line, diags),
            other => {
                let msg = format!("unknown keyword '{other}' in 'users' section");
                bare(diags, Level::Alert, line, msg);
            }
        }
    }
    Some(ul)
}

fn user(ul: &mut Userlist, line: &Line, diags: &mut Diags) {
    let Some(name) = line.word(1) else {
        bare(
            diags,
            Level::Alert,
            line,
            "'user' expects <name> as arguments.".into(),
        );
        return;
    };
    if ul.users.iter().any(|u| u.name == name) {
        let msg = format!(
            "ignoring duplicated user '{name}' in userlist '{}'.",
            ul.name
        );
        bare(diags, Level::Warning, line, msg);
        return;
    }
    let mut u = UserEntry {
        name: name.to_string(),
        password: String::new(),
        insecure: false,
        groups: Vec::new(),
    };
    let mut i = 2;
    while let Some(w) = line.word(i) {
        let v = line.word(i + 1).unwrap_or("");
        match w {
            "password" => {
                if let Err(scheme) = scheme_supported(v) {
                    let msg = format!(
                        "the encrypted password used for user '{}' uses the {scheme} crypt(3) scheme, which is not supported yet.",
                        u.name
                    );
                    bare(diags, Level::Alert, line, msg);
                    return;
                }
                u.password = v.to_string();
            }
            "insecure-password" => {
                u.password = v.to_string();
                u.insecure = true;
            }
            "groups" => {
                u.groups = v
                    .split(',')
                    .filter(|g| !g.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            _ => {
                let msg =
                    "'user' only supports 'password', 'insecure-password' and 'groups' options.";
                bare(diags, Level::Alert, line, msg.into());
                return;
            }
        }
        i += 2;
    }
    ul.users.push(u);
}

fn group(ul: &mut Userlist, line: &Line, diags: &mut Diags) {
    let Some(name) = line.word(1) else {
        bare(
            diags,
            Level::Alert,
            line,
            "'group' expects <name> as arguments.".into(),
        );
        return;
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':')))
    {
        let msg = format!("character '{c}' is not permitted in 'group' name '{name}'.");
        bare(diags, Level::Alert, line, msg);
        return;
    }
    if ul.groups.iter().any(|(g, _)| g == name) {
        let msg = format!(
            "ignoring duplicated group '{name}' in userlist '{}'.",
            ul.name
        );
        bare(diags, Level::Warning, line, msg);
        return;
    }
    let mut users = Vec::new();
    let mut i = 2;
    while let Some(w) = line.word(i) {
        if w != "users" {
            bare(
                diags,
                Level::Alert,
                line,
                "'group' only supports 'users' option.".into(),
            );
            return;
        }
        // A second `users` replaces the first, as in HAProxy.
        let list = line.word(i + 1).unwrap_or("");
        users = list
            .split(',')
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect();
        i += 2;
    }
    ul.groups.push((name.to_string(), users));
}

/// The crypt(3) alphabet.
const ITOA64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether a `password` hash is of a scheme we verify, judged by its prefix (and, for the
/// DES family, which has none, by its length and alphabet). `Err` names a scheme Debian's
/// crypt(3) knows but we do not verify. Any other string is `Ok`: crypt(3) cannot reproduce
/// it, so it never matches, in HAProxy as here. Verified: `$1$` MD5, `$5$` SHA-256, `$6$`
/// SHA-512, `$2a$`/`$2b$`/`$2y$` bcrypt, `$y$` yescrypt (`sample/userlist/crypt.rs`).
pub fn scheme_supported(hash: &str) -> Result<(), String> {
    const REFUSED: &[(&str, &str)] = &[
        ("$2x$", "bcrypt $2x$"),
        ("$gy$", "gost-yescrypt"),
        ("$7$", "scrypt"),
        ("$3$", "NT-Hash"),
        ("$md5", "SunMD5"),
        ("$sha1$", "sha1crypt"),
    ];
    if let Some((_, name)) = REFUSED.iter().find(|(p, _)| hash.starts_with(p)) {
        return Err((*name).to_string());
    }
    let b = hash.as_bytes();
    let alphabet = |s: &[u8]| s.iter().all(|c| ITOA64.contains(c));
    // BSDi: '_', 4 characters of rounds, 4 of salt, 11 of hash.
    if b.len() == 20 && b.first() == Some(&b'_') && alphabet(b.get(1..).unwrap_or_default()) {
        return Err("BSDi extended DES".into());
    }
    // Traditional DES (13 characters) and bigcrypt (11 more per 8 bytes of password).
    if b.len() >= 13 && (b.len() - 13).is_multiple_of(11) && alphabet(b) {
        return Err("DES".into());
    }
    Ok(())
}

/// HAProxy's `userlist_postinit()`: every group a `user` line names and every user a `group`
/// line names must exist. Like HAProxy, reports only the first error, walking userlists and
/// their users and groups from the last declared, and returns false then.
pub fn resolve(userlists: &[Userlist], diags: &mut Diags) -> bool {
    for ul in userlists.iter().rev() {
        let group_exists = |g: &str| ul.groups.iter().any(|(n, _)| n == g);
        for u in ul.users.iter().rev() {
            if let Some(g) = u.groups.iter().find(|g| !group_exists(g)) {
                let msg = format!(
                    "userlist '{}': no such group '{g}' specified in user '{}'",
                    ul.name, u.name
                );
                diags.global(Level::Alert, msg);
                return false;
            }
        }
        for (g, users) in ul.groups.iter().rev() {
            if let Some(u) = users
                .iter()
                .find(|u| !ul.users.iter().any(|x| x.name == **u))
            {
                let msg = format!(
                    "userlist '{}': no such user '{u}' specified in group '{g}'",
                    ul.name
                );
                diags.global(Level::Alert, msg);
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::scheme_supported;
    use crate::config::load_texts;

    fn alerts(text: &str) -> Vec<String> {
        match load_texts(&[("u.cfg", text)], &|_| None) {
            Ok(_) => Vec::new(),
            Err(d) => d.render(1).lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn verified_schemes_and_strings_crypt_never_reproduces_are_accepted() {
        for h in [
            "$6$salt$x",
            "$5$rounds=1000$s$x",
            "$1$s$x",
            "$2b$05$x",
            "$2a$05$x",
            "$2y$05$x",
            "$y$j9T$s$x",
            "secret",
            "",
            "*",
            "$9$x",
            "_short",
            "abcdefghijkl",
        ] {
            assert_eq!(scheme_supported(h), Ok(()), "{h}");
        }
    }

    #[test]
    fn schemes_we_cannot_verify_are_named() {
        assert_eq!(scheme_supported("abNANd1rDfiNc"), Err("DES".into()));
        assert_eq!(
            scheme_supported("abHr9elwESrHsxOcFHtlCJuE3.UIhJFvAuM"),
            Err("DES".into())
        );
        assert_eq!(
            scheme_supported("_J9..abcd/H6HLCcf7nw"),
            Err("BSDi extended DES".into())
        );
        assert_eq!(scheme_supported("$2x$05$abc"), Err("bcrypt $2x$".into()));
        assert_eq!(scheme_supported("$7$CU..../....9"), Err("scrypt".into()));
    }

    #[test]
    fn an_unsupported_scheme_is_an_alert_naming_the_line() {
        let text = "userlist L\n user a password abNANd1rDfiNc\n";
        let out = alerts(text);
        assert!(
            out.iter().any(|l| l.ends_with(
                "parsing [u.cfg:2]: the encrypted password used for user 'a' uses the DES crypt(3) scheme, which is not supported yet."
            )),
            "{out:?}"
        );
    }

    #[test]
    fn unknown_groups_and_users_are_refused_like_haproxy() {
        let out = alerts("userlist L\n user a insecure-password x groups G1,nosuch\n group G1\n");
        assert_eq!(
            out,
            vec![
                "[ALERT]    (1) : config : userlist 'L': no such group 'nosuch' specified in user 'a'",
                "[ALERT]    (1) : config : Fatal errors found in configuration.",
            ]
        );
        let out = alerts("userlist L\n user a insecure-password x\n group G1 users a,nobody\n");
        assert_eq!(
            out.first().map(String::as_str),
            Some("[ALERT]    (1) : config : userlist 'L': no such user 'nobody' specified in group 'G1'")
        );
    }

    #[test]
    fn a_second_users_option_replaces_the_first() {
        let text = "userlist L\n user a insecure-password x\n user b insecure-password x\n group G users a users b\n";
        let l = load_texts(&[("u.cfg", text)], &|_| None).unwrap();
        assert_eq!(l.config.userlists[0].groups[0].1, vec!["b".to_string()]);
    }

    #[test]
    fn users_and_groups_are_kept() {
        let text = "userlist L\n group admins users alice\n user alice password $6$x groups admins\n user bob insecure-password pw\n";
        let l = load_texts(&[("u.cfg", text)], &|_| None).unwrap();
        let ul = &l.config.userlists[0];
        assert_eq!(ul.name, "L");
        assert_eq!(
            ul.groups,
            vec![("admins".to_string(), vec!["alice".to_string()])]
        );
        assert_eq!(ul.users[0].groups, vec!["admins".to_string()]);
        assert!(!ul.users[0].insecure && ul.users[1].insecure);
        assert_eq!(ul.users[1].password, "pw");
    }
}
