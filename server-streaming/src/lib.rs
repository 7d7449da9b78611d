//! # Server streaming: one request, a stream of replies
//!
//! The client asks once (`say_hello_stream` with a `count` and an
//! `interval_ms`); the server answers with `count` messages, one at a time,
//! on the same call, then ends it. Think of a download, or a feed of prices.
//!
//! - [`server`]: produces the stream in a task, through a channel.
//! - [`client`]: prints each message the moment it arrives.
//!
//! Run `cargo run -p server-streaming --bin server` in one terminal and
//! `cargo run -p server-streaming --bin client` in another.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This crate's programs, as their messages name them: `cargo run -p
/// server-streaming`, on port 8889. Its server checks two request fields,
/// each set by a client flag: a refused value is advised by its flag.
pub const PROGRAM: Program =
    Program::new("server-streaming", "127.0.0.1:8889", &["say_hello_stream"])
        .with_field_flags(&[("count", "--count"), ("interval_ms", "--interval-ms")]);
