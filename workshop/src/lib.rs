//! # workshop: learn gRPC by doing, with the computer saying when a step is right
//!
//! Ten exercises, in the manner of rustlings. Each is a small file under
//! `workshop/exercises/` with `// TODO` markers and `todo!()`s; its check
//! starts the code you wrote on a real server on `127.0.0.1:0`, calls it
//! over a real socket, and says in plain words what is still wrong.
//!
//! - `cargo run -p workshop`: every exercise, done or not yet, and the next.
//! - `cargo run -p workshop -- check N`, `-- watch`, `-- hint N`.
//!
//! `WORKSHOP.md` (and `WORKSHOP.pt-BR.md`) at the top of the repository is
//! the guide. Solutions are in `workshop/solutions/`: out of the way, but
//! there when you need them.
//!
//! This library holds the exercises (your files), the generated code of
//! `workshop/proto/workshop.proto` ([`pb`]), the list of exercises
//! ([`catalog`]), their checks ([`checks`]), and what runs them ([`harness`]).

pub mod app;
pub mod catalog;
pub mod checks;
pub mod harness;

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

// The exercises: the files you edit, under `workshop/exercises/`. A starter
// file has parameters that only its finished version uses, so the warnings
// that would be noise before you start are off for these modules.
#[path = "../exercises/01_unary.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e01_unary;
#[path = "../exercises/02_status.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e02_status;
#[path = "../exercises/03_countdown.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e03_countdown;
#[path = "../exercises/04_stats.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e04_stats;
#[path = "../exercises/05_chat_room.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e05_chat_room;
#[path = "../exercises/06_futures.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e06_futures;
#[path = "../exercises/07_deadlines.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e07_deadlines;
#[path = "../exercises/08_metadata.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e08_metadata;
#[path = "../exercises/09_auth.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e09_auth;
#[path = "../exercises/10_tls.rs"]
#[allow(unused_variables, unused_mut, unused_imports, dead_code)]
pub mod e10_tls;

/// The canonical name of a status code (`INVALID_ARGUMENT`, not tonic's
/// `InvalidArgument`): what every gRPC implementation prints.
pub use plumbing::code_name;
