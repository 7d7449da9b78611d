//! # Unary calls: one request, one reply
//!
//! The lecture note's example, in Rust. A unary call looks like a function
//! call: the client sends one `HelloRequest` and waits for one `HelloReply`.
//!
//! - [`server`]: the `DoStuff` methods `say_hello` and `say_hello_again`.
//! - [`client`]: calls them, as the note's client does, and can fire many
//!   calls at once (`--concurrent N`) to show that every call is a future.
//!
//! Run `cargo run -p unary --bin server` in one terminal and
//! `cargo run -p unary --bin client` in another.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;
