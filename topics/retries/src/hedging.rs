//! Hedging (A6's `hedgingPolicy`): instead of waiting for a failure, send
//! another copy of the call when the first is slow to answer, and take
//! whichever answers first.
//!
//! The rules, as A6 gives them:
//!
//! - copy 1 leaves at once; every `hedge_after` without a success, one
//!   more leaves, up to `max_attempts`, each with its
//!   `grpc-previous-rpc-attempts`;
//! - the first success wins, and the copies still running are cancelled;
//! - a non-fatal failure (a `--retry-on` code) sends the next copy at once,
//!   or after the server's pushback; a pushback of "do not retry" sends no
//!   more;
//! - a fatal failure ends the call, and cancels the rest;
//! - one deadline for all.
//!
//! Cancelling is dropping: a tonic call in flight is a future, and
//! dropping it resets its HTTP/2 stream (`RST_STREAM` with `CANCEL`), which
//! makes the server drop its handler. No flag, no token: the copies live
//! in a `FuturesUnordered`, and returning drops it.
//!
//! Only hedge a call that is safe to run twice: the server may well run
//! every copy.

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use futures::stream::{FuturesUnordered, StreamExt as _};
use hello_proto::pb::HelloRequest;
use plumbing::client::Stub;
use tonic::Status;

use crate::{
    attempt::{Deadline, Event, one_attempt},
    policy::{Next, RetryPolicy, Stop},
};

/// Calls `say_hello` with `message`, hedged: another copy every
/// `hedge_after` without a success, up to `policy.max_attempts`, all within
/// one deadline `timeout`. Returns the first success; else the failure
/// that ended the call. Each copy's [`Event`]s go to `on_event`.
pub async fn call_hedged(
    stub: &Stub,
    message: &HelloRequest,
    policy: &RetryPolicy,
    hedge_after: Duration,
    timeout: Option<Duration>,
    mut on_event: impl FnMut(Event),
) -> Result<String, Status> {
    let started = Instant::now();
    let deadline = Deadline::after(timeout);
    // The copies in flight, each yielding its number and its outcome, and
    // their numbers, to say which were cancelled.
    let mut copies = FuturesUnordered::new();
    let mut running = BTreeSet::new();
    let mut sent = 0;
    // When the next copy leaves: now, for the first; none once no more
    // may be sent.
    let mut next_copy = Some(Instant::now());
    let mut last_failure = None;

    let outcome = loop {
        if copies.is_empty() && next_copy.is_none() {
            // Every copy failed and none is left to send.
            break Err(last_failure.unwrap_or_else(|| deadline.exceeded(None)));
        }
        tokio::select! {
            () = deadline.passed() => break Err(deadline.exceeded(last_failure.as_ref())),

            () = wake_at(next_copy) => {
                sent += 1;
                let mut stub = stub.clone();
                let remaining = deadline.remaining();
                let attempt = sent;
                copies.push(async move {
                    (attempt, one_attempt(&mut stub, message, attempt, remaining).await)
                });
                running.insert(attempt);
                on_event(Event::Sent { attempt, at: started.elapsed() });
                next_copy = (sent < policy.max_attempts).then(|| Instant::now() + hedge_after);
            }

            Some((attempt, result)) = copies.next() => {
                running.remove(&attempt);
                let status = match result {
                    Ok(reply) => {
                        on_event(Event::Succeeded { attempt, reply: reply.clone() });
                        break Ok(reply);
                    }
                    Err(status) => status,
                };
                let next = policy.after_hedge_failure(&status, sent);
                on_event(Event::Failed { attempt, status: status.clone(), next });
                match next {
                    Next::RetryAfter(wait, _) => next_copy = Some(Instant::now() + wait),
                    // A fatal code: the call ends with it.
                    Next::Stop(Stop::NotRetryable(_)) => break Err(status),
                    // No copies left to send, or the server said to send
                    // no more: those in flight may still succeed.
                    Next::Stop(_) => next_copy = None,
                }
                last_failure = Some(status);
            }
        }
    };

    // The call is decided: the copies still in flight are cancelled by
    // dropping them (each resets its stream), and said so.
    drop(copies);
    for attempt in running {
        on_event(Event::Cancelled { attempt });
    }
    outcome
}

/// Completes at `at`; never, if `None`.
async fn wake_at(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
