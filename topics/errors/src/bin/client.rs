//! `cargo run -p errors --bin client`: calls an errors server and prints the
//! details of any failure. The lesson is in `src/client.rs`.

use clap::Parser;
use errors::{
    TOPIC,
    client::{Args, run},
};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = run(&args).await;
    // The details are printed already; the failure is still one line: what
    // went wrong, its status code, what to do. And exit code 1.
    report(outcome, &Context::new(TOPIC, &args.common))
}
