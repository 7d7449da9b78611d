//! `cargo run -p propagation --bin client`: one `say_hello` to the relay,
//! with `--timeout-ms` or `--cancel-after-ms`. The lesson is in
//! `src/client.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use propagation::{RELAY, client::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = propagation::client::run(&args).await;
    // A failure is one line: what went wrong, its status code, what to do.
    report(outcome, &Context::new(RELAY, &args.common))
}
