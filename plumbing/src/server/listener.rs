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
/// user only (mode 0600) from the moment it exists there. A socket file
/// left by a server that was killed (nothing answers on it) is replaced,
/// and said so; one that a running server answers on is refused.
#[cfg(unix)]
pub(super) fn bind_unix(path: &Path) -> Result<Listener, StartError> {
    use std::os::unix::fs::FileTypeExt;

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
    match bind_private(path) {
        Ok(listener) => Ok(Listener::Unix(listener, SocketFile(path.to_owned()))),
        // Another server took the path since we looked.
        Err(why) if why.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(StartError::PortInUse(shown))
        }
        Err(why) => Err(StartError::CannotListen(shown, why)),
    }
}

/// Binds a socket that appears at `path` with mode 0600 already.
///
/// `bind` creates the file with mode 0777 less the process's umask: with
/// the common 002, any member of the user's group may connect (on Linux,
/// connecting needs write permission on the file); with 000, anyone.
/// Changing the mode after `bind` leaves a moment when they can. Narrowing
/// the umask around `bind` would close it, but the umask belongs to the
/// whole process: a file that another thread (a tokio worker, a test
/// running beside this one) creates in that moment would get it too, and
/// two threads doing it at once can leave the wrong one set.
///
/// So the socket is made where nobody else can reach it: in a new
/// directory of ours, mode 0700, beside `path`. Reaching a socket needs
/// the right to enter every directory on its path, so there the socket's
/// own mode does not matter yet; it is set to 0600, then the file is given
/// its real name with a hard link, which appears at `path` with the mode
/// it already has. A link and not a rename: a link fails if something
/// appeared at `path` meanwhile, where a rename would replace it. The
/// directory and the temporary name are then removed; the listening socket
/// is the file, whatever its names, and keeps working.
#[cfg(unix)]
fn bind_private(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;

    let dir = PrivateDir::beside(path)?;
    let inside = dir.socket();
    let listener = UnixListener::bind(&inside)?;
    std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o600))?;
    std::fs::hard_link(&inside, path)?;
    Ok(listener)
}

/// A new directory that only this user may enter, where a socket is bound
/// before it gets its real name; removed, with the socket's temporary name
/// in it, when dropped.
#[cfg(unix)]
struct PrivateDir(PathBuf);

#[cfg(unix)]
impl PrivateDir {
    /// Creates it in `path`'s directory: the same filesystem, as a hard
    /// link needs. Its name is short (a socket's whole path must fit in
    /// about 100 bytes) and unique to this process and call. `create` never
    /// takes a directory that exists: one that someone else made under
    /// that name is an error, never ours to use.
    fn beside(path: &Path) -> std::io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        use std::sync::atomic::{AtomicU32, Ordering};

        static MADE: AtomicU32 = AtomicU32::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let parent = path.parent().unwrap_or(Path::new(""));
        let dir = parent.join(format!(".s{}-{n}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(PrivateDir(dir))
    }

    /// The socket's temporary name, in the directory.
    fn socket(&self) -> PathBuf {
        self.0.join("s")
    }
}

#[cfg(unix)]
impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.socket());
        let _ = std::fs::remove_dir(&self.0);
    }
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
