//! Custom trailers on a call that succeeds: what tonic lacks, in one small
//! tower service.
//!
//! gRPC sends metadata twice per call: *headers* before the first message,
//! *trailers* after the last one, beside `grpc-status`. A trailer is where
//! a server puts what it knows only at the end (how long the call took,
//! how many bytes it read). Python's grpcio has
//! `context.set_trailing_metadata(...)`. tonic 0.14 has no such call for a
//! call that succeeds:
//!
//! - a `Response`'s metadata becomes the reply's *headers*;
//! - a `Status`'s metadata becomes trailers, but a handler returns a
//!   `Status` only to fail (tonic's server then answers with trailers alone);
//! - the trailers of an OK call are made inside tonic's encoder
//!   (`grpc-status: 0`, nothing else), out of a handler's reach.
//!
//! (For a stream there is a workaround: end it with a `Status` whose code is
//! OK and whose metadata are the trailers. It works for streams only, and
//! reads like an error; see grpc/grpc-rust issue #1370.)
//!
//! So we add it, for unary calls and streams alike. The handler makes a
//! [`Trailers`], a shared slot, and attaches it to its `Response`; tonic
//! copies a response's *extensions* (typed values a layer can read, never
//! sent) to the HTTP response. [`SendTrailers`] wraps the service: it takes
//! the slot out of the HTTP response and, when the reply body's trailers
//! frame passes, adds the slot's entries to it. A stream's handler fills
//! the slot when its stream ends, just before the trailers are made.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};

use bytes::Bytes;
use futures::{TryFutureExt, future::MapOk};
use http_body::Frame;
use http_body_util::BodyExt;
use tonic::{Response, body::Body, metadata::MetadataMap, server::NamedService};
use tower::Service;

/// The trailers a handler wants sent after its last message: a slot shared
/// by the handler, which fills it, and [`SendTrailers`], which sends it.
#[derive(Clone, Debug, Default)]
pub struct Trailers {
    /// A `std::sync::Mutex`, not tokio's: it is held only to copy a map,
    /// never across an `.await`. An `Arc` because the handler (or its
    /// stream's task) and the reply body each hold one.
    slot: Arc<Mutex<MetadataMap>>,
}

impl Trailers {
    /// An empty slot, to [`attach`](Trailers::attach) to a response.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts the slot into `response`'s extensions, where [`SendTrailers`]
    /// looks for it. Without that layer around the service, nothing is sent.
    pub fn attach<T>(&self, response: &mut Response<T>) {
        response.extensions_mut().insert(self.clone());
    }

    /// Sets the trailers to send. A later call replaces the earlier one.
    pub fn set(&self, metadata: MetadataMap) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = metadata;
    }

    /// Empties the slot and returns what it held.
    fn take(&self) -> MetadataMap {
        std::mem::take(&mut *self.slot.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A gRPC service (`DoStuffServer`, with or without its interceptor) whose
/// replies carry the [`Trailers`] their handler attached.
#[derive(Clone, Debug)]
pub struct SendTrailers<S> {
    /// The service that handles the call.
    inner: S,
}

impl<S> SendTrailers<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

/// What [`SendTrailers`] does to each reply (of body `B`), named so that
/// the future has a type.
type AddTrailers<B> = fn(http::Response<B>) -> http::Response<Body>;

/// Any error a reply body may end with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, B, RB> Service<http::Request<B>> for SendTrailers<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>, Error = Infallible>,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = MapOk<S::Future, AddTrailers<RB>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        self.inner
            .call(request)
            .map_ok(add_trailers::<RB> as AddTrailers<RB>)
    }
}

/// The router finds a service by its gRPC name: ours is the wrapped one's.
impl<S: NamedService> NamedService for SendTrailers<S> {
    const NAME: &'static str = S::NAME;
}

/// Makes `response`'s body add its [`Trailers`] to its trailers frame. A
/// reply without them (a call that failed: there was no `Response` to
/// attach them to) passes unchanged.
fn add_trailers<B>(mut response: http::Response<B>) -> http::Response<Body>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let Some(trailers) = response.extensions_mut().remove::<Trailers>() else {
        return response.map(Body::new);
    };
    response.map(|body| {
        Body::new(body.map_frame(move |mut frame: Frame<_>| {
            // Only the last frame of a reply is a trailers frame, and by the
            // time it is made the handler has filled the slot: a unary
            // handler before it returned, a stream's task before it ended
            // the stream.
            if let Some(sent) = frame.trailers_mut() {
                let extra = trailers.take().into_headers();
                for (key, value) in &extra {
                    // `grpc-` keys are gRPC's own (`grpc-status` is already
                    // here): never let a handler's entry replace them.
                    if !key.as_str().starts_with("grpc-") {
                        sent.append(key, value.clone());
                    }
                }
            }
            frame
        }))
    })
}
