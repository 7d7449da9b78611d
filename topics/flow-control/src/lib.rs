//! # Flow control: a slow reader slows the sender, and memory stays bounded
//!
//! HTTP/2 lets a receiver say how many bytes it is ready to take: a
//! *window*, per stream and per connection, that the sender's DATA frames
//! use up and the receiver's WINDOW_UPDATE frames open again as its
//! application reads. gRPC messages travel in those DATA frames, so a gRPC
//! sender can only get a window's worth ahead of a slow reader; a bounded
//! channel in front of it (the server's) makes its producer wait too. The
//! same window sets the speed on a long link: at most one window per round
//! trip.
//!
//! - [`content`]: the generated file (any piece from its offset) and its
//!   FNV-1a checksum.
//! - [`server`]: `topics.Transfer/Download`, a producer behind a bounded
//!   channel, counting how often its send had to wait.
//! - [`client`]: the download: windows fixed or adaptive, a slow reader
//!   on request, the bytes to a file or nowhere, resumed from its offset
//!   when the connection breaks, and checked at the end.
//!
//! Run `cargo run -p flow-control --bin server` in one terminal and
//! `cargo run -p flow-control --bin client` in another.

pub mod client;
pub mod content;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// The code generated from `proto/topics.proto` (package `topics`), by
/// `hello-proto` with its `topics` feature: `DownloadRequest`, `Chunk`, and the `Transfer` service's
/// client (`transfer_client`) and server (`transfer_server`), and the
/// descriptor its reflection serves (`pb::FILE_DESCRIPTOR_SET`).
pub use hello_proto::topics as pb;

/// This topic, for the plumbing's messages: its name, its port, its method.
pub const TOPIC: Program = Program::new("flow-control", "127.0.0.1:8921", &["Download"]);
