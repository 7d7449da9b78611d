//! Turns `proto/hello.proto` into Rust before `hello-proto` itself compiles.
//!
//! Cargo runs this file first. Two steps, both in pure Rust so that no
//! system `protoc` is needed (a student's laptop has only Rust):
//! 1. `protox` parses the `.proto` file into a *file descriptor set*: the
//!    same machine-readable description `protoc` would produce.
//! 2. `tonic-prost-build` turns that description into Rust: a struct per
//!    message (through prost) and a client and a server per service.
//!
//! The output lands in `target/.../build/hello-proto-*/out/hello.rs`; see the
//! crate docs for how to read it. `proto/class.proto` (the class on the
//! projector) goes the same way into `class.rs`.

use std::{env, path::PathBuf};

use protox::prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = "../proto";
    let proto_file = "../proto/hello.proto";

    // Step 1: parse. protox reports a syntax error with file, line and column.
    let descriptors = protox::compile([proto_file], [proto_dir])?;

    // Keep the descriptor set: gRPC reflection serves it, so tools like
    // grpcurl can discover our service without having the .proto file.
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("hello_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;

    // Step 2: generate. Default stubs make every method we do not implement
    // answer UNIMPLEMENTED, so each lesson crate writes only its own kind.
    // The codec: prost's, with small per-call buffers (see src/codec.rs).
    tonic_prost_build::configure()
        .generate_default_stubs(true)
        .codec_path("crate::codec::SmallBuffers")
        .compile_fds(descriptors)?;

    // Re-run this script only when the interface changes.
    println!("cargo:rerun-if-changed={proto_file}");

    // Two more files, each compiled the same way into a module of its own,
    // with its own descriptor, and each only with its cargo feature: a
    // lesson's build pays for neither.
    //
    // `proto/class.proto`, the class on the projector's small service: here
    // because both the web server (which serves it) and the workshop (which
    // calls it) already depend on this crate, so neither builds the other.
    if env::var_os("CARGO_FEATURE_CLASS").is_some() {
        let class_file = "../proto/class.proto";
        let class = protox::compile([class_file], [proto_dir])?;
        std::fs::write(out_dir.join("class_descriptor.bin"), class.encode_to_vec())?;
        tonic_prost_build::configure()
            .codec_path("crate::codec::SmallBuffers")
            .compile_fds(class)?;
        println!("cargo:rerun-if-changed={class_file}");
    }
    // `proto/topics.proto`, the messages the note's proto lacks, shared by
    // the topics that need them (compression, flow-control): compiled once,
    // here, rather than by each. prost's own codec: a transfer's chunks are
    // large, the small buffers are for the note's small messages.
    if env::var_os("CARGO_FEATURE_TOPICS").is_some() {
        let topics_file = "../proto/topics.proto";
        let topics = protox::compile([topics_file], [proto_dir])?;
        std::fs::write(
            out_dir.join("topics_descriptor.bin"),
            topics.encode_to_vec(),
        )?;
        tonic_prost_build::configure().compile_fds(topics)?;
        println!("cargo:rerun-if-changed={topics_file}");
    }
    Ok(())
}
