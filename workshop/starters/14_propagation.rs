//! Exercise 14: a deadline propagated through a relay.
//!
//! Goal: a relay server that passes each call on to a backend (exercise
//! 7's Worker service) with what is *left* of its own caller's deadline,
//! and waits for the backend inside its handler, so that when the caller
//! gives up, the backend's call ends too.
//!
//! gRPC sends no clock time: a caller sends how long it will still wait
//! (`grpc-timeout`). A relay that calls on must do the same with what is
//! left, a little less, or the backend works on after everyone upstream
//! has given up. grpc-go and grpc-java carry it in their context; tonic
//! has none, so the relay does it: read it when the call arrives, set what
//! is left on the outgoing call. `topics/propagation` is the full story.
//!
//! Check: cargo run -p workshop -- check 14

use std::time::{Duration, Instant};

use plumbing::grpc_timeout::parse_grpc_timeout;
use tonic::{Request, Response, Status, transport::Channel};

use crate::pb::{
    WorkReply, WorkRequest, relay_server::Relay, worker_client::WorkerClient, worker_server::Worker,
};

/// How long one step of the backend's work takes.
pub const STEP: Duration = Duration::from_millis(50);

/// What the relay keeps back of its caller's deadline for its own answer:
/// passed on whole, the backend's call and the relay's own would time out
/// at the same moment, and which ends the call first would be a race.
pub const REPLY_MARGIN: Duration = Duration::from_millis(5);

/// Given: a backend, `steps` steps of STEP each (what `serve 14` relays to).
#[derive(Debug, Default)]
pub struct Backend;

#[tonic::async_trait]
impl Worker for Backend {
    async fn work(&self, request: Request<WorkRequest>) -> Result<Response<WorkReply>, Status> {
        let steps = request.into_inner().steps;
        for _ in 0..steps {
            tokio::time::sleep(STEP).await;
        }
        Ok(Response::new(WorkReply { steps_done: steps }))
    }
}

/// The relay of exercise 14.
#[derive(Debug, Clone)]
pub struct RelayService {
    /// The backend's client (a clone shares its connection).
    backend: WorkerClient<Channel>,
}

impl RelayService {
    /// A relay that passes calls on to `backend`.
    pub fn new(backend: WorkerClient<Channel>) -> Self {
        RelayService { backend }
    }
}

#[tonic::async_trait]
impl Relay for RelayService {
    /// Passes the work on to the backend, with what is left of the caller's
    /// deadline, and answers with the backend's reply or status.
    async fn relay(&self, request: Request<WorkRequest>) -> Result<Response<WorkReply>, Status> {
        // TODO(14): read the caller's deadline as the call arrives: its
        // grpc-timeout header (parse_grpc_timeout(value.as_bytes())) added to
        // Instant::now(). Make the outgoing Request from the message; if
        // there is a deadline, set on it what is left, less REPLY_MARGIN
        // (DEADLINE_EXCEEDED at once if nothing is left). Then await the
        // backend's `work` here, in the handler (not in a spawned task), and
        // answer with its reply; `?` passes its status on.
        todo!("relay the work with what is left of the deadline")
    }
}
