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
//! [`start`] then assembles the server around the service, as every
//! lesson crate does (see `unary/src/server.rs` for each step's why).

use std::time::Duration;

use hello_proto::pb::{
    HelloReply, HelloStreamRequest, ReplyStream,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Request, Response, Status, service::interceptor::InterceptedService, transport::Server,
};
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
        let HelloStreamRequest {
            pid,
            count,
            interval_ms,
        } = request.into_inner();
        info!(
            "GRPC server in say_hello_stream, pid = {pid}, count = {count}, interval_ms = {interval_ms}"
        );

        // Check the request before starting any work: a bad request is the
        // caller's mistake, and INVALID_ARGUMENT tells them so.
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

/// Assembles and starts the server, as the note's `serve()` does, and
/// returns once it is listening: each step as in `unary/src/server.rs`,
/// which says why.
pub async fn start(service: impl DoStuff, args: &ServerArgs) -> Result<RunningServer, StartError> {
    // `grpc.server(...)`: tonic's server, with the flags' limits, keepalive and TLS.
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    // `add_DoStuffServicer_to_server(...)`: our service, its message-size
    // limits, behind the token check; beside it, health and reflection.
    let hello = DoStuffServer::new(service)
        .max_decoding_message_size(args.max_message_bytes)
        .max_encoding_message_size(args.max_message_bytes);
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
