//! The bidirectional client: a conversation on one call.
//!
//! We hold both ends: a channel sender for our requests (tonic streams out
//! whatever we put in it) and the reply stream. Each round we send one
//! request, then wait for its reply: the two streams are independent, and
//! this back-and-forth is our choice, not gRPC's. Dropping the sender
//! *half-closes* the call: "I will send nothing more, but I am still
//! listening". The server then ends its side, and the reply stream yields
//! `None`.

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

/// Flags of the bidirectional client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Chats with a bidi-streaming server: one request, one reply, repeat")]
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
    let replies = say_hello_chat(
        &mut stub,
        pids,
        args.stream.interval(),
        args.common.timeout(),
        |pid| println!("GRPC client sent: pid = {pid}"),
        |reply| println!("GRPC client received: {reply}"),
    )
    .await?;
    let noun = if replies.len() == 1 {
        "reply"
    } else {
        "replies"
    };
    println!("GRPC client: chat over after {} {noun}", replies.len());
    Ok(())
}

/// Sends one request per pid, waiting for each reply before the next send
/// (and `interval` after it), then half-closes. `on_send` and `on_reply`
/// see each request and each reply as they happen.
pub async fn say_hello_chat(
    stub: &mut Stub,
    pids: impl IntoIterator<Item = i32>,
    interval: Duration,
    timeout: Option<Duration>,
    mut on_send: impl FnMut(i32),
    mut on_reply: impl FnMut(&str),
) -> Result<Vec<String>, Status> {
    let (tx, rx) = mpsc::channel(1);
    let mut pids = pids.into_iter();

    // Prime the call: queue the first request before starting it. The call
    // returns once the server's response headers arrive, and many servers
    // (Python's grpcio, Go's) send those only with their first reply, which
    // needs our first request. (The channel has room for one: no waiting.)
    let first = pids.next();
    if let Some(pid) = first {
        tx.send(HelloRequest { pid })
            .await
            .map_err(|_| Status::internal("the request channel closed before the call"))?;
        on_send(pid);
    }

    // The request is our stream of messages, with the call's deadline
    // (sent as `grpc-timeout`, so the server knows it too).
    let mut request = Request::new(ReceiverStream::new(rx));
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let call = async move {
        let mut replies = stub.say_hello_chat(request).await?.into_inner();
        let mut received = Vec::new();
        // Read the reply to what we sent, then send the next, until there
        // is no next. (With nothing sent, there is no reply to wait for.)
        if first.is_some() {
            loop {
                // An error status from the server comes out here, through `?`.
                let reply = replies.message().await?.ok_or_else(|| {
                    Status::internal("the server ended the chat before answering")
                })?;
                on_reply(&reply.retval);
                received.push(reply.retval);

                let Some(pid) = pids.next() else { break };
                tokio::time::sleep(interval).await;
                if tx.send(HelloRequest { pid }).await.is_err() {
                    break; // the call is over; its status comes out of `replies`
                }
                on_send(pid);
            }
        }

        // Half-close (no more requests), then read until the server ends
        // its side too: the reply stream yields `None`.
        drop(tx);
        while let Some(extra) = replies.message().await? {
            received.push(extra.retval);
        }
        Ok::<_, Status>(received)
    };
    // tonic's own timer stops once the reply's headers arrive, and a chat
    // can go on long after: we time the whole call ourselves too. Either
    // timer's expiry is reported as gRPC names it, DEADLINE_EXCEEDED.
    let Some(timeout) = timeout else {
        return call.await;
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(outcome) => outcome.map_err(client::deadline_named),
        Err(_elapsed) => Err(client::deadline_passed(timeout)),
    }
}
