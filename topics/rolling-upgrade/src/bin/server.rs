//! `cargo run -p rolling-upgrade --bin server -- --version v2`: an
//! `upgrade.Greeter` server, v1 (the default) or v2 of the code, on
//! 127.0.0.1:8915. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::server::run_until_stopped;
use rolling_upgrade::{
    TOPIC,
    server::{Answered, Args, start},
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |common| {
        start(args.version, Answered::default(), common).await
    })
}
