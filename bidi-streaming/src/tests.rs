//! The bidirectional contract, checked over real sockets.

use std::time::Duration;

use hello_proto::pb::HelloRequest;
use plumbing::{
    cli::ServerArgs,
    client::{ClientError, Context, explain},
};
use test_support::{TestServer, memory_kib};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::{
    client::{connect, say_hello_chat},
    server::{BidiStreamingService, start},
};

/// A bidi-streaming server with `service` on a free port.
async fn serve(service: BidiStreamingService) -> TestServer {
    TestServer::start(ServerArgs::default(), async |args| {
        start(service, args).await
    })
    .await
}

#[tokio::test]
async fn answers_each_request_in_order() {
    let server = serve(BidiStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_chat(
        &mut stub,
        vec![3, 1, 2],
        Duration::ZERO,
        None,
        |_| {},
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(replies, ["Hello, 3!", "Hello, 1!", "Hello, 2!"]);
}

#[tokio::test]
async fn each_reply_comes_before_the_next_request_is_sent() {
    let server = serve(BidiStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let (tx, rx) = mpsc::channel(1);
    let mut replies = stub
        .say_hello_chat(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();

    // One request, the stream left open: the reply must come anyway.
    for pid in [10, 20] {
        tx.send(HelloRequest { pid }).await.unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(5), replies.message())
            .await
            .expect("no reply while the client waits with its stream open")
            .unwrap()
            .unwrap();
        assert_eq!(reply.retval, format!("Hello, {pid}!"));
    }

    // Half-close: the server ends its side, and the call ends with OK.
    drop(tx);
    assert!(replies.message().await.unwrap().is_none());
}

#[tokio::test]
async fn a_chat_with_no_requests_ends_empty() {
    let server = serve(BidiStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_chat(&mut stub, vec![], Duration::ZERO, None, |_| {}, |_| {})
        .await
        .unwrap();
    assert!(replies.is_empty());
}

#[tokio::test]
async fn a_client_that_leaves_mid_chat_leaves_the_server_healthy() {
    let server = serve(BidiStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let (tx, rx) = mpsc::channel(1);
    let mut replies = stub
        .say_hello_chat(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(HelloRequest { pid: 1 }).await.unwrap();
    replies.message().await.unwrap().unwrap();
    // Leave without half-closing: drop both ends of the call.
    drop(replies);
    drop(tx);

    let replies = say_hello_chat(&mut stub, vec![7], Duration::ZERO, None, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello, 7!"]);
}

#[tokio::test]
async fn a_slow_chat_runs_into_its_deadline() {
    let service = BidiStreamingService {
        delay: Duration::from_millis(200),
    };
    let server = serve(service).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    // Five replies 200 ms each take a second; the deadline is 300 ms.
    let status = say_hello_chat(
        &mut stub,
        vec![1; 5],
        Duration::ZERO,
        Some(Duration::from_millis(300)),
        |_| {},
        |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
}

#[tokio::test]
async fn another_kinds_method_is_unimplemented_with_a_hint() {
    let server = serve(BidiStreamingService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let status = stub.say_hello(HelloRequest { pid: 1 }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
    // What any client shows (grpcurl prints only this): the lesson to start.
    assert_eq!(
        status.message(),
        format!(
            "the bidi-streaming server does not serve say_hello: the unary lesson does ({}, on {})",
            unary::PROGRAM.server_command(),
            unary::PROGRAM.default_addr
        )
    );
    let context = Context::new(unary::PROGRAM, &server.client_args);
    let line = explain(&ClientError::Call(status), &context);
    assert!(line.contains("cargo run -p unary --bin server"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_chats_at_once_each_get_every_reply_in_order() {
    const CHATS: i32 = 1_000;
    const ROUNDS: i32 = 100;
    let server = serve(BidiStreamingService::default()).await;
    // A few connections, as a few client programs would have; each
    // carries many streams at once.
    let mut stubs = Vec::new();
    for _ in 0..4 {
        stubs.push(connect(&server.client_args).await.unwrap());
    }

    let chats: Vec<_> = (0..CHATS)
        .map(|chat| {
            let mut stub = stubs[chat as usize % stubs.len()].clone();
            // Chat `c` sends pids c*1000, c*1000+1, ...: each reply must
            // echo the request it answers, in order.
            let pids = (0..ROUNDS).map(move |round| chat * 1_000 + round);
            tokio::spawn(async move {
                let replies =
                    say_hello_chat(&mut stub, pids, Duration::ZERO, None, |_| {}, |_| {}).await?;
                let expected: Vec<_> = (0..ROUNDS)
                    .map(|round| format!("Hello, {}!", chat * 1_000 + round))
                    .collect();
                Ok::<_, tonic::Status>(replies == expected)
            })
        })
        .collect();
    for (chat, result) in chats.into_iter().enumerate() {
        assert!(
            result.await.unwrap().unwrap(),
            "chat {chat} lost or reordered a reply"
        );
    }
    if let Some((rss, peak)) = memory_kib() {
        eprintln!(
            "1000 chats x 100 round trips: resident {rss} KiB, peak {peak} KiB (client and server)"
        );
    }
}

#[tokio::test]
async fn works_over_mutual_tls() {
    let server = TestServer::start(test_support::mutual_tls(), async |args| {
        start(BidiStreamingService::default(), args).await
    })
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_chat(&mut stub, vec![4], Duration::ZERO, None, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello, 4!"]);
}

#[tokio::test]
async fn works_over_a_unix_socket() {
    let server = TestServer::start(test_support::unix_socket("bidi-streaming"), async |args| {
        start(BidiStreamingService::default(), args).await
    })
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let replies = say_hello_chat(&mut stub, vec![4], Duration::ZERO, None, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(replies, ["Hello, 4!"]);
}
