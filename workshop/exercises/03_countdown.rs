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

        // TODO(3): make a bounded channel (`mpsc::channel(4)`) and spawn a
        // task that, for remaining = from, from - 1, ..., 1:
        // - sends `Ok(Tick { remaining })` (each item of the stream is a
        //   Result: Ok for a tick, Err for a status that ends the call), and
        //   stops as soon as a `send` fails (the client is gone);
        // - waits `interval` between ticks (not before the first, not after
        //   the last) with `tokio::time::sleep(interval).await`, never
        //   `std::thread::sleep`, which blocks the server's thread; and while
        //   it waits, also watches `tx.closed()` with `tokio::select!`, so
        //   that a client leaving mid-wait stops it at once.
        // Then return the receiving end as the stream, at once:
        // `Ok(Response::new(Box::pin(ReceiverStream::new(rx))))`.
        todo!("stream the countdown")
    }
}
