//! Exercise 13: retries with exponential backoff, within one deadline.
//!
//! The check's servers follow a script (fail the first N calls, refuse,
//! always fail, hang) and note when each attempt arrived and the timeout it
//! carried. Likely mistakes, each named: retrying at once (no wait); the
//! same wait each time (not exponential); retrying a code that is not
//! UNAVAILABLE; no limit on attempts, or too few; attempts without a
//! timeout (a hanging server hangs the client); the full deadline on every
//! attempt instead of what is left; a wait that runs past the deadline;
//! another code than DEADLINE_EXCEEDED when time runs out.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tonic::{Code, Request, Response, Status, service::Routes};
use workshop::text::checks as t;

use super::{expect_eq, within};
use crate::{
    e13_retries::{INITIAL_BACKOFF, MAX_ATTEMPTS, fetch_with_retries},
    harness::{self, Report},
    pb::{
        HelloReply, HelloRequest,
        flaky_client::FlakyClient,
        flaky_server::{Flaky, FlakyServer},
    },
};

/// How late past its deadline a call may end: scheduling, not a wait.
const LATE: Duration = Duration::from_millis(60);

/// What the check's server does with each call.
#[derive(Debug, Clone, Copy)]
enum Plan {
    /// UNAVAILABLE for the first N calls, then a reply.
    FailFirst(u32),
    /// INVALID_ARGUMENT, every time.
    Refuse,
    /// UNAVAILABLE, every time.
    AlwaysUnavailable,
    /// No answer for far longer than any deadline here.
    Hang,
}

/// One attempt as the server saw it: when, and the timeout it carried.
type Seen = Arc<Mutex<Vec<(Instant, Option<Duration>)>>>;

/// The check's flaky server.
struct Scripted {
    plan: Plan,
    seen: Seen,
}

#[tonic::async_trait]
impl Flaky for Scripted {
    async fn fetch(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let timeout = (request.metadata().get("grpc-timeout"))
            .and_then(|value| plumbing::grpc_timeout::parse_grpc_timeout(value.as_bytes()));
        let call = {
            let mut seen = self.seen.lock().map_err(|_| Status::internal("lock"))?;
            seen.push((Instant::now(), timeout));
            u32::try_from(seen.len()).unwrap_or(u32::MAX)
        };
        match self.plan {
            Plan::FailFirst(n) if call <= n => Err(Status::unavailable("busy, try again")),
            Plan::FailFirst(_) => Ok(Response::new(HelloReply {
                message: "the data".to_owned(),
            })),
            Plan::Refuse => Err(Status::invalid_argument("no such thing")),
            Plan::AlwaysUnavailable => Err(Status::unavailable("busy, try again")),
            Plan::Hang => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Err(Status::unavailable("too late"))
            }
        }
    }
}

/// What one run of the student's client against a scripted server gave.
struct Run {
    result: Result<crate::e13_retries::Fetched, Status>,
    took: Duration,
    seen: Vec<(Instant, Option<Duration>)>,
}

/// Runs `fetch_with_retries(deadline)` against a server following `plan`.
async fn run(plan: Plan, deadline: Duration) -> Result<Run, String> {
    let seen = Seen::default();
    let service = Scripted {
        plan,
        seen: Arc::clone(&seen),
    };
    let server = harness::serve(Routes::new(FlakyServer::new(service))).await?;
    let mut client = FlakyClient::new(harness::channel(server.addr).await?);
    let started = Instant::now();
    let result = within(fetch_with_retries(&mut client, deadline), || {
        t::E13_HANGS.with(&[("ms", &deadline.as_millis())])
    })
    .await?;
    let took = started.elapsed();
    let seen = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
    Ok(Run { result, took, seen })
}

pub async fn check(report: Report) -> Result<(), String> {
    // Two failures, then the data: three attempts, waits of 50 and 100 ms.
    let deadline = Duration::from_secs(2);
    let Run { result, seen, .. } = run(Plan::FailFirst(2), deadline).await?;
    let fetched = result.map_err(|status| {
        t::E13_GAVE_UP.with(&[
            ("status", &harness::status_line(&status)),
            ("calls", &seen.len()),
        ])
    })?;
    expect_eq(&t::E13_ATTEMPTS_SEEN.to_string(), 3, seen.len())?;
    expect_eq(&t::E13_ATTEMPTS_SAID.to_string(), 3, fetched.attempts)?;
    let gaps: Vec<Duration> = seen.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let ms = |gaps: &[Duration]| {
        (gaps.iter().map(|gap| gap.as_millis().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A margin below each wait for the clocks of two threads.
    let margin = Duration::from_millis(10);
    if gaps[0] + margin < INITIAL_BACKOFF {
        return Err(t::E13_NO_BACKOFF.with(&[("gaps", &ms(&gaps))]));
    }
    if gaps[1] + margin < INITIAL_BACKOFF * 2 {
        return Err(t::E13_NOT_EXPONENTIAL.with(&[("gaps", &ms(&gaps))]));
    }
    let timeouts: Vec<Option<Duration>> = seen.iter().map(|(_, timeout)| *timeout).collect();
    if timeouts.iter().any(Option::is_none) {
        return Err(t::E13_NO_TIMEOUT.to_string());
    }
    let first = timeouts[0].unwrap_or_default();
    let last = timeouts[2].unwrap_or_default();
    // The third attempt starts 150 ms in: what it carries must be less.
    if last + Duration::from_millis(100) > first || first > deadline {
        let shown = (timeouts.iter().flatten())
            .map(|timeout| format!("{} ms", timeout.as_millis()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(t::E13_NOT_WHAT_IS_LEFT.with(&[("timeouts", &shown)]));
    }
    report.ok(t::E13_OK_RETRIES.with(&[("gaps", &ms(&gaps))]));

    // A refusal is not retried.
    let Run { result, seen, .. } = run(Plan::Refuse, deadline).await?;
    if seen.len() > 1 {
        return Err(t::E13_RETRIES_REFUSAL.with(&[("calls", &seen.len())]));
    }
    match result {
        Err(status) if status.code() == Code::InvalidArgument => {}
        other => {
            let got = describe(&other);
            return Err(t::E13_REFUSAL_CHANGED.with(&[("got", &got)]));
        }
    }
    report.ok(t::E13_OK_REFUSAL);

    // Always UNAVAILABLE, time enough: MAX_ATTEMPTS attempts, then its status.
    let Run { result, seen, .. } = run(Plan::AlwaysUnavailable, Duration::from_secs(5)).await?;
    if seen.len() != MAX_ATTEMPTS as usize {
        return Err(t::E13_ATTEMPTS_LIMIT.with(&[("calls", &seen.len()), ("max", &MAX_ATTEMPTS)]));
    }
    match result {
        Err(status) if status.code() == Code::Unavailable => {}
        other => {
            let got = describe(&other);
            return Err(t::E13_LAST_STATUS.with(&[("got", &got)]));
        }
    }
    report.ok(t::E13_OK_LIMIT.with(&[("max", &MAX_ATTEMPTS)]));

    // Always UNAVAILABLE, a deadline of 120 ms: after the wait of 50 ms,
    // the next (100 ms) would end past it. Stop then, not at 150 ms.
    let short = Duration::from_millis(120);
    let Run { result, seen, took } = run(Plan::AlwaysUnavailable, short).await?;
    if took > short + LATE || seen.len() > 2 {
        return Err(t::E13_PAST_DEADLINE.with(&[("ms", &took.as_millis()), ("calls", &seen.len())]));
    }
    expect_deadline_exceeded(&result, &t::E13_SHORT.to_string())?;
    report.ok(t::E13_OK_SHORT.with(&[("ms", &took.as_millis()), ("calls", &seen.len())]));

    // A server that never answers: the attempt's own timeout ends it.
    let hang = Duration::from_millis(200);
    let Run { result, took, .. } = run(Plan::Hang, hang).await?;
    if took > hang + LATE {
        return Err(t::E13_HANG_LATE.with(&[("ms", &took.as_millis())]));
    }
    expect_deadline_exceeded(&result, &t::E13_HANG.to_string())?;
    report.ok(t::E13_OK_HANG.with(&[("ms", &took.as_millis())]));
    Ok(())
}

/// A result, in words: the data, or the status.
fn describe(result: &Result<crate::e13_retries::Fetched, Status>) -> String {
    match result {
        Ok(fetched) => format!("{:?}", fetched.message),
        Err(status) => harness::status_line(status),
    }
}

/// `Ok` if `result` is DEADLINE_EXCEEDED; else says what `what` gave.
fn expect_deadline_exceeded(
    result: &Result<crate::e13_retries::Fetched, Status>,
    what: &str,
) -> Result<(), String> {
    match result {
        Err(status) if status.code() == Code::DeadlineExceeded => Ok(()),
        other => {
            Err(t::E13_NOT_DEADLINE_EXCEEDED.with(&[("what", &what), ("got", &describe(other))]))
        }
    }
}
