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
    // RUST_LOG=info: the steps below say what happens.
    plumbing::logging::init("warn");
    let client_args = upgrade::client_args(&args);
    let context = Context::new(TOPIC, &client_args);
    match upgrade::run(&args, |step| println!("{step}")).await {
        Ok(summary) => {
            println!("the client counted {}", summary.all);
            println!(
                "calls started after the last v1 stopped: {}",
                summary.after_the_last_v1
            );
            report(summary.all.outcome(true), &context)
        }
        Err(UpgradeError::Client(e)) => report(Err(e), &context),
        Err(UpgradeError::Start(e)) => {
            error!("{e}");
            ExitCode::FAILURE
        }
        // Two causes, told apart by the count, each with its own advice.
        Err(UpgradeError::Stalled {
            addr, answered: 0, ..
        }) => {
            let limit = upgrade::JOIN_LIMIT.as_secs();
            error!(
                "the v2 server on {addr} answered no calls within {limit} s: the client following etcd never sent it one; see what the client finds there with: cargo run -p rolling-upgrade --bin client -- --registry {}",
                args.registry
            );
            ExitCode::FAILURE
        }
        Err(UpgradeError::Stalled {
            addr,
            answered,
            wanted,
        }) => {
            let limit = upgrade::JOIN_LIMIT.as_secs();
            error!(
                "the v2 server on {addr} answered {answered} of the {wanted} calls the upgrade waits for (--calls-per-step) within {limit} s: the calls are slow (--delay-ms); lower --calls-per-step or raise --callers"
            );
            ExitCode::FAILURE
        }
    }
}
