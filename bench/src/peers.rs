//! The side by side with the peers people pick instead (grpc-go, Node),
//! under h2load as well as our load generator, and the goals of issue 17
//! as ratios from one run.
//!
//! Besides the JSON files of our load generator, `bench/compare.sh` saves
//! three tables, tab-separated, one row per run:
//! - `h2load.tsv`: server, run, calls/s, calls, the server's CPU seconds
//!   during the run, responses that were not HTTP 2xx;
//! - `memory.tsv`: server, resident KiB at rest, peak resident KiB, streams
//!   (bench/streams.sh, a row per server and number of streams);
//! - `cpu.tsv`: server, its CPU seconds and the load generator's, during
//!   one run of 64 unary calls at once.

use std::{fmt::Write as _, path::Path};

use crate::figures::{Results, median, number, ratio};

/// The reference level for the streaming goals: calls (or chats) at once.
const STREAM_LEVEL: usize = 16;
/// The reference level for the ping-pong latency goal: one chat at a time.
const PING_PONG_LEVEL: usize = 1;

/// The servers in the order of the tables, with their names.
const SERVERS: [(&str, &str); 5] = [
    ("ours", "ours"),
    ("bare", "bare tonic"),
    ("go", "grpc-go"),
    ("node", "Node (grpc-js)"),
    ("python", "Python (grpcio)"),
];

/// The tab-separated tables `bench/compare.sh` saved.
pub struct Peers {
    h2load: Vec<Vec<String>>,
    memory: Vec<Vec<String>>,
    /// `cold-build.tsv`: "ours" and "minimal", each with its median seconds.
    cold_build: Vec<Vec<String>>,
    cpu: Vec<Vec<String>>,
}

impl Peers {
    /// Reads them from the results folder; a table not there is empty.
    pub fn read(dir: &Path) -> Self {
        let table = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .unwrap_or_default()
                .lines()
                .map(|line| line.split('\t').map(str::to_owned).collect())
                .collect()
        };
        Self {
            h2load: table("h2load.tsv"),
            memory: table("memory.tsv"),
            cold_build: table("cold-build.tsv"),
            cpu: table("cpu.tsv"),
        }
    }

    /// The median over the runs of h2load of `figure(row)` for `label`.
    fn h2load_median(&self, label: &str, figure: impl Fn(&H2load) -> Option<f64>) -> Option<f64> {
        let values = self
            .h2load
            .iter()
            .filter(|row| row.first().is_some_and(|l| l == label))
            .filter_map(|row| figure(&H2load::of(row)?))
            .collect();
        median(values)
    }

    /// Calls per second under h2load.
    fn h2load_rate(&self, label: &str) -> Option<f64> {
        self.h2load_median(label, |run| Some(run.rate))
    }

    /// The server's CPU seconds per 100,000 calls under h2load.
    fn cpu_per_100k(&self, label: &str) -> Option<f64> {
        self.h2load_median(label, |run| {
            (run.calls > 0.0).then(|| run.cpu_s / run.calls * 100_000.0)
        })
    }

    /// Resident memory in KiB, at rest and at its peak, holding `streams`.
    fn memory_of(&self, label: &str, streams: usize) -> Option<(f64, f64)> {
        let row = self.memory.iter().find(|row| {
            row.first().is_some_and(|l| l == label)
                && row.get(3).is_some_and(|n| n == &streams.to_string())
        })?;
        let field = |i: usize| row.get(i)?.parse::<f64>().ok();
        Some((field(1)?, field(2)?))
    }

    /// The median seconds of a cold build (`ours` or `minimal`).
    fn cold_build(&self, which: &str) -> Option<f64> {
        let row = self
            .cold_build
            .iter()
            .find(|row| row.first().is_some_and(|w| w == which))?;
        row.get(1)?.parse().ok()
    }

    /// KiB of resident memory per open stream: (peak - rest) / streams.
    fn per_stream_kib(&self, label: &str, streams: usize) -> Option<f64> {
        let (rest, peak) = self.memory_of(label, streams)?;
        (streams > 0).then(|| (peak - rest) / streams as f64)
    }
}

/// One row of `h2load.tsv`.
struct H2load {
    rate: f64,
    calls: f64,
    cpu_s: f64,
}

impl H2load {
    fn of(row: &[String]) -> Option<Self> {
        let field = |i: usize| row.get(i)?.parse::<f64>().ok();
        Some(Self {
            rate: field(2)?,
            calls: field(3)?,
            cpu_s: field(4)?,
        })
    }
}

/// Met, missed, or not measured.
fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "**met**",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

/// The goals of issue 17 as ratios from this run.
pub fn goals(md: &mut String, results: &Results, peers: &Peers) {
    let divide = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    let per_cpu = |label| divide(Some(100_000.0), peers.cpu_per_100k(label));
    let stream = |label| results.median(label, "server-stream", STREAM_LEVEL, |f| f.messages_per_s);
    let p50 = |label| results.median(label, "chat", PING_PONG_LEVEL, |f| f.p50_us as f64);
    let unary = |label| results.median(label, "unary", 64, |f| f.calls_per_s);

    let rows = [
        (
            "unary calls/s under h2load (16 × 32 in flight), ours / grpc-go".to_owned(),
            "≥ 1.2×",
            divide(peers.h2load_rate("ours"), peers.h2load_rate("go")),
            1.2,
            true,
        ),
        (
            "unary calls per server CPU second under h2load, ours / grpc-go".to_owned(),
            "≥ 1.5×",
            divide(per_cpu("ours"), per_cpu("go")),
            1.5,
            true,
        ),
        (
            format!("server-streaming messages/s ({STREAM_LEVEL} calls at once), ours / grpc-go"),
            "≥ 1.2×",
            divide(stream("ours"), stream("go")),
            1.2,
            true,
        ),
        (
            format!("bidi ping-pong p50 ({PING_PONG_LEVEL} chat at a time), ours / grpc-go"),
            "≤ 0.8×",
            divide(p50("ours"), p50("go")),
            0.8,
            false,
        ),
        (
            "memory per open stream at 10,000 streams, ours / grpc-go".to_owned(),
            "≤ 1.0×",
            divide(
                peers.per_stream_kib("ours", 10_000),
                peers.per_stream_kib("go", 10_000),
            ),
            1.0,
            false,
        ),
        (
            "memory per open stream at 100,000 streams (ten client processes), ours / grpc-go"
                .to_owned(),
            "≤ 1.0×",
            divide(
                peers.per_stream_kib("ours", 100_000),
                peers.per_stream_kib("go", 100_000),
            ),
            1.0,
            false,
        ),
        (
            "the student's cold build, ours / a minimal tonic hello-world".to_owned(),
            "≤ 1.3×",
            divide(peers.cold_build("ours"), peers.cold_build("minimal")),
            1.3,
            false,
        ),
        (
            "unary calls/s under h2load, ours / bare tonic".to_owned(),
            "≥ 1.0×",
            divide(peers.h2load_rate("ours"), peers.h2load_rate("bare")),
            1.0,
            true,
        ),
        (
            "unary calls/s under our generator (64 at once), ours / bare tonic".to_owned(),
            "≥ 1.0×",
            divide(unary("ours"), unary("bare")),
            1.0,
            true,
        ),
    ];
    let _ = writeln!(md, "## The goals, as ratios from this run\n");
    let _ = writeln!(
        md,
        "The goals of issue 17, each from the tables below. Ratios within about 10% of a goal are within \
         what repeated runs on this shared 2-core machine differ by. What a missed goal would need: \
         \"Against the goals\", further down.\n"
    );
    let _ = writeln!(md, "| goal | wanted | this run | |");
    let _ = writeln!(md, "|---|---:|---:|---|");
    for (what, wanted, value, bound, at_least) in rows {
        let met = value.map(|v| if at_least { v >= bound } else { v <= bound });
        let shown = value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}×"));
        let _ = writeln!(md, "| {what} | {wanted} | {shown} | {} |", verdict(met));
    }
    let _ = writeln!(md);
}

/// Unary calls under h2load, with the server CPU each call cost.
pub fn h2load(md: &mut String, peers: &Peers) {
    if peers.h2load.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "## Unary calls under h2load, 16 connections × 32 streams\n"
    );
    let _ = writeln!(
        md,
        "h2load sends a gRPC frame written beforehand and reads the replies without decoding them, on one \
         thread: it needs far less CPU than our generator, so more of the 2 cores go to the server. The \
         server's CPU seconds are read from `/proc` before and after each run: per 100,000 calls, the \
         fair figure on shared cores.\n"
    );
    let _ = writeln!(
        md,
        "| server | calls/s | ours / it | server CPU s per 100,000 calls | calls per server CPU second | ours / it, per CPU second |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    let per_cpu = |label| peers.cpu_per_100k(label).map(|s| 100_000.0 / s);
    for (label, name) in SERVERS {
        if peers.h2load_rate(label).is_none() {
            continue;
        }
        let cpu = peers
            .cpu_per_100k(label)
            .map_or_else(|| "–".to_owned(), |s| format!("{s:.2}"));
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {cpu} | {} | {} |",
            number(peers.h2load_rate(label)),
            ratio(peers.h2load_rate("ours"), peers.h2load_rate(label)),
            number(per_cpu(label)),
            ratio(per_cpu("ours"), per_cpu(label)),
        );
    }
    let failed: usize = peers
        .h2load
        .iter()
        .filter_map(|row| row.get(5)?.parse::<usize>().ok())
        .sum();
    let _ = writeln!(
        md,
        "\nResponses other than HTTP 2xx in all h2load runs: {failed}.\n"
    );
}

/// Server streaming and bidi ping-pong: ours against grpc-go and Node.
pub fn streaming(md: &mut String, results: &Results, levels: &[usize]) {
    let _ = writeln!(md, "## Streaming: ours against grpc-go and Node\n");
    let _ = writeln!(
        md,
        "Server streaming: messages per second, each call asking for 1,000 replies. Bidi: ping-pong chats \
         (send one, wait for its reply), round trips per second and their latency. Our servers are the \
         `server-streaming` and `bidi-streaming` lessons'.\n"
    );
    let _ = writeln!(
        md,
        "| calls at once | stream: ours / grpc-go | ours (msgs/s) | grpc-go | Node | chat: ours / grpc-go | ours (round trips/s) | grpc-go | Node |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &level in levels {
        let stream = |label| results.median(label, "server-stream", level, |f| f.messages_per_s);
        let chat = |label| results.median(label, "chat", level, |f| f.calls_per_s);
        let _ = writeln!(
            md,
            "| {level} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ratio(stream("ours"), stream("go")),
            number(stream("ours")),
            number(stream("go")),
            number(stream("node")),
            ratio(chat("ours"), chat("go")),
            number(chat("ours")),
            number(chat("go")),
            number(chat("node")),
        );
    }
    let _ = writeln!(md, "\nPing-pong latency, p50 / p99 (µs):\n");
    let _ = writeln!(
        md,
        "| chats at once | p50: ours / grpc-go | ours | grpc-go | Node | p99: ours | grpc-go | Node |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &level in levels {
        let p50 = |label| results.median(label, "chat", level, |f| f.p50_us as f64);
        let p99 = |label| results.median(label, "chat", level, |f| f.p99_us as f64);
        let _ = writeln!(
            md,
            "| {level} | {} | {} | {} | {} | {} | {} | {} |",
            ratio(p50("ours"), p50("go")),
            number(p50("ours")),
            number(p50("go")),
            number(p50("node")),
            number(p99("ours")),
            number(p99("go")),
            number(p99("node")),
        );
    }
    let _ = writeln!(md);
}

/// Memory per open stream, at each number of streams measured.
pub fn memory(md: &mut String, peers: &Peers) {
    if peers.memory.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "## Memory per open stream: 10,000 and 100,000 chats open at once\n"
    );
    let _ = writeln!(
        md,
        "Written by `bench/streams.sh`. Each server started afresh for each count; then one client process \
         per 10,000 streams (10 connections × 1,000 chats each), every chat making one round trip and then \
         staying open, idle, until the run ends, so that all are open at once (the script checks that every \
         chat opened). Resident memory (`VmRSS`) at rest before, and its peak (`VmHWM`) after. Per open \
         stream: (peak − rest) / streams. One run each. Node only at 10,000.\n"
    );
    let _ = writeln!(
        md,
        "| server | open streams | at rest (MiB) | peak (MiB) | per open stream (KiB) | ours / it |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    for streams in [10_000, 100_000] {
        for (label, name) in SERVERS {
            let Some((rest, peak)) = peers.memory_of(label, streams) else {
                continue;
            };
            let per_stream = peers.per_stream_kib(label, streams);
            let _ = writeln!(
                md,
                "| {name} | {} | {:.1} | {:.1} | {} | {} |",
                number(Some(streams as f64)),
                rest / 1024.0,
                peak / 1024.0,
                per_stream.map_or_else(|| "–".to_owned(), |k| format!("{k:.1}")),
                ratio(peers.per_stream_kib("ours", streams), per_stream),
            );
        }
    }
    let _ = writeln!(md);
}

/// Where the CPU goes under our load generator.
pub fn cpu(md: &mut String, peers: &Peers) {
    if peers.cpu.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Where the CPU goes under our load generator\n");
    let _ = writeln!(
        md,
        "One more run of 64 unary calls at once per server, with the CPU seconds each process used (2 \
         cores: twice the run's length in all). Our generator needs CPU too, and on a small machine it \
         takes it from the server.\n"
    );
    let _ = writeln!(md, "| server | server CPU s | load generator CPU s |");
    let _ = writeln!(md, "|---|---:|---:|");
    for (label, name) in SERVERS {
        if let Some(row) = peers
            .cpu
            .iter()
            .find(|row| row.first().is_some_and(|l| l == label))
        {
            let field = |i: usize| row.get(i).map_or("–", String::as_str);
            let _ = writeln!(md, "| {name} | {} | {} |", field(1), field(2));
        }
    }
    let _ = writeln!(md);
}
