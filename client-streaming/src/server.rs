//! The client-streaming server: `say_hello_many`.
//!
//! The request is a `Streaming<HelloRequest>`: a stream we read with
//! `message().await`, which yields `Some(request)` for each request and
//! `None` once the client half-closes. Only then do we know the totals.
//!
//! [`start`] then assembles the server around the service, as every
//! lesson crate does (see `unary/src/server.rs` for each step's why).

use std::time::Duration;

use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    Kind,
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError, simulate_work},
};
use tonic::{Request, Response, Status, Streaming, transport::Server};
use tracing::info;

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
/// returns once it is listening.
pub async fn start(service: impl DoStuff, args: &ServerArgs) -> Result<RunningServer, StartError> {
    // `grpc.server(...)`: tonic's server, with the flags' limits, keepalive and TLS.
    let lifecycle = Lifecycle::new();
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;
    // `add_DoStuffServicer_to_server(...)`: our service behind the token
    // check, beside health and reflection.
    let router = builder
        .add_routes(server::health_and_reflection(&lifecycle)?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            args,
        ));
    // `add_insecure_port(...)`, then `start()`.
    let listener = server::bind(Kind::ClientStreaming, args).await?;
    server::serve_in_background(router, listener, lifecycle, Kind::ClientStreaming, args).await
}
