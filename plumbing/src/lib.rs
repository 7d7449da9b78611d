//! # plumbing: the values the lesson crates plug in
//!
//! Each lesson crate (one per kind of gRPC call) and each topic assembles
//! its own server and its own client in its own files, calling tonic
//! itself, as the lecture note does in Python. The pieces they plug in,
//! which are the same for all, live here once, each named by what it is.
//! This crate never connects, serves, or makes a call on a lesson's behalf,
//! and knows none of the crates above it: each passes its [`Program`].
//!
//! ## Layout
//!
//! - [`server`]: values for a server's assembly: tonic's builder set up
//!   from the flags ([`server::configure`]), the token check, health and
//!   reflection, the layer that sends a caller of another lesson's method
//!   to that lesson ([`server::WrongKindLayer`]), the bound socket and its
//!   stream of connections
//!   ([`server::bind`]), the shutdown signal and the graceful shutdown
//!   ([`server::Lifecycle`], [`server::RunningServer`]).
//! - [`client`]: values for a client's channel (the URI, TLS settings, a
//!   channel that follows the registry), the token interceptor, deadlines
//!   by gRPC's name, and one line for whatever went wrong
//!   ([`client::report`]), with the failure classified first
//!   ([`client::classify`]).
//! - [`cli`]: the flags every server and client accepts (clap's derive).
//! - [`auth`]: bearer tokens, checked on the server, attached by the client.
//! - [`tls`]: a development CA and certificates, made on first use.
//! - [`call_layer`]: a tower layer around every call on the server:
//!   deadlines, callers that leave, the end of shutdown.
//! - [`observed_body`]: one body wrapper that watches a call's messages
//!   and its final status, which the call layer, the interceptors' call
//!   log, observability and the page's live feed all use.
//! - [`Program`]: what messages need to know of the program they come
//!   from (its crate, its default port, its methods), passed by it.
//! - [`words`]: every sentence these programs say to a student, in English
//!   and Brazilian Portuguese (the `lang` crate's one language setting).
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
pub mod logging;
pub mod observed_body;
mod program;
pub mod server;
pub mod tls;
pub mod words;

pub use codes::code_name;
pub use program::{Program, REGISTRY_PREFIX};
