//! Exercise 7: deadlines.
//!
//! Goal: the client sets a deadline on its call and reports
//! DEADLINE_EXCEEDED when it passes; the server stops working on a call
//! whose caller gave up.
//!
//! The note: "Execução pode ser temporizada" (execution can be timed). A
//! deadline travels with the call (the grpc-timeout header), so both sides
//! know when to give up. The teaching servers' handling of it:
//! `plumbing/src/call_layer.rs`.
//!
//! Check: cargo run -p workshop -- check 7

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use tokio::task::JoinHandle;
use tonic::{Code, Request, Response, Status, transport::Channel};

use crate::pb::{WorkReply, WorkRequest, worker_client::WorkerClient, worker_server::Worker};

/// How long one step of work takes.
pub const STEP: Duration = Duration::from_millis(50);

/// The server of exercise 7.
#[derive(Debug, Default)]
pub struct WorkerService {
    /// Every step done, by every call: the check watches it.
    pub steps_done: Arc<AtomicU32>,
}

/// Aborts a spawned task when dropped. tonic drops a handler's future when
/// its caller gives up; with this guard inside it, the task goes too.
struct AbortOnDrop(JoinHandle<u32>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[tonic::async_trait]
impl Worker for WorkerService {
    /// Does `steps` steps of work, one after another, in a task of its own.
    async fn work(&self, request: Request<WorkRequest>) -> Result<Response<WorkReply>, Status> {
        let steps = request.into_inner().steps;
        let counter = self.steps_done.clone();
        // The work runs in a task of its own, as heavy work often does.
        let job = tokio::spawn(async move {
            for _ in 0..steps {
                tokio::time::sleep(STEP).await;
                counter.fetch_add(1, Ordering::SeqCst);
            }
            steps
        });
        // A spawned task belongs to no one: left alone it would run on after
        // the caller gave up. The guard aborts it if this handler is dropped.
        let mut job = AbortOnDrop(job);
        let steps_done = (&mut job.0)
            .await
            .map_err(|e| Status::internal(format!("the work failed: {e}")))?;
        Ok(Response::new(WorkReply { steps_done }))
    }
}

/// Calls `work` with a deadline of `timeout`; returns the line to print.
pub async fn work_with_deadline(
    client: &mut WorkerClient<Channel>,
    steps: u32,
    timeout: Duration,
) -> String {
    let mut request = Request::new(WorkRequest { steps });
    request.set_timeout(timeout);
    match client.work(request).await {
        Ok(reply) => format!("done: {} steps", reply.into_inner().steps_done),
        // The server reports DEADLINE_EXCEEDED; tonic's own timer on the
        // client reports CANCELLED "Timeout expired". Both mean: too late.
        Err(status)
            if status.code() == Code::DeadlineExceeded
                || (status.code() == Code::Cancelled && status.message() == "Timeout expired") =>
        {
            format!(
                "gave up after {} ms: DEADLINE_EXCEEDED",
                timeout.as_millis()
            )
        }
        Err(status) => format!("error: {}", crate::harness::status_line(&status)),
    }
}
