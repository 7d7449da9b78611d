//! Turns `proto/topics.proto` into Rust before this crate compiles, as
//! `hello-proto/build.rs` does for `proto/hello.proto` (read its comments):
//! 1. `protox` parses the file in pure Rust (no system `protoc`) into a
//!    file descriptor set;
//! 2. `tonic-prost-build` turns that into Rust: a struct per message and a
//!    client and a server per service, in
//!    `target/.../build/flow-control-*/out/topics.rs`.
//!
//! Between the two, the descriptor set is saved for reflection, so that
//! grpcurl can call `topics.Transfer` without the `.proto` file.

use std::{env, path::PathBuf};

use protox::prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = "../../proto";
    let proto_file = "../../proto/topics.proto";

    // Step 1: parse. A syntax error is reported with file, line and column.
    let descriptors = protox::compile([proto_file], [proto_dir])?;

    // Kept for reflection (`pb::FILE_DESCRIPTOR_SET`), as hello-proto does.
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("topics_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;

    // Step 2: generate.
    tonic_prost_build::configure().compile_fds(descriptors)?;

    // Re-run this script only when the interface changes.
    println!("cargo:rerun-if-changed={proto_file}");
    Ok(())
}
