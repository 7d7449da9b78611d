//! Turns `proto/v1.proto` and `proto/v2.proto` into Rust, as
//! `hello-proto/build.rs` does for the note's proto (protox, then
//! tonic-prost-build: no system `protoc`), plus a third, hand-described
//! version of the service whose messages are plain bytes, for the relay.
//!
//! Both protos declare the same package, `upgrade`, so both would be
//! written to the same `upgrade.rs`: each goes to a folder of its own
//! (`$OUT_DIR/v1/upgrade.rs`, `$OUT_DIR/v2/upgrade.rs`), and `src/lib.rs`
//! includes each into a module of its own, `pb::v1` and `pb::v2`.

use std::{env, fs, path::PathBuf};

use protox::prost::Message;
use tonic_prost_build::manual;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    for version in ["v1", "v2"] {
        let file = format!("proto/{version}.proto");
        let descriptors = protox::compile([&file], ["proto"])?;
        let dir = out_dir.join(version);
        fs::create_dir_all(&dir)?;
        // For reflection: each server describes the version it speaks.
        fs::write(dir.join("descriptor.bin"), descriptors.encode_to_vec())?;
        tonic_prost_build::configure()
            .out_dir(&dir)
            .compile_fds(descriptors)?;
        println!("cargo:rerun-if-changed={file}");
    }

    // The relay's view of the service: the same package, service and
    // method (so the same path, /upgrade.Greeter/Greet), but each message
    // is the `bytes::Bytes` it arrived as, through a codec that neither
    // decodes nor encodes (`crate::relay::RawCodec`). tonic-build's
    // `manual` module writes the client and server for a service described
    // in Rust rather than in a .proto file.
    let greet = manual::Method::builder()
        .name("greet")
        .route_name("Greet")
        .input_type("bytes::Bytes")
        .output_type("bytes::Bytes")
        .codec_path("crate::relay::RawCodec")
        .build();
    let greeter = manual::Service::builder()
        .name("Greeter")
        .package("upgrade")
        .method(greet)
        .build();
    let raw = out_dir.join("raw");
    fs::create_dir_all(&raw)?;
    manual::Builder::new().out_dir(&raw).compile(&[greeter]);
    Ok(())
}
