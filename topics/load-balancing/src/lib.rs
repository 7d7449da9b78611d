//! # Load balancing: which server takes each call
//!
//! Three servers serve the same service; a client must choose one for
//! each call. gRPC's clients choose themselves (the *load balancing
//! policy*): one connection to every server, and for each call the one a
//! policy picks among those that are healthy. A TCP proxy in front of the
//! servers cannot do as well: it places *connections*, and one gRPC
//! connection carries all of a client's calls, for as long as it lives.
//!
//! - [`server`]: the unary lesson's `say_hello`, naming itself in each
//!   reply (`x-served-by`), counting its calls; `--not-serving-after` and
//!   `--max-connection-age-ms`.
//! - [`balancer`]: the client-side balancing, by hand: pick_first,
//!   round_robin, power of two choices, and a health watch on each server.
//! - [`client`]: the calls, and how many each server took.
//! - [`proxy`]: a plain TCP proxy, a layer-4 balancer, in a few lines.
//!
//! Run `cargo run -p load-balancing --bin server -- --addr 127.0.0.1:8911`
//! (and 8912, 8913) in three terminals, then
//! `cargo run -p load-balancing --bin client -- --policy round-robin`.

pub mod balancer;
pub mod client;
pub mod proxy;
pub mod server;

#[cfg(test)]
mod tests;

use plumbing::Program;

/// This topic, for the plumbing's messages: its name, its first server's
/// port (the others are 8912 and 8913, the proxy 8910), its method.
pub const TOPIC: Program = Program::new("load-balancing", "127.0.0.1:8911", &["say_hello"]);

/// The reply header in which a server names itself: the client counts
/// who served what by it, even through a proxy.
pub const SERVED_BY: &str = "x-served-by";
