//! One attempt of a call, and what the client says of each: shared by the
//! retry loop ([`crate::client`]) and hedging ([`crate::hedging`]).

use std::{
    fmt,
    time::{Duration, Instant},
};

use hello_proto::pb::HelloRequest;
use plumbing::{
    client::{self, Stub},
    code_name,
};
use tonic::{Request, Status, metadata::MetadataValue};

use crate::{
    policy::{Next, Stop, Wait},
    server::PREVIOUS_ATTEMPTS,
};

/// What became of an attempt, as the client prints it.
#[derive(Debug, Clone)]
pub enum Event {
    /// A hedged copy was sent, this long after the call began.
    Sent {
        /// Its number, from 1.
        attempt: u32,
        /// When, since the call began.
        at: Duration,
    },
    /// The attempt succeeded: its reply is the call's.
    Succeeded {
        /// Its number, from 1.
        attempt: u32,
        /// The reply's text.
        reply: String,
    },
    /// The attempt failed; `next` says what the policy makes of it.
    Failed {
        /// Its number, from 1.
        attempt: u32,
        /// How it failed.
        status: Status,
        /// Another attempt, and when, or why not.
        next: Next,
    },
    /// A hedged copy was cancelled: another one won, or the call ended.
    Cancelled {
        /// Its number, from 1.
        attempt: u32,
    },
}

impl fmt::Display for Event {
    /// `attempt 1: UNAVAILABLE: ...; next in 73 ms (random, below 100 ms)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Sent { attempt, at } => {
                write!(f, "attempt {attempt}: sent at {} ms", at.as_millis())
            }
            Event::Succeeded { attempt, reply } => write!(f, "attempt {attempt}: OK: {reply}"),
            Event::Cancelled { attempt } => write!(f, "attempt {attempt}: cancelled"),
            Event::Failed {
                attempt,
                status,
                next,
            } => {
                let code = code_name(status.code());
                write!(f, "attempt {attempt}: {code}: {}; ", status.message())?;
                match next {
                    Next::RetryAfter(wait, Wait::Backoff { limit }) => write!(
                        f,
                        "next in {} ms (random, below {} ms)",
                        wait.as_millis(),
                        limit.as_millis()
                    ),
                    Next::RetryAfter(wait, Wait::Pushback) => write!(
                        f,
                        "next in {} ms, as the server asked (pushback)",
                        wait.as_millis()
                    ),
                    Next::RetryAfter(_, Wait::AtOnce) => {
                        write!(f, "next copy now ({code} is not fatal)")
                    }
                    Next::Stop(Stop::NotRetryable(code)) => write!(
                        f,
                        "not retried: {} is not a retryable code (--retry-on)",
                        code_name(*code)
                    ),
                    Next::Stop(Stop::NoAttemptsLeft(max)) => {
                        write!(f, "no attempts left (--max-attempts {max})")
                    }
                    Next::Stop(Stop::ServerSaysStop) => {
                        write!(f, "not retried: the server's pushback says not to")
                    }
                    Next::Stop(Stop::Throttled) => write!(
                        f,
                        "not retried: throttled, too many failures lately (--max-tokens)"
                    ),
                    Next::Stop(Stop::DeadlineFirst(wait)) => write!(
                        f,
                        "not retried: the deadline passes before the next attempt (in {} ms)",
                        wait.as_millis()
                    ),
                }
            }
        }
    }
}

/// The call's one deadline, computed once when the call begins: every
/// attempt, and every wait between them, comes out of it (A6: "gRPC's
/// call deadline applies across all attempts").
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// When the call must be over, if it has a deadline (`--timeout-ms`).
    at: Option<Instant>,
    /// The whole timeout, for messages.
    timeout: Option<Duration>,
}

impl Deadline {
    /// The deadline of a call that begins now and may take `timeout`.
    pub fn after(timeout: Option<Duration>) -> Self {
        Self {
            at: timeout.map(|t| Instant::now() + t),
            timeout,
        }
    }

    /// What is left of it (zero once passed), or `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Completes when the deadline passes; never, without one.
    pub async fn passed(&self) {
        match self.at {
            Some(at) => tokio::time::sleep_until(at.into()).await,
            None => std::future::pending().await,
        }
    }

    /// The status of a hedged call whose deadline passed with copies still
    /// in flight: DEADLINE_EXCEEDED, with how the last failed copy ended.
    pub fn exceeded(&self, last: Option<&Status>) -> Status {
        let ms = self.timeout.unwrap_or_default().as_millis();
        let last = last
            .map(|status| {
                format!(
                    "; the last copy to fail ended with {}: {}",
                    code_name(status.code()),
                    status.message()
                )
            })
            .unwrap_or_default();
        Status::deadline_exceeded(format!(
            "the deadline ({ms} ms for all copies) passed before a copy succeeded{last}"
        ))
    }
}

/// One attempt (numbered from 1) of `say_hello`, bounded by `remaining`.
///
/// This is the whole answer to tonic #733: nothing is replayed. The
/// message is cloned into a new `tonic::Request`, with `grpc-timeout` set
/// to what is left of the call's deadline, so the server knows it too; we
/// add the attempt's number.
// `HelloRequest` happens to be `Copy` (one int32); a message with a string
// or a list is only `Clone`, and `.clone()` is what works for every one.
#[allow(clippy::clone_on_copy)]
pub async fn one_attempt(
    stub: &mut Stub,
    message: &HelloRequest,
    attempt: u32,
    remaining: Option<Duration>,
) -> Result<String, Status> {
    if remaining.is_some_and(|left| left.is_zero()) {
        return Err(Status::deadline_exceeded(
            "the deadline passed before this attempt",
        ));
    }
    let mut request = Request::new(message.clone());
    if let Some(remaining) = remaining {
        request.set_timeout(remaining);
    }
    // A6: absent on the first attempt, then how many came before.
    if attempt > 1 {
        let previous = MetadataValue::from(attempt - 1);
        request.metadata_mut().insert(PREVIOUS_ATTEMPTS, previous);
    }
    let response = (stub.say_hello(request).await).map_err(client::deadline_named)?;
    Ok(response.into_inner().retval)
}
