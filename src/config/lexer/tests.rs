//! Tests of the lexer: words, quoting, expansion, conditional blocks and error wording.

use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "FOO" => Some("a  b c".to_string()),
        "EMPTY" => Some(String::new()),
        "PORT" => Some("8080".to_string()),
        _ => None,
    }
}

fn run(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let mut d = Diags::new();
    let lines = lex("t.cfg", text, &env, &mut d);
    let words = lines.into_iter().map(|l| l.words).collect();
    let msgs = d.list.iter().map(|d| d.render(1) + "\n").collect();
    (words, msgs)
}

fn words(text: &str) -> Vec<Vec<String>> {
    let (w, m) = run(text);
    assert!(m.is_empty(), "unexpected diagnostics: {m:?}");
    w
}

fn one(text: &str) -> Vec<String> {
    words(&format!("global\n{text}\n")).pop().unwrap()
}

#[test]
fn words_split_on_spaces_and_tabs_and_comments_are_dropped() {
    assert_eq!(
        words("global#this is the global section\n    daemon#daemonize\n\tfrontend \t foo\n mode http   # or tcp\n"),
        vec![vec!["global"], vec!["daemon"], vec!["frontend", "foo"], vec!["mode", "http"]]
    );
}

#[test]
fn backslash_escapes_are_resolved_outside_quotes() {
    assert_eq!(
        one(r"log-format %{+Q}o\ %t\ %s"),
        ["log-format", "%{+Q}o %t %s"]
    );
    assert_eq!(
        one(r"x a\#b \\ \' \x41\t\n\r"),
        ["x", "a#b", "\\", "'", "A\t\n\r"]
    );
    assert_eq!(one(r"x \q\1 a\$b"), ["x", r"\q\1", r"a\$b"]);
    assert_eq!(one("x a\\"), ["x", "a\\"]);
}

#[test]
fn the_manual_equivalent_log_formats_give_the_same_word() {
    let want = ["log-format", "%{+Q}o %t %s %{-Q}r"];
    assert_eq!(one(r"log-format %{+Q}o\ %t\ %s\ %{-Q}r"), want);
    assert_eq!(one(r#"log-format "%{+Q}o %t %s %{-Q}r""#), want);
    assert_eq!(one(r"log-format '%{+Q}o %t %s %{-Q}r'"), want);
    assert_eq!(one(r#"log-format "%{+Q}o %t"' %s %{-Q}r'"#), want);
    assert_eq!(one(r#"log-format "%{+Q}o %t"' %s'\ %{-Q}r"#), want);
}

#[test]
fn single_quotes_protect_everything() {
    assert_eq!(one(r"x 'a\\x$FOO #b'"), ["x", r"a\\x$FOO #b"]);
    assert_eq!(one(r#"x '"'\'"#), ["x", "\"'"]);
}

#[test]
fn double_quotes_expand_variables() {
    assert_eq!(
        one(r#"x "$FOO" "${FOO}x" "p${PORT}""#),
        ["x", "a  b c", "a  b cx", "p8080"]
    );
    assert_eq!(one(r#"x "\$FOO" "$NOPE" y"#), ["x", "$FOO", "", "y"]);
    assert_eq!(one("x $FOO ${FOO}"), ["x", "$FOO", "${FOO}"]);
    assert_eq!(one(r#"x "$_X9_a.b""#), ["x", ".b"]);
    assert_eq!(
        one(r#"x "$FOO-bar" "${FOO}[*]""#),
        ["x", "a  b c-bar", "a  b c[*]"]
    );
}

#[test]
fn a_default_replaces_only_unset_variables() {
    assert_eq!(
        one(r#"x "${NOPE-dflt}" "${EMPTY-dflt}" "${PORT-1}" "${NOPE-a b}""#),
        ["x", "dflt", "", "8080", "a b"]
    );
}

#[test]
fn word_expansion_splits_a_variable_into_words() {
    assert_eq!(one(r#"x "${FOO[*]}""#), ["x", "a", "b", "c"]);
    assert_eq!(one(r#"x "pre${FOO[*]}post""#), ["x", "prea", "b", "cpost"]);
    assert_eq!(one(r#"x "${NOPE[*]}" y"#), ["x", "", "y"]);
}

#[test]
fn empty_quoted_words_are_kept_but_not_at_the_end() {
    assert_eq!(one(r#"x "" y ''"#), ["x", "", "y"]);
    assert_eq!(words("global\n\"\" foo\n\"\"\n"), vec![vec!["global"]]);
}

#[test]
fn pseudo_variables_give_file_line_and_section() {
    let (w, m) = run(".notice \"${.SECTION}\"\nglobal\n  x \"${.SECTION}|$.LINE|$.FILE\"\nlisten foo\n  y \"${.SECTION}\"\n");
    assert_eq!(w[1], ["x", "global|3|t.cfg"]);
    assert_eq!(w[3], ["y", "foo"]);
    assert_eq!(m, ["[NOTICE]   (1) : config : parsing [t.cfg:1]: ''.\n"]);
}

#[test]
fn crlf_line_ends_and_utf8_comments_are_accepted() {
    assert_eq!(
        words("global\r\n  maxconn 10 # 最大连接数\r\n  # 中文注释\r\n"),
        vec![vec!["global"], vec!["maxconn", "10"]]
    );
    assert_eq!(one("x \"héllo 中文\""), ["x", "héllo 中文"]);
}

#[test]
fn a_carriage_return_ends_the_line() {
    assert_eq!(one("x a\rb c"), ["x", "a"]);
}

#[test]
fn vertical_tab_and_form_feed_separate_words() {
    assert_eq!(one("x\x0ba\x0cb"), ["x", "a", "b"]);
}

#[test]
fn an_unmatched_quote_is_reported_like_haproxy() {
    let (w, m) = run("global\n  foo \"abc\n  bar x\n");
    assert_eq!(w, vec![vec!["global"], vec!["bar", "x"]]);
    assert_eq!(
        m,
        ["[ALERT]    (1) : config : parsing [t.cfg:2]: unmatched quote at position 7:\n  foo \"abc\n      ^\n"]
    );
    let (_, m) = run("global\n  foo abc\"\n");
    assert!(m[0].contains("unmatched quote at position 10:\n  foo abc\"\n         ^"));
    let (_, m) = run("global\n  foo 'abc\n");
    assert!(m[0].contains("unmatched quote at position 7:\n  foo 'abc\n      ^"));
}

#[test]
fn the_error_position_counts_the_indent_but_the_excerpt_does_not() {
    let (_, m) = run("global\n\t    foo \"abc\n");
    assert!(
        m[0].contains("unmatched quote at position 10:\n  foo \"abc\n      ^"),
        "{m:?}"
    );
}

#[test]
fn a_long_line_is_cut_around_the_error() {
    let digits: String = (0..100)
        .map(|i| char::from(b'0' + (i % 10) as u8))
        .collect();
    let (_, m) = run(&format!("global\n  foo x y z {digits} \"abc\n"));
    let want = format!(
        "unmatched quote at position 114:\n  ...456789012345678901234567890123456789 \"abc...\n  {}^\n",
        " ".repeat(40)
    );
    assert!(m[0].ends_with(&want), "{m:?}");
}

#[test]
fn bad_escapes_and_variables_are_reported_like_haproxy() {
    let cases = [
        ("  foo \"a\\xZZ\"", "truncated or invalid hexadecimal sequence at position 9:\n  foo \"a\\xZZ\"\n        ^"),
        ("  foo \"${ABC\"", "unmatched brace in environment variable name at position 9:\n  foo \"${ABC\"\n        ^"),
        ("  foo \"$1abc\"", "forbidden first char in environment variable name at position 9:\n  foo \"$1abc\"\n        ^"),
        ("  foo \"${ABC[x]}\"", "truncated or invalid word expansion sequence at position 13:\n  foo \"${ABC[x]}\"\n            ^"),
        ("  foo \"${.BAD}\"", "forbidden first char in environment variable name at position 10:\n  foo \"${.BAD\n         ^"),
        ("  .notice \"$\" ", "forbidden first char in environment variable name at position 13:\n  .notice \"$\" \n            ^"),
    ];
    for (line, want) in cases {
        let (w, m) = run(&format!("global\n{line}\n"));
        assert_eq!(w.len(), 1, "{line}");
        assert_eq!(m.len(), 1, "{line}");
        assert!(
            m[0].contains(&format!("parsing [t.cfg:2]: {want}\n")),
            "{line}: {m:?}"
        );
    }
}

#[test]
fn a_default_on_the_first_line_of_a_file_fails_as_in_haproxy() {
    let (_, m) = run(".notice \"${NOPE-x}\"\n.notice \"${NOPE-y}\"\n");
    assert_eq!(m.len(), 2);
    assert!(m[0].contains(
        "parsing [t.cfg:1]: unmatched brace in environment variable name at position 11:\n  .notice \"${NOPE-x\n            ^"
    ), "{m:?}");
    assert!(m[1].contains("parsing [t.cfg:2]: 'y'."), "{m:?}");
}

#[test]
fn too_many_words_are_an_error() {
    let line: String = (1..=70).map(|i| format!("w{i} ")).collect();
    let (w, m) = run(&format!("global\n{line}\n"));
    assert_eq!(w.len(), 1);
    assert!(
        m[0].contains(
            "parsing [t.cfg:2]: too many words, truncating after word 64, position 244: <w64>."
        ),
        "{m:?}"
    );
}

#[test]
fn a_missing_final_lf_is_an_alert() {
    let (w, m) = run("global\n  maxconn 10");
    assert_eq!(w, vec![vec!["global"], vec!["maxconn", "10"]]);
    assert!(m[0].contains(
        "parsing [t.cfg:2]: Missing LF on last line, file might have been truncated at position 13."
    ));
}

#[test]
fn messages_are_emitted_at_their_level_and_alert_aborts() {
    let mut d = Diags::new();
    let out = lex_file(
        "t.cfg",
        b".notice \"a b\"\n.warning w\n.diag x\n.alert boom\nglobal\n",
        &env,
        &mut d,
    );
    assert!(out.aborted);
    assert!(out.lines.is_empty());
    let r: Vec<String> = d.list.iter().map(|x| x.render(9)).collect();
    assert_eq!(
        r,
        [
            "[NOTICE]   (9) : config : parsing [t.cfg:1]: 'a b'.",
            "[WARNING]  (9) : config : parsing [t.cfg:2]: 'w'.",
            "[ALERT]    (9) : config : parsing [t.cfg:4]: 'boom'.",
        ]
    );
}

#[test]
fn a_message_with_two_words_asks_for_quotes() {
    let (_, m) = run(".notice \"\" x\n");
    assert!(m[0].contains(
        "parsing [t.cfg:1]: Unexpected argument 'x' for '.notice'. Use quotes if the message should contain spaces."
    ));
}

#[test]
fn conditional_blocks_select_lines() {
    let text = ".if 1 && 0\n  a\n.elif defined(PORT)\n  b\n  .if 0\n    c\n  .else\n    d\n  .endif\n.else\n  e\n.endif\nf\n";
    assert_eq!(words(text), vec![vec!["b"], vec!["d"], vec!["f"]]);
}

#[test]
fn an_empty_condition_is_false() {
    assert_eq!(words(".if\na\n.else\nb\n.endif\n"), vec![vec!["b"]]);
}

#[test]
fn skipped_blocks_ignore_unknown_directives_and_alerts() {
    assert_eq!(
        words(".if 0\n.foo\n.alert x\n.if 1\ny\n.endif\n.endif\nz\n"),
        vec![vec!["z"]]
    );
}

#[test]
fn skipped_blocks_still_report_syntax_errors() {
    let (_, m) = run(".if 0\n  \"unterminated\n.endif\n");
    assert!(
        m[0].contains("parsing [t.cfg:2]: unmatched quote at position 3:\n  \"unterminated\n  ^")
    );
}

#[test]
fn unbalanced_blocks_are_reported_like_haproxy() {
    let cases = [
        (
            ".elif 1\n",
            "parsing [t.cfg:1]: lone '.elif' with no matching '.if'.",
        ),
        (
            ".else\n",
            "parsing [t.cfg:1]: lone '.else' with no matching '.if'.",
        ),
        (
            ".endif\n",
            "parsing [t.cfg:1]: lone '.endif' with no matching '.if'.",
        ),
        (
            ".if 1\n.else\n.else\n.endif\n",
            "parsing [t.cfg:3]: '.else' after '.else' is not permitted.",
        ),
        (
            ".if 1\n.else\n.elif 1\n.endif\n",
            "parsing [t.cfg:3]: '.elif' after '.else' is not permitted.",
        ),
        (
            ".if 1\n.notice x\n",
            "parsing [t.cfg:2]: non-terminated '.if' block.",
        ),
        (
            ".else x\n",
            "parsing [t.cfg:1]: Unexpected argument 'x' for '.else'.",
        ),
        (".foo\n", "parsing [t.cfg:1]: unknown directive '.foo'."),
    ];
    for (text, want) in cases {
        let (_, m) = run(text);
        assert!(m.iter().any(|x| x.contains(want)), "{text:?}: {m:?}");
    }
}

#[test]
fn a_bad_condition_shows_the_expression_and_a_caret() {
    let (_, m) = run(".if foo(1)\n.endif\n");
    assert_eq!(
        m,
        ["[ALERT]    (1) : config : parsing [t.cfg:1]: unparsable conditional expression 'foo(1)' in '.if' at position 1:\n  .if foo(1)\n      ^\n"]
    );
    let (_, m) = run(".if 1 garbage\n.endif\n");
    assert!(m[0].contains("unexpected character 'g' at the end of conditional expression '1 garbage' in '.if' at position 3:\n  .if 1 garbage\n        ^"));
    let (_, m) = run(".if streq(a)\n.endif\n");
    assert!(m[0].contains("missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression in '.if' at position 8:\n  .if streq(a)\n             ^"), "{m:?}");
    let (_, m) = run(".if 0\n.elif (1\n.endif\n");
    assert!(m[0].contains("expected ')' after conditional expression '(1' in '.elif' at position 1:\n  .elif (1\n        ^"), "{m:?}");
}

#[test]
fn a_condition_keeps_one_trailing_space_like_haproxy() {
    let (_, m) = run(".if 1 garbage \t\n.endif\n");
    assert!(m[0].contains("conditional expression '1 garbage ' in '.if' at position 3:\n  .if 1 garbage \n        ^"), "{m:?}");
}

#[test]
fn a_scope_line_is_ignored_and_an_empty_one_is_an_error() {
    let (w, m) = run("[foo]\nglobal\n  [foo\n[]\n[a b]\n[foo]bar\n[x.y:z-1_] # c\n");
    assert_eq!(w, vec![vec!["global"]]);
    let p = "[ALERT]    (1) : config : parsing [t.cfg:";
    assert_eq!(
        m,
        [
            format!("{p}3] : empty scope name is forbidden.\n"),
            format!("{p}4] : empty scope name is forbidden.\n"),
            format!("{p}5] : character ' ' is not permitted in a scope name.\n"),
            format!("{p}6] : character 'b' is not permitted after scope declaration.\n"),
        ]
    );
}

#[test]
fn lines_keep_their_numbers() {
    let mut d = Diags::new();
    let lines = lex("x.cfg", "\n# c\nglobal\n\n  daemon\n", &env, &mut d);
    assert_eq!(lines[0].loc, Loc::new("x.cfg", 3));
    assert_eq!(lines[1].loc, Loc::new("x.cfg", 5));
    assert_eq!(lines[1].keyword(), "daemon");
    assert_eq!(lines[1].word(1), None);
}
