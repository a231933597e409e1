//! `userlist` sections (configuration.txt 3.4): `user NAME [password|insecure-password
//! PASS] [groups G,...]` and `group NAME [users U,...]`, with HAProxy's messages.

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
        let list = line.word(i + 1).unwrap_or("");
        users.extend(
            list.split(',')
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        );
        i += 2;
    }
    ul.groups.push((name.to_string(), users));
}

#[cfg(test)]
mod tests {
    use crate::config::load_texts;

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
