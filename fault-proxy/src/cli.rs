//! The program's flags, and the [`Faults`] they describe.

use std::time::Duration;

use clap::{ArgGroup, Parser};

use crate::faults::{After, CutKind, Directions, Faults, Which};

/// Flags of `fault-proxy`.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "fault-proxy",
    about = "A TCP proxy that makes the network slow, lossy or half-open, the same way for the same --seed",
    group(ArgGroup::new("cut").multiple(false)),
    group(ArgGroup::new("which").multiple(false))
)]
pub struct Args {
    /// Where clients connect: point a client's --addr here
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9000")]
    pub listen: String,

    /// Where the proxy connects for each client: the real server
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8888")]
    pub to: String,

    /// Which way the shaping (latency, jitter, bandwidth) applies, and whose bytes an --...-after-bytes counts: up is client to server
    #[arg(long, value_enum, default_value_t = Directions::Both)]
    pub direction: Directions,

    /// Deliver each chunk this long after it was read (in each --direction)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,

    /// Each chunk's delay is random in latency ± this, drawn from --seed
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub jitter_ms: u64,

    /// At most this many bytes per second (in each --direction)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub bandwidth_bytes_per_s: Option<u64>,

    /// Close the connection cleanly (FIN both ways) once N bytes have passed in a --direction
    #[arg(long, value_name = "N", group = "cut")]
    pub drop_after_bytes: Option<u64>,

    /// Close the connection cleanly (FIN both ways) MS after it was accepted
    #[arg(long, value_name = "MS", group = "cut")]
    pub drop_after_ms: Option<u64>,

    /// Stop forwarding both ways once N bytes have passed in a --direction; send no FIN, no RST: a half-open connection
    #[arg(long, value_name = "N", group = "cut")]
    pub black_hole_after_bytes: Option<u64>,

    /// Stop forwarding both ways MS after the connection was accepted; no FIN, no RST
    #[arg(long, value_name = "MS", group = "cut")]
    pub black_hole_after_ms: Option<u64>,

    /// Reset the connection (RST both ways) once N bytes have passed in a --direction
    #[arg(long, value_name = "N", group = "cut")]
    pub reset_after_bytes: Option<u64>,

    /// Reset the connection (RST both ways) MS after it was accepted
    #[arg(long, value_name = "MS", group = "cut")]
    pub reset_after_ms: Option<u64>,

    /// Apply the faults to the K-th connection only (the first is 1): a retry on a new connection gets through [default: every connection]
    #[arg(long, value_name = "K", group = "which", value_parser = clap::value_parser!(u64).range(1..))]
    pub only_connection: Option<u64>,

    /// Apply the faults to each connection with probability P (0 to 1), drawn from --seed
    #[arg(long, value_name = "P", group = "which", value_parser = parse_chance)]
    pub chance: Option<f64>,

    /// The seed of every random draw (jitter, --chance): the same seed, the same faults [default: from the clock, printed]
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Print every HTTP/2 frame that passes, decoded, one per line (plaintext gRPC only)
    #[arg(long)]
    pub frames: bool,
}

impl Args {
    /// The faults the flags describe, drawing from `seed`.
    pub fn faults(&self, seed: u64) -> Faults {
        let mut faults = Faults::none().seeded(seed);
        if self.latency_ms > 0 || self.jitter_ms > 0 {
            faults = faults.with_latency(
                self.direction,
                Duration::from_millis(self.latency_ms),
                Duration::from_millis(self.jitter_ms),
            );
        }
        if let Some(rate) = self.bandwidth_bytes_per_s {
            faults = faults.with_bandwidth(self.direction, rate);
        }
        if let Some((kind, after)) = self.cut() {
            faults = faults.with_cut(kind, after);
        }
        if let Some(k) = self.only_connection {
            faults = faults.on(Which::Only(k));
        }
        if let Some(p) = self.chance {
            faults = faults.on(Which::Chance(p));
        }
        faults
    }

    /// The one cut flag given, if any (clap refuses two).
    fn cut(&self) -> Option<(CutKind, After)> {
        let bytes = |count| After::Bytes {
            count,
            counted: self.direction,
        };
        let ms = |ms| After::Elapsed(Duration::from_millis(ms));
        [
            (CutKind::Drop, self.drop_after_bytes.map(bytes)),
            (CutKind::Drop, self.drop_after_ms.map(ms)),
            (CutKind::BlackHole, self.black_hole_after_bytes.map(bytes)),
            (CutKind::BlackHole, self.black_hole_after_ms.map(ms)),
            (CutKind::Reset, self.reset_after_bytes.map(bytes)),
            (CutKind::Reset, self.reset_after_ms.map(ms)),
        ]
        .into_iter()
        .find_map(|(kind, after)| Some((kind, after?)))
    }
}

/// `--chance`: a probability, 0 to 1.
fn parse_chance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "expected a probability from 0 to 1, e.g. 0.3, got {text:?}"
        )),
    }
}
