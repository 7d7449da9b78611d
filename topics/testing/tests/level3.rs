//! Level 3: a real socket, as a student runs the programs.
//!
//! Each lesson's own `start` binds `127.0.0.1:0` (any free port) and
//! serves through the plumbing's accept loop; each lesson's own `connect`
//! dials the address from the client flags, over TLS if asked. This is
//! how the workspace's own tests (`*/src/tests.rs`) run, and what the
//! Python client of `interop/run.sh` reaches too.
//!
//! It is the slowest level (a port, a TCP handshake, a TLS certificate),
//! and the only one that sees the socket itself: the tests at the end
//! catch what levels 1 and 2 cannot.

// Test code: a failed unwrap fails the test, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::Read,
    net::TcpStream,
    time::{Duration, Instant},
};

use hello_proto::pb::HelloStreamRequest;
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Context, explain},
};
use test_support::TestServer;
use tonic::Code;

/// Starts a server through `start`, a lesson's own, on a free port.
macro_rules! serve {
    ($lesson:ident, $service:expr, $args:expr) => {
        TestServer::start($args, async |args| {
            $lesson::server::start($service, args).await
        })
        .await
    };
}

// ---- The four kinds: the lessons' `start` and `connect`, over TCP. ----

#[tokio::test]
async fn unary_replies_with_the_notes_strings() {
    let server = serve!(
        unary,
        unary::server::UnaryService::default(),
        ServerArgs::default()
    );
    let mut stub = unary::client::connect(&server.client_args).await.unwrap();
    let reply = unary::client::say_hello(&mut stub, 4242, None).await;
    assert_eq!(reply.unwrap(), "Hello, 4242!");
}

#[tokio::test]
async fn server_streaming_sends_count_replies_in_order() {
    use server_streaming::{client, server::ServerStreamingService};
    let server = serve!(
        server_streaming,
        ServerStreamingService::default(),
        ServerArgs::default()
    );
    let mut stub = client::connect(&server.client_args).await.unwrap();
    let ask = HelloStreamRequest {
        pid: 7,
        count: 3,
        interval_ms: 0,
    };
    let replies = client::say_hello_stream(&mut stub, ask, None, |_| {}).await;
    assert_eq!(
        replies.unwrap(),
        ["Hello #1, 7!", "Hello #2, 7!", "Hello #3, 7!"]
    );
}

#[tokio::test]
async fn client_streaming_counts_and_sums_the_pids() {
    use client_streaming::{client, server::ClientStreamingService};
    let server = serve!(
        client_streaming,
        ClientStreamingService::default(),
        ServerArgs::default()
    );
    let mut stub = client::connect(&server.client_args).await.unwrap();
    let pids = [1, 2, 3].into_iter();
    let reply = client::say_hello_many(&mut stub, pids, Duration::ZERO, None, |_, _| {});
    assert_eq!(reply.await.unwrap(), "Hello, 3 pids (sum 6)!");
}

#[tokio::test]
async fn bidi_answers_each_request_in_order() {
    use bidi_streaming::{client, server::BidiStreamingService};
    let server = serve!(
        bidi_streaming,
        BidiStreamingService::default(),
        ServerArgs::default()
    );
    let mut stub = client::connect(&server.client_args).await.unwrap();
    let replies =
        client::say_hello_chat(&mut stub, [5, 6, 7], Duration::ZERO, None, |_| {}, |_| {});
    assert_eq!(
        replies.await.unwrap(),
        ["Hello, 5!", "Hello, 6!", "Hello, 7!"]
    );
}

// ---- What level 3 catches and levels 1 and 2 miss. ----

#[tokio::test]
async fn a_second_server_on_a_busy_port_fails_at_start_in_one_line() {
    // Binding is `start`'s last step, which level 2 stops short of: a
    // default port that two crates share, or a server that binds the wrong
    // address, is only seen here.
    let first = serve!(
        unary,
        unary::server::UnaryService::default(),
        ServerArgs::default()
    );
    let args = ServerArgs {
        addr: Some(first.addr().to_string()),
        ..ServerArgs::default()
    };
    let error = unary::server::start(unary::server::UnaryService::default(), &args)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("already in use"), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

#[tokio::test]
async fn a_silent_connection_neither_stops_other_clients_nor_stays_open() {
    // The plumbing's accept loop waits for a new connection's first bytes
    // and drops one that says nothing within --handshake-timeout-ms. Level
    // 2 hands its pipes to tonic directly, so that loop never runs there.
    // The bug this catches: waiting for the first bytes *inside* the accept
    // loop, so that one silent client keeps every other one waiting.
    let args = ServerArgs {
        handshake_timeout_ms: 1000,
        ..ServerArgs::default()
    };
    // (A whole second, so that a busy machine still answers the real
    // client well before the silent one is dropped.)
    let server = serve!(unary, unary::server::UnaryService::default(), args);
    let mut silent = TcpStream::connect(server.addr()).unwrap();

    // A real client connects and is answered while the silent one is
    // still open: its connection was not stuck behind the silent one.
    let mut stub = unary::client::connect(&server.client_args).await.unwrap();
    let reply = unary::client::say_hello(&mut stub, 1, None).await;
    assert_eq!(reply.unwrap(), "Hello, 1!");
    silent.set_nonblocking(true).unwrap();
    let still_open = silent.read(&mut [0; 1]).map_err(|e| e.kind());
    assert_eq!(still_open, Err(std::io::ErrorKind::WouldBlock));

    // And the silent one is closed after the timeout, not kept forever.
    let started = Instant::now();
    let closed = tokio::task::spawn_blocking(move || {
        silent.set_nonblocking(false).unwrap();
        silent
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        silent.read(&mut [0; 1])
    });
    assert_eq!(
        closed.await.unwrap().unwrap(),
        0,
        "expected the server to close it"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn tls_holds_from_the_flags_to_the_certificate_of_the_address_dialled() {
    // `--tls`: the server's certificate, made on first use, must name the
    // address the client dials (here 127.0.0.1), and the client must find
    // the CA in the file `--ca` names. Level 2's channel dials nothing and
    // speaks plaintext; this is the lesson's own `connect`, as a student
    // runs it.
    let certs = std::env::temp_dir().join(format!("hello-testing-tls-{}", std::process::id()));
    let args = ServerArgs {
        tls: true,
        certs: Some(certs.clone()),
        ..ServerArgs::default()
    };
    let server = serve!(unary, unary::server::UnaryService::default(), args);
    let mut stub = unary::client::connect(&server.client_args).await.unwrap();
    let reply = unary::client::say_hello(&mut stub, 3, None).await;
    assert_eq!(reply.unwrap(), "Hello, 3!");

    // Without --tls, the same client is refused, and told what to change.
    let plain = ClientArgs {
        tls: false,
        ca: None,
        ..server.client_args.clone()
    };
    let mut stub = unary::client::connect(&plain).await.unwrap();
    let status = unary::client::say_hello(&mut stub, 3, Some(Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert_ne!(status.code(), Code::Ok);
    let line = explain(
        &ClientError::Call(status),
        &Context::new(unary::PROGRAM, &plain),
    );
    assert!(line.ends_with("add --tls"), "{line}");
    let _ = std::fs::remove_dir_all(certs);
}
