//! Exercise 1: a unary call, through the whole codegen loop.
//!
//! Goal: declare an rpc `say_goodbye` in `workshop/proto/workshop.proto`,
//! implement it on the server, and call it from the client.
//!
//! The loop: you edit the proto; the next build runs `workshop/build.rs`,
//! which writes new Rust code; the `Greeter` trait gains a method
//! `say_goodbye` (answering UNIMPLEMENTED until you write it), and
//! `GreeterClient` gains a method of the same name to call it.
//! The same pattern, for the note's service: `unary/src/server.rs`.
//!
//! Check: cargo run -p workshop -- check 1

use tonic::{Request, Response, Status, transport::Channel};

// TODO(1): once the proto declares them, import GoodbyeRequest and
// GoodbyeReply from here too.
use crate::pb::{HelloReply, HelloRequest, greeter_client::GreeterClient, greeter_server::Greeter};

/// The server of exercise 1.
#[derive(Debug, Default)]
pub struct GreeterService;

#[tonic::async_trait]
impl Greeter for GreeterService {
    /// Given: answers "Hello, NAME!".
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(HelloReply {
            message: format!("Hello, {name}!"),
        }))
    }

    // TODO(1): once the proto declares say_goodbye, write it here: the same
    // shape as say_hello, with GoodbyeRequest and GoodbyeReply, answering
    // "Goodbye, NAME!". (Until you do, the generated code answers
    // UNIMPLEMENTED for it.)
}

/// Calls `say_goodbye` with `name` and returns the reply's message.
pub async fn say_goodbye(
    client: &mut GreeterClient<Channel>,
    name: &str,
) -> Result<String, Status> {
    // TODO(1): once the proto declares say_goodbye, the client has a method
    // of that name: call it with a GoodbyeRequest, return the reply's message.
    todo!("call say_goodbye and return the reply's message")
}
