//! The check program's commands: what `cargo run -p workshop -- ...` asks
//! of it once your files compile.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use workshop::{
    catalog::{self, EXERCISES, Exercise},
    text::{Lang, lang, ui},
    watch::WatchState,
};

use crate::{
    call::{CallArgs, call},
    checks,
    harness::Outcome,
    serve::{BASE_PORT, serve},
};

/// Your ten exercises, compiled with their checks. `cargo run -p workshop`
/// runs this for you: see WORKSHOP.md.
#[derive(Parser, Debug)]
#[command(about)]
pub struct Args {
    /// en or pt [default: from LANG, else en]
    #[arg(long, global = true)]
    lang: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Args {
    /// The language asked for, else the locale's.
    pub fn lang(&self) -> Lang {
        (self.lang.as_deref())
            .and_then(Lang::parse)
            .unwrap_or_else(Lang::from_locale)
    }
}

/// The check program's commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check exercise N and say what is still wrong
    Check {
        /// The exercise, 1 to 10
        number: u8,
    },
    /// Every exercise, done or not yet, and the next
    List,
    /// One line: the exercises done and the next (--json for a script)
    Progress {
        /// As JSON: {"compiles":true,"done":[1,2],"next":3}
        #[arg(long)]
        json: bool,
    },
    /// What `watch` runs after each save: the next exercise's check
    #[command(hide = true)]
    WatchStep {
        /// The exercise checked last time: if it is done now, show it
        #[arg(long)]
        after: Option<u8>,
        /// Where to write which exercise was checked, and whether it is done
        #[arg(long)]
        state: PathBuf,
    },
    /// Serve your exercise N for a classmate to call
    Serve {
        /// The exercise, 1 to 10
        number: u8,
        /// Where to listen [default: 127.0.0.1:5005N]
        #[arg(long)]
        addr: Option<String>,
        /// Exercise 10: where to write the CA certificate callers must trust
        #[arg(long)]
        ca_out: Option<PathBuf>,
    },
    /// Call a classmate's `serve N` with your client
    Call {
        /// The exercise, 1 to 10
        number: u8,
        /// The server, HOST:PORT
        #[arg(long)]
        addr: String,
        /// Exercise 10: the CA certificate the server's `serve 10` wrote
        #[arg(long)]
        ca: Option<PathBuf>,
        /// The exercise's own arguments (see WORKSHOP.md)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// Runs `command`.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Check { number } => check(number),
        Command::List => list(),
        Command::Progress { json } => progress(json),
        Command::WatchStep { after, state } => watch_step(after, state),
        Command::Serve {
            number,
            addr,
            ca_out,
        } => serve(number, addr, ca_out),
        Command::Call {
            number,
            addr,
            ca,
            args,
        } => call(CallArgs {
            number,
            addr,
            ca,
            args,
        }),
    }
}

/// Whether exercise `number` passes its check, printing nothing.
fn is_done(number: u8) -> bool {
    checks::check(number, true) == Outcome::Done
}

/// Lists every exercise with its state, and says which is next.
fn list() -> ExitCode {
    println!("{}\n", ui::LIST_INTRO);
    let mut done = Vec::new();
    for exercise in &EXERCISES {
        let state = if is_done(exercise.number) {
            done.push(exercise.number);
            ui::STATE_DONE
        } else {
            ui::STATE_NOT_YET
        };
        println!(
            "  {:>2}  {:<10} {:<40} {}",
            exercise.number,
            state.to_string(),
            exercise.title.to_string(),
            exercise.file
        );
    }
    println!(
        "\n{}",
        ui::LIST_COUNT.with(&[("done", &done.len()), ("total", &catalog::COUNT)])
    );
    introduce_next(catalog::next(|number| done.contains(&number)));
    ExitCode::SUCCESS
}

/// Prints the next exercise's goal and the commands that help with it, or
/// that all are done.
fn introduce_next(next: Option<u8>) {
    let Some(exercise) = next.and_then(catalog::find) else {
        println!("{}", ui::ALL_DONE);
        return;
    };
    let number = &exercise.number;
    println!(
        "\n{}",
        ui::NEXT.with(&[("number", number), ("file", &exercise.file)])
    );
    println!("{}", ui::NEXT_GOAL.with(&[("goal", &exercise.goal)]));
    println!("{}", ui::NEXT_CHECK.with(&[("number", number)]));
    println!("{}", ui::NEXT_WATCH);
    println!("{}", ui::NEXT_HINT.with(&[("number", number)]));
}

/// Runs one exercise's check and prints each step; exit code 1 if not done.
fn check(number: u8) -> ExitCode {
    let Some(exercise) = catalog::find(number) else {
        eprintln!("{}", ui::NO_SUCH_EXERCISE.with(&[("number", &number)]));
        return ExitCode::FAILURE;
    };
    if check_and_report(exercise) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Checks `exercise` aloud: its steps, then what is next or what is wrong.
/// Whether it is done.
fn check_and_report(exercise: &Exercise) -> bool {
    let number = exercise.number;
    println!(
        "{}",
        ui::CHECK_HEADER.with(&[("number", &number), ("title", &exercise.title)])
    );
    println!("{}", ui::CHECK_FILE.with(&[("file", &exercise.file)]));
    println!("{}\n", ui::CHECK_GOAL.with(&[("goal", &exercise.goal)]));
    match checks::check(number, false) {
        Outcome::Done => {
            println!("\n{}", ui::CHECK_DONE.with(&[("number", &number)]));
            let port = BASE_PORT + u16::from(number);
            println!(
                "{}",
                ui::CHECK_DONE_SERVE.with(&[("number", &number), ("port", &port)])
            );
            // The lowest not done, as everywhere: this one is done.
            introduce_next(catalog::next(|other| other == number || is_done(other)));
            true
        }
        Outcome::NotYet(why) => {
            println!("  {} {why}", ui::NOT_YET_LABEL);
            println!("\n{}", ui::CHECK_STUCK.with(&[("number", &number)]));
            false
        }
    }
}

/// `progress`: `done: 1 2 3 5; next: 4`, or the same as JSON.
fn progress(json: bool) -> ExitCode {
    let done: Vec<u8> = (1..=catalog::COUNT).filter(|&n| is_done(n)).collect();
    let next = catalog::next(|number| done.contains(&number));
    if json {
        println!("{}", workshop::progress::json(&done, next));
    } else {
        println!("{}", workshop::progress::line(lang(), &done, next));
    }
    ExitCode::SUCCESS
}

/// One step of `watch`: if exercise `after` (checked last time) is done
/// now, its full check, so its `[ok]` lines are seen; otherwise the next
/// exercise's. Writes to `state` which one was checked, and whether it is
/// done, for the next step.
fn watch_step(after: Option<u8>, state: PathBuf) -> ExitCode {
    let number = match after.filter(|&after| is_done(after)) {
        Some(after) => after,
        None => match catalog::next(is_done) {
            Some(next) => next,
            None => {
                println!("{}", ui::ALL_DONE);
                return ExitCode::SUCCESS;
            }
        },
    };
    let Some(exercise) = catalog::find(number) else {
        return ExitCode::FAILURE;
    };
    let done = check_and_report(exercise);
    let written = WatchState {
        checked: number,
        done,
    }
    .write(&state);
    if let Err(e) = written {
        eprintln!("{}: {e}", state.display());
    }
    ExitCode::SUCCESS
}
