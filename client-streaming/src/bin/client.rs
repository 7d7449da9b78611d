//! `cargo run -p client-streaming --bin client`: sends a stream of requests
//! and prints the one reply. The lesson is in `src/client.rs`.

use clap::Parser;
use client_streaming::{
    PROGRAM,
    client::{Args, run},
};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = run(&args).await;
    // A failure is one line: what went wrong, its status code, what to do.
    let context = Context::new(PROGRAM, &args.common).streaming(&args.stream);
    report(outcome, &context)
}
