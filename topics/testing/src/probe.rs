//! Does this process hold a TCP socket? The proof that levels 1 and 2
//! open no port.
//!
//! On Linux, `/proc/self/fd` lists the files this process has open; a
//! socket shows as a link to `socket:[INODE]`. `/proc/self/net/tcp` and
//! `tcp6` list every TCP socket of the machine (listening or connected),
//! each with its inode. A TCP socket of ours is an inode in both.
//!
//! Elsewhere there is no `/proc`: the probe says so, and the check is
//! skipped with a message rather than passed in silence.

// Test-support code: a helper that cannot do its job fails the test that
// called it, with the reason.
#![allow(clippy::expect_used)]

use std::{collections::HashSet, fs};

/// How many TCP sockets (listening or connected, IPv4 or IPv6) this
/// process holds; `None` where there is no `/proc` to ask (not Linux).
pub fn tcp_sockets() -> Option<usize> {
    let ours = socket_inodes()?;
    let mut count = 0;
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        // A machine without IPv6 has no `tcp6`: no sockets there.
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        // After a header line, one line per socket; the 10th column is
        // its inode.
        count += text
            .lines()
            .skip(1)
            .filter_map(|line| line.split_whitespace().nth(9))
            .filter(|inode| ours.contains(*inode))
            .count();
    }
    Some(count)
}

/// The inodes of the sockets among this process's open files.
fn socket_inodes() -> Option<HashSet<String>> {
    let files = fs::read_dir("/proc/self/fd").ok()?;
    let inodes = files
        .filter_map(|file| fs::read_link(file.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            let inode = target.strip_prefix("socket:[")?.strip_suffix(']')?;
            Some(inode.to_owned())
        })
        .collect();
    Some(inodes)
}

/// Fails the test if this process holds any TCP socket. Call it at the end
/// of a level-1 or level-2 test, while its channel (and the connection it
/// opened) is still alive: a connection over TCP would be seen.
pub fn assert_no_tcp_socket() {
    match tcp_sockets() {
        Some(count) => assert_eq!(count, 0, "this process holds {count} TCP socket(s)"),
        None => eprintln!("no /proc here (not Linux): cannot check that no port was opened"),
    }
}
