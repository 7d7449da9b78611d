//! The `DoStuff` service the page calls: all five methods, one crate's
//! lesson each, so that every call kind can be watched on the Live panel.
//!
//! A browser can call only the first three (gRPC-Web: `fetch` cannot stream
//! a request body); the CLI clients of the four lesson crates call any of
//! them, with `--addr 127.0.0.1:8080`.

use std::time::Duration;

use hello_proto::pb::{
    HelloReply, HelloRequest, HelloStreamRequest, ReplyStream, do_stuff_server::DoStuff,
};
use plumbing::server::simulate_work;
use tokio::sync::mpsc;
use tokio_stream::{StreamExt as _, wrappers::ReceiverStream};
use tonic::{Code, Request, Response, Status, Streaming};
use tonic_types::{ErrorDetails, StatusExt as _};

// The limits of `say_hello_stream` are the server-streaming lesson's own.
pub use server_streaming::server::{MAX_COUNT, MAX_INTERVAL_MS};
/// How many replies may wait in a stream's channel for a slow client.
const CHANNEL_CAPACITY: usize = 16;

/// Our `DoStuff` service: every method, as the lesson crates write them.
#[derive(Debug, Default, Clone)]
pub struct Hello {
    /// Extra wait before each reply (`--delay-ms`), to watch the calls.
    pub delay: Duration,
}

#[tonic::async_trait]
impl DoStuff for Hello {
    /// Unary: one request, one reply.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let pid = request.into_inner().pid;
        simulate_work(self.delay).await;
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }

    /// Unary again, with another greeting.
    async fn say_hello_again(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let pid = request.into_inner().pid;
        simulate_work(self.delay).await;
        Ok(Response::new(HelloReply {
            retval: format!("Hello again, {pid}!"),
        }))
    }

    /// Server streaming: `count` replies, `interval_ms` apart, from a task
    /// through a bounded channel (server-streaming/src/server.rs explains
    /// each step). A refused argument says which field, and why, in the
    /// error details the errors topic teaches: the page shows them.
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let HelloStreamRequest {
            pid,
            count,
            interval_ms,
        } = request.into_inner();
        if count > MAX_COUNT {
            return Err(refused(
                "count",
                format!("must be at most {MAX_COUNT}, got {count}"),
            ));
        }
        if interval_ms > MAX_INTERVAL_MS {
            return Err(refused(
                "interval_ms",
                format!("must be at most {MAX_INTERVAL_MS}, got {interval_ms}"),
            ));
        }
        let interval = Duration::from_millis(interval_ms.into());
        let delay = self.delay;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        tokio::spawn(async move {
            for i in 1..=count {
                let pause = if i == 1 { delay } else { interval + delay };
                if !pause.is_zero() {
                    // Stop at once if the caller leaves meanwhile.
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = tx.closed() => break,
                    }
                }
                let reply = HelloReply {
                    retval: format!("Hello #{i}, {pid}!"),
                };
                if tx.send(Ok(reply)).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    /// Client streaming: many requests, one reply once the client is done.
    async fn say_hello_many(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<HelloReply>, Status> {
        let mut requests = request.into_inner();
        let (mut pids, mut sum) = (0, 0_i64);
        while let Some(request) = requests.next().await {
            pids += 1;
            sum += i64::from(request?.pid);
        }
        simulate_work(self.delay).await;
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pids} pids (sum {sum})!"),
        }))
    }

    /// Bidirectional streaming: one reply to each request, as it arrives.
    async fn say_hello_chat(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<ReplyStream>, Status> {
        let replies = request.into_inner().map(|request| {
            request.map(|HelloRequest { pid }| HelloReply {
                retval: format!("Hello, {pid}!"),
            })
        });
        Ok(Response::new(Box::pin(replies)))
    }
}

/// INVALID_ARGUMENT for `field`, with a `google.rpc.BadRequest` saying why.
fn refused(field: &str, why: String) -> Status {
    Status::with_error_details(
        Code::InvalidArgument,
        format!("{field} {why}"),
        ErrorDetails::with_bad_request_violation(field, why),
    )
}
