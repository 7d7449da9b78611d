//! # workshop: learn gRPC by doing, with the computer saying when a step is right
//!
//! Sixteen exercises, in the manner of rustlings. Each is a small file under
//! `workshop/exercises/` with `// TODO` markers and `todo!()`s; its check
//! starts the code you wrote on a real server on `127.0.0.1:0`, calls it
//! over a real socket, and says in plain words what is still wrong.
//!
//! - `cargo run -p workshop`: every exercise, done or not yet, and the next.
//! - `cargo run -p workshop -- check N`, `-- watch`, `-- hint N`,
//!   `-- reset N`, `-- progress`, `-- serve N`, `-- call N --addr HOST:PORT`,
//!   `-- progress --share URL --name NAME` (the class on the projector).
//! - `--lang pt` (or `LANG=pt_BR.UTF-8`): everything in Portuguese.
//!
//! `WORKSHOP.md` (and `WORKSHOP.pt-BR.md`) at the top of the repository is
//! the guide. Solutions are in `workshop/solutions/`: out of the way, but
//! there when you need them.
//!
//! ## Layout
//!
//! In `workshop/`: `starters/` (the one committed copy of each starting
//! point, embedded for `reset` by [`starters`]), `exercises/` and
//! `proto/workshop.proto` (yours: made from the starters by the first
//! build, never committed), `solutions/`, `check.rs` and `src/`.
//!
//! Two programs, so that a file that does not compile never locks you out.
//!
//! - This library and `src/main.rs` are the `workshop` program. It does not
//!   compile your files: [`app`] gives hints and resets exercises itself,
//!   and hands the rest to the check program through cargo ([`cargo`]);
//!   [`watch`] does so after every save. [`catalog`] lists the exercises,
//!   [`text`] holds every message in both languages, [`progress`] and
//!   [`reset`] (and `restore`) do what their names say, and [`share`]
//!   sends your progress to the instructor's page (`progress --share URL
//!   --name NAME`). [`cli`] declares the commands once, for both programs;
//!   [`seen`] judges your files by content before cargo runs; [`interrupt`]
//!   leaves Ctrl-C to the check program while it runs.
//! - `check.rs` (at the top of `workshop/`) and `src/check/` are the check
//!   program, `workshop-check`: your sixteen files, the code generated from
//!   `workshop/proto/workshop.proto`, the checks, `serve` and `call`.

pub mod app;
pub mod cargo;
pub mod catalog;
pub mod cli;
pub mod interrupt;
pub mod progress;
pub mod reset;
pub mod seen;
pub mod share;
pub mod starters;
pub mod text;
pub mod watch;
