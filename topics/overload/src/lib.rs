//! # Overload: what a server does when more calls come than it can take,
//! and what the clients' retries do to it
//!
//! Two halves, one server:
//!
//! - [`server`]: tonic's own limits. `concurrency_limit_per_connection(n)`
//!   lets `n` handlers of one connection run at once; the next call
//!   **waits** for a free slot. Add `load_shed(true)` and it is **refused
//!   at once**, with RESOURCE_EXHAUSTED. The same `say_hello` can also fail
//!   a share of its attempts (`--fail-percent`, seeded), and counts every
//!   attempt that reaches it: the truth the client's figures are checked
//!   against.
//! - [`client`]: a burst of calls on one connection, to watch the limit
//!   (`--burst`); or the **amplification** of retries, measured: N calls
//!   wanted, how many attempts reached the server with no retries, with
//!   the retries topic's A6 retries, and with A6's retry throttling on top.
//!
//! Run `cargo run -p overload --bin server -- --fail-percent 90` in one
//! terminal and `cargo run -p overload --bin client` in another.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its port, its methods.
pub const TOPIC: Program = Program::new(
    "overload",
    "127.0.0.1:8914",
    &["say_hello", "say_hello_again"],
);
