//! # Deadlines and cancellation across a hop
//!
//! A client calls a *relay*, which does some work of its own and then calls
//! a *backend*. The client said how long it would wait (its deadline); the
//! backend should not work longer than that, and when the client gives up,
//! the backend should stop too. gRPC puts the deadline on the wire (the
//! `grpc-timeout` header) but does not carry it across a hop by itself: in
//! tonic, the relay's code must pass it on (tonic issue #2316). This topic
//! shows how, and what happens when nobody does.
//!
//! ## Layout
//!
//! - [`deadline`]: reading the caller's `grpc-timeout`, and what is left of
//!   it after the relay's own work: the arithmetic of propagation.
//! - [`relay`]: the `server` program: `say_hello` waits `--delay-ms`, then
//!   calls the backend with what is left of its caller's deadline (or, with
//!   `--no-propagation`, on a detached task with no deadline at all).
//! - [`backend`]: the `backend` program: `say_hello` works `--work-ms`, and
//!   says what deadline it received and how its work ended: finished,
//!   cancelled, or stopped by the deadline.
//! - [`client`]: one `say_hello` to the relay, with `--timeout-ms`, or given
//!   up on after `--cancel-after-ms`.
//! - [`events`]: how the two servers say what happened, to the log and, in
//!   tests, to a channel.
//!
//! Run `cargo run -p propagation --bin backend` in one terminal,
//! `cargo run -p propagation --bin server -- --delay-ms 300` in another, and
//! `cargo run -p propagation --bin client -- --timeout-ms 1000` in a third.

pub mod backend;
pub mod client;
pub mod deadline;
pub mod events;
pub mod relay;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// The relay (the `server` program), for the plumbing's messages: its
/// name, its port, its methods. The client calls it.
pub const RELAY: Program = Program::new("propagation", "127.0.0.1:8907", &["say_hello"]);

/// The `backend` program, which the relay calls.
pub const BACKEND: Program =
    Program::new("propagation", "127.0.0.1:8908", &["say_hello"]).with_server_binary("backend");
