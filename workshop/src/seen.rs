//! Your files judged by their content, not their time.
//!
//! cargo rebuilds a file when its modification time is newer than its last
//! build. A file put back with an old time (`mv 03_countdown.rs.bak
//! 03_countdown.rs` keeps the backup's) looks unchanged to it: cargo would
//! not rebuild, and the check would judge the code that is no longer there.
//! So before each run of the check program, this compares each file's
//! content with what it was at the last run, and gives a file whose content
//! changed the time of now, which cargo sees.

use std::{
    collections::{HashMap, hash_map::DefaultHasher},
    hash::{Hash, Hasher},
    path::{Path, PathBuf},
    time::SystemTime,
};

/// Where the contents seen at the last run are noted: beside this program,
/// in cargo's target directory (never among your files).
fn record() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join("workshop-seen.txt"))
}

/// A fingerprint of `file`'s content (`None` if it cannot be read).
pub fn fingerprint(file: &Path) -> Option<u64> {
    let content = std::fs::read(file).ok()?;
    // SipHash with fixed keys: the same content, the same number, run after run.
    let mut hasher = DefaultHasher::new();
    content.hash(&mut hasher);
    Some(hasher.finish())
}

/// The files of `dirs`, sorted, each with its content's fingerprint.
pub fn contents(dirs: &[PathBuf]) -> Vec<(PathBuf, Option<u64>)> {
    let mut files: Vec<_> = (dirs.iter())
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| {
            let path = entry.path();
            let print = fingerprint(&path);
            (path, print)
        })
        .collect();
    files.sort();
    files
}

/// Gives each file of `dirs` whose content changed since the last call the
/// time of now, and notes the contents for the next call.
pub fn mark_changed(dirs: &[PathBuf]) {
    let Some(record) = record() else { return };
    let before = std::fs::read_to_string(&record).unwrap_or_default();
    // One line per file: its fingerprint in hex, a space, its path.
    let seen: HashMap<&str, &str> = (before.lines())
        .filter_map(|line| line.split_once(' '))
        .map(|(print, path)| (path, print))
        .collect();
    let mut lines = Vec::new();
    for (path, print) in contents(dirs) {
        let Some(print) = print else { continue };
        let print = format!("{print:016x}");
        let shown = path.display().to_string();
        if seen
            .get(shown.as_str())
            .is_some_and(|before| *before != print)
        {
            // Should this fail, cargo goes by the time as it always has.
            let _ = std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(SystemTime::now()));
        }
        lines.push(format!("{print} {shown}"));
    }
    let _ = std::fs::write(record, lines.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_content_has_the_same_fingerprint_and_another_another() {
        let dir = std::env::temp_dir().join(format!("workshop-seen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.rs"), dir.join("b.rs"));
        std::fs::write(&a, "todo!()").unwrap();
        std::fs::write(&b, "todo!()").unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        std::fs::write(&b, "done").unwrap();
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&dir.join("none.rs")), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
