//! The HTTP/1 codec: a neutral message head ([`head::Head`]: ordered name/value ranges into
//! one buffer, framing flags) that HTTP/2 can feed later; the head parser ([`parse`]), the head
//! writer ([`write`]) and the body state machines ([`body`]). It mirrors HAProxy 2.6's
//! `src/h1.c`, `src/h1_htx.c` and the parsing checks of `src/mux_h1.c`.
//!
//! Pure: no sockets, no tokio, no clock; every function takes bytes and returns a verdict, so
//! each is fuzzable. Imports only `bytes` and `thiserror`.

pub mod body;
pub mod head;
pub mod parse;
pub mod write;

#[cfg(test)]
mod fuzz;

pub use head::{BodyLength, Field, Flags, Head, Span, StartLine};
pub use parse::{parse_request, parse_response, Limits, ParseError, Side, Status};
