//! The server-streaming contract, checked over real sockets.

use std::time::Duration;

use hello_proto::{Kind, pb::HelloStreamRequest, testing};
use tonic::Code;

use crate::{
    client::say_hello_stream,
    server::{MAX_COUNT, MAX_INTERVAL_MS, ServerStreamingService},
};

fn ask(count: u32, interval_ms: u32) -> HelloStreamRequest {
    HelloStreamRequest {
        pid: 42,
        count,
        interval_ms,
    }
}

#[tokio::test]
async fn sends_count_replies_in_order() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let replies = say_hello_stream(&mut client, ask(3, 1), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello #1, 42!", "Hello #2, 42!", "Hello #3, 42!"]);
}

#[tokio::test]
async fn count_zero_is_an_empty_stream() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let replies = say_hello_stream(&mut client, ask(0, 0), None, |_| {})
        .await
        .unwrap();
    assert!(replies.is_empty());
}

#[tokio::test]
async fn each_limit_gives_invalid_argument_naming_it() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    for (request, limit) in [
        (ask(MAX_COUNT + 1, 0), "count must be at most 1000000"),
        (
            ask(1, MAX_INTERVAL_MS + 1),
            "interval_ms must be at most 60000",
        ),
    ] {
        let status = say_hello_stream(&mut client, request, None, |_| {})
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains(limit), "{}", status.message());
    }
}

#[tokio::test]
async fn the_largest_allowed_values_are_accepted() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    // The first reply comes at once; we read it and hang up.
    let mut stream = client
        .say_hello_stream(ask(MAX_COUNT, MAX_INTERVAL_MS))
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    assert_eq!(first.retval, "Hello #1, 42!");
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_stops_the_servers_work() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    // Warm up, so the connection's own tasks are already counted.
    say_hello_stream(&mut client, ask(1, 0), None, |_| {})
        .await
        .unwrap();
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();

    // A stream that would take a minute between replies.
    let mut stream = client
        .say_hello_stream(ask(10, MAX_INTERVAL_MS))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        stream.message().await.unwrap().unwrap().retval,
        "Hello #1, 42!"
    );
    drop(stream);

    // The producing task must end long before its 60 s sleep would: wait
    // (up to 5 s) until the number of live tasks is back where it was.
    tokio::time::timeout(Duration::from_secs(5), async {
        while metrics.num_alive_tasks() > before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server kept a task running for a client that left");

    // And the server serves the next caller as usual.
    let replies = say_hello_stream(&mut client, ask(2, 0), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies.len(), 2);
}

#[tokio::test]
async fn a_deadline_covers_the_whole_stream() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    // Headers arrive at once, so only a whole-call bound can catch this.
    let mut seen = 0;
    let status = say_hello_stream(
        &mut client,
        ask(10, 100),
        Some(Duration::from_millis(250)),
        |_| {
            seen += 1;
        },
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded);
    assert!((1..10).contains(&seen), "saw {seen} replies");
}
