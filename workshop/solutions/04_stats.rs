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
        let mut sum = 0.0;
        // `message()` gives the next number, or None once the client has
        // half-closed; `?` passes on a stream that broke.
        while let Some(Number { value }) = numbers.message().await? {
            if summary.count == 0 {
                (summary.min, summary.max) = (value, value);
            } else {
                summary.min = summary.min.min(value);
                summary.max = summary.max.max(value);
            }
            summary.count += 1;
            sum += value;
        }
        // No numbers: the summary stays all zeros, and that is an answer.
        if summary.count > 0 {
            summary.mean = sum / f64::from(summary.count);
        }
        Ok(Response::new(summary))
    }
}

/// Sends `values` as a stream and returns the server's summary.
pub async fn summarize(
    client: &mut StatsClient<Channel>,
    values: Vec<f64>,
) -> Result<Summary, Status> {
    // Any stream of Numbers will do; this one ends after the last value,
    // which half-closes the request.
    let numbers = tokio_stream::iter(values.into_iter().map(|value| Number { value }));
    let reply = client.summarize(numbers).await?;
    Ok(reply.into_inner())
}
