//! A tiny seeded random number generator: SplitMix64.
//!
//! The proxy's randomness (the jitter of each chunk, whether a connection
//! gets the faults under `--chance`) must be *replayable*: run it again
//! with the same `--seed` and the same faults happen, so a test that failed
//! once can be run again and fail the same way. A generator seeded by hand
//! gives exactly that; it needs no cryptographic quality, only values that
//! look unrelated. SplitMix64 (Steele, Lea and Flood, 2014; the seeder of
//! Java's `SplittableRandom`) is five lines and passes the usual
//! statistical tests, which is why we write it rather than add a crate.

/// SplitMix64: a counter that goes up by a fixed odd step, passed through
/// a mixing function. Any seed is good, 0 included.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    /// The counter; each draw adds the step (the golden ratio's bits).
    state: u64,
}

/// What a connection's own generator is for: each purpose gets a stream
/// of its own, so that drawing more jitter in one direction never shifts
/// the draws of the other, or the decision of `--chance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Whether the connection gets the faults (`--chance`).
    Chosen = 0,
    /// The jitter of the chunks going up, client to server.
    JitterUp = 1,
    /// The jitter of the chunks going down, server to client.
    JitterDown = 2,
}

/// The step: 2^64 divided by the golden ratio, odd, so the counter visits
/// every value before it repeats.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// A generator that starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The generator of connection `connection`'s `purpose`, under `seed`.
    ///
    /// Derived from the three numbers alone, never from a shared generator:
    /// connections that run at the same time draw in an order the scheduler
    /// decides, and a shared generator would hand them different numbers on
    /// each run. This way connection 3's jitter is the same whatever
    /// connections 1 and 2 did.
    pub fn stream(seed: u64, connection: u64, purpose: Purpose) -> Self {
        // The key is mixed before it meets the seed, so that neighbouring
        // keys (connection 1 and 2) start from unrelated states.
        let key = connection.wrapping_mul(4).wrapping_add(purpose as u64);
        Self::new(seed ^ Self::new(key).next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`: the top 53 bits, as many as an `f64` holds.
    pub fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `[0, n)`, for `n` above 0. (The remainder's bias is
    /// below n / 2^64: nothing a delay in nanoseconds could show.)
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}
