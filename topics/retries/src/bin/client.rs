//! `cargo run -p retries --bin client`: one `say_hello`, retried (or, with
//! `--hedge-after-ms`, hedged) as gRFC A6 says, each attempt printed. The
//! lesson is in `src/client.rs`, `src/policy.rs` and `src/hedging.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use retries::{TOPIC, client::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = retries::client::run(&args).await;
    // A call that failed after all its attempts is reported like any
    // failed call: one line, with the last attempt's status.
    report(outcome, &Context::new(TOPIC, &args.common))
}
