//! The unary crate's tests, all against a real server over real sockets.

mod contract;
mod support;
mod survival;
mod topics;
