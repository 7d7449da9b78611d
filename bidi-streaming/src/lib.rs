//! # Bidirectional streaming: both sides stream, on one call
//!
//! Requests and replies flow independently, each side sending whenever it
//! likes, like a chat or a game. Our server answers each request as soon as
//! it arrives, so a client can send one, wait for its reply, and send the
//! next: a conversation.
//!
//! - [`server`]: a task reads requests and writes replies into a channel.
//! - [`client`]: sends, waits for the answer, sends again; then half-closes.
//!
//! Run `cargo run -p bidi-streaming --bin server` in one terminal and
//! `cargo run -p bidi-streaming --bin client` in another.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This crate's programs, as their messages name them: `cargo run -p
/// bidi-streaming`, on port 8891.
pub const PROGRAM: Program = Program::new("bidi-streaming", "127.0.0.1:8891", &["say_hello_chat"]);
