//! # Client streaming: a stream of requests, one reply
//!
//! The client sends as many `HelloRequest`s as it likes on one call, then
//! *half-closes*: it says "I am done sending" while still listening. Only
//! then does the server answer, once, with a summary. Think of an upload.
//!
//! - [`server`]: reads requests until the client half-closes, then replies.
//! - [`client`]: feeds the call from a channel, one request at a time.
//!
//! Run `cargo run -p client-streaming --bin server` in one terminal and
//! `cargo run -p client-streaming --bin client` in another.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This crate's programs, as their messages name them: `cargo run -p
/// client-streaming`, on port 8890.
pub const PROGRAM: Program =
    Program::new("client-streaming", "127.0.0.1:8890", &["say_hello_many"]);
