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
            // The next one not done: after this one, else from the start.
            let (after, before): (Vec<&Exercise>, Vec<&Exercise>) =
                EXERCISES.iter().partition(|e| e.number > number);
            let next = (after.into_iter().chain(before))
                .filter(|e| e.number != number)
                .find(|e| checks::check(e.number, true) != Outcome::Done);
            match next {
                Some(next) => introduce(next),
                None => println!("All ten exercises are done: well done!"),
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
///
/// `previous` is the exercise checked last time (by `watch`): if it is done
/// now, its full check is shown first, so its `[ok]` lines are seen.
pub fn check_next(previous: Option<u8>) -> ExitCode {
    if let Some(previous) = previous
        && checks::check(previous, true) == Outcome::Done
    {
        return check(previous);
    }
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
    if let Some(number) = only
        && catalog::find(number).is_none()
    {
        eprintln!("error: there is no exercise {number}; they are numbered 1 to 10");
        return ExitCode::FAILURE;
    }
    let workshop = Path::new(env!("CARGO_MANIFEST_DIR"));
    let watched = [workshop.join("exercises"), workshop.join("proto")];
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The exercise the last check was about: once it passes, the next
    // check shows it done before moving on.
    let mut previous: Option<u8> = None;
    loop {
        let seen = snapshot(&watched);
        let target = match (only, previous) {
            (Some(n), _) => n.to_string(),
            (None, Some(n)) => format!("next:{n}"),
            (None, None) => "next".to_owned(),
        };
        let run = [
            "run",
            "--quiet",
            "-p",
            "workshop",
            "--bin",
            "workshop-check",
            "--",
        ];
        // Its output is read (to learn which exercise it checked) and
        // printed; cargo's own messages, compiler errors included, go
        // straight to the terminal.
        match Command::new(&cargo).args(run).arg(&target).output() {
            Ok(output) => {
                let text = String::from_utf8_lossy(&output.stdout);
                print!("{text}");
                // "Exercise 3: ..." names the exercise just checked; once it
                // is done, the next check moves on to the next one.
                let done = text.lines().any(|line| line.ends_with(" is done."));
                let checked = (text.lines())
                    .filter_map(|line| line.strip_prefix("Exercise "))
                    .find_map(|rest| rest.split(':').next()?.parse().ok());
                previous = if done { None } else { checked };
            }
            Err(e) => {
                eprintln!("error: cannot run cargo: {e}");
                return ExitCode::FAILURE;
            }
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
