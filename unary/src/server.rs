//! The unary server: the note's `class DoStuff(hello_pb2_grpc.DoStuffServicer)`.
//!
//! In Python the server is a class that inherits from the generated
//! servicer. In Rust it is a struct that implements the generated *trait*
//! `DoStuff`. We implement only the two unary methods; the generated code
//! answers UNIMPLEMENTED for the rest, which other crates teach.

use std::time::Duration;

use hello_proto::{
    pb::{HelloReply, HelloRequest, do_stuff_server::DoStuff},
    server::simulate_work,
};
use tonic::{Request, Response, Status};
use tracing::info;

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
