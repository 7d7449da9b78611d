//! `cargo run -p load-balancing --bin server -- --addr 127.0.0.1:8912`: a
//! `say_hello` that names itself in each reply. Run three (8911, 8912,
//! 8913). The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use load_balancing::{
    TOPIC,
    server::{Args, start},
};
use plumbing::server::run_until_stopped;

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(TOPIC, &args.common, async |_| {
        let (running, _service) = start(&args).await?;
        Ok(running)
    })
}
