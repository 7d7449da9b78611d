//! The layer that sees every `hello.DoStuff` call, of every kind, from the
//! page or from any client, and tells the [`Feed`] what happens: the call
//! starts, each message goes in or out (decoded, with its time), the call
//! ends with its status.
//!
//! It follows topics/interceptors' `call_log`: a tower layer wraps the
//! request body and the response body in the plumbing's
//! [`ObservedBody`](plumbing::observed_body::ObservedBody), which reads the
//! gRPC messages as their bytes pass (a 5-byte prefix, then the message)
//! and tells us each piece, so the handlers know nothing of it. The final
//! status comes from the response's headers (a "trailers-only" reply, such
//! as a refused argument) or its trailers.
//!
//! It sits *inside* tonic-web's layer, so it sees every call as plain gRPC:
//! tonic-web has already turned a browser's gRPC-Web request into one, and
//! turns the reply back afterwards. It tells the two apart by what a
//! gRPC-Web request keeps of its origin: HTTP/1.1, or the `x-grpc-web`
//! header that gRPC-Web clients (ours included) send.

use std::{
    fmt::Write as _,
    task::{Context, Poll},
    time::Instant,
};

use bytes::Bytes;
use futures::future::BoxFuture;
use hello_proto::pb::{HelloReply, HelloRequest, HelloStreamRequest};
use http::Version;
use plumbing::observed_body::{FinalStatus, Observer, Prefix, observe_request, observe_response};
use prost::Message as _;
use serde_json::json;
use tonic::{Status, body::Body, server::NamedService};
use tower::{Layer, Service};

use crate::feed::Feed;

/// How much of one message the page is shown, at most.
const LONGEST_TEXT: usize = 120;

/// How many bytes of a message are kept to decode it: ours are a few
/// bytes; a bigger one is shown by its size alone, and costs no memory.
const LONGEST_DECODED: usize = 1024;

/// The layer: puts a [`Watch`] around a service.
#[derive(Clone, Debug)]
pub struct WatchLayer {
    feed: Feed,
}

impl WatchLayer {
    /// A layer that publishes into `feed`.
    pub fn new(feed: Feed) -> Self {
        Self { feed }
    }
}

impl<S> Layer<S> for WatchLayer {
    type Service = Watch<S>;

    fn layer(&self, inner: S) -> Watch<S> {
        Watch {
            inner,
            feed: self.feed.clone(),
        }
    }
}

/// The service the layer makes: publishes each call `inner` answers.
#[derive(Clone, Debug)]
pub struct Watch<S> {
    inner: S,
    feed: Feed,
}

/// tonic routes a call to a service by its name (`/hello.DoStuff/...`): the
/// watched service answers to the name of the one inside.
impl<S: NamedService> NamedService for Watch<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, ResBody> Service<http::Request<Body>> for Watch<S>
where
    S: Service<http::Request<Body>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tower::BoxError>,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let record = CallRecord::start(&self.feed, &request);

        // Each request message, published as it reaches the handler.
        let request = observe_request(request, record.messages(Direction::In));

        let response = self.inner.call(request);
        Box::pin(async move {
            // The record follows the response body: it publishes each
            // reply, notes the status (in the headers of a trailers-only
            // reply, or in the trailers), and publishes the end when tonic
            // is done with the body (see `Drop`).
            let response = response.await?.map(Body::new);
            Ok(observe_response(response, record))
        })
    }
}

/// One call, as far as the feed is told.
#[derive(Debug)]
struct CallRecord {
    feed: Feed,
    id: u64,
    method: String,
    started: Instant,
    /// Publishes the reply's messages.
    outgoing: Messages,
    status: Option<Status>,
}

impl CallRecord {
    /// Publishes the start of the call `request` opens.
    fn start(feed: &Feed, request: &http::Request<Body>) -> Self {
        let path = request.uri().path();
        let method = path.rsplit('/').next().unwrap_or(path).to_owned();
        // What survives tonic-web's translation of a gRPC-Web request.
        let web =
            request.version() != Version::HTTP_2 || request.headers().contains_key("x-grpc-web");
        let id = feed.start_call(json!({
            "method": method,
            "path": path,
            "kind": kind_of(&method),
            "peer": plumbing::server::caller(request.extensions()),
            "protocol": if web { "gRPC-Web" } else { "gRPC" },
            "http": format!("{:?}", request.version()),
        }));
        let started = Instant::now();
        Self {
            outgoing: Messages::new(feed, id, &method, started, Direction::Out),
            feed: feed.clone(),
            id,
            method,
            started,
            status: None,
        }
    }

    /// A publisher of this call's messages going `direction`.
    fn messages(&self, direction: Direction) -> Messages {
        Messages::new(&self.feed, self.id, &self.method, self.started, direction)
    }
}

/// The record watches the response body: the replies go to `outgoing`.
impl Observer for CallRecord {
    fn message_started(&mut self, prefix: Prefix) {
        self.outgoing.message_started(prefix);
    }

    fn message_bytes(&mut self, bytes: &[u8]) {
        self.outgoing.message_bytes(bytes);
    }

    fn message_ended(&mut self) {
        self.outgoing.message_ended();
    }

    fn status(&mut self, status: FinalStatus<'_>) {
        self.status = status.status();
    }
}

impl Drop for CallRecord {
    /// The call is over, one way or another: publish its end.
    fn drop(&mut self) {
        let ms = millis(self.started);
        let end = match &self.status {
            Some(status) => json!({
                "status": plumbing::code_name(status.code()),
                "code": status.code() as i32,
                "message": status.message(),
                "ms": ms,
            }),
            None => json!({
                "status": "no status: the caller went away",
                "code": null,
                "message": "",
                "ms": ms,
            }),
        };
        self.feed.publish(self.id, "end", end);
    }
}

/// Which way a message goes, seen from the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// From the client: a request.
    In,
    /// To the client: a reply.
    Out,
}

/// Publishes the messages of one direction of one call, as they complete.
#[derive(Debug)]
struct Messages {
    feed: Feed,
    call: u64,
    method: String,
    direction: Direction,
    started: Instant,
    count: u64,
    /// The message being read.
    current: WireMessage,
}

impl Messages {
    /// A publisher of the messages of `call` (a call of `method` that
    /// started at `started`) going `direction`.
    fn new(feed: &Feed, call: u64, method: &str, started: Instant, direction: Direction) -> Self {
        Self {
            feed: feed.clone(),
            call,
            method: method.to_owned(),
            direction,
            started,
            count: 0,
            current: WireMessage::default(),
        }
    }
}

/// Each message is kept as its bytes pass, and published when complete.
impl Observer for Messages {
    fn message_started(&mut self, prefix: Prefix) {
        self.current = WireMessage {
            compressed: prefix.compressed,
            len: prefix.len,
            head: Vec::new(),
        };
    }

    /// Keeps what we may decode, and skips the rest.
    fn message_bytes(&mut self, bytes: &[u8]) {
        let room = LONGEST_DECODED.saturating_sub(self.current.head.len());
        let kept = &bytes[..bytes.len().min(room)];
        self.current.head.extend_from_slice(kept);
    }

    fn message_ended(&mut self) {
        let message = std::mem::take(&mut self.current);
        self.count += 1;
        let text = describe(&self.method, self.direction, &message);
        let dir = match self.direction {
            Direction::In => "in",
            Direction::Out => "out",
        };
        self.feed.publish(
            self.call,
            "message",
            json!({
                "dir": dir,
                "n": self.count,
                "text": text,
                "bytes": message.len,
                "ms": millis(self.started),
            }),
        );
    }
}

/// Milliseconds since `started`, to a hundredth: what a page can show.
fn millis(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0
}

/// The call kind of a `hello.DoStuff` method, as the page names it.
pub fn kind_of(method: &str) -> &'static str {
    match method {
        "say_hello" | "say_hello_again" => "unary",
        "say_hello_stream" => "server streaming",
        "say_hello_many" => "client streaming",
        "say_hello_chat" => "bidi streaming",
        _ => "unknown method",
    }
}

/// A message of `method` going `direction`, in words: `pid 7`, `"Hello, 7!"`.
fn describe(method: &str, direction: Direction, message: &WireMessage) -> String {
    if message.compressed {
        return format!("{} bytes, compressed", message.len);
    }
    let bytes = message.head.as_slice();
    let decoded = match direction {
        Direction::In if method == "say_hello_stream" => {
            HelloStreamRequest::decode(bytes).map(|r| {
                format!(
                    "pid {}, count {}, interval_ms {}",
                    r.pid, r.count, r.interval_ms
                )
            })
        }
        Direction::In => HelloRequest::decode(bytes).map(|r| format!("pid {}", r.pid)),
        Direction::Out => HelloReply::decode(bytes).map(|r| format!("{:?}", r.retval)),
    };
    // A message cut short (bigger than we keep) does not decode.
    let mut text = decoded.unwrap_or_else(|_| format!("{} bytes", message.len));
    if text.len() > LONGEST_TEXT {
        let cut = (0..=LONGEST_TEXT)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        let _ = write!(text, "…");
    }
    text
}

/// One gRPC message as it travelled.
#[derive(Debug, Default, PartialEq, Eq)]
struct WireMessage {
    /// The prefix's first byte says the message is compressed.
    compressed: bool,
    /// The message's length, from the prefix.
    len: u32,
    /// Its first bytes (all of a small one), to decode.
    head: Vec<u8>,
}
