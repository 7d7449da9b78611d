//! `reset N`: puts exercise N's starter file back, keeping your attempt
//! beside it (`03_countdown.rs.bak`), so that one file that does not
//! compile no longer stops every check; `restore N` brings the attempt
//! back. Exercise 1 also does this to `workshop/proto/workshop.proto`, the
//! other file it has you edit.
//!
//! The starters are embedded in this program ([`crate::starters`]).

use std::{
    io,
    path::{Path, PathBuf},
    time::SystemTime,
};

use crate::starters::{self, PROTO};

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

/// What `restore` did to one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Restore {
    /// No attempt was kept for this file: nothing to do.
    NothingKept(PathBuf),
    /// The attempt kept at `from` is back at `file`. What was at `file`,
    /// if it was neither the starter nor that attempt, is kept at `kept`.
    Back {
        /// The file, your attempt again.
        file: PathBuf,
        /// The backup it came from (now gone).
        from: PathBuf,
        /// Where the version it replaced went, if it was kept.
        kept: Option<PathBuf>,
    },
}

/// The files exercise `number` has you edit: its own, and for exercise 1
/// the proto.
fn files(number: u8, file_name: &str) -> Vec<&str> {
    let mut files = vec![file_name];
    if number == 1 {
        files.push(PROTO);
    }
    files
}

/// Resets exercise `number`, whose file is `file_name`, in the workshop
/// directory `workshop`.
pub fn reset(workshop: &Path, number: u8, file_name: &str) -> io::Result<Vec<Reset>> {
    (files(number, file_name).into_iter())
        .map(|name| reset_file(name, &starters::place(workshop, name)))
        .collect()
}

/// Puts the starter of `name` at `file`, first moving `file` to a free
/// backup name.
fn reset_file(name: &str, file: &Path) -> io::Result<Reset> {
    let starter = starters::starter(name).ok_or(io::ErrorKind::NotFound)?;
    match std::fs::read(file) {
        Ok(current) if current == starter.as_bytes() => {
            return Ok(Reset::AlreadyStarter(file.to_owned()));
        }
        Ok(_) => {}
        // A deleted exercise is simply put back.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::write(file, starter)?;
            return Ok(Reset::AlreadyStarter(file.to_owned()));
        }
        Err(e) => return Err(e),
    }
    let kept = backup_name(file);
    std::fs::rename(file, &kept)?;
    std::fs::write(file, starter)?;
    Ok(Reset::Restored {
        file: file.to_owned(),
        kept,
    })
}

/// Brings back the attempts `reset` kept for exercise `number`.
pub fn restore(workshop: &Path, number: u8, file_name: &str) -> io::Result<Vec<Restore>> {
    (files(number, file_name).into_iter())
        .map(|name| restore_file(name, &starters::place(workshop, name)))
        .collect()
}

/// Moves the latest backup of `file` back to `file`, keeping what is
/// there unless it is the starter or the same attempt.
fn restore_file(name: &str, file: &Path) -> io::Result<Restore> {
    let Some(from) = latest_backup(file) else {
        return Ok(Restore::NothingKept(file.to_owned()));
    };
    let attempt = std::fs::read(&from)?;
    let starter = starters::starter(name).unwrap_or_default();
    let kept = match std::fs::read(file) {
        Ok(current) if current != starter.as_bytes() && current != attempt => {
            let kept = backup_name(file);
            std::fs::rename(file, &kept)?;
            Some(kept)
        }
        Ok(_) => None,
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    std::fs::rename(&from, file)?;
    // A moved file keeps its old time, and cargo judges by time: it would
    // think the build it made from the starter still current.
    std::fs::File::options()
        .write(true)
        .open(file)?
        .set_modified(SystemTime::now())?;
    Ok(Restore::Back {
        file: file.to_owned(),
        from,
        kept,
    })
}

/// The backups of `file`, by number: `03_countdown.rs.bak` is 1,
/// `03_countdown.rs.2.bak` is 2...
fn backups(file: &Path) -> Vec<(u32, PathBuf)> {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let Some(dir) = file.parent() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let other = entry.file_name().to_string_lossy().into_owned();
            let middle = other.strip_prefix(&name)?.strip_suffix(".bak")?;
            let number = match middle {
                "" => 1,
                _ => middle.strip_prefix('.')?.parse().ok()?,
            };
            Some((number, entry.path()))
        })
        .collect()
}

/// The backup `reset` made last: the highest-numbered.
fn latest_backup(file: &Path) -> Option<PathBuf> {
    (backups(file).into_iter())
        .max_by_key(|(number, _)| *number)
        .map(|(_, path)| path)
}

/// The next free name after every backup of `file`: `03_countdown.rs.bak`,
/// then `03_countdown.rs.2.bak`...: an earlier attempt is never
/// overwritten, and the newest has the highest number.
fn backup_name(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match backups(file).into_iter().map(|(number, _)| number).max() {
        None => file.with_file_name(format!("{name}.bak")),
        Some(last) => file.with_file_name(format!("{name}.{}.bak", last + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workshop directory of its own under the system's temp directory,
    /// with every starter in place.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("workshop-reset-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        starters::write_missing(&dir).unwrap();
        dir
    }

    /// The text of `path`.
    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn reset_puts_the_starter_back_and_keeps_each_attempt() {
        let dir = scratch("attempts");
        let file = dir.join("exercises/03_countdown.rs");
        let starter = starters::starter("03_countdown.rs").unwrap();
        std::fs::write(&file, "first try").unwrap();

        let done = reset(&dir, 3, "03_countdown.rs").unwrap();
        let kept = dir.join("exercises/03_countdown.rs.bak");
        assert_eq!(
            done,
            [Reset::Restored {
                file: file.clone(),
                kept: kept.clone()
            }]
        );
        assert_eq!(read(&file), starter);
        assert_eq!(read(&kept), "first try");

        std::fs::write(&file, "second try").unwrap();
        reset(&dir, 3, "03_countdown.rs").unwrap();
        let second = dir.join("exercises/03_countdown.rs.2.bak");
        assert_eq!(read(&kept), "first try");
        assert_eq!(read(&second), "second try");

        let again = reset(&dir, 3, "03_countdown.rs").unwrap();
        assert_eq!(again, [Reset::AlreadyStarter(file)]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn restore_brings_back_the_latest_attempt_with_a_new_time() {
        let dir = scratch("restore");
        let file = dir.join("exercises/03_countdown.rs");
        assert_eq!(
            restore(&dir, 3, "03_countdown.rs").unwrap(),
            [Restore::NothingKept(file.clone())]
        );
        for attempt in ["first try", "second try"] {
            std::fs::write(&file, attempt).unwrap();
            reset(&dir, 3, "03_countdown.rs").unwrap();
        }
        // Made long ago, as a backup is by the time it is wanted back.
        let long_ago = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        let latest = dir.join("exercises/03_countdown.rs.2.bak");
        (std::fs::File::options().write(true).open(&latest))
            .and_then(|f| f.set_modified(long_ago))
            .unwrap();

        let done = restore(&dir, 3, "03_countdown.rs").unwrap();
        assert_eq!(
            done,
            [Restore::Back {
                file: file.clone(),
                from: latest.clone(),
                kept: None
            }]
        );
        assert_eq!(read(&file), "second try");
        assert!(!latest.exists());
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        assert!(modified > long_ago, "the restored file kept its old time");

        // Edited since: what is there is kept, not lost.
        std::fs::write(&file, "third try").unwrap();
        let done = restore(&dir, 3, "03_countdown.rs").unwrap();
        let kept = dir.join("exercises/03_countdown.rs.2.bak");
        assert_eq!(
            done,
            [Restore::Back {
                file: file.clone(),
                from: dir.join("exercises/03_countdown.rs.bak"),
                kept: Some(kept.clone())
            }]
        );
        assert_eq!(read(&file), "first try");
        assert_eq!(read(&kept), "third try");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn reset_1_puts_the_proto_back_too() {
        let dir = scratch("proto");
        std::fs::write(dir.join("proto/workshop.proto"), "broken {").unwrap();

        let done = reset(&dir, 1, "01_unary.rs").unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(
            read(&dir.join("proto/workshop.proto")),
            starters::starter(PROTO).unwrap()
        );
        assert_eq!(read(&dir.join("proto/workshop.proto.bak")), "broken {");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
