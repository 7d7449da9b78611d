//! Exercise 12: interceptors that carry a request id.
//!
//! Goal: the client's interceptor gives every call a fresh id in the
//! `x-request-id` metadata; the server's interceptor refuses a call
//! without one, and hands the id to the handler as a typed value in the
//! request's *extensions*; the handler echoes it in the reply's metadata.
//!
//! Exercise 8 read metadata in the handler, and exercise 9 refused calls in
//! an interceptor. Together: what every call needs (an id to follow it
//! through the logs of every service it crosses) is done once, in the
//! interceptor, and the handler gets it checked and typed, never parsing a
//! header again. Extensions are the request's typed luggage: they stay on
//! this side of the wire. See `topics/interceptors` and `topics/metadata`.
//!
//! Check: cargo run -p workshop -- check 12

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tonic::{Request, Response, Status, service::Interceptor};

use crate::pb::{HelloReply, HelloRequest, stamped_server::Stamped};

/// The metadata key of the request id.
pub const REQUEST_ID: &str = "x-request-id";

/// A request id the server's interceptor has checked: what it leaves in
/// the request's extensions for the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The server's interceptor: refuses a call without a request id, and
/// hands the id on to the handler, typed.
pub fn require_request_id(mut request: Request<()>) -> Result<Request<()>, Status> {
    // TODO(12): read REQUEST_ID from the metadata (as text). Missing or
    // empty: refuse the call with Status::invalid_argument (the id says
    // which call this is, not who calls: not UNAUTHENTICATED). Otherwise
    // put RequestId(id) in `request.extensions_mut()` and let it through.
    todo!("require a request id")
}

/// The server of exercise 12, behind [`require_request_id`].
#[derive(Debug, Default)]
pub struct StampedService;

#[tonic::async_trait]
impl Stamped for StampedService {
    /// Answers "stamped ID" and echoes the id in the reply's metadata.
    async fn stamp(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        // TODO(12): take the RequestId the interceptor left in
        // `request.extensions()` (not the header again). Reply
        // "stamped ID", with ID in the response's REQUEST_ID metadata too.
        todo!("stamp the reply with the request id")
    }
}

/// The client's interceptor: a fresh id for every call, `req-1`, `req-2`...
/// Its counter is shared by all its clones (a client's clones share its
/// interceptor's clones), so no two calls get the same id.
#[derive(Debug, Clone, Default)]
pub struct RequestIds {
    /// How many ids were given out.
    given: Arc<AtomicU64>,
}

impl Interceptor for RequestIds {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        // TODO(12): a new number from `self.given` (fetch_add), so that no
        // two calls share an id; insert "req-N" under REQUEST_ID.
        todo!("give the call a fresh request id")
    }
}
