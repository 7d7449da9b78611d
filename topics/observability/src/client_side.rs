//! The caller's side: a *client* span per call, and its `traceparent` in
//! the call's metadata.
//!
//! ```text
//! let span = ClientSpan::start(tracer, &parent, "say_hello");
//! span.inject(request.metadata_mut());   // traceparent: 00-<trace>-<this span>-01
//! let answer = stub.say_hello(request).await;
//! span.end(&answer);                     // rpc.grpc.status_code, then ended
//! ```
//!
//! The span is started *before* the request leaves, because the request
//! must carry the span's id: the server makes it the parent of its own
//! span. Its `parent` is the trace the caller is already in: for our
//! client, none (an empty [`Context`]: the call starts a new trace); for
//! the relay, the server span of the call it is handling, so that client,
//! relay and backend share one trace id.
//!
//! A tonic `Interceptor` could add the header, but could not end the span
//! with the call's status: it never sees the answer.

use opentelemetry::{
    Context, KeyValue,
    trace::{SpanKind, Status as SpanStatus, TraceContextExt, TraceId, Tracer},
};
use opentelemetry_sdk::trace::SdkTracer;
use tonic::{Code, Status, metadata::MetadataMap};

use crate::traceparent;

/// The service every span of ours names, as `rpc.service`.
const SERVICE: &str = "hello.DoStuff";

/// A call in flight, as the caller records it.
#[derive(Debug)]
pub struct ClientSpan {
    context: Context,
}

impl ClientSpan {
    /// Starts the span of a call to `method`, as a child of `parent`.
    pub fn start(tracer: &SdkTracer, parent: &Context, method: &str) -> ClientSpan {
        let span = tracer
            .span_builder(format!("{SERVICE}/{method}"))
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("rpc.system", "grpc"),
                KeyValue::new("rpc.service", SERVICE),
                KeyValue::new("rpc.method", method.to_owned()),
            ])
            .start_with_context(tracer, parent);
        ClientSpan {
            context: parent.with_span(span),
        }
    }

    /// Writes this span as the `traceparent` of a request's metadata.
    pub fn inject(&self, metadata: &mut MetadataMap) {
        traceparent::inject(&self.context, metadata);
    }

    /// The trace this call belongs to.
    pub fn trace_id(&self) -> TraceId {
        self.context.span().span_context().trace_id()
    }

    /// The call is over: records its status code and ends the span. For a
    /// client, every code but OK is an error.
    pub fn end<T>(self, answer: &Result<T, Status>) {
        let span = self.context.span();
        let code = answer.as_ref().map_or_else(Status::code, |_| Code::Ok);
        span.set_attribute(KeyValue::new("rpc.grpc.status_code", code as i64));
        if let Err(status) = answer {
            span.set_status(SpanStatus::error(format!(
                "{}: {}",
                plumbing::code_name(code),
                status.message()
            )));
        }
        span.end();
    }
}
