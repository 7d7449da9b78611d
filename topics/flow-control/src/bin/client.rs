//! `cargo run -p flow-control --bin client`: downloads a generated file in
//! chunks, resumes after a broken connection, checks the checksum. The
//! lesson is in `src/client.rs`.

use clap::Parser;
use flow_control::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = flow_control::client::run(&args).await;
    // A failure is one line: what went wrong, its status code, what to do.
    report(outcome, &Context::new(TOPIC, &args.common))
}
