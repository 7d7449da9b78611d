//! `cargo run -p metadata --bin client`: sends `x-request-id` and
//! `x-client-bin`, and prints the headers and trailers that come back.
//! The lesson is in `src/client.rs`.

use clap::Parser;
use metadata::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = metadata::client::run(&args).await;
    // A failure is one line: a bad --header says which rule it breaks.
    report(outcome, &Context::new(TOPIC, &args.common))
}
