//! `balance` and `hash-type` (configuration.txt 4.2 "balance", "hash-type").
//! Plain data, part of [`super`]; must not import any other room of the crate.

/// `balance` algorithm (configuration.txt 4.2 "balance").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Balance {
    /// `roundrobin` (default).
    #[default]
    RoundRobin,
    /// `static-rr`.
    StaticRr,
    /// `leastconn`.
    LeastConn,
    /// `first`.
    First,
    /// `source`.
    Source,
    /// `uri [len N] [depth N] [whole] [path-only]`.
    Uri {
        /// `len`: only the first N characters (0 = all).
        len: u32,
        /// `depth`: only the first N directories (0 = all).
        depth: u32,
        /// `whole`: include the query string.
        whole: bool,
        /// `path-only`: ignore scheme and authority.
        path_only: bool,
    },
    /// `url_param NAME [check_post]`.
    UrlParam {
        /// Parameter name.
        name: String,
        /// `check_post`.
        check_post: bool,
    },
    /// `hdr(NAME) [use_domain_only]`.
    Hdr {
        /// Header name.
        name: String,
        /// `use_domain_only`.
        use_domain_only: bool,
    },
    /// `rdp-cookie(NAME)` (default name `mstshash`).
    RdpCookie {
        /// Cookie name.
        name: String,
    },
    /// `random[(DRAWS)]`, default 2 draws.
    Random {
        /// Number of draws (power of N choices).
        draws: u32,
    },
    /// `hash EXPR`: hash of a sample expression (new in 2.6).
    Hash {
        /// The sample expression, as written.
        expr: String,
    },
}

impl Balance {
    /// True for the algorithms that hash a key (and so honour `hash-type`).
    pub fn is_hash(&self) -> bool {
        matches!(
            self,
            Balance::Source
                | Balance::Uri { .. }
                | Balance::UrlParam { .. }
                | Balance::Hdr { .. }
                | Balance::RdpCookie { .. }
                | Balance::Hash { .. }
        )
    }
}

/// `hash-type <method> <function> <modifier>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashType {
    /// `map-based` (default) or `consistent`.
    pub method: HashMethod,
    /// `sdbm` (default), `djb2`, `wt6`, `crc32`.
    pub function: HashFunction,
    /// `avalanche` modifier.
    pub avalanche: bool,
}

/// Hash method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashMethod {
    /// `map-based`.
    #[default]
    MapBased,
    /// `consistent`.
    Consistent,
}

/// Hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashFunction {
    /// `sdbm`.
    #[default]
    Sdbm,
    /// `djb2`.
    Djb2,
    /// `wt6`.
    Wt6,
    /// `crc32`.
    Crc32,
}
