//! ACL pattern sets (configuration.txt 7.1.1 to 7.1.6; HAProxy 2.6's pattern.c): the patterns
//! of one ACL expression, indexed once so that a large list or `-f` file is a lookup: exact
//! strings in a hash set, prefixes and suffixes by length, addresses by prefix length; the
//! other methods (`sub`, `dir`, `dom`, `reg`, `bin`, integer ranges) scan their list, as
//! HAProxy's do.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use regex_automata::meta::Regex;

use super::value::Value;
use crate::config::model::{AclExpr, Match, Pattern};

/// The compiled patterns of one ACL expression.
#[derive(Debug)]
pub struct PatSet {
    how: Match,
    icase: bool,
    strs: HashSet<Vec<u8>>,
    lens: Vec<usize>,
    list: Vec<Vec<u8>>,
    ranges: Vec<(Option<i64>, Option<i64>)>,
    v4: BTreeMap<u8, HashSet<u32>>,
    v6: BTreeMap<u8, HashSet<u128>>,
    regexes: Vec<Regex>,
}

fn fold(icase: bool, b: &[u8]) -> Vec<u8> {
    if icase {
        b.to_ascii_lowercase()
    } else {
        b.to_vec()
    }
}

impl PatSet {
    /// Builds the set of an ACL expression. Regexes that do not compile here are left out
    /// (the configuration checked them at load).
    pub fn build(a: &AclExpr) -> PatSet {
        let mut p = PatSet {
            how: a.how,
            icase: a.ignore_case,
            strs: HashSet::new(),
            lens: Vec::new(),
            list: Vec::new(),
            ranges: Vec::new(),
            v4: BTreeMap::new(),
            v6: BTreeMap::new(),
            regexes: Vec::new(),
        };
        for pat in &a.patterns {
            match pat {
                Pattern::Str(s) => p.add_str(s),
                Pattern::Range(lo, hi) => p.ranges.push((*lo, *hi)),
                Pattern::Bin(b) => p.list.push(b.clone()),
                Pattern::Net(n) => match n.addr {
                    IpAddr::V4(v) => {
                        let pl = n.prefix.min(32);
                        let m = u32::MAX.checked_shl(32 - u32::from(pl)).unwrap_or(0);
                        p.v4.entry(pl).or_default().insert(u32::from(v) & m);
                    }
                    IpAddr::V6(v) => {
                        let pl = n.prefix.min(128);
                        let m = u128::MAX.checked_shl(128 - u32::from(pl)).unwrap_or(0);
                        p.v6.entry(pl).or_default().insert(u128::from(v) & m);
                    }
                },
            }
        }
        p.lens.sort_unstable();
        p.lens.dedup();
        p
    }

    fn add_str(&mut self, s: &str) {
        let b = fold(self.icase, s.as_bytes());
        match self.how {
            Match::Str | Match::Beg | Match::End => {
                self.lens.push(b.len());
                self.strs.insert(b);
            }
            Match::Reg | Match::Regm => {
                let syntax = regex_automata::util::syntax::Config::new()
                    .case_insensitive(self.icase)
                    .utf8(false);
                if let Ok(re) = Regex::builder().syntax(syntax).build(s) {
                    self.regexes.push(re);
                }
            }
            _ => self.list.push(b),
        }
    }

    /// Whether one sample matches.
    pub fn matches(&self, v: &Value<'_>) -> bool {
        match self.how {
            Match::Found => true,
            Match::Bool => v.to_int().is_some_and(|i| i != 0),
            Match::Int => v.to_int().is_some_and(|i| self.in_ranges(i)),
            Match::Len => v
                .clone()
                .into_bytes()
                .is_some_and(|b| self.in_ranges(b.len() as i64)),
            Match::Ip => self.ip(v),
            Match::Bin => v
                .clone()
                .cast(crate::config::model::SmpT::Bin)
                .and_then(|b| match b {
                    Value::Bin(b) => Some(self.list.iter().any(|p| p[..] == b[..])),
                    _ => None,
                })
                .unwrap_or(false),
            _ => {
                let Some(b) = v.clone().into_bytes() else {
                    return false;
                };
                self.string(&b)
            }
        }
    }

    fn in_ranges(&self, i: i64) -> bool {
        self.ranges
            .iter()
            .any(|(lo, hi)| lo.is_none_or(|l| i >= l) && hi.is_none_or(|h| i <= h))
    }

    fn ip(&self, v: &Value<'_>) -> bool {
        let addr = match v {
            Value::Ipv4(a) => IpAddr::V4(*a),
            Value::Ipv6(a) => IpAddr::V6(*a),
            other => match other
                .clone()
                .into_bytes()
                .and_then(|b| super::http::parse_ip(&b))
            {
                Some(a) => a,
                None => return false,
            },
        };
        let v4 = match addr {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(a) => a.to_ipv4_mapped(),
        };
        if let Some(a) = v4 {
            let x = u32::from(a);
            if self.v4.iter().any(|(pl, set)| {
                set.contains(&(x & u32::MAX.checked_shl(32 - u32::from(*pl)).unwrap_or(0)))
            }) {
                return true;
            }
        }
        let x = match addr {
            IpAddr::V6(a) => u128::from(a),
            IpAddr::V4(a) => u128::from(a.to_ipv6_mapped()),
        };
        self.v6.iter().any(|(pl, set)| {
            set.contains(&(x & u128::MAX.checked_shl(128 - u32::from(*pl)).unwrap_or(0)))
        })
    }

    fn string(&self, b: &[u8]) -> bool {
        let s = fold(self.icase, b);
        match self.how {
            Match::Str => self.strs.contains(&s),
            Match::Beg => self
                .lens
                .iter()
                .any(|&l| s.get(..l).is_some_and(|p| self.strs.contains(p))),
            Match::End => self.lens.iter().any(|&l| {
                s.len()
                    .checked_sub(l)
                    .and_then(|i| s.get(i..))
                    .is_some_and(|p| self.strs.contains(p))
            }),
            Match::Sub => self.list.iter().any(|p| find(&s, p)),
            Match::Dir => self.list.iter().any(|p| word(&s, p, b"/?")),
            Match::Dom => self.list.iter().any(|p| word(&s, p, b"/?.:")),
            Match::Reg | Match::Regm => self.regexes.iter().any(|r| r.is_match(b)),
            _ => false,
        }
    }
}

fn find(h: &[u8], n: &[u8]) -> bool {
    n.is_empty() || h.windows(n.len()).any(|w| w == n)
}

/// HAProxy's `match_word`: `p` (without its own leading and trailing delimiters) occurs in
/// `s` between delimiters or the ends.
fn word(s: &[u8], p: &[u8], delims: &[u8]) -> bool {
    let is_d = |c: &u8| delims.contains(c);
    let start = p.iter().position(|c| !is_d(c)).unwrap_or(p.len());
    let end = p.iter().rposition(|c| !is_d(c)).map_or(start, |i| i + 1);
    let p = p.get(start..end).unwrap_or_default();
    if p.is_empty() {
        return false;
    }
    (0..=s.len().saturating_sub(p.len())).any(|i| {
        s.get(i..i + p.len()) == Some(p)
            && (i == 0 || s.get(i - 1).is_some_and(is_d))
            && s.get(i + p.len()).is_none_or(is_d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::kw::sample::acl::parse_acl_expr;

    fn set(criterion: &str, words: &str) -> PatSet {
        let w: Vec<String> = words.split_whitespace().map(String::from).collect();
        PatSet::build(&parse_acl_expr(criterion, &w, &|_| Err(String::new())).unwrap())
    }

    #[test]
    fn strings_prefixes_and_suffixes_are_lookups() {
        let s = set("path_beg", "-i /API /static");
        assert!(s.matches(&Value::string("/api/x")));
        assert!(!s.matches(&Value::string("/ap")));
        let e = set("path_end", ".jpg .png");
        assert!(e.matches(&Value::string("/a.png")));
        assert!(!e.matches(&Value::string("/a.PNG")));
    }

    #[test]
    fn domains_and_dirs_match_whole_words() {
        let d = set("hdr_dom(host)", "example.com");
        assert!(d.matches(&Value::string("www.example.com")));
        assert!(d.matches(&Value::string("example.com:80")));
        assert!(!d.matches(&Value::string("badexample.com")));
        let r = set("path_dir", "img");
        assert!(r.matches(&Value::string("/img/a.png")));
        assert!(!r.matches(&Value::string("/images/a")));
    }

    #[test]
    fn networks_match_by_longest_prefixes() {
        let n = set("src", "10.0.0.0/8 192.168.1.1 2001:db8::/32");
        assert!(n.matches(&Value::ip("10.1.2.3".parse().unwrap())));
        assert!(n.matches(&Value::ip("::ffff:192.168.1.1".parse().unwrap())));
        assert!(!n.matches(&Value::ip("192.168.1.2".parse().unwrap())));
        assert!(n.matches(&Value::ip("2001:db8::1".parse().unwrap())));
    }

    #[test]
    fn integers_match_ranges() {
        let i = set("req.hdr_cnt(x)", "2:3");
        assert!(i.matches(&Value::Sint(3)));
        assert!(!i.matches(&Value::Sint(4)));
    }
}
