//! `cargo run -p unary --bin client`: calls the unary server, as the note's
//! client does. The lesson is in `src/client.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use unary::{PROGRAM, client::Args, repeat};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = match args.repeat {
        // `--repeat N`: the same call N times, to watch a server restart.
        Some(n) => repeat::run(&args, n).await,
        None => unary::client::run(&args).await,
    };
    // A failure is one line: what went wrong, its status code, what to do.
    report(outcome, &Context::new(PROGRAM, &args.common))
}
