//! The bidirectional client: a conversation on one call.
//!
//! We hold both ends: a channel sender for our requests (tonic streams out
//! whatever we put in it) and the reply stream. Each round we send one
//! request, then wait for its reply. Dropping the sender *half-closes* the
//! call: "I will send nothing more, but I am still listening". The server
//! then ends its side, and the reply stream yields `None`.

use std::time::Duration;

use clap::Parser;
use hello_proto::{
    Kind,
    cli::{ClientArgs, StreamArgs},
    client::{connect, request, within},
    pb::{Client, HelloRequest},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// Flags of the bidirectional client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Chats with a bidi-streaming server: one request, one reply, repeat")]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// The flags every streaming client has: --count, --interval-ms.
    #[command(flatten)]
    pub stream: StreamArgs,
}

/// Runs the client as the `client` binary does.
pub async fn run(args: &Args) -> Result<(), Status> {
    let mut client = connect(Kind::BidiStreaming, &args.common).await?;
    let pids = vec![args.common.pid(); args.stream.count as usize];
    let interval = args.stream.interval();
    let replies = say_hello_chat(
        &mut client,
        pids,
        interval,
        args.common.timeout(),
        |pid, reply| {
            println!("GRPC client sent: pid = {pid}");
            println!("GRPC client received: {reply}");
        },
    )
    .await?;
    println!("GRPC client: chat over after {} replies", replies.len());
    Ok(())
}

/// Sends one request per pid, waiting for each reply before the next send
/// (and `interval` after it), then half-closes. `on_reply` sees each pair.
pub async fn say_hello_chat(
    client: &mut Client,
    pids: Vec<i32>,
    interval: Duration,
    timeout: Option<Duration>,
    mut on_reply: impl FnMut(i32, &str),
) -> Result<Vec<String>, Status> {
    within(timeout, async {
        let (tx, rx) = mpsc::channel(1);
        // Starting the call sends the request headers; the server answers
        // with its own headers, and from then on both streams are open.
        let mut replies = client
            .say_hello_chat(request(ReceiverStream::new(rx), timeout))
            .await?
            .into_inner();

        let mut received = Vec::new();
        for (i, pid) in pids.into_iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(interval).await;
            }
            if tx.send(HelloRequest { pid }).await.is_err() {
                // The call is over on our side already: its status, if it
                // failed, comes out of the reply stream below.
                break;
            }
            match replies.message().await? {
                Some(reply) => {
                    on_reply(pid, &reply.retval);
                    received.push(reply.retval);
                }
                None => {
                    return Err(Status::internal(
                        "the server ended the chat before answering",
                    ));
                }
            }
        }

        // Half-close, then read until the server ends its side too.
        drop(tx);
        while let Some(extra) = replies.message().await? {
            received.push(extra.retval);
        }
        Ok(received)
    })
    .await
}
