//! The server-streaming contract, checked over real sockets.

use std::time::Duration;

use hello_proto::{
    Kind, cli::ServerArgs, lifecycle::SHUTTING_DOWN, pb::HelloStreamRequest, testing,
};
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
    let before = live_tasks();

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
    wait_for_live_tasks(before).await;

    // And the server serves the next caller as usual.
    let replies = say_hello_stream(&mut client, ask(2, 0), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies.len(), 2);
}

/// How many tasks are alive on this test's runtime.
fn live_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits (at most 5 s) until no more than `count` tasks are alive: the
/// server's producing task must end long before its 60 s sleep would.
async fn wait_for_live_tasks(count: usize) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while live_tasks() > count {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server kept a task running for a client that left");
}

#[tokio::test]
async fn a_deadline_covers_the_whole_stream_and_stops_the_servers_work() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    say_hello_stream(&mut client, ask(1, 0), None, |_| {})
        .await
        .unwrap();
    let before = live_tasks();
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
    wait_for_live_tasks(before).await;
}

#[tokio::test]
async fn a_token_guards_streams_too() {
    let args = ServerArgs {
        token: Some("s3cret".to_owned()),
        ..ServerArgs::default()
    };
    let server = testing::start_with(
        Kind::ServerStreaming,
        ServerStreamingService::default(),
        args,
    )
    .await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let replies = say_hello_stream(&mut client, ask(2, 0), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies.len(), 2);

    let anonymous = hello_proto::cli::ClientArgs {
        token: None,
        ..server.client_args.clone()
    };
    let mut client = hello_proto::client::connect(Kind::ServerStreaming, &anonymous)
        .await
        .unwrap();
    let status = say_hello_stream(&mut client, ask(2, 0), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn shutdown_ends_a_long_stream_with_a_status() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let mut stream = client
        .say_hello_stream(ask(1_000, 50))
        .await
        .unwrap()
        .into_inner();
    assert!(stream.message().await.unwrap().is_some());

    // A 200 ms grace period: far too short for 1,000 replies 50 ms apart.
    let shutdown = tokio::spawn(server.into_server().shutdown(Duration::from_millis(200)));
    let status = loop {
        match stream.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended as if it were complete"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert_eq!(status.message(), SHUTTING_DOWN);
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown did not finish")
        .unwrap();
}

#[tokio::test]
async fn the_server_ends_a_stream_at_its_deadline() {
    // Without the client's own whole-call bound: the server must end the
    // stream when the grpc-timeout it was sent runs out.
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let mut request = tonic::Request::new(ask(100, 50));
    request.set_timeout(Duration::from_millis(300));
    let mut stream = client.say_hello_stream(request).await.unwrap().into_inner();
    let mut seen = 0;
    let status = loop {
        match stream.message().await {
            Ok(Some(_)) => seen += 1,
            Ok(None) => panic!("the stream outlived its deadline"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!((1..100).contains(&seen), "saw {seen} replies");
}

#[tokio::test]
async fn a_unary_method_here_is_unimplemented_with_a_hint() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let status = client
        .say_hello(hello_proto::pb::HelloRequest { pid: 1 })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    let line = hello_proto::client::explain(Kind::Unary, &server.client_args, &status);
    assert!(line.contains("cargo run -p unary --bin server"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_does_not_make_the_server_hoard_replies() {
    let server = testing::start(Kind::ServerStreaming, ServerStreamingService::default()).await;
    let mut client = server.client(Kind::ServerStreaming).await;
    let mut stream = client
        .say_hello_stream(ask(MAX_COUNT, 0))
        .await
        .unwrap()
        .into_inner();
    assert!(stream.message().await.unwrap().is_some());

    // Read nothing for two seconds. A producer without backpressure would
    // fill memory with up to a million replies (about 100 MB); ours waits
    // once its channel and the HTTP/2 flow-control window are full.
    let Some((before, _)) = testing::memory_kib() else {
        return; // not Linux: nothing to measure with
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, _) = testing::memory_kib().unwrap();
    let grown = after.saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "memory grew by {grown} KiB while the client read nothing"
    );

    // And the stream carries on where it stopped.
    assert_eq!(
        stream.message().await.unwrap().unwrap().retval,
        "Hello #2, 42!"
    );
}
