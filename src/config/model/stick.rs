//! Stick tables and what uses them (configuration.txt 4.2 "stick-table", "stick match",
//! "stick on", "stick store-request", "stick store-response", "http-request track-sc0",
//! "tcp-request connection track-sc0"; 7.3.3 the `sc_*`, `sc0_*`, `src_*` and `table_*`
//! fetches): the declared table, the sticking rules, the `track-sc*` actions and the
//! counter fetches of ACLs, all as final typed values (parsed in `config::kw::stick`).
//! Plain data, part of [`super`]; must not import any other room of the crate.

use super::*;

/// The key type of a table (`stick-table type ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `ip`: IPv4 addresses (IPv4-mapped IPv6 addresses are converted).
    Ip,
    /// `ipv6`: IPv6 addresses (IPv4 ones are stored mapped).
    Ipv6,
    /// `integer`: 32-bit unsigned integers.
    Integer,
    /// `string [len N]`: at most `len` bytes are kept (HAProxy keeps 31 without `len`,
    /// since its default key size of 32 holds the terminating NUL).
    String {
        /// Number of bytes kept and compared.
        len: usize,
    },
    /// `binary [len N]`: blocks of exactly `len` bytes (truncated or padded with zeroes).
    Binary {
        /// Block length (32 by default).
        len: usize,
    },
}

impl KeyType {
    /// The word of `stick-table type`.
    pub fn keyword(self) -> &'static str {
        match self {
            KeyType::Ip => "ip",
            KeyType::Ipv6 => "ipv6",
            KeyType::Integer => "integer",
            KeyType::String { .. } => "string",
            KeyType::Binary { .. } => "binary",
        }
    }
}

/// What identifies a server in `server_key` (`stick-table ... srvkey name|addr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SrvKey {
    /// The server's name (default).
    #[default]
    Name,
    /// The server's address and port.
    Addr,
}

/// A data type a table can store (`stick-table ... store TYPE[,TYPE...]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    /// `server_id`: numeric id of the server a key sticks to (enabled by `stick` rules).
    ServerId,
    /// `server_key`: the server's name or address (enabled by `stick` rules).
    ServerKey,
    /// `gpt0`: general purpose tag.
    Gpt0,
    /// `gpc0`: first general purpose counter.
    Gpc0,
    /// `gpc0_rate(PERIOD)`.
    Gpc0Rate,
    /// `gpc1`: second general purpose counter.
    Gpc1,
    /// `gpc1_rate(PERIOD)`.
    Gpc1Rate,
    /// `conn_cnt`: connections received.
    ConnCnt,
    /// `conn_cur`: concurrent connections.
    ConnCur,
    /// `conn_rate(PERIOD)`.
    ConnRate,
    /// `sess_cnt`: sessions accepted.
    SessCnt,
    /// `sess_rate(PERIOD)`.
    SessRate,
    /// `http_req_cnt`: HTTP requests.
    HttpReqCnt,
    /// `http_req_rate(PERIOD)`.
    HttpReqRate,
    /// `http_err_cnt`: HTTP errors caused by the client (4xx, denied, ...).
    HttpErrCnt,
    /// `http_err_rate(PERIOD)`.
    HttpErrRate,
    /// `http_fail_cnt`: HTTP failures of servers (5xx but 501 and 505).
    HttpFailCnt,
    /// `http_fail_rate(PERIOD)`.
    HttpFailRate,
    /// `bytes_in_cnt`: bytes from the client.
    BytesInCnt,
    /// `bytes_in_rate(PERIOD)`.
    BytesInRate,
    /// `bytes_out_cnt`: bytes to the client.
    BytesOutCnt,
    /// `bytes_out_rate(PERIOD)`.
    BytesOutRate,
}

impl DataType {
    /// Every data type, in HAProxy's declaration order of names.
    pub const ALL: [DataType; 22] = [
        DataType::ServerId,
        DataType::Gpt0,
        DataType::Gpc0,
        DataType::Gpc0Rate,
        DataType::ConnCnt,
        DataType::ConnRate,
        DataType::ConnCur,
        DataType::SessCnt,
        DataType::SessRate,
        DataType::HttpReqCnt,
        DataType::HttpReqRate,
        DataType::HttpErrCnt,
        DataType::HttpErrRate,
        DataType::BytesInCnt,
        DataType::BytesInRate,
        DataType::BytesOutCnt,
        DataType::BytesOutRate,
        DataType::Gpc1,
        DataType::Gpc1Rate,
        DataType::ServerKey,
        DataType::HttpFailCnt,
        DataType::HttpFailRate,
    ];

    /// The name written after `store`.
    pub fn name(self) -> &'static str {
        match self {
            DataType::ServerId => "server_id",
            DataType::ServerKey => "server_key",
            DataType::Gpt0 => "gpt0",
            DataType::Gpc0 => "gpc0",
            DataType::Gpc0Rate => "gpc0_rate",
            DataType::Gpc1 => "gpc1",
            DataType::Gpc1Rate => "gpc1_rate",
            DataType::ConnCnt => "conn_cnt",
            DataType::ConnCur => "conn_cur",
            DataType::ConnRate => "conn_rate",
            DataType::SessCnt => "sess_cnt",
            DataType::SessRate => "sess_rate",
            DataType::HttpReqCnt => "http_req_cnt",
            DataType::HttpReqRate => "http_req_rate",
            DataType::HttpErrCnt => "http_err_cnt",
            DataType::HttpErrRate => "http_err_rate",
            DataType::HttpFailCnt => "http_fail_cnt",
            DataType::HttpFailRate => "http_fail_rate",
            DataType::BytesInCnt => "bytes_in_cnt",
            DataType::BytesInRate => "bytes_in_rate",
            DataType::BytesOutCnt => "bytes_out_cnt",
            DataType::BytesOutRate => "bytes_out_rate",
        }
    }

    /// The data type called `name`.
    pub fn from_name(name: &str) -> Option<DataType> {
        DataType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// True for the frequency counters, which take a period (`http_req_rate(10s)`).
    pub fn is_rate(self) -> bool {
        matches!(
            self,
            DataType::Gpc0Rate
                | DataType::Gpc1Rate
                | DataType::ConnRate
                | DataType::SessRate
                | DataType::HttpReqRate
                | DataType::HttpErrRate
                | DataType::HttpFailRate
                | DataType::BytesInRate
                | DataType::BytesOutRate
        )
    }
}

/// One stored data type and, for rates, its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Store {
    /// The data type.
    pub data: DataType,
    /// The period of a rate (`None` for the other types). HAProxy keeps it in
    /// milliseconds; a period of 0 (`http_req_rate(0)`) is accepted and never counts.
    pub period: Option<Duration>,
}

/// `stick-table type T [len N] size S [expire E] [nopurge] [peers P] [srvkey K] [store ...]`.
/// The table is named after its proxy.
#[derive(Debug, Clone, PartialEq)]
pub struct StickTable {
    /// Where the line was.
    pub loc: Loc,
    /// The key type.
    pub key: KeyType,
    /// Maximum number of entries (never 0).
    pub size: u64,
    /// Idle time after which an entry goes away (`None`: never, only pushed out when full).
    pub expire: Option<Duration>,
    /// `nopurge`: refuse new entries when full instead of removing the oldest.
    pub nopurge: bool,
    /// `peers`: the section that would replicate the table (not active: nothing is sent).
    pub peers: Option<String>,
    /// `srvkey`.
    pub srvkey: SrvKey,
    /// The stored data types, in the order written (no duplicates). `server_id` and
    /// `server_key` are added at validation when a `stick` rule uses the table.
    pub store: Vec<Store>,
}

impl StickTable {
    /// The stored entry of `data`, if the table stores it.
    pub fn stored(&self, data: DataType) -> Option<&Store> {
        self.store.iter().find(|s| s.data == data)
    }
}

/// Which side of an HTTP exchange a header or cookie sample is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The request (`req.hdr`, `req.cook`, or `hdr`/`cookie` in a request rule).
    Request,
    /// The response (`res.hdr`, `res.cook`, or `hdr`/`cookie` in a response rule).
    Response,
}

/// The sample a table key is made from (the `<pattern>` of `stick` rules and the `<key>` of
/// `track-sc*`). Only these fetches, without converters, are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StickKey {
    /// `src`: the client's IP address.
    Src,
    /// `req.hdr(NAME[,OCC])`, `res.hdr(NAME[,OCC])`, `hdr(NAME[,OCC])`: a header value
    /// (the comma-separated value at occurrence `occ`, the last one when absent).
    Hdr {
        /// Request or response.
        side: Side,
        /// Header name.
        name: String,
        /// Occurrence: positive from the first, negative from the last.
        occ: Option<i64>,
    },
    /// `req.cook(NAME)` / `cookie(NAME)` (a `Cookie` value), `res.cook(NAME)` (a
    /// `Set-Cookie` value).
    Cookie {
        /// Request (`Cookie`) or response (`Set-Cookie`).
        side: Side,
        /// Cookie name.
        name: String,
    },
    /// `url_param(NAME[,DELIM])` / `urlp(...)`: a query-string parameter.
    UrlParam {
        /// Parameter name.
        name: String,
        /// Delimiter characters other than `&` (HAProxy's optional second argument).
        delim: Option<String>,
    },
    /// `path`: the request path.
    Path,
}

/// What a `stick` rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StickKind {
    /// `stick on`: `match` then `store-request`.
    On,
    /// `stick match`.
    Match,
    /// `stick store-request` (also written `stick store`).
    StoreRequest,
    /// `stick store-response`.
    StoreResponse,
}

impl StickKind {
    /// True if the rule looks the key up to pick a server.
    pub fn matches(self) -> bool {
        matches!(self, StickKind::On | StickKind::Match)
    }
    /// True if the rule stores the server the request went to.
    pub fn stores(self) -> bool {
        !matches!(self, StickKind::Match)
    }
}

/// `stick on|match|store-request|store-response PATTERN [table T] [if|unless COND]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StickRule {
    /// Where the line was.
    pub loc: Loc,
    /// What the rule does.
    pub kind: StickKind,
    /// The key.
    pub key: StickKey,
    /// The table: the one named with `table`, else the proxy's own (its name).
    pub table: String,
    /// Optional condition.
    pub cond: Option<Cond>,
}

/// The action `track-sc0|1|2 KEY [table T]` of `http-request`, `http-response` and
/// `tcp-request connection|session|content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSc {
    /// The sticky counter slot, 0 to 2.
    pub counter: u8,
    /// The key.
    pub key: StickKey,
    /// The table: the one named with `table`, else the proxy's own (its name).
    pub table: String,
}

/// The stage of a `tcp-request` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpStage {
    /// `tcp-request connection`.
    Connection,
    /// `tcp-request session`.
    Session,
    /// `tcp-request content`.
    Content,
}

/// A `tcp-request connection|session|content track-sc*` rule, typed. The line also stays in
/// [`Proxy::tcp_request`] (at index `rule`), so that the runtime keeps the rules' order.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpTrack {
    /// Index of the line in [`Proxy::tcp_request`].
    pub rule: usize,
    /// Its stage.
    pub stage: TcpStage,
    /// The action.
    pub track: TrackSc,
    /// Optional condition.
    pub cond: Option<Cond>,
}

/// Which tracked entry a counter fetch reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterOf {
    /// `sc_*(N)` / `scN_*`: the entry tracked by `track-scN` (N may exceed 2 in `sc_*(N)`,
    /// then nothing is ever tracked there).
    Sc(u32),
    /// `src_*`: the client address looked up in a table, without tracking it.
    Src,
}

/// The value a counter fetch returns (the part after `sc_`, `scN_` or `src_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterData {
    /// `conn_cnt`.
    ConnCnt,
    /// `conn_cur`.
    ConnCur,
    /// `conn_rate`.
    ConnRate,
    /// `sess_cnt`.
    SessCnt,
    /// `sess_rate`.
    SessRate,
    /// `http_req_cnt`.
    HttpReqCnt,
    /// `http_req_rate`.
    HttpReqRate,
    /// `http_err_cnt`.
    HttpErrCnt,
    /// `http_err_rate`.
    HttpErrRate,
    /// `http_fail_cnt`.
    HttpFailCnt,
    /// `http_fail_rate`.
    HttpFailRate,
    /// `bytes_in_rate`.
    BytesInRate,
    /// `bytes_out_rate`.
    BytesOutRate,
    /// `kbytes_in`: `bytes_in_cnt` / 1024.
    KbytesIn,
    /// `kbytes_out`: `bytes_out_cnt` / 1024.
    KbytesOut,
    /// `get_gpt0`.
    GetGpt0,
    /// `get_gpc0`.
    GetGpc0,
    /// `get_gpc1`.
    GetGpc1,
    /// `gpc0_rate`.
    Gpc0Rate,
    /// `gpc1_rate`.
    Gpc1Rate,
    /// `inc_gpc0`: increments, returns the new value (creates the `src_` entry).
    IncGpc0,
    /// `inc_gpc1`.
    IncGpc1,
    /// `clr_gpc0`: clears, returns the previous value (creates the `src_` entry).
    ClrGpc0,
    /// `clr_gpc1`.
    ClrGpc1,
    /// `tracked` (`sc` forms only): a boolean, true when the counter is tracked.
    Tracked,
    /// `trackers`: how many streams track the entry.
    Trackers,
    /// `updt_conn_cnt` (`src` form only): increments `conn_cnt`, returns it.
    UpdtConnCnt,
}

impl CounterData {
    /// Every counter fetch suffix HAProxy 2.6 registers for the `sc`, `scN` and `src` forms
    /// that is supported here, with its name.
    pub const NAMES: [(&'static str, CounterData); 27] = [
        ("conn_cnt", CounterData::ConnCnt),
        ("conn_cur", CounterData::ConnCur),
        ("conn_rate", CounterData::ConnRate),
        ("sess_cnt", CounterData::SessCnt),
        ("sess_rate", CounterData::SessRate),
        ("http_req_cnt", CounterData::HttpReqCnt),
        ("http_req_rate", CounterData::HttpReqRate),
        ("http_err_cnt", CounterData::HttpErrCnt),
        ("http_err_rate", CounterData::HttpErrRate),
        ("http_fail_cnt", CounterData::HttpFailCnt),
        ("http_fail_rate", CounterData::HttpFailRate),
        ("bytes_in_rate", CounterData::BytesInRate),
        ("bytes_out_rate", CounterData::BytesOutRate),
        ("kbytes_in", CounterData::KbytesIn),
        ("kbytes_out", CounterData::KbytesOut),
        ("get_gpt0", CounterData::GetGpt0),
        ("get_gpc0", CounterData::GetGpc0),
        ("get_gpc1", CounterData::GetGpc1),
        ("gpc0_rate", CounterData::Gpc0Rate),
        ("gpc1_rate", CounterData::Gpc1Rate),
        ("inc_gpc0", CounterData::IncGpc0),
        ("inc_gpc1", CounterData::IncGpc1),
        ("clr_gpc0", CounterData::ClrGpc0),
        ("clr_gpc1", CounterData::ClrGpc1),
        ("tracked", CounterData::Tracked),
        ("trackers", CounterData::Trackers),
        ("updt_conn_cnt", CounterData::UpdtConnCnt),
    ];

    /// The suffix called `name`.
    pub fn from_name(name: &str) -> Option<CounterData> {
        CounterData::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| *d)
    }

    /// True for the fetches that change the entry (`inc_*`, `clr_*`, `updt_conn_cnt`).
    pub fn writes(self) -> bool {
        matches!(
            self,
            CounterData::IncGpc0
                | CounterData::IncGpc1
                | CounterData::ClrGpc0
                | CounterData::ClrGpc1
                | CounterData::UpdtConnCnt
        )
    }
}

/// A stick-counter fetch, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterFetch {
    /// `sc_DATA(N[,T])`, `scN_DATA[(T)]`, `src_DATA[(T)]`.
    Counter {
        /// Tracked entry or source address.
        of: CounterOf,
        /// The table: for `src_*`, the one named or the proxy's own; for `sc*`, an
        /// alternate table where the tracked key is looked up instead (`None`: the tracked
        /// entry itself).
        table: Option<String>,
        /// What is read.
        data: CounterData,
    },
    /// `table_cnt[(T)]`: entries in use.
    TableCnt {
        /// The table (the proxy's own when not named).
        table: String,
    },
    /// `table_avl[(T)]`: free entries.
    TableAvl {
        /// The table (the proxy's own when not named).
        table: String,
    },
}

/// One integer pattern: `N`, `LO:HI`, `LO:`, `:HI` (after `eq|ge|gt|le|lt` were applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntRange {
    /// Lowest matching value, if bounded.
    pub min: Option<i64>,
    /// Highest matching value, if bounded.
    pub max: Option<i64>,
}

/// How a counter fetch's integer is matched by an ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntMatch {
    /// The default (`-m int`): any of the ranges (none: never matches).
    Ranges(Vec<IntRange>),
    /// `-m found`: the sample exists.
    Found,
    /// `-m bool`: the value is not zero.
    Bool,
}

/// An ACL (named or anonymous) whose fetch is a stick counter, typed at load. The runtime
/// finds it by the criterion and arguments of the [`Acl`] or [`AclRef::Anonymous`] it was
/// built from.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterAcl {
    /// The line the ACL was written on.
    pub loc: Loc,
    /// The criterion as written (`sc_http_req_rate(0)`).
    pub criterion: String,
    /// The flags and values as written (`gt 10`).
    pub args: Vec<String>,
    /// The fetch.
    pub fetch: CounterFetch,
    /// The match.
    pub matcher: IntMatch,
}

/// Everything about stick tables in one proxy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProxyStick {
    /// `stick-table` (at most one per proxy).
    pub table: Option<StickTable>,
    /// `stick on|match|store-request|store-response` rules, in file order.
    pub rules: Vec<StickRule>,
    /// `tcp-request ... track-sc*` rules.
    pub tcp_track: Vec<TcpTrack>,
    /// Every ACL of the proxy whose fetch is a stick counter (filled at validation).
    pub counter_acls: Vec<CounterAcl>,
}

impl ProxyStick {
    /// The typed form of the counter ACL written `criterion args...`, if it is one.
    pub fn counter_acl(&self, criterion: &str, args: &[String]) -> Option<&CounterAcl> {
        self.counter_acls
            .iter()
            .find(|a| a.criterion == criterion && a.args == args)
    }
    /// The typed `track-sc*` action of the `tcp-request` line at `index`, if it is one.
    pub fn tcp_track_at(&self, index: usize) -> Option<&TcpTrack> {
        self.tcp_track.iter().find(|t| t.rule == index)
    }
}
