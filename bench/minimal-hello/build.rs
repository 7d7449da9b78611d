//! The same two steps as hello-proto's build.rs, configured the same way:
//! parse with protox, generate a client and a server with tonic-prost-build.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let descriptors = protox::compile(["../../proto/hello.proto"], ["../../proto"])?;
    tonic_prost_build::configure()
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}
