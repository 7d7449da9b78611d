//! The accept loops: connections that never speak are closed, and a
//! failed `accept` is followed by a pause.
//!
//! tonic would otherwise keep a connection that never sends a byte open
//! forever: a few hundred of those (a port scanner, a half-open socket, a
//! "slowloris" attack) use up the server's file descriptors.
//!
//! Once they are used up, `accept` fails ("too many open files") and the
//! waiting connection stays in the kernel's queue, so the listener is ready
//! again at once: a loop that simply tries again spins on a core until a
//! connection closes somewhere. tonic's own loop does exactly that with the
//! errors of the stream it is given; ours wait [`ACCEPT_RETRY`] instead.

use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
#[cfg(unix)]
use tokio::net::{UnixListener, UnixStream};
use tokio_stream::wrappers::ReceiverStream;
use tracing::{debug, warn};

/// How many accepted connections may wait for tonic to take them.
const QUEUE: usize = 64;

/// How long to wait after a failed `accept` (usually: out of file
/// descriptors) before trying again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// How often to look again at a connection that has sent part of its
/// first bytes.
const PEEK_AGAIN: Duration = Duration::from_millis(10);

/// Accepts connections on `listener` and hands tonic each one once it has
/// started speaking; closes those that say nothing within `timeout`.
pub fn accept_speaking(
    listener: TcpListener,
    timeout: Duration,
) -> ReceiverStream<std::io::Result<TcpStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                // tonic stopped accepting (shutdown): drop the listener,
                // which frees the port at once.
                () = tx.closed() => return,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    pause_after(e).await;
                    continue;
                }
            };
            // Send each small gRPC message at once, rather than waiting to
            // batch it with the next (Nagle's algorithm).
            let _ = stream.set_nodelay(true);
            let tx = tx.clone();
            tokio::spawn(async move {
                if starts_speaking(&stream, timeout).await {
                    let _ = tx.send(Ok(stream)).await;
                } else {
                    debug!(
                        "{peer}: sent nothing within {} ms; closed",
                        timeout.as_millis()
                    );
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// Accepts connections on a unix socket and hands each to tonic as it
/// comes (only this machine reaches it: no wait for its first bytes), with
/// the same pause as the TCP loop after a failed `accept`.
#[cfg(unix)]
pub fn accept_unix(listener: UnixListener) -> ReceiverStream<std::io::Result<UnixStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                // tonic stopped accepting (shutdown): drop the listener.
                () = tx.closed() => return,
            };
            match accepted {
                Ok((stream, _)) => {
                    if tx.send(Ok(stream)).await.is_err() {
                        return;
                    }
                }
                Err(e) => pause_after(e).await,
            }
        }
    });
    ReceiverStream::new(rx)
}

/// After a failed `accept`: says why, and waits before the next one.
/// Usually the process is out of file descriptors, and only a connection
/// closing elsewhere cures that: trying again at once would fail again at
/// once, forever (see the module's doc).
async fn pause_after(error: std::io::Error) {
    warn!(
        "cannot accept a connection: {error}; trying again in {} ms",
        ACCEPT_RETRY.as_millis()
    );
    tokio::time::sleep(ACCEPT_RETRY).await;
}

/// Whether a new connection sends its first 24 bytes within `timeout`:
/// the length of the HTTP/2 preface (`PRI * HTTP/2.0...`) that starts every
/// gRPC connection; a TLS hello is longer still. tonic checks the bytes.
async fn starts_speaking(stream: &TcpStream, timeout: Duration) -> bool {
    const PREFACE_LEN: usize = 24;
    let mut buffer = [0; PREFACE_LEN];
    let wait = async {
        loop {
            // `peek` looks without consuming: tonic will read these bytes.
            match stream.peek(&mut buffer).await {
                Ok(PREFACE_LEN) => return true,
                Ok(0) | Err(_) => return false,
                // Only part of it so far: look again shortly.
                Ok(_) => tokio::time::sleep(PEEK_AGAIN).await,
            }
        }
    };
    tokio::time::timeout(timeout, wait).await.unwrap_or(false)
}
