//! `cargo run -p flow-control --bin server`: serves `Download` on
//! 127.0.0.1:8921, a generated file of any size from any offset. The
//! lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use flow_control::{
    TOPIC,
    server::{Args, Files, start},
};
use plumbing::server::run_until_stopped;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| {
        start(Files::default(), &args).await
    })
}
