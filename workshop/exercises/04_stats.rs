//! Exercise 4: client streaming, statistics.
//!
//! Goal: the server reads a stream of numbers and replies once, with their
//! count, min, max and mean; an empty stream is a zero summary, not an
//! error. The client sends a list of numbers as a stream.
//!
//! The request is a stream that ends when the client *half-closes*: it has
//! sent everything and now waits for the one reply. The same pattern:
//! `client-streaming/src/server.rs` and `client-streaming/src/client.rs`.
//!
//! Check: cargo run -p workshop -- check 4

use tonic::{Request, Response, Status, Streaming, transport::Channel};

use crate::pb::{Number, Summary, stats_client::StatsClient, stats_server::Stats};

/// The server of exercise 4.
#[derive(Debug, Default)]
pub struct StatsService;

#[tonic::async_trait]
impl Stats for StatsService {
    /// Reads every number, then replies with their summary.
    async fn summarize(
        &self,
        request: Request<Streaming<Number>>,
    ) -> Result<Response<Summary>, Status> {
        let mut numbers = request.into_inner();
        let mut summary = Summary::default();
        // TODO(4): read every number (`numbers.message().await?` gives
        // Some(number) until the client half-closes, then None), keeping
        // count, min and max (starting from the first number, not from 0),
        // and a sum for the mean. With no numbers at all, leave the summary
        // as it is: all zeros (no mean of 0 / 0).
        // Then reply: Ok(Response::new(summary)).
        todo!("summarize the numbers")
    }
}

/// Sends `values` as a stream and returns the server's summary.
pub async fn summarize(
    client: &mut StatsClient<Channel>,
    values: Vec<f64>,
) -> Result<Summary, Status> {
    // TODO(4): turn `values` into a stream of Numbers
    // (tokio_stream::iter makes a stream of anything you can iterate),
    // call summarize with it, and return the reply. The stream's end is
    // the half-close that tells the server to reply: a stream that never
    // ends (a channel whose sender you keep) gets no reply.
    todo!("send the numbers as a stream")
}
