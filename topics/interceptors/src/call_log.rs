//! A server-side layer that logs one line per call, whatever its kind:
//!
//! ```text
//! /hello.DoStuff/say_hello_many from 127.0.0.1:50412 [x-request-id cli-1]: OK in 31.2 ms, 3 messages in, 1 out
//! ```
//!
//! Why a layer and not a tonic `Interceptor`: an interceptor runs once,
//! before the call, and sees only the metadata. This line needs what comes
//! later: the final status code, which travels in the response's
//! *trailers* (or in its headers, for a "trailers-only" reply such as
//! UNIMPLEMENTED or a refused token), the time the whole call took, and
//! the messages that went each way, which only the bodies show.
//!
//! How: the layer wraps the request body and the response body in the
//! plumbing's [`ObservedBody`](plumbing::observed_body::ObservedBody),
//! which reads the gRPC messages as their bytes pass and finds the status,
//! and tells an observer of ours. One [`CallRecord`] follows the call and
//! writes the line when it is dropped, which is when tonic lets go of the
//! response body: after the trailers were sent, or when the caller went
//! away. So every call logs exactly one line, however it ends.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Instant,
};

use futures::future::BoxFuture;
use plumbing::observed_body::{FinalStatus, Observer, Prefix, observe_request, observe_response};
use tonic::{Code, body::Body};
use tower::{Layer, Service};
use tracing::info;

/// The layer: `Server::builder().layer(CallLogLayer)` puts a [`CallLog`]
/// around every service of the server.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallLogLayer;

impl<S> Layer<S> for CallLogLayer {
    type Service = CallLog<S>;

    fn layer(&self, inner: S) -> CallLog<S> {
        CallLog { inner }
    }
}

/// The service the layer makes: logs each call `inner` answers.
#[derive(Clone, Debug)]
pub struct CallLog<S> {
    inner: S,
}

impl<S> Service<http::Request<Body>> for CallLog<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // Before the call: what the request says about itself.
        let record = CallRecord::new(&request);

        // The request body reaches the handler through our counter.
        let request = observe_request(request, CountIn(record.messages_in.clone()));

        let response = self.inner.call(request);
        Box::pin(async move {
            // The record watches the reply: its messages, and its status
            // (in the trailers, or in the headers of a trailers-only
            // reply). It is dropped (the line logged) when tonic is done
            // with the body.
            Ok(observe_response(response.await?, record))
        })
    }
}

/// What the log line says about one call, filled in as the call goes.
#[derive(Debug)]
pub struct CallRecord {
    method: String,
    peer: String,
    request_id: Option<String>,
    started: Instant,
    /// Shared with the request body's counter, which lives elsewhere.
    messages_in: Arc<AtomicU64>,
    messages_out: u64,
    status: Option<Code>,
}

impl CallRecord {
    fn new(request: &http::Request<Body>) -> CallRecord {
        CallRecord {
            method: request.uri().path().to_owned(),
            peer: plumbing::server::caller(request.extensions()),
            request_id: (request.headers().get("x-request-id"))
                .and_then(|id| id.to_str().ok())
                .map(str::to_owned),
            started: Instant::now(),
            messages_in: Arc::default(),
            messages_out: 0,
            status: None,
        }
    }
}

/// The record watches the response body.
impl Observer for CallRecord {
    fn message_started(&mut self, _: Prefix) {
        self.messages_out += 1;
    }

    fn status(&mut self, status: FinalStatus<'_>) {
        self.status = status.code();
    }
}

/// Counts the messages of the request body into the record's count. The
/// request body is tonic's to drop, maybe before the response's: so the
/// count is shared, not the record.
struct CountIn(Arc<AtomicU64>);

impl Observer for CountIn {
    fn message_started(&mut self, _: Prefix) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for CallRecord {
    /// The call is over, one way or another: log its line.
    fn drop(&mut self) {
        info!("{self}");
    }
}

impl fmt::Display for CallRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} from {}", self.method, self.peer)?;
        if let Some(id) = &self.request_id {
            write!(f, " [x-request-id {id}]")?;
        }
        let status = match self.status {
            Some(code) => plumbing::code_name(code),
            None => "no status sent (the caller went away)",
        };
        let messages_in = self.messages_in.load(Ordering::Relaxed);
        let plural = if messages_in == 1 { "" } else { "s" };
        write!(
            f,
            ": {status} in {:.1} ms, {messages_in} message{plural} in, {} out",
            self.started.elapsed().as_secs_f64() * 1000.0,
            self.messages_out
        )
    }
}
