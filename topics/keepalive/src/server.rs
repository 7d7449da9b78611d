//! The server: the server-streaming lesson's `say_hello_stream`, with
//! HTTP/2 keepalive set on tonic's `Server` builder, and each reply stream
//! watched, so that the log says when (and why) it ended.
//!
//! A server needs keepalive as much as a client: a client that vanished
//! (its laptop closed mid-stream) leaves a call whose handler goes on
//! producing replies for nobody, into buffers that nobody reads, holding
//! whatever the call holds. With keepalive, the server PINGs a connection
//! it has heard nothing from for `--keepalive-ms`; no answer within
//! `--keepalive-timeout-ms`, and it closes the connection. tonic then drops
//! the call's reply stream: the lesson's producing task sees its channel
//! closed and stops (see `server-streaming/src/server.rs`), and
//! [`WatchedStream`]'s `drop` logs it. (A call with a deadline is also
//! ended by it, `grpc-timeout` having told the server: keepalive is what
//! frees the calls without one, or with a long one, as streams often are.)
//!
//! The other side of the coin is a *client* that pings too often: gRFC A8
//! lets a server refuse it (README.md, "Too many pings"). tonic's server
//! (h2) has no such policy: it answers every PING.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use clap::Parser;
use futures::{Stream, StreamExt};
use hello_proto::pb::{
    HelloReply, HelloStreamRequest, ReplyStream,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use server_streaming::server::ServerStreamingService;
use tokio::sync::mpsc::UnboundedSender;
use tonic::{Request, Response, Status, transport::Server};
use tracing::{info, warn};

use crate::TOPIC;

/// How long the server waits for a PING's answer unless told: as long as
/// the lessons' servers wait (`plumbing::server::with_keepalive`, at most
/// 10 s).
const DEFAULT_PING_TIMEOUT_MS: u64 = 10_000;

/// Flags of the keepalive server.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "A hello.DoStuff server-streaming server with HTTP/2 keepalive, logging streams whose client vanished"
)]
pub struct Args {
    /// The flags every server has; here --keepalive-ms is the time without a frame from a client before the server PINGs it.
    #[command(flatten)]
    pub common: ServerArgs,

    /// How long to wait for the answer to a keepalive PING before closing the connection
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_PING_TIMEOUT_MS, value_parser = clap::value_parser!(u64).range(1..))]
    pub keepalive_timeout_ms: u64,

    /// Send no keepalive PINGs at all: a client that vanished is never noticed
    #[arg(long)]
    pub no_keepalive: bool,
}

impl Args {
    /// The time without a frame from a client before a PING: `--keepalive-ms`,
    /// or none with `--no-keepalive`.
    pub fn ping_after(&self) -> Option<Duration> {
        if self.no_keepalive {
            None
        } else {
            Some(self.common.keepalive())
        }
    }

    /// How long a PING may go unanswered: `--keepalive-timeout-ms`.
    pub fn ping_timeout(&self) -> Duration {
        Duration::from_millis(self.keepalive_timeout_ms)
    }
}

/// How one reply stream ended, as [`WatchedStream`] saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEnd {
    /// The caller's pid, from its request.
    pub pid: i32,
    /// Replies handed to tonic before the end.
    pub sent: u32,
    /// Replies the caller asked for.
    pub count: u32,
    /// How long after the call began the stream ended.
    pub after: Duration,
    /// Whether every reply was produced; if not, tonic dropped the stream
    /// early: the call was cancelled, or its connection closed under it.
    pub finished: bool,
}

/// The lesson's service, each of its reply streams watched.
#[derive(Debug, Clone, Default)]
pub struct KeepaliveService {
    /// The server-streaming lesson's handler, unchanged.
    pub lesson: ServerStreamingService,
    /// Who hears how each stream ended, besides the log: a test does.
    pub ends: Option<UnboundedSender<StreamEnd>>,
}

#[tonic::async_trait]
impl DoStuff for KeepaliveService {
    /// The lesson's `say_hello_stream`, its replies passed through a
    /// [`WatchedStream`].
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let HelloStreamRequest { pid, count, .. } = *request.get_ref();
        let replies = self.lesson.say_hello_stream(request).await?.into_inner();
        let watched = WatchedStream {
            replies,
            end: StreamEnd {
                pid,
                sent: 0,
                count,
                after: Duration::ZERO,
                finished: false,
            },
            started: Instant::now(),
            ends: self.ends.clone(),
        };
        Ok(Response::new(Box::pin(watched)))
    }
}

/// A reply stream that counts what passes and, when tonic drops it, logs
/// how it ended. tonic drops a call's reply stream when the call is over:
/// after its last reply, or as soon as the call is cancelled or its
/// connection closes. The drop is where a server learns its client is gone.
pub struct WatchedStream {
    /// The lesson's replies.
    replies: ReplyStream,
    /// What is known so far of the end.
    end: StreamEnd,
    /// When the call began, to time the end.
    started: Instant,
    /// Who else hears of the end.
    ends: Option<UnboundedSender<StreamEnd>>,
}

impl Stream for WatchedStream {
    type Item = Result<HelloReply, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.replies.poll_next_unpin(cx);
        match &next {
            Poll::Ready(Some(Ok(_))) => self.end.sent += 1,
            Poll::Ready(None) => self.end.finished = true,
            Poll::Ready(Some(Err(_))) | Poll::Pending => {}
        }
        next
    }
}

impl Drop for WatchedStream {
    fn drop(&mut self) {
        let mut end = self.end.clone();
        end.after = self.started.elapsed();
        let StreamEnd {
            pid, sent, count, ..
        } = end;
        let ms = end.after.as_millis();
        if end.finished {
            info!("say_hello_stream pid {pid}: all {count} replies sent in {ms} ms");
        } else {
            warn!(
                "say_hello_stream pid {pid}: the stream ended after {ms} ms, {sent} of {count} replies sent: the call was cancelled, its deadline passed, or its connection closed (a keepalive PING unanswered); its handler stopped"
            );
        }
        if let Some(ends) = &self.ends {
            // A listener that left is no reason to fail a drop.
            let _ = ends.send(end);
        }
    }
}

/// Assembles and starts the server and returns once it is listening, as
/// the lessons do; keepalive is set on the builder in view.
pub async fn start(service: KeepaliveService, args: &Args) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    // `configure` sets keepalive from `--keepalive-ms` already (and a
    // 10 s timeout); this topic sets both itself, where you can see them.
    // `None` as the interval turns the PINGs off: tonic's default.
    let mut builder = server::configure(Server::builder(), &args.common, &lifecycle)?
        .http2_keepalive_interval(args.ping_after())
        .http2_keepalive_timeout(Some(args.ping_timeout()));
    match args.ping_after() {
        Some(after) => info!(
            "keepalive: a PING after {} ms without a frame from a client, {} ms for its answer",
            after.as_millis(),
            args.ping_timeout().as_millis()
        ),
        None => info!("keepalive: off; a client that vanishes is never noticed"),
    }
    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            &args.common,
        ));
    let listener = server::bind(TOPIC, &args.common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router
            .serve_with_incoming_shutdown(listener.incoming(&args.common), lifecycle.stop_signal()),
    );
    lifecycle
        .started(serving, listening, TOPIC, &args.common)
        .await
}
