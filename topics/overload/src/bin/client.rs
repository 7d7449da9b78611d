//! `cargo run -p overload --bin client`: the amplification of retries,
//! measured without and with A6's retry throttling; or, with `--burst N`,
//! N calls at once on one connection. The lesson is in `src/client.rs`.

use clap::Parser;
use overload::{TOPIC, client::Args};
use plumbing::client::{Context, report};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = overload::client::run(&args).await;
    report(outcome, &Context::new(TOPIC, &args.common))
}
