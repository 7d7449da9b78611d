//! # Keepalive: noticing a connection that went silent
//!
//! A connection can die without a word: a laptop goes to sleep, a cable is
//! pulled, a NAT or a load balancer forgets the connection. No FIN, no RST:
//! the other side's socket stays open, and a call on it waits for a reply
//! that never comes, until its deadline, or for ever without one. TCP
//! notices after minutes to hours, if ever.
//!
//! HTTP/2 has a PING frame, which the other side must answer at once.
//! gRPC's keepalive (gRFC A8) uses it: after a while without a frame from
//! the peer, send a PING; if no answer comes within a timeout, the
//! connection is dead: close it, fail its calls (UNAVAILABLE), and let the
//! next call dial a new one. Both sides can do it: a client notices a
//! server that vanished, a server notices a client that did, and frees
//! what that client's calls held.
//!
//! - [`client`]: one long `say_hello_stream`, with keepalive set on the
//!   `Endpoint` (or not), printing each reply and, when the stream stops,
//!   how long after the last reply the client learned the connection was
//!   dead.
//! - [`server`]: the server-streaming lesson's handler on port 8920, with
//!   keepalive set on the `Server` builder, logging when a stream ended
//!   because its client vanished.
//!
//! Run them through `fault-proxy --black-hole-after-ms`: README.md.

pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its port, its method.
pub const TOPIC: Program = Program::new("keepalive", "127.0.0.1:8920", &["say_hello_stream"]);
