//! Exercise 3: server streaming, a countdown.
//!
//! Goal: answer one request with a stream: `from`, `from - 1`, ..., `1`,
//! `interval_ms` apart; and stop as soon as the client goes away.
//!
//! A streaming reply is any `Stream` of messages. The idiom: a bounded
//! channel plus a task that fills it; tonic sends what comes out. When the
//! client leaves, tonic drops the receiving end, and the task must notice
//! and stop, or it works for no one. The same pattern:
//! `server-streaming/src/server.rs`.
//!
//! Check: cargo run -p workshop -- check 3

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, codegen::BoxStream};

use crate::pb::{CountdownRequest, Tick, countdown_server::Countdown};

/// The server of exercise 3.
#[derive(Debug, Default)]
pub struct CountdownService;

#[tonic::async_trait]
impl Countdown for CountdownService {
    /// Sends `from` down to 1, `interval_ms` apart.
    async fn countdown(
        &self,
        request: Request<CountdownRequest>,
    ) -> Result<Response<BoxStream<Tick>>, Status> {
        let CountdownRequest { from, interval_ms } = request.into_inner();
        let interval = Duration::from_millis(interval_ms.into());

        // TODO(3): make a bounded channel (`mpsc::channel(4)`), spawn a task
        // that sends Tick { remaining } for from, from - 1, ..., 1, waiting
        // `interval` between ticks, and stops as soon as a `send` fails (the
        // client is gone). Then return the receiving end as the stream:
        // `Ok(Response::new(Box::pin(ReceiverStream::new(rx))))`.
        todo!("stream the countdown")
    }
}
