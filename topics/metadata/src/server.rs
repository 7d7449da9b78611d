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
//! The work of each call is the lessons' own handler, unary's `say_hello`
//! and server-streaming's `say_hello_stream` (its limits included): this
//! service reads the metadata before calling it, and adds the headers and
//! trailers to what it answers.
//!
//! What the server does with metadata it did not expect: an unknown key,
//! even a `grpc-` one, is ignored (logged by name, never echoed); an
//! `x-request-id` that is not printable ASCII, or an `x-client-bin` that is
//! not base64, fails the call with INVALID_ARGUMENT before any work.

use std::time::{Duration, Instant};

use futures::{StreamExt as _, future, stream};
use hello_proto::pb::{
    HelloReply, HelloRequest, HelloStreamRequest, ReplyStream,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use server_streaming::server::ServerStreamingService;
use tonic::{
    Request, Response, Status,
    metadata::{AsciiMetadataValue, KeyRef, MetadataMap},
    transport::Server,
};
use tracing::info;
use unary::server::UnaryService;

use crate::{
    CLIENT_BIN, CLIENT_BIN_LEN, ELAPSED_US, REQUEST_ID, TOPIC,
    trailers::{SendTrailers, Trailers},
};

/// Our `DoStuff` service: `say_hello` and `say_hello_stream`, the unary and
/// server-streaming lessons' own handlers, with the metadata around them.
#[derive(Debug, Default, Clone)]
pub struct MetadataService {
    /// How long to wait before each reply (`--delay-ms`), so that
    /// `x-elapsed-us` has something to measure.
    pub delay: Duration,
}

impl MetadataService {
    /// The unary lesson's service, which answers `say_hello` here.
    fn unary(&self) -> UnaryService {
        UnaryService { delay: self.delay }
    }

    /// The server-streaming lesson's service, which answers
    /// `say_hello_stream` here, with its limits.
    fn server_streaming(&self) -> ServerStreamingService {
        ServerStreamingService { delay: self.delay }
    }
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
        let pid = request.get_ref().pid;
        info!("GRPC server in say_hello, pid = {pid}, {call}");

        // The lesson's handler does the work and makes the reply.
        let mut response = self.unary().say_hello(request).await?;
        call.echo_request_id(&mut response);
        // The handler's work is done: what we measured goes in the trailers.
        let trailers = Trailers::new();
        trailers.set(call.trailers(started));
        trailers.attach(&mut response);
        Ok(response)
    }

    /// The lesson's stream: `count` replies, `Hello #i, pid!`, `interval_ms`
    /// apart. The headers leave when we return the response, before the
    /// first message; the trailers are filled when the stream ends, so
    /// `x-elapsed-us` covers the whole stream.
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let started = Instant::now();
        let call = CallMetadata::read(request.metadata())?;
        let HelloStreamRequest { pid, count, .. } = *request.get_ref();
        info!("GRPC server in say_hello_stream, pid = {pid}, count = {count}, {call}");

        // The lesson's handler checks the request against its limits, and
        // returns at once with the stream its task feeds.
        let response = self.server_streaming().say_hello_stream(request).await?;

        // Its replies, then one last step that sends nothing: it fills the
        // trailers' slot once the lesson's stream has ended, just before
        // tonic makes the trailers frame. (A client that leaves early ends
        // the call before that step: nobody reads the trailers then.)
        let trailers = Trailers::new();
        let slot = trailers.clone();
        let client_bin_len = call.client_bin_len;
        let fill_trailers = stream::once(async move {
            slot.set(trailers_for(started, client_bin_len));
        })
        .filter_map(|()| future::ready(None));
        let mut response =
            response.map(|replies| -> ReplyStream { Box::pin(replies.chain(fill_trailers)) });
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
