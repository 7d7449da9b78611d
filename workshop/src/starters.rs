//! The starting point of every file you edit, kept once, in
//! `workshop/starters/`, and embedded in this program.
//!
//! `workshop/exercises/` and `workshop/proto/` are yours: made from these
//! on the first build (by `build.rs`, so that a fresh clone compiles), put
//! back by `reset`, and never committed. So there is one copy of each
//! starting point, as in rustlings, and nothing in the repository changes
//! while you work.

use std::{io, path::Path};

/// The proto's file name, in `proto/` and in `starters/`.
pub const PROTO: &str = "workshop.proto";

/// Each starter: its file name and its text, as committed.
const STARTERS: &[(&str, &str)] = &[
    ("01_unary.rs", include_str!("../starters/01_unary.rs")),
    ("02_status.rs", include_str!("../starters/02_status.rs")),
    (
        "03_countdown.rs",
        include_str!("../starters/03_countdown.rs"),
    ),
    ("04_stats.rs", include_str!("../starters/04_stats.rs")),
    (
        "05_chat_room.rs",
        include_str!("../starters/05_chat_room.rs"),
    ),
    ("06_futures.rs", include_str!("../starters/06_futures.rs")),
    (
        "07_deadlines.rs",
        include_str!("../starters/07_deadlines.rs"),
    ),
    ("08_metadata.rs", include_str!("../starters/08_metadata.rs")),
    ("09_auth.rs", include_str!("../starters/09_auth.rs")),
    ("10_tls.rs", include_str!("../starters/10_tls.rs")),
    (
        "11_rich_errors.rs",
        include_str!("../starters/11_rich_errors.rs"),
    ),
    (
        "12_request_ids.rs",
        include_str!("../starters/12_request_ids.rs"),
    ),
    ("13_retries.rs", include_str!("../starters/13_retries.rs")),
    (
        "14_propagation.rs",
        include_str!("../starters/14_propagation.rs"),
    ),
    ("15_registry.rs", include_str!("../starters/15_registry.rs")),
    (
        "16_trace_context.rs",
        include_str!("../starters/16_trace_context.rs"),
    ),
    (PROTO, include_str!("../starters/workshop.proto")),
];

/// The starter of `file_name` (`03_countdown.rs`, or [`PROTO`]).
pub fn starter(file_name: &str) -> Option<&'static str> {
    (STARTERS.iter())
        .find(|(name, _)| *name == file_name)
        .map(|(_, text)| *text)
}

/// Where `file_name` lives in the workshop directory `workshop`: the proto
/// in `proto/`, an exercise in `exercises/`.
pub fn place(workshop: &Path, file_name: &str) -> std::path::PathBuf {
    let dir = if file_name == PROTO {
        "proto"
    } else {
        "exercises"
    };
    workshop.join(dir).join(file_name)
}

/// Writes the starter of every file missing from the workshop directory
/// `workshop` (one you deleted, say), so that the check program compiles.
/// Returns the files written.
pub fn write_missing(workshop: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    for (name, text) in STARTERS {
        let file = place(workshop, name);
        if !file.exists() {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&file, text)?;
            written.push(file);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exercise_and_the_proto_have_a_starter() {
        for exercise in &crate::catalog::EXERCISES {
            assert!(
                starter(exercise.file_name()).is_some(),
                "{} has no starter",
                exercise.file
            );
        }
        assert!(starter(PROTO).is_some_and(|proto| proto.contains("service Greeter")));
    }

    #[test]
    fn missing_files_are_written_and_others_left_alone() {
        let dir = std::env::temp_dir().join(format!("workshop-starters-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("exercises")).unwrap();
        std::fs::write(dir.join("exercises/03_countdown.rs"), "mine").unwrap();
        let written = write_missing(&dir).unwrap();
        assert_eq!(written.len(), STARTERS.len() - 1);
        assert_eq!(
            std::fs::read_to_string(dir.join("exercises/03_countdown.rs")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("proto/workshop.proto")).unwrap(),
            starter(PROTO).unwrap()
        );
        assert!(write_missing(&dir).unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
