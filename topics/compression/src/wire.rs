//! A connection that counts the bytes it carries, to see what compression
//! saves on the wire rather than take it on faith.
//!
//! tonic lets a client bring its own *connector*: a tower service that
//! turns the server's URI into a connection (anything hyper can read from
//! and write to). Ours opens a plain TCP connection, as tonic's own
//! connector does, and wraps it in [`Counted`], which adds every byte read
//! and written to a shared [`ByteCount`]. Everything the connection
//! carries is counted: HTTP/2 frames with their headers, the 5-byte prefix
//! of each message, the messages, the trailers (and, with `--tls`, the
//! TLS records around them all, since TLS is put on top of our connection).

use std::{
    io,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

use hyper_util::rt::TokioIo;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tonic::transport::{Channel, Endpoint, Uri};

/// How many bytes a connection has read and written so far. Cheap to
/// clone: the clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct ByteCount {
    /// Bytes that came from the server.
    received: Arc<AtomicU64>,
    /// Bytes that went to the server.
    sent: Arc<AtomicU64>,
}

impl ByteCount {
    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Bytes sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

/// A connection (`T`, a `TcpStream`) that adds what it carries to a [`ByteCount`].
#[derive(Debug)]
pub struct Counted<T> {
    /// The connection itself.
    inner: T,
    /// Where the bytes are counted.
    count: ByteCount,
}

// tokio's `AsyncRead`/`AsyncWrite`: each method passes the call on to the
// connection and counts what it did. `T: Unpin` (a `TcpStream` is) lets us
// reach the connection with `Pin::new`, without pin projections.
impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        self.count
            .received
            .fetch_add(read as u64, Ordering::Relaxed);
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = polled {
            self.count.sent.fetch_add(written as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A channel to `endpoint` whose connection counts its bytes in `count`.
///
/// Lazy, like the lesson clients' channels: it connects on the first call,
/// so a server that is down shows up as a failed call with the plumbing's
/// usual advice. One channel, one connection: make a new channel (and a
/// new count) for each thing you want to measure apart.
pub fn counted_channel(endpoint: &Endpoint, count: &ByteCount) -> Channel {
    let count = count.clone();
    let connector = tower::service_fn(move |uri: Uri| {
        let count = count.clone();
        async move {
            let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
            let tcp = TcpStream::connect(authority).await?;
            // As tonic's own connector does: send small frames at once.
            tcp.set_nodelay(true)?;
            // hyper has its own read/write traits; `TokioIo` adapts tokio's.
            Ok::<_, io::Error>(TokioIo::new(Counted { inner: tcp, count }))
        }
    });
    endpoint.connect_with_connector_lazy(connector)
}
