//! Exercise 13: retries with backoff, within one deadline.
//!
//! Goal: a client that retries a call failing with UNAVAILABLE, waiting
//! longer each time (50 ms, 100 ms, 200 ms...), at most MAX_ATTEMPTS
//! attempts, and never past the call's one deadline: each attempt carries
//! what is left of it, and when the next wait would end after it, the
//! client stops at once with DEADLINE_EXCEEDED.
//!
//! UNAVAILABLE says the server did not process the call (it was restarting,
//! or overloaded a moment): trying again may work. Any other code would fail
//! again (INVALID_ARGUMENT) or could do harm twice. Retrying at once
//! hammers a server that is already struggling; retrying without a common
//! deadline turns a call that should take 1 s into one that takes 5.
//! gRPC's retry policy (gRFC A6) and a client that follows it:
//! `topics/retries`. Real clients also add *jitter* (a random part of each
//! wait) so that clients that failed together do not retry together; this
//! exercise leaves it out so that the check can time the waits.
//!
//! Check: cargo run -p workshop -- check 13

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use tokio::time::Instant;
use tonic::{Code, Request, Response, Status, transport::Channel};

use crate::pb::{HelloReply, HelloRequest, flaky_client::FlakyClient, flaky_server::Flaky};

/// Attempts in all, the first one included.
pub const MAX_ATTEMPTS: u32 = 4;
/// The wait before the first retry; each next wait is twice the last...
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
/// ...but never longer than this.
pub const MAX_BACKOFF: Duration = Duration::from_millis(400);

/// Given: the server of exercise 13 (`serve 13`), which fails the first
/// `fail` calls of every `fail + 1` with UNAVAILABLE.
#[derive(Debug)]
pub struct FlakyService {
    /// How many calls of each round fail.
    fail: u32,
    /// The calls so far.
    calls: AtomicU32,
}

impl FlakyService {
    /// A server that fails `fail` calls, then answers one, and again.
    pub fn failing(fail: u32) -> Self {
        FlakyService {
            fail,
            calls: AtomicU32::new(0),
        }
    }
}

#[tonic::async_trait]
impl Flaky for FlakyService {
    async fn fetch(&self, _request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call % (self.fail + 1) < self.fail {
            return Err(Status::unavailable("busy, try again"));
        }
        Ok(Response::new(HelloReply {
            message: "the data".to_owned(),
        }))
    }
}

/// What a successful fetch brought, and after how many attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The server's reply.
    pub message: String,
    /// The attempts made, the successful one included.
    pub attempts: u32,
}

/// Calls `fetch`, retrying UNAVAILABLE with exponential backoff, all within
/// `deadline` from now.
pub async fn fetch_with_retries(
    client: &mut FlakyClient<Channel>,
    deadline: Duration,
) -> Result<Fetched, Status> {
    // TODO(13): one deadline for the whole call: `Instant::now() + deadline`.
    // Then, in a loop, attempt 1, 2, ...:
    // - a Request whose timeout (`set_timeout`) is what is left of it;
    // - Ok: return Fetched { message, attempts };
    // - DEADLINE_EXCEEDED (or CANCELLED "Timeout expired", as in exercise
    //   7): return Err(Status::deadline_exceeded(..));
    // - another code than UNAVAILABLE, or MAX_ATTEMPTS made: return it;
    // - UNAVAILABLE: if the wait would end at or after the deadline, return
    //   DEADLINE_EXCEEDED now; else sleep the wait (INITIAL_BACKOFF first),
    //   then double it, up to MAX_BACKOFF.
    todo!("retry with backoff within the deadline")
}
