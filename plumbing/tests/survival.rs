//! What the servers survive: bad input, faults and careless clients, each
//! sent over a real socket to a server assembled as every lesson's is. The
//! README's section "What the servers survive" lists these.

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use hello_proto::pb::HelloReply;
use plumbing::{
    call_layer::SHUTTING_DOWN,
    cli::{ClientArgs, ServerArgs},
};
use test_support::{
    Event, Observed, TestServer, captured_logs, observed, say_hello, serve, start, stub,
};
use tonic::{Code, Status, client::Grpc, codegen::http::uri::PathAndQuery};
use tonic_prost::ProstCodec;

/// A message shaped unlike `HelloRequest`: its field 1 is a string where
/// the server expects an int32.
#[derive(Clone, PartialEq, prost::Message)]
struct NotAHelloRequest {
    #[prost(string, tag = "1")]
    pid: String,
}

/// A `HelloRequest` with a large unknown field, to make it any size.
#[derive(Clone, PartialEq, prost::Message)]
struct PaddedRequest {
    #[prost(int32, tag = "1")]
    pid: i32,
    #[prost(bytes = "vec", tag = "15")]
    padding: Vec<u8>,
}

/// Sends `message` to `path` as raw gRPC, bypassing the typed stub.
async fn send_raw<M>(
    server: &TestServer,
    path: &'static str,
    message: M,
) -> Result<HelloReply, Status>
where
    M: prost::Message + Send + Sync + 'static,
{
    let mut grpc = Grpc::new(server.channel().await);
    grpc.ready().await.unwrap();
    let codec = ProstCodec::<M, HelloReply>::default();
    let response = grpc
        .unary(
            tonic::Request::new(message),
            PathAndQuery::from_static(path),
            codec,
        )
        .await?;
    Ok(response.into_inner())
}

/// The server still answers a plain call.
async fn still_serving(server: &TestServer) {
    let mut stub = server.stub().await;
    assert_eq!(say_hello(&mut stub, 1, None).await.unwrap(), "Hello, 1!");
}

#[tokio::test]
async fn a_body_that_is_not_the_methods_protobuf_fails_and_the_server_goes_on() {
    let server = start(ServerArgs::default()).await;
    let bad = NotAHelloRequest {
        pid: "forty-two".to_owned(),
    };
    let status = send_raw(&server, "/hello.DoStuff/say_hello", bad)
        .await
        .unwrap_err();
    assert!(
        matches!(status.code(), Code::Internal | Code::InvalidArgument),
        "{status:?}"
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn a_message_over_the_limit_is_resource_exhausted() {
    // The default limit, 4 MiB: a 5 MiB request is refused.
    let server = start(ServerArgs::default()).await;
    let big = PaddedRequest {
        pid: 1,
        padding: vec![0; 5 * 1024 * 1024],
    };
    let status = send_raw(&server, "/hello.DoStuff/say_hello", big)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    still_serving(&server).await;

    // --max-message-bytes 1024: 2 KiB is too much, 512 bytes is fine.
    let args = ServerArgs {
        max_message_bytes: 1024,
        ..ServerArgs::default()
    };
    let server = start(args).await;
    let big = PaddedRequest {
        pid: 1,
        padding: vec![0; 2048],
    };
    let status = send_raw(&server, "/hello.DoStuff/say_hello", big)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let small = PaddedRequest {
        pid: 2,
        padding: vec![0; 512],
    };
    let reply = send_raw(&server, "/hello.DoStuff/say_hello", small)
        .await
        .unwrap();
    assert_eq!(reply.retval, "Hello, 2!");
}

#[tokio::test]
async fn unknown_methods_and_services_are_unimplemented() {
    let server = start(ServerArgs::default()).await;
    for path in ["/hello.DoStuff/say_goodbye", "/nobody.Here/anything"] {
        let status = send_raw(&server, path, PaddedRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unimplemented, "{path}: {status:?}");
    }
    still_serving(&server).await;
}

/// Writes `bytes` on a new connection, then waits (up to 5 s) for the server
/// to close it; returns how long that took.
fn closed_after_sending(server: &TestServer, bytes: &[u8]) -> Duration {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(bytes).unwrap();
    let mut sink = Vec::new();
    // Whatever the server says first, it must end by closing (read returns
    // 0 bytes, or the connection is reset); a timeout means it kept it open.
    match stream.read_to_end(&mut sink) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the server kept the connection open: {e}"),
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_that_are_not_http2_get_the_connection_closed() {
    let args = ServerArgs {
        handshake_timeout_ms: 300,
        ..ServerArgs::default()
    };
    let server = start(args).await;

    let http1 = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".as_slice();
    let noise: Vec<u8> = (0..200u32).map(|i| (i * 7919 % 251) as u8).collect();
    let (server, ()) = tokio::task::spawn_blocking(move || {
        closed_after_sending(&server, http1);
        closed_after_sending(&server, &noise);
        // Half-open: connects and never says a word. Dropped after the
        // handshake timeout (300 ms here), not kept forever.
        let silent = closed_after_sending(&server, b"");
        assert!(
            silent >= Duration::from_millis(250),
            "closed after {silent:?}"
        );
        (server, ())
    })
    .await
    .unwrap();
    still_serving(&server).await;
}

#[tokio::test]
async fn shutdown_under_load_answers_every_call_in_flight() {
    for (grace, delay_ms, expect_ok) in [
        (Duration::from_secs(3), 300, true),
        (Duration::from_millis(100), 5_000, false),
    ] {
        let (server, mut events) = observed(delay_ms, ServerArgs::default()).await;
        let stub = server.stub().await;
        let calls: Vec<_> = (0..100)
            .map(|pid| {
                let mut stub = stub.clone();
                tokio::spawn(async move { say_hello(&mut stub, pid, None).await })
            })
            .collect();
        for _ in 0..100 {
            assert_eq!(events.recv().await, Some(Event::Started));
        }

        let started = Instant::now();
        server.into_server().shutdown(grace).await;
        assert!(
            started.elapsed() < grace + Duration::from_secs(2),
            "shutdown took {:?}",
            started.elapsed()
        );

        for (pid, call) in calls.into_iter().enumerate() {
            match call.await.unwrap() {
                Ok(reply) if expect_ok => assert_eq!(reply, format!("Hello, {pid}!")),
                Err(status) if !expect_ok => {
                    assert_eq!(status.code(), Code::Unavailable);
                    assert_eq!(status.message(), SHUTTING_DOWN);
                }
                other => panic!("grace {grace:?}: call {pid} ended with {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn a_token_is_never_logged_even_at_trace_level() {
    captured_logs();
    let args = ServerArgs {
        token: Some("tr4ce-s3cret".to_owned()),
        ..ServerArgs::default()
    };
    let server = start(args).await;
    for token in ["tr4ce-s3cret", "wr0ng-s3cret"] {
        let args = ClientArgs {
            token: Some(token.to_owned()),
            ..server.client_args.clone()
        };
        let mut stub = stub(&args).await.unwrap();
        let _ = say_hello(&mut stub, 5151, None).await;
    }
    server.into_server().shutdown(Duration::from_secs(1)).await;

    let logs = captured_logs();
    assert!(
        logs.contains("GRPC server in say_hello, pid = 5151"),
        "nothing was logged"
    );
    assert!(!logs.contains("s3cret"), "a token reached the logs");
}

#[tokio::test]
async fn a_token_sent_in_clear_to_another_machine_is_warned_about() {
    captured_logs();
    for addr in ["192.0.2.1:8888", "127.0.0.1:8888"] {
        let args = ClientArgs {
            addr: vec![addr.to_owned()],
            token: Some("t".to_owned()),
            ..ClientArgs::default()
        };
        // The channel is lazy: making the client dials nobody. (192.0.2.1
        // is reserved for documentation, and nothing is sent to it.)
        stub(&args).await.unwrap();
    }
    let logs = captured_logs();
    assert!(logs.contains("192.0.2.1:8888 without --tls"), "no warning");
    assert!(
        !logs.contains("127.0.0.1:8888 without --tls"),
        "warned for loopback"
    );
}

#[tokio::test]
async fn a_certificate_directory_that_cannot_be_written_is_a_clear_error() {
    // A directory cannot be made inside a regular file, whoever you are.
    let file = std::env::temp_dir().join(format!("hello-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, b"").unwrap();
    let args = ServerArgs {
        addr: Some("127.0.0.1:0".to_owned()),
        tls: true,
        certs: Some(file.join("certs")),
        ..ServerArgs::default()
    };
    let (service, _) = Observed::new(Duration::ZERO);
    let error = serve(service, &args).await.unwrap_err().to_string();
    std::fs::remove_file(&file).unwrap();
    assert!(
        error.contains("cannot write") && error.contains("--certs"),
        "{error}"
    );
}

#[tokio::test]
async fn per_connection_limits_make_extra_calls_wait_their_turn() {
    // --max-calls-per-connection 1: three calls at once run one at a time.
    let args = ServerArgs {
        max_calls_per_connection: 1,
        ..ServerArgs::default()
    };
    let (server, mut events) = observed(50, args).await;
    let stub = server.stub().await;
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let mut stub = stub.clone();
            tokio::spawn(async move { say_hello(&mut stub, 4, None).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), "Hello, 4!");
    }
    let seen: Vec<_> = std::iter::from_fn(|| events.try_recv().ok()).collect();
    assert_eq!(seen, [Event::Started, Event::Finished].repeat(3));

    // --max-concurrent-streams 2: with two slow calls open, a third does
    // not reach the handler (the client queues it, or, if it raced the
    // server's settings, the server refuses it).
    let args = ServerArgs {
        max_concurrent_streams: 2,
        ..ServerArgs::default()
    };
    let (server, mut events) = observed(2_000, args).await;
    let mut stub = server.stub().await;
    // A first, quick call (a method this server does not have), so the
    // client knows the server's settings before the test begins.
    let ask = hello_proto::pb::HelloStreamRequest::default();
    stub.say_hello_stream(ask).await.unwrap_err();
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let mut stub = stub.clone();
            tokio::spawn(async move { say_hello(&mut stub, 2, None).await })
        })
        .collect();
    for _ in 0..2 {
        assert_eq!(events.recv().await, Some(Event::Started));
    }
    let third = say_hello(&mut stub, 3, Some(Duration::from_millis(300))).await;
    assert!(
        third.is_err(),
        "a third call ran beside two with a limit of 2"
    );
    assert!(
        events.try_recv().is_err(),
        "a third call reached the handler"
    );
    for call in slow {
        assert_eq!(call.await.unwrap().unwrap(), "Hello, 2!");
    }
}

/// Opens a raw HTTP/2 connection (the preface and an empty SETTINGS frame),
/// then neither reads nor answers anything: a peer that vanished. Returns
/// whether the server closed it within `within`.
fn vanished_peer_is_dropped(server: &TestServer, within: Duration) -> bool {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .unwrap();
    stream.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap();
    stream.set_read_timeout(Some(within)).unwrap();
    let started = Instant::now();
    let mut buffer = [0; 1024];
    // The server's own frames (SETTINGS, PINGs) arrive; we never answer.
    // Closed means a read of 0 bytes or a reset.
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) if started.elapsed() < within => continue,
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keepalive_closes_a_connection_whose_peer_vanished() {
    let quick = ServerArgs {
        keepalive_ms: 200,
        ..ServerArgs::default()
    };
    let quick = start(quick).await;
    let usual = start(ServerArgs::default()).await;
    let (quick_dropped, usual_dropped) = tokio::task::spawn_blocking(move || {
        (
            vanished_peer_is_dropped(&quick, Duration::from_secs(2)),
            vanished_peer_is_dropped(&usual, Duration::from_secs(2)),
        )
    })
    .await
    .unwrap();
    // With a 200 ms keepalive, the unanswered PING gets the peer dropped;
    // with the usual 30 s, it is still connected as long after: it is the
    // keepalive, not something else, that closes the connection.
    assert!(
        quick_dropped,
        "a vanished peer was kept despite a 200 ms keepalive"
    );
    assert!(
        !usual_dropped,
        "the connection was closed for another reason"
    );
}

/// What came back for a raw HTTP/2 request: as it was on the wire.
struct RawReply {
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
    trailers: Option<http::HeaderMap>,
}

/// One raw HTTP/2 POST of `body` to `path`, below tonic, with `headers`.
async fn raw_post(
    server: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> RawReply {
    let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let mut request = http::Request::post(format!("http://{}{path}", server.addr()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (response, mut send) = client
        .send_request(request.body(()).unwrap(), false)
        .unwrap();
    send.send_data(bytes::Bytes::from(body), true).unwrap();
    let (parts, mut received) = response.await.unwrap().into_parts();
    let mut bytes = Vec::new();
    while let Some(chunk) = received.data().await {
        let chunk = chunk.unwrap();
        let _ = received.flow_control().release_capacity(chunk.len());
        bytes.extend_from_slice(&chunk);
    }
    RawReply {
        status: parts.status,
        headers: parts.headers,
        body: bytes,
        trailers: received.trailers().await.unwrap(),
    }
}

/// A body in the gRPC framing: one uncompressed message (flag 0, its
/// 4-byte length, its bytes).
fn framed(message: &[u8]) -> Vec<u8> {
    let mut framed = vec![0];
    framed.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
    framed.extend(message);
    framed
}

/// tonic does not look at a request's `content-type` (gRPC's spec says a
/// server SHOULD answer another type with HTTP 415): it reads any body as
/// gRPC messages. A client speaking JSON or HTML to the port gets a gRPC
/// error, not a crash: the first bytes after the flag, read as a length,
/// ask for hundreds of megabytes, refused before anything is allocated.
#[tokio::test]
async fn a_body_of_another_content_type_is_read_as_grpc_and_refused_by_its_length() {
    let server = start(ServerArgs::default()).await;
    let path = "/hello.DoStuff/say_hello";
    for (content_type, body) in [
        ("application/json", &br#"{"pid": 3}"#[..]),
        ("text/html", b"<html>hello</html>"),
        ("text/plain", b"hello"),
    ] {
        let headers = [("content-type", content_type), ("te", "trailers")];
        let reply = raw_post(&server, path, &headers, body.to_vec()).await;
        assert_eq!(reply.status, http::StatusCode::OK, "{content_type}");
        // Trailers-only: the status in the headers, RESOURCE_EXHAUSTED.
        let status = &reply.headers["grpc-status"];
        assert_eq!(status, "8", "{content_type}: {:?}", reply.headers);
        assert!(reply.body.is_empty());
    }
    // A real message under a wrong content-type is answered as any other.
    let message = prost::Message::encode_to_vec(&PaddedRequest {
        pid: 3,
        padding: Vec::new(),
    });
    let headers = [("content-type", "application/json"), ("te", "trailers")];
    let reply = raw_post(&server, path, &headers, framed(&message)).await;
    assert_eq!(reply.trailers.unwrap()["grpc-status"], "0");
    assert!(reply.body.ends_with(b"Hello, 3!"), "{:?}", reply.body);
    still_serving(&server).await;
}
