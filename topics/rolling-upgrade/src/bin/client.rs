//! `cargo run -p rolling-upgrade --bin client -- --proto v1`: calls
//! `upgrade.Greeter` as a client built from v1.proto (or v2.proto), and
//! prints what it reads. The lesson is in `src/client.rs`.

use clap::Parser;
use plumbing::client::{Context, report};
use rolling_upgrade::{TOPIC, client::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    plumbing::logging::init("warn");
    let outcome = rolling_upgrade::client::run(&args).await;
    report(outcome, &Context::new(TOPIC, &args.common))
}
