//! `cargo run -p web` (this is its default program): the projector view on
//! http://127.0.0.1:8080. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::server::run_until_stopped;
use web::{
    TOPIC,
    feed::Feed,
    server::{Args, start},
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| {
        start(Feed::new(args.keep_calls.into()), &args).await
    })
}
