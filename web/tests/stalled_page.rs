//! A page that never reads its feed (a laptop asleep with the tab open)
//! must not slow the calls, nor grow the server's memory.
//!
//! A program of its own, so that the memory measured is this test's alone:
//! the server and its clients, nothing else running beside them.

// Test code: a failed step fails the test, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures::{StreamExt as _, stream};
use hello_proto::pb::HelloRequest;
use plumbing::cli::ServerArgs;
use test_support::{TestServer, memory_kib};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpSocket, TcpStream},
};
use web::{
    feed::{CHANNEL_CAPACITY, Feed},
    server::{self, Args},
};

/// Calls made in each round, and the rounds: the first with no page open,
/// to compare; the others with the stalled page.
const CALLS_PER_ROUND: usize = 1000;
const ROUNDS: usize = 5;
/// Events published straight into the feed at the end, more than the
/// socket buffers can hold.
const FILLER_EVENTS: u64 = 100_000;
/// Calls in flight at once.
const CONCURRENCY: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_reads_neither_slows_calls_nor_grows_memory() {
    let feed = Feed::new(50);
    let server = TestServer::start(ServerArgs::default(), async |common| {
        let args = Args {
            common: common.clone(),
            keep_calls: 50,
            ..Args::default()
        };
        server::start(feed.clone(), &args).await
    })
    .await;

    let stub = server.stub().await;
    let mut report = Vec::new();
    let mut memory = Vec::new();
    let mut stalled = None;
    for round in 0..ROUNDS {
        if round == 1 {
            stalled = Some(open_and_never_read(server.addr()).await);
        }
        let started = Instant::now();
        let mut slowest = Duration::ZERO;
        let calls = stream::iter(0..CALLS_PER_ROUND)
            .map(|pid| {
                let mut stub = stub.clone();
                async move {
                    let started = Instant::now();
                    let pid = i32::try_from(pid).unwrap();
                    stub.say_hello(HelloRequest { pid }).await.unwrap();
                    started.elapsed()
                }
            })
            .buffer_unordered(CONCURRENCY);
        let took: Vec<Duration> = calls.collect().await;
        for call in took {
            slowest = slowest.max(call);
        }
        let elapsed = started.elapsed();
        let (rss, _) = memory_kib().unwrap_or((0, 0));
        memory.push(rss);
        let page = if round == 0 {
            "no page"
        } else {
            "stalled page"
        };
        report.push(format!(
            "round {round} ({page}): {CALLS_PER_ROUND} calls in {:.0} ms ({:.0} calls/s), slowest {:.1} ms, RSS {rss} KiB",
            elapsed.as_secs_f64() * 1000.0,
            CALLS_PER_ROUND as f64 / elapsed.as_secs_f64(),
            slowest.as_secs_f64() * 1000.0,
        ));
    }
    println!("{}", report.join("\n"));

    // Every call was published, none waited for the page.
    let mut stalled = stalled.unwrap();
    let published = feed.calls_started();
    assert_eq!(published, (CALLS_PER_ROUND * ROUNDS) as u64);

    // Flat: after the first round with the page (allocator and connection
    // buffers warming up), memory grows by less than a few MiB, while the page fell
    // behind by many times the channel's capacity.
    if memory[0] > 0 {
        let growth = memory[ROUNDS - 1].saturating_sub(memory[1]);
        println!(
            "RSS after round 1: {} KiB, after round {}: {} KiB (growth {growth} KiB)",
            memory[1],
            ROUNDS - 1,
            memory[ROUNDS - 1]
        );
        assert!(growth < 8 * 1024, "memory grew by {growth} KiB");
    }

    // The kernel's socket buffers hold a few MiB of events for the page
    // (outside our memory, and bounded too). More than they hold, straight
    // into the feed, as fast as it goes: publishing never waits either.
    let started = Instant::now();
    for n in 0..FILLER_EVENTS {
        feed.publish(
            0,
            "message",
            serde_json::json!({ "n": n, "text": "filler" }),
        );
    }
    let (rss, _) = memory_kib().unwrap_or((0, 0));
    println!(
        "then {FILLER_EVENTS} events published in {:.0} ms; RSS {rss} KiB",
        started.elapsed().as_secs_f64() * 1000.0
    );

    // The page, reading at last, is told what it missed: first the events
    // the socket buffers held, then a `missed` event.
    const MISSED: &str = r#"{"type":"missed","count":"#;
    let mut chunk = vec![0; 64 * 1024];
    let mut window = String::new();
    let told = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = stalled.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the feed ended");
            // What is left of the last chunk, and this one.
            let keep = window.len().saturating_sub(64);
            window.drain(..keep);
            window.push_str(&String::from_utf8_lossy(&chunk[..n]));
            if let Some(at) = window.find(MISSED) {
                let digits = &window[at + MISSED.len()..];
                let count: String = digits.chars().take_while(char::is_ascii_digit).collect();
                if count.len() < digits.len() {
                    return count.parse::<u64>().unwrap();
                }
            }
        }
    })
    .await
    .expect("a missed event within 5 s");
    println!(
        "the stalled page, reading at last, was told it missed {told} events (the channel keeps {CHANNEL_CAPACITY})"
    );
    // The feed reports a lag as the page's reader meets it, possibly in
    // several `missed` events: the first one counts at least one.
    assert!(told > 0);
}

/// The stalled page: asks for /events with a tiny receive window, and
/// never reads (until the end of the test).
async fn open_and_never_read(addr: std::net::SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /events HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    stalled
}
