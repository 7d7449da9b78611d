//! # Retries and hedging, as gRFC A6 specifies them
//!
//! A call can fail for reasons that a second try fixes: the server was
//! restarting, overloaded, or one machine of many was slow. gRPC's answer
//! (gRFC A6) is a *policy*, written in the service config, that the client
//! library applies to every call: how many attempts, which status codes are
//! worth another one, how long to wait in between (exponential backoff,
//! with jitter), and all of it within the call's one deadline. Or, for calls
//! that are slow rather than failing, *hedging*: a second copy before the
//! first has answered.
//!
//! tonic has no retry policy; this crate writes one, small enough to read:
//!
//! - [`policy`]: A6's rules as data and pure functions: the backoff, the
//!   retryable codes, the server's pushback, the jitter.
//! - [`attempt`]: one attempt, a fresh `tonic::Request` each time, and
//!   the [`attempt::Event`] printed for it.
//! - [`client`]: the retry loop, each attempt a fresh `tonic::Request`
//!   with `grpc-previous-rpc-attempts` and what is left of the deadline.
//! - [`throttle`]: A6's `retryThrottling`, a token bucket per client that
//!   stops the retries when too many attempts fail.
//! - [`hedging`]: copies sent every `--hedge-after-ms`, the first success
//!   wins, the others cancelled.
//! - [`server`]: a `say_hello` that fails the first `--fail-attempts`
//!   attempts and is slow every `--slow-every` calls, logging each attempt.
//!
//! Run `cargo run -p retries --bin server -- --fail-attempts 2` in one
//! terminal and `cargo run -p retries --bin client` in another.

pub mod attempt;
pub mod client;
pub mod hedging;
pub mod policy;
pub mod server;
pub mod throttle;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its port, its method.
pub const TOPIC: Program = Program::new("retries", "127.0.0.1:8905", &["say_hello"]);
