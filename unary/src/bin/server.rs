//! `cargo run -p unary --bin server`: serves `say_hello` and `say_hello_again`
//! on 127.0.0.1:8888, the note's port. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use clap::Parser;
use plumbing::{
    Kind,
    cli::ServerArgs,
    server::{self, StartError},
};
use unary::server::{UnaryService, start};

fn main() -> ExitCode {
    let args = ServerArgs::parse();
    plumbing::logging::init("info");
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// The note's `serve()`: a pool of threads, the server on it, and a wait
/// until Ctrl-C.
fn serve(args: &ServerArgs) -> Result<(), StartError> {
    // The note's server runs each call on a thread from a pool of 10
    // (`ThreadPoolExecutor(max_workers=10)`): ten slow calls fill it. tokio
    // runs each call as a *task*, a small state machine, and a few worker
    // threads (one per CPU by default, `--workers N`) take turns polling
    // thousands of tasks. A task gives its thread back at every `.await`,
    // so a handler must never block (no `std::thread::sleep`, no heavy
    // loop): that would stall every call sharing the thread. Blocking work
    // goes to `tokio::task::spawn_blocking`, which has a pool of its own.
    let runtime = server::runtime(Kind::Unary, args)?;
    runtime.block_on(async {
        let service = UnaryService {
            delay: args.delay(),
        };
        let server = start(service, args).await?;
        // `server.wait_for_termination()`: until Ctrl-C, then a graceful shutdown.
        server.wait_for_termination(args.grace()).await;
        Ok(())
    })
}
