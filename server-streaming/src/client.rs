//! The server-streaming client: ask once, then read replies as they come.
//!
//! The call returns as soon as the server has *started* answering; what we
//! get back is a stream, and each `message().await` waits for the next
//! reply. `Ok(None)` means the server ended the stream normally.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{HelloStreamRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::{ClientArgs, StreamArgs},
    client::{self, ClientError, Stub},
};
use tonic::{
    Request, Status,
    transport::{Channel, Endpoint},
};

use crate::PROGRAM;

/// Flags of the server-streaming client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Asks a server-streaming server for a stream of replies")]
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

/// Runs the client as the `client` binary does, printing each reply.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    let ask = HelloStreamRequest {
        pid: args.common.pid(),
        count: args.stream.count,
        interval_ms: args.stream.interval_ms,
    };
    let replies = if ask.count == 1 { "reply" } else { "replies" };
    println!(
        "GRPC client asking for {} {replies}, {} ms apart",
        ask.count, ask.interval_ms
    );
    let received = say_hello_stream(&mut stub, ask, args.common.timeout(), |reply| {
        println!("GRPC client received: {reply}");
    })
    .await?;
    let replies = if received.len() == 1 {
        "reply"
    } else {
        "replies"
    };
    println!(
        "GRPC client: the server ended the stream after {} {replies}",
        received.len()
    );
    Ok(())
}

/// Calls `say_hello_stream` and collects the replies, calling `on_reply` on
/// each as it arrives. The deadline, if any, covers the whole stream.
pub async fn say_hello_stream(
    stub: &mut Stub,
    ask: HelloStreamRequest,
    timeout: Option<Duration>,
    mut on_reply: impl FnMut(&str),
) -> Result<Vec<String>, Status> {
    // The request, with its deadline: sent as the `grpc-timeout` header,
    // so the server too knows when to give up.
    let mut request = Request::new(ask);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let call = async {
        let mut stream = stub.say_hello_stream(request).await?.into_inner();
        let mut replies = Vec::new();
        // An error status from the server (or a broken connection) comes
        // out of `message()` as `Err`, and `?` passes it on.
        while let Some(reply) = stream.message().await? {
            on_reply(&reply.retval);
            replies.push(reply.retval);
        }
        Ok::<_, Status>(replies)
    };
    // tonic's own timer stops once the reply's headers arrive, and a stream
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
