//! Why a server could not start, each with what to do about it.

use std::fmt;

use etcd_registry::EtcdError;

use crate::{addr::BadAddr, words};

/// Why a server could not start. Each shows as one line that says what to do.
#[derive(Debug)]
pub enum StartError {
    /// `--addr` is not HOST:PORT.
    BadAddr(BadAddr),
    /// Another program listens on the port (the address given).
    PortInUse(String),
    /// The address cannot be listened on (it is not this machine's, say).
    CannotListen(String, std::io::Error),
    /// `--addr unix:PATH` names a file that is not a socket.
    NotASocket(String),
    /// Flags that cannot go with a unix socket, and why not.
    NotOverUnix {
        /// The flags, in words.
        flags: &'static str,
        /// Why they mean nothing there, and what to do.
        why: &'static str,
    },
    /// Unix domain sockets on a system that has none here (Windows).
    UnixSocketNotHere(String),
    /// The runtime (its threads, the socket's own address) failed.
    Runtime(std::io::Error),
    /// TLS could not be set up; the message says why and what to do.
    Tls(String),
    /// Reflection could not read the descriptors `build.rs` made.
    Reflection(String),
    /// With `--registry`: etcd could not be reached, or refused us.
    Registry(EtcdError),
}

/// One line, in this run's language ([`crate::words`]).
impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = match self {
            StartError::BadAddr(bad) => bad.to_string(),
            StartError::PortInUse(addr) if addr.starts_with("unix:") => {
                words::SOCKET_IN_USE.with(&[("addr", addr)])
            }
            StartError::PortInUse(addr) => words::PORT_IN_USE.with(&[("addr", addr)]),
            StartError::CannotListen(addr, why) if addr.starts_with("unix:") => {
                words::CANNOT_LISTEN_UNIX.with(&[("addr", addr), ("why", &lang::os_error(why))])
            }
            StartError::CannotListen(addr, why) => {
                words::CANNOT_LISTEN.with(&[("addr", addr), ("why", &lang::os_error(why))])
            }
            StartError::NotASocket(addr) => words::NOT_A_SOCKET.with(&[("addr", addr)]),
            // Rare lines, for a developer more than a student: English.
            StartError::NotOverUnix { flags, why } => format!(
                "{flags} cannot be used with --addr unix:PATH: a socket file is reached from this machine only, and {why}"
            ),
            StartError::UnixSocketNotHere(why) | StartError::Tls(why) => why.clone(),
            StartError::Runtime(why) => words::CANNOT_START.with(&[("why", &lang::os_error(why))]),
            StartError::Reflection(why) => format!(
                "cannot serve reflection: {why}; the descriptors from build.rs are broken: run `cargo clean -p hello-proto` and build again"
            ),
            StartError::Registry(error @ EtcdError::BadUrl(_)) => format!("--registry {error}"),
            StartError::Registry(error @ EtcdError::Refused { .. }) => {
                words::REGISTRY_REFUSED.with(&[("error", error)])
            }
            StartError::Registry(error) => {
                words::REGISTRY_UNREACHABLE.with(&[("error", &words::etcd_error(error))])
            }
        };
        f.write_str(&line)
    }
}

impl std::error::Error for StartError {}
