//! The server's side of observability: a tower layer around every call
//! that continues the caller's trace, records a server span, and counts
//! the call in the metrics.
//!
//! For each call it:
//!
//! 1. reads `traceparent` from the request's headers ([`traceparent::extract`]):
//!    the span the caller made for this call becomes our span's parent, so
//!    both share the trace id. Without one, our span starts a new trace;
//! 2. starts a *server* span named `hello.DoStuff/say_hello`, with the
//!    attributes OpenTelemetry's semantic conventions give an RPC:
//!    `rpc.system=grpc`, `rpc.service`, `rpc.method`;
//! 3. puts the span's [`Context`] in the request's extensions, where a
//!    handler that calls on (the relay) finds it, to make its own call a
//!    child of this one;
//! 4. when the call's final status is known, sets `rpc.grpc.status_code`
//!    on the span, ends it, and records the call in the [`Metrics`].
//!
//! The final status is why this is a layer and not a tonic `Interceptor`:
//! it comes after the handler, in the response's *trailers*, or in its
//! headers for a "trailers-only" reply (an error before any message).
//! The plumbing's [`ObservedBody`](plumbing::observed_body::ObservedBody)
//! hands it to us as the trailers pass on their way out, so the span has
//! ended and the metrics are counted before the caller learns the outcome.

use std::{
    task::{Context as TaskContext, Poll},
    time::Instant,
};

use futures::future::BoxFuture;
use opentelemetry::{
    Context, KeyValue,
    trace::{SpanKind, Status as SpanStatus, TraceContextExt, Tracer},
};
use opentelemetry_sdk::trace::SdkTracer;
use plumbing::observed_body::{FinalStatus, Observer, observe_response};
use tonic::{Code, body::Body};
use tower::{Layer, Service};

use crate::{metrics::Metrics, traceparent};

/// The layer: `.layer(ObserveLayer::new(tracer, metrics))` on the server
/// builder traces and counts every call of every service.
#[derive(Clone, Debug)]
pub struct ObserveLayer {
    tracer: SdkTracer,
    metrics: Metrics,
}

impl ObserveLayer {
    /// A layer that makes its spans with `tracer` and counts in `metrics`.
    pub fn new(tracer: SdkTracer, metrics: Metrics) -> ObserveLayer {
        ObserveLayer { tracer, metrics }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service the layer makes: traces and counts each call `inner` answers.
#[derive(Clone, Debug)]
pub struct Observe<S> {
    inner: S,
    layer: ObserveLayer,
}

impl<S> Service<http::Request<Body>> for Observe<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let call = ServerCall::start(&self.layer, &request);
        // tonic copies the HTTP extensions into the handler's `Request`.
        request.extensions_mut().insert(call.context.clone());
        let response = self.inner.call(request);
        // The call follows the reply until its status is known.
        Box::pin(async move { Ok(observe_response(response.await?, call)) })
    }
}

/// One call on the server, from its arrival until its status is sent.
#[derive(Debug)]
struct ServerCall {
    /// The caller's trace, with our server span in it.
    context: Context,
    service: String,
    method: String,
    started: Instant,
    metrics: Metrics,
    finished: bool,
}

impl ServerCall {
    /// The call arrives: continue the caller's trace with a server span.
    fn start(layer: &ObserveLayer, request: &http::Request<Body>) -> ServerCall {
        // The path is `/<package>.<Service>/<method>`.
        let path = request.uri().path().trim_start_matches('/');
        let (service, method) = path.split_once('/').unwrap_or((path, ""));
        let parent = traceparent::extract(request.headers());
        let span = (layer.tracer)
            .span_builder(format!("{service}/{method}"))
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("rpc.system", "grpc"),
                KeyValue::new("rpc.service", service.to_owned()),
                KeyValue::new("rpc.method", method.to_owned()),
            ])
            .start_with_context(&layer.tracer, &parent);
        ServerCall {
            context: parent.with_span(span),
            service: service.to_owned(),
            method: method.to_owned(),
            started: Instant::now(),
            metrics: layer.metrics.clone(),
            finished: false,
        }
    }

    /// The status is known (`None`: the call ended without one, the
    /// caller having gone away): end the span, count the call. Once.
    fn finish(&mut self, code: Option<Code>) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let code = code.unwrap_or(Code::Cancelled);
        let span = self.context.span();
        span.set_attribute(KeyValue::new("rpc.grpc.status_code", code as i64));
        if is_server_error(code) {
            span.set_status(SpanStatus::error(plumbing::code_name(code)));
        }
        span.end();
        let took = self.started.elapsed();
        self.metrics.record(&self.service, &self.method, code, took);
    }
}

/// The call watches its reply's body for the final status.
impl Observer for ServerCall {
    /// The status is all it needs: the reply's bytes pass unread.
    fn reads_messages(&self) -> bool {
        false
    }

    fn status(&mut self, status: FinalStatus<'_>) {
        self.finish(status.code());
    }
}

impl Drop for ServerCall {
    /// Dropped before a status was sent: the caller went away.
    fn drop(&mut self) {
        self.finish(None);
    }
}

/// The conventions' rule for a *server* span: an error is the server's
/// fault (UNKNOWN, INTERNAL, UNAVAILABLE...), not a caller's bad request
/// (INVALID_ARGUMENT, NOT_FOUND...), which the server handled correctly.
fn is_server_error(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}
