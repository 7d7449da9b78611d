//! `cargo run -p bidi-streaming --bin client`: chats with the server:
//! one request, one reply, repeat. The lesson is in `src/client.rs`.

use bidi_streaming::{
    PROGRAM,
    client::{Args, run},
};
use clap::Parser;
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
