//! # Unary calls: one request, one reply
//!
//! The lecture note's example, in Rust. A unary call looks like a function
//! call: the client sends one `HelloRequest` and waits for one `HelloReply`.
//!
//! - [`server`]: the `DoStuff` methods `say_hello` and `say_hello_again`,
//!   and the server assembled around them: every tonic call in view, the
//!   flags' settings plugged in from `plumbing`.
//! - [`client`]: the channel, the stub, and the calls, as the note's client
//!   makes them; it can fire many calls at once (`--concurrent N`) to show
//!   that every call is a future.
//! - [`repeat`]: `--repeat N`, the same call again and again, to watch a
//!   server restart or a registry change.
//!
//! Run `cargo run -p unary --bin server` in one terminal and
//! `cargo run -p unary --bin client` in another.

pub mod client;
pub mod repeat;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This crate's programs, as their messages name them: `cargo run -p
/// unary`, listening on the note's port, 8888, serving the two unary methods.
pub const PROGRAM: Program =
    Program::new("unary", "127.0.0.1:8888", &["say_hello", "say_hello_again"]);
