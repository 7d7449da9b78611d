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
