//! # fault-proxy: a network that fails on purpose
//!
//! On a laptop's loopback nothing is ever slow, lost or half-open: a call
//! takes a tenth of a millisecond, and a server that stops says so at once.
//! So the lessons about deadlines, retries, wait-for-ready and keepalive
//! are told more than seen. This crate puts a bad network between a client
//! and a server: a TCP proxy, so any client can use it (tonic's, grpcio's,
//! `curl`), that applies faults per connection and per direction:
//!
//! - **latency**, with **jitter**: each chunk delivered later, pipelined
//!   (many chunks in flight, as on a long link);
//! - a **bandwidth** limit;
//! - a **drop** after N bytes or M ms: a clean close, FIN both ways;
//! - a **reset**: RST both ways;
//! - a **black hole**: bytes stop, no FIN, no RST: the half-open connection.
//!
//! Every random choice comes from `--seed`: the same seed, the same faults.
//!
//! ## Layout
//!
//! - [`faults`]: the faults as data ([`Faults`]), with a builder.
//! - `pipe` (private): one direction of a connection, a reader and a
//!   writer joined by a channel, so latency delays without slowing.
//! - `proxy` (private): the accept loop, a connection's life, the three
//!   ways to cut one; [`start`] and [`RunningProxy`].
//! - [`observe`]: the [`Event`]s printed, and the [`Chunk`]s delivered,
//!   handed to an [`Observer`]: the seam where a frame decoder plugs in.
//! - [`frames`]: HTTP/2 frames decoded from the relayed bytes (`--frames`),
//!   with [`hpack`] for their header fields.
//! - [`rng`]: SplitMix64, the seeded generator.
//! - [`cli`]: the program's flags.
//!
//! ## In a test
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use std::time::Duration;
//! use fault_proxy::{Directions, Faults};
//!
//! let (events, mut seen) = tokio::sync::mpsc::unbounded_channel();
//! let faults = Faults::none().with_latency(Directions::Both, Duration::from_millis(50), Duration::ZERO);
//! let proxy = fault_proxy::start("127.0.0.1:0", "127.0.0.1:8888", faults, events).await?;
//! // ... point a client at proxy.addr(); `seen.recv()` waits for each event ...
//! proxy.stop().await;
//! # Ok(()) }
//! ```

pub mod cli;
pub mod faults;
pub mod frames;
pub mod hpack;
pub mod observe;
mod pipe;
mod proxy;
pub mod rng;

#[cfg(test)]
mod frames_tests;
#[cfg(test)]
mod tests;

pub use faults::{After, Cut, CutKind, Direction, Directions, Faults, Shaping, Which};
pub use frames::{Frame, Frames, GrpcMessage};
pub use observe::{Chunk, Event, Observer, Print, Side};
pub use proxy::{RunningProxy, start};
