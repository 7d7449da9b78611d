//! `cargo run -p observability --bin client`: one `say_hello` in a new
//! trace, its span and trace id printed. The lesson is in `src/client.rs`
//! and `src/client_side.rs`.

use clap::Parser;
use observability::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = observability::client::run(&args).await;
    report(outcome, &Context::new(TOPIC, &args.common))
}
