//! Session persistence (configuration.txt 4.2 "cookie", "option persist", "force-persist",
//! "ignore-persist", "option checkcache"; 5.2 server "cookie").
//!
//! | File | Job |
//! |---|---|
//! | [`cookie`] | the persistence cookie: request routing and rewriting, response `Set-Cookie` handling, log letters |
//! | [`cache`] | whether a response is cacheable (`nocache`, `option checkcache`) |
//! | [`stick`] | stick tables (`stick-table`, `stick on`, `track-sc*`): keys, expiry, counters |
//!
//! Pure functions over the codec's [`crate::http::Head`] (the request or response head the
//! stream parsed, edited in place): no sockets, no tokio, no clock (callers pass `now`). The
//! proxy room calls them; they must not import proxy or tokio (`crate::http` is pure).

pub mod cache;
pub mod cookie;
pub mod stick;
