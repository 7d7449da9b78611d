//! `cargo run -p rolling-upgrade --bin relay`: a relay built from
//! v1.proto on 127.0.0.1:8916, passing calls on to `--to` (127.0.0.1:8915)
//! as bytes, or with `--naive` decoded and re-encoded as v1. The lesson is
//! in `src/relay.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::server::run_until_stopped;
use rolling_upgrade::{
    RELAY,
    relay::{Args, start},
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(RELAY, &args.common, async |_| start(&args).await)
}
