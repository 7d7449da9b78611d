//! `cargo run -p server-streaming --bin server`: serves `say_hello_stream`
//! on 127.0.0.1:8889. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::{cli::ServerArgs, server::run_until_stopped};
use server_streaming::{
    PROGRAM,
    server::{ServerStreamingService, start},
};

fn main() -> ExitCode {
    let args = ServerArgs::parse();
    plumbing::logging::init("info");
    // On tokio's runtime (the note's thread pool: unary/src/bin/server.rs
    // says why), `start` the server, then wait for Ctrl-C.
    run_until_stopped(PROGRAM, &args, async |args| {
        let service = ServerStreamingService {
            delay: args.delay(),
        };
        start(service, args).await
    })
}
