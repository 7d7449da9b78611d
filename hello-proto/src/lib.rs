//! # hello-proto: the shared half of every lesson
//!
//! The four lesson crates (`unary`, `server-streaming`, `client-streaming`,
//! `bidi-streaming`) each show one kind of gRPC call. Everything they have in
//! common lives here, once, so that each lesson file holds only its lesson.
//!
//! ## Layout
//!
//! - [`pb`]: the Rust code generated from `proto/hello.proto`: message structs
//!   and the `DoStuff` client and server. Start here.
//! - [`Kind`]: the four call kinds, their crates and default ports.
//! - [`cli`]: the command-line flags every server and client accepts.
//! - [`server`]: starting a server: binding, TLS, authentication, health,
//!   reflection, deadlines, graceful shutdown.
//! - [`client`]: opening a channel to a server, deadlines, and turning a
//!   failed call into one line a student can act on.
//! - [`auth`], [`tls`], [`lifecycle`]: the pieces [`server`] and [`client`]
//!   are built from, each with its own lesson (tokens, certificates, and
//!   deadlines, departed callers and shutdown).
//! - [`registry`]: servers announce themselves in etcd, and clients follow
//!   them as they come and go (`--registry`).
//! - [`testing`]: a real server on a free port, for the lesson crates' tests.
//!
//! ## Where the generated code lives
//!
//! `build.rs` writes it to `target/debug/build/hello-proto-*/out/hello.rs`
//! when you build. It is ordinary Rust: open that file, or run
//! `cargo doc -p hello-proto --open` and browse [`pb`]. In it:
//! - `HelloRequest`, `HelloReply`, `HelloStreamRequest`: one struct per
//!   message, one field per proto field (`pid: i32`, `retval: String`, ...).
//! - `do_stuff_client::DoStuffClient`: the *stub* of the lecture note. Each
//!   method serializes your request, sends it, and deserializes the reply.
//! - `do_stuff_server::DoStuff`: the trait a server implements (the note's
//!   `DoStuffServicer` class), and `DoStuffServer`, which turns an
//!   implementation into something tonic can serve.

pub mod auth;
pub mod cli;
pub mod client;
mod kind;
pub mod lifecycle;
pub mod registry;
pub mod server;
pub mod testing;
pub mod tls;

pub use kind::Kind;

/// The code generated from `proto/hello.proto` (package `hello`).
///
/// See the crate documentation for where the file is and how to read it.
pub mod pb {
    // Generated code: its items carry the proto's comments where the proto
    // has them, and no others, so the docs lint is relaxed here only.
    #![allow(missing_docs)]

    tonic::include_proto!("hello");

    /// The encoded descriptor of `hello.proto` that `build.rs` saved. Server
    /// reflection serves it, so tools can discover `hello.DoStuff` without
    /// the `.proto` file.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("hello_descriptor");

    /// The client every lesson uses: the generated stub over a channel that
    /// adds the `--token`, if any, to every call.
    pub type Client = do_stuff_client::DoStuffClient<
        tonic::service::interceptor::InterceptedService<
            tonic::transport::Channel,
            crate::auth::AttachToken,
        >,
    >;

    /// What a streaming method of the server returns: any stream of replies.
    pub type ReplyStream = tonic::codegen::BoxStream<HelloReply>;
}

/// Sends `tracing` logs to stderr, at `default_level` unless `RUST_LOG` says
/// otherwise (`RUST_LOG=warn cargo run ...` hides the per-call lines,
/// `RUST_LOG=info,h2=debug` adds the HTTP/2 library's).
pub fn init_logging(default_level: &str) {
    use std::io::IsTerminal;

    use tracing_subscriber::{filter::Targets, fmt, prelude::*};

    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .or_else(|| default_level.parse().ok())
        .unwrap_or_default();
    let output = fmt::layer()
        .with_target(false)
        // Colours on a terminal; plain text in files and CI logs.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // `try_init`: a second call (as in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(output)
        .with(filter)
        .try_init();
}
