//! Why a server could not start, each with what to do about it.

use std::fmt;

use etcd_registry::EtcdError;

use crate::addr::BadAddr;

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

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::BadAddr(bad) => write!(f, "{bad}"),
            StartError::PortInUse(addr) if addr.starts_with("unix:") => write!(
                f,
                "cannot listen on {addr}: a running server answers on that socket; stop it, or pick another path with --addr unix:PATH"
            ),
            StartError::PortInUse(addr) => write!(
                f,
                "cannot listen on {addr}: the port is already in use (is another server running?); stop it, or pick another port with --addr HOST:PORT"
            ),
            StartError::CannotListen(addr, why) if addr.starts_with("unix:") => write!(
                f,
                "cannot listen on {addr}: {why}; pick a path in a directory you can write, with --addr unix:PATH"
            ),
            StartError::CannotListen(addr, why) => write!(
                f,
                "cannot listen on {addr}: {why}; pick another address with --addr HOST:PORT"
            ),
            StartError::NotASocket(addr) => write!(
                f,
                "cannot listen on {addr}: the file exists and is not a socket; pick another path with --addr unix:PATH"
            ),
            StartError::NotOverUnix { flags, why } => write!(
                f,
                "{flags} cannot be used with --addr unix:PATH: a socket file is reached from this machine only, and {why}"
            ),
            StartError::UnixSocketNotHere(why) => f.write_str(why),
            StartError::Runtime(why) => write!(f, "cannot start the server: {why}"),
            StartError::Tls(why) => f.write_str(why),
            StartError::Reflection(why) => write!(
                f,
                "cannot serve reflection: {why}; the descriptors from build.rs are broken: run `cargo clean -p hello-proto` and build again"
            ),
            StartError::Registry(error @ EtcdError::BadUrl(_)) => write!(f, "--registry {error}"),
            StartError::Registry(error @ EtcdError::Refused { .. }) => write!(
                f,
                "{error}; a server started with --registry must be registered: is it etcd 3.4 or later, which serves the JSON gateway? or start the server without --registry"
            ),
            StartError::Registry(error) => write!(
                f,
                "{error}; a server started with --registry must be registered: is etcd running? start it as the README's section Registry shows, or start the server without --registry"
            ),
        }
    }
}

impl std::error::Error for StartError {}
