//! `cargo run -p client-streaming --bin client`: sends a stream of requests
//! and prints the one reply. The lesson is in `src/client.rs`.

use clap::Parser;
use client_streaming::client::{Args, run};
use hello_proto::Kind;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    hello_proto::init_logging("warn");
    // `run(&args)` is a future: nothing happens until `client::main` awaits
    // it (unless --registry-list asks only for the list). A failure is
    // printed as one line with its status code, and sets the exit code.
    hello_proto::client::main(Kind::ClientStreaming, &args.common, run(&args)).await
}
