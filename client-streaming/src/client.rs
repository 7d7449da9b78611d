//! The client-streaming client: send a stream, then read one reply.
//!
//! The requests come from a channel: a task sends them one by one, at the
//! pace of `--interval-ms`, and tonic forwards each as it comes out of the
//! channel. When the task finishes, it drops its sender; the stream ends,
//! and tonic half-closes the call. That is the server's cue to answer.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{HelloRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::{ClientArgs, StreamArgs},
    client::{self, ClientError, Stub},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Request, Status,
    transport::{Channel, Endpoint},
};

use crate::PROGRAM;

/// Flags of the client-streaming client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Sends a stream of requests to a client-streaming server")]
pub struct Args {
    /// The flags every client has: --addr or --registry, --pid, --timeout-ms, --token, --tls, --mtls, --ca.
    #[command(flatten)]
    pub common: ClientArgs,

    /// The flags every streaming client has: --count, --interval-ms.
    #[command(flatten)]
    pub stream: StreamArgs,
}

/// The channel to the server, and the stub on it: each step as in
/// `unary/src/client.rs`, which says why.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = match args.registry() {
        // `--registry`: the servers registered in etcd, followed.
        Some(url) => {
            let args = args.clone();
            let endpoint = move |addr: &str, tls| endpoint(addr, tls, &args);
            client::follow_registry(PROGRAM, url, endpoint).await?
        }
        // `--addr`: one server (lazy: dialled at the first call), or several.
        None => {
            let mut endpoints = Vec::new();
            for addr in args.addrs(PROGRAM) {
                endpoints.push(endpoint(&addr, args.speaks_tls(), args)?);
            }
            match endpoints.as_slice() {
                [endpoint] => endpoint.connect_lazy(),
                _ => Channel::balance_list(endpoints.into_iter()),
            }
        }
    };
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// The `Endpoint` for the server at `addr`, over TLS if `tls`.
fn endpoint(addr: &str, tls: bool, args: &ClientArgs) -> Result<Endpoint, ClientError> {
    let endpoint = Endpoint::from_shared(client::uri(addr, tls, args)?)?;
    let endpoint = client::dial_settings(endpoint);
    if !tls {
        return Ok(endpoint);
    }
    Ok(endpoint.tls_config(client::tls_config(args)?)?)
}

/// Runs the client as the `client` binary does.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    let pids = std::iter::repeat_n(args.common.pid(), args.stream.count as usize);
    let count = args.stream.count;
    let reply = say_hello_many(
        &mut stub,
        pids,
        args.stream.interval(),
        args.common.timeout(),
        move |i, pid| {
            println!("GRPC client sending: pid = {pid} (request {i} of {count})");
        },
    )
    .await?;
    println!("GRPC client received: {reply}");
    Ok(())
}

/// Streams one `HelloRequest` per pid, `interval` apart, then half-closes
/// and returns the server's one reply. `on_send` sees each request as it is
/// handed to tonic.
pub async fn say_hello_many(
    stub: &mut Stub,
    pids: impl Iterator<Item = i32> + Send + 'static,
    interval: Duration,
    timeout: Option<Duration>,
    on_send: impl Fn(usize, i32) + Send + 'static,
) -> Result<String, Status> {
    // A small channel: the sending task waits for tonic to take each request.
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        for (i, pid) in pids.enumerate() {
            if i > 0 {
                tokio::time::sleep(interval).await;
            }
            // Fails only if the call is over (the server answered early, or
            // the call failed); then there is no one left to send to.
            if tx.send(HelloRequest { pid }).await.is_err() {
                return;
            }
            on_send(i + 1, pid);
        }
        // `tx` is dropped here: the request stream ends, and the call is
        // half-closed.
    });

    // The request is the stream of messages, with the call's deadline:
    // sent as the `grpc-timeout` header, so the server too knows when to
    // give up. The server answers only after we half-close, so tonic's own
    // timer (it runs until the reply arrives) bounds the whole call.
    let mut request = Request::new(ReceiverStream::new(rx));
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let response = (stub.say_hello_many(request).await).map_err(client::deadline_named)?;
    Ok(response.into_inner().retval)
}
