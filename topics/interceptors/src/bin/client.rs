//! `cargo run -p interceptors --bin client`: one call of each kind, each
//! stamped with a request id and timed. The lesson is in `src/client.rs`
//! and `src/client_side.rs`.

use clap::Parser;
use interceptors::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = interceptors::client::run(&args).await;
    report(outcome, &Context::new(TOPIC, &args.common))
}
