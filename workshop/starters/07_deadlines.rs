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
        // TODO(7): when the caller gives up, tonic drops this handler, but a
        // spawned task belongs to no one and runs on. Make it stop: for
        // instance, keep `job` in a small struct whose Drop calls
        // `job.abort()`, and await the handle through it.
        let steps_done = job
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
    // TODO(7): make a Request for WorkRequest { steps } and set its deadline
    // (`request.set_timeout(timeout)`). Call `work` with it, and return:
    // - on success: "done: N steps" (N from the reply);
    // - when the deadline passed: "gave up after T ms: DEADLINE_EXCEEDED",
    //   T being `timeout` in milliseconds (the code is DEADLINE_EXCEEDED
    //   from the server, or CANCELLED with the message "Timeout expired"
    //   from tonic's own timer: accept both);
    // - otherwise: "error: CODE: message", as in exercise 2.
    todo!("call work with a deadline")
}
