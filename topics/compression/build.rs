//! Turns `proto/topics.proto` into Rust before this crate compiles, as
//! `hello-proto/build.rs` does for `proto/hello.proto` (read its comments):
//! 1. `protox` parses the file in pure Rust (no system `protoc`) into a
//!    file descriptor set;
//! 2. `tonic-prost-build` turns that into Rust: a struct per message and a
//!    client and a server per service, in
//!    `target/.../build/compression-*/out/topics.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = "../../proto";
    let proto_file = "../../proto/topics.proto";

    // Step 1: parse. A syntax error is reported with file, line and column.
    let descriptors = protox::compile([proto_file], [proto_dir])?;

    // Step 2: generate.
    tonic_prost_build::configure().compile_fds(descriptors)?;

    // Re-run this script only when the interface changes.
    println!("cargo:rerun-if-changed={proto_file}");
    Ok(())
}
