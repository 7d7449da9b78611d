//! The unary crate's tests, all against a real server over real sockets.

mod contract;
mod registry;
mod support;
mod survival;
mod topics;
