//! Deadlines, as gRPC names them: DEADLINE_EXCEEDED.
//!
//! A lesson sets its deadline itself (`request.set_timeout(..)`, which
//! sends it as the `grpc-timeout` header) and, for a stream, bounds the
//! whole call with `tokio::time::timeout`: tonic's own timer stops once
//! the reply's headers arrive, and a stream can go on long after. These
//! functions give what either timer reports its proper name.

use std::{future::Future, time::Duration};

use tonic::{Code, Status, TimeoutExpired};

use super::advice::cause;

/// Corrects a tonic quirk: when tonic's client timer (the one
/// `set_timeout` starts) expires, tonic reports CANCELLED "Timeout
/// expired", where gRPC says DEADLINE_EXCEEDED, as every other language's
/// client does. We recognise tonic's timer by the error's type,
/// [`TimeoutExpired`], which tonic keeps as the status's source, and give
/// the status gRPC's name. Any other status passes unchanged, CANCELLED
/// included. (A test in `tests/advice.rs` fails if tonic changes this.)
pub fn deadline_named(status: Status) -> Status {
    if status.code() == Code::Cancelled && cause::<TimeoutExpired>(&status).is_some() {
        Status::deadline_exceeded("the deadline passed before the server answered")
    } else {
        status
    }
}

/// What a call that was still running when `timeout` passed ends with:
/// for the `Err` of `tokio::time::timeout(timeout, call)`.
pub fn deadline_passed(timeout: Duration) -> Status {
    Status::deadline_exceeded(format!(
        "the call did not finish within {} ms",
        timeout.as_millis()
    ))
}

/// Runs `call` (a whole call, a stream until its last message) within
/// `timeout`, if any, and reports either timer's expiry as
/// DEADLINE_EXCEEDED: what the streaming lessons write out in full, for
/// the topics and the page.
pub async fn within_deadline<T>(
    timeout: Option<Duration>,
    call: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    let Some(timeout) = timeout else {
        return call.await;
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(outcome) => outcome.map_err(deadline_named),
        Err(_elapsed) => Err(deadline_passed(timeout)),
    }
}
