//! Exercise 6: futures, many calls at once.
//!
//! Goal: fire all the calls at once and collect the replies in the order
//! they complete; then compare with making them one after another.
//!
//! The note's `stub.say_hello.future(request)` starts a call without
//! waiting for it. In Rust every call is a future already: nothing happens
//! until it is awaited, and many futures can be awaited together. The same
//! pattern: `unary/src/client.rs` (`call_concurrently`).
//!
//! Check: cargo run -p workshop -- check 6

use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use tonic::{Request, Response, Status, transport::Channel};

use crate::pb::{EchoReply, EchoRequest, slow_client::SlowClient, slow_server::Slow};

/// Given: the server of exercise 6, which answers after `delay_ms`.
#[derive(Debug, Default)]
pub struct SlowService;

#[tonic::async_trait]
impl Slow for SlowService {
    /// Waits `delay_ms`, then echoes `text`.
    async fn echo_after(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<EchoReply>, Status> {
        let EchoRequest { text, delay_ms } = request.into_inner();
        tokio::time::sleep(Duration::from_millis(delay_ms.into())).await;
        Ok(Response::new(EchoReply { text }))
    }
}

/// Given: makes the calls one after another; the replies come in order.
pub async fn one_after_another(
    client: &mut SlowClient<Channel>,
    requests: Vec<EchoRequest>,
) -> Result<Vec<String>, Status> {
    let mut replies = Vec::new();
    for request in requests {
        // Each `.await` waits for this call to end before the next begins.
        let reply = client.echo_after(request).await?;
        replies.push(reply.into_inner().text);
    }
    Ok(replies)
}

/// Starts every call at once; returns the replies in the order they complete.
pub async fn all_at_once(
    client: &SlowClient<Channel>,
    requests: Vec<EchoRequest>,
) -> Result<Vec<String>, Status> {
    // TODO(6): make one future per request, each calling echo_after on its
    // own clone of `client` (clones share the connection), put them all in
    // a FuturesUnordered, and collect the replies' texts as each completes.
    todo!("start every call at once")
}
