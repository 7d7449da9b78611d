//! `reset N`: puts exercise N's starter file back, keeping your attempt
//! beside it (`03_countdown.rs.bak`), so that one file that does not
//! compile no longer stops every check. Exercise 1 also puts back
//! `workshop/proto/workshop.proto`, the other file it has you edit.
//!
//! The starters are kept in `workshop/starters/`, copies that CI proves
//! identical to the files under `workshop/exercises/` as committed.

use std::{
    io,
    path::{Path, PathBuf},
};

/// The proto's file name, in `proto/` and in `starters/`.
const PROTO: &str = "workshop.proto";

/// What `reset` did to one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Reset {
    /// The file was already the starter: nothing to do.
    AlreadyStarter(PathBuf),
    /// The starter is back; your version is kept at `kept`.
    Restored {
        /// The file, now the starter again.
        file: PathBuf,
        /// Where your version went.
        kept: PathBuf,
    },
}

/// Resets exercise `file_name` (and, for exercise 1, the proto) in the
/// workshop directory `workshop`.
pub fn reset(workshop: &Path, number: u8, file_name: &str) -> io::Result<Vec<Reset>> {
    let starters = workshop.join("starters");
    let mut done = vec![reset_file(
        &starters.join(file_name),
        &workshop.join("exercises").join(file_name),
    )?];
    if number == 1 {
        done.push(reset_file(
            &starters.join(PROTO),
            &workshop.join("proto").join(PROTO),
        )?);
    }
    Ok(done)
}

/// Puts `starter` at `file`, first moving `file` to a free backup name.
fn reset_file(starter: &Path, file: &Path) -> io::Result<Reset> {
    let original = std::fs::read(starter)?;
    match std::fs::read(file) {
        Ok(current) if current == original => return Ok(Reset::AlreadyStarter(file.to_owned())),
        Ok(_) => {}
        // A deleted exercise is simply put back.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::write(file, &original)?;
            return Ok(Reset::AlreadyStarter(file.to_owned()));
        }
        Err(e) => return Err(e),
    }
    let kept = backup_name(file);
    std::fs::rename(file, &kept)?;
    std::fs::write(file, original)?;
    Ok(Reset::Restored {
        file: file.to_owned(),
        kept,
    })
}

/// The first free name of `03_countdown.rs.bak`, `03_countdown.rs.2.bak`,
/// `03_countdown.rs.3.bak`...: an earlier attempt is never overwritten.
fn backup_name(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let first = file.with_file_name(format!("{name}.bak"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| file.with_file_name(format!("{name}.{n}.bak")))
        .find(|candidate| !candidate.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workshop directory of its own under the system's temp directory.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("workshop-reset-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["starters", "exercises", "proto"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        dir
    }

    #[test]
    fn reset_puts_the_starter_back_and_keeps_each_attempt() {
        let dir = scratch("attempts");
        std::fs::write(dir.join("starters/03_countdown.rs"), "todo!()").unwrap();
        std::fs::write(dir.join("exercises/03_countdown.rs"), "first try").unwrap();

        let done = reset(&dir, 3, "03_countdown.rs").unwrap();
        let kept = dir.join("exercises/03_countdown.rs.bak");
        assert_eq!(
            done,
            [Reset::Restored {
                file: dir.join("exercises/03_countdown.rs"),
                kept: kept.clone()
            }]
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("exercises/03_countdown.rs")).unwrap(),
            "todo!()"
        );
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "first try");

        std::fs::write(dir.join("exercises/03_countdown.rs"), "second try").unwrap();
        reset(&dir, 3, "03_countdown.rs").unwrap();
        let second = dir.join("exercises/03_countdown.rs.2.bak");
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "first try");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "second try");

        let again = reset(&dir, 3, "03_countdown.rs").unwrap();
        assert_eq!(
            again,
            [Reset::AlreadyStarter(dir.join("exercises/03_countdown.rs"))]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn reset_1_puts_the_proto_back_too() {
        let dir = scratch("proto");
        std::fs::write(dir.join("starters/01_unary.rs"), "starter").unwrap();
        std::fs::write(dir.join("exercises/01_unary.rs"), "starter").unwrap();
        std::fs::write(dir.join("starters/workshop.proto"), "syntax").unwrap();
        std::fs::write(dir.join("proto/workshop.proto"), "broken {").unwrap();

        let done = reset(&dir, 1, "01_unary.rs").unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(
            std::fs::read_to_string(dir.join("proto/workshop.proto")).unwrap(),
            "syntax"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("proto/workshop.proto.bak")).unwrap(),
            "broken {"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_exercise_has_a_starter() {
        // That each is identical to the committed exercise, .ci/workshop.sh
        // proves (here, the exercises may be solved already).
        let workshop = Path::new(env!("CARGO_MANIFEST_DIR"));
        for exercise in &crate::catalog::EXERCISES {
            let starter = workshop.join("starters").join(exercise.file_name());
            assert!(starter.exists(), "{} has no starter", exercise.file);
        }
        assert!(workshop.join("starters").join(PROTO).exists());
    }
}
