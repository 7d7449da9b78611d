//! Writes your files from the starters where they are missing, then turns
//! `proto/workshop.proto` into Rust, as `hello-proto/build.rs` does
//! for `proto/hello.proto` (with tonic's default codec here: the workshop
//! holds no thousands of streams): protox parses it (no system `protoc`), and
//! tonic-prost-build writes the messages, clients and servers.
//!
//! Cargo runs this again whenever the proto changes, so in exercise 1 a
//! new `rpc` in the proto becomes a new Rust method at the next build.
//!
//! A proto that does not parse must not stop the `workshop` program itself
//! (it lists, watches and resets while your code is broken), so this script
//! never fails because of it. It generates the code of the starter proto
//! instead, and the check program alone stops, with one compiler error that
//! quotes protox's: the file, line and column of the mistake.

use std::path::PathBuf;

use protox::prost::Message;

/// The proto you edit in exercise 1.
const PROTO: &str = "proto/workshop.proto";
/// The proto as it was before you started: `reset 1` puts it back.
const STARTER_PROTO: &str = "starters/workshop.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    write_missing_files()?;
    println!("cargo:rerun-if-changed={PROTO}");
    println!("cargo:rerun-if-changed={STARTER_PROTO}");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    let (descriptors, proto_error) = match protox::compile([PROTO], ["proto"]) {
        Ok(descriptors) => {
            let missing = services_missing(&descriptors)?;
            (descriptors, missing)
        }
        Err(error) => {
            let error = describe(&error);
            println!("cargo:warning={error}");
            (protox::compile([STARTER_PROTO], ["starters"])?, Some(error))
        }
    };
    // Included by check.rs: empty, or the error that stops the build.
    let stop = match proto_error {
        Some(error) => format!("compile_error!({error:?});\n"),
        None => String::new(),
    };
    std::fs::write(out_dir.join("proto_error.rs"), stop)?;

    // Kept for the checks, which look in it for what the proto declares.
    std::fs::write(
        out_dir.join("workshop_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    // Default stubs: an rpc declared in the proto but not yet written in
    // Rust answers UNIMPLEMENTED, so the workshop always compiles.
    tonic_prost_build::configure()
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}

/// The services the starter proto declares and yours does not, as the error
/// that says so: when the workshop gains exercises after your proto was
/// made (a `git pull` during the course), their services are in the
/// starter only, and the new exercises' code would not find them.
fn services_missing(
    yours: &protox::prost_reflect::prost_types::FileDescriptorSet,
) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let services = |set: &protox::prost_reflect::prost_types::FileDescriptorSet| -> Vec<String> {
        (set.file.iter())
            .flat_map(|file| file.service.iter())
            .map(|service| service.name().to_owned())
            .collect()
    };
    let have = services(yours);
    let starter = protox::compile([STARTER_PROTO], ["starters"])?;
    let missing: Vec<String> = (services(&starter).into_iter())
        .filter(|service| !have.contains(service))
        .collect();
    Ok((!missing.is_empty()).then(|| {
        format!(
            "workshop/{PROTO} has no service {}, which newer exercises need (the starters gained them after your proto was made): copy each from workshop/{STARTER_PROTO}, with its messages, into yours",
            missing.join(", ")
        )
    }))
}

/// Makes your files from the starters where they are missing: in a fresh
/// clone, `exercises/` and `proto/` do not exist yet (they are yours, and
/// never committed), and the check program cannot compile without them.
/// The `workshop` program does the same before each check, for a file
/// deleted later; this script runs only when a starter changes.
fn write_missing_files() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=starters");
    for entry in std::fs::read_dir("starters")? {
        let starter = entry?.path();
        let Some(name) = starter.file_name() else {
            continue;
        };
        let dir = if starter.extension().is_some_and(|e| e == "proto") {
            "proto"
        } else {
            "exercises"
        };
        let file = PathBuf::from(dir).join(name);
        if !file.exists() {
            std::fs::create_dir_all(dir)?;
            std::fs::copy(&starter, &file)?;
        }
    }
    Ok(())
}

/// `workshop/proto/workshop.proto:14:3: expected ';'`: protox's error with
/// the file, line and column it points at, as a compiler error reads.
fn describe(error: &protox::Error) -> String {
    use miette::Diagnostic;

    let offset = (error.labels())
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset());
    let text = std::fs::read_to_string(PROTO).unwrap_or_default();
    let place = match offset.and_then(|offset| text.get(..offset)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |at| at + 1) + 1;
            format!("workshop/{PROTO}:{line}:{column}")
        }
        None => format!("workshop/{PROTO}"),
    };
    format!("{place}: {error}")
}
