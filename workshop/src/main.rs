//! `cargo run -p workshop`: the exercises, their state, and what is next.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use workshop::app;

/// Ten gRPC exercises that check themselves: see WORKSHOP.md.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// What to do; with nothing, list the exercises and name the next.
    #[command(subcommand)]
    command: Option<Command>,
}

/// The workshop's commands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Check exercise N against a real server, and say what is still wrong
    Check {
        /// The exercise, 1 to 10
        number: u8,
    },
    /// Check again each time you save: exercise N, or the next not done
    Watch {
        /// The exercise, 1 to 10 [default: the first not done]
        number: Option<u8>,
    },
    /// A hint for exercise N, and where its solution is
    Hint {
        /// The exercise, 1 to 10
        number: u8,
    },
}

fn main() -> ExitCode {
    match Args::parse().command {
        None => app::list(),
        Some(Command::Check { number }) => app::check(number),
        Some(Command::Watch { number }) => app::watch(number),
        Some(Command::Hint { number }) => app::hint(number),
    }
}
