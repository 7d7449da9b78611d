//! How a trace crosses a hop: W3C Trace Context in the call's metadata.
//!
//! gRPC metadata are HTTP/2 headers, so a trace travels as the web's does:
//! one `traceparent` header, `00-<trace id>-<span id>-<flags>`, e.g.
//!
//! ```text
//! traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//! ```
//!
//! (version 00, the 16-byte trace id, the 8-byte id of the caller's span,
//! flags 01 = "sampled"), and sometimes a `tracestate` beside it for
//! vendors. OpenTelemetry's [`TraceContextPropagator`] writes and reads
//! that format; it only needs to be told how to put a header in, or get
//! one out of, whatever carries it: an [`Injector`] and an [`Extractor`].
//! Here they are for tonic's `MetadataMap` (the client's request) and for
//! the `http::HeaderMap` a server-side tower layer sees.

use http::HeaderMap;
use opentelemetry::{
    Context,
    propagation::{Extractor, Injector, TextMapPropagator},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};

/// Writes `context`'s span into `metadata` as `traceparent` (and
/// `tracestate`, when there is one).
pub fn inject(context: &Context, metadata: &mut MetadataMap) {
    TraceContextPropagator::new().inject_context(context, &mut MetadataInjector(metadata));
}

/// Reads the caller's span out of a request's headers: a context whose
/// parent is that remote span, or an empty context if there is none (or
/// it is malformed), and then the server starts a new trace.
pub fn extract(headers: &HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&HeaderExtractor(headers))
}

/// The propagator's way to add metadata to a tonic request.
struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        // Both are valid ASCII metadata by construction; if one were not,
        // the call goes out untraced rather than failing.
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// The propagator's way to read the headers of an incoming request.
struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.to_str().ok()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
