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
        // Read it before `into_inner`, which keeps only the message.
        let id = request.metadata().get(REQUEST_ID).cloned();
        let mut response = Response::new(HelloReply {
            message: "pong".to_owned(),
        });
        if let Some(id) = id {
            response.metadata_mut().insert(REQUEST_ID, id);
        }
        Ok(response)
    }
}

/// Calls `ping` with `id` as the request id; returns the id the server
/// echoed (empty if it echoed none).
pub async fn ping_with_id(client: &mut TracedClient<Channel>, id: &str) -> Result<String, Status> {
    let mut request = Request::new(HelloRequest {
        name: "workshop".to_owned(),
    });
    // Not every text can be a header value: say so rather than panic.
    let value: MetadataValue<_> = id
        .parse()
        .map_err(|_| Status::invalid_argument(format!("{id:?} cannot be a metadata value")))?;
    request.metadata_mut().insert(REQUEST_ID, value);

    let response = client.ping(request).await?;
    let echoed = response.metadata().get(REQUEST_ID);
    Ok(echoed
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned())
}
