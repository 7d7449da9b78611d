//! The client: one `say_hello` call, retried as a service config's
//! `retryPolicy` would retry it (or hedged, with `--hedge-after-ms`).
//!
//! grpcio retries for you once the channel has a service config; tonic has
//! no retry of its own, and tower's `Retry` middleware cannot retry a gRPC
//! call (tonic issue #733: it must clone the HTTP request, whose body is a
//! stream). So the retry loop is ours, one level up, where it is easy:
//!
//! 1. the deadline is computed once, for the whole call ([`Deadline`]);
//! 2. each attempt builds a *fresh* `tonic::Request` from a clone of the
//!    message (a prost message is `Clone`), with `grpc-previous-rpc-attempts`
//!    and, as its timeout, what is *left* of the deadline ([`one_attempt`]);
//! 3. after a failure, the policy says whether and when to try again
//!    (`crate::policy`); we wait, and go round ([`call_with_retries`]).
//!
//! Each attempt is printed as an [`Event`].

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{HelloRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::{Code, Status};

use crate::{
    TOPIC,
    attempt::{Deadline, Event, one_attempt},
    hedging,
    policy::{Backoff, Jitter, MAX_ATTEMPTS_CAP, Next, RetryPolicy, Stop, parse_code},
    throttle::{MAX_TOKENS_CAP, Throttle},
};

/// Flags of the retries client: the service config's `retryPolicy`, as flags.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Calls say_hello with retries (exponential backoff, jitter, pushback) or hedging, as gRFC A6 specifies them"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms (one deadline for all attempts), --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Attempts in all, the first included: maxAttempts (A6 caps it at 5; 1 means no retry)
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ATTEMPTS_CAP)))]
    pub max_attempts: u32,

    /// The first retry waits a random time below this: initialBackoff
    #[arg(long, value_name = "MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub initial_backoff_ms: u64,

    /// No wait grows beyond this: maxBackoff
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_backoff_ms: u64,

    /// The limit of the wait grows this many times after each retry: backoffMultiplier
    #[arg(long, value_name = "X", default_value_t = 2.0, value_parser = parse_multiplier)]
    pub backoff_multiplier: f64,

    /// A status code worth retrying (repeat the flag for more): retryableStatusCodes
    #[arg(long = "retry-on", value_name = "CODE", default_value = "UNAVAILABLE", value_parser = parse_code)]
    pub retry_on: Vec<Code>,

    /// Throttle the retries with a token bucket of N tokens (retryThrottling's maxTokens, 1 to 1000); needs --token-ratio [default: no throttling]
    #[arg(long, value_name = "N", requires = "token_ratio", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_TOKENS_CAP)))]
    pub max_tokens: Option<u32>,

    /// What each success gives back to the bucket: retryThrottling's tokenRatio (above 0, 3 decimals); needs --max-tokens
    #[arg(long, value_name = "X", requires = "max_tokens", value_parser = parse_ratio)]
    pub token_ratio: Option<f64>,

    /// Hedge instead of retrying: send another copy after MS without a reply, up to --max-attempts; the first success wins and the others are cancelled
    #[arg(long, value_name = "MS")]
    pub hedge_after_ms: Option<u64>,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ClientArgs::default(),
            max_attempts: MAX_ATTEMPTS_CAP,
            initial_backoff_ms: 100,
            max_backoff_ms: 1000,
            backoff_multiplier: 2.0,
            retry_on: vec![Code::Unavailable],
            max_tokens: None,
            token_ratio: None,
            hedge_after_ms: None,
        }
    }
}

impl Args {
    /// The retry policy the flags describe.
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts,
            initial_backoff: Duration::from_millis(self.initial_backoff_ms),
            max_backoff: Duration::from_millis(self.max_backoff_ms),
            multiplier: self.backoff_multiplier,
            retryable: self.retry_on.clone(),
        }
    }

    /// The throttle `--max-tokens` and `--token-ratio` describe, if given.
    pub fn throttle(&self) -> Result<Option<Throttle>, ClientError> {
        let (Some(max_tokens), Some(ratio)) = (self.max_tokens, self.token_ratio) else {
            return Ok(None);
        };
        match Throttle::new(max_tokens, ratio) {
            Some(throttle) => Ok(Some(throttle)),
            None => Err(ClientError::Flag(format!(
                "--max-tokens {max_tokens} --token-ratio {ratio}: A6 wants 1 to {MAX_TOKENS_CAP} tokens and a ratio of at least 0.001"
            ))),
        }
    }
}

/// `--token-ratio`: a number of at least 0.001, as A6 requires.
fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.001 => Ok(x),
        _ => Err(format!(
            "expected a number of at least 0.001, e.g. 0.1, got {text:?}"
        )),
    }
}

/// `--backoff-multiplier`: a number above zero, as A6 requires.
fn parse_multiplier(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "expected a number above 0, e.g. 2 or 1.5, got {text:?}"
        )),
    }
}

/// The channel and the stub, as in the unary lesson.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(TOPIC, args).await?;
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Runs the client as the `client` binary does: one call, retried or
/// hedged as the flags say, each attempt printed.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    let message = HelloRequest {
        pid: args.common.pid(),
    };
    let policy = args.policy();
    let timeout = args.common.timeout();
    let print = |event: Event| println!("{event}");
    let reply = match args.hedge_after_ms {
        Some(ms) => {
            let delay = Duration::from_millis(ms);
            hedging::call_hedged(&stub, &message, &policy, delay, timeout, print).await?
        }
        None => {
            let mut jitter = Jitter::from_clock();
            let mut throttle = args.throttle()?;
            let throttle = throttle.as_mut();
            call_with_retries(
                &mut stub,
                &message,
                &policy,
                timeout,
                &mut jitter,
                throttle,
                print,
            )
            .await?
        }
    };
    println!("GRPC client received: {reply}");
    Ok(())
}

/// Calls `say_hello` with `message` until an attempt succeeds or `policy`
/// says stop, all within one deadline `timeout`; hands each attempt's
/// [`Event`] to `on_event`. A failed call ends with its last attempt's
/// status, whether the policy, the throttle or the deadline stopped it.
///
/// With a `throttle` (A6's `retryThrottling`), every attempt's outcome is
/// recorded in it, and a retry is sent only while it allows one. It is the
/// client's, not the call's: pass the same one to every call, as a grpcio
/// channel shares its own between all its calls.
pub async fn call_with_retries(
    stub: &mut Stub,
    message: &HelloRequest,
    policy: &RetryPolicy,
    timeout: Option<Duration>,
    jitter: &mut Jitter,
    mut throttle: Option<&mut Throttle>,
    mut on_event: impl FnMut(Event),
) -> Result<String, Status> {
    let deadline = Deadline::after(timeout);
    let mut backoff = Backoff::new(policy);
    let mut attempt = 1;
    loop {
        let outcome = one_attempt(stub, message, attempt, deadline.remaining()).await;
        if let Some(throttle) = throttle.as_deref_mut() {
            let code = outcome.as_ref().err().map_or(Code::Ok, Status::code);
            throttle.record(code, &policy.retryable);
        }
        let status = match outcome {
            Ok(reply) => {
                on_event(Event::Succeeded {
                    attempt,
                    reply: reply.clone(),
                });
                return Ok(reply);
            }
            Err(status) => status,
        };
        let mut next = policy.after_failure(&status, attempt, &mut backoff, jitter.fraction());
        // The policy would retry; the throttle may still say no: too many
        // attempts of this client failed lately (A6: only while the tokens
        // are above maxTokens / 2).
        if matches!(next, Next::RetryAfter(..))
            && throttle
                .as_deref()
                .is_some_and(|throttle| !throttle.allows_retry())
        {
            next = Next::Stop(Stop::Throttled);
        }
        // No attempt may start after the deadline. gRPC's libraries would
        // sleep until it passes and report DEADLINE_EXCEEDED; we stop at
        // once, and the call ends as when the attempts run out.
        if let (Next::RetryAfter(wait, _), Some(left)) = (next, deadline.remaining())
            && wait >= left
        {
            next = Next::Stop(Stop::DeadlineFirst(wait));
        }
        on_event(Event::Failed {
            attempt,
            status: status.clone(),
            next,
        });
        match next {
            Next::RetryAfter(wait, _) => tokio::time::sleep(wait).await,
            // The call's status is the last attempt's, its causes included,
            // so the one-line report can still say what went wrong.
            Next::Stop(_) => return Err(status),
        }
        attempt += 1;
    }
}
