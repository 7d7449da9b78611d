//! `cargo run -p retries --bin server`: a `say_hello` on 127.0.0.1:8905
//! that fails the first `--fail-attempts` attempts of each call and is slow
//! every `--slow-every` calls. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::server::run_until_stopped;
use retries::{
    TOPIC,
    server::{Args, Flaky, start},
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| {
        start(Flaky::new(&args), &args).await
    })
}
