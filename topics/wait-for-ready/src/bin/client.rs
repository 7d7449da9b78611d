//! `cargo run -p wait-for-ready --bin client -- --wait-for-ready`: one call
//! that waits for the server to come up. The lesson is in `src/client.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use wait_for_ready::{TOPIC, client::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = wait_for_ready::client::run(&args).await;
    report(outcome, &Context::new(TOPIC, &args.common))
}
