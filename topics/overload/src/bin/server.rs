//! `cargo run -p overload --bin server`: a `say_hello` on 127.0.0.1:8914
//! behind tonic's concurrency limit (and, with `--load-shed`, its load
//! shedding), failing `--fail-percent` of its attempts. The lesson is in
//! `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use overload::{
    TOPIC,
    server::{Args, Strained, start},
};
use plumbing::server::run_until_stopped;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| {
        start(Strained::new(&args), &args).await
    })
}
