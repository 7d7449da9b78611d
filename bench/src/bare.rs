//! A bare tonic server for `say_hello`: the same generated code and reply,
//! with none of our plumbing (no token check, no call layer, no logging, no
//! health or reflection). Comparing it with the `unary` server shows what
//! the plumbing costs.

use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use tonic::{Request, Response, Status, transport::Server};

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

/// Serves until the process is stopped.
pub async fn serve(addr: &str) -> Result<(), String> {
    let addr = addr.parse().map_err(|e| format!("--addr {addr}: {e}"))?;
    eprintln!("bare tonic server on {addr}");
    Server::builder()
        .add_service(DoStuffServer::new(Bare))
        .serve(addr)
        .await
        .map_err(|e| format!("the bare server failed: {e}"))
}
