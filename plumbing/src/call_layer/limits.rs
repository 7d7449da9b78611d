//! What ends a call from outside (its deadline, the shutdown cutoff), the
//! request size limit, and the watch that logs a caller who left.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use http::Uri;
use tokio::time::Sleep;
use tokio_util::sync::WaitForCancellationFutureOwned;
use tonic::Status;

use super::SHUTTING_DOWN;
use crate::observed_body::{Observer, Prefix};

/// The largest request message the layer lets through, in bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct MessageLimit(pub(super) usize);

impl Observer for MessageLimit {
    /// Refuses a message over the limit, by the length in its prefix: the
    /// same test tonic's decoder makes, made first, with gRPC's code.
    fn admit(&mut self, prefix: Prefix) -> Result<(), Status> {
        let limit = self.0;
        let len = usize::try_from(prefix.len).unwrap_or(usize::MAX);
        if len <= limit {
            return Ok(());
        }
        Err(Status::resource_exhausted(format!(
            "the request's message is {len} bytes, over this server's limit of {limit} (--max-message-bytes)"
        )))
    }
}

/// What can end a call from outside: its deadline, and the shutdown cutoff.
pub(super) struct Limits {
    /// The method, for the log.
    pub(super) method: Uri,
    /// When the caller stops waiting, if it said (`grpc-timeout`).
    pub(super) deadline: Option<Pin<Box<Sleep>>>,
    /// Completes when the shutdown grace period is over (for a health
    /// watch, when the shutdown begins: `at_stop`).
    pub(super) cutoff: Pin<Box<WaitForCancellationFutureOwned>>,
    /// Whether `cutoff` is the shutdown's beginning: a health watch's
    /// normal end, said without a warning.
    pub(super) at_stop: bool,
}

impl Limits {
    /// Ready with the status to end the call with, once a limit is reached.
    pub(super) fn poll_reached(&mut self, cx: &mut Context<'_>) -> Poll<Status> {
        if self.cutoff.as_mut().poll(cx).is_ready() {
            if self.at_stop {
                tracing::info!(
                    "{}: the server is stopping; the health watch, told NOT_SERVING, ended",
                    self.method.path()
                );
            } else {
                tracing::warn!(
                    "{}: the shutdown's grace period is over; ended the call, answering UNAVAILABLE",
                    self.method.path()
                );
            }
            return Poll::Ready(Status::unavailable(SHUTTING_DOWN));
        }
        if let Some(deadline) = &mut self.deadline {
            ready!(deadline.as_mut().poll(cx));
            tracing::warn!(
                "{}: the caller's deadline passed; stopped the call, answering DEADLINE_EXCEEDED",
                self.method.path()
            );
            return Poll::Ready(Status::deadline_exceeded(
                "the deadline passed before the call finished",
            ));
        }
        Poll::Pending
    }
}

/// Logs, when a call (or its reply) is dropped unfinished, that its caller
/// gave up on it: the ends we cause ourselves (a deadline, the shutdown)
/// mark it finished and say so themselves.
pub(super) struct Watch {
    /// The method, for the log.
    pub(super) method: Uri,
    /// When the caller left, and what became of the call, for the log.
    when: &'static str,
    /// Set once the call (or reply) is complete: then a drop is the normal end.
    pub(super) finished: bool,
}

impl Watch {
    /// Watches a call of `method`; `when` completes the log line.
    pub(super) fn new(method: Uri, when: &'static str) -> Self {
        Self {
            method,
            when,
            finished: false,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.finished {
            tracing::warn!("{}: the caller went away {}", self.method.path(), self.when);
        }
    }
}
