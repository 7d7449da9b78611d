//! `cargo run -p propagation --bin backend`: the backend, on 127.0.0.1:8908.
//! Its `say_hello` works `--work-ms` and logs the deadline it received and
//! how its work ended. The lesson is in `src/backend.rs`.

use std::{process::ExitCode, time::Duration};

use clap::Parser;
use plumbing::server::run_until_stopped;
use propagation::{
    BACKEND,
    backend::{Args, Backend, start},
    events::Events,
};

fn main() -> ExitCode {
    let args = Args::parse();
    plumbing::logging::init("info");
    run_until_stopped(BACKEND, &args.common, async |common| {
        let backend = Backend {
            work: Duration::from_millis(args.work_ms),
            events: Events::logged(),
        };
        start(backend, common).await
    })
}
