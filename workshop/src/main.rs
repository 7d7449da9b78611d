//! `cargo run -p workshop`: the exercises, their state, and what is next.
//! This program does not compile your files, so it runs even when one of
//! them does not compile: see the library's documentation.

use std::process::ExitCode;

use clap::Parser;
use workshop::{
    app, catalog,
    cli::{Args, Command},
    interrupt,
    text::{set_lang, ui},
    watch,
};

fn main() -> ExitCode {
    let args = Args::parse();
    set_lang(args.lang());
    // Ctrl-C is the check program's to handle while it runs (see the module).
    interrupt::install();
    // Every command that takes an exercise's number says so for a wrong one
    // before anything is built.
    if let Some(number) = args.command.as_ref().and_then(Command::number)
        && catalog::find(number).is_none()
    {
        eprintln!("{}", ui::NO_SUCH_EXERCISE.with(&[("number", &number)]));
        return ExitCode::FAILURE;
    }
    match args.command {
        None => app::forward(&["list"]),
        // What needs no exercise compiled, done here.
        Some(Command::Hint { number }) => app::hint(number),
        Some(Command::Reset { number }) => app::reset(number),
        Some(Command::Restore { number }) => app::restore(number),
        Some(Command::Watch { number }) => watch::watch(number),
        Some(Command::Progress { json, share, name }) => app::progress(json, share.zip(name)),
        // The rest needs your files compiled: the check program does it,
        // given the arguments just as you typed them (its `--lang` first,
        // so that yours, if any, wins).
        Some(_) => {
            let typed: Vec<_> = std::env::args_os().skip(1).collect();
            app::forward(&typed)
        }
    }
}
