//! The unary contract, checked over real sockets against a real server.

use std::time::{Duration, Instant};

use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Context, explain},
};
use test_support::TestServer;
use tonic::Code;

use crate::{
    PROGRAM,
    client::{Args, call_concurrently, connect, say_hello, say_hello_again},
    repeat::repeat_say_hello,
    server::{UnaryService, start},
};

/// A unary server with `service` on a free port.
async fn serve(service: UnaryService) -> TestServer {
    TestServer::start(ServerArgs::default(), async |args| {
        start(service, args).await
    })
    .await
}

/// A unary service whose every call takes `delay_ms`.
fn slow(delay_ms: u64) -> UnaryService {
    UnaryService {
        delay: Duration::from_millis(delay_ms),
    }
}

#[tokio::test]
async fn replies_with_the_notes_strings() {
    let server = serve(UnaryService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    assert_eq!(
        say_hello(&mut stub, 4242, None).await.unwrap(),
        "Hello, 4242!"
    );
    assert_eq!(
        say_hello_again(&mut stub, 4242, None).await.unwrap(),
        "Hello again, 4242!"
    );
    assert_eq!(say_hello(&mut stub, -7, None).await.unwrap(), "Hello, -7!");
}

#[tokio::test]
async fn another_kinds_method_is_unimplemented_with_a_hint() {
    let server = serve(UnaryService::default()).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let ask = hello_proto::pb::HelloStreamRequest {
        pid: 1,
        count: 1,
        interval_ms: 0,
    };
    let status = stub.say_hello_stream(ask).await.unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    // What any client shows (grpcurl prints only this): the lesson to start.
    assert_eq!(
        status.message(),
        format!(
            "the unary server does not serve say_hello_stream: the server-streaming lesson does ({}, on {})",
            server_streaming::PROGRAM.server_command(),
            server_streaming::PROGRAM.default_addr
        )
    );

    // What the server-streaming client prints when pointed at this server.
    let context = Context::new(server_streaming::PROGRAM, &server.client_args);
    let line = explain(&ClientError::Call(status), &context);
    assert!(line.contains("UNIMPLEMENTED"), "{line}");
    assert!(
        line.contains("cargo run -p server-streaming --bin server"),
        "{line}"
    );
}

#[tokio::test]
async fn concurrent_calls_overlap() {
    // Ten calls that each take 200 ms on the server: one after another they
    // need 2 s; started together they finish in about 200 ms. The bound is
    // generous (1 s) so a busy machine does not make this test flaky.
    let server = serve(slow(200)).await;
    let stub = connect(&server.client_args).await.unwrap();

    let started = Instant::now();
    let replies = call_concurrently(&stub, 5, None, 10, |_| {}).await.unwrap();
    let elapsed = started.elapsed();

    assert_eq!(replies, vec!["Hello, 5!"; 10]);
    assert!(
        elapsed < Duration::from_secs(1),
        "10 concurrent calls took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_deadline_shorter_than_the_work_is_deadline_exceeded() {
    let server = serve(slow(500)).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let status = say_hello(&mut stub, 1, Some(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");

    // What the client says: the server was slower than the deadline.
    let line = explain(
        &ClientError::Call(status),
        &Context::new(PROGRAM, &server.client_args),
    );
    assert!(
        line.contains("DEADLINE_EXCEEDED") && line.contains("raise it"),
        "{line}"
    );

    // The server is still fine afterwards, and a long enough deadline passes.
    let reply = say_hello(&mut stub, 2, Some(Duration::from_secs(5))).await;
    assert_eq!(reply.unwrap(), "Hello, 2!");
}

#[tokio::test]
async fn a_restarted_server_is_reached_again_and_calls_while_down_fail() {
    let first = serve(UnaryService::default()).await;
    let addr = first.addr();
    let mut stub = connect(&first.client_args).await.unwrap();

    // `--repeat 40 --every-ms 50`, reporting each call to this test.
    let (outcomes, mut reported) = tokio::sync::mpsc::unbounded_channel();
    let calls = tokio::spawn(async move {
        let every = Duration::from_millis(50);
        repeat_say_hello(&mut stub, 1, None, 40, every, |i, outcome| {
            let _ = outcomes.send((i, outcome.is_ok()));
        })
        .await
    });

    // Up, then down until a call has failed, then up again on the same
    // address: the same client's channel reconnects.
    let mut seen = vec![reported.recv().await.unwrap()];
    assert_eq!(seen[0], (1, true));
    first.into_server().shutdown(Duration::from_secs(1)).await;
    while let Some((i, ok)) = reported.recv().await {
        seen.push((i, ok));
        if !ok {
            break;
        }
    }
    let args = ServerArgs {
        addr: Some(addr.to_string()),
        ..ServerArgs::default()
    };
    let _second = start(UnaryService::default(), &args).await.unwrap();

    let failed = calls.await.unwrap();
    while let Ok(outcome) = reported.try_recv() {
        seen.push(outcome);
    }
    // Every call was reported, in order, none skipped; some failed while
    // the server was down, and the last ones succeeded again.
    let numbers: Vec<u32> = seen.iter().map(|(i, _)| *i).collect();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
    let reported_failures = seen.iter().filter(|(_, ok)| !ok).count();
    assert_eq!(failed as usize, reported_failures);
    assert!(failed >= 1, "no call failed while the server was down");
    assert!(
        seen.last().unwrap().1,
        "calls did not succeed again: {seen:?}"
    );
}

#[tokio::test]
async fn repeat_sums_up_how_many_calls_failed_without_asking_if_the_server_runs() {
    // Something that accepts a connection and never speaks gRPC: the first
    // call fails. Once it has, the real server takes the port, and the
    // calls after it succeed.
    let impostor = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = impostor.local_addr().unwrap().to_string();
    let args = Args {
        common: ClientArgs {
            addr: vec![addr.clone()],
            pid: Some(6),
            ..ClientArgs::default()
        },
        repeat: Some(6),
        every_ms: 100,
        ..Args::default()
    };
    let client = tokio::spawn(async move {
        let outcome = crate::repeat::run(&args, 6).await;
        (args, outcome)
    });
    let (first_call, _) = impostor.accept().await.unwrap();
    drop((first_call, impostor));
    let server_args = ServerArgs {
        addr: Some(addr),
        ..ServerArgs::default()
    };
    let _server = start(UnaryService::default(), &server_args).await.unwrap();

    let (args, outcome) = client.await.unwrap();
    let error = outcome.unwrap_err();
    let ClientError::SomeCallsFailed { failed, made, .. } = &error else {
        panic!("not a summary: {error:?}");
    };
    assert!((1..6).contains(failed), "{failed} failed");
    assert_eq!(*made, 6);
    let line = explain(&error, &Context::new(PROGRAM, &args.common));
    assert_eq!(
        line,
        format!("{failed} of 6 calls failed, each reported above; the last call succeeded")
    );
    assert!(!line.contains("running"), "{line}");
}

#[tokio::test]
async fn works_over_mutual_tls() {
    let server = TestServer::start(test_support::mutual_tls(), async |args| {
        start(UnaryService::default(), args).await
    })
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    assert_eq!(say_hello(&mut stub, 1, None).await.unwrap(), "Hello, 1!");
}

#[tokio::test]
async fn works_over_a_unix_socket() {
    let server = TestServer::start(test_support::unix_socket("unary"), async |args| {
        start(UnaryService::default(), args).await
    })
    .await;
    let mut stub = connect(&server.client_args).await.unwrap();
    assert_eq!(say_hello(&mut stub, 1, None).await.unwrap(), "Hello, 1!");
}
