//! # Interceptors and layers: code that runs around every call
//!
//! Logging, authentication, request ids, timing: code that every call
//! needs, and no handler should repeat. gRPC calls such code an
//! *interceptor*. tonic has two tools for it, and this topic shows when
//! each is the right one (README.md has the table and the drawing):
//!
//! - a [`tonic::service::Interceptor`]: a plain function of the request's
//!   metadata, run before the call; synchronous, it cannot wait for anything
//!   and never sees the response. Enough to stamp a header
//!   ([`client_side::RequestId`]) or compare a token with a constant
//!   (plumbing's `--token`).
//! - a tower [`Layer`](tower::Layer): a service wrapped around the server's
//!   (or the channel's) service. It is async, sees the method's path, the
//!   request and response bodies and the final status. Needed to log each
//!   call with its outcome ([`call_log`]), to look a token up in a store
//!   that answers later ([`token_check`]), or to time a call on the client
//!   ([`client_side::Timing`]).
//!
//! - [`server`]: a `DoStuff` service for all four call kinds (the lesson
//!   crates' handlers, each call counted first), and the server assembled
//!   with both layers.
//! - [`client`]: a call of each kind, through both client-side interceptors.
//!
//! Run `cargo run -p interceptors --bin server -- --user alice=secret` in
//! one terminal and `cargo run -p interceptors --bin client -- --token secret`
//! in another.

pub mod call_log;
pub mod client;
pub mod client_side;
pub mod server;
pub mod token_check;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its port, its methods.
pub const TOPIC: Program = Program::new(
    "interceptors",
    "127.0.0.1:8903",
    &[
        "say_hello",
        "say_hello_again",
        "say_hello_stream",
        "say_hello_many",
        "say_hello_chat",
    ],
);
