//! # Metadata: headers and trailers, both ways
//!
//! Every gRPC call carries *metadata* beside its messages: key-value pairs
//! sent as HTTP/2 headers. The client sends them when the call starts; the
//! server answers with *headers* (before its first message) and *trailers*
//! (after its last one, beside `grpc-status`). A key ending in `-bin`
//! carries bytes, base64-encoded on the wire; any other key carries
//! printable ASCII text.
//!
//! This topic's server and client exchange four of them:
//!
//! | key                | from   | when     | what                                       |
//! |--------------------|--------|----------|--------------------------------------------|
//! | `x-request-id`     | client | request  | an id for the call (`--request-id`)        |
//! | `x-client-bin`     | client | request  | some bytes (`--client-bin`), base64        |
//! | `x-request-id`     | server | headers  | the same id, echoed                        |
//! | `x-elapsed-us`     | server | trailers | microseconds spent in the handler          |
//! | `x-client-bin-len` | server | trailers | how many bytes `x-client-bin` decoded to   |
//!
//! ## Layout
//!
//! - [`server`]: `say_hello` and `say_hello_stream`, the unary and
//!   server-streaming lessons' handlers, wrapped: reading the request's
//!   metadata, and answering with headers and trailers; the server's assembly.
//! - [`trailers`]: custom trailers on a call that succeeds, which tonic
//!   lacks: a slot the handler fills and a small service that sends it.
//! - [`outgoing`]: the metadata the client sends, checked against gRPC's
//!   rules before any call.
//! - [`client`]: the flags, the calls, and what arrives when.
//!
//! Run `cargo run -p metadata --bin server` in one terminal and
//! `cargo run -p metadata --bin client -- --stream 3` in another.

use plumbing::Program;

pub mod client;
pub mod outgoing;
pub mod server;
pub mod trailers;

/// This topic, for the plumbing's messages: its name, port and methods.
pub const TOPIC: Program = Program::new(
    "metadata",
    "127.0.0.1:8902",
    &["say_hello", "say_hello_stream"],
);

/// The client's id for the call; the server echoes it in its headers.
pub const REQUEST_ID: &str = "x-request-id";
/// Bytes from the client: a `-bin` key, so base64 on the wire.
pub const CLIENT_BIN: &str = "x-client-bin";
/// Trailer: microseconds the server spent in the handler (for a stream,
/// until its last message).
pub const ELAPSED_US: &str = "x-elapsed-us";
/// Trailer: how many bytes the server decoded from `x-client-bin`.
pub const CLIENT_BIN_LEN: &str = "x-client-bin-len";

#[cfg(test)]
mod tests;
