//! What happens around every call on the server: deadlines, callers that
//! leave, and shutdown. One tower layer, [`CallLayer`], wraps every call.
//!
//! **Deadlines**, the note's "execução pode ser temporizada". A client that
//! sets a deadline sends it with the call as the `grpc-timeout` header ("I
//! will wait this long", e.g. `200m` for 200 ms). gRPC says that a call whose
//! deadline passes ends with DEADLINE_EXCEEDED. tonic's server does enforce
//! the header, but answers CANCELLED ("Timeout expired") from a layer we
//! cannot remove, and that answer can reach a client before the client's own
//! timer fires: the client then reports the wrong code. Our layer sits just
//! inside tonic's timer and fires a moment earlier, answering
//! DEADLINE_EXCEEDED.
//!
//! **Callers that leave.** When a deadline passes or a client disconnects,
//! the handler's future is *dropped*: in async Rust that is how work is
//! cancelled, with no flag to check. We log it when it happens.
//!
//! The deadline also bounds a *stream*: tonic's timer stops at the reply's
//! headers, ours goes on, and a stream still running at its deadline ends
//! with DEADLINE_EXCEEDED, which drops the handler's stream and stops its
//! producer.
//!
//! **Shutdown.** A graceful shutdown lets calls in flight finish; a stream
//! may never finish by itself, though. When the grace period is over, the
//! server fires a [`CancellationToken`], and every call still open ends with
//! UNAVAILABLE ("the server is shutting down"): a status the client can act
//! on, instead of a connection cut mid-message.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use http::Uri;
use tokio::time::Sleep;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use crate::grpc_timeout::parse_grpc_timeout;
use body::{GuardedBody, name_size_errors_properly};

mod body;

/// How much earlier than tonic's own timer ours fires. Both timers round to
/// whole milliseconds, so one millisecond keeps ours first.
const MARGIN: Duration = Duration::from_millis(1);

/// The header a client's deadline travels in. A `HeaderName` made once: a
/// lookup by `&str` would parse the name again on every call.
const GRPC_TIMEOUT: http::HeaderName = http::HeaderName::from_static("grpc-timeout");

/// The message of the UNAVAILABLE status that ends calls cut off by shutdown.
pub const SHUTTING_DOWN: &str = "the server is shutting down";

/// A tower layer that gives every call a deadline, a log line if its caller
/// leaves, and an orderly end at shutdown.
#[derive(Clone, Debug, Default)]
pub struct CallLayer {
    /// Fired by the server when the shutdown grace period is over.
    cutoff: CancellationToken,
}

impl CallLayer {
    /// A layer whose calls are all ended with UNAVAILABLE once `cutoff` fires.
    pub fn new(cutoff: CancellationToken) -> Self {
        Self { cutoff }
    }
}

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallService {
            inner,
            cutoff: self.cutoff.clone(),
        }
    }
}

/// The service [`CallLayer`] wraps around the server's routes.
#[derive(Clone, Debug)]
pub struct CallService<S> {
    /// The server's routes: where the call is really handled.
    inner: S,
    /// Fired when the shutdown grace period is over.
    cutoff: CancellationToken,
}

impl<S, B> Service<http::Request<B>> for CallService<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = CallFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let timeout = request
            .headers()
            .get(&GRPC_TIMEOUT)
            .and_then(|value| parse_grpc_timeout(value.as_bytes()));
        let method = request.uri().clone();
        log_client_certificate(&request);
        CallFuture {
            inner: self.inner.call(request),
            limits: Some(Limits {
                method: method.clone(),
                deadline: timeout.map(|t| Box::pin(tokio::time::sleep(t.saturating_sub(MARGIN)))),
                cutoff: Box::pin(self.cutoff.clone().cancelled_owned()),
            }),
            watch: Watch::new(method, "before the reply; the call was abandoned"),
        }
    }
}

/// With mutual TLS (`--mtls`): logs who calls, by the name in the
/// certificate the client presented. A handler can read the certificates
/// itself, with `request.peer_certs()`.
fn log_client_certificate<B>(request: &http::Request<B>) {
    let certs = (request.extensions())
        .get::<TlsConnectInfo<TcpConnectInfo>>()
        .and_then(TlsConnectInfo::peer_certs);
    if let Some(certs) = certs {
        let name = crate::tls::client_name(&certs);
        tracing::info!(
            "{}: called by {name} (client certificate)",
            request.uri().path()
        );
    }
}

/// What can end a call from outside: its deadline, and the shutdown cutoff.
struct Limits {
    /// The method, for the log.
    method: Uri,
    /// When the caller stops waiting, if it said (`grpc-timeout`).
    deadline: Option<Pin<Box<Sleep>>>,
    /// Completes when the shutdown grace period is over.
    cutoff: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl Limits {
    /// Ready with the status to end the call with, once a limit is reached.
    fn poll_reached(&mut self, cx: &mut Context<'_>) -> Poll<Status> {
        if self.cutoff.as_mut().poll(cx).is_ready() {
            tracing::warn!(
                "{}: the shutdown's grace period is over; ended the call, answering UNAVAILABLE",
                self.method.path()
            );
            return Poll::Ready(Status::unavailable(SHUTTING_DOWN));
        }
        if let Some(deadline) = &mut self.deadline {
            ready!(deadline.as_mut().poll(cx));
            tracing::warn!(
                "{}: the caller's deadline passed; stopped the call, answering DEADLINE_EXCEEDED",
                self.method.path()
            );
            return Poll::Ready(Status::deadline_exceeded(
                "the deadline passed before the call finished",
            ));
        }
        Poll::Pending
    }
}

pin_project_lite::pin_project! {
    /// A call in progress: the handler's future, raced against its limits.
    pub struct CallFuture<F> {
        // The handler (behind tonic's routing and decoding).
        #[pin]
        inner: F,
        // Handed on to the reply body once the handler has answered.
        limits: Option<Limits>,
        // Notices if the call is dropped before it answered.
        watch: Watch,
    }
}

impl<F, E> Future for CallFuture<F>
where
    F: Future<Output = Result<http::Response<Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(response) = this.inner.poll(cx) {
            this.watch.finished = true;
            // The handler answered. A stream goes on after this point, so
            // the reply body takes over the limits.
            let limits = this.limits.take();
            return Poll::Ready(response.map(|mut response| {
                name_size_errors_properly(response.headers_mut());
                response.map(|body| Body::new(GuardedBody::new(body, limits)))
            }));
        }
        if let Some(limits) = this.limits {
            let status = ready!(limits.poll_reached(cx));
            this.watch.finished = true;
            // Returning drops `inner`: the handler stops where it stood.
            return Poll::Ready(Ok(status.into_http()));
        }
        Poll::Pending
    }
}

/// Logs, when a call (or its reply) is dropped unfinished, that its caller
/// gave up on it: the ends we cause ourselves (a deadline, the shutdown)
/// mark it finished and say so themselves.
struct Watch {
    /// The method, for the log.
    method: Uri,
    /// When the caller left, and what became of the call, for the log.
    when: &'static str,
    /// Set once the call (or reply) is complete: then a drop is the normal end.
    finished: bool,
}

impl Watch {
    /// Watches a call of `method`; `when` completes the log line.
    fn new(method: Uri, when: &'static str) -> Self {
        Self {
            method,
            when,
            finished: false,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.finished {
            tracing::warn!("{}: the caller went away {}", self.method.path(), self.when);
        }
    }
}
