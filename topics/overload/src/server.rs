//! The server: a `say_hello` behind tonic's own overload protection, and
//! failing on purpose, so that both can be watched from the client.
//!
//! **The limit.** Every server of this workspace is assembled by
//! `plumbing::server::configure`, which already calls tonic's
//! `Server::builder().concurrency_limit_per_connection(n)` with
//! `--max-calls-per-connection` (256 unless told). It is a tower
//! `ConcurrencyLimit` around each connection's service: `n` calls of one
//! connection run their handler at once; call `n + 1` **waits**, inside the
//! server, until one of them ends. The client sees nothing but a slower
//! answer (and, if the wait outlasts its deadline, DEADLINE_EXCEEDED).
//!
//! **Load shedding.** `.load_shed(true)` puts tower's `LoadShed` in front of
//! that limit: when no slot is free, the call is **refused at once**
//! instead of queued. tonic turns tower's `Overloaded` error into a status
//! (tonic's `src/status.rs`, `Status::from_error`): RESOURCE_EXHAUSTED,
//! "Too many active requests for the connection". Not UNAVAILABLE: the
//! server is there and working, it is out of capacity, and an immediate
//! retry would only add to the load (see the README).
//!
//! Both are per connection: a hundred clients get a hundred times `n`. A
//! limit for the whole server is a tower layer of your own
//! (`tower::limit::GlobalConcurrencyLimitLayer` and `tower::load_shed`),
//! which this topic does not add (see the README).
//!
//! **The failures.** `--fail-percent P` fails P% of `say_hello`'s attempts
//! with UNAVAILABLE, drawn from a generator seeded with `--seed`: the same
//! attempts fail on every run. Every attempt is counted; `say_hello_again`
//! never fails and returns the count in its `say-hello-attempts` header,
//! so a client can compare what it sent with what arrived.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, simulate_work},
};
use retries::policy::Jitter;
use tonic::{Request, Response, Status, metadata::MetadataValue, transport::Server};
use tracing::{debug, info};

use crate::TOPIC;

/// The response header of `say_hello_again`: how many `say_hello` attempts
/// reached this server since it started.
pub const ATTEMPTS_HEADER: &str = "say-hello-attempts";

/// Flags of the overload server.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "A hello.DoStuff server behind tonic's concurrency limit and load shedding, failing a share of its calls on purpose"
)]
pub struct Args {
    /// The flags every server has; here --max-calls-per-connection (the limit), --delay-ms (how long each say_hello holds its slot)...
    #[command(flatten)]
    pub common: ServerArgs,

    /// Refuse a call at once with RESOURCE_EXHAUSTED when the connection's --max-calls-per-connection are busy, instead of making it wait
    #[arg(long)]
    pub load_shed: bool,

    /// Fail this share of say_hello's attempts with UNAVAILABLE (0 to 100)
    #[arg(long, value_name = "P", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub fail_percent: u8,

    /// Seed of the draw that picks the failing attempts: the same seed, the same failures
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ServerArgs::default(),
            load_shed: false,
            fail_percent: 0,
            seed: 1,
        }
    }
}

/// Our `DoStuff` service: a `say_hello` that takes `--delay-ms` and fails
/// `--fail-percent` of the time, and a `say_hello_again` that reports.
#[derive(Debug, Clone)]
pub struct Strained {
    /// `--fail-percent`.
    fail_percent: u8,
    /// `--delay-ms`: how long a `say_hello` holds its slot.
    delay: Duration,
    /// The seeded draw, shared by every clone of the service (tonic clones
    /// it for each connection). A `std` mutex: held for one draw, never
    /// across an `.await`.
    draw: Arc<Mutex<Jitter>>,
    /// `say_hello` attempts that reached the handler. An atomic, not a
    /// mutex: one number, only ever added to.
    attempts: Arc<AtomicU64>,
    /// `say_hello` handlers running now.
    running: Arc<AtomicU64>,
    /// The most that ever ran at once: what the limit allowed.
    peak: Arc<AtomicU64>,
}

impl Strained {
    /// The service the flags describe.
    pub fn new(args: &Args) -> Self {
        Self {
            fail_percent: args.fail_percent,
            delay: args.common.delay(),
            draw: Arc::new(Mutex::new(Jitter::seeded(args.seed))),
            attempts: Arc::default(),
            running: Arc::default(),
            peak: Arc::default(),
        }
    }

    /// The most `say_hello` handlers that ever ran at once.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// How many `say_hello` attempts have reached the handler.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Whether this attempt fails: a draw in [0, 100) below the percentage.
    fn fails(&self) -> bool {
        let mut draw = self.draw.lock().unwrap_or_else(PoisonError::into_inner);
        draw.fraction() * 100.0 < f64::from(self.fail_percent)
    }
}

#[tonic::async_trait]
impl DoStuff for Strained {
    /// Holds a slot for `--delay-ms`, then fails `--fail-percent` of the
    /// time with UNAVAILABLE, or says hello.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let attempt = self.attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let pid = request.get_ref().pid;
        let _running = Running::enter(&self.running, &self.peak);
        // The slot of the concurrency limit is held while this runs.
        simulate_work(self.delay).await;
        if self.fails() {
            debug!("say_hello pid {pid}, attempt {attempt} on this server: UNAVAILABLE");
            return Err(Status::unavailable(format!(
                "fails on purpose: the server runs with --fail-percent {}",
                self.fail_percent
            )));
        }
        debug!("say_hello pid {pid}, attempt {attempt} on this server: OK");
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }

    /// Never fails: says hello again, with the `say_hello` attempts counted
    /// so far in the `say-hello-attempts` header.
    async fn say_hello_again(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let mut response = Response::new(HelloReply {
            retval: format!("Hello again, {}!", request.get_ref().pid),
        });
        let count = MetadataValue::from(self.attempts());
        response.metadata_mut().insert(ATTEMPTS_HEADER, count);
        Ok(response)
    }
}

/// One running `say_hello`, counted in `running` while it lives: its
/// `drop` counts it out, whether the handler answered or was cancelled
/// (tonic drops the handler's future when the client leaves).
struct Running<'a>(&'a AtomicU64);

impl<'a> Running<'a> {
    /// Counts a handler in, and raises `peak` if it is the most yet.
    fn enter(running: &'a AtomicU64, peak: &AtomicU64) -> Self {
        let now = running.fetch_add(1, Ordering::Relaxed) + 1;
        peak.fetch_max(now, Ordering::Relaxed);
        Self(running)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Assembles and starts the server and returns once it is listening; as
/// the unary lesson's `start`, step by step.
pub async fn start(service: Strained, args: &Args) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    // `configure` has set `concurrency_limit_per_connection` from
    // `--max-calls-per-connection`; `load_shed` decides what happens to a
    // call that finds every slot taken: wait (false) or RESOURCE_EXHAUSTED
    // at once (true).
    let builder = server::configure(Server::builder(), &args.common, &lifecycle)?;
    let mut builder = builder.load_shed(args.load_shed);
    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            &args.common,
        ));
    let over_the_limit = if args.load_shed {
        "refused at once (RESOURCE_EXHAUSTED)"
    } else {
        "waits for a free one"
    };
    info!(
        "calls running at once per connection: at most {}; a call over the limit {over_the_limit}; say_hello takes {} ms and fails {}% of its attempts (seed {})",
        args.common.max_calls_per_connection, args.common.delay_ms, args.fail_percent, args.seed
    );
    let listener = server::bind(TOPIC, &args.common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router
            .serve_with_incoming_shutdown(listener.incoming(&args.common), lifecycle.stop_signal()),
    );
    lifecycle
        .started(serving, listening, TOPIC, &args.common)
        .await
}
