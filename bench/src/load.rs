//! Making the calls: many at once, each timed.
//!
//! The load is `--connections` channels (one TCP connection each) with
//! `--in-flight` calls running on each at all times: as soon as a call ends,
//! its worker starts the next. Each worker keeps its own latency histogram
//! (no locks while measuring); they are merged at the end.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use clap::{Args, builder::TypedValueParser as _};
use hdrhistogram::Histogram;
use hello_proto::pb::{HelloRequest, HelloStreamRequest, do_stuff_client::DoStuffClient};
use indicatif::{ProgressBar, ProgressStyle};
use plumbing::{
    Program,
    cli::ClientArgs,
    client::{self, ClientError, Context, Stub as Client, explain},
    code_name,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// How much load, and where to send it.
#[derive(Args, Debug, Clone)]
pub struct Load {
    /// The server flags every client has: --addr, --tls, --token, ...
    #[command(flatten)]
    pub client: ClientArgs,

    /// How many connections to open
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..).map(usize::from))]
    pub connections: usize,

    /// How many calls (or chats) each connection keeps going at once
    #[arg(long, value_name = "M", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..).map(usize::from))]
    pub in_flight: usize,

    /// How long to run, in seconds (unless --calls is given)
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub duration_s: f64,

    /// Instead of a duration: stop after this many calls (round trips, for chat) in all
    #[arg(long, value_name = "N")]
    pub calls: Option<u64>,

    /// For chat: one round trip per chat, then hold it open, idle, until
    /// the run ends (to measure what an open stream costs a server)
    #[arg(long)]
    pub hold: bool,

    /// Messages per call for server-stream and client-stream
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub count: u32,

    /// Save the figures to this file, as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// A name for the server measured, saved in the JSON (e.g. python, ours)
    #[arg(long, default_value = "")]
    pub label: String,
}

/// Which method the load calls.
#[derive(Clone, Copy, Debug)]
pub enum Call {
    /// `say_hello`.
    Unary,
    /// `say_hello_stream` with `--count` replies.
    ServerStream,
    /// `say_hello_many` with `--count` requests.
    ClientStream,
    /// `say_hello_chat`, one round trip per measured operation.
    Chat,
}

impl Call {
    /// The name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Call::Unary => "unary",
            Call::ServerStream => "server-stream",
            Call::ClientStream => "client-stream",
            Call::Chat => "chat",
        }
    }

    /// The lesson whose server serves this method.
    pub fn program(self) -> Program {
        match self {
            Call::Unary => unary::PROGRAM,
            Call::ServerStream => server_streaming::PROGRAM,
            Call::ClientStream => client_streaming::PROGRAM,
            Call::Chat => bidi_streaming::PROGRAM,
        }
    }
}

/// What one run measured.
#[derive(Debug)]
pub struct Outcome {
    /// The method called.
    pub call: Call,
    /// The load's settings.
    pub load: Load,
    /// From the first call to the last answer.
    pub elapsed: Duration,
    /// Calls (round trips, for chat) that succeeded.
    pub ok: u64,
    /// Messages carried by those calls: replies or requests streamed.
    pub messages: u64,
    /// Failed calls, by status code.
    pub errors: BTreeMap<&'static str, u64>,
    /// Latency of each successful call (or round trip), in microseconds.
    pub latency: Histogram<u64>,
}

/// What each worker shares: when to stop, and how far along we are.
struct Shared {
    /// The end of a timed run.
    stop_at: Instant,
    /// Calls left to make, for a run of `--calls`.
    budget: AtomicU64,
    /// Calls made so far, for the progress bar.
    done: AtomicU64,
    /// `--hold`: each chat makes one round trip, then waits for the end.
    hold: bool,
}

impl Shared {
    /// Takes one call from the budget; false once time or calls run out.
    fn next(&self) -> bool {
        if Instant::now() >= self.stop_at {
            return false;
        }
        let taken = self
            .budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            });
        taken.is_ok()
    }
}

/// One worker's own measurements.
struct Tally {
    ok: u64,
    messages: u64,
    errors: BTreeMap<&'static str, u64>,
    latency: Histogram<u64>,
}

/// A run bounded by its number of calls has no time limit worth the name.
const NO_TIME_LIMIT: Duration = Duration::from_secs(24 * 3600);
/// How often the progress bar moves.
const PROGRESS_TICK: Duration = Duration::from_millis(100);

/// The latencies recorded: 1 µs to 60 s, with 3 significant digits.
const LATENCY_BOUNDS_US: (u64, u64) = (1, 60_000_000);
/// See [`LATENCY_BOUNDS_US`].
const LATENCY_DIGITS: u8 = 3;

impl Tally {
    /// An empty tally, whose latencies are recorded in a copy of `latency`.
    fn new(latency: &Histogram<u64>) -> Self {
        Self {
            ok: 0,
            messages: 0,
            errors: BTreeMap::new(),
            latency: latency.clone(),
        }
    }

    fn record(&mut self, started: Instant, outcome: Result<u64, Status>) {
        match outcome {
            Ok(messages) => {
                self.ok += 1;
                self.messages += messages;
                let (low, high) = LATENCY_BOUNDS_US;
                let micros = (started.elapsed().as_micros() as u64).clamp(low, high);
                self.latency.saturating_record(micros);
            }
            Err(status) => *self.errors.entry(code_name(status.code())).or_default() += 1,
        }
    }
}

/// Runs the load and returns what it measured.
pub async fn run(call: Call, load: &Load) -> Result<Outcome, String> {
    let context = Context::new(call.program(), &load.client);
    let explained = |error: ClientError| explain(&error, &context);
    let (low, high) = LATENCY_BOUNDS_US;
    let empty = Histogram::new_with_bounds(low, high, LATENCY_DIGITS).map_err(|e| e.to_string())?;
    let mut clients = Vec::with_capacity(load.connections);
    for _ in 0..load.connections {
        // A channel and a stub each: one TCP connection per stub.
        let channel = unary::client::channel(call.program(), &load.client)
            .await
            .map_err(explained)?;
        let token = client::attach_token(&load.client).map_err(explained)?;
        let mut client = DoStuffClient::with_interceptor(channel, token);
        // One call first, so connecting is not part of the measurement,
        // and a server that is down is reported at once.
        warm_up(call, &mut client, load.count)
            .await
            .map_err(|status| explained(ClientError::Call(status)))?;
        clients.push(client);
    }

    // A run is bounded by its number of calls, or else by its duration.
    let duration = match load.calls {
        Some(_) => NO_TIME_LIMIT,
        None => Duration::from_secs_f64(load.duration_s),
    };
    let shared = Arc::new(Shared {
        stop_at: Instant::now() + duration,
        budget: AtomicU64::new(load.calls.unwrap_or(u64::MAX)),
        done: AtomicU64::new(0),
        hold: load.hold,
    });
    let progress = progress_bar(load);
    let started = Instant::now();
    let ticker = {
        let (shared, progress, by_calls) = (shared.clone(), progress.clone(), load.calls.is_some());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROGRESS_TICK).await;
                let position = if by_calls {
                    shared.done.load(Ordering::Relaxed)
                } else {
                    started.elapsed().as_millis() as u64
                };
                progress.set_position(position);
            }
        })
    };

    let mut workers = Vec::new();
    for client in &clients {
        for _ in 0..load.in_flight {
            let (client, shared, count) = (client.clone(), shared.clone(), load.count);
            let tally = Tally::new(&empty);
            workers.push(tokio::spawn(async move {
                match call {
                    Call::Chat => chat_worker(client, &shared, tally).await,
                    _ => call_worker(call, client, &shared, count, tally).await,
                }
            }));
        }
    }
    let mut total = Tally::new(&empty);
    for worker in workers {
        let tally = worker
            .await
            .map_err(|e| format!("a load worker failed: {e}"))?;
        total.ok += tally.ok;
        total.messages += tally.messages;
        for (code, n) in tally.errors {
            *total.errors.entry(code).or_default() += n;
        }
        total
            .latency
            .add(&tally.latency)
            .map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed();
    ticker.abort();
    progress.finish_and_clear();

    Ok(Outcome {
        call,
        load: load.clone(),
        elapsed,
        ok: total.ok,
        messages: total.messages,
        errors: total.errors,
        latency: total.latency,
    })
}

fn progress_bar(load: &Load) -> ProgressBar {
    let bar = match load.calls {
        Some(calls) => ProgressBar::new(calls),
        None => ProgressBar::new((load.duration_s * 1000.0) as u64),
    };
    let template = match load.calls {
        Some(_) => "{bar:40} {pos}/{len} calls",
        None => "{bar:40} {pos}/{len} ms",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

async fn warm_up(call: Call, client: &mut Client, count: u32) -> Result<(), Status> {
    match call {
        Call::Chat => {
            let (tx, rx) = mpsc::channel(1);
            let _ = tx.send(HelloRequest { pid: 1 }).await;
            let mut replies = client
                .say_hello_chat(ReceiverStream::new(rx))
                .await?
                .into_inner();
            replies.message().await?;
            Ok(())
        }
        _ => one_call(call, client, count).await.map(drop),
    }
}

/// Keeps making calls one after another until the run ends.
async fn call_worker(
    call: Call,
    mut client: Client,
    shared: &Shared,
    count: u32,
    mut tally: Tally,
) -> Tally {
    while shared.next() {
        let started = Instant::now();
        let outcome = one_call(call, &mut client, count).await;
        tally.record(started, outcome);
        shared.done.fetch_add(1, Ordering::Relaxed);
    }
    tally
}

/// One call of a unary or one-way streaming kind; returns the number of
/// messages it carried.
async fn one_call(call: Call, client: &mut Client, count: u32) -> Result<u64, Status> {
    match call {
        Call::Unary => {
            client.say_hello(HelloRequest { pid: 1 }).await?;
            Ok(1)
        }
        Call::ServerStream => {
            let ask = HelloStreamRequest {
                pid: 1,
                count,
                interval_ms: 0,
            };
            let mut replies = client.say_hello_stream(ask).await?.into_inner();
            let mut n = 0;
            while replies.message().await?.is_some() {
                n += 1;
            }
            Ok(n)
        }
        Call::ClientStream => {
            let requests =
                tokio_stream::iter(std::iter::repeat_n(HelloRequest { pid: 1 }, count as usize));
            client.say_hello_many(requests).await?;
            Ok(count.into())
        }
        Call::Chat => unreachable!("chats are driven by chat_worker"),
    }
}

/// One chat kept open for the whole run: send, wait for the reply, repeat.
/// Each round trip is one measured operation.
async fn chat_worker(mut client: Client, shared: &Shared, mut tally: Tally) -> Tally {
    if !shared.next() {
        return tally;
    }
    let (tx, rx) = mpsc::channel(1);
    // The first request goes into the channel before the call starts.
    let mut started = Instant::now();
    let _ = tx.send(HelloRequest { pid: 1 }).await;
    let mut replies = match client.say_hello_chat(ReceiverStream::new(rx)).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tally.record(started, Err(status));
            return tally;
        }
    };
    loop {
        let outcome = match replies.message().await {
            Ok(Some(_)) => Ok(1),
            Ok(None) => Err(Status::internal("the chat ended early")),
            Err(status) => Err(status),
        };
        let failed = outcome.is_err();
        tally.record(started, outcome);
        shared.done.fetch_add(1, Ordering::Relaxed);
        if failed {
            break;
        }
        if shared.hold {
            // Keep the stream open, saying nothing, until the run ends.
            tokio::time::sleep_until(shared.stop_at.into()).await;
            break;
        }
        if !shared.next() {
            break;
        }
        started = Instant::now();
        if tx.send(HelloRequest { pid: 1 }).await.is_err() {
            break;
        }
    }
    tally
}
