//! `compression algo ALGO...`, `compression type TYPE...` and `compression offload`
//! (configuration.txt 4.2 "compression"), read as HAProxy 2.6's `parse_compression_options`
//! (`src/flt_http_comp.c`) does: the proxy gets its settings as soon as a `compression` line
//! is read (even a bad one), each `algo` and `type` word is added in turn and the first
//! unknown algorithm stops the line, and `offload` in a `defaults` section is a warning.
//! Inheritance from `defaults` is `Compression::inherited` (applied in `config::inherit`).
//!
//! The runtime filter is `proxy::compression`. Imports only the config room.

use super::{Keyword, Parse, ProxyCtx, PROXIES};
use crate::config::lexer::Line;
use crate::config::model::{CompAlgo, Compression};

/// `compression`.
pub static KEYWORDS: &[Keyword] = &[Keyword {
    name: "compression",
    sections: PROXIES,
    parse: Parse::Proxy(compression),
}];

/// One `compression` line.
fn compression(ctx: &mut ProxyCtx<'_>, line: &Line) {
    let in_defaults = ctx.in_defaults();
    let comp = ctx
        .proxy
        .compression
        .get_or_insert_with(|| Compression::new(line.loc.clone()));
    let args = line.words.get(2..).unwrap_or(&[]);
    match line.word(1).unwrap_or("") {
        "algo" => {
            if args.is_empty() {
                let msg = format!(
                    "parsing [{}] : 'compression' expects <algorithm>.",
                    line.loc
                );
                ctx.alert(line, msg);
                return;
            }
            for a in args {
                match CompAlgo::from_name(a) {
                    Some(algo) => comp.algos.push(algo),
                    None => {
                        let msg = format!("'compression' : '{a}' is not a supported algorithm.");
                        ctx.alert(line, msg);
                        return;
                    }
                }
            }
        }
        "type" => {
            if args.is_empty() {
                ctx.alert(line, "'compression' expects <type>.");
                return;
            }
            comp.types.extend(args.iter().cloned());
        }
        "offload" => {
            comp.offload = true;
            if in_defaults {
                ctx.warning(
                    line,
                    "'compression' : 'offload' ignored in 'defaults' section.",
                );
            }
        }
        _ => ctx.alert(line, "'compression' expects 'algo', 'type' or 'offload'"),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::model::{CompAlgo, Compression, Config};

    fn load(text: &str) -> Config {
        crate::config::load_texts(&[("t.cfg", text)], &|_| None)
            .unwrap()
            .config
    }

    fn errors(text: &str) -> String {
        match crate::config::load_texts(&[("t.cfg", text)], &|_| None) {
            Ok(_) => String::new(),
            Err(d) => d.render(1),
        }
    }

    fn comp<'a>(c: &'a Config, name: &str) -> Option<&'a Compression> {
        c.proxies
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.compression.as_ref())
    }

    const HEAD: &str =
        "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

    #[test]
    fn algo_type_and_offload_lines_add_up_in_configuration_order() {
        let c = load(&format!(
            "{HEAD}frontend fe\n bind :80\n compression algo gzip raw-deflate\n compression algo identity\n compression type text/html text/plain\n compression offload\n default_backend be\nbackend be\n server s1 127.0.0.1:80\n"
        ));
        let fe = comp(&c, "fe").unwrap();
        assert_eq!(
            fe.algos,
            vec![CompAlgo::Gzip, CompAlgo::RawDeflate, CompAlgo::Identity]
        );
        assert_eq!(fe.types, vec!["text/html", "text/plain"]);
        assert!(fe.offload);
        assert_eq!(fe.loc.line, 8);
        assert!(comp(&c, "be").is_none());
    }

    #[test]
    fn defaults_give_their_algos_and_types_but_not_offload() {
        let c = load(&format!(
            "{HEAD} compression algo gzip\n compression type text/\nfrontend fe\n bind :80\n compression algo deflate\n default_backend be\nbackend be\n server s1 127.0.0.1:80\n"
        ));
        let fe = comp(&c, "fe").unwrap();
        assert_eq!(fe.algos, vec![CompAlgo::Gzip, CompAlgo::Deflate]);
        assert_eq!(fe.types, vec!["text/"]);
        let be = comp(&c, "be").unwrap();
        assert_eq!(be.algos, vec![CompAlgo::Gzip]);
        assert!(!be.offload);
        assert_eq!(be.loc.line, 6);
    }

    #[test]
    fn offload_in_defaults_warns_and_still_gives_proxies_empty_settings() {
        let text = format!("{HEAD} compression offload\nbackend be\n server s1 127.0.0.1:80\n");
        let loaded = crate::config::load_texts(&[("t.cfg", &text)], &|_| None).unwrap();
        let out = loaded.diags.render(1);
        assert!(
            out.contains("[WARNING]  (1) : config : parsing [t.cfg:6] : 'compression' : 'offload' ignored in 'defaults' section."),
            "{out}"
        );
        let be = comp(&loaded.config, "be").unwrap();
        assert!(be.algos.is_empty() && be.types.is_empty() && !be.offload);
    }

    #[test]
    fn bad_lines_get_haproxys_messages() {
        let out = errors(&format!(
            "{HEAD}backend be\n compression\n compression foo\n compression type\n compression algo\n compression algo gzip bar\n"
        ));
        for want in [
            "parsing [t.cfg:7] : 'compression' expects 'algo', 'type' or 'offload'\n",
            "parsing [t.cfg:8] : 'compression' expects 'algo', 'type' or 'offload'\n",
            "parsing [t.cfg:9] : 'compression' expects <type>.\n",
            "parsing [t.cfg:10] : parsing [t.cfg:10] : 'compression' expects <algorithm>.\n",
            "parsing [t.cfg:11] : 'compression' : 'bar' is not a supported algorithm.\n",
        ] {
            assert!(out.contains(want), "missing {want:?} in:\n{out}");
        }
    }

    #[test]
    fn algorithm_names_are_case_sensitive_and_raw_deflate_speaks_deflate() {
        assert_eq!(CompAlgo::from_name("GZIP"), None);
        assert_eq!(
            CompAlgo::from_name("raw-deflate"),
            Some(CompAlgo::RawDeflate)
        );
        assert_eq!(CompAlgo::RawDeflate.token(), "deflate");
        assert_eq!(CompAlgo::Identity.token(), "identity");
    }

    #[test]
    fn other_filters_require_an_explicit_compression_filter_after_any_cache() {
        let out = errors(&format!(
            "{HEAD}frontend fe\n bind :80\n filter trace\n compression algo gzip\n default_backend be\nbackend be\n filter trace\n filter compression\n compression algo gzip\n server s1 127.0.0.1:80\n"
        ));
        assert!(
            out.contains("config : config: frontend 'fe': require an explicit filter declaration to use HTTP compression\n"),
            "{out}"
        );
        assert!(!out.contains("backend 'be'"), "{out}");
        let out = errors(&format!(
            "{HEAD}cache c\n total-max-size 4\nlisten li\n bind :80\n filter compression\n filter cache c\n compression algo gzip\n server s1 127.0.0.1:80\n"
        ));
        assert!(
            out.contains("config: proxy 'li': unable to enable the compression filter before any cache filter.\n"),
            "{out}"
        );
    }
}
