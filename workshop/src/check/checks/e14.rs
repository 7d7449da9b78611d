//! Exercise 14: the relay passes on what is left of its caller's deadline.
//!
//! Between the check's client and a backend of the check's own, which notes
//! the timeout each call brings and when its handler ends, runs your relay.
//! Likely mistakes, each named: no deadline passed on (the backend gets no
//! grpc-timeout); a timeout of the relay's own choosing, longer than its
//! caller's; the backend's call made in a spawned task, which runs on
//! after the caller gave up; the backend's status not passed on.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::mpsc;
use tonic::{Code, Request, Response, Status, service::Routes};
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e14_propagation::{RelayService, STEP},
    harness::{self, Report},
    pb::{
        WorkReply, WorkRequest,
        relay_client::RelayClient,
        relay_server::RelayServer,
        worker_client::WorkerClient,
        worker_server::{Worker, WorkerServer},
    },
};

/// How late past a deadline the backend's handler may end: scheduling.
const LATE: Duration = Duration::from_millis(100);

/// The check's backend: notes each call's timeout, counts the steps, and
/// says when each handler ended, and whether it had finished its work.
struct Recorder {
    timeouts: Arc<Mutex<Vec<Option<Duration>>>>,
    steps: Arc<AtomicU32>,
    ended: mpsc::UnboundedSender<(Instant, bool)>,
}

/// Says, when dropped, that a handler ended, and whether it finished.
struct Ended {
    tell: mpsc::UnboundedSender<(Instant, bool)>,
    finished: bool,
}

impl Drop for Ended {
    fn drop(&mut self) {
        let _ = self.tell.send((Instant::now(), self.finished));
    }
}

#[tonic::async_trait]
impl Worker for Recorder {
    async fn work(&self, request: Request<WorkRequest>) -> Result<Response<WorkReply>, Status> {
        let timeout = (request.metadata().get("grpc-timeout"))
            .and_then(|value| plumbing::grpc_timeout::parse_grpc_timeout(value.as_bytes()));
        if let Ok(mut timeouts) = self.timeouts.lock() {
            timeouts.push(timeout);
        }
        let mut ended = Ended {
            tell: self.ended.clone(),
            finished: false,
        };
        let steps = request.into_inner().steps;
        for _ in 0..steps {
            tokio::time::sleep(STEP).await;
            self.steps.fetch_add(1, Ordering::SeqCst);
        }
        ended.finished = true;
        Ok(Response::new(WorkReply { steps_done: steps }))
    }
}

pub async fn check(report: Report) -> Result<(), String> {
    let timeouts = Arc::new(Mutex::new(Vec::new()));
    let steps = Arc::new(AtomicU32::new(0));
    let (ended, mut handlers_ended) = mpsc::unbounded_channel();
    let backend = Recorder {
        timeouts: Arc::clone(&timeouts),
        steps: Arc::clone(&steps),
        ended,
    };
    let backend = harness::serve(Routes::new(WorkerServer::new(backend))).await?;
    let to_backend = WorkerClient::new(harness::channel(backend.addr).await?);
    let relay = RelayServer::new(RelayService::new(to_backend));
    let relay = harness::serve(Routes::new(relay)).await?;
    let mut client = RelayClient::new(harness::channel(relay.addr).await?);
    let no_reply = || t::NO_REPLY.with(&[("what", &"relay")]);

    // A short call with a deadline of 1 s: the backend must be told less.
    let given = Duration::from_secs(1);
    let mut request = Request::new(WorkRequest { steps: 2 });
    request.set_timeout(given);
    let reply = within(client.relay(request), no_reply)
        .await?
        .map_err(|status| failed("relay(2 steps, deadline 1 s)", &status))?;
    expect_eq(&t::E14_REPLY.to_string(), 2, reply.into_inner().steps_done)?;
    let passed = timeouts
        .lock()
        .map(|t| t.last().copied().flatten())
        .ok()
        .flatten();
    let Some(passed) = passed else {
        return Err(t::E14_NO_DEADLINE_PASSED.to_string());
    };
    if passed > given {
        return Err(t::E14_MORE_TIME.with(&[("ms", &passed.as_millis())]));
    }
    report.ok(t::E14_OK_PASSED.with(&[("ms", &passed.as_millis())]));
    // The first call's handler ended as it finished: not what is awaited.
    let _ = within(handlers_ended.recv(), no_reply).await?;

    // A call without a deadline is relayed too.
    let reply = within(client.relay(WorkRequest { steps: 1 }), no_reply)
        .await?
        .map_err(|status| failed("relay(1 step, no deadline)", &status))?;
    expect_eq(&t::E14_REPLY.to_string(), 1, reply.into_inner().steps_done)?;
    let _ = within(handlers_ended.recv(), no_reply).await?;
    report.ok(t::E14_OK_NO_DEADLINE);

    // 40 steps (2 s of work) with a deadline of 200 ms: the caller gives up,
    // and the backend's handler must end then too.
    let deadline = Duration::from_millis(200);
    let mut request = Request::new(WorkRequest { steps: 40 });
    request.set_timeout(deadline);
    let started = Instant::now();
    let result = within(client.relay(request), no_reply).await?;
    match result {
        Err(status)
            if status.code() == Code::DeadlineExceeded
                || (status.code() == Code::Cancelled && status.message() == "Timeout expired") => {}
        Err(status) => {
            let status = harness::status_line(&status);
            return Err(t::E14_NOT_DEADLINE_EXCEEDED.with(&[("status", &status)]));
        }
        Ok(_) => return Err(t::E14_NO_DEADLINE_PASSED.to_string()),
    }
    let limit = deadline + LATE;
    let wait = limit.saturating_sub(started.elapsed()) + Duration::from_millis(300);
    match tokio::time::timeout(wait, handlers_ended.recv()).await {
        Ok(Some((when, false))) if when.duration_since(started) <= limit => {}
        Ok(Some((when, _))) => {
            let ms = when.duration_since(started).as_millis();
            return Err(t::E14_BACKEND_RUNS_ON.with(&[("ms", &ms)]));
        }
        _ => {
            let done = steps.load(Ordering::SeqCst).saturating_sub(3);
            return Err(t::E14_BACKEND_STILL_WORKING.with(&[("steps", &done)]));
        }
    }
    report.ok(t::E14_OK_CANCELLED);
    Ok(())
}
