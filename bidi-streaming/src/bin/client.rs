//! `cargo run -p bidi-streaming --bin client`: chats with the server:
//! one request, one reply, repeat. The lesson is in `src/client.rs`.

use bidi_streaming::client::{Args, run};
use clap::Parser;
use hello_proto::Kind;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    hello_proto::init_logging("warn");
    // `run(&args)` is a future: nothing happens until `client::main` awaits
    // it (unless --registry-list asks only for the list). A failure is
    // printed as one line with its status code, and sets the exit code.
    hello_proto::client::main(Kind::BidiStreaming, &args.common, run(&args)).await
}
