//! Error responses: `errorfile CODE PATH` (configuration.txt 4.2 "errorfile") and the
//! built-in pages in `errorfiles/*.http`, embedded in the binary.
//!
//! An errorfile is a raw HTTP response (status line, headers, blank line, body), sent as is
//! when the proxy itself answers with that status: 400 bad request, 403 deny, 408 request
//! timeout, 502 bad server response, 503 no server, 504 server timeout. The lookup order is
//! the backend's errorfiles, then the frontend's, then the built-in page. An empty errorfile
//! (`errorfile 408 /dev/null`) makes HAProxy send nothing and close the connection.

use std::sync::OnceLock;

use bytes::Bytes;

use crate::config::model::ErrorFile;

/// The built-in raw page for `status`, if there is one.
pub fn builtin(status: u16) -> Option<&'static [u8]> {
    let raw: &'static [u8] = match status {
        200 => include_bytes!("../../errorfiles/200.http"),
        400 => include_bytes!("../../errorfiles/400.http"),
        401 => include_bytes!("../../errorfiles/401.http"),
        403 => include_bytes!("../../errorfiles/403.http"),
        404 => include_bytes!("../../errorfiles/404.http"),
        405 => include_bytes!("../../errorfiles/405.http"),
        407 => include_bytes!("../../errorfiles/407.http"),
        408 => include_bytes!("../../errorfiles/408.http"),
        410 => include_bytes!("../../errorfiles/410.http"),
        413 => include_bytes!("../../errorfiles/413.http"),
        422 => include_bytes!("../../errorfiles/422.http"),
        425 => include_bytes!("../../errorfiles/425.http"),
        429 => include_bytes!("../../errorfiles/429.http"),
        500 => include_bytes!("../../errorfiles/500.http"),
        501 => include_bytes!("../../errorfiles/501.http"),
        502 => include_bytes!("../../errorfiles/502.http"),
        503 => include_bytes!("../../errorfiles/503.http"),
        504 => include_bytes!("../../errorfiles/504.http"),
        _ => return None,
    };
    Some(raw)
}

/// A parsed error page, written raw by the stream's reply stage.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The raw response, as written on the wire.
    pub raw: Bytes,
    /// Its status.
    pub status: u16,
    /// Its body.
    pub body: Bytes,
    /// An empty errorfile (`/dev/null`): nothing is sent, the connection is closed.
    pub silent: bool,
}

impl ErrorPage {
    /// Parses a raw HTTP response. `None` when it is not one.
    pub fn parse(raw: &[u8]) -> Option<ErrorPage> {
        let (head, used) = match crate::http::parse_response(raw, &crate::http::Limits::default()) {
            crate::http::Status::Complete(h, n) => (h, n),
            _ => return None,
        };
        Some(ErrorPage {
            raw: Bytes::copy_from_slice(raw),
            status: head.status(),
            body: Bytes::copy_from_slice(raw.get(used..).unwrap_or_default()),
            silent: false,
        })
    }

    /// The page of an empty errorfile: HAProxy sends nothing and closes the connection.
    pub fn silent(status: u16) -> ErrorPage {
        ErrorPage {
            silent: true,
            ..bare(status)
        }
    }
}

/// Every built-in page, parsed once.
fn builtins() -> &'static [ErrorPage] {
    static PAGES: OnceLock<Vec<ErrorPage>> = OnceLock::new();
    PAGES.get_or_init(|| {
        (100u16..600)
            .filter_map(|s| builtin(s).and_then(ErrorPage::parse))
            .collect()
    })
}

/// The built-in page for `status`, or the 500 page, or a bare page as last resort.
pub fn builtin_page(status: u16) -> ErrorPage {
    let pages = builtins();
    if let Some(p) = pages.iter().find(|p| p.status == status) {
        return p.clone();
    }
    bare(status)
}

/// A page with `status`, an empty body and nothing else.
fn bare(status: u16) -> ErrorPage {
    let raw = format!("HTTP/1.1 {status} \r\ncontent-length: 0\r\n\r\n");
    ErrorPage {
        raw: Bytes::from(raw),
        status,
        body: Bytes::new(),
        silent: false,
    }
}

/// The errorfiles of one proxy, parsed.
#[derive(Debug, Clone, Default)]
pub struct ErrorPages {
    pages: Vec<ErrorPage>,
}

impl ErrorPages {
    /// Parses a proxy's `errorfile` lines; a file that is not an HTTP response is skipped
    /// (the config room reports it), an empty one makes a silent page.
    pub fn new(files: &[ErrorFile]) -> ErrorPages {
        let mut pages: Vec<ErrorPage> = Vec::new();
        for f in files {
            if f.content.is_empty() {
                pages.retain(|q| q.status != f.status);
                pages.push(ErrorPage::silent(f.status));
                continue;
            }
            if let Some(mut p) = ErrorPage::parse(&f.content) {
                // `errorfile 503 x` answers with x even if x says another status.
                p.status = f.status;
                pages.retain(|q| q.status != p.status);
                pages.push(p);
            }
        }
        ErrorPages { pages }
    }

    /// This proxy's page for `status`, if configured.
    pub fn get(&self, status: u16) -> Option<&ErrorPage> {
        self.pages.iter().find(|p| p.status == status)
    }
}

/// The page to send for `status`: the first proxy (backend, then frontend) that configured
/// one, else the built-in page.
pub fn lookup(chain: &[&ErrorPages], status: u16) -> ErrorPage {
    chain
        .iter()
        .find_map(|p| p.get(status))
        .cloned()
        .unwrap_or_else(|| builtin_page(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_page_parses_and_has_a_matching_length() {
        for s in [400u16, 403, 408, 500, 502, 503, 504] {
            let raw = builtin(s).unwrap();
            let p = ErrorPage::parse(raw).unwrap();
            assert_eq!(p.status, s);
            let text = std::str::from_utf8(raw).unwrap();
            let len: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("Content-length: "))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(len, p.body.len(), "status {s}");
        }
    }

    #[test]
    fn a_configured_errorfile_wins_over_the_builtin_page() {
        let f = ErrorFile {
            status: 503,
            path: "x".into(),
            content: b"HTTP/1.0 503 Nope\r\nContent-Type: text/plain\r\n\r\nsorry\n".to_vec(),
        };
        let mine = ErrorPages::new(&[f]);
        let none = ErrorPages::default();
        let p = lookup(&[&none, &mine], 503);
        assert_eq!(&p.body[..], b"sorry\n");
        let q = lookup(&[&none, &mine], 502);
        assert!(q.body.starts_with(b"<html><body><h1>502"));
    }
}
