//! `cargo run -p server-streaming --bin client`: asks for a stream of
//! replies and prints each as it arrives. The lesson is in `src/client.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use server_streaming::{
    PROGRAM,
    client::{Args, run},
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = run(&args).await;
    // A failure is one line: what went wrong, its status code, what to do.
    let context = Context::new(PROGRAM, &args.common).streaming(&args.stream);
    report(outcome, &context)
}
