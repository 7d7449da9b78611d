//! Where a server listens: a TCP port, or a unix domain socket
//! (`--addr unix:PATH`), a file that processes on the same machine connect
//! to without TCP: no port to collide with, and the file's permissions say
//! who may call.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;
use tokio_stream::StreamExt as _;
use tracing::info;

use super::{Connection, Incoming, StartError, accept};
use crate::cli::ServerArgs;

/// A bound listening socket, ready to serve: made by [`super::bind`].
#[derive(Debug)]
pub enum Listener {
    /// A TCP port, and the address actually bound (with port 0, the
    /// system picks a free one).
    Tcp(TcpListener, SocketAddr),
    /// A unix domain socket, and its file, removed when the server stops.
    #[cfg(unix)]
    Unix(UnixListener, SocketFile),
}

impl Listener {
    /// Where this socket can be reached, as a client's `--addr` says it.
    pub fn listening(&self) -> Listening {
        match self {
            Listener::Tcp(_, addr) => Listening::Tcp(*addr),
            #[cfg(unix)]
            Listener::Unix(_, file) => Listening::Unix(file.path().to_owned()),
        }
    }

    /// The connections this socket accepts, for tonic's
    /// serving call (with the stop signal).
    ///
    /// Over TCP, a connection that has not started speaking within
    /// `--handshake-timeout-ms` is closed instead of handed to tonic, which
    /// would keep it forever (see `accept.rs`). A unix socket is reached from
    /// this machine only: tonic takes each connection as it comes. Both
    /// loops pause after a failed `accept` rather than spin.
    pub fn incoming(self, args: &ServerArgs) -> Incoming {
        match self {
            Listener::Tcp(listener, _) => Incoming {
                connections: Box::pin(
                    accept::accept_speaking(listener, args.handshake_timeout())
                        .map(|accepted| accepted.map(Connection::Tcp)),
                ),
                _socket_file: None,
            },
            #[cfg(unix)]
            Listener::Unix(listener, file) => Incoming {
                connections: Box::pin(
                    accept::accept_unix(listener).map(|accepted| accepted.map(Connection::Unix)),
                ),
                _socket_file: Some(file),
            },
        }
    }
}

/// Where a running server can be reached, as a client's `--addr` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listening {
    /// A TCP address; with port 0 asked for, the port the system chose.
    Tcp(SocketAddr),
    /// A unix domain socket's path.
    Unix(PathBuf),
}

impl std::fmt::Display for Listening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listening::Tcp(addr) => write!(f, "{addr}"),
            Listening::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// The socket file of a unix domain socket server: removed when dropped,
/// which is when the server has stopped.
#[derive(Debug)]
pub struct SocketFile(PathBuf);

impl SocketFile {
    /// The path of the socket file.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Refuses the flags that mean nothing on a unix socket, which is reached
/// from this machine only: `--tls`/`--mtls` and `--registry`. Checked when
/// the server is configured, before anything else is set up, and again
/// when it binds.
pub(super) fn check_unix_flags(args: &ServerArgs) -> Result<(), StartError> {
    let on_unix = (args.addr.as_deref()).is_some_and(|addr| crate::addr::unix_path(addr).is_some());
    if on_unix && args.speaks_tls() {
        return Err(StartError::NotOverUnix {
            flags: "--tls and --mtls",
            why: "its permissions (0600) already keep other users out; drop them",
        });
    }
    if on_unix && args.registry.is_some() {
        return Err(StartError::NotOverUnix {
            flags: "--registry",
            why: "so there is nothing to announce to other machines; drop it, or listen on HOST:PORT",
        });
    }
    Ok(())
}

/// Binds a unix domain socket at `path`, readable and writable by this
/// user only (mode 0600). A socket file left by a server that was killed
/// (nothing answers on it) is replaced, and said so; one that a running
/// server answers on is refused.
#[cfg(unix)]
pub(super) fn bind_unix(path: &Path) -> Result<Listener, StartError> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    let shown = format!("unix:{}", path.display());
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        if !metadata.file_type().is_socket() {
            return Err(StartError::NotASocket(shown));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(StartError::PortInUse(shown));
        }
        info!("{shown}: removed a stale socket file, left by a server that did not stop cleanly");
        let _ = std::fs::remove_file(path);
    }
    let listener =
        UnixListener::bind(path).map_err(|why| StartError::CannotListen(shown.clone(), why))?;
    // Only this user may connect. (Between `bind` and here the file has
    // the umask's mode: a moment, on a path of the user's choosing.)
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|why| StartError::CannotListen(shown, why))?;
    Ok(Listener::Unix(listener, SocketFile(path.to_owned())))
}

/// Unix domain sockets here are for Linux and macOS (tokio has none for
/// Windows).
#[cfg(not(unix))]
pub(super) fn bind_unix(path: &Path) -> Result<Listener, StartError> {
    Err(StartError::UnixSocketNotHere(format!(
        "unix:{}: unix domain sockets work on Linux and macOS only here; use --addr HOST:PORT",
        path.display()
    )))
}
