//! The check program's commands: what `cargo run -p workshop -- ...` asks
//! of it once your files compile.

use std::{path::PathBuf, process::ExitCode};

use workshop::{
    catalog::{self, EXERCISES, Exercise},
    cli::Command,
    text::{lang, ui},
    watch::WatchState,
};

use crate::{
    call::{CallArgs, call},
    checks,
    harness::Outcome,
    serve::{BASE_PORT, serve},
};

/// Runs `command`: what needs your files compiled here; the rest (`hint`,
/// `reset`, `restore`, `watch`), which `workshop` does itself, the same way.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Check { number } => check(number),
        Command::List => list(),
        // `--share` is the workshop program's to do (it reports even when
        // your files do not compile): here, the line or the JSON only.
        Command::Progress { json, .. } => progress(json),
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
        Command::Hint { number } => workshop::app::hint(number),
        Command::Reset { number } => workshop::app::reset(number),
        Command::Restore { number } => workshop::app::restore(number),
        Command::Watch { number } => workshop::watch::watch(number),
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
            // Exercise 15 is served through etcd, not to one classmate.
            if number != crate::serve::REGISTRY_EXERCISE {
                let port = BASE_PORT + u16::from(number);
                println!(
                    "{}",
                    ui::CHECK_DONE_SERVE.with(&[("number", &number), ("port", &port)])
                );
            }
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
