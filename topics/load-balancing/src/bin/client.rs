//! `cargo run -p load-balancing --bin client -- --policy p2c`: calls spread
//! over the three servers, then how many each took. The lesson is in
//! `src/balancer.rs` and `src/client.rs`.

use clap::Parser;
use load_balancing::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = load_balancing::client::run(&args).await;
    // Failed calls are reported as the other clients report them: one line.
    report(outcome, &Context::new(TOPIC, &args.common))
}
