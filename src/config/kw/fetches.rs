//! Name checks over HAProxy 2.6.12's keyword tables (`kw::sample::table`), used to reject
//! unknown fetches in `acl` lines, anonymous ACLs and `%[...]` expressions.

/// True if `name` is a converter HAProxy 2.6 knows.
pub fn is_converter(name: &str) -> bool {
    super::sample::converter(name).is_some()
}

/// Checks the `%[...]` sample expressions of a log-format string (`log-format`,
/// `unique-id-format`, the log-format arguments of rules) for unknown fetches and
/// converters, as `parse_logformat_string()` reports them: the error text and the byte
/// offset in `text` of the `%[` that failed. Fetch arguments and the "may not be reliably
/// used here" checks are not judged.
pub fn check_log_format(text: &str) -> Result<(), (String, usize)> {
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|r| r.find("%[")) {
        let at = from + i;
        let expr = text.get(at + 2..).unwrap_or("");
        let fail = |why: String| {
            Err((
                format!("failed to parse sample expression <{expr}> : {why}"),
                at,
            ))
        };
        let name = fetch_name(expr);
        if super::sample::fetch(name).is_none() {
            return fail(format!("unknown fetch method '{name}'"));
        }
        let mut rest = skip_args(expr.get(name.len()..).unwrap_or(""));
        loop {
            rest = rest.trim_start_matches(' ');
            let Some(after) = rest.strip_prefix(',') else {
                break;
            };
            let end = after.find(['(', ',', ']', ' ']).unwrap_or(after.len());
            let conv = after.get(..end).unwrap_or("");
            if !is_converter(conv) {
                return fail(format!("unknown converter '{conv}'"));
            }
            rest = skip_args(after.get(end..).unwrap_or(""));
        }
        from = at + 2;
    }
    Ok(())
}

/// Skips a `(...)` argument list at the start of `text`, if any.
fn skip_args(text: &str) -> &str {
    match text.strip_prefix('(') {
        Some(inner) => inner
            .find(')')
            .map_or("", |p| inner.get(p + 1..).unwrap_or("")),
        None => text,
    }
}

/// True if `name` is a fetch or ACL keyword HAProxy 2.6 knows.
pub fn is_known(name: &str) -> bool {
    super::sample::fetch(name).is_some() || super::sample::acl_keyword(name).is_some()
}

/// The fetch name of a criterion or sample expression: `hdr(host),lower` -> `hdr`.
pub fn fetch_name(expr: &str) -> &str {
    let end = expr.find(['(', ',', ']', ' ']).unwrap_or(expr.len());
    expr.get(..end).unwrap_or(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_sorted_for_binary_search() {
        assert!(super::super::sample::table::FETCHES
            .windows(2)
            .all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn common_fetches_are_known() {
        for f in [
            "src",
            "path_beg",
            "hdr",
            "req.hdr",
            "ssl_fc",
            "hdr_dom",
            "method",
            "url_ip",
            "always_true",
        ] {
            assert!(is_known(f), "{f}");
        }
        assert!(!is_known("foo_bar"));
        assert_eq!(fetch_name("req.hdr(host),lower"), "req.hdr");
    }
}
