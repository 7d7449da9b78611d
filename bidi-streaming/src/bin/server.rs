//! `cargo run -p bidi-streaming --bin server`: serves `say_hello_chat`
//! on 127.0.0.1:8891. The lesson is in `src/server.rs`.

use std::process::ExitCode;

use bidi_streaming::server::{BidiStreamingService, start};
use clap::Parser;
use plumbing::{
    Kind,
    cli::ServerArgs,
    server::{self, StartError},
};

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

/// The note's `serve()`: a pool of threads (tokio's runtime: see
/// `unary/src/bin/server.rs` for why), the server on it, and a wait until Ctrl-C.
fn serve(args: &ServerArgs) -> Result<(), StartError> {
    let runtime = server::runtime(Kind::BidiStreaming, args)?;
    runtime.block_on(async {
        let service = BidiStreamingService {
            delay: args.delay(),
        };
        let server = start(service, args).await?;
        server.wait_for_termination(args.grace()).await;
        Ok(())
    })
}
