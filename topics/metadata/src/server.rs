//! The metadata server: the note's servicer, reading the call's metadata
//! and answering with headers and trailers.
//!
//! In Python a handler reads `context.invocation_metadata()`, sends headers
//! with `context.send_initial_metadata(...)` and trailers with
//! `context.set_trailing_metadata(...)`. In tonic the request's metadata is
//! `request.metadata()`, and the headers are the `Response`'s metadata.
//! Trailers on a call that succeeds tonic does not offer: [`crate::trailers`]
//! adds them, and [`start`] wraps the service with it.
//!
//! What the server does with metadata it did not expect: an unknown key,
//! even a `grpc-` one, is ignored (logged by name, never echoed); an
//! `x-request-id` that is not printable ASCII, or an `x-client-bin` that is
//! not base64, fails the call with INVALID_ARGUMENT before any work.

use std::time::{Duration, Instant};

use hello_proto::pb::{
    HelloReply, HelloRequest, HelloStreamRequest, ReplyStream,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, simulate_work},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Request, Response, Status,
    metadata::{AsciiMetadataValue, KeyRef, MetadataMap},
    transport::Server,
};
use tracing::info;

use crate::{
    CLIENT_BIN, CLIENT_BIN_LEN, ELAPSED_US, REQUEST_ID, TOPIC,
    trailers::{SendTrailers, Trailers},
};

/// The most replies one `say_hello_stream` call may ask for (`count`).
pub const MAX_COUNT: u32 = 1_000;
/// The longest pause between replies one call may ask for (`interval_ms`).
pub const MAX_INTERVAL_MS: u32 = 10_000;
/// How many replies may wait in the channel for a slow client.
const CHANNEL_CAPACITY: usize = 16;

/// Our `DoStuff` service: `say_hello` and `say_hello_stream`.
#[derive(Debug, Default, Clone)]
pub struct MetadataService {
    /// How long to wait before each reply (`--delay-ms`), so that
    /// `x-elapsed-us` has something to measure.
    pub delay: Duration,
}

#[tonic::async_trait]
impl DoStuff for MetadataService {
    /// One reply; `x-request-id` echoed in the headers, the two trailers after.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let started = Instant::now();
        // Metadata first: a bad one fails the call before any work.
        let call = CallMetadata::read(request.metadata())?;
        let pid = request.into_inner().pid;
        info!("GRPC server in say_hello, pid = {pid}, {call}");
        simulate_work(self.delay).await;

        let mut response = Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        });
        call.echo_request_id(&mut response);
        // The handler's work is done: what we measured goes in the trailers.
        let trailers = Trailers::new();
        trailers.set(call.trailers(started));
        trailers.attach(&mut response);
        Ok(response)
    }

    /// `count` replies, `Hello #i, pid!`, `interval_ms` apart, as the
    /// server-streaming crate sends them. The headers leave when we return
    /// the response, before the first message; the trailers are filled when
    /// the stream ends, so `x-elapsed-us` covers the whole stream.
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let started = Instant::now();
        let call = CallMetadata::read(request.metadata())?;
        let HelloStreamRequest {
            pid,
            count,
            interval_ms,
        } = request.into_inner();
        info!("GRPC server in say_hello_stream, pid = {pid}, count = {count}, {call}");
        check_stream_request(count, interval_ms)?;

        let trailers = Trailers::new();
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let pause = Duration::from_millis(interval_ms.into());
        let (delay, slot) = (self.delay, trailers.clone());
        let client_bin_len = call.client_bin_len;
        tokio::spawn(async move {
            for i in 1..=count {
                let wait = if i == 1 { delay } else { pause + delay };
                // Stop at once if the client leaves while we wait.
                tokio::select! {
                    _ = simulate_work(wait) => {}
                    _ = tx.closed() => break,
                }
                let reply = HelloReply {
                    retval: format!("Hello #{i}, {pid}!"),
                };
                if tx.send(Ok(reply)).await.is_err() {
                    break;
                }
            }
            // Fill the slot, then end the stream by dropping `tx`: tonic
            // makes the trailers only after it has seen the end.
            slot.set(trailers_for(started, client_bin_len));
        });

        let mut response = Response::new(Box::pin(ReceiverStream::new(rx)) as ReplyStream);
        call.echo_request_id(&mut response);
        trailers.attach(&mut response);
        Ok(response)
    }
}

/// What this server reads from a call's metadata.
#[derive(Debug)]
struct CallMetadata {
    /// `x-request-id`, checked to be printable ASCII, to echo as is.
    request_id: Option<AsciiMetadataValue>,
    /// How many bytes `x-client-bin` decoded to (0 if absent).
    client_bin_len: usize,
    /// The names of the other keys, for the log only: a server that echoed
    /// what it does not know would repeat whatever a client sends.
    others: Vec<String>,
}

impl CallMetadata {
    /// Reads and checks the metadata; INVALID_ARGUMENT names what is wrong.
    fn read(metadata: &MetadataMap) -> Result<Self, Status> {
        let request_id = metadata.get(REQUEST_ID).cloned();
        if let Some(id) = &request_id
            && let Some(bad) = id.as_bytes().iter().find(|b| !(0x20..=0x7e).contains(*b))
        {
            // Name the byte, not the value: it may be long, or not text.
            return Err(Status::invalid_argument(format!(
                "{REQUEST_ID} must be printable ASCII (0x20 to 0x7E); it has the byte {bad:#04x}: \
                 send bytes in a key ending in -bin instead"
            )));
        }
        // A `-bin` value is base64 on the wire; `to_bytes` decodes it
        // (padded or not: gRPC allows both).
        let client_bin_len = match metadata.get_bin(CLIENT_BIN) {
            None => 0,
            Some(value) => value.to_bytes().map(|bytes| bytes.len()).map_err(|_| {
                Status::invalid_argument(format!("{CLIENT_BIN} is not valid base64"))
            })?,
        };
        let others = metadata
            .keys()
            .map(|key| match key {
                KeyRef::Ascii(key) => key.as_str().to_owned(),
                KeyRef::Binary(key) => key.as_str().to_owned(),
            })
            .filter(|key| ![REQUEST_ID, CLIENT_BIN].contains(&key.as_str()))
            .collect();
        Ok(Self {
            request_id,
            client_bin_len,
            others,
        })
    }

    /// Puts `x-request-id`, if the client sent one, in the response's
    /// metadata: tonic sends that as the reply's headers.
    fn echo_request_id<T>(&self, response: &mut Response<T>) {
        if let Some(id) = &self.request_id {
            response.metadata_mut().insert(REQUEST_ID, id.clone());
        }
    }

    /// The trailers of a call that started at `started`.
    fn trailers(&self, started: Instant) -> MetadataMap {
        trailers_for(started, self.client_bin_len)
    }
}

impl std::fmt::Display for CallMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.request_id.as_ref().and_then(|id| id.to_str().ok());
        write!(
            f,
            "{REQUEST_ID} = {}, {CLIENT_BIN} = {} bytes, other keys: [{}]",
            id.unwrap_or("(none)"),
            self.client_bin_len,
            self.others.join(", ")
        )
    }
}

/// `x-elapsed-us` (since `started`) and `x-client-bin-len`.
fn trailers_for(started: Instant, client_bin_len: usize) -> MetadataMap {
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let mut trailers = MetadataMap::new();
    // Numbers become ASCII values directly (`MetadataValue: From<u64>`).
    trailers.insert(ELAPSED_US, elapsed_us.into());
    trailers.insert(CLIENT_BIN_LEN, client_bin_len.into());
    trailers
}

/// INVALID_ARGUMENT for a stream request beyond our limits.
fn check_stream_request(count: u32, interval_ms: u32) -> Result<(), Status> {
    if count > MAX_COUNT {
        return Err(Status::invalid_argument(format!(
            "count must be at most {MAX_COUNT}, got {count}"
        )));
    }
    if interval_ms > MAX_INTERVAL_MS {
        return Err(Status::invalid_argument(format!(
            "interval_ms must be at most {MAX_INTERVAL_MS}, got {interval_ms}"
        )));
    }
    Ok(())
}

/// Assembles and starts the server, as the note's `serve()` does (see
/// `unary/src/server.rs` for each step's why), and returns once it listens.
pub async fn start(service: impl DoStuff, args: &ServerArgs) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    // Our service behind the token check and limits, as in every crate,
    // and around them `SendTrailers`, which sends the trailers a handler
    // attached. Wrapping the service, not the whole server: health and
    // reflection have no trailers to add.
    let hello = server::with_token_check_and_limits(DoStuffServer::new(service), args);
    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(SendTrailers::new(hello));
    let listener = server::bind(TOPIC, args).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, TOPIC, args).await
}
