//! `cargo run -p server-streaming --bin client`: asks for a stream of
//! replies and prints each as it arrives. The lesson is in `src/client.rs`.

use clap::Parser;
use hello_proto::Kind;
use server_streaming::client::{Args, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    hello_proto::init_logging("warn");
    // `run(&args)` is a future: nothing happens until `client::main` awaits
    // it (unless --registry-list asks only for the list). A failure is
    // printed as one line with its status code, and sets the exit code.
    hello_proto::client::main(Kind::ServerStreaming, &args.common, run(&args)).await
}
