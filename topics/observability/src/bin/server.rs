//! `cargo run -p observability --bin server`: a traced server on
//! 127.0.0.1:8909 that prints one line per span and serves Prometheus
//! metrics on http://127.0.0.1:9464/metrics; with `--backend HOST:PORT`, a
//! relay. The lesson is in `src/server.rs`, `src/server_side.rs`,
//! `src/metrics.rs` and `src/telemetry.rs`.

use std::process::ExitCode;

use clap::Parser;
use observability::server::{Args, run};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run(&args)
}
