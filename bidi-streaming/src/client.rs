//! The bidirectional client: a conversation on one call.
//!
//! We hold both ends: a channel sender for our requests (tonic streams out
//! whatever we put in it) and the reply stream. Each round we send one
//! request, then wait for its reply: the two streams are independent, and
//! this back-and-forth is our choice, not gRPC's. Dropping the sender *half-closes* the
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
    let pids = std::iter::repeat_n(args.common.pid(), args.stream.count as usize);
    let replies = say_hello_chat(
        &mut client,
        pids,
        args.stream.interval(),
        args.common.timeout(),
        |pid| println!("GRPC client sent: pid = {pid}"),
        |reply| println!("GRPC client received: {reply}"),
    )
    .await?;
    println!("GRPC client: chat over after {} replies", replies.len());
    Ok(())
}

/// Sends one request per pid, waiting for each reply before the next send
/// (and `interval` after it), then half-closes. `on_send` and `on_reply`
/// see each request and each reply as they happen.
pub async fn say_hello_chat(
    client: &mut Client,
    pids: impl IntoIterator<Item = i32>,
    interval: Duration,
    timeout: Option<Duration>,
    mut on_send: impl FnMut(i32),
    mut on_reply: impl FnMut(&str),
) -> Result<Vec<String>, Status> {
    within(timeout, async {
        let (tx, rx) = mpsc::channel(1);
        let mut pids = pids.into_iter();

        // Queue the first request before starting the call. The call
        // returns once the server's response headers arrive, and many
        // servers (Python's grpcio, Go's) send those only with their first
        // reply, which needs our first request. With no request at all,
        // half-close at once: drop the sender.
        let mut waiting_for = pids.next();
        let tx = match waiting_for {
            Some(pid) => {
                // The channel has room for one: this does not wait.
                tx.send(HelloRequest { pid }).await.ok();
                on_send(pid);
                Some(tx)
            }
            None => {
                drop(tx);
                None
            }
        };
        let mut replies = client
            .say_hello_chat(request(ReceiverStream::new(rx), timeout))
            .await?
            .into_inner();

        let mut received = Vec::new();
        while waiting_for.is_some() {
            // An error status from the server comes out here, through `?`.
            let reply = replies
                .message()
                .await?
                .ok_or_else(|| Status::internal("the server ended the chat before answering"))?;
            on_reply(&reply.retval);
            received.push(reply.retval);

            // Answered: now the next request, after a pause.
            waiting_for = pids.next();
            if let (Some(pid), Some(tx)) = (waiting_for, &tx) {
                tokio::time::sleep(interval).await;
                if tx.send(HelloRequest { pid }).await.is_err() {
                    // The call is over; its status comes out of `replies`.
                    break;
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
        Ok(received)
    })
    .await
}
