//! `cargo run -p compression --bin client`: `get_report` without and with
//! gzip, the bytes on the wire and the time of each. The lesson is in
//! `src/client.rs` and `src/wire.rs`.

use clap::Parser;
use compression::{
    TOPIC,
    client::{Args, report, run},
};
use plumbing::client::Context;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = run(&args).await;
    // A failure is one line: what went wrong, its status code, what to do.
    report(outcome, &Context::new(TOPIC, &args.common))
}
