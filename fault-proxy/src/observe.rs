//! What the proxy tells the world: an [`Event`] for each connection and
//! each fault as it happens, and every [`Chunk`] of bytes it forwards.
//!
//! Both go to an [`Observer`] given to [`crate::start`]. The program's is
//! [`Print`], a line on stdout per event; a test passes a channel
//! (`UnboundedSender<Event>` is an observer) and waits for the event it
//! needs, instead of sleeping and hoping.
//!
//! ## The seam for a frame decoder
//!
//! [`Observer::chunk`] sees every byte the proxy delivers, per connection
//! and direction, in order, exactly as the other side receives it (after
//! the delay, truncated at a cut). An HTTP/2 frame decoder implements it,
//! keeps a buffer per `(connection, direction)`, and parses frames out of
//! it. The call is made from the pipe's own task, between two writes:
//! keep it short (push the chunk into a channel, and decode elsewhere).

use std::{fmt, net::SocketAddr, time::Duration};

use bytes::Bytes;
use tokio::sync::mpsc::UnboundedSender;

use crate::faults::{Cut, CutKind, Direction};

/// One of a connection's two ends, as the proxy sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The program that connected to the proxy.
    Client,
    /// The program the proxy connected to, at `--to`.
    Server,
}

impl fmt::Display for Side {
    /// `the client` or `the server`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Side::Client => f.write_str("the client"),
            Side::Server => f.write_str("the server"),
        }
    }
}

/// Something that happened to a connection: one line each, as printed.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A client connected, and the proxy connected on to the server.
    Accepted {
        /// The connection's number: 1 for the first accepted.
        connection: u64,
        /// The client's address.
        client: SocketAddr,
        /// The server's address, as given to `--to`.
        to: String,
        /// Whether the faults apply to it (see [`crate::Which`]).
        faulty: bool,
    },
    /// A client connected, but the server could not be reached: the proxy
    /// resets the client's connection, the nearest it can come to the
    /// refusal the client would have had without a proxy.
    Unreachable {
        /// The connection's number.
        connection: u64,
        /// The server's address, as given to `--to`.
        to: String,
        /// Why, as the system said it.
        error: String,
    },
    /// The proxy cut the connection, as its faults said.
    Cut {
        /// The connection's number.
        connection: u64,
        /// How, and after what (for a byte count, the direction that
        /// reached it, never `Both`).
        cut: Cut,
    },
    /// The connection is over, and both its sockets are closed.
    Closed {
        /// The connection's number.
        connection: u64,
        /// Bytes delivered to the server.
        up: u64,
        /// Bytes delivered to the client.
        down: u64,
        /// If a side broke the connection (a reset, an error): which, and
        /// why. The proxy then reset the other side too.
        broken: Option<(Side, String)>,
    },
}

impl Event {
    /// The connection this event is about.
    pub fn connection(&self) -> u64 {
        match self {
            Event::Accepted { connection, .. }
            | Event::Unreachable { connection, .. }
            | Event::Cut { connection, .. }
            | Event::Closed { connection, .. } => *connection,
        }
    }

    /// The kind of cut, if this event is one.
    pub fn cut(&self) -> Option<CutKind> {
        match self {
            Event::Cut { cut, .. } => Some(cut.kind),
            _ => None,
        }
    }
}

impl fmt::Display for Event {
    /// The line the program prints, e.g. `conn 1: black hole after 1024
    /// bytes up (no FIN, no RST)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn {}: ", self.connection())?;
        match self {
            Event::Accepted {
                client, to, faulty, ..
            } => {
                write!(f, "{client} -> {to}")?;
                if !faulty {
                    f.write_str(" (no faults on this one)")?;
                }
                Ok(())
            }
            Event::Unreachable { to, error, .. } => {
                write!(f, "cannot reach {to} ({error}); resetting the client")
            }
            Event::Cut { cut, .. } => write!(f, "{cut}"),
            Event::Closed {
                up, down, broken, ..
            } => {
                if let Some((side, error)) = broken {
                    write!(
                        f,
                        "{side} broke the connection ({error}); reset the other side; "
                    )?;
                }
                write!(f, "closed after {up} bytes up, {down} bytes down")
            }
        }
    }
}

/// A piece of a connection's byte stream, as the proxy delivered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The connection's number.
    pub connection: u64,
    /// Which way the bytes went.
    pub direction: Direction,
    /// The bytes, exactly as written to the other side.
    pub bytes: Bytes,
    /// The delay drawn for them (`latency ± jitter`; zero without latency).
    pub delay: Duration,
}

/// Who hears what the proxy does. `Send + Sync`: every connection's tasks
/// call the same one.
pub trait Observer: Send + Sync + 'static {
    /// A connection came, was cut or went.
    fn event(&self, event: &Event);

    /// A chunk was delivered: the seam for anything that reads the bytes
    /// (see the module's doc). Does nothing unless implemented.
    fn chunk(&self, chunk: &Chunk) {
        let _ = chunk;
    }
}

/// The program's observer: each event, one line on stdout.
#[derive(Debug, Clone, Copy, Default)]
pub struct Print;

impl Observer for Print {
    fn event(&self, event: &Event) {
        println!("{event}");
    }
}

/// A test's observer: each event into a channel, to be awaited.
impl Observer for UnboundedSender<Event> {
    fn event(&self, event: &Event) {
        // Nobody listening any more is no reason to stop relaying.
        let _ = self.send(event.clone());
    }
}
