//! # bench: a load generator for any `hello.DoStuff` server
//!
//! `cargo run --release -p bench -- unary --connections 4 --in-flight 16`
//! drives a server with calls of one kind and prints calls per second and
//! latency percentiles. It speaks only the contract in `proto/hello.proto`,
//! so it measures the note's Python server just as well as ours: that is
//! what `bench/compare.sh` does to write `BENCHMARKS.md`.
//!
//! Layout: [`load`] makes the calls, [`figures`] holds what they measured
//! (one run's, all runs', and how a figure is written), [`report`] prints
//! and saves the figures and writes `BENCHMARKS.md`, with [`peers`] for the
//! side by side with grpc-go and Node under h2load and the goals; [`bare`]
//! is a bare tonic server to compare our plumbing with.

mod bare;
mod figures;
mod load;
mod peers;
mod report;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

/// The command line: one subcommand per kind of load.
#[derive(Parser, Debug)]
#[command(about = "Load generator for hello.DoStuff servers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// say_hello calls: --connections x --in-flight calls at a time
    Unary(load::Load),
    /// say_hello_stream calls, each asking for --count replies at interval 0
    ServerStream(load::Load),
    /// say_hello_many calls, each streaming --count requests
    ClientStream(load::Load),
    /// say_hello_chat streams doing ping-pong, --connections x --in-flight of them
    Chat(load::Load),
    /// Serve say_hello with nothing around it (no token check, no logging, no layers)
    BareServer {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:50051")]
        addr: String,
        /// Add one piece of our plumbing (repeatable), to measure what it costs
        #[arg(long, value_enum)]
        with: Vec<bare::Piece>,
    },
    /// Write BENCHMARKS.md and its plots from the JSON files bench/compare.sh saved
    Report {
        /// The folder of JSON results
        #[arg(long, default_value = "target/bench-results")]
        results: PathBuf,
        /// The Markdown file to write; the SVG plots go beside it in bench/
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    plumbing::logging::init("warn");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let (kind, load) = match cli.command {
            Command::Unary(load) => (load::Call::Unary, load),
            Command::ServerStream(load) => (load::Call::ServerStream, load),
            Command::ClientStream(load) => (load::Call::ClientStream, load),
            Command::Chat(load) => (load::Call::Chat, load),
            Command::BareServer { addr, with } => return bare::serve(&addr, &with).await,
            Command::Report { results, out } => return report::write_benchmarks(&results, &out),
        };
        let figures = load::run(kind, &load).await?;
        report::print(&figures);
        if let Some(path) = &load.json {
            report::save(&figures, path)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
