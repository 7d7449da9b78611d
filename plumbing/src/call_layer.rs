//! What happens around every call on the server: deadlines, callers that
//! leave, shutdown, and requests over the size limit. One tower layer,
//! [`CallLayer`], wraps every call.
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
//! on, instead of a connection cut mid-message. One call is known never to
//! finish by itself: a health *watch* (`grpc.health.v1.Health/Watch`), which
//! balancers and clients following the registry keep open on every server.
//! Once it has told its watcher NOT_SERVING, it has nothing left to say: it
//! ends when the shutdown begins ([`CallLayer::with_watches_ended_at`]),
//! instead of holding the whole grace period.
//!
//! **Messages over the size limit.** A request message longer than the
//! server accepts (`--max-message-bytes`) should fail with
//! RESOURCE_EXHAUSTED, the code gRPC specifies and other languages' clients
//! look for. tonic answers OUT_OF_RANGE, a code a handler may also answer
//! for reasons of its own, and only the words of tonic's message tell the
//! two apart. So rather than rewrite tonic's answer, the layer is told the
//! limit ([`CallLayer::with_message_limit`]), reads each request message's
//! length from its 5-byte prefix as it arrives ([`ObservedBody`]), and
//! refuses one over the limit itself, before tonic's decoder reads that
//! length. A *reply* over the limit is stopped inside tonic's encoder,
//! where no layer reaches: it stays OUT_OF_RANGE.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tower::{Layer, Service};

use crate::{grpc_timeout::parse_grpc_timeout, observed_body::ObservedBody};
use body::GuardedBody;
use limits::{Limits, MessageLimit, Watch};

mod body;
mod connection_info;
mod limits;

pub use connection_info::ConnectionInfo;

/// The health service's watch: a call that only ends when its caller leaves.
const HEALTH_WATCH: &str = "/grpc.health.v1.Health/Watch";

/// How much earlier than tonic's own timer ours fires. Both timers round to
/// whole milliseconds, so one millisecond keeps ours first.
const MARGIN: Duration = Duration::from_millis(1);

/// The header a client's deadline travels in. A `HeaderName` made once: a
/// lookup by `&str` would parse the name again on every call.
const GRPC_TIMEOUT: http::HeaderName = http::HeaderName::from_static("grpc-timeout");

/// The message of the UNAVAILABLE status that ends calls cut off by shutdown.
pub const SHUTTING_DOWN: &str = "the server is shutting down";

/// A tower layer that gives every call a deadline, a log line if its caller
/// leaves, an orderly end at shutdown, and gRPC's code for a request
/// message over the size limit.
#[derive(Clone, Debug, Default)]
pub struct CallLayer {
    /// Fired by the server when the shutdown grace period is over.
    cutoff: CancellationToken,
    /// Fired when the shutdown begins: health watches end then.
    watches_end: Option<CancellationToken>,
    /// The largest request message, in bytes, if the layer was told.
    message_limit: Option<MessageLimit>,
}

impl CallLayer {
    /// A layer whose calls are all ended with UNAVAILABLE once `cutoff` fires.
    pub fn new(cutoff: CancellationToken) -> Self {
        Self {
            cutoff,
            watches_end: None,
            message_limit: None,
        }
    }

    /// Also ends every health watch (UNAVAILABLE) once `stop` fires, the
    /// signal that begins the shutdown, after NOT_SERVING has been said:
    /// a watch never ends by itself, and would hold the grace period.
    pub fn with_watches_ended_at(self, stop: CancellationToken) -> Self {
        Self {
            watches_end: Some(stop),
            ..self
        }
    }

    /// Also refuses, with RESOURCE_EXHAUSTED, a request message longer than
    /// `bytes`: give it the services' `max_decoding_message_size`, so that
    /// the layer refuses what tonic would (with OUT_OF_RANGE), first.
    pub fn with_message_limit(self, bytes: usize) -> Self {
        Self {
            message_limit: Some(MessageLimit(bytes)),
            ..self
        }
    }
}

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallService {
            inner,
            cutoff: self.cutoff.clone(),
            watches_end: self.watches_end.clone(),
            message_limit: self.message_limit,
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
    /// Fired when the shutdown begins, for health watches.
    watches_end: Option<CancellationToken>,
    /// Watches each request's messages, if there is a limit.
    message_limit: Option<MessageLimit>,
}

impl<S> Service<http::Request<Body>> for CallService<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = CallFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        // Who calls, where tonic's `request.remote_addr()` and
        // `request.peer_certs()` look for it (see `ConnectionInfo`).
        if let Some(info) = request.extensions_mut().remove::<ConnectionInfo>() {
            info.into_extensions(request.extensions_mut());
        }
        let timeout = request
            .headers()
            .get(&GRPC_TIMEOUT)
            .and_then(|value| parse_grpc_timeout(value.as_bytes()));
        let method = request.uri().clone();
        // A health watch ends when the shutdown begins; any other call
        // when the grace period is over.
        let (cutoff, at_stop) = match &self.watches_end {
            Some(stop) if method.path() == HEALTH_WATCH => (stop.clone(), true),
            _ => (self.cutoff.clone(), false),
        };
        log_client_certificate(&request);
        // The request body reaches tonic's decoder through the limit.
        let request = match self.message_limit {
            Some(limit) => request.map(|body| Body::new(ObservedBody::new(body, limit))),
            None => request,
        };
        CallFuture {
            inner: self.inner.call(request),
            limits: Some(Limits {
                method: method.clone(),
                deadline: timeout.map(|t| Box::pin(tokio::time::sleep(t.saturating_sub(MARGIN)))),
                cutoff: Box::pin(cutoff.cancelled_owned()),
                at_stop,
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
            return Poll::Ready(response.map(|response| {
                // A page's live feed (Server-Sent Events: the web crate's
                // `/events` and `/room`) and a health watch are replies that
                // end when their reader leaves: their normal end, not a call
                // abandoned.
                let feed = response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .is_some_and(|kind| kind.as_bytes().starts_with(b"text/event-stream"));
                let watch = (limits.as_ref()).is_some_and(|l| l.method.path() == HEALTH_WATCH);
                let endless = feed || watch;
                response.map(|body| Body::new(GuardedBody::new(body, limits, !endless)))
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
