//! What this build does with each fetch and converter HAProxy 2.6 knows: it runs it (the
//! `sample` room implements exactly [`FETCHES`] and [`CONVERTERS`], which its tests check) or
//! the configuration is refused at load with an ALERT that names it and the capability it
//! waits for. Nothing is accepted to do nothing.

/// Fetches the `sample` room runs.
pub const FETCHES: &[&str] = &[
    "always_false",
    "always_true",
    "base",
    "baseq",
    "be_id",
    "be_name",
    "bin",
    "bool",
    "cook",
    "cook_cnt",
    "cook_val",
    "cookie",
    "dst",
    "dst_port",
    "env",
    "fe_id",
    "fe_name",
    "hdr",
    "hdr_cnt",
    "hdr_ip",
    "hdr_val",
    "int",
    "ipv4",
    "ipv6",
    "meth",
    "method",
    "path",
    "pathq",
    "query",
    "req.cook",
    "req.cook_cnt",
    "req.cook_val",
    "req.fhdr",
    "req.fhdr_cnt",
    "req.hdr",
    "req.hdr_cnt",
    "req.hdr_ip",
    "req.hdr_names",
    "req.hdr_val",
    "req.hdrs",
    "req.ver",
    "req_ver",
    "res.cook",
    "res.cook_cnt",
    "res.cook_val",
    "res.fhdr",
    "res.fhdr_cnt",
    "res.hdr",
    "res.hdr_cnt",
    "res.hdr_ip",
    "res.hdr_names",
    "res.hdr_val",
    "res.hdrs",
    "res.ver",
    "resp_ver",
    "scook",
    "scook_cnt",
    "scook_val",
    "shdr",
    "shdr_cnt",
    "shdr_ip",
    "shdr_val",
    "src",
    "src_port",
    "srv_id",
    "srv_name",
    "status",
    "str",
    "url",
    "url_param",
    "urlp",
    "urlp_val",
    "var",
];

/// Converters the `sample` room runs.
pub const CONVERTERS: &[&str] = &[
    "add",
    "and",
    "b64dec",
    "base64",
    "bool",
    "bytes",
    "concat",
    "cpl",
    "crc32",
    "div",
    "djb2",
    "even",
    "field",
    "hex",
    "hex2i",
    "host_only",
    "ipmask",
    "json",
    "length",
    "lower",
    "ltrim",
    "mod",
    "mul",
    "neg",
    "not",
    "odd",
    "or",
    "port_only",
    "regsub",
    "rtrim",
    "sdbm",
    "set-var",
    "sha1",
    "sha2",
    "strcmp",
    "sub",
    "ub64dec",
    "ub64enc",
    "unset-var",
    "upper",
    "url_dec",
    "url_enc",
    "word",
    "wt6",
    "xor",
];

/// Why a fetch or converter is refused: `None` when this build runs it, else the capability
/// it waits for.
pub fn refused_fetch(name: &str) -> Option<&'static str> {
    if FETCHES.contains(&name) {
        return None;
    }
    Some(capability(name))
}

/// Why a converter is refused (see [`refused_fetch`]).
pub fn refused_converter(name: &str) -> Option<&'static str> {
    if CONVERTERS.contains(&name) {
        return None;
    }
    Some(capability(name))
}

/// Why one expression is refused: the first fetch or converter this build does not run. The
/// message is the ALERT's text.
pub fn refused_expr(e: &crate::config::model::Expr) -> Option<String> {
    if let Some(why) = refused_fetch(&e.fetch.name) {
        return Some(format!(
            "fetch method '{}' is not supported by this build yet (it needs {why})",
            e.fetch.name
        ));
    }
    for c in &e.convs {
        if let Some(why) = refused_converter(&c.name) {
            return Some(format!(
                "converter '{}' is not supported by this build yet (it needs {why})",
                c.name
            ));
        }
    }
    None
}

fn capability(name: &str) -> &'static str {
    let starts = |p: &str| name.starts_with(p);
    if starts("ssl_")
        || starts("req.ssl_")
        || starts("req_ssl_")
        || name.contains("ssl_hello")
        || matches!(
            name,
            "aes_gcm_dec"
                | "digest"
                | "hmac"
                | "sha2"
                | "jwt_header_query"
                | "jwt_payload_query"
                | "jwt_verify"
        )
    {
        "TLS"
    } else if starts("51d.") || starts("da-csv") || starts("wurfl") {
        "device detection"
    } else if starts("lua.") {
        "Lua"
    } else if starts("fcgi.") {
        "FastCGI"
    } else if starts("res.cache_") {
        "the cache"
    } else if starts("sc")
        || starts("src_")
        || starts("table_")
        || starts("sc0_")
        || starts("sc1_")
        || starts("sc2_")
        || matches!(name, "in_table")
    {
        "the rules engine's stick-table counters"
    } else {
        "the rules engine"
    }
}
