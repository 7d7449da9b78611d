//! The client: one `say_hello` to the relay.
//!
//! With `--timeout-ms`, the call has a deadline, sent as `grpc-timeout`;
//! the relay passes what is left of it on to the backend. With
//! `--cancel-after-ms`, the client gives up on the call before it is
//! answered: it *drops* the call's future, which resets the HTTP/2 stream,
//! what Ctrl-C does too (by closing the whole connection). The relay's and
//! the backend's logs show the cancellation arriving.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::do_stuff_client::DoStuffClient;
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::Status;

use crate::RELAY;

/// Flags of the client.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "Calls say_hello on the relay, which calls the backend")]
pub struct Args {
    /// The flags every client has: --addr (default: the relay, 127.0.0.1:8907), --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Give up on the call after this long, without waiting for the answer: drop it, as a client that goes away does
    #[arg(long, value_name = "MS")]
    pub cancel_after_ms: Option<u64>,
}

/// How a call the client may give up on ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The relay answered with the backend's reply.
    Replied(String),
    /// The client dropped the call after this long, unanswered.
    GaveUp(Duration),
}

/// The channel to the relay, and the stub on it.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(RELAY, args).await?;
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Calls `say_hello` within `timeout`, if any, and gives up on it after
/// `cancel_after`, if any.
pub async fn say_hello(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
    cancel_after: Option<Duration>,
) -> Result<Outcome, Status> {
    // The unary lesson's call: the request, its deadline, the reply.
    let call = unary::client::say_hello(stub, pid, timeout);
    let Some(patience) = cancel_after else {
        return call.await.map(Outcome::Replied);
    };
    // When the timer wins, `tokio::time::timeout` drops the call's future:
    // that is the whole of cancelling a call in tonic.
    match tokio::time::timeout(patience, call).await {
        Ok(answer) => answer.map(Outcome::Replied),
        Err(_) => Ok(Outcome::GaveUp(patience)),
    }
}

/// Runs the client as the `client` binary does: one call, its outcome printed.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    let cancel_after = args.cancel_after_ms.map(Duration::from_millis);
    let outcome = say_hello(
        &mut stub,
        args.common.pid(),
        args.common.timeout(),
        cancel_after,
    )
    .await?;
    match outcome {
        Outcome::Replied(reply) => println!("GRPC client received: {reply}"),
        Outcome::GaveUp(after) => println!(
            "GRPC client gave up after {} ms and dropped the call: its stream is reset, and the servers' logs say what they did",
            after.as_millis()
        ),
    }
    Ok(())
}
