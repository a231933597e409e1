//! `compression algo|type|offload` (configuration.txt 4.2, `compression`), typed: which
//! algorithms a proxy offers, which content types it compresses and whether it hides
//! `Accept-Encoding` from the server. The HTTP filter that acts on it is
//! `proxy::compression`. Imports nothing outside `config`.

use super::Loc;

/// One `compression algo` name (HAProxy 2.6's `comp_algos[]` table, `src/compression.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompAlgo {
    /// `identity`: no transformation (but the response is still rewritten as chunked).
    Identity,
    /// `gzip`: RFC 1952.
    Gzip,
    /// `deflate`: zlib format, RFC 1950.
    Deflate,
    /// `raw-deflate`: bare DEFLATE, RFC 1951, announced as `deflate` to clients.
    RawDeflate,
}

impl CompAlgo {
    /// Every algorithm, in the order `haproxy -vv` lists them.
    pub const ALL: [CompAlgo; 4] = [
        CompAlgo::Identity,
        CompAlgo::Deflate,
        CompAlgo::RawDeflate,
        CompAlgo::Gzip,
    ];

    /// The configuration name (`cfg_name`): `identity`, `gzip`, `deflate`, `raw-deflate`.
    pub fn name(self) -> &'static str {
        match self {
            CompAlgo::Identity => "identity",
            CompAlgo::Gzip => "gzip",
            CompAlgo::Deflate => "deflate",
            CompAlgo::RawDeflate => "raw-deflate",
        }
    }

    /// The content-coding token (`ua_name`) matched in `Accept-Encoding` and written in
    /// `Content-Encoding`: `raw-deflate` is announced as `deflate`.
    pub fn token(self) -> &'static str {
        match self {
            CompAlgo::Identity => "identity",
            CompAlgo::Gzip => "gzip",
            CompAlgo::Deflate | CompAlgo::RawDeflate => "deflate",
        }
    }

    /// The algorithm a configuration name stands for (exact, case-sensitive, like `strcmp`).
    pub fn from_name(name: &str) -> Option<CompAlgo> {
        CompAlgo::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A proxy's `compression` settings (HAProxy's `struct comp`). A proxy has one as soon as
/// any `compression` line applies to it, its own or its `defaults` section's.
#[derive(Debug, Clone, PartialEq)]
pub struct Compression {
    /// `compression algo`, in configuration order, the `defaults` section's first. HAProxy
    /// 2.6 pushes each at the head of a list, so its searches see the last one first.
    pub algos: Vec<CompAlgo>,
    /// `compression type`: content-type prefixes, compared case-insensitively, in
    /// configuration order, the `defaults` section's first.
    pub types: Vec<String>,
    /// `compression offload`: remove `Accept-Encoding` before the request reaches the server.
    /// Never inherited from `defaults` (where 2.6 warns that it is ignored).
    pub offload: bool,
    /// The first `compression` line that applies (maybe in a `defaults` section).
    pub loc: Loc,
}

impl Compression {
    /// Empty settings first written at `loc`.
    pub fn new(loc: Loc) -> Self {
        Compression {
            algos: Vec::new(),
            types: Vec::new(),
            offload: false,
            loc,
        }
    }

    /// What a proxy inherits from a `defaults` section's settings (`proxy_defproxy_cpy`
    /// copies the algorithm and type lists only).
    pub fn inherited(&self) -> Self {
        Compression {
            offload: false,
            ..self.clone()
        }
    }
}
