//! The connections a server accepts, as one stream for tonic to serve
//! (with a shutdown signal), whether they come over TCP (with TLS or
//! without) or a unix domain socket.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;
use tokio_rustls::server::TlsStream;
use tokio_stream::Stream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::listener::SocketFile;
pub use crate::call_layer::ConnectionInfo;

/// One accepted connection: TCP, TLS over TCP, or a unix domain socket.
///
/// tonic serves any stream of connections that can be read, written and
/// asked who is on the other end ([`Connected`]); one type for all kinds
/// lets a lesson make tonic's one serving call, whichever
/// `--addr` says.
#[derive(Debug)]
pub enum Connection {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A TCP connection after its TLS handshake (`--tls`, `--mtls`), which
    /// plumbing makes itself (see `handshake.rs`): boxed, as its buffers
    /// make it large.
    Tls(Box<TlsStream<TcpStream>>),
    /// A connection to a unix domain socket, from this machine.
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Connected for Connection {
    /// The caller's address and, over TLS, its certificates.
    type ConnectInfo = ConnectionInfo;

    fn connect_info(&self) -> ConnectionInfo {
        match self {
            Connection::Tcp(stream) => ConnectionInfo::new(stream.connect_info(), None),
            Connection::Tls(stream) => ConnectionInfo::new(
                stream.get_ref().0.connect_info(),
                Some(stream.connect_info()),
            ),
            #[cfg(unix)]
            Connection::Unix(_) => ConnectionInfo::new(
                TcpConnectInfo {
                    local_addr: None,
                    remote_addr: None,
                },
                None,
            ),
        }
    }
}

// Reading and writing go to whichever stream it is. All are `Unpin`, so
// each can be pinned where it lies.
impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Tcp(stream) => Pin::new(stream).poll_read(cx, buf),
            Connection::Tls(stream) => Pin::new(stream).poll_read(cx, buf),
            #[cfg(unix)]
            Connection::Unix(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Tcp(stream) => Pin::new(stream).poll_write(cx, buf),
            Connection::Tls(stream) => Pin::new(stream).poll_write(cx, buf),
            #[cfg(unix)]
            Connection::Unix(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Tcp(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Connection::Tls(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            #[cfg(unix)]
            Connection::Unix(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Connection::Tcp(stream) => stream.is_write_vectored(),
            Connection::Tls(stream) => stream.is_write_vectored(),
            #[cfg(unix)]
            Connection::Unix(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Tcp(stream) => Pin::new(stream).poll_flush(cx),
            Connection::Tls(stream) => Pin::new(stream).poll_flush(cx),
            #[cfg(unix)]
            Connection::Unix(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Tcp(stream) => Pin::new(stream).poll_shutdown(cx),
            Connection::Tls(stream) => Pin::new(stream).poll_shutdown(cx),
            #[cfg(unix)]
            Connection::Unix(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }
}

/// The stream of accepted connections that a lesson hands to tonic's
/// serving call. Made by [`super::Listener::incoming`], and with TLS, by
/// [`super::Port::incoming`].
pub struct Incoming {
    /// The connections, as the accept loop hands them over.
    pub(super) connections: Pin<Box<dyn Stream<Item = io::Result<Connection>> + Send>>,
    /// A unix socket's file: removed when tonic drops this stream, which
    /// is when the server stops accepting.
    pub(super) _socket_file: Option<SocketFile>,
}

impl Stream for Incoming {
    type Item = io::Result<Connection>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.connections.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming").finish_non_exhaustive()
    }
}
