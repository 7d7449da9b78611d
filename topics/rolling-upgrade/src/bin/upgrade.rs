//! `cargo run -p rolling-upgrade --bin upgrade -- --registry
//! http://127.0.0.1:2379`: a rolling upgrade from v1 to v2 servers, one at
//! a time, while a client calls continuously; prints each step and the
//! calls counted. The lesson is in `src/upgrade.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::client::{Context, report};
use rolling_upgrade::{
    TOPIC,
    upgrade::{self, Args, UpgradeError},
};
use tracing::error;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // The servers' own log lines (registered, deregistered, ...) only with
    // RUST_LOG=info: the steps below say what happens. And not the call
    // layer's warning that a health watch's caller went away: the client
    // drops its watch on each server that leaves etcd, as it should.
    plumbing::logging::init("warn,plumbing::call_layer=error");
    let client_args = upgrade::client_args(&args);
    let context = Context::new(TOPIC, &client_args);
    match upgrade::run(&args, |step| println!("{step}")).await {
        Ok(summary) => {
            println!("the client counted {}", summary.all);
            println!("after the last v1 stopped: {}", summary.after_the_last_v1);
            report(summary.all.outcome(true), &context)
        }
        Err(UpgradeError::Client(e)) => report(Err(e), &context),
        Err(UpgradeError::Start(e)) => {
            error!("{e}");
            ExitCode::FAILURE
        }
        Err(UpgradeError::Stalled(addr)) => {
            let limit = upgrade::JOIN_LIMIT.as_secs();
            error!(
                "the v2 server on {addr} answered no calls within {limit} s: is the client following etcd?"
            );
            ExitCode::FAILURE
        }
    }
}
