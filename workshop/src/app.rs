//! What `cargo run -p workshop -- ...` does. `hint` and `reset` are done
//! here; everything that needs your code compiled (the list, `check`,
//! `progress`, `serve`, `call`) is handed to the check program through
//! cargo ([`crate::cargo`]), which rebuilds it first; `watch` does that
//! after every save ([`crate::watch`]).

use std::{ffi::OsStr, path::Path, process::ExitCode};

use crate::{
    cargo::{Broken, Ran, run_check_program, run_check_program_for_output},
    catalog::{self, Exercise},
    progress,
    reset::{self, Reset, Restore},
    share::{Report, Target},
    text::{lang, ui},
};

/// Runs the check program with `args`, and turns what came of it into this
/// program's exit code, with advice if your files do not compile.
pub fn forward<S: AsRef<OsStr>>(args: &[S]) -> ExitCode {
    match run_check_program(args) {
        Ran::Finished(status) if status.success() => ExitCode::SUCCESS,
        Ran::Finished(_) => ExitCode::FAILURE,
        Ran::DidNotCompile(broken) => {
            advise_compile_errors(&broken, false);
            ExitCode::FAILURE
        }
        Ran::CannotStart(e) => {
            eprintln!("{}", ui::CANNOT_RUN_CARGO.with(&[("error", &e)]));
            ExitCode::FAILURE
        }
    }
}

/// `progress`, which must print its JSON even when nothing compiles; with
/// `share` (`--share URL --name NAME`), also sent to the instructor's page.
pub fn progress(json: bool, share: Option<(String, String)>) -> ExitCode {
    let Some((url, name)) = share else {
        return progress_here(json);
    };
    // The address and the name first: the checks take a while.
    let target = match Target::new(&url, &name) {
        Ok(target) => target,
        Err(line) => {
            eprintln!("{line}");
            return ExitCode::FAILURE;
        }
    };
    // The check program's JSON, read here: `progress::parse_json` is the
    // other half of its `progress::json`.
    let (ran, output) = run_check_program_for_output(&["progress", "--json"]);
    let report = match ran {
        Ran::DidNotCompile(broken) => {
            advise_compile_errors(&broken, false);
            print_does_not_compile(json);
            Report {
                compiles: false,
                done: Vec::new(),
                next: None,
            }
        }
        Ran::Finished(status) if status.success() => {
            let Some((done, next)) = progress::parse_json(&output) else {
                print!("{output}");
                return ExitCode::FAILURE;
            };
            if json {
                print!("{output}");
            }
            Report {
                compiles: true,
                done,
                next,
            }
        }
        Ran::Finished(_) => {
            print!("{output}");
            return ExitCode::FAILURE;
        }
        Ran::CannotStart(e) => {
            eprintln!("{}", ui::CANNOT_RUN_CARGO.with(&[("error", &e)]));
            return ExitCode::FAILURE;
        }
    };
    match target.send(&report) {
        // The progress line is in the one that says it was shared; with
        // --json, stdout is the JSON's alone.
        Ok(shared) if json => eprintln!("{shared}"),
        Ok(shared) => println!("{shared}"),
        Err(line) => {
            // Not shared: the line is still yours to read.
            if !json && report.compiles {
                println!("{}", progress::line(lang(), &report.done, report.next));
            }
            eprintln!("{line}");
            return ExitCode::FAILURE;
        }
    }
    if report.compiles {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `progress` without `--share`: the check program prints it.
fn progress_here(json: bool) -> ExitCode {
    let args: &[&str] = if json {
        &["progress", "--json"]
    } else {
        &["progress"]
    };
    match run_check_program(args) {
        Ran::DidNotCompile(broken) => {
            advise_compile_errors(&broken, false);
            print_does_not_compile(json);
            ExitCode::FAILURE
        }
        Ran::Finished(status) if status.success() => ExitCode::SUCCESS,
        Ran::Finished(_) => ExitCode::FAILURE,
        Ran::CannotStart(e) => {
            eprintln!("{}", ui::CANNOT_RUN_CARGO.with(&[("error", &e)]));
            ExitCode::FAILURE
        }
    }
}

/// What `progress` prints when nothing compiles: that nothing is known.
fn print_does_not_compile(json: bool) {
    if json {
        println!("{}", progress::JSON_DOES_NOT_COMPILE);
    } else {
        println!("{}", ui::PROGRESS_DOES_NOT_COMPILE);
    }
}

/// After the compiler's errors: why nothing can be checked, and the way
/// out (fix it, or `reset` the exercise it is in). `watching` adds that
/// the next save is checked again.
pub fn advise_compile_errors(broken: &Broken, watching: bool) {
    println!("\n{}", ui::DOES_NOT_COMPILE);
    let mut numbers = broken.exercises.clone();
    if broken.proto && !numbers.contains(&1) {
        numbers.insert(0, 1);
    }
    for number in numbers {
        if let Some(exercise) = catalog::find(number) {
            println!(
                "{}",
                ui::RESET_TO_MOVE_ON.with(&[("number", &number), ("file", &exercise.file)])
            );
        }
    }
    if watching {
        println!("{}", ui::WATCH_AFTER_ERRORS);
    }
}

/// The exercise numbered `number`, or a message on stderr.
fn exercise(number: u8) -> Option<&'static Exercise> {
    let found = catalog::find(number);
    if found.is_none() {
        eprintln!("{}", ui::NO_SUCH_EXERCISE.with(&[("number", &number)]));
    }
    found
}

/// Prints an exercise's hint, and where its solution is.
pub fn hint(number: u8) -> ExitCode {
    let Some(exercise) = exercise(number) else {
        return ExitCode::FAILURE;
    };
    println!(
        "{}\n",
        ui::HINT_HEADER.with(&[("number", &number), ("file", &exercise.file)])
    );
    println!("{}\n", exercise.hint);
    println!(
        "{}",
        ui::HINT_SOLUTION.with(&[("solution", &exercise.solution())])
    );
    ExitCode::SUCCESS
}

/// The workshop directory, and a path shown from the repository's root,
/// as everywhere else.
fn workshop_dir() -> (&'static Path, impl Fn(&Path) -> String) {
    let workshop = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root: &'static Path = workshop.parent().unwrap_or(workshop);
    let show = move |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    (workshop, show)
}

/// Puts exercise `number`'s starter back, keeping the current file.
pub fn reset(number: u8) -> ExitCode {
    let Some(exercise) = exercise(number) else {
        return ExitCode::FAILURE;
    };
    let (workshop, show) = workshop_dir();
    let done = match reset::reset(workshop, number, exercise.file_name()) {
        Ok(done) => done,
        Err(e) => {
            let e = crate::text::os_error(&e);
            eprintln!(
                "{}",
                ui::RESET_FAILED.with(&[("number", &number), ("error", &e)])
            );
            return ExitCode::FAILURE;
        }
    };
    for reset in done {
        match reset {
            Reset::AlreadyStarter(file) => {
                println!("{}", ui::RESET_ALREADY.with(&[("file", &show(&file))]));
            }
            Reset::Restored { file, kept } => println!(
                "{}",
                ui::RESET_DONE.with(&[
                    ("file", &show(&file)),
                    ("kept", &show(&kept)),
                    ("number", &number)
                ])
            ),
        }
    }
    ExitCode::SUCCESS
}

/// Brings back the attempt `reset` kept of exercise `number`.
pub fn restore(number: u8) -> ExitCode {
    let Some(exercise) = exercise(number) else {
        return ExitCode::FAILURE;
    };
    let (workshop, show) = workshop_dir();
    let done = match reset::restore(workshop, number, exercise.file_name()) {
        Ok(done) => done,
        Err(e) => {
            let e = crate::text::os_error(&e);
            eprintln!(
                "{}",
                ui::RESTORE_FAILED.with(&[("number", &number), ("error", &e)])
            );
            return ExitCode::FAILURE;
        }
    };
    for restored in done {
        match restored {
            Restore::NothingKept(file) => {
                println!("{}", ui::RESTORE_NOTHING.with(&[("file", &show(&file))]));
            }
            Restore::Back { file, from, kept } => {
                println!(
                    "{}",
                    ui::RESTORE_DONE.with(&[("file", &show(&file)), ("from", &show(&from))])
                );
                if let Some(kept) = kept {
                    println!("{}", ui::RESTORE_KEPT.with(&[("kept", &show(&kept))]));
                }
            }
        }
    }
    ExitCode::SUCCESS
}
