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

        // Bounded: if the client reads slowly, `send` waits.
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(async move {
            for remaining in (1..=from).rev() {
                if remaining < from {
                    // Wait between ticks, but stop at once if the client
                    // leaves meanwhile (`closed` fires when `rx` is dropped).
                    tokio::select! {
                        () = tokio::time::sleep(interval) => {}
                        () = tx.closed() => break,
                    }
                }
                // `send` fails only when the client is gone: stop then.
                if tx.send(Ok(Tick { remaining })).await.is_err() {
                    break;
                }
            }
            // Dropping `tx` ends the stream; the call ends with OK.
        });

        // Return at once: the ticks flow while the task runs.
        // (Boxed: a stream's type can be long, so tonic asks for any
        // stream of ticks behind a pointer: `BoxStream<Tick>`.)
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
