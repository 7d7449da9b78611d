//! The client: one `say_hello`, fail-fast (gRPC's default) or
//! `--wait-for-ready`.
//!
//! A gRPC channel keeps a connection state. It starts IDLE; a call moves
//! it to CONNECTING; then READY (the call goes out) or TRANSIENT_FAILURE
//! (the connection failed; the channel will try again after a backoff:
//! 1 s, then 1.6 times longer each time, with some jitter, as gRPC's
//! connection-backoff spec says). In TRANSIENT_FAILURE a fail-fast call
//! fails at once with UNAVAILABLE; a wait-for-ready call stays queued until
//! the channel is READY, or its deadline passes.
//!
//! tonic's channel connects on the first call (`connect_lazy`) and
//! reconnects by itself, but it has neither the option nor the states: a
//! call made while the server is down just fails. So [`call_when_ready`]
//! does the waiting: when a call failed *before it was sent* (the
//! connection could not be made, so no server saw it and trying again is
//! safe), it waits the backoff and tries again, within the one deadline.

use std::{
    collections::hash_map::RandomState,
    error::Error,
    fmt,
    hash::{BuildHasher, Hasher},
    sync::Arc,
    time::{Duration, Instant},
};

use clap::Parser;
use hello_proto::pb::do_stuff_client::DoStuffClient;
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub, failed_to_connect},
};
use tonic::Status;

use crate::TOPIC;

/// gRPC's connection backoff: the first wait, the growth, the longest wait.
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
const MULTIPLIER: f64 = 1.6;
const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// Each wait is made up to 20% shorter or longer, so that many clients
/// that lost the same server do not all come back at the same instant.
const JITTER: f64 = 0.2;

/// Flags of the wait-for-ready client.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "Calls say_hello, failing fast or waiting for the server")]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Wait for the server to come up (until --timeout-ms, if given) instead of failing at once
    #[arg(long)]
    pub wait_for_ready: bool,

    /// The first wait before connecting again (gRPC's default: 1000 ms)
    #[arg(long, value_name = "MS", default_value_t = INITIAL_BACKOFF.as_millis() as u64)]
    pub initial_backoff_ms: u64,
}

/// What [`call_when_ready`] goes through, in gRPC's names for the states.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// Connecting (and sending the call, if the connection comes up).
    Connecting,
    /// The connection failed (`why`); the next try comes after `wait`.
    TransientFailure {
        /// What the connection attempt said.
        why: String,
        /// The backoff before the next try.
        wait: Duration,
    },
    /// Connected: the call went out.
    Ready,
}

/// Calls `say_hello`, and prints the reply.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    // The channel and the stub, as in the unary lesson. The channel is lazy:
    // IDLE until the first call.
    let channel = unary::client::channel(TOPIC, &args.common).await?;
    let mut stub = DoStuffClient::with_interceptor(channel, client::attach_token(&args.common)?);
    let (pid, timeout) = (args.common.pid(), args.common.timeout());

    let reply = if args.wait_for_ready {
        if timeout.is_none() {
            println!(
                "waiting for the server with no deadline: Ctrl-C to give up, or pass --timeout-ms"
            );
        }
        let backoff = Duration::from_millis(args.initial_backoff_ms);
        call_when_ready(&mut stub, pid, timeout, backoff, |state| match state {
            State::Connecting => {
                println!("CONNECTING ({})", args.common.target(TOPIC))
            }
            State::TransientFailure { why, wait } => println!(
                "TRANSIENT_FAILURE ({why}); the call waits, next try in {} ms",
                wait.as_millis()
            ),
            State::Ready => println!("READY: the call went out"),
        })
        .await?
    } else {
        // Fail fast: one try. With the server down, UNAVAILABLE at once.
        unary::client::say_hello(&mut stub, pid, timeout).await?
    };
    println!("GRPC client received: {reply}");
    Ok(())
}

/// Calls `say_hello` once the server can be reached, within `timeout` in
/// all; `on_state` hears each state the call goes through. A failure after
/// the call was sent (the server answered with an error) is returned as
/// it is: only a call no server has seen is tried again.
pub async fn call_when_ready(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
    initial_backoff: Duration,
    mut on_state: impl FnMut(State),
) -> Result<String, Status> {
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    let mut backoff = initial_backoff;
    loop {
        on_state(State::Connecting);
        // Each try gets what is left of the one deadline.
        let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
        let status = match unary::client::say_hello(stub, pid, left).await {
            Ok(reply) => {
                on_state(State::Ready);
                return Ok(reply);
            }
            Err(status) if failed_to_connect(&status) => status,
            Err(status) => return Err(status),
        };

        // TRANSIENT_FAILURE: wait the backoff (or until the deadline, if
        // sooner), then connect again.
        let wait = jittered(backoff);
        let why = root_cause(&status);
        on_state(State::TransientFailure { why, wait });
        let wake = Instant::now() + wait;
        match deadline {
            Some(deadline) if deadline <= wake => {
                tokio::time::sleep_until(deadline.into()).await;
                let mut expired = Status::deadline_exceeded(format!(
                    "the server was not ready within {} ms",
                    timeout.unwrap_or_default().as_millis()
                ));
                // The last connection failure goes along as the cause, so
                // the advice is about the server that never came.
                expired.set_source(Arc::new(LastTry(status)));
                return Err(expired);
            }
            _ => tokio::time::sleep_until(wake.into()).await,
        }
        backoff = backoff.mul_f64(MULTIPLIER).min(MAX_BACKOFF);
    }
}

/// The last failed connection of a call that waited in vain: the cause of
/// its DEADLINE_EXCEEDED, which reads as the failure's own causes do.
#[derive(Debug)]
struct LastTry(Status);

impl fmt::Display for LastTry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.message())
    }
}

impl Error for LastTry {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

/// The innermost cause of a failed connection, e.g. "Connection refused
/// (os error 111)": what the operating system said.
fn root_cause(status: &Status) -> String {
    let mut cause: &dyn Error = status;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// `backoff`, up to [`JITTER`] shorter or longer, at random.
fn jittered(backoff: Duration) -> Duration {
    // The standard library's hasher is seeded at random for each
    // `RandomState`: a small source of randomness without a crate.
    let random = RandomState::new().build_hasher().finish();
    let unit = (random >> 11) as f64 / (1_u64 << 53) as f64; // in [0, 1)
    backoff.mul_f64(1.0 - JITTER + 2.0 * JITTER * unit)
}
