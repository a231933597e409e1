//! `userlist` sections (configuration.txt 3.4): `user NAME [password|insecure-password
//! PASS] [groups G,...]` and `group NAME [users U,...]`.

use super::Keyword;
use crate::config::diag::Diags;
use crate::config::model::{UserEntry, Userlist};
use crate::config::section::Section;

/// `userlist` keywords are parsed by [`parse_userlist`]; none belong to proxies.
pub static KEYWORDS: &[Keyword] = &[];

/// Parses a whole `userlist` section.
pub fn parse_userlist(s: &Section, diags: &mut Diags) -> Userlist {
    let mut ul = Userlist {
        name: s.name.clone().unwrap_or_default(),
        ..Userlist::default()
    };
    for line in &s.lines {
        match line.keyword() {
            "user" => {
                let Some(name) = line.word(1) else {
                    diags.alert(&line.loc, "user", "'user' expects <name> as argument.");
                    continue;
                };
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
                        "password" => u.password = v.to_string(),
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
                        other => {
                            let msg = format!("'user' only supports 'password', 'insecure-password' and 'groups' (got '{other}').");
                            diags.alert(&line.loc, "user", msg);
                            break;
                        }
                    }
                    i += 2;
                }
                ul.users.push(u);
            }
            "group" => {
                let Some(name) = line.word(1) else {
                    diags.alert(&line.loc, "group", "'group' expects <name> as argument.");
                    continue;
                };
                let users = match (line.word(2), line.word(3)) {
                    (Some("users"), Some(list)) => list
                        .split(',')
                        .filter(|u| !u.is_empty())
                        .map(str::to_string)
                        .collect(),
                    _ => Vec::new(),
                };
                ul.groups.push((name.to_string(), users));
            }
            other => {
                let msg = format!("unknown keyword '{other}' in 'userlist' section");
                diags.alert(&line.loc, other, msg);
            }
        }
    }
    ul
}
