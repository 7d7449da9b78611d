//! # workshop-check: your sixteen files, compiled with their checks
//!
//! `cargo run -p workshop -- ...` runs this program through cargo, which
//! rebuilds it first with your files as saved. You can run it yourself too
//! (`cargo run -p workshop --bin workshop-check -- check 3`), but the
//! `workshop` program is friendlier: it still works when this one does not
//! compile.
//!
//! This file sits at the top of `workshop/`, beside `exercises/`, for one
//! reason: the compiler names files from here, so its errors (and a
//! `todo!()`'s place) read `workshop/exercises/03_countdown.rs:41`.
//!
//! ## Layout
//! - `pb`: the code generated from `workshop/proto/workshop.proto`.
//! - `e01_unary` ... `e16_trace_context`: the exercises, your files.
//! - `harness` (`src/check/harness.rs`): what runs one check: a runtime, a
//!   time limit, a net for panics, and a server for your service on a
//!   runtime with a single thread, where anything that blocks shows.
//! - `checks` (`src/check/checks/`): one module per exercise.
//! - `commands` (`src/check/commands.rs`): `check`, `list`, `progress`, and
//!   the step `watch` runs after each save.
//! - `etcd` (`src/check/etcd.rs`): a real etcd, started for exercise 15's
//!   check.
//! - `serve` and `call` (`src/check/serve.rs`, `src/check/call.rs`): your
//!   server for a classmate to call, and the client that calls theirs.

use std::process::ExitCode;

use clap::Parser;

/// The code generated from `workshop/proto/workshop.proto` (package `workshop`).
pub mod pb {
    // Generated code carries the proto's comments and no others.
    #![allow(missing_docs)]

    tonic::include_proto!("workshop");

    /// The encoded descriptor of `workshop.proto`, which the checks read to
    /// see what your proto declares.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("workshop_descriptor");
}

// If workshop.proto does not parse, build.rs writes here the one error that
// says where; otherwise this is empty.
include!(concat!(env!("OUT_DIR"), "/proto_error.rs"));

// The exercises: the files you edit, under `workshop/exercises/`. A starter
// file has parameters that only its finished version uses, so the warnings
// that would be noise before you start are off for these modules. They are
// yours, made by the first build: `cargo fmt` leaves them alone (and works
// in a fresh clone, before they exist); CI checks the starters' format.
#[rustfmt::skip]
#[path = "exercises/01_unary.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e01_unary;
#[rustfmt::skip]
#[path = "exercises/02_status.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e02_status;
#[rustfmt::skip]
#[path = "exercises/03_countdown.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e03_countdown;
#[rustfmt::skip]
#[path = "exercises/04_stats.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e04_stats;
#[rustfmt::skip]
#[path = "exercises/05_chat_room.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e05_chat_room;
#[rustfmt::skip]
#[path = "exercises/06_futures.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e06_futures;
#[rustfmt::skip]
#[path = "exercises/07_deadlines.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e07_deadlines;
#[rustfmt::skip]
#[path = "exercises/08_metadata.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e08_metadata;
#[rustfmt::skip]
#[path = "exercises/09_auth.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e09_auth;
#[rustfmt::skip]
#[path = "exercises/10_tls.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e10_tls;
#[rustfmt::skip]
#[path = "exercises/11_rich_errors.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e11_rich_errors;
#[rustfmt::skip]
#[path = "exercises/12_request_ids.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e12_request_ids;
#[rustfmt::skip]
#[path = "exercises/13_retries.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e13_retries;
#[rustfmt::skip]
#[path = "exercises/14_propagation.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e14_propagation;
#[rustfmt::skip]
#[path = "exercises/15_registry.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e15_registry;
#[rustfmt::skip]
#[path = "exercises/16_trace_context.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e16_trace_context;

#[path = "src/check/call.rs"]
mod call;
#[path = "src/check/checks/mod.rs"]
mod checks;
#[path = "src/check/commands.rs"]
mod commands;
#[path = "src/check/etcd.rs"]
mod etcd;
#[path = "src/check/harness.rs"]
mod harness;
#[path = "src/check/serve.rs"]
mod serve;

/// The canonical name of a status code (`INVALID_ARGUMENT`, not tonic's
/// `InvalidArgument`): what every gRPC implementation prints. Exercise 2
/// calls it as `crate::code_name`.
pub use plumbing::code_name;

fn main() -> ExitCode {
    let args = workshop::cli::Args::parse();
    workshop::text::set_lang(args.lang());
    commands::run(args.command.unwrap_or(workshop::cli::Command::List))
}
