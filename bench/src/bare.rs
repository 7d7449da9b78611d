//! A bare tonic server for `say_hello`: the same generated code and reply,
//! with none of our plumbing (no token check, no call layer, no logging, no
//! health or reflection). Comparing it with the `unary` server shows what
//! the plumbing costs.
//!
//! `--with PIECE` (repeatable) adds one piece of the plumbing at a time,
//! with the same `plumbing::server` functions the lessons' servers use and
//! the default flags, so that `bench/pieces.sh` can count what each piece
//! costs on its own.

use clap::ValueEnum;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    call_layer::CallLayer,
    cli::ServerArgs,
    server::{self, Lifecycle},
};
use tonic::{Request, Response, Status, service::Routes, transport::Server};

struct Bare;

#[tonic::async_trait]
impl DoStuff for Bare {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let pid = request.into_inner().pid;
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }
}

/// One piece of the lessons' plumbing, to add to the bare server alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Piece {
    /// `plumbing::call_layer`: every call's deadline, shutdown cutoff, guarded reply body and request size limit
    CallLayer,
    /// 1,024 streams and 256 running handlers per connection (a semaphore per call)
    Limits,
    /// HTTP/2 keepalive pings every 30 s
    Keepalive,
    /// The token check and message-size limits (an interceptor; no token set: every call passes)
    TokenCheck,
    /// Health and reflection beside `hello.DoStuff` in the router
    HealthReflection,
}

/// Serves until the process is stopped, with the pieces in `with`.
pub async fn serve(addr: &str, with: &[Piece]) -> Result<(), String> {
    let addr = addr.parse().map_err(|e| format!("--addr {addr}: {e}"))?;
    let pieces: Vec<_> = with.iter().map(|piece| format!("{piece:?}")).collect();
    eprintln!("bare tonic server on {addr}, with: [{}]", pieces.join(", "));

    let args = ServerArgs::default();
    let lifecycle = Lifecycle::new();
    let mut builder = Server::builder();
    if with.contains(&Piece::Limits) {
        builder = server::with_limits_per_connection(builder, &args);
    }
    if with.contains(&Piece::Keepalive) {
        builder = server::with_keepalive(builder, &args);
    }
    let routes = if with.contains(&Piece::HealthReflection) {
        lifecycle
            .health_and_reflection()
            .map_err(|e| e.to_string())?
    } else {
        Routes::default()
    };
    let routes = if with.contains(&Piece::TokenCheck) {
        routes.add_service(server::with_token_check_and_limits(
            DoStuffServer::new(Bare),
            &args,
        ))
    } else {
        routes.add_service(DoStuffServer::new(Bare))
    };
    let served = if with.contains(&Piece::CallLayer) {
        (builder
            .layer(CallLayer::default().with_message_limit(args.max_message_bytes))
            .add_routes(routes))
        .serve(addr)
        .await
    } else {
        builder.add_routes(routes).serve(addr).await
    };
    served.map_err(|e| format!("the bare server failed: {e}"))
}
