//! `cargo run -p metadata --bin server`: serves `say_hello` and
//! `say_hello_stream` on 127.0.0.1:8902, echoing `x-request-id` in its
//! headers and sending `x-elapsed-us` and `x-client-bin-len` as trailers.
//! The lesson is in `src/server.rs` and `src/trailers.rs`.

use std::process::ExitCode;

use clap::Parser;
use metadata::{
    TOPIC,
    server::{MetadataService, start},
};
use plumbing::{cli::ServerArgs, server::run_until_stopped};

fn main() -> ExitCode {
    let args = ServerArgs::parse();
    plumbing::logging::init("info");
    // Builds the runtime, runs `start`, waits for Ctrl-C (see unary's server).
    run_until_stopped(TOPIC, &args, async |args| {
        let service = MetadataService {
            delay: args.delay(),
        };
        start(service, args).await
    })
}
