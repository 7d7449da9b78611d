//! `watch`: checks again each time a file under `workshop/exercises/` or
//! `workshop/proto/` is saved, until Ctrl-C.
//!
//! This program does not compile your files, so it starts, and keeps
//! running, whatever state they are in. Each check is a run of the check
//! program through cargo ([`crate::cargo`]): a save that does not compile
//! shows the compiler's errors, the next good save shows the verdict.

use std::{path::Path, process::ExitCode, time::Duration};

use crate::{
    app,
    cargo::{Ran, run_check_program},
    catalog,
    text::ui,
};

/// How often to look at the files. Reading a dozen small files every
/// 300 ms costs nothing, and polling works the same on every system and
/// editor.
const POLL: Duration = Duration::from_millis(300);

/// What one step of `watch` checked: the check program writes it, `watch`
/// reads it to know what to check after the next save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchState {
    /// The exercise checked.
    pub checked: u8,
    /// Whether it passed.
    pub done: bool,
}

impl WatchState {
    /// Writes the state to `file` as one line: `3 done` or `3 not-done`.
    pub fn write(self, file: &Path) -> std::io::Result<()> {
        let done = if self.done { "done" } else { "not-done" };
        std::fs::write(file, format!("{} {done}\n", self.checked))
    }

    /// Reads what [`WatchState::write`] wrote, if it wrote anything.
    pub fn read(file: &Path) -> Option<WatchState> {
        let text = std::fs::read_to_string(file).ok()?;
        let (checked, done) = text.trim().split_once(' ')?;
        Some(WatchState {
            checked: checked.parse().ok()?,
            done: done == "done",
        })
    }
}

/// Checks exercise `only` (or the next not done) now and after each save.
pub fn watch(only: Option<u8>) -> ExitCode {
    if let Some(number) = only
        && catalog::find(number).is_none()
    {
        eprintln!("{}", ui::NO_SUCH_EXERCISE.with(&[("number", &number)]));
        return ExitCode::FAILURE;
    }
    let workshop = Path::new(env!("CARGO_MANIFEST_DIR"));
    let watched = crate::cargo::yours(workshop);
    let state_file =
        std::env::temp_dir().join(format!("workshop-watch-{}.txt", std::process::id()));
    // The exercise the last check was about, while it is not done: once it
    // passes, the next check shows it done before moving on.
    let mut previous: Option<u8> = None;
    loop {
        let seen = crate::seen::contents(&watched);
        // A state left from the last step must not pass for this one's.
        let _ = std::fs::remove_file(&state_file);
        let args = match (only, previous) {
            (Some(number), _) => vec!["check".to_owned(), number.to_string()],
            (None, after) => {
                let mut args = vec!["watch-step".to_owned(), "--state".to_owned()];
                args.push(state_file.display().to_string());
                if let Some(after) = after {
                    args.extend(["--after".to_owned(), after.to_string()]);
                }
                args
            }
        };
        let ran = run_check_program(&args);
        if crate::interrupt::pressed() {
            return ExitCode::from(crate::interrupt::EXIT_CODE);
        }
        match ran {
            Ran::Finished(_) => {
                if only.is_none() {
                    previous = WatchState::read(&state_file)
                        .filter(|state| !state.done)
                        .map(|state| state.checked);
                }
            }
            Ran::DidNotCompile(broken) => app::advise_compile_errors(&broken, true),
            Ran::CannotStart(e) => {
                eprintln!("{}", ui::CANNOT_RUN_CARGO.with(&[("error", &e)]));
                return ExitCode::FAILURE;
            }
        }
        println!("\n{}", ui::WATCHING);
        // By content, not time: a file put back with an old time counts,
        // an editor saving the same text again does not.
        while crate::seen::contents(&watched) == seen {
            std::thread::sleep(POLL);
        }
        println!("\n{}\n", ui::WATCH_CHANGED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_survives_the_trip_through_its_file() {
        let file = std::env::temp_dir().join(format!("workshop-state-{}.txt", std::process::id()));
        for state in [
            WatchState {
                checked: 3,
                done: false,
            },
            WatchState {
                checked: 10,
                done: true,
            },
        ] {
            state.write(&file).unwrap();
            assert_eq!(WatchState::read(&file), Some(state));
        }
        std::fs::remove_file(&file).unwrap();
        assert_eq!(WatchState::read(&file), None);
    }
}
