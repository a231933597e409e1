//! `userlist` sections at run time (configuration.txt 3.4 "Userlists") for the fetches
//! `http_auth(L)`, `http_auth_group(L)`, `http_auth_user`, `http_auth_pass`, `http_auth_type`
//! and `http_auth_bearer` (7.3.6): the users' password check (HAProxy's `check_user()` in
//! src/auth.c), their groups (`pat_match_auth()`), and the `Authorization` header
//! ([`parse_authorization`], HAProxy's `get_http_auth()`).
//!
//! Compiled once from [`crate::config::model::Userlist`]; checking never re-parses a hash.
//! Pure: no tokio, no I/O, nothing from `proxy`. The hashes are in `userlist/crypt.rs`, the
//! header in `userlist/authorization.rs`.
//!
//! Note for callers: a bcrypt, yescrypt or SHA-crypt check costs milliseconds of CPU (bcrypt
//! cost 10 or yescrypt's default: tens of milliseconds, and yescrypt 16 MiB of memory).
//! HAProxy runs it inline on its thread for every request that evaluates `http_auth`.

mod authorization;
mod crypt;

pub use authorization::{
    auth_type, basic_credentials, parse_authorization, Authorization, Credentials,
};

use crate::config::model::Userlist;
use crypt::Hash;

/// Every `userlist` of the configuration, compiled.
#[derive(Debug, Clone, Default)]
pub struct Userlists {
    lists: Vec<CompiledUserlist>,
}

impl Userlists {
    /// Compiles the configuration's userlists (done once at start). The configuration has
    /// already refused unknown group or user names and unsupported hash schemes; here an
    /// unknown name is ignored and a hash crypt(3) could not reproduce never matches.
    pub fn compile(userlists: &[Userlist]) -> Userlists {
        Userlists {
            lists: userlists.iter().map(CompiledUserlist::compile).collect(),
        }
    }

    /// The userlist of that name, as `http_auth(L)` names it.
    pub fn get(&self, name: &str) -> Option<&CompiledUserlist> {
        self.lists.iter().find(|l| l.name == name)
    }
}

/// One `userlist`, ready to check credentials.
#[derive(Debug, Clone)]
pub struct CompiledUserlist {
    name: String,
    /// Group names, in declaration order.
    groups: Vec<String>,
    users: Vec<User>,
}

#[derive(Clone)]
struct User {
    name: Vec<u8>,
    password: Password,
    /// Indexes into the userlist's `groups`, sorted, without duplicates.
    groups: Vec<usize>,
}

impl std::fmt::Debug for User {
    // The password never reaches a log (STYLE.md).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &String::from_utf8_lossy(&self.name))
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum Password {
    /// `insecure-password`: compared as plain text.
    Insecure(Vec<u8>),
    /// `password`: a crypt(3) hash.
    Hashed(Hash),
}

impl CompiledUserlist {
    fn compile(ul: &Userlist) -> CompiledUserlist {
        let groups: Vec<String> = ul.groups.iter().map(|(g, _)| g.clone()).collect();
        let index = |name: &str| groups.iter().position(|g| g == name);
        let users = ul
            .users
            .iter()
            .map(|u| {
                let mut member: Vec<usize> = u.groups.iter().filter_map(|g| index(g)).collect();
                for (gi, (_, names)) in ul.groups.iter().enumerate() {
                    if names.contains(&u.name) {
                        member.push(gi);
                    }
                }
                member.sort_unstable();
                member.dedup();
                let password = if u.insecure {
                    Password::Insecure(u.password.as_bytes().to_vec())
                } else {
                    Password::Hashed(Hash::parse(&u.password))
                };
                User {
                    name: u.name.as_bytes().to_vec(),
                    password,
                    groups: member,
                }
            })
            .collect();
        CompiledUserlist {
            name: ul.name.clone(),
            groups,
            users,
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn user(&self, user: &[u8]) -> Option<&User> {
        let user = c_str(user);
        self.users.iter().find(|u| u.name == user)
    }

    /// HAProxy's `check_user()`: the user exists and the password is right, compared as plain
    /// text for `insecure-password`, else `crypt(pass, hash) == hash`. Both are taken as C
    /// strings (cut at a first NUL), as HAProxy does; any bytes, UTF-8 or not, are fine.
    pub fn check(&self, user: &[u8], pass: &[u8]) -> bool {
        let Some(u) = self.user(user) else {
            return false;
        };
        let pass = c_str(pass);
        match &u.password {
            Password::Insecure(p) => crypt::ct_eq(pass, p),
            Password::Hashed(h) => h.verify(pass),
        }
    }

    /// The groups `user` belongs to, in their declaration order, from both `user ... groups`
    /// and `group ... users`. Empty for an unknown user. Does not check the password.
    pub fn groups_of(&self, user: &[u8]) -> Vec<&str> {
        self.user(user)
            .map(|u| {
                u.groups
                    .iter()
                    .filter_map(|&i| self.groups.get(i).map(String::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// HAProxy's `pat_match_auth()` for `http_auth_group(L) G1 G2 ...`: the first group of
    /// `wanted`, in its order, that `user` belongs to. Does not check the password:
    /// `http_auth_group` only yields the user name once [`check`](Self::check) passed.
    pub fn in_group<'w, S: AsRef<str>>(&self, user: &[u8], wanted: &'w [S]) -> Option<&'w str> {
        let u = self.user(user)?;
        wanted.iter().map(AsRef::as_ref).find(|w| {
            u.groups
                .iter()
                .any(|&i| self.groups.get(i).is_some_and(|g| g == w))
        })
    }
}

/// The bytes before the first NUL, as C's string functions see them.
fn c_str(s: &[u8]) -> &[u8] {
    s.split(|&b| b == 0).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_texts;

    fn compile(text: &str) -> Userlists {
        let l = load_texts(&[("u.cfg", text)], &|_| None).unwrap();
        Userlists::compile(&l.config.userlists)
    }

    const CFG: &str = "\
userlist L
  group admins users carol
  group ops
  group dev users carol,alice
  user alice password $1$saltsalt$5Jhcit4zN9UlGiA0txPkO0 groups ops
  user bob insecure-password s3cret groups admins,ops
  user carol password $6$salt$egUxKNxDs8kPfh8iPMNcosMhb2eWah6d3R44JDm5Rj/j/XWR5E33QPd0YmHXoDHOIDR6kL5D3JcQcz0O8FHE00
  user dave insecure-password \"\"
userlist M
  user alice insecure-password other
";

    #[test]
    fn userlists_are_found_by_name() {
        let uls = compile(CFG);
        assert_eq!(uls.get("L").map(CompiledUserlist::name), Some("L"));
        assert!(uls.get("M").is_some());
        assert!(uls.get("N").is_none());
        assert!(uls.get("").is_none());
    }

    #[test]
    fn insecure_passwords_compare_as_plain_text() {
        let l = compile(CFG);
        let l = l.get("L").unwrap();
        assert!(l.check(b"bob", b"s3cret"));
        assert!(!l.check(b"bob", b"S3cret"));
        assert!(!l.check(b"bob", b"s3cret "));
        assert!(!l.check(b"bob", b""));
        assert!(
            l.check(b"dave", b""),
            "an empty insecure password matches empty"
        );
        assert!(!l.check(b"dave", b"x"));
    }

    #[test]
    fn hashed_passwords_go_through_crypt() {
        let l = compile(CFG);
        let l = l.get("L").unwrap();
        assert!(
            l.check(b"alice", b""),
            "alice's MD5 hash is of the empty password"
        );
        assert!(!l.check(b"alice", b"secret"));
        assert!(l.check(b"carol", b"secret"));
        assert!(
            !l.check(b"carol", b"$6$salt$egUx"),
            "the hash is no password"
        );
    }

    #[test]
    fn each_userlist_has_its_own_users() {
        let l = compile(CFG);
        assert!(l.get("M").unwrap().check(b"alice", b"other"));
        assert!(!l.get("M").unwrap().check(b"bob", b"s3cret"));
        assert!(!l.get("L").unwrap().check(b"alice", b"other"));
    }

    #[test]
    fn unknown_users_and_odd_bytes_never_match() {
        let l = compile(CFG);
        let l = l.get("L").unwrap();
        assert!(!l.check(b"mallory", b"s3cret"));
        assert!(!l.check(b"", b""));
        assert!(!l.check(b"\xff\xfe", b"\x80"));
        assert!(!l.check(b"Bob", b"s3cret"), "user names are case-sensitive");
    }

    #[test]
    fn user_and_password_are_cut_at_a_nul_like_c_strings() {
        let l = compile(CFG);
        let l = l.get("L").unwrap();
        assert!(l.check(b"bob\0x", b"s3cret\0junk"));
        assert!(!l.check(b"bo\0b", b"s3cret"));
    }

    #[test]
    fn groups_come_from_both_user_and_group_lines() {
        let l = compile(CFG);
        let l = l.get("L").unwrap();
        assert_eq!(l.groups_of(b"alice"), vec!["ops", "dev"]);
        assert_eq!(l.groups_of(b"bob"), vec!["admins", "ops"]);
        assert_eq!(l.groups_of(b"carol"), vec!["admins", "dev"]);
        assert!(l.groups_of(b"dave").is_empty());
        assert!(l.groups_of(b"mallory").is_empty());
    }

    #[test]
    fn in_group_returns_the_first_wanted_group_the_user_is_in() {
        let l = compile(CFG);
        let l = l.get("L").unwrap();
        assert_eq!(l.in_group(b"carol", &["ops", "dev", "admins"]), Some("dev"));
        assert_eq!(l.in_group(b"carol", &["admins", "dev"]), Some("admins"));
        assert_eq!(l.in_group(b"alice", &["admins"]), None);
        assert_eq!(l.in_group(b"alice", &[] as &[&str]), None);
        assert_eq!(l.in_group(b"mallory", &["ops"]), None);
        let wanted = vec![String::from("nosuch"), String::from("ops")];
        assert_eq!(l.in_group(b"bob", &wanted), Some("ops"));
    }

    #[test]
    fn debug_output_shows_no_password() {
        let l = compile(CFG);
        let text = format!("{l:?}");
        assert!(!text.contains("s3cret") && !text.contains("egUx"), "{text}");
    }
}
