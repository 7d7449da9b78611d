//! `cargo run -p workshop`: the exercises, their state, and what is next.
//! This program does not compile your files, so it runs even when one of
//! them does not compile: see the library's documentation.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use workshop::{
    app, catalog,
    text::{Lang, set_lang, ui},
    watch,
};

/// Ten gRPC exercises that check themselves: see WORKSHOP.md.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// en or pt [default: from LANG, else en]
    #[arg(long, global = true)]
    lang: Option<String>,
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
    /// Put exercise N's starter file back (yours is kept as .rs.bak)
    Reset {
        /// The exercise, 1 to 10
        number: u8,
    },
    /// One line for the instructor: `done: 1 2 3 5; next: 4`
    Progress {
        /// As JSON, for a script that collects a class's lines
        #[arg(long)]
        json: bool,
    },
    /// Serve your exercise N for a classmate to call
    Serve {
        /// The exercise, 1 to 10
        number: u8,
        /// Where to listen; 0.0.0.0:PORT lets others in [default: 127.0.0.1:5005N]
        #[arg(long)]
        addr: Option<String>,
        /// Exercise 10: where to write the CA certificate callers must trust
        #[arg(long)]
        ca_out: Option<String>,
    },
    /// Call a classmate's `serve N` with your client (see WORKSHOP.md)
    Call {
        /// The exercise, 1 to 10
        number: u8,
        /// The classmate's server, HOST:PORT
        #[arg(long)]
        addr: String,
        /// Exercise 10: the CA certificate their `serve 10` wrote
        #[arg(long)]
        ca: Option<String>,
        /// The exercise's own arguments: a name, a pid, numbers...
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Ctrl-C is the check program's to handle while it runs (see the module).
    workshop::interrupt::install();
    let lang = (args.lang.as_deref())
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_locale);
    set_lang(lang);
    let Some(command) = args.command else {
        return app::forward(&["list".to_owned()]);
    };
    // Every command that takes an exercise's number says so for a wrong one
    // before anything is built.
    let number = match &command {
        Command::Check { number }
        | Command::Hint { number }
        | Command::Reset { number }
        | Command::Serve { number, .. }
        | Command::Call { number, .. }
        | Command::Watch {
            number: Some(number),
        } => Some(*number),
        Command::Watch { number: None } | Command::Progress { .. } => None,
    };
    if let Some(number) = number
        && catalog::find(number).is_none()
    {
        eprintln!("{}", ui::NO_SUCH_EXERCISE.with(&[("number", &number)]));
        return ExitCode::FAILURE;
    }
    match command {
        Command::Check { number } => app::forward(&["check".to_owned(), number.to_string()]),
        Command::Watch { number } => watch::watch(number),
        Command::Hint { number } => app::hint(number),
        Command::Reset { number } => app::reset(number),
        Command::Progress { json } => app::progress(json),
        Command::Serve {
            number,
            addr,
            ca_out,
        } => {
            let mut forwarded = vec!["serve".to_owned(), number.to_string()];
            forwarded.extend(
                addr.map(|addr| ["--addr".to_owned(), addr])
                    .into_iter()
                    .flatten(),
            );
            forwarded.extend(
                ca_out
                    .map(|file| ["--ca-out".to_owned(), file])
                    .into_iter()
                    .flatten(),
            );
            app::forward(&forwarded)
        }
        Command::Call {
            number,
            addr,
            ca,
            args,
        } => {
            let mut forwarded = vec![
                "call".to_owned(),
                number.to_string(),
                "--addr".to_owned(),
                addr,
            ];
            forwarded.extend(
                ca.map(|file| ["--ca".to_owned(), file])
                    .into_iter()
                    .flatten(),
            );
            // After `--`, the exercise's own arguments are never taken for
            // options, even a negative pid.
            forwarded.push("--".to_owned());
            forwarded.extend(args);
            app::forward(&forwarded)
        }
    }
}
