//! Level 1: call the service's methods, as functions.
//!
//! A service is a struct that implements the generated `DoStuff` trait; its
//! methods are async functions that take a `Request` and return a
//! `Response` or a `Status`. A test can call them directly: no server, no
//! channel, no bytes. That is the fastest test there is, and it checks the
//! handler's logic: the reply's text, the validation, the sum.
//!
//! What it does not check is everything tonic does around the handler;
//! `level2.rs` starts there.

// Test code: a failed unwrap fails the test, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use bidi_streaming::server::BidiStreamingService;
use client_streaming::server::ClientStreamingService;
use futures::StreamExt;
use hello_proto::pb::{HelloRequest, HelloStreamRequest, do_stuff_server::DoStuff};
use server_streaming::server::{MAX_COUNT, ServerStreamingService};
use testing::{probe::assert_no_tcp_socket, streaming::streaming};
use tonic::{Code, Request};
use unary::server::UnaryService;

/// The requests a client would stream, one per pid.
fn requests(pids: impl IntoIterator<Item = i32>) -> Request<tonic::Streaming<HelloRequest>> {
    Request::new(streaming(pids.into_iter().map(|pid| HelloRequest { pid })))
}

// ---- Unary: call it, read the reply. ----

#[tokio::test]
async fn unary_replies_with_the_notes_strings() {
    let service = UnaryService::default();
    let reply = service
        .say_hello(Request::new(HelloRequest { pid: 4242 }))
        .await
        .unwrap();
    assert_eq!(reply.into_inner().retval, "Hello, 4242!");
    let again = service
        .say_hello_again(Request::new(HelloRequest { pid: 4242 }))
        .await
        .unwrap();
    assert_eq!(again.into_inner().retval, "Hello again, 4242!");
    assert_no_tcp_socket();
}

#[tokio::test]
async fn a_method_of_another_kind_is_unimplemented() {
    // The generated trait answers UNIMPLEMENTED for every method a service
    // does not write: that too is code, and a level-1 test sees it.
    let status = UnaryService::default()
        .say_hello_many(requests([1]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert_no_tcp_socket();
}

// ---- Server streaming: the method returns a stream; read it. ----

#[tokio::test]
async fn server_streaming_sends_count_replies_in_order() {
    let ask = HelloStreamRequest {
        pid: 7,
        count: 3,
        interval_ms: 0,
    };
    let replies = ServerStreamingService::default()
        .say_hello_stream(Request::new(ask))
        .await
        .unwrap()
        .into_inner();
    // The stream's items are `Result<HelloReply, Status>`.
    let texts: Vec<String> = replies.map(|reply| reply.unwrap().retval).collect().await;
    assert_eq!(texts, ["Hello #1, 7!", "Hello #2, 7!", "Hello #3, 7!"]);
    assert_no_tcp_socket();
}

#[tokio::test]
async fn server_streaming_refuses_a_count_over_the_limit_before_any_work() {
    let ask = HelloStreamRequest {
        pid: 7,
        count: MAX_COUNT + 1,
        interval_ms: 0,
    };
    let Err(status) = ServerStreamingService::default()
        .say_hello_stream(Request::new(ask))
        .await
    else {
        panic!("a count over the limit was accepted");
    };
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("count must be at most"),
        "{status:?}"
    );
    assert_no_tcp_socket();
}

// ---- Client streaming: the method takes a `Streaming`; make one. ----

#[tokio::test]
async fn client_streaming_counts_and_sums_the_pids() {
    let reply = ClientStreamingService::default()
        .say_hello_many(requests([1, 2, 3]))
        .await
        .unwrap();
    assert_eq!(reply.into_inner().retval, "Hello, 3 pids (sum 6)!");
    assert_no_tcp_socket();
}

#[tokio::test]
async fn client_streaming_sums_past_what_an_int32_holds() {
    // The kind of logic bug level 1 is for: two int32 pids overflow an
    // i32 sum. The service sums in i64.
    let reply = ClientStreamingService::default()
        .say_hello_many(requests([i32::MAX, i32::MAX]))
        .await
        .unwrap();
    assert_eq!(reply.into_inner().retval, "Hello, 2 pids (sum 4294967294)!");
    assert_no_tcp_socket();
}

#[tokio::test]
async fn client_streaming_answers_an_empty_stream() {
    let reply = ClientStreamingService::default()
        .say_hello_many(requests([]))
        .await
        .unwrap();
    assert_eq!(reply.into_inner().retval, "Hello, 0 pids (sum 0)!");
    assert_no_tcp_socket();
}

// ---- Bidirectional: a `Streaming` in, a stream out. ----

#[tokio::test]
async fn bidi_answers_each_request_in_order() {
    let replies = BidiStreamingService::default()
        .say_hello_chat(requests([5, 6, 7]))
        .await
        .unwrap()
        .into_inner();
    let texts: Vec<String> = replies.map(|reply| reply.unwrap().retval).collect().await;
    assert_eq!(texts, ["Hello, 5!", "Hello, 6!", "Hello, 7!"]);
    assert_no_tcp_socket();
}

// ---- What level 1 cannot see. ----

#[tokio::test]
async fn a_deadline_is_invisible_to_a_handler_called_directly() {
    // A deadline travels as the `grpc-timeout` header, and the *server*
    // (tonic and the plumbing's CallLayer, around the handler) enforces it.
    // Called directly, the handler gets the header and nobody acts on it:
    // the stream runs past its 50 ms deadline and ends as if all were well.
    // `level2.rs` makes the same call through the server: DEADLINE_EXCEEDED.
    let ask = HelloStreamRequest {
        pid: 1,
        count: 2,
        interval_ms: 200,
    };
    let mut request = Request::new(ask);
    request.set_timeout(Duration::from_millis(50));

    let started = Instant::now();
    let replies = ServerStreamingService::default()
        .say_hello_stream(request)
        .await
        .unwrap()
        .into_inner();
    let texts: Vec<String> = replies.map(|reply| reply.unwrap().retval).collect().await;
    assert_eq!(texts, ["Hello #1, 1!", "Hello #2, 1!"]);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_no_tcp_socket();
}
