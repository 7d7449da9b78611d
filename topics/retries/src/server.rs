//! The server: a `say_hello` that fails on purpose, so that retries and
//! hedging can be watched.
//!
//! Each call's attempt number comes from the `grpc-previous-rpc-attempts`
//! header, which A6 has clients send on every attempt but the first: 1 on
//! the second attempt, 2 on the third. `--fail-attempts N` fails the
//! attempts whose header is below N, so attempt N+1 succeeds;
//! `--slow-every K` with `--delay-ms` makes some calls slow, so a hedged
//! copy can overtake them. Every attempt is logged with its number and its
//! outcome, and so is an attempt the client cancels.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    code_name,
    grpc_timeout::parse_grpc_timeout,
    server::{self, Lifecycle, RunningServer, StartError, simulate_work},
};
use tonic::{
    Code, Request, Response, Status,
    metadata::{MetadataMap, MetadataValue},
    transport::Server,
};
use tonic_types::{ErrorDetails, StatusExt as _};
use tracing::{info, warn};

use crate::{
    TOPIC,
    policy::{PUSHBACK_KEY, parse_code},
};

/// The header that numbers a call's attempts (A6): absent on the first,
/// then the number of attempts made before this one.
pub const PREVIOUS_ATTEMPTS: &str = "grpc-previous-rpc-attempts";

/// Flags of the retries server.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "A hello.DoStuff server whose say_hello fails and stalls on purpose, to watch retries and hedging"
)]
pub struct Args {
    /// The flags every server has (--addr, --delay-ms for the slow calls, --tls, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// Fail each call while its grpc-previous-rpc-attempts is below N, so attempt N+1 succeeds
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fail_attempts: u32,

    /// The status code of those failures (try INVALID_ARGUMENT: a client never retries it)
    #[arg(long, value_name = "CODE", default_value = "UNAVAILABLE", value_parser = parse_code)]
    pub fail_code: Code,

    /// Only calls 1, K+1, 2K+1... wait --delay-ms; the others answer at once [default: every call waits]
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub slow_every: Option<u32>,

    /// Ask the client to wait MS before its next attempt, with each failure (the grpc-retry-pushback-ms trailer and a google.rpc.RetryInfo); negative: "do not retry"
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    pub pushback_ms: Option<i32>,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ServerArgs::default(),
            fail_attempts: 0,
            fail_code: Code::Unavailable,
            slow_every: None,
            pushback_ms: None,
        }
    }
}

/// How many attempts the server remembers ([`Flaky::arrivals`]): the last
/// ones. A test makes a handful of calls and reads them all; a server left
/// running for days keeps no more than this, where a list of every call
/// would grow by each one (about 33 bytes a call, forever).
pub const KEPT_ARRIVALS: usize = 100;

/// One attempt as the server saw it arrive (for tests, and the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// The pid in the request: tests tell their calls apart by it.
    pub pid: i32,
    /// Its `grpc-previous-rpc-attempts`, if it had one.
    pub previous_attempts: Option<u32>,
    /// Its `grpc-timeout`: how long the client still waits for this attempt.
    pub timeout: Option<Duration>,
}

/// Our `DoStuff` service: `say_hello` as the flags make it fail and stall.
#[derive(Debug, Clone)]
pub struct Flaky {
    /// `--fail-attempts`.
    pub fail_attempts: u32,
    /// `--fail-code`.
    pub fail_code: Code,
    /// `--delay-ms`: how long a slow call takes.
    pub delay: Duration,
    /// `--slow-every`: which calls are slow (all of them if `None`).
    pub slow_every: Option<u32>,
    /// `--pushback-ms`.
    pub pushback_ms: Option<i32>,
    /// The attempts that arrived, shared by all clones of the service
    /// (tonic clones it for each connection). A `std` mutex: it is held to
    /// record one, never across an `.await`.
    arrivals: Arc<Mutex<Arrivals>>,
}

/// What the server remembers of the attempts: how many, and the last few.
#[derive(Debug, Default)]
struct Arrivals {
    /// How many attempts arrived since the server started: it numbers the
    /// calls for `--slow-every`. A `u64` never wraps (at a million calls a
    /// second, it would take 584,000 years).
    count: u64,
    /// The last [`KEPT_ARRIVALS`] attempts, oldest first: a ring, the
    /// oldest dropped as each new one comes, so memory stays flat.
    last: VecDeque<Arrival>,
}

impl Flaky {
    /// The service the flags describe.
    pub fn new(args: &Args) -> Self {
        Self {
            fail_attempts: args.fail_attempts,
            fail_code: args.fail_code,
            delay: args.common.delay(),
            slow_every: args.slow_every,
            pushback_ms: args.pushback_ms,
            arrivals: Arc::default(),
        }
    }

    /// The last attempts that arrived (at most [`KEPT_ARRIVALS`]), in order.
    pub fn arrivals(&self) -> Vec<Arrival> {
        let arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        arrivals.last.iter().copied().collect()
    }

    /// Records an arrival; returns the call's number on this server, from 1.
    fn arrived(&self, arrival: Arrival) -> u64 {
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        if arrivals.last.len() == KEPT_ARRIVALS {
            arrivals.last.pop_front();
        }
        arrivals.last.push_back(arrival);
        arrivals.count += 1;
        arrivals.count
    }

    /// Whether call number `call` (from 1) waits `--delay-ms`: with
    /// `--slow-every K`, calls 1, K+1, 2K+1...; without it, all.
    fn is_slow(&self, call: u64) -> bool {
        self.slow_every
            .is_none_or(|k| (call - 1).is_multiple_of(u64::from(k)))
    }

    /// The failure of `attempt`: `--fail-code`, with the pushback, if any,
    /// in both of its forms.
    fn failure(&self, attempt: u64) -> Status {
        let message = format!(
            "attempt {attempt} fails on purpose: the server runs with --fail-attempts {}",
            self.fail_attempts
        );
        let Some(ms) = self.pushback_ms else {
            return Status::new(self.fail_code, message);
        };
        // A6's form: the trailer, a signed number of milliseconds.
        let mut trailers = MetadataMap::new();
        trailers.insert(PUSHBACK_KEY, MetadataValue::from(ms));
        // The richer error model's form: a RetryInfo in the details. It has
        // no way to say "do not retry", so a negative pushback sends none.
        let mut details = ErrorDetails::new();
        if let Ok(ms) = u64::try_from(ms) {
            details.set_retry_info(Some(Duration::from_millis(ms)));
        }
        Status::with_error_details_and_metadata(self.fail_code, message, details, trailers)
    }
}

#[tonic::async_trait]
impl DoStuff for Flaky {
    /// Fails attempts 1 to `--fail-attempts`; the next one says hello.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let arrival = Arrival {
            pid: request.get_ref().pid,
            previous_attempts: previous_attempts(request.metadata()),
            timeout: (request.metadata().get("grpc-timeout"))
                .and_then(|value| parse_grpc_timeout(value.as_bytes())),
        };
        let call = self.arrived(arrival);
        // The header is the client's to write, up to `u32::MAX`: counted in
        // a `u64`, its "+ 1" cannot overflow (in a `u32` it would: a panic
        // in a debug build, attempt 0 in a release one).
        let attempt = u64::from(arrival.previous_attempts.unwrap_or(0)) + 1;
        let label = describe(&arrival, attempt);

        // If the client cancels this attempt (a hedged copy that lost, a
        // client that gave up), tonic drops this future where it stands,
        // at an `.await`: the guard's `drop` is where a handler learns of it.
        let mut guard = CancelGuard {
            label: &label,
            answered: false,
        };
        if self.is_slow(call) {
            simulate_work(self.delay).await;
        }
        let outcome = if attempt <= u64::from(self.fail_attempts) {
            Err(self.failure(attempt))
        } else {
            Ok(Response::new(HelloReply {
                retval: format!("Hello, {}!", arrival.pid),
            }))
        };
        guard.answered = true;
        let code = outcome.as_ref().err().map_or(Code::Ok, Status::code);
        info!("{label}: {}", code_name(code));
        outcome
    }
}

/// The attempt number a call's metadata gives: its
/// `grpc-previous-rpc-attempts`, if it has a readable one.
fn previous_attempts(metadata: &MetadataMap) -> Option<u32> {
    let value = metadata.get(PREVIOUS_ATTEMPTS)?;
    value.to_str().ok()?.parse().ok()
}

/// `say_hello pid 42, attempt 2 (grpc-previous-rpc-attempts: 1, grpc-timeout: 812 ms)`.
fn describe(arrival: &Arrival, attempt: u64) -> String {
    let previous = arrival
        .previous_attempts
        .map_or("none".to_owned(), |n| n.to_string());
    let timeout = arrival
        .timeout
        .map(|t| format!(", grpc-timeout: {} ms", t.as_millis()))
        .unwrap_or_default();
    format!(
        "say_hello pid {}, attempt {attempt} ({PREVIOUS_ATTEMPTS}: {previous}{timeout})",
        arrival.pid
    )
}

/// Logs, if dropped before the handler answered, that the attempt was
/// cancelled: by the client (a hedged copy that lost, a client that left),
/// or by the server's own deadline layer when its `grpc-timeout` ran out.
struct CancelGuard<'a> {
    /// The attempt, as the log names it.
    label: &'a str,
    /// Set once the handler has its answer: then a drop is the normal end.
    answered: bool,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if !self.answered {
            warn!(
                "{}: CANCELLED before the reply: the client gave up on it, or its deadline passed",
                self.label
            );
        }
    }
}

/// Assembles and starts the server and returns once it is listening; as
/// the unary lesson's `start`, step by step.
pub async fn start(service: Flaky, args: &Args) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), &args.common, &lifecycle)?;
    let router = builder
        .add_routes(
            lifecycle.health_and_reflection_describing(&[tonic_types::pb::FILE_DESCRIPTOR_SET])?,
        )
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            &args.common,
        ));
    if args.fail_attempts > 0 {
        info!(
            "say_hello fails attempts 1 to {} with {}",
            args.fail_attempts,
            code_name(args.fail_code)
        );
    }
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
