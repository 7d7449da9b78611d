//! The topic's claims, over real sockets against the real server: gzip
//! replies are many times smaller on the wire, measured; a server without
//! compression refuses gzip with UNIMPLEMENTED and says what it takes; the
//! client explains each failure in a line that fits it; a gzip bomb is
//! stopped at the message limit.

use plumbing::{
    cli::{ClientArgs, DEFAULT_MAX_MESSAGE_BYTES, ServerArgs},
    client::{ClientError, Context},
};
use prost::Message as _;
use test_support::TestServer;
use tonic::Code;

use crate::{
    TOPIC,
    client::{Compress, Error, Measured, compare, explain, get_report, grouped},
    server::{self, MAX_LINES},
};

/// The topic's server, with `common`'s flags and `--no-compression` if
/// `no_compression`, on a free port.
async fn serve(common: ServerArgs, no_compression: bool) -> TestServer {
    TestServer::start(common, async |common| {
        let args = server::Args {
            common: common.clone(),
            no_compression,
        };
        server::start(&args).await
    })
    .await
}

/// The client's flags for `server`, with a pid of 7.
fn dialling(server: &TestServer) -> ClientArgs {
    ClientArgs {
        pid: Some(7),
        ..server.client_args.clone()
    }
}

/// What the client prints for `error`, made with `args`.
fn line(error: &Error, args: &ClientArgs) -> String {
    explain(error, &Context::new(TOPIC, args))
}

/// The same report fetched without, then with gzip.
async fn both(args: &ClientArgs, lines: u32) -> (Measured, Measured) {
    let plain = get_report(args, Compress::None, lines).await.unwrap();
    let gzip = get_report(args, Compress::Gzip, lines).await.unwrap();
    (plain, gzip)
}

#[tokio::test]
async fn gzip_replies_are_more_than_ten_times_smaller_on_the_wire() {
    let server = serve(ServerArgs::default(), false).await;
    let (plain, gzip) = both(&dialling(&server), 10_000).await;

    // The same report both ways: 10,000 lines of 56 characters (pid 7),
    // each with 2 bytes of protobuf framing: 580,000 bytes.
    assert_eq!((plain.lines, gzip.lines), (10_000, 10_000));
    assert_eq!(plain.message_bytes, 580_000);
    assert_eq!(gzip.message_bytes, plain.message_bytes);

    // Uncompressed, the wire carries the message and a little framing
    // around it (HTTP/2 frame headers, the 5-byte prefix, headers, trailers).
    assert_eq!(plain.reply_encoding, "identity");
    assert!(plain.received > 580_000, "{plain}");
    assert!(plain.received < 582_000, "{plain}");
    // gzip: the server said so, and the wire carried a fraction of it.
    assert_eq!(gzip.reply_encoding, "gzip");
    assert!(gzip.received * 10 < plain.received, "{gzip} / {plain}");

    // What the client prints after the two lines.
    let compared = compare(&plain, &gzip);
    assert!(compared.starts_with("gzip: "), "{compared}");
    assert!(
        compared.contains(" times fewer bytes received ("),
        "{compared}"
    );
    assert!(compared.contains(&grouped(plain.received)), "{compared}");
}

#[tokio::test]
async fn a_gzip_call_sends_more_bytes_than_a_plain_one_for_a_tiny_request() {
    // The request is a few bytes of protobuf: gzip's own header and
    // trailer, and the headers that negotiate it, make it bigger.
    let server = serve(ServerArgs::default(), false).await;
    let (plain, gzip) = both(&dialling(&server), 10).await;
    assert!(gzip.sent > plain.sent, "{gzip} / {plain}");
}

#[tokio::test]
async fn a_server_without_compression_refuses_gzip_with_unimplemented_and_says_what_it_accepts() {
    let server = serve(ServerArgs::default(), true).await;
    let args = dialling(&server);

    // Too many lines: had the handler run, it would say INVALID_ARGUMENT.
    // tonic refused the compressed request before it.
    let error = get_report(&args, Compress::Gzip, MAX_LINES + 1)
        .await
        .unwrap_err();
    let Error::GzipRefused { accepts, status } = &error else {
        panic!("not a refused gzip: {error:?}");
    };
    assert_eq!(status.code(), Code::Unimplemented);
    // The trailers-only reply's `grpc-accept-encoding` header.
    assert_eq!(accepts, "identity");
    assert_eq!(
        line(&error, &args),
        format!(
            "the server at {} does not accept gzip-compressed requests (UNIMPLEMENTED: Content is compressed with `gzip` which isn't supported; it accepts: identity); call it with --compress none, or start it without --no-compression",
            server.addr()
        )
    );

    // Uncompressed, the same server answers, and does not compress.
    let plain = get_report(&args, Compress::None, 100).await.unwrap();
    assert_eq!(
        (plain.lines, plain.reply_encoding.as_str()),
        (100, "identity")
    );
}

#[tokio::test]
async fn a_server_that_does_not_serve_get_report_is_named_as_such_not_as_refusing_gzip() {
    // A hello.DoStuff server: it answers UNIMPLEMENTED for the unknown
    // method, with no `grpc-accept-encoding`. That is another case.
    let server = test_support::start(ServerArgs::default()).await;
    let args = dialling(&server);
    let error = get_report(&args, Compress::Gzip, 10).await.unwrap_err();
    let Error::Client(ClientError::Call(status)) = &error else {
        panic!("not a failed call: {error:?}");
    };
    assert_eq!(status.code(), Code::Unimplemented);
    let line = line(&error, &args);
    assert!(line.contains("it is not a compression server"), "{line}");
    assert!(
        line.contains("cargo run -p compression --bin server"),
        "{line}"
    );
}

#[tokio::test]
async fn too_many_lines_is_invalid_argument_and_the_client_names_the_flag() {
    let server = serve(ServerArgs::default(), false).await;
    let args = dialling(&server);
    let error = get_report(&args, Compress::Gzip, MAX_LINES + 1)
        .await
        .unwrap_err();
    assert_eq!(
        line(&error, &args),
        "the server refused the request (INVALID_ARGUMENT: lines must be at most 50000, got 50001); change --lines"
    );
}

#[tokio::test]
async fn the_servers_token_check_applies_to_get_report() {
    let common = ServerArgs {
        token: Some("s3cret".to_owned()),
        ..ServerArgs::default()
    };
    let server = serve(common, false).await;
    let mut args = dialling(&server);
    assert!(get_report(&args, Compress::Gzip, 1).await.is_ok());

    args.token = None;
    let error = get_report(&args, Compress::Gzip, 1).await.unwrap_err();
    assert!(
        line(&error, &args).starts_with("the server wants a token (UNAUTHENTICATED"),
        "{}",
        line(&error, &args)
    );
}

#[tokio::test]
async fn over_tls_the_records_are_counted_and_gzip_still_shrinks_them() {
    let certs = std::env::temp_dir().join(format!("hello-compression-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&certs);
    let common = ServerArgs {
        tls: true,
        certs: Some(certs),
        ..ServerArgs::default()
    };
    let server = serve(common, false).await;
    let (plain, gzip) = both(&dialling(&server), 10_000).await;
    // TLS adds its own framing to the 580,000 bytes, and encrypts them.
    assert!(plain.received > 580_000, "{plain}");
    assert_eq!(gzip.reply_encoding, "gzip");
    assert!(gzip.received * 10 < plain.received, "{gzip} / {plain}");
}

#[tokio::test]
async fn several_addresses_are_refused_in_one_line_before_any_call() {
    let args = ClientArgs {
        addr: vec!["127.0.0.1:1".to_owned(), "127.0.0.1:2".to_owned()],
        ..ClientArgs::default()
    };
    let error = get_report(&args, Compress::None, 1).await.unwrap_err();
    assert!(
        matches!(error, Error::Client(ClientError::Flag(_))),
        "{error:?}"
    );
    assert_eq!(
        line(&error, &args),
        "--addr: this client measures one connection to one server; give one address"
    );
}

#[test]
fn the_largest_report_fits_the_default_message_limit_uncompressed() {
    // The longest pid makes the longest lines.
    let largest = server::report(i32::MIN, MAX_LINES).encoded_len();
    assert!(largest < DEFAULT_MAX_MESSAGE_BYTES, "{largest} bytes");
}

#[test]
fn byte_counts_are_grouped_by_thousands() {
    assert_eq!(grouped(0), "0");
    assert_eq!(grouped(999), "999");
    assert_eq!(grouped(1000), "1,000");
    assert_eq!(grouped(610_369), "610,369");
    assert_eq!(grouped(3_051_710), "3,051,710");
}

/// What came back for one raw HTTP/2 `get_report` call: the response's
/// headers, the body's bytes as they were on the wire, and the trailers.
struct RawReply {
    headers: http::HeaderMap,
    body: Vec<u8>,
    trailers: Option<http::HeaderMap>,
}

/// Calls `get_report` for 1,000 lines over plain HTTP/2, below tonic, with
/// the gRPC headers `headers` added; the request's message is sent
/// uncompressed.
async fn raw_call(server: &TestServer, headers: &[(&str, &str)]) -> RawReply {
    // One message: the 5-byte prefix (flag 0: not compressed; the length)
    // and the protobuf bytes.
    let message = crate::pb::ReportRequest {
        pid: 7,
        lines: 1000,
    }
    .encode_to_vec();
    let mut framed = vec![0];
    framed.extend((message.len() as u32).to_be_bytes());
    framed.extend(message);
    raw_call_with(server, headers, framed).await
}

/// Calls `get_report` over plain HTTP/2 with `headers` added, and `framed`
/// as the request's body, as it is.
async fn raw_call_with(server: &TestServer, headers: &[(&str, &str)], framed: Vec<u8>) -> RawReply {
    let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();

    let mut request = http::Request::post(format!(
        "http://{}/topics.Compression/get_report",
        server.addr()
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (response, mut send) = client
        .send_request(request.body(()).unwrap(), false)
        .unwrap();
    send.send_data(bytes::Bytes::from(framed), true).unwrap();

    let (parts, mut body) = response.await.unwrap().into_parts();
    let mut bytes = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
        bytes.extend_from_slice(&chunk);
    }
    RawReply {
        headers: parts.headers,
        body: bytes,
        trailers: body.trailers().await.unwrap(),
    }
}

#[tokio::test]
async fn on_the_wire_a_gzip_reply_is_flagged_and_starts_with_gzips_magic_bytes() {
    let server = serve(ServerArgs::default(), false).await;
    let reply = raw_call(&server, &[("grpc-accept-encoding", "gzip")]).await;

    assert_eq!(reply.headers["grpc-encoding"], "gzip");
    // The message's prefix: flag 1 (compressed), then the compressed
    // length, which is all the rest of the body; then gzip's 0x1f 0x8b.
    let body = reply.body;
    assert_eq!(body[0], 1, "the compressed flag");
    let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    assert_eq!(length, body.len() - 5);
    assert_eq!(&body[5..7], &[0x1f, 0x8b], "gzip's magic bytes");
    // 1,000 lines are 58,000 bytes of protobuf; gzipped, a small part.
    assert!(length * 10 < 58_000, "{length} bytes");
    assert_eq!(reply.trailers.unwrap()["grpc-status"], "0");

    // A client that does not say it reads gzip gets the reply as it is.
    let reply = raw_call(&server, &[]).await;
    assert!(!reply.headers.contains_key("grpc-encoding"));
    assert_eq!(reply.body[0], 0, "the compressed flag");
    assert_eq!(reply.body.len(), 5 + 58_000);
}

#[tokio::test]
async fn on_the_wire_a_refused_gzip_request_is_a_trailers_only_unimplemented_with_grpc_accept_encoding()
 {
    let server = serve(ServerArgs::default(), true).await;
    let reply = raw_call(&server, &[("grpc-encoding", "gzip")]).await;

    // Trailers-only: the status is in the response's headers, no body follows.
    assert_eq!(reply.headers["grpc-status"], "12", "UNIMPLEMENTED is 12");
    assert_eq!(reply.headers["grpc-accept-encoding"], "identity");
    assert!(reply.body.is_empty());
    assert!(reply.trailers.is_none());
}

#[tokio::test]
async fn the_server_logs_the_headers_that_negotiate_compression() {
    test_support::capture_logs(tracing::Level::INFO);
    let server = serve(ServerArgs::default(), false).await;
    let args = ClientArgs {
        pid: Some(31),
        ..server.client_args.clone()
    };
    get_report(&args, Compress::Gzip, 3).await.unwrap();
    get_report(&args, Compress::None, 4).await.unwrap();
    let gzip = [
        "get_report: 3 lines for pid 31;",
        "grpc-encoding: gzip, grpc-accept-encoding: gzip,identity",
    ];
    assert!(test_support::wait_for_log(&gzip).await.is_some());
    let plain = [
        "get_report: 4 lines for pid 31;",
        "grpc-encoding: (none), grpc-accept-encoding: (none)",
    ];
    assert!(test_support::wait_for_log(&plain).await.is_some());
}

/// How much the gzip bomb inflates to: 8 times `--max-message-bytes`.
const BOMB_BYTES: usize = 32 << 20;

#[tokio::test]
async fn a_gzip_bomb_is_stopped_at_the_message_limit_as_it_is_decompressed() {
    use std::io::Write as _;

    let server = serve(ServerArgs::default(), false).await;
    // 32 MiB of zeros, gzipped: about 32 KB on the wire, far under the
    // 4 MiB limit, so only the limit applied while decompressing stops it.
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let zeros = vec![0; 1 << 20];
    for _ in 0..BOMB_BYTES / zeros.len() {
        gzip.write_all(&zeros).unwrap();
    }
    let bomb = gzip.finish().unwrap();
    assert!(
        bomb.len() < DEFAULT_MAX_MESSAGE_BYTES / 10,
        "{} bytes",
        bomb.len()
    );
    // Flag 1: compressed, with the request's `grpc-encoding`.
    let mut framed = vec![1];
    framed.extend(u32::try_from(bomb.len()).unwrap().to_be_bytes());
    framed.extend(bomb);

    let reply = raw_call_with(&server, &[("grpc-encoding", "gzip")], framed).await;
    // RESOURCE_EXHAUSTED before the handler, trailers-only: tonic stopped
    // writing the decompressed bytes at 4 MiB, and said so.
    assert_eq!(reply.headers["grpc-status"], "8", "{:?}", reply.headers);
    let message = reply.headers["grpc-message"].to_str().unwrap();
    assert!(message.contains("decompressing"), "{message}");
    assert!(reply.body.is_empty());

    // And the server goes on.
    let report = get_report(&dialling(&server), Compress::Gzip, 3).await;
    assert_eq!(report.unwrap().lines, 3);
}
