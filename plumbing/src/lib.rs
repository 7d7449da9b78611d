//! # plumbing: what the four lesson crates share
//!
//! The four lesson crates (`unary`, `server-streaming`, `client-streaming`,
//! `bidi-streaming`) each show one kind of gRPC call. Each assembles its
//! own server and its own client in its own files, as the lecture note
//! does in Python; the pieces they assemble them from, which are the same
//! for all four, live here once, each named by what it does.
//!
//! ## Layout
//!
//! - [`server`]: the steps of a server's assembly (the runtime, tonic's
//!   builder set up from the flags, health and reflection, binding,
//!   starting) and a graceful shutdown.
//! - [`client`]: the channel, the deadline helper [`client::within`], and
//!   one line for whatever went wrong ([`client::report`]), with the
//!   failure classified first ([`client::classify`]).
//! - [`cli`]: the flags every server and client accepts (clap's derive).
//! - [`auth`]: bearer tokens, checked on the server, attached by the client.
//! - [`tls`]: a development CA and certificates, made on first use.
//! - [`call_layer`]: a tower layer around every call on the server:
//!   deadlines, callers that leave, the end of shutdown.
//! - [`observed_body`]: one body wrapper that watches messages and status.
//! - [`Kind`]: the four call kinds, their crates and default ports, so that
//!   messages can name the right command.
//! - [`addr`], [`grpc_timeout`], [`logging`], [`code_name`]: small pieces
//!   the others use.
//!
//! The service registry (`--registry`) is the `etcd-registry` crate; this
//! crate connects it to the flags. The generated code is `hello-proto`.

pub mod addr;
pub mod auth;
pub mod call_layer;
pub mod cli;
pub mod client;
mod codes;
pub mod grpc_timeout;
mod kind;
pub mod logging;
pub mod observed_body;
pub mod server;
pub mod tls;

pub use codes::code_name;
pub use kind::{Kind, REGISTRY_PREFIX, Topic};
