//! Exercise 8: metadata.
//!
//! Goal: the client sends a request id in the `x-request-id` metadata, and
//! the server echoes it back in the response's metadata.
//!
//! Metadata is gRPC's headers: key-value pairs that travel beside the
//! messages, for what is about the call rather than its content (ids for
//! tracing a request across services, tokens, deadlines). Reading and writing
//! metadata: `plumbing/src/auth.rs`.
//!
//! Check: cargo run -p workshop -- check 8

use tonic::{Request, Response, Status, metadata::MetadataValue, transport::Channel};

use crate::pb::{HelloReply, HelloRequest, traced_client::TracedClient, traced_server::Traced};

/// The metadata key of the request id. Keys are lowercase ASCII.
pub const REQUEST_ID: &str = "x-request-id";

/// The server of exercise 8.
#[derive(Debug, Default)]
pub struct TracedService;

#[tonic::async_trait]
impl Traced for TracedService {
    /// Answers "pong", echoing the request id, if any, in the metadata.
    async fn ping(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let mut response = Response::new(HelloReply {
            message: "pong".to_owned(),
        });
        // TODO(8): if the request's metadata has REQUEST_ID, put the same
        // value in the response's metadata (`response.metadata_mut()`).
        // Then reply: Ok(response).
        todo!("echo the request id")
    }
}

/// Calls `ping` with `id` as the request id; returns the id the server
/// echoed (empty if it echoed none).
pub async fn ping_with_id(client: &mut TracedClient<Channel>, id: &str) -> Result<String, Status> {
    let mut request = Request::new(HelloRequest {
        name: "workshop".to_owned(),
    });
    // TODO(8): put `id` in the request's metadata under REQUEST_ID (`id.parse()`
    // makes a MetadataValue, and fails for text that cannot be a header:
    // return an INVALID_ARGUMENT status then). Call ping, and return the
    // REQUEST_ID of the response's metadata as a String ("" if absent).
    todo!("send the request id and read it back")
}
