//! A tonic hello-world with nothing else: `say_hello` on 127.0.0.1:8888.
//! Only for measuring a cold build against the lessons' (bench/cold-build.sh).

use tonic::{Request, Response, Status, transport::Server};

mod pb {
    tonic::include_proto!("hello");
}
use pb::do_stuff_server::{DoStuff, DoStuffServer};
use pb::{HelloReply, HelloRequest};

#[derive(Default)]
struct Hello;

#[tonic::async_trait]
impl DoStuff for Hello {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let retval = format!("Hello, {}!", request.into_inner().pid);
        Ok(Response::new(HelloReply { retval }))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    Server::builder()
        .add_service(DoStuffServer::new(Hello))
        .serve("127.0.0.1:8888".parse()?)
        .await?;
    Ok(())
}
