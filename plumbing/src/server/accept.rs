//! The accept loop: connections that never speak are closed.
//!
//! tonic would otherwise keep a connection that never sends a byte open
//! forever: a few hundred of those (a port scanner, a half-open socket, a
//! "slowloris" attack) use up the server's file descriptors.

use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
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
                    // Usually out of file descriptors: wait, then try again.
                    warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
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
