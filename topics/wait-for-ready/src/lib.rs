//! # Wait-for-ready: fail fast, or wait for the server
//!
//! A call made while its server is down fails at once with UNAVAILABLE:
//! gRPC's default, *fail fast*, because most callers would rather know
//! now. A call marked *wait-for-ready* instead waits for the connection to
//! come up, and is sent then; it fails only when its deadline passes.
//!
//! What decides it is the channel's connection state (gRPC's
//! "connectivity semantics"): IDLE (no connection yet), CONNECTING,
//! READY, TRANSIENT_FAILURE (the last try failed; another comes after a
//! backoff), SHUTDOWN. A fail-fast call fails in TRANSIENT_FAILURE; a
//! wait-for-ready call waits through it. tonic exposes neither the states
//! nor the option, so [`client::call_when_ready`] does what gRPC's channel
//! does, on top of tonic: README.md says what tonic offers and lacks.
//!
//! - [`server`]: the unary lesson's `say_hello`, on port 8906, which can
//!   start late (`--start-after-ms`), to watch a client wait for it.
//! - [`client`]: one call, fail-fast or `--wait-for-ready`.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its port, its methods.
pub const TOPIC: Program = Program::new(
    "wait-for-ready",
    "127.0.0.1:8906",
    &["say_hello", "say_hello_again"],
);
