//! The client: one call of each kind, through two interceptors that the
//! calls themselves never mention.
//!
//! The stub is assembled innermost first: the channel; the
//! [`Timing`](crate::client_side::Timing) layer around it; the stub with
//! its interceptors, the [`RequestId`](crate::client_side::RequestId) and
//! the token (`--token`, from plumbing). A call goes through them outside
//! in: it gets its id, then its token, then its timer starts, then it
//! leaves on the channel.

use std::{sync::Arc, time::Duration};

use clap::Parser;
use hello_proto::pb::{HelloRequest, HelloStreamRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    auth::AttachToken,
    cli::ClientArgs,
    client::{self, ClientError},
};
use tokio_stream::StreamExt as _;
use tonic::{Request, service::interceptor::InterceptedService, transport::Channel};
use tower::Layer as _;

use crate::{
    TOPIC,
    client_side::{Chain, OnCallTime, RequestId, Timing, TimingLayer},
};

/// The stub of this topic: the generated client over the channel, timed,
/// with the token and the request id added to each call.
pub type Stub = DoStuffClient<InterceptedService<Timing<Channel>, Chain<RequestId, AttachToken>>>;

/// Flags of the interceptors client.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "Makes one call of each kind through a request-id interceptor and a timing layer"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// The request ids are PREFIX-1, PREFIX-2... [default: cli-<process id>]
    #[arg(long, value_name = "PREFIX")]
    pub request_id_prefix: Option<String>,

    /// How many messages each streaming call sends or asks for
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub count: u32,
}

/// The channel, the layer around it, the two interceptors, the stub; each
/// finished call's time goes to `on_time`.
pub async fn connect(args: &Args, on_time: OnCallTime) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(TOPIC, &args.common).await?;
    // A layer wraps a service in another: here, the channel in a timer.
    let timed = TimingLayer::new(on_time).layer(channel);
    // A stub takes one interceptor; ours is two, chained: the request id,
    // then the token (`--token`, if any).
    let prefix =
        (args.request_id_prefix.clone()).unwrap_or_else(|| format!("cli-{}", std::process::id()));
    let request_id = RequestId::new(&prefix).map_err(ClientError::Flag)?;
    let interceptors = Chain(request_id, client::attach_token(&args.common)?);
    Ok(DoStuffClient::with_interceptor(timed, interceptors))
}

/// Makes one call of each kind, printing each reply; the timing layer
/// prints a line as each call ends.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(args, Arc::new(|time| println!("timing: {time}"))).await?;
    let (pid, count, timeout) = (args.common.pid(), args.count, args.common.timeout());

    // Unary.
    let request = with_deadline(HelloRequest { pid }, timeout);
    let reply = (stub.say_hello(request).await).map_err(client::deadline_named)?;
    println!("say_hello: {}", reply.into_inner().retval);

    // Server streaming: every reply, then the end of the stream.
    let ask = HelloStreamRequest {
        pid,
        count,
        interval_ms: 0,
    };
    let request = with_deadline(ask, timeout);
    let replies = client::within_deadline(timeout, async {
        let mut replies = stub.say_hello_stream(request).await?.into_inner();
        let mut all = Vec::new();
        while let Some(reply) = replies.next().await {
            all.push(reply?.retval);
        }
        Ok(all)
    })
    .await?;
    println!("say_hello_stream: {}", replies.join(" "));

    // Client streaming: `count` requests, one reply.
    let request = with_deadline(requests(pid, count), timeout);
    let reply = (stub.say_hello_many(request).await).map_err(client::deadline_named)?;
    println!("say_hello_many: {}", reply.into_inner().retval);

    // Bidirectional: `count` requests, a reply to each.
    let request = with_deadline(requests(pid, count), timeout);
    let replies = client::within_deadline(timeout, async {
        let mut replies = stub.say_hello_chat(request).await?.into_inner();
        let mut all = Vec::new();
        while let Some(reply) = replies.next().await {
            all.push(reply?.retval);
        }
        Ok(all)
    })
    .await?;
    println!("say_hello_chat: {}", replies.join(" "));
    Ok(())
}

/// A request carrying `message`, with the deadline `timeout` if any (sent
/// as the `grpc-timeout` header, as every lesson does).
fn with_deadline<M>(message: M, timeout: Option<Duration>) -> Request<M> {
    let mut request = Request::new(message);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    request
}

/// `count` requests with `pid`, as a stream.
fn requests(
    pid: i32,
    count: u32,
) -> impl tokio_stream::Stream<Item = HelloRequest> + Send + 'static {
    tokio_stream::iter((0..count).map(move |_| HelloRequest { pid }))
}
