//! `cargo run -p errors --bin server`: serves `say_hello` on 127.0.0.1:8901,
//! failing with error details. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use errors::{
    TOPIC,
    server::{Args, ErrorsService, start},
};
use plumbing::server::run_until_stopped;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    let service = ErrorsService::new(args.max_calls_per_second);
    run_until_stopped(TOPIC, &args.common, async |common| {
        start(service, common).await
    })
}
