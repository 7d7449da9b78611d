//! # Compression: fewer bytes on the wire, more work for the CPU
//!
//! gRPC can compress each message: the sender says which algorithm in the
//! `grpc-encoding` header and sets the compression flag in each message's
//! 5-byte prefix; the receiver says what it can read in
//! `grpc-accept-encoding`. A large, repetitive reply (logs, JSON, a report)
//! shrinks many times with gzip; a small one does not, and every message
//! costs CPU time on both sides. This topic measures both.
//!
//! - [`server`]: `topics.Compression/get_report`, a report of N almost
//!   identical lines, served with gzip accepted and used for replies, or,
//!   with `--no-compression`, refused.
//! - [`client`]: the call with `--compress gzip` or `none` (or both, one
//!   after the other), each line saying how many bytes the connection
//!   carried and how long the call took; a refused gzip explained.
//! - [`wire`]: the connection that counts its bytes, for the client.
//!
//! Run `cargo run -p compression --bin server` in one terminal and
//! `cargo run -p compression --bin client` in another.

pub mod client;
pub mod server;
pub mod wire;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// The code generated from `proto/topics.proto` (package `topics`), by
/// `hello-proto` with its `topics` feature: `ReportRequest`, `Report`, and the `Compression` service's
/// client (`compression_client`) and server (`compression_server`), and the
/// descriptor its reflection serves (`pb::FILE_DESCRIPTOR_SET`).
pub use hello_proto::topics as pb;

/// This topic, for the plumbing's messages: its name, its port, its methods.
pub const TOPIC: Program = Program::new("compression", "127.0.0.1:8904", &["get_report"]);
