//! Level 2: the whole server, in memory.
//!
//! The server is assembled from the same pieces as each lesson's `start`
//! (tonic's builder configured from the flags, the plumbing's CallLayer,
//! the token check, the size limits), and served over in-memory pipes
//! (`testing::in_memory`). On the other end is the lesson's own client
//! code, through the generated stub. Every byte is really encoded, framed,
//! sent over HTTP/2 and decoded; every status really travels in the
//! trailers. No port is opened.
//!
//! What it does not have is the socket: the port, the accept loop, TLS
//! against the address a client dials. `level3.rs` has those.

// Test code: a failed unwrap fails the test, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bidi_streaming::{client::say_hello_chat, server::BidiStreamingService};
use client_streaming::{client::say_hello_many, server::ClientStreamingService};
use hello_proto::pb::{
    HelloRequest, HelloStreamRequest,
    do_stuff_client::DoStuffClient,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{Stub, attach_token},
    server::with_token_check_and_limits,
};
use server_streaming::{
    client::say_hello_stream,
    server::{MAX_COUNT, ServerStreamingService},
};
use testing::{in_memory, probe::assert_no_tcp_socket};
use tonic::{Code, Request, transport::Channel};
use unary::{
    client::{say_hello, say_hello_again},
    server::UnaryService,
};

/// `service`, assembled as its lesson's `start` does with `args`, reached in
/// memory.
fn serve(service: impl DoStuff, args: &ServerArgs) -> Channel {
    in_memory::start(service, args).expect("the server assembles")
}

/// The stub every lesson client calls (`plumbing::client::Stub`), over
/// `channel`, sending `token` if any: what each lesson's `connect` builds,
/// on a channel it did not dial.
fn stub(channel: Channel, token: Option<&str>) -> Stub {
    let args = ClientArgs {
        token: token.map(str::to_owned),
        ..ClientArgs::default()
    };
    DoStuffClient::with_interceptor(channel, attach_token(&args).unwrap())
}

/// A stream request: `count` replies, `interval_ms` apart.
fn ask(count: u32, interval_ms: u32) -> HelloStreamRequest {
    HelloStreamRequest {
        pid: 7,
        count,
        interval_ms,
    }
}

// ---- The four kinds, the lessons' client against the lessons' server. ----

#[tokio::test]
async fn unary_replies_with_the_notes_strings() {
    let mut stub = stub(serve(UnaryService::default(), &ServerArgs::default()), None);
    assert_eq!(
        say_hello(&mut stub, 4242, None).await.unwrap(),
        "Hello, 4242!"
    );
    assert_eq!(
        say_hello_again(&mut stub, 4242, None).await.unwrap(),
        "Hello again, 4242!"
    );
    assert_no_tcp_socket();
}

#[tokio::test]
async fn server_streaming_sends_count_replies_in_order() {
    let channel = serve(ServerStreamingService::default(), &ServerArgs::default());
    let mut stub = stub(channel, None);
    let replies = say_hello_stream(&mut stub, ask(3, 0), None, |_| {}).await;
    assert_eq!(
        replies.unwrap(),
        ["Hello #1, 7!", "Hello #2, 7!", "Hello #3, 7!"]
    );
    assert_no_tcp_socket();
}

#[tokio::test]
async fn server_streaming_refusal_reaches_the_client_with_its_message() {
    // The status the handler returned, now after a trip through the
    // trailers (`grpc-status: 3`, `grpc-message: count%20must...`).
    let channel = serve(ServerStreamingService::default(), &ServerArgs::default());
    let mut stub = stub(channel, None);
    let status = say_hello_stream(&mut stub, ask(MAX_COUNT + 1, 0), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("count must be at most"),
        "{status:?}"
    );
    assert_no_tcp_socket();
}

#[tokio::test]
async fn client_streaming_counts_and_sums_the_pids() {
    let channel = serve(ClientStreamingService::default(), &ServerArgs::default());
    let mut stub = stub(channel, None);
    let reply = say_hello_many(
        &mut stub,
        [1, 2, 3].into_iter(),
        Duration::ZERO,
        None,
        |_, _| {},
    );
    assert_eq!(reply.await.unwrap(), "Hello, 3 pids (sum 6)!");
    assert_no_tcp_socket();
}

#[tokio::test]
async fn bidi_answers_each_request_in_order() {
    let channel = serve(BidiStreamingService::default(), &ServerArgs::default());
    let mut stub = stub(channel, None);
    let replies = say_hello_chat(&mut stub, [5, 6, 7], Duration::ZERO, None, |_| {}, |_| {});
    assert_eq!(
        replies.await.unwrap(),
        ["Hello, 5!", "Hello, 6!", "Hello, 7!"]
    );
    assert_no_tcp_socket();
}

// ---- What level 2 catches and level 1 misses. ----

#[tokio::test]
async fn the_token_check_is_part_of_the_server_not_of_the_handler() {
    // `--token` is checked by an interceptor wrapped around the service
    // when the server is assembled. Called directly (level 1), the handler
    // answers a call that carries no token: a server assembled without the
    // check would pass every level-1 test.
    let direct = UnaryService::default()
        .say_hello(Request::new(HelloRequest { pid: 1 }))
        .await;
    assert!(direct.is_ok());

    // Through the assembled server: refused without the token, answered
    // with it.
    let args = ServerArgs {
        token: Some("s3cret".to_owned()),
        ..ServerArgs::default()
    };
    let channel = serve(UnaryService::default(), &args);
    let status = say_hello(&mut stub(channel.clone(), None), 1, None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    let reply = say_hello(&mut stub(channel, Some("s3cret")), 1, None).await;
    assert_eq!(reply.unwrap(), "Hello, 1!");
    assert_no_tcp_socket();
}

#[tokio::test]
async fn the_server_ends_a_stream_at_its_deadline() {
    // The call of `level1.rs`'s `a_deadline_is_invisible_to_a_handler_called_directly`:
    // two replies 200 ms apart, and a 50 ms deadline in `grpc-timeout`.
    // The plain generated client, not the lesson's (whose own timer would
    // fire too): only the server's clock is at work here. It ends the
    // stream after the first reply, with DEADLINE_EXCEEDED in the trailers.
    let channel = serve(ServerStreamingService::default(), &ServerArgs::default());
    let mut request = Request::new(ask(2, 200));
    request.set_timeout(Duration::from_millis(50));
    let mut replies = DoStuffClient::new(channel)
        .say_hello_stream(request)
        .await
        .unwrap()
        .into_inner();
    let first = replies.message().await.unwrap().unwrap();
    assert_eq!(first.retval, "Hello #1, 7!");
    let status = replies.message().await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_no_tcp_socket();
}

#[tokio::test]
async fn a_reply_over_the_size_limit_fails_only_when_encoded() {
    // `--max-message-bytes` bounds what the server encodes. A handler
    // returns a struct, and level 1 never encodes it, so a reply that grew
    // past the limit passes there. Here the limit is 8 bytes: the request
    // (3 bytes) fits, the reply "Hello, 4242!" (14 bytes) does not.
    let args = ServerArgs {
        max_message_bytes: 8,
        ..ServerArgs::default()
    };
    let direct = UnaryService::default()
        .say_hello(Request::new(HelloRequest { pid: 4242 }))
        .await;
    assert!(direct.is_ok());

    // tonic's encoder refuses it with OUT_OF_RANGE. (gRPC names a message
    // over the limit RESOURCE_EXHAUSTED, as our call layer answers a
    // request it measured; a reply refused inside tonic leaves it nothing
    // typed to go by, so tonic's code stands.)
    let mut stub = stub(serve(UnaryService::default(), &args), None);
    let status = say_hello(&mut stub, 4242, None).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert_no_tcp_socket();
}

// ---- A shortcut, and where it stops. ----

#[tokio::test]
async fn a_service_handed_straight_to_the_client_encodes_but_has_no_server_around_it() {
    // tonic's generated server is itself a service the generated client
    // can call (tonic issue #2227): no pipes, no HTTP/2 connection. The
    // messages are encoded and the status is put in trailers, and what is
    // wrapped around the service (here the token check) runs. But the
    // server's own layers do not, as there is no server: the 50 ms
    // deadline of `the_server_ends_a_stream_at_its_deadline` is ignored
    // here, and both replies arrive.
    let args = ServerArgs {
        token: Some("s3cret".to_owned()),
        ..ServerArgs::default()
    };
    let service =
        with_token_check_and_limits(DoStuffServer::new(ServerStreamingService::default()), &args);
    let status = DoStuffClient::new(service.clone())
        .say_hello_stream(ask(2, 200))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    let mut request = Request::new(ask(2, 200));
    request.set_timeout(Duration::from_millis(50));
    request
        .metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    let mut replies = DoStuffClient::new(service)
        .say_hello_stream(request)
        .await
        .unwrap()
        .into_inner();
    let mut texts = Vec::new();
    while let Some(reply) = replies.message().await.unwrap() {
        texts.push(reply.retval);
    }
    assert_eq!(texts, ["Hello #1, 7!", "Hello #2, 7!"]);
    assert_no_tcp_socket();
}
