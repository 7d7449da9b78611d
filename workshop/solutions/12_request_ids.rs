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
    let id = (request.metadata().get(REQUEST_ID))
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    // The caller forgot something it must send: INVALID_ARGUMENT, not
    // UNAUTHENTICATED (the id says which call, not who calls).
    if id.is_empty() {
        return Err(Status::invalid_argument(format!(
            "every call needs an {REQUEST_ID}"
        )));
    }
    request.extensions_mut().insert(RequestId(id));
    Ok(request)
}

/// The server of exercise 12, behind [`require_request_id`].
#[derive(Debug, Default)]
pub struct StampedService;

#[tonic::async_trait]
impl Stamped for StampedService {
    /// Answers "stamped ID" and echoes the id in the reply's metadata.
    async fn stamp(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        // The interceptor's word, not the header again: the one place that
        // checks the id is the interceptor.
        let Some(RequestId(id)) = request.extensions().get::<RequestId>().cloned() else {
            return Err(Status::internal("no request id: is the interceptor on?"));
        };
        let value = id
            .parse()
            .map_err(|_| Status::internal("the request id cannot be echoed"))?;
        let mut response = Response::new(HelloReply {
            message: format!("stamped {id}"),
        });
        response.metadata_mut().insert(REQUEST_ID, value);
        Ok(response)
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
        let number = self.given.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("req-{number}")
            .parse()
            .map_err(|_| Status::internal("a request id that cannot be a header"))?;
        request.metadata_mut().insert(REQUEST_ID, id);
        Ok(request)
    }
}
