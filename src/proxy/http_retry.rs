//! Layer-7 retries of an HTTP request (configuration.txt 4.2 "retry-on"; HAProxy's
//! `do_l7_retry()`): a bodyless request's head is kept so that it can be sent again after
//! an empty, invalid or late response or a listed status. Part of `proxy/http.rs`.

use http::header::{self, HeaderMap};
use http::{Request, Version};

use super::super::backend::{Backend, ReqBody};

/// A copy of a bodyless request's head, to send it again (`retry-on` layer-7 conditions).
#[derive(Debug)]
pub(super) struct Replay {
    method: hyper::Method,
    uri: hyper::Uri,
    headers: HeaderMap,
}

impl Replay {
    pub(super) fn of<B>(req: &Request<B>) -> Replay {
        Replay {
            method: req.method().clone(),
            uri: req.uri().clone(),
            headers: req.headers().clone(),
        }
    }

    pub(super) fn request(&self) -> Request<ReqBody> {
        let mut r = Request::new(ReqBody::Right(http_body_util::Empty::new()));
        *r.method_mut() = self.method.clone();
        *r.uri_mut() = self.uri.clone();
        *r.version_mut() = Version::HTTP_11;
        *r.headers_mut() = self.headers.clone();
        r
    }
}

/// Whether a request has no body (no `Content-Length` above 0, no `Transfer-Encoding`).
pub(super) fn bodyless<B>(req: &Request<B>) -> bool {
    let h = req.headers();
    !h.contains_key(header::TRANSFER_ENCODING)
        && h.get(header::CONTENT_LENGTH)
            .is_none_or(|v| v.as_bytes() == b"0")
}

/// A layer-7 retry (`do_l7_retry()`): when `wanted` by `retry-on`, the request can be
/// replayed and retries are left, counts one and gives the request to send again.
pub(super) fn l7_retry(
    be: &Backend,
    replay: &Option<Replay>,
    wanted: bool,
    tries: &mut u32,
) -> Option<Request<ReqBody>> {
    let r = replay.as_ref().filter(|_| wanted && *tries < be.retries)?;
    *tries += 1;
    Some(r.request())
}
