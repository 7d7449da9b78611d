//! The unary contract, checked over real sockets against a real server.

use std::time::{Duration, Instant};

use hello_proto::{
    Kind,
    client::{connect, explain},
    pb::HelloStreamRequest,
    testing,
};
use tonic::Code;

use crate::{
    client::{call_concurrently, say_hello, say_hello_again},
    server::UnaryService,
};

#[tokio::test]
async fn replies_with_the_notes_strings() {
    let server = testing::start(Kind::Unary, UnaryService::default()).await;
    let mut client = server.client(Kind::Unary).await;
    assert_eq!(
        say_hello(&mut client, 4242, None).await.unwrap(),
        "Hello, 4242!"
    );
    assert_eq!(
        say_hello_again(&mut client, 4242, None).await.unwrap(),
        "Hello again, 4242!"
    );
    assert_eq!(
        say_hello(&mut client, -7, None).await.unwrap(),
        "Hello, -7!"
    );
}

#[tokio::test]
async fn another_kinds_method_is_unimplemented_with_a_hint() {
    let server = testing::start(Kind::Unary, UnaryService::default()).await;
    let mut client = server.client(Kind::Unary).await;
    let ask = HelloStreamRequest {
        pid: 1,
        count: 1,
        interval_ms: 0,
    };
    let status = client.say_hello_stream(ask).await.unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);

    // What the server-streaming client prints when pointed at this server.
    let line = explain(Kind::ServerStreaming, &server.client_args, &status);
    assert!(line.contains("UNIMPLEMENTED"), "{line}");
    assert!(
        line.contains("cargo run -p server-streaming --bin server"),
        "{line}"
    );
}

#[tokio::test]
async fn a_server_that_is_down_is_explained_in_one_line() {
    let mut args = hello_proto::cli::ClientArgs::default();
    let addr = testing::closed_addr().to_string();
    args.addr = vec![addr.clone()];
    let mut client = connect(Kind::Unary, &args).await.unwrap();
    let status = say_hello(&mut client, 1, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);

    let line = explain(Kind::Unary, &args, &status);
    assert!(!line.contains('\n'), "{line}");
    for part in [
        addr.as_str(),
        "UNAVAILABLE",
        "cargo run -p unary --bin server",
    ] {
        assert!(line.contains(part), "missing {part:?} in: {line}");
    }
}

#[tokio::test]
async fn a_port_in_use_is_refused_with_advice() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let args = hello_proto::cli::ServerArgs {
        addr: Some(taken.local_addr().unwrap().to_string()),
        ..Default::default()
    };
    let error = hello_proto::server::start(Kind::Unary, UnaryService::default(), &args)
        .await
        .unwrap_err();
    assert!(error.contains("already in use"), "{error}");
    assert!(error.contains("--addr"), "{error}");
}

#[tokio::test]
async fn concurrent_calls_overlap() {
    // Ten calls that each take 200 ms on the server: one after another they
    // need 2 s; started together they finish in about 200 ms. The bound is
    // generous (1 s) so a busy machine does not make this test flaky.
    let service = UnaryService {
        delay: Duration::from_millis(200),
    };
    let server = testing::start(Kind::Unary, service).await;
    let client = server.client(Kind::Unary).await;

    let started = Instant::now();
    let replies = call_concurrently(&client, 5, None, 10, |_| {})
        .await
        .unwrap();
    let elapsed = started.elapsed();

    assert_eq!(replies, vec!["Hello, 5!"; 10]);
    assert!(
        elapsed < Duration::from_secs(1),
        "10 concurrent calls took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_deadline_shorter_than_the_work_is_deadline_exceeded() {
    let service = UnaryService {
        delay: Duration::from_millis(500),
    };
    let server = testing::start(Kind::Unary, service).await;
    let mut client = server.client(Kind::Unary).await;
    let status = say_hello(&mut client, 1, Some(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");

    // The server is still fine afterwards, and a long enough deadline passes.
    let reply = say_hello(&mut client, 2, Some(Duration::from_secs(5))).await;
    assert_eq!(reply.unwrap(), "Hello, 2!");
}
