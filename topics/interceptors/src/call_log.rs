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
//! How: the layer wraps the request body and the response body, and counts
//! gRPC messages as their bytes pass. One [`CallRecord`] follows the call
//! and writes the line when it is dropped, which is when tonic lets go of
//! the response body: after the trailers were sent, or when the caller went
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

use bytes::Bytes;
use futures::future::BoxFuture;
use http::HeaderMap;
use http_body::Frame;
use http_body_util::BodyExt;
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
        let messages_in = record.messages_in.clone();
        let mut counter = MessageCounter::default();
        let request = request.map(|body| {
            Body::new(body.map_frame(move |frame| {
                if let Some(data) = frame.data_ref() {
                    messages_in.fetch_add(counter.feed(data), Ordering::Relaxed);
                }
                frame
            }))
        });

        let response = self.inner.call(request);
        Box::pin(async move {
            let mut record = record;
            let response = response.await?;
            // A trailers-only reply (an error before any message) puts
            // `grpc-status` in the headers; otherwise it comes at the end.
            record.status = status_in(response.headers());
            // The record moves into the response body's watcher, and is
            // dropped (the line logged) when tonic is done with the body.
            Ok(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    record.saw(&frame);
                    frame
                }))
            }))
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
    /// Counts the messages of the response body.
    out_counter: MessageCounter,
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
            out_counter: MessageCounter::default(),
            status: None,
        }
    }

    /// Notes a frame of the response body as it passes: a message's bytes,
    /// or the trailers with the final status.
    fn saw(&mut self, frame: &Frame<Bytes>) {
        if let Some(data) = frame.data_ref() {
            self.messages_out += self.out_counter.feed(data);
        } else if let Some(trailers) = frame.trailers_ref() {
            self.status = status_in(trailers);
        }
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

/// The `grpc-status` in a header map (headers or trailers), if any.
pub(crate) fn status_in(headers: &HeaderMap) -> Option<Code> {
    let value = headers.get("grpc-status")?.to_str().ok()?;
    Some(Code::from_i32(value.parse().ok()?))
}

/// Counts gRPC messages in a body's bytes. On the wire each message is a
/// 5-byte prefix (a compressed flag, then the length as 4 bytes, big
/// endian) and that many bytes; a chunk of the body can end anywhere,
/// even inside a prefix, so the counter remembers where it is.
#[derive(Debug, Default)]
pub struct MessageCounter {
    /// The bytes of the current prefix seen so far (0 to 5).
    prefix: [u8; 5],
    prefix_len: usize,
    /// Bytes of the current message still to come, after its prefix.
    remaining: u64,
}

impl MessageCounter {
    /// Reads the next chunk of the body; returns how many messages began in it.
    pub fn feed(&mut self, mut bytes: &[u8]) -> u64 {
        let mut started = 0;
        while !bytes.is_empty() {
            if self.remaining > 0 {
                // Inside a message: skip what is left of it.
                let skip = bytes
                    .len()
                    .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                bytes = &bytes[skip..];
                self.remaining -= skip as u64;
                continue;
            }
            // Reading a prefix, maybe across chunks.
            self.prefix[self.prefix_len] = bytes[0];
            self.prefix_len += 1;
            bytes = &bytes[1..];
            if self.prefix_len == 5 {
                let [_, length @ ..] = self.prefix;
                self.remaining = u32::from_be_bytes(length).into();
                self.prefix_len = 0;
                started += 1;
            }
        }
        started
    }
}
