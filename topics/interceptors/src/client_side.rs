//! The client's two interceptors: one stamps an `x-request-id` on every
//! call ([`RequestId`], a tonic `Interceptor`), one times every call
//! ([`Timing`], a tower layer around the channel).
//!
//! Why two different tools: stamping a header needs only the outgoing
//! metadata, which is exactly what an `Interceptor` gets. Timing a call
//! needs its end, and an `Interceptor` never sees the response; a layer
//! wraps the whole call, response body included, so it knows when the
//! trailers (and the status) arrived.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use plumbing::observed_body::{FinalStatus, Observer, observe_response};
use tonic::{
    Code, Request, Status,
    body::Body,
    metadata::{AsciiMetadataValue, MetadataValue},
    service::Interceptor,
};
use tower::{Layer, Service};

/// Stamps `x-request-id: <prefix>-<n>` on each call, n = 1, 2, 3...: an
/// id the server can log, so one call can be found in both logs.
#[derive(Clone, Debug)]
pub struct RequestId {
    prefix: String,
    /// Shared by the stub's clones, so ids never repeat.
    next: Arc<AtomicU64>,
}

impl RequestId {
    /// Ids `<prefix>-1`, `<prefix>-2`...; `prefix` must be printable ASCII,
    /// as every text metadata value must be.
    pub fn new(prefix: &str) -> Result<RequestId, String> {
        AsciiMetadataValue::try_from(prefix)
            .map_err(|_| format!("--request-id-prefix must be printable ASCII, got {prefix:?}"))?;
        Ok(RequestId {
            prefix: prefix.to_owned(),
            next: Arc::default(),
        })
    }
}

impl Interceptor for RequestId {
    /// Runs before each call, with the call's metadata: synchronous, and it
    /// cannot see the response. Returning `Err` would fail the call here.
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let id = MetadataValue::try_from(format!("{}-{n}", self.prefix))
            .map_err(|_| Status::internal("the request id is not printable ASCII"))?;
        request.metadata_mut().insert("x-request-id", id);
        Ok(request)
    }
}

/// Two interceptors, one after the other: a stub takes one interceptor,
/// so to run two, chain them (`Chain(first, second)`). A refusal by the
/// first ends the call before the second runs.
#[derive(Clone, Debug)]
pub struct Chain<A, B>(pub A, pub B);

impl<A: Interceptor, B: Interceptor> Interceptor for Chain<A, B> {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let request = self.0.call(request)?;
        self.1.call(request)
    }
}

/// How one call went, as [`Timing`] saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallTime {
    /// The method's path, e.g. `/hello.DoStuff/say_hello`.
    pub method: String,
    /// The `x-request-id` the call carried, if any.
    pub request_id: Option<String>,
    /// The final status code, if one arrived.
    pub status: Option<Code>,
    /// From sending the request to the end of the reply (its trailers).
    pub took: Duration,
}

impl fmt::Display for CallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.request_id.as_deref().unwrap_or("no id");
        let status = self.status.map_or("no status", plumbing::code_name);
        write!(
            f,
            "[{id}] {} {status} in {:.1} ms",
            self.method,
            self.took.as_secs_f64() * 1000.0
        )
    }
}

/// What to do with each [`CallTime`]: the client prints it, a test keeps it.
pub type OnCallTime = Arc<dyn Fn(CallTime) + Send + Sync>;

/// The layer: `Timing::layer(on_time).layer(channel)` times every call on
/// the channel and hands each [`CallTime`] to `on_time`.
#[derive(Clone)]
pub struct TimingLayer {
    on_time: OnCallTime,
}

impl TimingLayer {
    /// Times every call and hands the result to `on_time`.
    pub fn new(on_time: OnCallTime) -> TimingLayer {
        TimingLayer { on_time }
    }
}

impl<S> Layer<S> for TimingLayer {
    type Service = Timing<S>;

    fn layer(&self, inner: S) -> Timing<S> {
        Timing {
            inner,
            on_time: self.on_time.clone(),
        }
    }
}

/// The service [`TimingLayer`] makes around a channel.
#[derive(Clone)]
pub struct Timing<S> {
    inner: S,
    on_time: OnCallTime,
}

impl<S> Service<http::Request<Body>> for Timing<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let watch = Watch {
            time: CallTime {
                method: request.uri().path().to_owned(),
                request_id: (request.headers().get("x-request-id"))
                    .and_then(|id| id.to_str().ok())
                    .map(str::to_owned),
                status: None,
                took: Duration::ZERO,
            },
            started: Instant::now(),
            on_time: self.on_time.clone(),
        };
        let response = self.inner.call(request);
        // The watch follows the reply's body, for its status (in the
        // trailers, or in the headers of a trailers-only reply).
        Box::pin(async move { Ok(observe_response(response.await?, watch)) })
    }
}

/// Follows one call and reports it when dropped: when the stub is done
/// with the reply's body, or the call failed before there was one.
struct Watch {
    time: CallTime,
    started: Instant,
    on_time: OnCallTime,
}

impl Observer for Watch {
    /// The status is all it needs: the reply's bytes pass unread.
    fn reads_messages(&self) -> bool {
        false
    }

    fn status(&mut self, status: FinalStatus<'_>) {
        self.time.status = status.code();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.time.took = self.started.elapsed();
        (self.on_time)(self.time.clone());
    }
}
