//! `cargo run -p propagation --bin server`: the relay, on 127.0.0.1:8907.
//! Its `say_hello` waits `--delay-ms`, then calls the backend (`--backend`,
//! 127.0.0.1:8908) with what is left of its caller's deadline. The lesson
//! is in `src/relay.rs` and `src/deadline.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::server::run_until_stopped;
use propagation::{
    RELAY,
    events::Events,
    relay::{Args, Relay, start},
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(RELAY, &args.common, async |common| {
        start(Relay::new(&args, Events::logged())?, common).await
    })
}
