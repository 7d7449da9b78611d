//! Exercise 7: the client's deadline, and a server that stops for it.
//!
//! Likely mistakes, each named: no deadline on the request (the call runs
//! its full 2 s); the client giving up on its own (`tokio::time::timeout`)
//! so the server is never told; CANCELLED "Timeout expired" not treated as
//! the deadline passing; the spawned work going on after the caller gave
//! up; a blocking sleep in the work.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use tonic::{Request, service::Routes, transport::Channel};
use workshop::text::checks as t;

use super::{expect_eq, expect_overlap, failed, two_at_once, within};
use crate::{
    e07_deadlines::{STEP, WorkerService, work_with_deadline},
    harness::{self, Report},
    pb::{
        WorkRequest,
        worker_client::WorkerClient,
        worker_server::{Worker, WorkerServer},
    },
};

/// A client's `work_with_deadline`: yours, or a test's deliberate mistake.
type WorkWithDeadline =
    for<'a> fn(&'a mut WorkerClient<Channel>, u32, Duration) -> BoxFuture<'a, String>;

/// The long call: 40 steps of 50 ms, 2 s of work, and its 200 ms deadline.
const LONG_STEPS: u32 = 40;
const DEADLINE: Duration = Duration::from_millis(200);

/// How long the long call may take before the check says it had no
/// deadline: its full 2 s of work, and a second more.
const LONG_CALL_LIMIT: Duration = Duration::from_secs(3);

/// The steps of each of the two calls made at once.
const PROBE_STEPS: u32 = 6;

pub async fn check(report: Report) -> Result<(), String> {
    let service = WorkerService::default();
    let steps_done = Arc::clone(&service.steps_done);
    check_with(report, service, steps_done, |client, steps, timeout| {
        Box::pin(work_with_deadline(client, steps, timeout))
    })
    .await
}

/// The check, for any server (and the counter of its steps) and client.
async fn check_with<S: Worker>(
    report: Report,
    service: S,
    steps_done: Arc<AtomicU32>,
    work: WorkWithDeadline,
) -> Result<(), String> {
    // The check notes whether a request came with a deadline: tonic sends
    // it as the grpc-timeout header, which the server's metadata shows.
    let had_deadline = Arc::new(AtomicBool::new(false));
    let noted = Arc::clone(&had_deadline);
    let server = WorkerServer::with_interceptor(service, move |request: Request<()>| {
        if request.metadata().get("grpc-timeout").is_some() {
            noted.store(true, Ordering::SeqCst);
        }
        Ok(request)
    });
    let server = harness::serve(Routes::new(server)).await?;
    let mut client = WorkerClient::new(harness::channel(server.addr).await?);

    let line = within(work(&mut client, 2, Duration::from_secs(2)), || {
        t::NO_REPLY.with(&[("what", &"work_with_deadline(2 steps, 2 s)")])
    })
    .await?;
    expect_eq(&t::E07_SHORT_CALL.to_string(), "done: 2 steps", &line)?;
    report.ok(t::E07_OK_SHORT);

    // Two at once overlap: the steps wait without blocking the thread.
    let probe = |client: &WorkerClient<Channel>| {
        let mut client = client.clone();
        async move { client.work(WorkRequest { steps: PROBE_STEPS }).await }
    };
    let what = t::E07_TWO_WORKS.with(&[("steps", &PROBE_STEPS)]);
    let (one, two, together) = two_at_once(
        within(probe(&client), || t::NO_REPLY.with(&[("what", &what)])),
        within(probe(&client), || t::NO_REPLY.with(&[("what", &what)])),
    )
    .await;
    one?.and(two?).map_err(|status| failed(&what, &status))?;
    expect_overlap(&what, STEP * PROBE_STEPS, together)?;
    report.ok(t::E07_OK_NOT_BLOCKING.with(&[("ms", &together.as_millis())]));

    had_deadline.store(false, Ordering::SeqCst);
    let started = Instant::now();
    let line = tokio::time::timeout(LONG_CALL_LIMIT, work(&mut client, LONG_STEPS, DEADLINE)).await;
    let took = started.elapsed().as_millis();
    let line = match line {
        Ok(line) => line,
        Err(_) => {
            let line = t::E07_NO_ANSWER.to_string();
            return Err(t::E07_NO_DEADLINE.with(&[("line", &line), ("ms", &took)]));
        }
    };
    let shown = format!("{line:?}");
    if line.starts_with("done") {
        return Err(t::E07_NO_DEADLINE.with(&[("line", &shown), ("ms", &took)]));
    }
    if line.contains("CANCELLED") {
        return Err(t::E07_CANCELLED_NOT_MAPPED.with(&[("line", &shown)]));
    }
    if !line.contains("DEADLINE_EXCEEDED") {
        return Err(t::E07_NOT_REPORTED.with(&[("line", &shown)]));
    }
    if !had_deadline.load(Ordering::SeqCst) {
        return Err(t::E07_DEADLINE_NOT_SENT.to_string());
    }
    report.ok(t::E07_OK_DEADLINE.with(&[("line", &shown)]));

    // The caller gave up: the count of steps must stop growing.
    tokio::time::sleep(STEP * 4).await;
    let then = steps_done.load(Ordering::SeqCst);
    tokio::time::sleep(STEP * 6).await;
    let now = steps_done.load(Ordering::SeqCst);
    if now > then {
        return Err(t::E07_WORKS_ON.with(&[
            ("then", &then),
            ("now", &now),
            ("ms", &(STEP * 6).as_millis()),
        ]));
    }
    report.ok(t::E07_OK_STOPS);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Deliberate mistakes, each of which the check must name.

    use tonic::{Code, Response, Status};

    use super::*;
    use crate::{
        checks::{not_yet, verdict},
        pb::WorkReply,
    };

    /// A worker whose task blocks, or is not stopped when the caller leaves.
    struct Mistaken {
        steps_done: Arc<AtomicU32>,
        blocks: bool,
    }

    #[tonic::async_trait]
    impl Worker for Mistaken {
        async fn work(&self, request: Request<WorkRequest>) -> Result<Response<WorkReply>, Status> {
            let steps = request.into_inner().steps;
            let counter = Arc::clone(&self.steps_done);
            let blocks = self.blocks;
            let job = tokio::spawn(async move {
                for _ in 0..steps {
                    if blocks {
                        std::thread::sleep(STEP);
                    } else {
                        tokio::time::sleep(STEP).await;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                steps
            });
            let steps_done = job.await.map_err(|e| Status::internal(e.to_string()))?;
            Ok(Response::new(WorkReply { steps_done }))
        }
    }

    /// The right client, as the solution writes it.
    async fn right(client: &mut WorkerClient<Channel>, steps: u32, timeout: Duration) -> String {
        let mut request = Request::new(WorkRequest { steps });
        request.set_timeout(timeout);
        describe(client.work(request).await, timeout)
    }

    fn describe(result: Result<Response<WorkReply>, Status>, timeout: Duration) -> String {
        match result {
            Ok(reply) => format!("done: {} steps", reply.into_inner().steps_done),
            Err(status)
                if status.code() == Code::DeadlineExceeded
                    || (status.code() == Code::Cancelled
                        && status.message() == "Timeout expired") =>
            {
                format!(
                    "gave up after {} ms: DEADLINE_EXCEEDED",
                    timeout.as_millis()
                )
            }
            Err(status) => format!("error: {}", harness::status_line(&status)),
        }
    }

    /// Gives up on its own: the server is never told.
    async fn own_timer(
        client: &mut WorkerClient<Channel>,
        steps: u32,
        timeout: Duration,
    ) -> String {
        let call = client.work(Request::new(WorkRequest { steps }));
        match tokio::time::timeout(timeout, call).await {
            Ok(result) => describe(result, timeout),
            Err(_) => format!(
                "gave up after {} ms: DEADLINE_EXCEEDED",
                timeout.as_millis()
            ),
        }
    }

    /// Forgets the deadline.
    async fn no_deadline(
        client: &mut WorkerClient<Channel>,
        steps: u32,
        timeout: Duration,
    ) -> String {
        describe(
            client.work(Request::new(WorkRequest { steps })).await,
            timeout,
        )
    }

    fn worker(blocks: bool) -> (Mistaken, Arc<AtomicU32>) {
        let steps_done = Arc::new(AtomicU32::new(0));
        let worker = Mistaken {
            steps_done: Arc::clone(&steps_done),
            blocks,
        };
        (worker, steps_done)
    }

    #[test]
    fn a_blocking_step_is_named() {
        let (worker, steps) = worker(true);
        let why = not_yet(verdict(move |report| {
            check_with(report, worker, steps, |c, s, t| Box::pin(right(c, s, t)))
        }));
        assert!(why.contains("blocks the server's only thread"), "{why}");
    }

    #[test]
    fn work_that_goes_on_after_the_caller_left_is_named() {
        let (worker, steps) = worker(false);
        let why = not_yet(verdict(move |report| {
            check_with(report, worker, steps, |c, s, t| Box::pin(right(c, s, t)))
        }));
        assert!(why.contains("abort()"), "{why}");
    }

    #[test]
    fn a_request_without_a_deadline_is_named() {
        let (worker, steps) = worker(false);
        let why = not_yet(verdict(move |report| {
            check_with(report, worker, steps, |c, s, t| {
                Box::pin(no_deadline(c, s, t))
            })
        }));
        assert!(why.contains("set_timeout"), "{why}");
    }

    #[test]
    fn a_client_that_gives_up_on_its_own_is_told_to_send_the_deadline() {
        let (worker, steps) = worker(false);
        let why = not_yet(verdict(move |report| {
            check_with(report, worker, steps, |c, s, t| {
                Box::pin(own_timer(c, s, t))
            })
        }));
        assert!(why.contains("grpc-timeout"), "{why}");
    }
}
