//! The client: calls of all four kinds, to watch on the Live panel, and
//! with `--per-second N` a steady stream of unary calls, to see the page
//! keep up (and the server's memory stay flat) under load.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use hello_proto::pb::{HelloRequest, HelloStreamRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tokio::time::MissedTickBehavior;

use crate::TOPIC;

/// Flags of the web crate's client.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "Makes one call of each kind (and with --per-second, many more) for the Live panel"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// How many messages each streaming call sends or asks for
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub count: u32,

    /// Then make this many say_hello calls a second, for --seconds
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub per_second: Option<u32>,

    /// With --per-second: for how long
    #[arg(long, value_name = "S", default_value_t = 10)]
    pub seconds: u64,
}

/// Runs the client as the `client` binary does.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let channel = unary::client::channel(TOPIC, &args.common).await?;
    let mut stub = DoStuffClient::with_interceptor(channel, client::attach_token(&args.common)?);
    every_kind(&mut stub, args).await?;
    if let Some(per_second) = args.per_second {
        let (ok, failed, took) = steady(&stub, per_second, Duration::from_secs(args.seconds)).await;
        println!(
            "{ok} say_hello calls answered, {failed} failed, in {:.1} s",
            took.as_secs_f64()
        );
    }
    Ok(())
}

/// One call of each kind, each reply printed: the lessons' own calls.
async fn every_kind(stub: &mut Stub, args: &Args) -> Result<(), ClientError> {
    let (pid, count, timeout) = (args.common.pid(), args.count, args.common.timeout());
    let reply = unary::client::say_hello(stub, pid, timeout).await?;
    println!("say_hello: {reply}");

    let ask = HelloStreamRequest {
        pid,
        count,
        interval_ms: 0,
    };
    let replies = server_streaming::client::say_hello_stream(stub, ask, timeout, |_| {}).await?;
    println!("say_hello_stream: {}", replies.join(" "));

    let pids = std::iter::repeat_n(pid, count as usize);
    let no_pause = Duration::ZERO;
    let reply =
        client_streaming::client::say_hello_many(stub, pids, no_pause, timeout, |_, _| {}).await?;
    println!("say_hello_many: {reply}");

    let pids = std::iter::repeat_n(pid, count as usize);
    let chat =
        bidi_streaming::client::say_hello_chat(stub, pids, no_pause, timeout, |_| {}, |_| {});
    println!("say_hello_chat: {}", chat.await?.join(" "));
    Ok(())
}

/// `per_second` unary calls a second for `length`, each one a task of its
/// own (so a slow reply never delays the next call); returns how many were
/// answered, how many failed, and how long it all took.
pub async fn steady(stub: &Stub, per_second: u32, length: Duration) -> (u64, u64, Duration) {
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / per_second);
    // Late ticks (a busy machine) are caught up, so the rate holds on average.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let total = u64::from(per_second) * length.as_secs();
    let mut calls = tokio::task::JoinSet::new();
    for pid in 0..total {
        ticks.tick().await;
        let (mut stub, ok, failed) = (stub.clone(), ok.clone(), failed.clone());
        let pid = i32::try_from(pid).unwrap_or(i32::MAX);
        calls.spawn(async move {
            match stub.say_hello(HelloRequest { pid }).await {
                Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                Err(_) => failed.fetch_add(1, Ordering::Relaxed),
            };
        });
        // Collect the finished tasks as we go, so their number stays small.
        while calls.try_join_next().is_some() {}
    }
    while calls.join_next().await.is_some() {}
    (
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        started.elapsed(),
    )
}
