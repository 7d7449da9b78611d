//! `cargo run -p compression --bin server`: serves `get_report` on
//! 127.0.0.1:8904, gzip-compressing replies for clients that accept it
//! (`--no-compression`: never). The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use compression::{
    TOPIC,
    server::{Args, start},
};
use plumbing::server::run_until_stopped;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| start(&args).await)
}
