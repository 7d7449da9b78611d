//! The proxy: accept a client, connect to the server, relay both ways
//! through two [`Pipe`]s, and cut the connection when the faults say.
//!
//! Each connection, on its own task:
//!
//! 1. connect to `--to` (or reset the client if the server is down);
//! 2. relay: the up pipe and the down pipe run together, until both
//!    streams end, a byte limit is reached, the cut's timer fires, or a
//!    socket fails ([`relay`]);
//! 3. end as that says: close, reset, or hold both sockets in silence
//!    ([`end`]).

use std::{
    future,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
    time::{Instant, sleep_until, timeout},
};
use tokio_util::sync::CancellationToken;

use crate::{
    faults::{After, Cut, CutKind, Direction, Directions, Faults},
    observe::{Event, Observer, Side},
    pipe::{Pipe, PipeEnd, Schedule},
    rng::{Purpose, SplitMix64},
};

/// How long a drop waits for each side to close its end after the FIN,
/// reading (and discarding) what it still sends. Why wait at all: closing
/// a socket with unread bytes makes the kernel send RST instead of FIN
/// (RFC 1122, 4.2.2.13), and a drop would turn into a reset.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// A pause after a failed `accept` (too many open files, say), so the loop
/// does not spin while the cause lasts.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What every connection shares: where to connect, what to do, who hears.
struct Route {
    /// The server's address, `--to`.
    to: String,
    /// The faults.
    faults: Faults,
    /// Who hears of each event and chunk.
    observer: Box<dyn Observer>,
}

/// A proxy relaying in the background, until [`RunningProxy::stop`] (or
/// until dropped: it stops then too).
#[derive(Debug)]
pub struct RunningProxy {
    /// The address it listens on: the one to give clients.
    addr: SocketAddr,
    /// Stops the accept loop, and with it every connection.
    stop: CancellationToken,
    /// The accept loop, to wait for it to finish.
    task: Option<JoinHandle<()>>,
}

impl RunningProxy {
    /// The address the proxy listens on (the real port, if started on
    /// port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection (black holes included),
    /// and returns when all are closed.
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            // The loop does not panic; if it did, there is nothing left to stop.
            let _ = task.await;
        }
    }
}

impl Drop for RunningProxy {
    /// A proxy nobody holds stops, instead of relaying forever.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts a proxy listening on `listen` (`127.0.0.1:0` for any free port)
/// that relays each connection to `to` with `faults`, telling `observer`
/// what happens. Returns once it listens: clients may connect at once.
pub async fn start(
    listen: &str,
    to: &str,
    faults: Faults,
    observer: impl Observer,
) -> std::io::Result<RunningProxy> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let route = Arc::new(Route {
        to: to.to_owned(),
        faults,
        observer: Box::new(observer),
    });
    let task = tokio::spawn(accept(listener, route, stop.clone()));
    Ok(RunningProxy {
        addr,
        stop,
        task: Some(task),
    })
}

/// Accepts connections until stopped, each on a task of its own, then
/// ends them all (dropping their sockets closes them).
async fn accept(listener: TcpListener, route: Arc<Route>, stop: CancellationToken) {
    let mut connections = JoinSet::new();
    let mut number = 0;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((client, addr)) => {
                    number += 1;
                    connections.spawn(connection(number, client, addr, route.clone()));
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY).await,
            },
            // Forget the connections that are over, so the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// One connection, from accept to close.
async fn connection(number: u64, mut client: TcpStream, addr: SocketAddr, route: Arc<Route>) {
    let accepted_at = Instant::now();
    let observer = route.observer.as_ref();
    let mut server = match TcpStream::connect(&route.to).await {
        Ok(server) => server,
        Err(error) => {
            observer.event(&Event::Unreachable {
                connection: number,
                to: route.to.clone(),
                error: error.to_string(),
            });
            reset(client);
            return;
        }
    };
    // Write each chunk at once: Nagle's algorithm would hold small writes
    // back, waiting to fill a packet, and add a latency we did not ask for.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let faulty = route.faults.applies_to(number);
    observer.event(&Event::Accepted {
        connection: number,
        client: addr,
        to: route.to.clone(),
        faulty,
    });
    let faults = if faulty {
        route.faults.clone()
    } else {
        Faults::none()
    };
    let delivered = [AtomicU64::new(0), AtomicU64::new(0)];
    let ending = relay(
        number,
        (&mut client, &mut server),
        &faults,
        accepted_at,
        &delivered,
        observer,
    )
    .await;
    end(number, ending, client, server, &delivered, observer).await;
}

/// How the relaying ended.
enum Ending {
    /// Both sides closed their sending side, and everything was delivered.
    Finished,
    /// The faults cut the connection.
    Cut(Cut),
    /// A side's socket failed.
    Broken(Side, std::io::Error),
}

/// Relays both directions until both end, or a cut, or a failure.
async fn relay(
    number: u64,
    (client, server): (&mut TcpStream, &mut TcpStream),
    faults: &Faults,
    accepted_at: Instant,
    delivered: &[AtomicU64; 2],
    observer: &dyn Observer,
) -> Ending {
    // `split` borrows each socket as a reading half and a writing half, so
    // the two pipes use them at once, and we get the sockets back after.
    let (client_read, client_write) = client.split();
    let (server_read, server_write) = server.split();
    let pipe = |direction, delivered| Pipe {
        connection: number,
        direction,
        schedule: Schedule::new(
            faults.shaping(direction),
            SplitMix64::stream(faults.seed, number, jitter_of(direction)),
        ),
        bandwidth: faults.shaping(direction).bandwidth,
        limit: faults.byte_limit(direction),
        delivered,
        observer,
    };
    let up = pipe(Direction::Up, &delivered[0]).run(client_read, server_write);
    let down = pipe(Direction::Down, &delivered[1]).run(server_read, client_write);
    // The cut's timer, if the cut comes after a time; else a future that
    // never completes, so `select!` waits for the pipes alone.
    let timer = async {
        match faults.cut {
            Some(
                cut @ Cut {
                    after: After::Elapsed(time),
                    ..
                },
            ) => {
                sleep_until(accepted_at + time).await;
                cut
            }
            _ => future::pending().await,
        }
    };
    tokio::select! {
        ended = async { tokio::try_join!(up, down) } => match ended {
            Ok(_) => Ending::Finished,
            Err(PipeEnd::Broken { side, error }) => Ending::Broken(side, error),
            Err(PipeEnd::Cut { direction, count }) => {
                // Only a cut by bytes gives pipes a limit, so `cut` is one.
                let kind = faults.cut.map_or(CutKind::Drop, |cut| cut.kind);
                let counted = match direction {
                    Direction::Up => Directions::Up,
                    Direction::Down => Directions::Down,
                };
                Ending::Cut(Cut { kind, after: After::Bytes { count, counted } })
            }
        },
        cut = timer => Ending::Cut(cut),
    }
}

/// The jitter stream of `direction`.
fn jitter_of(direction: Direction) -> Purpose {
    match direction {
        Direction::Up => Purpose::JitterUp,
        Direction::Down => Purpose::JitterDown,
    }
}

/// Ends a connection as `ending` says, and tells the observer.
async fn end(
    number: u64,
    ending: Ending,
    mut client: TcpStream,
    mut server: TcpStream,
    delivered: &[AtomicU64; 2],
    observer: &dyn Observer,
) {
    let mut broken = None;
    match ending {
        Ending::Finished => {}
        Ending::Broken(side, error) => {
            // Pass the failure on: the other side learns of it as it would
            // without a proxy, from a reset.
            broken = Some((side, error.to_string()));
            reset(client);
            reset(server);
        }
        Ending::Cut(cut) => {
            observer.event(&Event::Cut {
                connection: number,
                cut,
            });
            match cut.kind {
                CutKind::Drop => close_cleanly(&mut client, &mut server).await,
                CutKind::Reset => {
                    reset(client);
                    reset(server);
                }
                // Hold both sockets, read nothing, send nothing, until the
                // proxy stops (which aborts this task and closes them).
                CutKind::BlackHole => future::pending().await,
            }
        }
    }
    let load = |count: &AtomicU64| count.load(Ordering::Relaxed);
    observer.event(&Event::Closed {
        connection: number,
        up: load(&delivered[0]),
        down: load(&delivered[1]),
        broken,
    });
}

/// Closes `socket` with a reset: with `SO_LINGER` set to zero, closing a
/// socket sends RST instead of FIN, and drops whatever was not yet sent.
fn reset(socket: TcpStream) {
    // If the option cannot be set, the socket still closes, with a FIN.
    let _ = socket.set_zero_linger();
    drop(socket);
}

/// A drop: FIN to both sides at once, then read (and discard) what each
/// still sends until it closes too, for at most [`DRAIN_LIMIT`].
async fn close_cleanly(client: &mut TcpStream, server: &mut TcpStream) {
    let _ = tokio::join!(client.shutdown(), server.shutdown());
    let _ = timeout(DRAIN_LIMIT, async {
        tokio::join!(drain(client), drain(server))
    })
    .await;
}

/// Reads `socket` until its end (or an error), discarding the bytes.
async fn drain(socket: &mut TcpStream) {
    let mut buffer = [0; 4096];
    while let Ok(1..) = socket.read(&mut buffer).await {}
}
