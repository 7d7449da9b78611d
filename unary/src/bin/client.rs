//! `cargo run -p unary --bin client`: calls the unary server, as the note's
//! client does. The lesson is in `src/client.rs`.

use clap::Parser;
use hello_proto::Kind;
use unary::client::{Args, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    hello_proto::init_logging("warn");
    // `run(&args)` is a future: nothing happens until `client::main` awaits
    // it (unless --registry-list asks only for the list). A failure is
    // printed as one line with its status code, and sets the exit code.
    hello_proto::client::main(Kind::Unary, &args.common, run(&args)).await
}
