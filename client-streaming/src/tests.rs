//! The client-streaming contract, checked over real sockets.

use std::time::Duration;

use hello_proto::pb::HelloRequest;
use plumbing::{
    cli::ServerArgs,
    client::{ClientError, Context, explain},
};
use test_support::TestServer;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::{
    client::{connect, say_hello_many},
    server::{ClientStreamingService, start},
};

/// A client-streaming server with `service` on a free port.
async fn serve(service: ClientStreamingService) -> TestServer {
    TestServer::start(ServerArgs::default(), async |args| {
        start(service, args).await
    })
    .await
}

#[tokio::test]
async fn counts_and_sums_the_pids_after_half_close() {
    let server = serve(ClientStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let reply = say_hello_many(
        &mut stub,
        vec![1, 2, 3].into_iter(),
        Duration::ZERO,
        None,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(reply, "Hello, 3 pids (sum 6)!");
}

#[tokio::test]
async fn zero_requests_is_not_an_error() {
    let server = serve(ClientStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let reply = say_hello_many(
        &mut stub,
        vec![].into_iter(),
        Duration::ZERO,
        None,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(reply, "Hello, 0 pids (sum 0)!");
}

#[tokio::test]
async fn the_sum_does_not_overflow_an_int32() {
    let server = serve(ClientStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let pids = vec![i32::MAX, i32::MAX, i32::MIN];
    let reply = say_hello_many(&mut stub, pids.into_iter(), Duration::ZERO, None, |_, _| {})
        .await
        .unwrap();
    assert_eq!(reply, "Hello, 3 pids (sum 2147483646)!");
}

#[tokio::test]
async fn a_client_that_leaves_before_half_close_leaves_the_server_healthy() {
    let server = serve(ClientStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();

    // Send one request, never half-close, then give up on the call.
    let (tx, rx) = mpsc::channel(1);
    tx.send(HelloRequest { pid: 1 }).await.unwrap();
    let mut abandoned = stub.clone();
    let call = tokio::spawn(async move { abandoned.say_hello_many(ReceiverStream::new(rx)).await });
    // Capacity back in the channel: tonic has taken the request to send it.
    drop(tx.reserve().await.unwrap());
    call.abort();
    drop(tx);

    let reply = say_hello_many(
        &mut stub,
        vec![5].into_iter(),
        Duration::ZERO,
        None,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(reply, "Hello, 1 pids (sum 5)!");
}

#[tokio::test]
async fn a_deadline_shorter_than_the_stream_is_deadline_exceeded() {
    let server = serve(ClientStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    // Ten requests 100 ms apart take a second; the deadline is 250 ms.
    let pids = std::iter::repeat_n(1, 10);
    let status = say_hello_many(
        &mut stub,
        pids,
        Duration::from_millis(100),
        Some(Duration::from_millis(250)),
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
}

#[tokio::test]
async fn another_kinds_method_is_unimplemented_with_a_hint() {
    let server = serve(ClientStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let status = stub.say_hello(HelloRequest { pid: 1 }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
    // What any client shows (grpcurl prints only this): the lesson to start.
    assert_eq!(
        status.message(),
        format!(
            "the client-streaming server does not serve say_hello: the unary lesson does ({}, on {})",
            unary::PROGRAM.server_command(),
            unary::PROGRAM.default_addr
        )
    );
    let context = Context::new(unary::PROGRAM, &server.client_args);
    let line = explain(&ClientError::Call(status), &context);
    assert!(line.contains("cargo run -p unary --bin server"), "{line}");
}

#[tokio::test]
async fn works_over_mutual_tls() {
    let server = TestServer::start(test_support::mutual_tls(), async |args| {
        start(ClientStreamingService::default(), args).await
    })
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let pids = vec![1, 2].into_iter();
    let reply = say_hello_many(&mut stub, pids, Duration::ZERO, None, |_, _| {})
        .await
        .unwrap();
    assert_eq!(reply, "Hello, 2 pids (sum 3)!");
}

#[tokio::test]
async fn works_over_a_unix_socket() {
    let server = TestServer::start(
        test_support::unix_socket("client-streaming"),
        async |args| start(ClientStreamingService::default(), args).await,
    )
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let pids = vec![1, 2].into_iter();
    let reply = say_hello_many(&mut stub, pids, Duration::ZERO, None, |_, _| {})
        .await
        .unwrap();
    assert_eq!(reply, "Hello, 2 pids (sum 3)!");
}
