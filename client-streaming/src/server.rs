//! The client-streaming server: `say_hello_many`.
//!
//! The request is a `Streaming<HelloRequest>`: a stream we read with
//! `message().await`, which yields `Some(request)` for each request and
//! `None` once the client half-closes. Only then do we know the totals.
//!
//! [`start`] then assembles the server around the service, as every
//! lesson crate does (see `unary/src/server.rs` for each step's why).

use std::time::Duration;

use hello_proto::{
    lessons::LESSONS,
    pb::{
        HelloReply, HelloRequest,
        do_stuff_server::{DoStuff, DoStuffServer},
    },
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, WrongKindLayer, simulate_work},
};
use tonic::{
    Request, Response, Status, Streaming, service::interceptor::InterceptedService,
    transport::Server,
};
use tower::Layer;
use tracing::info;

use crate::PROGRAM;

/// Our `DoStuff` service, implementing only the client-streaming method.
#[derive(Debug, Default, Clone)]
pub struct ClientStreamingService {
    /// Wait before the reply (`--delay-ms`).
    pub delay: Duration,
}

#[tonic::async_trait]
impl DoStuff for ClientStreamingService {
    /// Counts the requests and sums their pids; answers once, at the end.
    async fn say_hello_many(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<HelloReply>, Status> {
        let mut requests = request.into_inner();
        let mut n: u64 = 0;
        // An i64 sum: a few int32 pids added up overflow an i32.
        let mut sum: i64 = 0;

        // `?` ends the call with the stream's error if the client's stream
        // breaks (for instance if it disconnects before half-closing).
        while let Some(HelloRequest { pid }) = requests.message().await? {
            n += 1;
            sum += i64::from(pid);
            info!("GRPC server in say_hello_many, pid = {pid} (request {n})");
        }

        // `None` above: the client half-closed. Time to answer.
        info!("GRPC server in say_hello_many: the client is done after {n} requests");
        simulate_work(self.delay).await;
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {n} pids (sum {sum})!"),
        }))
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
