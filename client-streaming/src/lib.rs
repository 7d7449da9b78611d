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
