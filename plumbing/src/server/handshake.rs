//! The TLS handshake, made on each accepted connection before tonic sees
//! it, so that a refused one is logged with its reason.
//!
//! tonic can make the handshake itself (`Server::builder().tls_config(..)`),
//! but it logs a failed one at debug level only, without the caller's
//! address: an operator whose `--mtls` server refuses a laptop sees
//! nothing. Here each connection goes through rustls's acceptor (the same
//! one tonic uses, with the same settings: see `tls/server.rs`) in a task
//! of its own, so that a slow handshake holds up no other, and:
//!
//! - a connection that completes it goes on to tonic, as a
//!   [`Connection::Tls`] whose certificates handlers can read
//!   (`request.peer_certs()`);
//! - a refused one is logged in one line, naming the caller and the reason
//!   ([`Refusal`]): no certificate, a CA we do not trust, expired, a
//!   server's certificate presented as a client's, and so on;
//! - one that stalls is closed after `--handshake-timeout-ms`, as tonic's
//!   `ServerTlsConfig::timeout` would.
//!
//! A client retrying in a loop (or an attacker) must not flood the log: at
//! most [`LOGGED_PER_SECOND`] refusals are logged one by one each second,
//! and the rest are counted in one line when the second is over.

use std::{io, net::SocketAddr, pin::Pin, sync::Arc, time::Duration};

use rustls::ServerConfig;
use tokio::{net::TcpStream, task::JoinSet, time::Instant};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_stream::{Stream, StreamExt as _, wrappers::ReceiverStream};
use tracing::{debug, warn};

use super::{Connection, Incoming, refusal::Refusal};

/// At most this many refused handshakes are logged one by one each second;
/// the rest are counted, and the count logged when the second is over. Ten
/// lines a second is still readable; a thousand is a flood.
pub(super) const LOGGED_PER_SECOND: u32 = 10;

/// The period [`LOGGED_PER_SECOND`] counts over.
const SECOND: Duration = Duration::from_secs(1);

/// How many connections, their handshake made, may wait for tonic to take
/// them (as the accept loop's queue).
const QUEUE: usize = 64;

/// The TLS a server speaks on its port: rustls's settings and how long a
/// handshake may take.
#[derive(Clone, Debug)]
pub struct Handshake {
    /// rustls's settings: our certificate, and with `--mtls` the verifier
    /// of the client's.
    config: Arc<ServerConfig>,
    /// How long a handshake may take (`--handshake-timeout-ms`).
    timeout: Duration,
}

impl Handshake {
    /// Handshakes with `config`, each given `timeout` to finish.
    pub fn new(config: Arc<ServerConfig>, timeout: Duration) -> Self {
        Self { config, timeout }
    }

    /// `incoming`'s connections, each once its handshake is made: those
    /// refused are logged and closed.
    pub(super) fn secure(self, incoming: Incoming) -> Incoming {
        let Incoming {
            connections,
            _socket_file,
        } = incoming;
        Incoming {
            connections: Box::pin(self.run(connections)),
            _socket_file,
        }
    }

    /// Takes each connection from `connections`, starts its handshake in a
    /// task, and hands on those that complete; one task owns it all, so
    /// the refusal count needs no lock.
    fn run(
        self,
        mut connections: Pin<Box<dyn Stream<Item = io::Result<Connection>> + Send>>,
    ) -> ReceiverStream<io::Result<Connection>> {
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
        tokio::spawn(async move {
            let mut handshakes = JoinSet::new();
            let mut log = RefusalLog::default();
            loop {
                let handed_on = tokio::select! {
                    accepted = connections.next() => match accepted {
                        Some(Ok(Connection::Tcp(stream))) => {
                            handshakes.spawn(self.clone().accept(stream));
                            continue;
                        }
                        // Not TCP (a unix socket refuses --tls at start),
                        // or an error for tonic to see: as it came.
                        Some(other) => other,
                        None => return,
                    },
                    Some(done) = handshakes.join_next() => match done {
                        Ok(Ok(stream)) => Ok(Connection::Tls(Box::new(stream))),
                        Ok(Err((peer, refusal))) => {
                            log.refused(peer, &refusal);
                            continue;
                        }
                        // A handshake task panicked: tonic never had it.
                        Err(_) => continue,
                    },
                    () = log.summary_due() => {
                        log.summarize();
                        continue;
                    }
                    // tonic stopped accepting (shutdown): the handshakes
                    // still under way are dropped with the set.
                    () = tx.closed() => return,
                };
                if tx.send(handed_on).await.is_err() {
                    return;
                }
            }
        });
        ReceiverStream::new(rx)
    }

    /// Makes the handshake on `stream`, within the timeout; or says who
    /// was refused, and why.
    async fn accept(
        self,
        stream: TcpStream,
    ) -> Result<TlsStream<TcpStream>, (Option<SocketAddr>, Refusal)> {
        let peer = stream.peer_addr().ok();
        let acceptor = TlsAcceptor::from(self.config);
        match tokio::time::timeout(self.timeout, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(error)) => Err((peer, Refusal::from_io(&error))),
            Err(_) => Err((peer, Refusal::TimedOut(self.timeout))),
        }
    }
}

/// Logs refused handshakes, at most [`LOGGED_PER_SECOND`] one by one in a
/// second, and then how many more there were.
#[derive(Debug)]
struct RefusalLog {
    /// When the current second began.
    since: Instant,
    /// How many were logged one by one since then.
    logged: u32,
    /// How many more were refused since then, not logged yet.
    held_back: u32,
}

impl Default for RefusalLog {
    fn default() -> Self {
        Self {
            since: Instant::now(),
            logged: 0,
            held_back: 0,
        }
    }
}

impl RefusalLog {
    /// A handshake with `peer` was refused: one line, unless this second's
    /// lines are used up. A peer that hung up mid-handshake (a port
    /// scanner, a client killed) refused nothing: debug level only.
    fn refused(&mut self, peer: Option<SocketAddr>, refusal: &Refusal) {
        let peer = peer.map_or_else(|| "a caller".to_owned(), |peer| peer.to_string());
        if !refusal.worth_a_line() {
            debug!("{peer}: TLS handshake not completed: {refusal}");
            return;
        }
        if self.since.elapsed() >= SECOND {
            self.summarize();
            self.since = Instant::now();
            self.logged = 0;
        }
        if self.logged < LOGGED_PER_SECOND {
            self.logged += 1;
            warn!("{peer}: TLS handshake refused: {refusal}");
        } else {
            self.held_back += 1;
        }
    }

    /// Completes when the count of lines held back is due: at the end of
    /// the second they were held back in. Never, if none were.
    async fn summary_due(&self) {
        if self.held_back == 0 {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep_until(self.since + SECOND).await;
    }

    /// Logs how many refusals were held back, if any, in one line.
    fn summarize(&mut self) {
        if self.held_back > 0 {
            warn!(
                "{} more refused TLS handshakes in the last second (at most {LOGGED_PER_SECOND} a second are logged one by one)",
                self.held_back
            );
            self.held_back = 0;
        }
    }
}
