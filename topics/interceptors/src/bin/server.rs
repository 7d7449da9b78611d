//! `cargo run -p interceptors --bin server`: a server for all four call
//! kinds on 127.0.0.1:8903 that logs one line per call and, with `--user`,
//! checks tokens in an async store. The lesson is in `src/server.rs`,
//! `src/call_log.rs` and `src/token_check.rs`.

use std::process::ExitCode;

use clap::Parser;
use interceptors::{
    TOPIC,
    server::{Args, EveryKind, start},
};
use plumbing::server::run_until_stopped;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| {
        start(EveryKind::default(), &args).await
    })
}
