//! `cargo run -p wait-for-ready --bin server`: the unary lesson's server on
//! 127.0.0.1:8906; `--start-after-ms 2000` starts it two seconds late. The
//! lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::server::run_until_stopped;
use wait_for_ready::{
    TOPIC,
    server::{Args, start},
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| start(&args).await)
}
