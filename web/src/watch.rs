//! The layer that sees every `hello.DoStuff` call, of every kind, from the
//! page or from any client, and tells the [`Feed`] what happens: the call
//! starts, each message goes in or out (decoded, with its time), the call
//! ends with its status.
//!
//! It follows topics/interceptors' `call_log`: a tower layer wraps the
//! request body and the response body and reads the gRPC messages as their
//! bytes pass (a 5-byte prefix, then the message), so the handlers know
//! nothing of it. The final status comes from the response's headers (a
//! "trailers-only" reply, such as a refused argument) or its trailers.
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
use http_body::Frame;
use http_body_util::BodyExt;
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
        let mut record = CallRecord::start(&self.feed, &request);

        // Each request message, published as it reaches the handler.
        let mut incoming = record.messages(Direction::In);
        let request = request.map(|body| {
            Body::new(body.map_frame(move |frame| {
                if let Some(data) = frame.data_ref() {
                    incoming.feed(data);
                }
                frame
            }))
        });

        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            // A trailers-only reply carries its status in the headers.
            record.status = Status::from_header_map(response.headers());
            record.outgoing = Some(record.messages(Direction::Out));
            // The record follows the response body, and publishes the end
            // when tonic is done with it (see `Drop`).
            Ok(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    record.saw(&frame);
                    frame
                }))
            }))
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
    /// Reads the reply's messages (once the handler has answered).
    outgoing: Option<Messages>,
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
        Self {
            feed: feed.clone(),
            id,
            method,
            started: Instant::now(),
            outgoing: None,
            status: None,
        }
    }

    /// A reader of this call's messages going `direction`.
    fn messages(&self, direction: Direction) -> Messages {
        Messages {
            feed: self.feed.clone(),
            call: self.id,
            method: self.method.clone(),
            direction,
            started: self.started,
            count: 0,
            reader: MessageReader::default(),
        }
    }

    /// Notes a frame of the response body: messages, or the trailers.
    fn saw(&mut self, frame: &Frame<Bytes>) {
        if let Some(data) = frame.data_ref()
            && let Some(outgoing) = &mut self.outgoing
        {
            outgoing.feed(data);
        } else if let Some(trailers) = frame.trailers_ref() {
            self.status = Status::from_header_map(trailers);
        }
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
    reader: MessageReader,
}

impl Messages {
    /// Reads the next chunk of the body; publishes each message it completes.
    fn feed(&mut self, bytes: &[u8]) {
        for message in self.reader.feed(bytes) {
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
pub struct WireMessage {
    /// The prefix's first byte says the message is compressed.
    pub compressed: bool,
    /// The message's length, from the prefix.
    pub len: u32,
    /// Its first bytes (all of a small one), to decode.
    pub head: Vec<u8>,
}

/// Reads gRPC messages out of a body's bytes. On the wire each message is a
/// 5-byte prefix (a compressed flag, then the length as 4 bytes, big
/// endian) and that many bytes; a chunk of the body can end anywhere, even
/// inside a prefix, so the reader remembers where it is.
#[derive(Debug, Default)]
pub struct MessageReader {
    /// The bytes of the current prefix seen so far (0 to 5).
    prefix: [u8; 5],
    prefix_len: usize,
    /// Bytes of the current message still to come, after its prefix.
    remaining: usize,
    /// The message being read.
    current: WireMessage,
}

impl MessageReader {
    /// Reads the next chunk of the body; returns the messages it completes.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<WireMessage> {
        let mut done = Vec::new();
        while !bytes.is_empty() {
            if self.remaining > 0 {
                // Inside a message: keep what we may decode, skip the rest.
                let take = bytes.len().min(self.remaining);
                let room = LONGEST_DECODED.saturating_sub(self.current.head.len());
                self.current
                    .head
                    .extend_from_slice(&bytes[..take.min(room)]);
                bytes = &bytes[take..];
                self.remaining -= take;
                if self.remaining == 0 {
                    done.push(std::mem::take(&mut self.current));
                }
                continue;
            }
            // Reading a prefix, maybe across chunks.
            self.prefix[self.prefix_len] = bytes[0];
            self.prefix_len += 1;
            bytes = &bytes[1..];
            if self.prefix_len == 5 {
                let [flag, length @ ..] = self.prefix;
                let len = u32::from_be_bytes(length);
                self.prefix_len = 0;
                self.current = WireMessage {
                    compressed: flag & 1 == 1,
                    len,
                    head: Vec::new(),
                };
                self.remaining = usize::try_from(len).unwrap_or(usize::MAX);
                if self.remaining == 0 {
                    // An empty message (all fields at their defaults).
                    done.push(std::mem::take(&mut self.current));
                }
            }
        }
        done
    }
}
