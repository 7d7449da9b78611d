//! # Observability: one call, seen across processes
//!
//! A call that fails or is slow in production crossed several processes:
//! a client, a relay, a backend. Each one's log tells a piece of the story,
//! and nothing ties the pieces together. This topic adds the two tools
//! every gRPC guide names for that (README.md has the drawing):
//!
//! - **Traces** (OpenTelemetry): each process records a *span* for its
//!   part of a call, and all the spans of one call share a *trace id*. The
//!   id crosses a hop in one metadata entry, W3C's `traceparent`
//!   (`00-<trace id>-<parent span id>-01`), which the caller writes
//!   ([`client_side::ClientSpan`]) and the callee reads
//!   ([`server_side::ObserveLayer`]). Spans print one line each
//!   ([`telemetry`]), or go over OTLP to a collector with `--otlp URL`.
//! - **Metrics** (Prometheus): counters and a latency histogram per method
//!   and status code ([`metrics`]), served as text on
//!   `http://127.0.0.1:9464/metrics` for any Prometheus to scrape.
//!
//! - [`server`]: the `DoStuff` server, which with `--backend` is also a
//!   relay that calls another one, carrying the trace on.
//! - [`client`]: one traced call, its trace id printed.
//!
//! Run `cargo run -p observability --bin server` in one terminal and
//! `cargo run -p observability --bin client` in another.

pub mod client;
pub mod client_side;
pub mod metrics;
pub mod server;
pub mod server_side;
pub mod telemetry;
pub mod traceparent;

#[cfg(test)]
mod tests;

// Each accept loop at the file descriptor limit (Linux only: it reads
// `/proc`, and says so itself).
#[cfg(test)]
mod fd_limit;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its port, its methods.
pub const TOPIC: Program = Program::new(
    "observability",
    "127.0.0.1:8909",
    &["say_hello", "say_hello_again"],
);
