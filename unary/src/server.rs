//! The unary server: the note's `class DoStuff(hello_pb2_grpc.DoStuffServicer)`
//! and its `serve()`.
//!
//! In Python the server is a class that inherits from the generated
//! servicer. In Rust it is a struct that implements the generated *trait*
//! `DoStuff`. We implement only the two unary methods; the others, which
//! other crates teach, are answered UNIMPLEMENTED, naming the crate to run
//! (the layer in [`start`]; underneath, the generated code has a default
//! for each method, because `hello-proto/build.rs` asks tonic for them,
//! `generate_default_stubs(true)`: without it, a server must write every
//! method of the service). Then [`start`] assembles the server around it,
//! step by step, as `serve()` does in the note.

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
    Request, Response, Status, service::interceptor::InterceptedService, transport::Server,
};
use tower::Layer;
use tracing::info;

use crate::PROGRAM;

/// Our `DoStuff` service: the state every call can read.
#[derive(Debug, Default, Clone)]
pub struct UnaryService {
    /// How long to wait before each reply (`--delay-ms`): a stand-in for
    /// real work, so a student can watch deadlines and concurrency.
    pub delay: Duration,
}

// `#[tonic::async_trait]` turns each `async fn` below into a method that
// returns a boxed future that is `Send`: tonic runs every call as a task
// that may move between worker threads, and needs exactly that.
#[tonic::async_trait]
impl DoStuff for UnaryService {
    /// Every method has the same shape, as in the note: the request (the
    /// message plus metadata such as the peer address) in, a reply or a
    /// `Status` (the gRPC error) out.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        // By the time we run, tonic has already deserialized the bytes from
        // the network into a `HelloRequest`.
        let pid = request.into_inner().pid;
        info!("GRPC server in say_hello, pid = {pid}");

        // Pretend to work for `--delay-ms`. The `.await` hands the worker
        // thread back while we wait, so one slow call does not hold up the
        // others (`std::thread::sleep` would).
        simulate_work(self.delay).await;

        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }

    /// Same principle for the second method.
    async fn say_hello_again(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let pid = request.into_inner().pid;
        info!("GRPC server in say_hello_again, pid = {pid}");
        simulate_work(self.delay).await;
        Ok(Response::new(HelloReply {
            retval: format!("Hello again, {pid}!"),
        }))
    }
}

/// Assembles and starts the server, as the note's `serve()` does, and
/// returns once it is listening. `service` is ours (tests pass one that
/// also reports what it sees).
///
/// Without our flags, all of it is one line of tonic:
/// `Server::builder().add_service(DoStuffServer::new(service)).serve(addr).await`,
/// which serves until the process ends. Below are the same calls, each
/// with what the flags ask for, serving in a task of its own so that
/// `start` can return once the server listens.
pub async fn start(service: impl DoStuff, args: &ServerArgs) -> Result<RunningServer, StartError> {
    // What lasts the server's whole life: the health it reports to
    // checkers, the signal that stops it, and the one that ends the calls
    // still open at the end of a shutdown.
    let lifecycle = Lifecycle::new();

    // `grpc.server(futures.ThreadPoolExecutor(max_workers=10))`: tonic's
    // server. `configure` sets on it what the flags ask for: the calls per
    // connection, keepalive pings; and a layer around every call that
    // enforces its deadline and ends it at shutdown. (The pool is tokio's
    // runtime, which the `server` binary built before calling us.)
    let mut builder = server::configure(Server::builder(), args, &lifecycle)?;

    // `hello_pb2_grpc.add_DoStuffServicer_to_server(DoStuff(), server)`:
    // the generated `DoStuffServer` routes each call to our method. It
    // refuses messages over `--max-message-bytes` both ways (a server that
    // accepted any size would let one request take all its memory), and
    // sits behind the token check, an interceptor that sees each call's
    // metadata first. Beside it, health and reflection, for tools.
    let hello = DoStuffServer::new(service)
        .max_decoding_message_size(args.max_message_bytes)
        .max_encoding_message_size(args.max_message_bytes);
    // A call of another kind's method (`say_hello_stream`, say) would get
    // tonic's "Not yet implemented" from the generated code. This tower
    // layer answers it first, still UNIMPLEMENTED, with the lesson that
    // serves that method and its address: from our `PROGRAM` (the methods
    // served here) and hello-proto's table of the four lessons.
    let hello = WrongKindLayer::new(PROGRAM, LESSONS).layer(hello);
    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(InterceptedService::new(hello, server::token_check(args)));

    // `server.add_insecure_port('localhost:8888')`: bind the port
    // (`--addr`, 127.0.0.1:8888 by default), so a port in use is reported
    // now. (Or with `--addr unix:PATH`, a unix domain socket.) With `--tls`
    // it is `add_secure_port`: TLS belongs to the port, as in gRPC's other
    // languages, and each connection makes its handshake before tonic
    // serves it (a refused one is logged, with the reason).
    let listener = server::bind(PROGRAM, args).await?;
    let listening = listener.listening();

    // `server.start()`: tonic serves the connections the socket accepts
    // (`incoming` closes those that never speak), in a task of its own,
    // until the lifecycle's stop signal fires: at Ctrl-C, when the running
    // server's `wait_for_termination` (the `server` binary waits in it)
    // begins the graceful shutdown.
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(args), lifecycle.stop_signal()),
    );
    // Serving: say so to health checkers (and with `--registry`, to etcd).
    lifecycle.started(serving, listening, PROGRAM, args).await
}
