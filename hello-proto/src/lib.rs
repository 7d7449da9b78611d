//! # hello-proto: `proto/hello.proto`, compiled to Rust
//!
//! The one interface of this workspace, and nothing else: the messages and
//! the `DoStuff` service, as `build.rs` generates them, and the [`codec`]
//! that the generated code encodes and decodes them with; and, as data,
//! which of the [`lessons`] serves each method. The lesson crates
//! (`unary`, `server-streaming`, `client-streaming`, `bidi-streaming`) use
//! it to build their clients and servers; the plumbing they share lives in
//! the `plumbing` crate.
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
//!   implementation into something tonic can serve (the note's
//!   `add_DoStuffServicer_to_server`).
//!
//! And, with the `class` feature (the web and workshop crates ask for it),
//! `class`: `proto/class.proto`, the small service through which each
//! student's workshop reports its progress to the instructor's page.

#[cfg(feature = "class")]
pub mod class;
pub mod codec;
pub mod lessons;
#[cfg(feature = "topics")]
pub mod topics;

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

    /// What a streaming method of the server returns: any stream of replies
    /// (or of a `Status` that ends the call).
    pub type ReplyStream = tonic::codegen::BoxStream<HelloReply>;
}
