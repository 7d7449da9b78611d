//! What `cargo run -p workshop` does: the list, `check`, `hint`, `watch`.

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::{Duration, SystemTime},
};

use crate::{
    catalog::{self, EXERCISES, Exercise},
    checks,
    harness::Outcome,
};

/// Lists every exercise with its state, and says which is next.
pub fn list() -> ExitCode {
    println!("gRPC workshop: ten exercises, each checked against a real server.");
    println!("The guide is WORKSHOP.md (em português: WORKSHOP.pt-BR.md).\n");
    let mut next = None;
    let mut done = 0;
    for exercise in &EXERCISES {
        let outcome = checks::check(exercise.number, true);
        let state = match outcome {
            Outcome::Done => {
                done += 1;
                "done"
            }
            Outcome::NotYet(_) => {
                next.get_or_insert(exercise);
                "not yet"
            }
        };
        println!(
            "  {:>2}  {state:<8} {:<34} {}",
            exercise.number, exercise.title, exercise.file
        );
    }
    println!("\n{done} of {} done.", EXERCISES.len());
    match next {
        Some(exercise) => introduce(exercise),
        None => {
            println!("All done: well done! Now read how the teaching crates do it all for real.")
        }
    }
    ExitCode::SUCCESS
}

/// Prints an exercise's goal and the commands that help with it.
fn introduce(exercise: &Exercise) {
    println!("\nNext: exercise {}, {}", exercise.number, exercise.file);
    println!("  Goal: {}", exercise.goal);
    println!("  Check it:  {}", exercise.check_command());
    println!("  Or let it re-check on every save:  cargo run -p workshop -- watch");
    println!(
        "  Stuck?  cargo run -p workshop -- hint {}",
        exercise.number
    );
}

/// Runs one exercise's check and prints each step; exit code 1 if not done.
pub fn check(number: u8) -> ExitCode {
    let Some(exercise) = catalog::find(number) else {
        eprintln!("error: there is no exercise {number}; they are numbered 1 to 10");
        return ExitCode::FAILURE;
    };
    println!("Exercise {}: {}", exercise.number, exercise.title);
    println!("  file: {}", exercise.file);
    println!("  goal: {}\n", exercise.goal);
    match checks::check(number, false) {
        Outcome::Done => {
            println!("\nExercise {number} is done.");
            match catalog::find(number + 1) {
                Some(next) => introduce(next),
                None => println!("That was the last one: all ten done, well done!"),
            }
            ExitCode::SUCCESS
        }
        Outcome::NotYet(why) => {
            println!("  [not yet] {why}");
            println!("\nStuck?  cargo run -p workshop -- hint {number}");
            ExitCode::FAILURE
        }
    }
}

/// Checks the first exercise not yet done, or says that all are.
pub fn check_next() -> ExitCode {
    let next = EXERCISES
        .iter()
        .find(|exercise| checks::check(exercise.number, true) != Outcome::Done);
    match next {
        Some(exercise) => check(exercise.number),
        None => {
            println!("All ten exercises are done: well done!");
            ExitCode::SUCCESS
        }
    }
}

/// Prints an exercise's hint, and where its solution is.
pub fn hint(number: u8) -> ExitCode {
    let Some(exercise) = catalog::find(number) else {
        eprintln!("error: there is no exercise {number}; they are numbered 1 to 10");
        return ExitCode::FAILURE;
    };
    println!("Hint for exercise {number} ({}):\n", exercise.file);
    println!("{}\n", exercise.hint);
    println!(
        "Still stuck? The solution is {}; reading it after trying is learning too.",
        exercise.solution()
    );
    ExitCode::SUCCESS
}

/// Checks an exercise (`only`, or the next not done) each time a file under
/// `workshop/exercises/` or `workshop/proto/` is saved, until Ctrl-C.
///
/// Each check runs `cargo run -p workshop --bin workshop-check`, which
/// rebuilds it with the file as saved (compiler errors show here too).
pub fn watch(only: Option<u8>) -> ExitCode {
    let workshop = Path::new(env!("CARGO_MANIFEST_DIR"));
    let watched = [workshop.join("exercises"), workshop.join("proto")];
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = only.map_or_else(|| "next".to_owned(), |n| n.to_string());
    loop {
        let seen = snapshot(&watched);
        let status = Command::new(&cargo)
            .args([
                "run",
                "--quiet",
                "-p",
                "workshop",
                "--bin",
                "workshop-check",
                "--",
            ])
            .arg(&target)
            .status();
        if let Err(e) = status {
            eprintln!("error: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
        println!(
            "\nWatching workshop/exercises and workshop/proto: save a file to check again (Ctrl-C to stop)."
        );
        // Poll: a few file times every 300 ms cost nothing, and work the
        // same on every system and editor.
        while snapshot(&watched) == seen {
            std::thread::sleep(Duration::from_millis(300));
        }
        println!("\n---------------- a file changed: checking again ----------------\n");
    }
}

/// The files under `dirs`, each with its modification time.
fn snapshot(dirs: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>)> {
    let mut files: Vec<_> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            (entry.path(), modified)
        })
        .collect();
    files.sort();
    files
}
