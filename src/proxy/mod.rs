//! The only room that touches client and server sockets: listeners, TCP and HTTP streams.
