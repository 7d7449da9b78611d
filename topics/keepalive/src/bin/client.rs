//! `cargo run -p keepalive --bin client -- --keepalive-interval-ms 1000`:
//! one long stream, and how long a dead connection takes to notice. The
//! lesson is in `src/client.rs`.

use clap::Parser;
use keepalive::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = keepalive::client::run(&args).await;
    // A call ended by a dead connection is reported like any failed call:
    // one line, with its status.
    report(outcome, &Context::new(TOPIC, &args.common))
}
