//! Loads of whole configurations: the typed stick model, and HAProxy 2.6.12's messages
//! (each expected text below was printed by `/usr/sbin/haproxy -c` on the same lines).

use std::time::Duration;

use crate::config::diag::Diags;
use crate::config::model::{
    CounterData, CounterFetch, CounterOf, DataType, HttpAction, IntMatch, IntRange, KeyType, Side,
    StickKey, StickKind, Store, TcpStage,
};
use crate::config::{load_texts, Loaded};

const DEFAULTS: &str =
    "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

fn load(body: &str) -> Result<Loaded, Diags> {
    let text = format!("{DEFAULTS}{body}");
    load_texts(&[("s.cfg", &text)], &|_| None)
}

/// The rendered messages (pid 0), one per line.
fn messages(body: &str) -> Vec<String> {
    let d = match load(body) {
        Ok(l) => l.diags,
        Err(d) => d,
    };
    d.render(0).lines().map(str::to_string).collect()
}

#[test]
fn a_stick_table_line_becomes_a_typed_table() {
    let l = load("backend b\n stick-table type string len 12 size 1k expire 30s nopurge srvkey addr store http_req_rate(10s),gpc0 store conn_cur\n")
        .unwrap();
    let t = l.config.backend("b").unwrap().stick.table.clone().unwrap();
    assert_eq!(t.key, KeyType::String { len: 12 });
    assert_eq!(
        (t.size, t.expire, t.nopurge),
        (1024, Some(Duration::from_secs(30)), true)
    );
    assert_eq!(
        t.store,
        vec![
            Store {
                data: DataType::HttpReqRate,
                period: Some(Duration::from_secs(10))
            },
            Store {
                data: DataType::Gpc0,
                period: None
            },
            Store {
                data: DataType::ConnCur,
                period: None
            },
        ]
    );
}

#[test]
fn default_key_lengths_are_haproxys() {
    let l = load("backend a\n stick-table type string size 1\nbackend b\n stick-table type binary size 1 expire 0\n").unwrap();
    let t = |n: &str| l.config.backend(n).unwrap().stick.table.clone().unwrap();
    assert_eq!(t("a").key, KeyType::String { len: 31 });
    assert_eq!(
        (t("b").key, t("b").expire),
        (KeyType::Binary { len: 32 }, None)
    );
}

#[test]
fn stick_rules_keep_kind_key_table_and_condition_and_enable_server_ids() {
    let l = load(
        "backend pop\n stick-table type ip size 200k expire 30m\n stick store-request src\n\
         backend web\n stick on req.cook(sid) table pop if TRUE\n stick store-response res.cook(sid) table pop\n stick match hdr(x-user) table pop\n",
    )
    .unwrap();
    let web = l.config.backend("web").unwrap();
    let kinds: Vec<_> = web.stick.rules.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [StickKind::On, StickKind::StoreResponse, StickKind::Match]
    );
    assert_eq!(
        web.stick.rules[1].key,
        StickKey::Cookie {
            side: Side::Response,
            name: "sid".into()
        }
    );
    assert!(web.stick.rules[0].cond.is_some());
    assert!(web.stick.rules.iter().all(|r| r.table == "pop"));
    let pop = l.config.backend("pop").unwrap();
    assert_eq!(pop.stick.rules[0].table, "pop");
    let t = pop.stick.table.as_ref().unwrap();
    assert!(t.stored(DataType::ServerId).is_some() && t.stored(DataType::ServerKey).is_some());
}

#[test]
fn track_sc_actions_and_counter_acls_are_typed() {
    let l = load(
        "frontend f\n bind :8000\n stick-table type ip size 100 expire 10s store http_req_rate(10s),conn_cur\n\
         tcp-request connection track-sc1 src\n tcp-request connection reject if { sc1_conn_cur gt 5 }\n\
         acl abuse sc_http_req_rate(0) gt 10\n http-request track-sc0 src\n http-request deny if abuse\n\
         http-request deny if { src_conn_cur ge 3 }\n default_backend b\nbackend b\n",
    )
    .unwrap();
    let f = l.config.frontend("f").unwrap();
    let HttpAction::TrackSc(t) = &f.http_request[0].action else {
        panic!("not typed: {:?}", f.http_request[0].action)
    };
    assert_eq!(
        (t.counter, &t.key, t.table.as_str()),
        (0, &StickKey::Src, "f")
    );
    let tt = f.stick.tcp_track_at(0).unwrap();
    assert_eq!((tt.stage, tt.track.counter), (TcpStage::Connection, 1));
    assert!(f.stick.tcp_track_at(1).is_none());
    let abuse = f
        .stick
        .counter_acl("sc_http_req_rate(0)", &["gt".into(), "10".into()])
        .unwrap();
    assert_eq!(
        abuse.fetch,
        CounterFetch::Counter {
            of: CounterOf::Sc(0),
            table: None,
            data: CounterData::HttpReqRate
        }
    );
    assert_eq!(
        abuse.matcher,
        IntMatch::Ranges(vec![IntRange {
            min: Some(11),
            max: None
        }])
    );
    let src = f
        .stick
        .counter_acl("src_conn_cur", &["ge".into(), "3".into()])
        .unwrap();
    assert!(
        matches!(&src.fetch, CounterFetch::Counter { of: CounterOf::Src, table: Some(t), .. } if t == "f")
    );
    assert!(f
        .stick
        .counter_acl("sc1_conn_cur", &["gt".into(), "5".into()])
        .is_some());
}

#[test]
fn table_errors_are_worded_like_haproxy() {
    let cases = [
        ("backend b\n stick-table type ip\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: missing size."),
        ("backend b\n stick-table type foo size 1\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unknown type 'foo'."),
        ("backend b\n stick-table size 1\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: missing type."),
        ("backend b\n stick-table type ip size 1 store foo\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unknown store option 'foo'."),
        ("backend b\n stick-table type ip size 1 store http_req_rate\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: missing argument to store option 'http_req_rate'."),
        ("backend b\n stick-table type ip size 1 store gpc0(1)\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unexpected argument to store option 'gpc0'."),
        ("backend b\n stick-table type ip size 1 store http_req_rate(1x)\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: error when processing store option 'http_req_rate'."),
        ("backend b\n stick-table type ip size 1 store http_req_rate(10s\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: missing closing parenthesis after store option 'http_req_rate'."),
        ("backend b\n stick-table type ip size 4g\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unexpected character 'g' in argument of 'size'."),
        ("backend b\n stick-table type ip size 1kb\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unexpected character 'b' in argument of 'size'."),
        ("backend b\n stick-table type string len 0 size 1\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unknown type '0'."),
        ("backend b\n stick-table type ip len 4 size 1\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unknown argument 'len'."),
        ("backend b\n stick-table type ip size 1 expire 30d\n", "[ALERT]    (0) : config : parsing [s.cfg:7]: stick-table: timer overflow in argument <30d> to <expire>, maximum value is 2147483647 ms (~24.8 days)."),
        ("backend b\n stick-table type ip size 1 expire foo\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table: unexpected character 'f' in argument of 'expire'."),
        ("backend b\n stick-table type string size 1 srvkey foo\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : stick-table : unknown server key type 'foo'."),
        ("backend b\n stick-table type ip size 1\n stick-table type ip size 2\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : stick-table name 'b' conflicts with table declared in backend 'b' at s.cfg:7."),
        ("backend b\n stick-table type ip size 1 store gpc0,gpc0\n", "[WARNING]  (0) : config : parsing [s.cfg:7]: stick-table: store option 'gpc0' already enabled, ignored."),
        ("backend b\n stick-table type ip size 1 peers nope\n", "[ALERT]    (0) : config : Proxy 'b': unable to find sync peers 'nope'."),
    ];
    for (body, want) in cases {
        assert_eq!(
            messages(body).first().map(String::as_str),
            Some(want),
            "{body}"
        );
    }
}

#[test]
fn rule_errors_are_worded_like_haproxy() {
    let cases = [
        ("backend b\n stick on src\n", "[ALERT]    (0) : config : Proxy 'b': unable to find stick-table 'b'."),
        ("backend b\n stick on\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : 'stick' expects a fetch method."),
        ("backend b\n stick foo src\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : 'stick' expects 'on', 'match', or 'store'."),
        ("backend b\n stick on foo\n", "[ALERT]    (0) : config : parsing [s.cfg:7] : 'stick': unknown fetch method 'foo'"),
        ("backend b\n stick-table type ip size 1\n stick on src extra\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : 'stick': unknown keyword 'extra'."),
        ("backend b\n stick-table type ip size 1\n stick store-response req.hdr(x)\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : 'stick': fetch method 'req.hdr' extracts information from 'HTTP request headers', none of which is available for 'store-response'."),
        ("backend b\n stick-table type ip size 1\n stick match res.cook(x)\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : 'stick': fetch method 'res.cook' extracts information from 'HTTP response headers', none of which is available during request."),
        ("frontend f\n bind :8000\n http-request track-sc0 src\n", "[ALERT]    (0) : config : Proxy 'f': unable to find table 'f' referenced by track-sc0."),
        ("frontend f\n bind :8000\n http-request track-sc3 src\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : error detected in frontend 'f' while parsing 'http-request track-sc3' rule : 3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value."),
        ("frontend f\n bind :8000\n tcp-request connection track-sc0 req.hdr(x)\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : 'tcp-request connection track-sc0' : fetch method 'req.hdr(x)' extracts information from 'HTTP request headers', none of which is available here"),
        ("frontend f\n bind :8000\n acl a sc_http_req_rate gt 1\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : error detected while parsing ACL 'a' : fetch method 'sc_http_req_rate' : expected type 'integer' at position 1, but got nothing in ACL expression 'sc_http_req_rate'."),
        ("frontend f\n bind :8000\n acl a src_http_req_rate gt 1\n", "[ALERT]    (0) : config : parsing [s.cfg:8]: unable to find table 'f' referenced in arg 1 of ACL keyword 'src_http_req_rate' in proxy 'f'."),
        ("frontend f\n bind :8000\n http-request deny if { sc_http_req_rate(0) foo }\n", "[ALERT]    (0) : config : parsing [s.cfg:8] : error detected while parsing an 'http-request deny' condition : 'foo' is not a number."),
    ];
    for (body, want) in cases {
        assert_eq!(
            messages(body).first().map(String::as_str),
            Some(want),
            "{body}"
        );
    }
}

#[test]
fn several_unresolved_tables_are_one_alert_as_in_haproxy() {
    let m = messages("frontend f\n bind :8000\n acl a sc_http_req_rate(0,nope) gt 10\n acl b src_conn_cur(nope2) gt 10\n");
    assert_eq!(
        m.get(..3).unwrap(),
        [
            "[ALERT]    (0) : config : multiple argument resolution errors:",
            "        parsing [s.cfg:8]: unable to find table 'nope' referenced in arg 2 of ACL keyword 'sc_http_req_rate' in proxy 'f'.",
            "        parsing [s.cfg:9]: unable to find table 'nope2' referenced in arg 1 of ACL keyword 'src_conn_cur' in proxy 'f'.",
        ]
    );
}

#[test]
fn what_this_build_cannot_do_is_refused_with_the_line() {
    let refused = [
        ("backend b\n stick-table type ip size 1\n stick on req.payload_lv(43,1)\n", "parsing [s.cfg:8] : 'stick': fetch method 'req.payload_lv' is not supported"),
        ("backend b\n stick-table type ip size 1\n stick on src,lower\n", "parsing [s.cfg:8] : 'stick': converter 'lower' is not supported"),
        ("backend b\n stick-table type ip size 1 store gpc(2)\n", "parsing [s.cfg:7] : stick-table: store option 'gpc' (an array) is not supported"),
        ("frontend f\n bind :8000\n stick-table type ip size 1\n http-request track-sc0 ssl_fc\n", "parsing [s.cfg:9] : error detected in frontend 'f' while parsing 'http-request track-sc0' rule : fetch method 'ssl_fc' is not supported"),
        ("frontend f\n bind :8000\n stick-table type ip size 1\n acl a sc_get_gpc(0,0) gt 1\n", "parsing [s.cfg:9] : error detected while parsing ACL 'a' : fetch method 'sc_get_gpc' is not supported"),
        ("frontend f\n bind :8000\n stick-table type ip size 1\n http-request deny if { sc_http_req_rate(0),add(1) gt 10 }\n", "condition : converter 'add' is not supported"),
        ("frontend f\n bind :8000\n stick-table type ip size 1\n acl a sc0_conn_cur -m str 1\n", "matching method '-m str' is not supported"),
    ];
    for (body, want) in refused {
        let m = messages(body);
        let first = m.first().cloned().unwrap_or_default();
        assert!(
            first.starts_with("[ALERT]") && first.contains(want),
            "{body}\n{first}"
        );
    }
}
