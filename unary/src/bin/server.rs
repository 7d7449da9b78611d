//! `cargo run -p unary --bin server`: serves `say_hello` and `say_hello_again`
//! on 127.0.0.1:8888, the note's port. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::{cli::ServerArgs, server::run_until_stopped};
use unary::{
    PROGRAM,
    server::{UnaryService, start},
};

fn main() -> ExitCode {
    let args = ServerArgs::parse();
    plumbing::logging::init("info");
    // The note's server runs each call on a thread from a pool of 10
    // (`ThreadPoolExecutor(max_workers=10)`): ten slow calls fill it. tokio
    // runs each call as a *task*, a small state machine, and a few worker
    // threads (one per CPU by default, `--workers N`) take turns polling
    // thousands of tasks. A task gives its thread back at every `.await`,
    // so a handler must never block (no `std::thread::sleep`, no heavy
    // loop): that would stall every call sharing the thread. Blocking work
    // goes to `tokio::task::spawn_blocking`, which has a pool of its own.
    //
    // `run_until_stopped` builds that runtime, runs `start` on it (the
    // note's `serve()`, step by step, in src/server.rs), and then waits for
    // Ctrl-C, as the note's `server.wait_for_termination()` does.
    run_until_stopped(PROGRAM, &args, async |args| {
        let service = UnaryService {
            delay: args.delay(),
        };
        start(service, args).await
    })
}
