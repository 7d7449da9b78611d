//! Turns `proto/workshop.proto` into Rust, exactly as `hello-proto/build.rs`
//! does for `proto/hello.proto`: protox parses it (no system `protoc`), and
//! tonic-prost-build writes the messages, clients and servers.
//!
//! Cargo runs this again whenever the proto changes, so in exercise 1 a
//! new `rpc` in the proto becomes a new Rust method at the next build.

use protox::prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_file = "proto/workshop.proto";
    let descriptors = protox::compile([proto_file], ["proto"])?;
    // Kept for the checks, which look in it for what the proto declares.
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("workshop_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    // Default stubs: an rpc declared in the proto but not yet written in
    // Rust answers UNIMPLEMENTED, so the workshop always compiles.
    tonic_prost_build::configure()
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    println!("cargo:rerun-if-changed={proto_file}");
    Ok(())
}
