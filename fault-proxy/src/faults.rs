//! The faults, as data: what the proxy does to each connection's bytes.
//!
//! Two kinds of fault, because a network fails in two ways:
//!
//! - **shaping** ([`Shaping`]), per direction, for as long as the
//!   connection lives: every chunk is delayed (latency, with jitter) and
//!   the bytes pass no faster than a bandwidth. The call still works, only
//!   slower: what a deadline is for.
//! - **a cut** ([`Cut`]), once per connection: after so many bytes or so
//!   many milliseconds the connection ends, in one of three ways
//!   ([`CutKind`]): closed cleanly (a drop), reset, or silently gone (a
//!   black hole). What retries, wait-for-ready and keepalive are for.
//!
//! [`Faults`] holds both, which connections they apply to ([`Which`]) and
//! the seed that makes the random parts replayable.

use std::{fmt, time::Duration};

use crate::rng::{Purpose, SplitMix64};

/// One direction of a connection's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server: requests.
    Up,
    /// From the server to the client: replies.
    Down,
}

impl fmt::Display for Direction {
    /// `up` or `down`, as the proxy prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Direction::Up => f.write_str("up"),
            Direction::Down => f.write_str("down"),
        }
    }
}

/// Which directions a fault applies to: the `--direction` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Directions {
    /// Client to server only.
    Up,
    /// Server to client only.
    Down,
    /// Both ways (a latency then counts twice in a round trip).
    #[default]
    Both,
}

impl Directions {
    /// Whether `direction` is one of these.
    pub fn includes(self, direction: Direction) -> bool {
        match self {
            Directions::Both => true,
            Directions::Up => direction == Direction::Up,
            Directions::Down => direction == Direction::Down,
        }
    }
}

impl fmt::Display for Directions {
    /// `up`, `down`, or `up or down`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Directions::Up => f.write_str("up"),
            Directions::Down => f.write_str("down"),
            Directions::Both => f.write_str("up or down"),
        }
    }
}

/// How one direction's bytes are slowed down, for the whole connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shaping {
    /// Each chunk is delivered this long after the proxy read it: the time
    /// a signal takes to cross the world (about 70 ms one way, from São
    /// Paulo to Frankfurt) that loopback never has.
    pub latency: Duration,
    /// Each chunk's delay is drawn in `latency ± jitter`, from the seed:
    /// queues along a real path are never equally full twice.
    pub jitter: Duration,
    /// At most this many bytes per second: a slow link (a phone's 3G gives
    /// some tens of thousands), so large messages take visible time.
    pub bandwidth: Option<u64>,
}

impl Shaping {
    /// Whether this shaping changes nothing.
    pub fn is_none(&self) -> bool {
        *self == Shaping::default()
    }
}

impl fmt::Display for Shaping {
    /// `latency 50 ms ± 10 ms, 2000 bytes/s`: only what is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.latency.is_zero() || !self.jitter.is_zero() {
            let mut latency = format!("latency {} ms", self.latency.as_millis());
            if !self.jitter.is_zero() {
                latency.push_str(&format!(" ± {} ms", self.jitter.as_millis()));
            }
            parts.push(latency);
        }
        if let Some(rate) = self.bandwidth {
            parts.push(format!("{rate} bytes/s"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// How a connection ends when it is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutKind {
    /// A clean close: FIN to both sides, as when a server or a load
    /// balancer closes an idle or too-old connection. Both sides read an
    /// end of stream; nothing is lost that was delivered.
    Drop,
    /// A reset: RST to both sides, as when a process crashes or a firewall
    /// kills the connection. Both sides get "connection reset by peer",
    /// and bytes not yet read may be lost.
    Reset,
    /// Silence: nothing more passes either way, and neither FIN nor RST is
    /// sent; both sockets stay open. As when a cable is pulled, a laptop
    /// sleeps, or a NAT forgets the connection: the *half-open*
    /// connection, which only a timeout or a keepalive can notice.
    BlackHole,
}

impl CutKind {
    /// Its name and what goes on the wire, as the proxy prints it.
    fn name(self) -> &'static str {
        match self {
            CutKind::Drop => "drop",
            CutKind::Reset => "reset",
            CutKind::BlackHole => "black hole",
        }
    }

    /// What the two sides receive, as the proxy prints it.
    pub fn on_the_wire(self) -> &'static str {
        match self {
            CutKind::Drop => "FIN both ways",
            CutKind::Reset => "RST both ways",
            CutKind::BlackHole => "no FIN, no RST",
        }
    }
}

impl fmt::Display for CutKind {
    /// `drop`, `reset` or `black hole`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When a connection is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Once `count` bytes have passed in one of `counted`'s directions
    /// (each direction counts its own): exactly `count` are delivered.
    Bytes {
        /// How many bytes pass before the cut (0: none at all).
        count: u64,
        /// Whose bytes are counted.
        counted: Directions,
    },
    /// This long after the proxy accepted the connection, whatever passed.
    Elapsed(Duration),
}

impl fmt::Display for After {
    /// `after 1024 bytes up` or `after 300 ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            After::Bytes { count, counted } => write!(f, "after {count} bytes {counted}"),
            After::Elapsed(time) => write!(f, "after {} ms", time.as_millis()),
        }
    }
}

/// A connection's end, and when it comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// How it ends.
    pub kind: CutKind,
    /// When.
    pub after: After,
}

impl fmt::Display for Cut {
    /// `black hole after 1024 bytes up (no FIN, no RST)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.kind,
            self.after,
            self.kind.on_the_wire()
        )
    }
}

/// Which connections get the faults; the others pass untouched.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Which {
    /// Every connection.
    #[default]
    All,
    /// Only the n-th accepted (counting from 1): a client that retries on
    /// a new connection gets through.
    Only(u64),
    /// Each connection with this probability (0 to 1), decided from the
    /// seed: the same connections are chosen on every run.
    Chance(f64),
}

impl fmt::Display for Which {
    /// `on every connection`, `on connection 2 only`, `on each connection with chance 0.3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Which::All => f.write_str("on every connection"),
            Which::Only(n) => write!(f, "on connection {n} only"),
            Which::Chance(p) => write!(f, "on each connection with chance {p}"),
        }
    }
}

/// Everything the proxy does to the connections it relays.
///
/// Start from [`Faults::none`] and add what you need:
///
/// ```
/// use std::time::Duration;
/// use fault_proxy::{After, CutKind, Directions, Faults, Which};
///
/// let faults = Faults::none()
///     .with_latency(Directions::Both, Duration::from_millis(50), Duration::from_millis(10))
///     .with_cut(CutKind::BlackHole, After::Bytes { count: 1024, counted: Directions::Up })
///     .on(Which::Only(1))
///     .seeded(42);
/// assert_eq!(
///     faults.to_string(),
///     "both ways: latency 50 ms ± 10 ms; black hole after 1024 bytes up (no FIN, no RST); on connection 1 only; seed 42"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// What happens to the bytes going up, client to server.
    pub up: Shaping,
    /// What happens to the bytes going down, server to client.
    pub down: Shaping,
    /// How and when each connection ends, if the proxy ends it.
    pub cut: Option<Cut>,
    /// Which connections get all this.
    pub which: Which,
    /// The seed of every random draw: the same seed, the same faults.
    pub seed: u64,
}

impl Faults {
    /// No fault at all: a plain relay.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds a `latency ± jitter` to each chunk going in `directions`.
    pub fn with_latency(
        mut self,
        directions: Directions,
        latency: Duration,
        jitter: Duration,
    ) -> Self {
        for shaping in self.shaping_mut(directions) {
            shaping.latency = latency;
            shaping.jitter = jitter;
        }
        self
    }

    /// Limits the bytes going in `directions` to `bytes_per_second`.
    pub fn with_bandwidth(mut self, directions: Directions, bytes_per_second: u64) -> Self {
        for shaping in self.shaping_mut(directions) {
            shaping.bandwidth = Some(bytes_per_second.max(1));
        }
        self
    }

    /// Cuts each connection as `kind` says, `after` so much.
    pub fn with_cut(mut self, kind: CutKind, after: After) -> Self {
        self.cut = Some(Cut { kind, after });
        self
    }

    /// Applies the faults to `which` connections only.
    pub fn on(mut self, which: Which) -> Self {
        self.which = which;
        self
    }

    /// Draws every random number from `seed`.
    pub fn seeded(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The shaping of `direction`.
    pub fn shaping(&self, direction: Direction) -> Shaping {
        match direction {
            Direction::Up => self.up,
            Direction::Down => self.down,
        }
    }

    /// The shapings `directions` names, to change them.
    fn shaping_mut(&mut self, directions: Directions) -> Vec<&mut Shaping> {
        let Faults { up, down, .. } = self;
        match directions {
            Directions::Up => vec![up],
            Directions::Down => vec![down],
            Directions::Both => vec![up, down],
        }
    }

    /// How many bytes may pass in `direction` before the cut, if a cut
    /// counts that direction's bytes.
    pub fn byte_limit(&self, direction: Direction) -> Option<u64> {
        match self.cut?.after {
            After::Bytes { count, counted } if counted.includes(direction) => Some(count),
            _ => None,
        }
    }

    /// Whether connection `connection` (the first accepted is 1) gets the
    /// faults: always the same answer for the same seed.
    pub fn applies_to(&self, connection: u64) -> bool {
        match self.which {
            Which::All => true,
            Which::Only(n) => connection == n,
            Which::Chance(p) => {
                SplitMix64::stream(self.seed, connection, Purpose::Chosen).fraction() < p
            }
        }
    }
}

impl fmt::Display for Faults {
    /// One line: each direction's shaping, the cut, which connections, the seed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.up == self.down && !self.up.is_none() {
            parts.push(format!("both ways: {}", self.up));
        } else {
            for (name, shaping) in [("up", self.up), ("down", self.down)] {
                if !shaping.is_none() {
                    parts.push(format!("{name}: {shaping}"));
                }
            }
        }
        if let Some(cut) = self.cut {
            parts.push(cut.to_string());
        }
        if parts.is_empty() {
            parts.push("no faults (a plain relay)".to_owned());
        }
        parts.push(self.which.to_string());
        parts.push(format!("seed {}", self.seed));
        f.write_str(&parts.join("; "))
    }
}
