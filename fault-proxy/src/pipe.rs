//! One direction of a connection: bytes read from one socket, delayed,
//! paced, counted, and written to the other.
//!
//! A pipe is two loops joined by a channel, because latency is not a sleep:
//!
//! ```text
//!  socket ──read──▶ reader ──(chunk, due time)──▶ channel ──▶ writer ──write──▶ socket
//!                   stamps each chunk               holds the      waits for `due`,
//!                   with read time + delay          bytes in       paces to the bandwidth,
//!                   ([`Schedule`])                  flight         counts toward a cut
//! ```
//!
//! If one loop read a chunk, slept 50 ms and wrote it, a connection would
//! carry one chunk per 50 ms: that is a slow *bandwidth*, not a *latency*.
//! On a real long link many chunks are in flight at once, each arriving
//! 50 ms after it left. So the reader keeps reading while the writer waits,
//! and the channel between them holds the bytes in flight. Its capacity
//! ([`IN_FLIGHT_CHUNKS`]) plays the part of the link's bandwidth-delay
//! product: when it is full, the reader stops reading, the kernel's buffers
//! fill, and TCP's flow control slows the sender down, as it would.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::tcp::{ReadHalf, WriteHalf},
    sync::mpsc,
    time::{Instant, sleep_until},
};

use crate::{
    faults::{Direction, Shaping},
    observe::{Chunk, Observer, Side},
    rng::SplitMix64,
};

/// The most a single read takes from the socket: 16 KiB, HTTP/2's default
/// largest frame, so a frame usually travels as one chunk.
const CHUNK_SIZE: usize = 16 * 1024;

/// Chunks that may be read but not yet written: up to 64 × 16 KiB = 1 MiB
/// in flight per direction, enough for 20 MiB/s behind a 50 ms latency.
const IN_FLIGHT_CHUNKS: usize = 64;

/// Under a bandwidth limit, bytes leave in slices, each this fraction of
/// a second's worth: smooth enough to look like a slow link, coarse enough
/// not to wake the task for every byte.
const SLICES_PER_SECOND: u64 = 50;

/// Why a pipe stopped before the end of its stream.
#[derive(Debug)]
pub enum PipeEnd {
    /// The byte limit was reached: exactly `count` bytes were delivered.
    Cut {
        /// The direction that reached its limit.
        direction: Direction,
        /// The bytes delivered, the limit.
        count: u64,
    },
    /// A socket failed: a side reset the connection, or went away.
    Broken {
        /// Which side's socket failed.
        side: Side,
        /// What the system said.
        error: std::io::Error,
    },
}

/// What the reader hands the writer.
enum Piece {
    /// Bytes to write at `due`.
    Data {
        /// The bytes as read.
        bytes: Bytes,
        /// When to deliver them.
        due: Instant,
        /// The delay drawn for them, for the observer.
        delay: Duration,
    },
    /// The sender closed its side (FIN): pass the close on at `due`, so it
    /// arrives after the bytes before it, as on a real link.
    End {
        /// When to pass it on.
        due: Instant,
    },
}

/// When each chunk is due: its read time plus `latency ± jitter`, never
/// before the chunk ahead of it.
///
/// "Never before": a TCP connection is one ordered stream of bytes. A real
/// network may reorder packets, but TCP puts them back in order before any
/// program sees them; what a program sees is a chunk arriving late, and
/// everything behind it waiting for it. That is what this does.
#[derive(Debug)]
pub struct Schedule {
    /// The delay every chunk gets.
    latency: Duration,
    /// The most a chunk's delay strays from `latency`, either way.
    jitter: Duration,
    /// The jitter's random numbers, from the connection's seed.
    rng: SplitMix64,
    /// When the previous chunk is due.
    last_due: Option<Instant>,
}

impl Schedule {
    /// The schedule of a direction shaped by `shaping`, drawing from `rng`.
    pub fn new(shaping: Shaping, rng: SplitMix64) -> Self {
        Self {
            latency: shaping.latency,
            jitter: shaping.jitter,
            rng,
            last_due: None,
        }
    }

    /// The next delay: uniform in `[latency - jitter, latency + jitter]`
    /// (never below zero), whole nanoseconds, so no rounding shortens it.
    pub fn draw(&mut self) -> Duration {
        let jitter = nanos(self.jitter);
        let offset = self.rng.below(2 * jitter + 1);
        Duration::from_nanos((nanos(self.latency) + offset).saturating_sub(jitter))
    }

    /// When a chunk read at `read_at` is due, and the delay drawn for it.
    pub fn due(&mut self, read_at: Instant) -> (Instant, Duration) {
        let delay = self.draw();
        let due = match self.last_due {
            Some(last) => (read_at + delay).max(last),
            None => read_at + delay,
        };
        self.last_due = Some(due);
        (due, delay)
    }
}

/// A duration in nanoseconds, saturating (a delay of 584 years is enough).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// A direction to relay, and what to do to it.
pub struct Pipe<'a> {
    /// The connection's number, for the observer.
    pub connection: u64,
    /// Which way the bytes go.
    pub direction: Direction,
    /// When each chunk is due.
    pub schedule: Schedule,
    /// At most this many bytes per second.
    pub bandwidth: Option<u64>,
    /// Cut after this many bytes, if a cut counts this direction.
    pub limit: Option<u64>,
    /// The bytes delivered so far (the connection reads it when it ends).
    pub delivered: &'a AtomicU64,
    /// Who hears of each chunk delivered.
    pub observer: &'a dyn Observer,
}

impl Pipe<'_> {
    /// Relays `from` to `to` until `from` closes (then closes `to`'s
    /// sending side: `Ok`), the byte limit is reached, or a socket fails.
    pub async fn run(self, mut from: ReadHalf<'_>, mut to: WriteHalf<'_>) -> Result<(), PipeEnd> {
        let (sender, receiver) = mpsc::channel(IN_FLIGHT_CHUNKS);
        let (reader_side, writer_side) = match self.direction {
            Direction::Up => (Side::Client, Side::Server),
            Direction::Down => (Side::Server, Side::Client),
        };
        let Pipe {
            connection,
            direction,
            schedule,
            bandwidth,
            limit,
            delivered,
            observer,
        } = self;
        let reader = read(&mut from, sender, schedule, reader_side);
        let mut writer = Writer {
            pacer: Pacer::new(bandwidth),
            limit,
            delivered,
            connection,
            direction,
            side: writer_side,
            observer,
        };
        // Both loops at once, on this task; the first error (or cut) ends
        // both: the other loop is dropped mid-wait, nothing more is read.
        tokio::try_join!(reader, writer.write(&mut to, receiver)).map(|_| ())
    }
}

/// The reader: reads chunks as fast as they come, stamps each with its
/// due time, and queues it (waiting when `IN_FLIGHT_CHUNKS` are queued).
async fn read(
    from: &mut ReadHalf<'_>,
    queue: mpsc::Sender<Piece>,
    mut schedule: Schedule,
    side: Side,
) -> Result<(), PipeEnd> {
    loop {
        let mut buffer = BytesMut::with_capacity(CHUNK_SIZE);
        let read = from
            .read_buf(&mut buffer)
            .await
            .map_err(|error| PipeEnd::Broken { side, error })?;
        let (due, delay) = schedule.due(Instant::now());
        let piece = if read == 0 {
            Piece::End { due }
        } else {
            Piece::Data {
                bytes: buffer.freeze(),
                due,
                delay,
            }
        };
        // The writer only goes away when the pipe ends anyway.
        if queue.send(piece).await.is_err() || read == 0 {
            return Ok(());
        }
    }
}

/// The writer's state: its pace, its count, its observer.
struct Writer<'a> {
    /// The bandwidth limit.
    pacer: Pacer,
    /// The byte limit of a cut.
    limit: Option<u64>,
    /// The bytes written so far.
    delivered: &'a AtomicU64,
    /// The connection's number (to name it to the observer).
    connection: u64,
    /// Which way it writes (to name it at a cut, and to the observer).
    direction: Direction,
    /// Which side it writes to (to name it if writing fails).
    side: Side,
    /// Who hears of each chunk delivered.
    observer: &'a dyn Observer,
}

impl Writer<'_> {
    /// Writes each queued chunk when it is due, until the stream ends or
    /// the limit is reached.
    async fn write(
        &mut self,
        to: &mut WriteHalf<'_>,
        mut queue: mpsc::Receiver<Piece>,
    ) -> Result<(), PipeEnd> {
        // "After 0 bytes": cut before anything passes.
        if self.limit == Some(0) {
            return Err(PipeEnd::Cut {
                direction: self.direction,
                count: 0,
            });
        }
        let side = self.side;
        let broken = |error| PipeEnd::Broken { side, error };
        while let Some(piece) = queue.recv().await {
            match piece {
                Piece::Data {
                    mut bytes,
                    due,
                    delay,
                } => {
                    sleep_until(due).await;
                    // Under a byte limit, deliver up to it exactly, then cut.
                    let sent = self.delivered.load(Ordering::Relaxed);
                    let room = self.limit.map(|limit| limit - sent);
                    let reaches_limit = room.is_some_and(|room| bytes.len() as u64 >= room);
                    if let Some(room) = room {
                        bytes.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                    }
                    self.pacer.write(to, &bytes).await.map_err(broken)?;
                    self.delivered
                        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    self.observer.chunk(&Chunk {
                        connection: self.connection,
                        direction: self.direction,
                        bytes,
                        delay,
                    });
                    if reaches_limit {
                        let count = self.delivered.load(Ordering::Relaxed);
                        let direction = self.direction;
                        return Err(PipeEnd::Cut { direction, count });
                    }
                }
                Piece::End { due } => {
                    sleep_until(due).await;
                    // Half-close: FIN to this side, which may still send
                    // the other way (a gRPC client that finished sending
                    // still waits for its reply).
                    to.shutdown().await.map_err(broken)?;
                    return Ok(());
                }
            }
        }
        // The reader left without an End: only when it failed, and its
        // error is the pipe's.
        Ok(())
    }
}

/// Paces writes to a bandwidth: a "virtual clock" of when the link is next
/// free. Each slice of bytes occupies the link for `len / rate` seconds.
struct Pacer {
    /// Bytes per second, if limited.
    rate: Option<u64>,
    /// When the link has finished sending what was written before.
    free_at: Instant,
}

impl Pacer {
    /// A pacer for `rate` bytes per second (`None`: as fast as possible).
    fn new(rate: Option<u64>) -> Self {
        Self {
            rate,
            free_at: Instant::now(),
        }
    }

    /// Writes `bytes` to `to`, no faster than the rate.
    async fn write(&mut self, to: &mut WriteHalf<'_>, bytes: &[u8]) -> std::io::Result<()> {
        let Some(rate) = self.rate else {
            return to.write_all(bytes).await;
        };
        let slice = usize::try_from((rate / SLICES_PER_SECOND).max(1)).unwrap_or(usize::MAX);
        for part in bytes.chunks(slice) {
            // Wait until the link is free, send the slice, and mark the
            // link busy for as long as the slice takes at this rate.
            let start = self.free_at.max(Instant::now());
            sleep_until(start).await;
            to.write_all(part).await?;
            let busy = Duration::from_nanos(part.len() as u64 * 1_000_000_000 / rate);
            self.free_at = start + busy;
        }
        Ok(())
    }
}
