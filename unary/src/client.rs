//! The unary client: the note's `run()`.
//!
//! Open a channel, make the stub, call `say_hello` and `say_hello_again`.
//! Then the note's other lesson: `stub.say_hello.future(request)` starts a
//! call without waiting for it. In Rust *every* call is a future already:
//! nothing happens until it is awaited, and many can be awaited together.

use std::time::{Duration, Instant};

use clap::Parser;
use futures::stream::{FuturesUnordered, StreamExt};
use hello_proto::{
    Kind,
    cli::ClientArgs,
    client::{connect, explain, request, within},
    pb::{Client, HelloRequest},
};
use tonic::Status;

/// Flags of the unary client.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "Calls say_hello and say_hello_again on a unary server")]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Also start N say_hello calls at once, then the same N one after another, and compare the times
    #[arg(long, value_name = "N")]
    pub concurrent: Option<u32>,

    /// Instead, call say_hello N times, --every-ms apart, reporting each call: watch a server restart
    #[arg(long, value_name = "N")]
    pub repeat: Option<u32>,

    /// The pause between --repeat calls
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub every_ms: u64,
}

/// Runs the client as the `client` binary does, printing what it receives.
pub async fn run(args: &Args) -> Result<(), Status> {
    // First, the channel to the server and the stub over it.
    let mut client = connect(Kind::Unary, &args.common).await?;
    let pid = args.common.pid();
    let timeout = args.common.timeout();

    if let Some(n) = args.repeat {
        return call_repeatedly(&mut client, args, n).await;
    }

    // First call: we hand the stub a plain struct; it serializes it,
    // sends it, and deserializes the reply for us.
    let reply = say_hello(&mut client, pid, timeout).await?;
    println!("GRPC client received: {reply}");

    // Second call: same principle.
    let reply = say_hello_again(&mut client, pid, timeout).await?;
    println!("GRPC client received: {reply}");

    if let Some(n) = args.concurrent {
        compare_concurrent_and_sequential(&client, pid, timeout, n).await?;
    }
    // No `channel.close()` as in the note: the channel closes when the last
    // stub using it is dropped, at the end of this function.
    Ok(())
}

/// Calls `say_hello` `n` times, `--every-ms` apart, printing each outcome.
///
/// A failed call is reported and the next one is made anyway: the channel
/// reconnects by itself, so once a restarted server is back, calls succeed
/// again. Fails at the end if any call failed, saying how many.
pub async fn call_repeatedly(client: &mut Client, args: &Args, n: u32) -> Result<(), Status> {
    let every = Duration::from_millis(args.every_ms);
    let (pid, timeout) = (args.common.pid(), args.common.timeout());
    let failed = repeat_say_hello(client, pid, timeout, n, every, |i, outcome| match outcome {
        Ok(reply) => println!("call {i} of {n}: GRPC client received: {reply}"),
        Err(status) => println!(
            "call {i} of {n} failed: {}",
            explain(Kind::Unary, &args.common, status)
        ),
    })
    .await;
    match failed {
        0 => Ok(()),
        _ => Err(Status::unavailable(format!(
            "{failed} of {n} calls failed, each reported above"
        ))),
    }
}

/// Makes `n` `say_hello` calls, `every` apart, handing each outcome to
/// `report` (numbered from 1); returns how many failed.
pub async fn repeat_say_hello(
    client: &mut Client,
    pid: i32,
    timeout: Option<Duration>,
    n: u32,
    every: Duration,
    mut report: impl FnMut(u32, &Result<String, Status>),
) -> u32 {
    let mut failed = 0;
    for i in 1..=n {
        if i > 1 {
            tokio::time::sleep(every).await;
        }
        let outcome = say_hello(client, pid, timeout).await;
        failed += u32::from(outcome.is_err());
        report(i, &outcome);
    }
    failed
}

/// Calls `say_hello` once and returns the reply's text.
pub async fn say_hello(
    client: &mut Client,
    pid: i32,
    timeout: Option<Duration>,
) -> Result<String, Status> {
    within(timeout, async {
        let response = client
            .say_hello(request(HelloRequest { pid }, timeout))
            .await?;
        Ok(response.into_inner().retval)
    })
    .await
}

/// Calls `say_hello_again` once and returns the reply's text.
pub async fn say_hello_again(
    client: &mut Client,
    pid: i32,
    timeout: Option<Duration>,
) -> Result<String, Status> {
    within(timeout, async {
        let response = client
            .say_hello_again(request(HelloRequest { pid }, timeout))
            .await?;
        Ok(response.into_inner().retval)
    })
    .await
}

/// Starts `n` calls at once and prints each reply as it completes, then
/// makes the same `n` calls one after another; prints both times.
pub async fn compare_concurrent_and_sequential(
    client: &Client,
    pid: i32,
    timeout: Option<Duration>,
    n: u32,
) -> Result<(), Status> {
    let started = Instant::now();
    let replies = call_concurrently(client, pid, timeout, n, |reply| {
        println!("GRPC client received (concurrent): {reply}");
    })
    .await?;
    let concurrent = started.elapsed();

    let started = Instant::now();
    for _ in 0..n {
        say_hello(&mut client.clone(), pid, timeout).await?;
    }
    let sequential = started.elapsed();

    println!(
        "{} calls at once took {} ms; one after another they took {} ms",
        replies.len(),
        concurrent.as_millis(),
        sequential.as_millis()
    );
    Ok(())
}

/// Starts `n` `say_hello` calls at once and collects their replies in the
/// order they complete, calling `on_reply` as each arrives.
pub async fn call_concurrently(
    client: &Client,
    pid: i32,
    timeout: Option<Duration>,
    n: u32,
    mut on_reply: impl FnMut(&str),
) -> Result<Vec<String>, Status> {
    // Creating a future starts nothing: these are n calls waiting to be
    // driven. A stub is cheap to clone (it shares one channel), and each
    // call needs its own because a call borrows its stub mutably.
    let mut calls: FuturesUnordered<_> = (0..n)
        .map(|_| {
            let mut client = client.clone();
            async move { say_hello(&mut client, pid, timeout).await }
        })
        .collect();

    // `FuturesUnordered` drives them all at once (over one HTTP/2
    // connection) and yields each result as soon as it is ready.
    let mut replies = Vec::new();
    while let Some(reply) = calls.next().await {
        let reply = reply?;
        on_reply(&reply);
        replies.push(reply);
    }
    Ok(replies)
}
