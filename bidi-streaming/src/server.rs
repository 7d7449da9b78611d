//! The bidirectional server: `say_hello_chat`.
//!
//! The same *channel plus task* pattern as the server-streaming lesson, but
//! the task's input is the client's own stream: for each request it reads,
//! it writes one reply. The loop ends when the client half-closes (the
//! request stream yields `None`) or the call ends early (the reply channel
//! closes).
//!
//! [`start`] then assembles the server around the service, as every
//! lesson crate does (see `unary/src/server.rs` for each step's why).

use std::time::Duration;

use hello_proto::{
    lessons::LESSONS,
    pb::{
        HelloReply, HelloRequest, ReplyStream,
        do_stuff_server::{DoStuff, DoStuffServer},
    },
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, WrongKindLayer, simulate_work},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Request, Response, Status, Streaming, service::interceptor::InterceptedService,
    transport::Server,
};
use tower::Layer;
use tracing::info;

use crate::PROGRAM;

/// How many replies may wait in the channel for a slow client.
const CHANNEL_CAPACITY: usize = 16;

/// Our `DoStuff` service, implementing only the bidirectional method.
#[derive(Debug, Default, Clone)]
pub struct BidiStreamingService {
    /// Wait before each reply (`--delay-ms`).
    pub delay: Duration,
}

#[tonic::async_trait]
impl DoStuff for BidiStreamingService {
    /// Answers `Hello, pid!` to each request, as it arrives.
    async fn say_hello_chat(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<ReplyStream>, Status> {
        let mut requests = request.into_inner();
        let delay = self.delay;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);

        tokio::spawn(async move {
            loop {
                // Wait for the next request, unless the client is gone.
                let next = tokio::select! {
                    next = requests.message() => next,
                    _ = tx.closed() => break,
                };
                let pid = match next {
                    Ok(Some(HelloRequest { pid })) => pid,
                    // The client half-closed: it will send no more. We end
                    // our side too, which finishes the call with OK.
                    Ok(None) => break,
                    // The client's stream broke (it disconnected, or sent
                    // something invalid): nothing more to read or answer.
                    Err(status) => {
                        info!(
                            "say_hello_chat: the client's stream broke: {}",
                            status.message()
                        );
                        break;
                    }
                };
                info!("GRPC server in say_hello_chat, pid = {pid}");
                tokio::select! {
                    _ = simulate_work(delay) => {}
                    _ = tx.closed() => break,
                }
                let reply = HelloReply {
                    retval: format!("Hello, {pid}!"),
                };
                // The reply goes out before we read the next request.
                if tx.send(Ok(reply)).await.is_err() {
                    break;
                }
            }
            if tx.is_closed() {
                // The client left, its deadline passed, or the server is
                // shutting down: whichever, nobody reads the replies now.
                info!("say_hello_chat: the call is over; stopped");
            }
        });

        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
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
