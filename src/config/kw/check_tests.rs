//! Tests of the health-check keywords, `check_expect.rs` and `check_rules.rs`: messages as the
//! real HAProxy 2.6.12 prints them (captured with `haproxy -c`), rulesets, merging,
//! inheritance from `defaults` and the final rule list.

use crate::config::diag::Level;
use crate::config::model::{
    CheckProto, CheckRule, CheckSpec, CheckStatus, ExpectPattern, HttpRequest, MatchMethod, Proxy,
    RuleAction, SendRule,
};

const DEFAULTS: &str =
    "defaults\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n";

/// Loads `DEFAULTS` + a backend `be` with `body`; returns the backend and all messages.
fn load(body: &str) -> (Option<Proxy>, Vec<(Level, String)>) {
    let text = format!("{DEFAULTS}backend be\n{body}\n");
    let (config, diags) = match crate::config::load_texts(&[("t.cfg", &text)], &|_| None) {
        Ok(l) => (Some(l.config), l.diags),
        Err(d) => (None, d),
    };
    let msgs = diags
        .list
        .iter()
        .filter(|d| !d.msg.starts_with("Error(s) found") && !d.msg.starts_with("Fatal errors"))
        .map(|d| (d.level, d.msg.clone()))
        .collect();
    (
        config.and_then(|c| c.proxies.into_iter().find(|p| p.name == "be")),
        msgs,
    )
}

fn alerts(body: &str) -> Vec<String> {
    load(body)
        .1
        .into_iter()
        .filter(|(l, _)| *l == Level::Alert)
        .map(|(_, m)| m)
        .collect()
}

fn warnings(body: &str) -> Vec<String> {
    load(body)
        .1
        .into_iter()
        .filter(|(l, _)| *l == Level::Warning)
        .map(|(_, m)| m)
        .collect()
}

fn spec(body: &str) -> CheckSpec {
    let (p, msgs) = load(body);
    match p {
        Some(p) => p.checks.spec,
        None => panic!("config refused: {msgs:?}"),
    }
}

fn request(r: &CheckRule) -> &HttpRequest {
    match &r.action {
        RuleAction::SendHttp(h) => h,
        other => panic!("not an HTTP send: {other:?}"),
    }
}

/// A short picture of a rule list: `C` connect (`c` implicit), `S` send, `E` expect.
fn shape(s: &CheckSpec) -> String {
    s.rules
        .iter()
        .map(|r| match &r.action {
            RuleAction::Connect(c) if c.implicit => 'c',
            RuleAction::Connect(_) => 'C',
            RuleAction::Send(_) | RuleAction::SendHttp(_) => 'S',
            RuleAction::Expect(_) => 'E',
            RuleAction::Comment | RuleAction::Action => '#',
        })
        .collect()
}

#[test]
fn http_check_messages_match_haproxy() {
    let cases: &[(&str, &str)] = &[
        (" http-check foo", "'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got 'foo'"),
        (" http-check expect", "'http-check expect' : expects at least a matching pattern as arguments."),
        (" http-check expect foo", "'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got 'foo' as argument.."),
        (" http-check expect status", "'http-check expect' : 'status' expects a <pattern> as argument."),
        (" http-check expect status 200 string x", "'http-check expect' : only on pattern expected."),
        (" http-check expect status 2x0", "'http-check expect' : invalid character 'x' in the list of status codes."),
        (" http-check expect status 300-200", "'http-check expect' : invalid range of status codes '300-200'."),
        (" http-check expect min-recv -2 status 200", "'http-check expect' : 'min-recv' expects -1 or an integer from 0 to INT_MAX."),
        (" http-check expect ! min-recv 3 status 200", "'http-check expect' : [!] not supported with 'min-recv'."),
        (" http-check expect hdr foo x", "'http-check expect' : 'hdr' expects at the name keyword as first argument followed by a pattern."),
        (" http-check expect hdr name -m foo x", "'http-check expect' : 'hdr' : '-m' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got 'foo')."),
        (" http-check expect hdr name x value", "'http-check expect' : 'hdr' expect a pattern with the value keyword."),
        (" http-check expect status 200 ok-status L7X", "'http-check expect' : 'ok-status' only supports 'L4OK', 'L6OK', 'L7OK' or 'L7OKC' status (got 'L7X').."),
        (" http-check expect status 200 tout-status L7X", "'http-check expect' : 'tout-status' only supports 'L4TOUT', 'L6TOUT' or 'L7TOUT' status (got 'L7X').."),
        (" http-check expect comment x", "'http-check expect' : pattern not found."),
        (" http-check send foo", "'http-check send' : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got 'foo' as argument.."),
        (" http-check send meth", "'http-check send' : 'meth' expects a string as argument.."),
        (" http-check send hdr x", "'http-check send' : 'hdr' expects <name> and <value> as arguments."),
        (" http-check send hdr host a hdr Host b", "'http-check send' : 'Host' header already defined (previous value is 'a')."),
        (" http-check comment", "'http-check comment' : expects a string as argument."),
        (" http-check connect foo", "'http-check connect' : expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got 'foo' as argument.."),
        (" http-check connect port 0", "'http-check connect' : expects a valid TCP port (from range 1 to 65535) or a sample expression, got 0.."),
        (" http-check connect addr", "'http-check connect' : 'addr' expects <ipv4|ipv6> as argument.."),
        (" http-check connect addr foo.invalid.", "'http-check connect' : 'addr' : invalid address: 'foo.invalid.' in 'foo.invalid.'\n.."),
        (" http-check connect proto zz", "'http-check connect' : 'proto' : unknown MUX protocol 'zz'.."),
        (" http-check disable-on-404 x", "'http-check' cannot handle unexpected argument 'x'."),
    ];
    for (body, want) in cases {
        assert_eq!(alerts(body), [*want], "{body}");
    }
}

#[test]
fn tcp_check_messages_match_haproxy() {
    let cases: &[(&str, &str)] = &[
        (" tcp-check foo", "'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got 'foo'"),
        (" tcp-check send", "'tcp-check send' : 'string' expects a send as argument."),
        (" tcp-check send-binary", "'tcp-check send-binary' : 'binary string' expects a send-binary as argument."),
        (" tcp-check send-binary 4x", "'tcp-check send-binary' : '4x' invalid binary string (an hex digit is expected (found 'x')).\n."),
        (" tcp-check send-binary 123", "'tcp-check send-binary' : '123' invalid binary string (an even number of hex digit is expected).\n."),
        (" tcp-check send x foo", "'tcp-check send' : expects 'comment' but got 'foo' as argument.."),
        (" tcp-check expect status 200", "'tcp-check expect' : 'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf''[!]rbinary', '[!]binary-lf' or comment but got 'status' as argument.."),
        (" tcp-check expect binary 4x", "'tcp-check expect' : invalid binary string (an hex digit is expected (found 'x'))."),
        (" tcp-check connect proto h1", "'tcp-check connect' : 'proto' : invalid MUX protocol 'h1' for tcp-check."),
        (" option tcp-check\n tcp-check send x\n tcp-check connect", "'tcp-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset."),
        (" option tcp-check extra", "'option tcp-check' cannot handle unexpected argument 'extra'."),
    ];
    for (body, want) in cases {
        assert_eq!(alerts(body), [*want], "{body}");
    }
}

#[test]
fn http_check_rules_must_come_in_connect_send_expect_order() {
    let cases: &[(&str, &str)] = &[
        (" option httpchk\n http-check send meth GET\n http-check send meth HEAD", "'http-check send' : unable to add http-check send rule at step 2 (missing connect rule).."),
        (" option httpchk\n http-check connect\n http-check connect", "'http-check connect' : unable to add http-check connect rule at step 2 (missing expect rule).."),
        (" option httpchk\n http-check connect\n http-check expect status 200", "'http-check expect' : unable to add http-check expect rule at step 2 (missing send rule).."),
        (" option httpchk\n http-check send meth GET\n http-check connect", "'http-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset."),
        (" option httpchk GET / HTTP/1.0 extra", "'option httpchk' cannot handle unexpected argument 'extra'."),
    ];
    for (body, want) in cases {
        assert_eq!(alerts(body), [*want], "{body}");
    }
}

#[test]
fn unused_rules_and_ignored_flags_warn_as_haproxy() {
    assert_eq!(
        warnings(" http-check expect status 200"),
        ["backend 'be' uses http-check rules without 'option httpchk', so the rules are ignored."]
    );
    assert_eq!(
        warnings(" option httpchk\n tcp-check send x"),
        ["backend 'be' uses tcp-check rules without 'option tcp-check', so the rules are ignored."]
    );
    assert_eq!(
        warnings(" option tcp-check\n http-check disable-on-404\n http-check send-state"),
        [
            "'disable-on-404' will be ignored for backend 'be' (requires 'option httpchk').",
            "'send-state' will be ignored for backend 'be' (requires 'option httpchk').",
        ]
    );
    // Rules written before their option are used by it.
    assert!(warnings(" tcp-check send x\n option tcp-check").is_empty());
    assert!(warnings(" http-check send meth GET\n option httpchk").is_empty());
    // `option httpchk` clears both "unused" marks, as HAProxy does.
    assert!(warnings(" tcp-check send x\n option httpchk").is_empty());
}

#[test]
fn hidden_headers_in_the_version_warn_and_become_headers() {
    let (p, msgs) = load(" option httpchk HEAD / HTTP/1.1\\r\\nHost:\\ www\\r\\nX-A:\\ b\n");
    assert_eq!(
        msgs,
        [(Level::Warning, "parsing [t.cfg:7]: 'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.".to_string())]
    );
    let p = p.unwrap();
    let req = request(&p.checks.http.rules[0]);
    assert_eq!(req.version.as_deref(), Some("HTTP/1.1"));
    assert_eq!(
        req.headers,
        [("Host".into(), "www".into()), ("X-A".into(), "b".into())]
    );
    let (p, _) = load(" option httpchk POST /x HTTP/1.0\\r\\n\\r\\nbody\n");
    assert_eq!(
        request(&p.unwrap().checks.http.rules[0]).body.as_deref(),
        Some("body")
    );
}

#[test]
fn server_without_port_alerts_match_haproxy() {
    let who = "config: backend 'be': server 's1' has neither service port nor check port";
    assert_eq!(alerts(" server s1 127.0.0.1 check"), [format!("{who}.")]);
    assert_eq!(
        alerts(" option tcp-check\n tcp-check send x\n server s1 127.0.0.1 check"),
        [format!(
            "{who} nor tcp_check rule 'connect' with port information."
        )]
    );
    assert_eq!(
        alerts(" option httpchk\n http-check connect port 80\n server s1 127.0.0.1 check"),
        [format!(
            "{who} nor tcp_check rule 'connect' with port information."
        )]
    );
    assert_eq!(
        alerts(" option tcp-check\n tcp-check connect port 80\n tcp-check connect\n server s1 127.0.0.1 check"),
        [format!("{who}, and a tcp_check rule 'connect' with no port information.")]
    );
    assert!(
        alerts(" option tcp-check\n tcp-check connect port 80\n server s1 127.0.0.1 check")
            .is_empty()
    );
    assert!(alerts(" server s1 127.0.0.1 check port 80").is_empty());
    assert!(alerts(" server s1 127.0.0.1 check addr 127.0.0.2:80").is_empty());
    assert_eq!(
        alerts(" server s1 127.0.0.1 check addr 127.0.0.2"),
        [format!("{who}.")]
    );
}

#[test]
fn unsupported_forms_are_refused_when_a_server_runs_them() {
    let cases: &[(&str, &str)] = &[
        (" option httpchk\n http-check send uri-lf /%[srv_name]", "'http-check send' : 'uri-lf' (log-format strings) is not supported by haproxy-rs."),
        (" option httpchk\n http-check send hdr X %[srv_name]", "'http-check send' : '%[srv_name]' (log-format expressions in header values; write '%%' for a literal '%') is not supported by haproxy-rs."),
        (" option httpchk\n http-check connect ssl", "'http-check connect' : 'ssl' (TLS health checks) is not supported by haproxy-rs."),
        (" option httpchk\n http-check connect port srv_port", "'http-check connect' : 'port srv_port' (sample expressions) is not supported by haproxy-rs."),
        (" option httpchk\n http-check set-var(check.x) int(1)", "'http-check set-var(check.x)' : variables in health checks is not supported by haproxy-rs."),
        (" option tcp-check\n tcp-check send-lf %[srv_name]", "'tcp-check send-lf' : 'send-lf' (log-format strings) is not supported by haproxy-rs."),
        (" option tcp-check\n tcp-check expect custom", "'tcp-check expect' : 'custom' is not supported by haproxy-rs."),
        (" option httpchk\n http-check expect string-lf x", "'http-check expect' : 'string-lf' (log-format strings) is not supported by haproxy-rs."),
        (" option httpchk\n http-check expect status 200 status-code res.hdr(x)", "'http-check expect' : 'status-code' (sample expressions) is not supported by haproxy-rs."),
        (" option httpchk\n http-check expect status 200 on-error %[res.hdr(x)]", "'http-check expect' : '%[res.hdr(x)]' (log-format expressions in 'on-error'; write '%%' for a literal '%') is not supported by haproxy-rs."),
        (" option redis-check", "'option redis-check' is not supported by haproxy-rs; use 'option tcp-check' with 'tcp-check send/expect' rules, or 'option httpchk'."),
    ];
    for (body, want) in cases {
        // Without a checked server, HAProxy's verdict stands.
        assert!(alerts(body).is_empty(), "{body}");
        let text = format!("{DEFAULTS}backend be\n{body}\n server s1 127.0.0.1:80 check\n");
        let d = crate::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap_err();
        let first = &d.list[0];
        assert_eq!(first.msg, *want, "{body}");
        assert!(first.loc.as_ref().is_some_and(|l| l.line >= 7), "{body}");
    }
}

#[test]
fn a_bare_check_is_one_implicit_connect() {
    let s = spec(" server s1 127.0.0.1:80 check\n");
    assert_eq!((s.proto, shape(&s)), (CheckProto::Plain, "c".to_string()));
    let s = spec(" option tcp-check\n server s1 127.0.0.1:80 check\n");
    assert_eq!((s.proto, shape(&s)), (CheckProto::Tcp, "c".to_string()));
}

#[test]
fn option_httpchk_gets_implicit_connect_and_expect() {
    let s = spec(" option httpchk GET /index.php\n");
    assert_eq!((s.proto, shape(&s)), (CheckProto::Http, "cSE".to_string()));
    let req = request(&s.rules[1]);
    assert_eq!(
        (
            req.method.as_deref(),
            req.uri.as_deref(),
            req.version.as_deref()
        ),
        (Some("GET"), Some("/index.php"), None)
    );
    let RuleAction::Expect(e) = &s.rules[2].action else {
        panic!()
    };
    assert_eq!(e.pattern, ExpectPattern::Status(vec![(200, 399)]));
    // A single word is the URI.
    let s = spec(" option httpchk /health\n");
    assert_eq!(request(&s.rules[1]).uri.as_deref(), Some("/health"));
    assert_eq!(request(&s.rules[1]).method, None);
}

#[test]
fn http_check_send_merges_into_the_option_request() {
    let s = spec(" option httpchk GET /x HTTP/1.1\n http-check send hdr Host www.example.com\n");
    assert_eq!(shape(&s), "cSE");
    let req = request(&s.rules[1]);
    assert_eq!(
        (
            req.method.as_deref(),
            req.uri.as_deref(),
            req.version.as_deref()
        ),
        (Some("GET"), Some("/x"), Some("HTTP/1.1"))
    );
    assert_eq!(req.headers, [("Host".into(), "www.example.com".into())]);
    assert!(!req.from_option);
    // Written after, the option overwrites what it sets; headers only if it has some.
    let s = spec(" http-check send meth POST hdr X-A 1 body b\n option httpchk GET /y\n");
    let req = request(&s.rules[1]);
    assert_eq!(
        (
            req.method.as_deref(),
            req.uri.as_deref(),
            req.body.as_deref()
        ),
        (Some("GET"), Some("/y"), Some("b"))
    );
    assert_eq!(req.headers, [("X-A".into(), "1".into())]);
    let s = spec(" http-check send hdr X-A 1\n option httpchk GET /y HTTP/1.0\\r\\nX-B:\\ 2\n");
    assert_eq!(request(&s.rules[1]).headers, [("X-B".into(), "2".into())]);
}

#[test]
fn the_option_request_moves_after_an_explicit_connect() {
    let s = spec(
        " option httpchk GET /z\n http-check connect port 8080\n server s1 127.0.0.1:80 check\n",
    );
    assert_eq!(shape(&s), "CSE");
    assert_eq!(request(&s.rules[1]).uri.as_deref(), Some("/z"));
}

#[test]
fn a_backend_with_its_own_http_check_lines_drops_the_inherited_ones() {
    let text = format!("{DEFAULTS} option httpchk GET /fromdef\n http-check send hdr X-Def 1\nbackend a\nbackend b\n http-check expect status 200\nbackend c\n option httpchk\n");
    let l = crate::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap();
    let be = |n: &str| l.config.backend(n).unwrap().checks.spec.clone();
    let a = be("a");
    assert_eq!(shape(&a), "cSE");
    let req = request(&a.rules[1]);
    assert_eq!(req.uri.as_deref(), Some("/fromdef"));
    assert_eq!(req.headers, [("X-Def".into(), "1".into())]);
    // HAProxy switches to the backend's own ruleset, which has no request.
    assert_eq!(shape(&be("b")), "cE");
    let c = be("c");
    assert_eq!(shape(&c), "cSE");
    assert!(request(&c.rules[1]).headers.is_empty());
    assert_eq!(request(&c.rules[1]).uri, None);
}

#[test]
fn tcp_check_rules_keep_their_steps_and_comments() {
    let s = spec(" option tcp-check\n tcp-check connect\n tcp-check comment hello\n tcp-check send-binary 50494e47 comment sendc\n tcp-check expect binary 2b504f4e47\n tcp-check expect ! rstring ^-ERR\n");
    assert_eq!(shape(&s), "CSEE");
    let steps: Vec<u32> = s.rules.iter().map(|r| r.index + 1).collect();
    assert_eq!(steps, [1, 3, 4, 5]);
    assert_eq!(s.rules[1].comment.as_deref(), Some("sendc"));
    assert_eq!(s.rules[2].comment, None);
    assert_eq!(
        s.rules[1].action,
        RuleAction::Send(SendRule::Binary(b"PING".to_vec()))
    );
    // A comment reaches the following rules of the same kind.
    let s = spec(" option tcp-check\n tcp-check comment c1\n tcp-check send a\n tcp-check send b\n tcp-check expect string x\n");
    let comments: Vec<Option<&str>> = s.rules.iter().map(|r| r.comment.as_deref()).collect();
    assert_eq!(comments, [None, Some("c1"), Some("c1"), None]);
}

#[test]
fn expect_options_are_typed() {
    let s = spec(" option httpchk\n http-check expect ! status 200-299,404 min-recv 10 ok-status l7okc error-status L7STS tout-status L4TOUT comment c on-error 100%%\n");
    let RuleAction::Expect(e) = &s.rules[2].action else {
        panic!()
    };
    assert!(e.inverse);
    assert_eq!(
        e.pattern,
        ExpectPattern::Status(vec![(200, 299), (404, 404)])
    );
    assert_eq!(e.min_recv, Some(10));
    assert_eq!(e.ok_status, Some(CheckStatus::L7OkC));
    assert_eq!(e.error_status, Some(CheckStatus::L7Sts));
    assert_eq!(e.tout_status, Some(CheckStatus::L4Tout));
    assert_eq!(e.on_error.as_deref(), Some("100%"));
    assert_eq!(s.rules[2].comment.as_deref(), Some("c"));
    let s = spec(" option httpchk\n http-check expect fhdr name -m beg X-A value -m reg ^a\n");
    let RuleAction::Expect(e) = &s.rules[2].action else {
        panic!()
    };
    let ExpectPattern::Header(h) = &e.pattern else {
        panic!()
    };
    assert_eq!(
        (h.name_method, h.name.as_str(), h.full),
        (MatchMethod::Beg, "X-A", true)
    );
    assert_eq!(h.value, Some((MatchMethod::Reg, "^a".to_string())));
}

#[test]
fn expect_chains_resume_at_their_first_inverted_rule() {
    let s = spec(" option tcp-check\n tcp-check send x\n tcp-check expect ! string a\n tcp-check expect string b\n tcp-check expect string c\n");
    let heads: Vec<usize> = s
        .rules
        .iter()
        .filter_map(|r| match &r.action {
            RuleAction::Expect(e) => Some(e.head),
            _ => None,
        })
        .collect();
    assert_eq!(heads, [2, 2, 2]);
}

#[test]
fn disable_on_404_and_send_state_reach_the_spec_with_httpchk_only() {
    let s = spec(" option httpchk\n http-check disable-on-404\n http-check send-state\n");
    assert!(s.disable_on_404 && s.send_state);
    let s = spec(" option tcp-check\n http-check disable-on-404\n");
    assert!(!s.disable_on_404);
}

#[test]
fn frontends_have_no_check_spec() {
    let text = format!("{DEFAULTS} option httpchk\nfrontend f\n bind :8080\n");
    let l = crate::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap();
    assert!(l.config.proxies[0].checks.spec.rules.is_empty());
}
