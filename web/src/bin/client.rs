//! `cargo run -p web --bin client`: one call of each kind for the Live
//! panel, and with `--per-second N` a steady load. The code is in `src/client.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use web::{TOPIC, client::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = web::client::run(&args).await;
    report(outcome, &Context::new(TOPIC, &args.common))
}
