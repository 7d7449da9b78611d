//! Runs the check program (`workshop-check`: your files and their checks)
//! through cargo, which first rebuilds it with your files as saved.
//!
//! The compiler's messages pass through to your terminal as they come; on
//! the way, this reads them to learn which of your files does not compile,
//! so that the advice after them can name it.

use std::{
    ffi::OsStr,
    io::{self, BufRead, BufReader, IsTerminal, Write},
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
};

use crate::text::{lang, ui};

/// The directories of the files you edit, under the workshop directory.
pub fn yours(workshop: &Path) -> [PathBuf; 2] {
    [workshop.join("exercises"), workshop.join("proto")]
}

/// What `cargo run` sets for the program it runs (us) and a cargo of our
/// own must not inherit: its build scripts' fingerprints track some of
/// them (ring's, CARGO_MANIFEST_DIR), and would see them change between a
/// student's `cargo build` and ours, rebuilding ring and rustls each time.
const SET_BY_CARGO_RUN: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "OUT_DIR",
];

/// What came of running the check program.
#[derive(Debug)]
pub enum Ran {
    /// It ran, and ended with this status.
    Finished(ExitStatus),
    /// Your files do not compile: the compiler's errors were shown.
    DidNotCompile(Broken),
    /// cargo itself could not be started.
    CannotStart(io::Error),
}

/// What does not compile, as read from the compiler's messages.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Broken {
    /// The exercises whose files have errors, in order, once each.
    pub exercises: Vec<u8>,
    /// Whether `workshop/proto/workshop.proto` is one of them.
    pub proto: bool,
}

/// Runs `workshop-check ARGS` through cargo, in this run's language.
///
/// First, a file of yours that is missing (deleted) gets its starter back,
/// so that the check program compiles, and a file whose content changed
/// gets a new time, so that cargo sees the change ([`crate::seen`]).
pub fn run_check_program<S: AsRef<OsStr>>(args: &[S]) -> Ran {
    run(args, false).0
}

/// [`run_check_program`], its output read instead of shown: what
/// `progress --share` reads the JSON from. The compiler's errors still go
/// to your terminal.
pub fn run_check_program_for_output<S: AsRef<OsStr>>(args: &[S]) -> (Ran, String) {
    run(args, true)
}

/// Runs the check program; with `capture`, returns what it printed.
fn run<S: AsRef<OsStr>>(args: &[S], capture: bool) -> (Ran, String) {
    let workshop = Path::new(env!("CARGO_MANIFEST_DIR"));
    match crate::starters::write_missing(workshop) {
        Ok(written) => {
            // Named from the repository's root, as every other message
            // names your files: workshop/exercises/04_stats.rs.
            let root = workshop.parent().unwrap_or(workshop);
            for file in written {
                let file = file.strip_prefix(root).unwrap_or(&file).display();
                eprintln!("{}", ui::STARTER_WRITTEN.with(&[("file", &file)]));
            }
        }
        Err(e) => return (Ran::CannotStart(e), String::new()),
    }
    crate::seen::mark_changed(&yours(workshop));
    // `cargo run` sets CARGO to the cargo that runs us: use the same one.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_") || SET_BY_CARGO_RUN.contains(&name.as_ref()) {
            command.env_remove(name.as_ref());
        }
    }
    command
        .args(["run", "--quiet", "--manifest-path"])
        .arg(workshop.join("Cargo.toml"))
        .args(["-p", "workshop", "--bin", "workshop-check"]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    // Colours survive the pipe only if asked for, and only where they show.
    let color = if io::stderr().is_terminal() {
        "always"
    } else {
        "never"
    };
    command.args(["--color", color, "--"]);
    command.args(["--lang", lang().code()]).args(args);
    // Your terminal's input goes to the check program (the chat room reads
    // it), and so does its output; only the errors are read on the way.
    command.stderr(Stdio::piped());
    if capture {
        command.stdout(Stdio::piped());
    }
    crate::interrupt::while_child_runs(|| run_and_read(command))
}

/// Runs `command` (cargo, asked to run the check program), passing its
/// errors on to the terminal and reading them on the way; and its output,
/// if piped, returned.
fn run_and_read(mut command: Command) -> (Ran, String) {
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return (Ran::CannotStart(e), String::new()),
    };
    // The output is read on a thread of its own, while this one reads the
    // errors: a pipe that nobody reads would stop the child once full.
    let output = child.stdout.take().map(|mut stdout| {
        std::thread::spawn(move || {
            let mut output = String::new();
            let _ = io::Read::read_to_string(&mut stdout, &mut output);
            output
        })
    });
    let mut broken = Broken::default();
    let mut failed_to_compile = false;
    if let Some(stderr) = child.stderr.take() {
        let mut terminal = io::stderr();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = writeln!(terminal, "{line}");
            let plain = strip_colors(&line);
            failed_to_compile |= plain.starts_with("error: could not compile");
            broken.note(&plain);
        }
    }
    let ran = match child.wait() {
        Ok(status) if !status.success() && failed_to_compile => Ran::DidNotCompile(broken),
        Ok(status) => Ran::Finished(status),
        Err(e) => Ran::CannotStart(e),
    };
    let output = output.and_then(|reader| reader.join().ok());
    (ran, output.unwrap_or_default())
}

impl Broken {
    /// Notes the file a compiler message points at, if it is one of yours:
    /// rustc's ` --> workshop/exercises/03_countdown.rs:41:9`, or the proto
    /// error that build.rs turns into a compiler error.
    fn note(&mut self, line: &str) {
        if line.contains("workshop/proto/workshop.proto") {
            self.proto = true;
        }
        let Some(path) = line.trim_start().strip_prefix("--> ") else {
            return;
        };
        let number = (path.replace('\\', "/").split("workshop/exercises/").nth(1))
            .and_then(|file| file.get(..2))
            .and_then(|digits| digits.parse().ok());
        if let Some(number) = number
            && !self.exercises.contains(&number)
        {
            self.exercises.push(number);
            self.exercises.sort_unstable();
        }
    }
}

/// `line` without the terminal's colour codes (`ESC [ ... m`).
fn strip_colors(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip to the end of the code: its final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiler_messages_name_the_broken_exercises() {
        let mut broken = Broken::default();
        for line in [
            "error[E0308]: mismatched types",
            "  --> workshop/exercises/03_countdown.rs:41:9",
            "   --> workshop/exercises/01_unary.rs:3:1",
            "  --> workshop/exercises/03_countdown.rs:50:2",
            "  --> workshop/src/check/checks/e03.rs:10:1",
            "  --> C:\\work\\workshop\\exercises\\07_deadlines.rs:1:1",
        ] {
            broken.note(&strip_colors(line));
        }
        assert_eq!(broken.exercises, [1, 3, 7]);
        assert!(!broken.proto);
        broken.note("error: workshop/proto/workshop.proto does not compile: ...");
        assert!(broken.proto);
    }

    #[test]
    fn colour_codes_are_stripped() {
        assert_eq!(
            strip_colors("\u{1b}[0m\u{1b}[1m\u{1b}[38;5;9merror[E0308]\u{1b}[0m: x"),
            "error[E0308]: x"
        );
    }
}
