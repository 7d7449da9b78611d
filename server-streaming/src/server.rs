//! The server-streaming server: `say_hello_stream`.
//!
//! A streaming reply in tonic is any `Stream` of messages. The idiom that
//! reads best and behaves best is *a channel plus a task*: we spawn a task
//! that produces the replies and pushes them into a bounded channel, and
//! hand tonic the receiving end. tonic sends each message as it comes out.
//!
//! - The channel is *bounded* (it holds a few messages at most): if the
//!   client reads slowly, `send` waits, so a slow reader cannot make the
//!   server pile up a million messages in memory. This is backpressure.
//! - When the call ends early (the client goes away, its deadline passes),
//!   tonic drops the receiving end; the task's next `send` fails, and the
//!   task stops. No work is left running.
//!
//! The request is checked first, by [`check`]: a refusal is a value,
//! [`Refused`] (which field, and why), that the handler turns into
//! INVALID_ARGUMENT. Code that serves this handler with something added
//! (the web page adds `google.rpc.BadRequest` details: see
//! `web/src/service.rs`) reads that value; it never copies the checks, nor
//! parses the message.
//!
//! [`start`] then assembles the server around the service, as every
//! lesson crate does (see `unary/src/server.rs` for each step's why).

use std::{fmt, sync::Arc, time::Duration};

use hello_proto::{
    lessons::LESSONS,
    pb::{
        HelloReply, HelloStreamRequest, ReplyStream,
        do_stuff_server::{DoStuff, DoStuffServer},
    },
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, WrongKindLayer},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Request, Response, Status, service::interceptor::InterceptedService, transport::Server,
};
use tower::Layer;
use tracing::info;

use crate::PROGRAM;

/// The most replies one call may ask for (`count`).
pub const MAX_COUNT: u32 = 1_000_000;
/// The longest pause between replies one call may ask for (`interval_ms`).
pub const MAX_INTERVAL_MS: u32 = 60_000;
/// How many replies may wait in the channel for a slow client.
const CHANNEL_CAPACITY: usize = 16;

/// Our `DoStuff` service, implementing only the server-streaming method.
#[derive(Debug, Default, Clone)]
pub struct ServerStreamingService {
    /// Extra wait before each streamed message (`--delay-ms`).
    pub delay: Duration,
}

#[tonic::async_trait]
impl DoStuff for ServerStreamingService {
    /// Sends `count` replies, `Hello #i, pid!`, `interval_ms` apart.
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let request = request.into_inner();
        let HelloStreamRequest {
            pid,
            count,
            interval_ms,
        } = request;
        info!(
            "GRPC server in say_hello_stream, pid = {pid}, count = {count}, interval_ms = {interval_ms}"
        );

        // Check the request before starting any work: a bad request is the
        // caller's mistake, and INVALID_ARGUMENT tells them so (`?` makes
        // the `Refused` a `Status`, by the `From` below).
        check(&request)?;
        let interval = Duration::from_millis(interval_ms.into());
        let delay = self.delay;

        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        tokio::spawn(async move {
            for i in 1..=count {
                // The first reply waits only for --delay-ms, the others for
                // the interval too.
                let pause = if i == 1 { delay } else { interval + delay };
                if !pause.is_zero() {
                    // Wait, but stop at once if the client leaves meanwhile
                    // (`closed` completes when the receiver is dropped).
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = tx.closed() => break,
                    }
                }
                let reply = HelloReply {
                    retval: format!("Hello #{i}, {pid}!"),
                };
                // `send` waits while the channel is full; it fails only
                // when the client is gone.
                if tx.send(Ok(reply)).await.is_err() {
                    break;
                }
            }
            if tx.is_closed() {
                // The client left, its deadline passed, or the server is
                // shutting down: whichever, nobody reads the replies now.
                info!("say_hello_stream for pid {pid}: the call is over; stopped sending");
            }
            // Dropping `tx` here ends the stream: tonic then closes the call
            // with status OK.
        });

        // Return at once: the replies flow while the task runs.
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

/// A request this server refuses: which field, and why. The message of
/// the INVALID_ARGUMENT it becomes is both: `count must be at most
/// 1000000, got 2000000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The field at fault, as `hello.proto` names it: `count`, `interval_ms`.
    pub field: &'static str,
    /// What is wrong with its value: `must be at most 1000000, got 2000000`.
    pub why: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.why)
    }
}

impl std::error::Error for Refused {}

impl From<Refused> for Status {
    /// INVALID_ARGUMENT with the refusal as its message. The `Refused`
    /// itself rides along as the status's *source*, which tonic never
    /// sends: a client sees the code and the message only. tonic leaves
    /// the `Status` in the extensions of the HTTP response it makes, so a
    /// layer around the service can find the value there, by its type.
    fn from(refused: Refused) -> Status {
        let mut status = Status::invalid_argument(refused.to_string());
        status.set_source(Arc::new(refused));
        status
    }
}

/// Checks `request` against the limits, [`MAX_COUNT`] and
/// [`MAX_INTERVAL_MS`], before any work is started for it.
pub fn check(request: &HelloStreamRequest) -> Result<(), Refused> {
    if request.count > MAX_COUNT {
        return Err(Refused {
            field: "count",
            why: format!("must be at most {MAX_COUNT}, got {}", request.count),
        });
    }
    if request.interval_ms > MAX_INTERVAL_MS {
        return Err(Refused {
            field: "interval_ms",
            why: format!(
                "must be at most {MAX_INTERVAL_MS}, got {}",
                request.interval_ms
            ),
        });
    }
    Ok(())
}

/// Assembles and starts the server, as the note's `serve()` does, and
/// returns once it is listening: each step as in `unary/src/server.rs`,
/// which says why.
pub async fn start(service: impl DoStuff, args: &ServerArgs) -> Result<RunningServer, StartError> {
    // `grpc.server(...)`: tonic's server, with the flags' limits and keepalive.
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    // `add_DoStuffServicer_to_server(...)`: our service, its message-size
    // limits, another lesson's methods answered with that lesson's command,
    // behind the token check; beside it, health and reflection.
    let hello = DoStuffServer::new(service)
        .max_decoding_message_size(args.max_message_bytes)
        .max_encoding_message_size(args.max_message_bytes);
    let hello = WrongKindLayer::new(PROGRAM, LESSONS).layer(hello);
    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(InterceptedService::new(hello, server::token_check(args)));
    // `add_insecure_port(...)`, then `start()`: serve in a task of its own.
    let listener = server::bind(PROGRAM, args).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, PROGRAM, args).await
}
