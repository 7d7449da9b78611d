//! The server-streaming contract, checked over real sockets.

use std::time::Duration;

use hello_proto::pb::HelloStreamRequest;
use plumbing::{
    call_layer::SHUTTING_DOWN,
    cli::{ClientArgs, ServerArgs, StreamArgs},
    client::{ClientError, Context, explain},
};
use test_support::{TestServer, capture_logs, memory_kib, wait_for_log};
use tonic::{Code, Status};

use crate::{
    PROGRAM,
    client::{connect, say_hello_stream},
    server::{MAX_COUNT, MAX_INTERVAL_MS, Refused, ServerStreamingService, check, start},
};

/// A server-streaming server with `service` on a free port.
async fn serve(service: ServerStreamingService) -> TestServer {
    TestServer::start(ServerArgs::default(), async |args| {
        start(service, args).await
    })
    .await
}

fn ask(count: u32, interval_ms: u32) -> HelloStreamRequest {
    HelloStreamRequest {
        pid: 42,
        count,
        interval_ms,
    }
}

#[tokio::test]
async fn sends_count_replies_in_order() {
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_stream(&mut stub, ask(3, 1), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello #1, 42!", "Hello #2, 42!", "Hello #3, 42!"]);
}

#[tokio::test]
async fn count_zero_is_an_empty_stream() {
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_stream(&mut stub, ask(0, 0), None, |_| {})
        .await
        .unwrap();
    assert!(replies.is_empty());
}

#[tokio::test]
async fn each_limit_gives_invalid_argument_naming_it() {
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    for (request, limit) in [
        (ask(MAX_COUNT + 1, 0), "count must be at most 1000000"),
        (
            ask(1, MAX_INTERVAL_MS + 1),
            "interval_ms must be at most 60000",
        ),
    ] {
        let status = say_hello_stream(&mut stub, request, None, |_| {})
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains(limit), "{}", status.message());
    }
}

#[test]
fn a_refusal_names_its_field_and_travels_inside_its_status_but_not_on_the_wire() {
    let refused = check(&ask(MAX_COUNT + 1, 0)).unwrap_err();
    assert_eq!(refused.field, "count");
    assert_eq!(refused.why, "must be at most 1000000, got 1000001");
    assert_eq!(
        check(&ask(1, MAX_INTERVAL_MS + 1)).unwrap_err().field,
        "interval_ms"
    );
    assert_eq!(check(&ask(MAX_COUNT, MAX_INTERVAL_MS)), Ok(()));

    let status = Status::from(refused.clone());
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "count must be at most 1000000, got 1000001"
    );
    let source = std::error::Error::source(&status).unwrap();
    assert_eq!(source.downcast_ref::<Refused>(), Some(&refused));
    // What a client is sent: the code and the message, no details.
    let sent = status.into_http::<()>();
    assert!(
        !sent.headers().contains_key("grpc-status-details-bin"),
        "{sent:?}"
    );
}

#[tokio::test]
async fn the_largest_allowed_values_are_accepted() {
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    // The first reply comes at once; we read it and hang up.
    let mut stream = stub
        .say_hello_stream(ask(MAX_COUNT, MAX_INTERVAL_MS))
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    assert_eq!(first.retval, "Hello #1, 42!");
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_stops_the_servers_work() {
    capture_logs(tracing::Level::INFO);
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    // Warm up, so the connection's own tasks are already counted.
    say_hello_stream(&mut stub, ask(1, 0), None, |_| {})
        .await
        .unwrap();
    let before = live_tasks();

    // A stream that would take a minute between replies.
    let mut stream = stub
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
    // The server's log says the caller left.
    let left = "/hello.DoStuff/say_hello_stream: the caller went away during the reply";
    assert!(wait_for_log(&[left]).await.is_some(), "no line: {left}");

    // And the server serves the next caller as usual.
    let replies = say_hello_stream(&mut stub, ask(2, 0), None, |_| {})
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
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    say_hello_stream(&mut stub, ask(1, 0), None, |_| {})
        .await
        .unwrap();
    let before = live_tasks();
    // Headers arrive at once, so only a whole-call bound can catch this.
    let mut seen = 0;
    let status = say_hello_stream(
        &mut stub,
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
    let service = ServerStreamingService::default();
    let server = TestServer::start(args, async |args| start(service, args).await).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_stream(&mut stub, ask(2, 0), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies.len(), 2);

    let anonymous = ClientArgs {
        token: None,
        ..server.client_args.clone()
    };
    let mut stub = connect(&anonymous).await.unwrap();
    let status = say_hello_stream(&mut stub, ask(2, 0), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn shutdown_ends_a_long_stream_with_a_status() {
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let mut stream = stub
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
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let mut request = tonic::Request::new(ask(100, 50));
    request.set_timeout(Duration::from_millis(300));
    let mut stream = stub.say_hello_stream(request).await.unwrap().into_inner();
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
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let status = stub
        .say_hello(hello_proto::pb::HelloRequest { pid: 1 })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    // What any client shows (grpcurl prints only this): the lesson to start.
    assert_eq!(
        status.message(),
        format!(
            "the server-streaming server does not serve say_hello: the unary lesson does ({}, on {})",
            unary::PROGRAM.server_command(),
            unary::PROGRAM.default_addr
        )
    );
    let context = Context::new(unary::PROGRAM, &server.client_args);
    let line = explain(&ClientError::Call(status), &context);
    assert!(line.contains("cargo run -p unary --bin server"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_does_not_make_the_server_hoard_replies() {
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let mut stream = stub
        .say_hello_stream(ask(MAX_COUNT, 0))
        .await
        .unwrap()
        .into_inner();
    assert!(stream.message().await.unwrap().is_some());

    // Read nothing for two seconds. A producer without backpressure would
    // fill memory with up to a million replies (about 100 MB); ours waits
    // once its channel and the HTTP/2 flow-control window are full.
    let Some((before, _)) = memory_kib() else {
        return; // not Linux: nothing to measure with
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, _) = memory_kib().unwrap();
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

/// Runs the server-streaming client with `stream` and `timeout_ms` against
/// `server`, as the binary does; returns the line it would print.
async fn client_says(server: &TestServer, stream: StreamArgs, timeout_ms: Option<u64>) -> String {
    let args = crate::client::Args {
        common: ClientArgs {
            timeout_ms,
            ..server.client_args.clone()
        },
        stream,
    };
    let error = crate::client::run(&args).await.unwrap_err();
    let context = Context::new(PROGRAM, &args.common).streaming(&args.stream);
    explain(&error, &context)
}

#[tokio::test]
async fn a_stream_longer_than_its_deadline_is_told_to_ask_for_less_not_to_blame_the_server() {
    // No --delay-ms on this server: the stream is long because we asked.
    let server = serve(ServerStreamingService::default()).await;
    let stream = StreamArgs {
        count: 10,
        interval_ms: 100,
    };
    let line = client_says(&server, stream, Some(250)).await;
    assert!(line.contains("(DEADLINE_EXCEEDED: "), "{line}");
    assert!(
        line.contains("10 messages 100 ms apart take 900 ms, longer than --timeout-ms 250"),
        "{line}"
    );
    assert!(line.contains("lower --count or --interval-ms"), "{line}");
    assert!(!line.contains("--delay-ms"), "{line}");
}

#[tokio::test]
async fn a_count_over_the_limit_is_told_which_flag_to_change() {
    let server = serve(ServerStreamingService::default()).await;
    let stream = StreamArgs {
        count: MAX_COUNT + 1,
        interval_ms: 0,
    };
    let line = client_says(&server, stream, None).await;
    assert_eq!(
        line,
        "the server refused the request (INVALID_ARGUMENT: count must be at most 1000000, got 1000001); change --count"
    );
}

#[tokio::test]
async fn the_end_of_the_grace_period_is_logged_as_the_servers_doing() {
    capture_logs(tracing::Level::INFO);
    let server = serve(ServerStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let ask = HelloStreamRequest {
        pid: 4711,
        count: 1_000,
        interval_ms: 50,
    };
    let mut stream = stub.say_hello_stream(ask).await.unwrap().into_inner();
    assert!(stream.message().await.unwrap().is_some());
    server
        .into_server()
        .shutdown(Duration::from_millis(100))
        .await;

    // The layer says the server ended the call (a caller that left would
    // be logged as such); the handler, only that the call is over.
    let ended = "/hello.DoStuff/say_hello_stream: the shutdown's grace period is over";
    assert!(wait_for_log(&[ended]).await.is_some(), "no line: {ended}");
    let stopped = wait_for_log(&["pid 4711"])
        .await
        .expect("the handler said nothing");
    assert!(
        stopped.contains("the call is over; stopped sending"),
        "{stopped}"
    );
}

#[tokio::test]
async fn works_over_mutual_tls() {
    let server = TestServer::start(test_support::mutual_tls(), async |args| {
        start(ServerStreamingService::default(), args).await
    })
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_stream(&mut stub, ask(2, 1), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello #1, 42!", "Hello #2, 42!"]);
}

#[tokio::test]
async fn works_over_a_unix_socket() {
    let server = TestServer::start(
        test_support::unix_socket("server-streaming"),
        async |args| start(ServerStreamingService::default(), args).await,
    )
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_stream(&mut stub, ask(2, 1), None, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello #1, 42!", "Hello #2, 42!"]);
}
