//! # The richer error model: details beside the status code
//!
//! A gRPC call that fails ends with a status code and a message, and that
//! is all the note's programs ever see. Often a client needs more: *which*
//! field was wrong, *when* it may come back, a message it can show its user
//! in their language. Google's APIs put that in the richer error model: a
//! `google.rpc.Status` (code, message, and a list of typed details such as
//! `BadRequest` or `RetryInfo`) sent, serialized and base64-encoded, in the
//! trailer `grpc-status-details-bin`, beside the usual `grpc-status` and
//! `grpc-message`. A client that does not know it simply ignores it.
//!
//! ## Layout
//!
//! - [`server`]: `say_hello` refusing a bad pid with INVALID_ARGUMENT and a
//!   `BadRequest` plus a `LocalizedMessage` (en-US or pt-BR, as the
//!   caller's `accept-language` asks), and, past `--max-calls-per-second`,
//!   RESOURCE_EXHAUSTED with `RetryInfo` and `QuotaFailure`.
//! - [`rate`]: that limit, a window of one second shared by all calls.
//! - [`client`]: the calls, `--lang`, and `--retry-on-quota`, which waits
//!   as long as `RetryInfo` says and tries once more.
//! - [`details`]: what the client prints of a failed call's details, one
//!   readable line each, after the trailer as it travelled.
//!
//! Run `cargo run -p errors --bin server -- --max-calls-per-second 2` in one
//! terminal and `cargo run -p errors --bin client -- --pid 0` in another.

use plumbing::Program;

pub mod client;
pub mod details;
pub mod rate;
pub mod server;

/// This topic, as the plumbing names it in messages: its crate, its
/// server's default address, the one method its server implements.
pub const TOPIC: Program = Program::new("errors", "127.0.0.1:8901", &["say_hello"]);

#[cfg(test)]
mod tests;
