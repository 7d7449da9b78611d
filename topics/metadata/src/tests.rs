//! The metadata contract, over real sockets against a real server: our
//! client against our server, and raw HTTP/2 as another client would speak it.

use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use hello_proto::pb::{HelloReply, HelloRequest, HelloStreamRequest};
use http::{HeaderMap, HeaderName, HeaderValue};
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Context, explain},
};
use prost::Message as _;
use test_support::{TestServer, capture_logs, closed_addr, wait_for_log};

use crate::{
    CLIENT_BIN_LEN, ELAPSED_US, REQUEST_ID, TOPIC,
    client::{Args, StreamEvent, connect, outgoing, say_hello, say_hello_stream},
    outgoing::Outgoing,
    server::{MetadataService, start},
};

/// A metadata server on a free port whose every reply waits `delay_ms`.
async fn serve(delay_ms: u64) -> TestServer {
    let service = MetadataService {
        delay: Duration::from_millis(delay_ms),
    };
    TestServer::start(ServerArgs::default(), async |args| {
        start(service, args).await
    })
    .await
}

/// `metadata`'s text value for `key`, which must be there.
fn text<'a>(metadata: &'a tonic::metadata::MetadataMap, key: &str) -> &'a str {
    let value = metadata
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {metadata:?}"));
    value.to_str().unwrap()
}

/// `metadata`'s `x-elapsed-us` as a duration.
fn elapsed(metadata: &tonic::metadata::MetadataMap) -> Duration {
    Duration::from_micros(text(metadata, ELAPSED_US).parse().unwrap())
}

#[tokio::test]
async fn the_request_id_comes_back_in_the_headers_and_the_byte_count_in_the_trailers() {
    let server = serve(0).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let sent = Outgoing::new("test-1", &[0x00, 0xff, 0xfe, 0x01, 0x80], &[]).unwrap();

    let response = say_hello(&mut stub, 7, None, &sent).await.unwrap();
    assert_eq!(response.get_ref().retval, "Hello, 7!");
    let metadata = response.metadata();
    assert_eq!(text(metadata, REQUEST_ID), "test-1");
    assert_eq!(text(metadata, CLIENT_BIN_LEN), "5");
    assert!(metadata.get(ELAPSED_US).is_some(), "{metadata:?}");
}

#[tokio::test]
async fn x_elapsed_us_covers_the_handlers_work_and_no_more_than_the_call() {
    let server = serve(100).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let sent = Outgoing::new("slow", b"", &[]).unwrap();

    let started = Instant::now();
    let response = say_hello(&mut stub, 1, None, &sent).await.unwrap();
    let call = started.elapsed();

    let handler = elapsed(response.metadata());
    assert!(handler >= Duration::from_millis(100), "{handler:?}");
    assert!(handler <= call, "handler {handler:?} > call {call:?}");
    assert_eq!(text(response.metadata(), CLIENT_BIN_LEN), "0");
}

#[tokio::test]
async fn a_streams_headers_come_before_its_first_message_and_its_trailers_after_its_last() {
    // The first message leaves 400 ms after the call starts, the next two
    // 50 ms apart: the headers leave at once, when the handler returns.
    let server = serve(400).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let sent = Outgoing::new("stream-1", &[1, 2, 3], &[]).unwrap();
    let ask = HelloStreamRequest {
        pid: 9,
        count: 3,
        interval_ms: 50,
    };

    let started = Instant::now();
    let mut events = Vec::new();
    say_hello_stream(&mut stub, ask, None, &sent, |event| {
        events.push((started.elapsed(), event));
    })
    .await
    .unwrap();

    let [
        (headers_at, StreamEvent::Headers(headers)),
        (first_at, StreamEvent::Message(first)),
        (_, StreamEvent::Message(_)),
        (_, StreamEvent::Message(last)),
        (_, StreamEvent::Trailers(trailers)),
    ] = events.as_slice()
    else {
        panic!("not headers, three messages, trailers: {events:?}");
    };
    assert_eq!(
        (first.as_str(), last.as_str()),
        ("Hello #1, 9!", "Hello #3, 9!")
    );
    // The headers were there while the server was still working on the first message.
    assert!(*headers_at < Duration::from_millis(400), "{headers_at:?}");
    assert!(*first_at >= Duration::from_millis(400), "{first_at:?}");
    assert_eq!(text(headers, REQUEST_ID), "stream-1");
    assert!(
        headers.get(ELAPSED_US).is_none(),
        "a trailer among the headers"
    );
    // The trailers measure the whole stream: 400 + 2 × (50 + 400) ms.
    assert_eq!(text(trailers, CLIENT_BIN_LEN), "3");
    assert!(
        elapsed(trailers) >= Duration::from_millis(1300),
        "{trailers:?}"
    );
    assert!(
        trailers.get(REQUEST_ID).is_none(),
        "a header among the trailers"
    );
}

#[tokio::test]
async fn a_stream_is_refused_at_the_server_streaming_lessons_limits_with_its_message() {
    let server = serve(0).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    let sent = Outgoing::new("too-many", b"", &[]).unwrap();
    let ask = HelloStreamRequest {
        pid: 9,
        count: server_streaming::server::MAX_COUNT + 1,
        interval_ms: 0,
    };
    let status = say_hello_stream(&mut stub, ask, None, &sent, |_| {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "count must be at most 1000000, got 1000001"
    );
}

#[tokio::test]
async fn each_bad_flag_is_a_local_error_naming_its_rule_before_any_call() {
    // Nothing listens there: had the client called, it would fail with
    // UNAVAILABLE, not with a flag error.
    let common = ClientArgs {
        addr: vec![closed_addr().to_string()],
        ..ClientArgs::default()
    };
    let with_header = |header: &str| Args {
        common: common.clone(),
        headers: vec!["ok-key=fine".to_owned(), header.to_owned()],
        ..Args::default()
    };
    let cases = [
        (with_header("X-Trace=1"), "keys are lowercase"),
        (with_header("my key=1"), "may use only 0-9 a-z _ . -"),
        (with_header("grpc-trace=1"), "grpc-trace is reserved"),
        (
            with_header("content-type=text/plain"),
            "content-type is reserved",
        ),
        (with_header("city=Zürich"), "printable ASCII only"),
        (with_header("bell=\u{7}"), "printable ASCII only"),
        (with_header("trace-bin=xyz"), "in hex"),
        (with_header("just-a-key"), "KEY=VALUE"),
        (with_header("x-request-id=1"), "use --request-id"),
        (
            Args {
                request_id: Some("café".to_owned()),
                ..with_header("a=b")
            },
            "--request-id: text values are printable ASCII only",
        ),
        (
            Args {
                client_bin: "abc".to_owned(),
                ..with_header("a=b")
            },
            "--client-bin: bytes are written in hex",
        ),
    ];
    for (args, rule) in cases {
        let error = crate::client::run(&args).await.unwrap_err();
        assert!(matches!(error, ClientError::Flag(_)), "{error:?}");
        let line = explain(&error, &Context::new(TOPIC, &args.common));
        assert!(line.contains(rule), "{line:?} does not say {rule:?}");
        assert!(!line.contains('\n'), "{line:?}");
    }
}

#[tokio::test]
async fn what_the_client_sends_is_shown_as_bytes_and_as_base64() {
    let args = Args {
        request_id: Some("shown".to_owned()),
        headers: vec!["trace-bin=0001".to_owned(), "color=blue".to_owned()],
        ..Args::default()
    };
    assert_eq!(
        outgoing(&args).unwrap().lines(),
        [
            "x-request-id: shown",
            "x-client-bin: bytes [ca fe 00 ff], on the wire as base64 yv4A/w",
            "trace-bin: bytes [00 01], on the wire as base64 AAE",
            "color: blue",
        ]
    );
}

#[tokio::test]
async fn the_client_runs_both_calls_and_its_extra_headers_reach_the_server_log() {
    capture_logs(tracing::Level::INFO);
    let server = serve(0).await;
    let args = Args {
        common: ClientArgs {
            pid: Some(6061),
            ..server.client_args.clone()
        },
        request_id: Some("logged-1".to_owned()),
        headers: vec!["color=blue".to_owned()],
        stream: Some(2),
        interval_ms: 0,
        ..Args::default()
    };
    crate::client::run(&args).await.unwrap();
    for method in ["say_hello,", "say_hello_stream,"] {
        let parts = [method, "pid = 6061", "x-request-id = logged-1", "[color, "];
        let line = wait_for_log(&parts).await;
        assert!(line.is_some(), "no log line with {parts:?}");
    }
}

// Another client, over raw HTTP/2: what our client refuses to send.

/// What a raw call got back: the status (from the trailers, or from the
/// headers of a trailers-only answer), the headers, and the reply, if any.
#[derive(Debug)]
struct RawReply {
    headers: HeaderMap,
    trailers: HeaderMap,
    reply: Option<HelloReply>,
}

impl RawReply {
    /// The `grpc-status` code, and the `grpc-message`, wherever they are.
    fn status(&self) -> (String, String) {
        let field = |name: &str| {
            let value = self.trailers.get(name).or_else(|| self.headers.get(name));
            value
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        (field("grpc-status"), percent_decode(&field("grpc-message")))
    }
}

/// `grpc-message` travels percent-encoded (`%20` for a space), so that any
/// text fits in a header; clients decode it.
fn percent_decode(encoded: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let [first, tail @ ..] = rest {
        match (first, tail) {
            (b'%', [high, low, after @ ..]) => {
                let hex = std::str::from_utf8(&[*high, *low]).unwrap().to_owned();
                bytes.push(u8::from_str_radix(&hex, 16).unwrap());
                rest = after;
            }
            _ => {
                bytes.push(*first);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// Calls `say_hello` on `server` over a bare HTTP/2 connection (the `h2`
/// crate), with `metadata` added exactly as given: a gRPC call is a POST
/// whose body is each message framed as 1 byte "compressed?" (0), 4 bytes
/// of length (big-endian), then the protobuf bytes.
async fn raw_say_hello(server: &TestServer, pid: i32, metadata: &[(&str, &[u8])]) -> RawReply {
    let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let (send, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut send = send.ready().await.unwrap();

    let mut request =
        http::Request::post(format!("http://{}/hello.DoStuff/say_hello", server.addr()))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(())
            .unwrap();
    for (key, value) in metadata {
        let key = HeaderName::from_bytes(key.as_bytes()).unwrap();
        request
            .headers_mut()
            .append(key, HeaderValue::from_bytes(value).unwrap());
    }
    let message = HelloRequest { pid }.encode_to_vec();
    let mut frame = BytesMut::new();
    frame.put_u8(0);
    frame.put_u32(u32::try_from(message.len()).unwrap());
    frame.put_slice(&message);

    let (response, mut body) = send.send_request(request, false).unwrap();
    body.send_data(frame.freeze(), true).unwrap();
    let (parts, mut body) = response.await.unwrap().into_parts();
    let mut data = BytesMut::new();
    while let Some(chunk) = body.data().await {
        let chunk: Bytes = chunk.unwrap();
        body.flow_control().release_capacity(chunk.len()).unwrap();
        data.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await.unwrap().unwrap_or_default();
    let reply = (data.len() > 5).then(|| HelloReply::decode(&data[5..]).unwrap());
    RawReply {
        headers: parts.headers,
        trailers,
        reply,
    }
}

#[tokio::test]
async fn raw_http2_a_well_formed_call_gets_our_headers_and_trailers() {
    let server = serve(0).await;
    // tonic sends -bin values unpadded; gRPC allows padding too ("AAE=").
    for encoded in [&b"AAE"[..], b"AAE="] {
        let raw = raw_say_hello(
            &server,
            3,
            &[(REQUEST_ID, b"raw-1"), ("x-client-bin", encoded)],
        )
        .await;
        assert_eq!(raw.status().0, "0", "{raw:?}");
        assert_eq!(raw.reply.as_ref().unwrap().retval, "Hello, 3!");
        assert_eq!(raw.headers[REQUEST_ID], "raw-1");
        assert_eq!(raw.trailers[CLIENT_BIN_LEN], "2");
        assert!(raw.trailers.contains_key(ELAPSED_US), "{raw:?}");
        // On the wire each is where it belongs: no trailer among the headers.
        assert!(!raw.headers.contains_key(ELAPSED_US) && !raw.headers.contains_key(CLIENT_BIN_LEN));
    }
}

#[tokio::test]
async fn raw_http2_an_unknown_grpc_key_is_ignored_and_never_echoed() {
    let server = serve(0).await;
    let raw = raw_say_hello(
        &server,
        4,
        &[("grpc-made-up", b"whatever"), (REQUEST_ID, b"raw-2")],
    )
    .await;
    assert_eq!(raw.status().0, "0", "{raw:?}");
    assert_eq!(raw.reply.unwrap().retval, "Hello, 4!");
    assert!(
        !raw.headers.contains_key("grpc-made-up") && !raw.trailers.contains_key("grpc-made-up")
    );
}

#[tokio::test]
async fn raw_http2_a_non_ascii_request_id_is_invalid_argument_naming_the_byte() {
    let server = serve(0).await;
    // "café" in UTF-8: HTTP allows such bytes in a header value (obs-text);
    // gRPC's text metadata does not.
    let raw = raw_say_hello(&server, 5, &[(REQUEST_ID, "café".as_bytes())]).await;
    let (code, message) = raw.status();
    assert_eq!(code, "3", "INVALID_ARGUMENT: {raw:?}");
    assert!(
        message.contains("x-request-id must be printable ASCII"),
        "{message}"
    );
    assert!(message.contains("0xc3"), "{message}");
    assert!(!message.contains("caf"), "the value was echoed: {message}");
    assert!(raw.reply.is_none());
    assert!(!raw.trailers.contains_key(ELAPSED_US) && !raw.headers.contains_key(ELAPSED_US));
}

#[tokio::test]
async fn raw_http2_an_x_client_bin_that_is_not_base64_is_invalid_argument() {
    let server = serve(0).await;
    let raw = raw_say_hello(&server, 6, &[("x-client-bin", b"not base64!")]).await;
    let (code, message) = raw.status();
    assert_eq!(code, "3", "INVALID_ARGUMENT: {raw:?}");
    assert!(
        message.contains("x-client-bin is not valid base64"),
        "{message}"
    );
}

#[test]
fn tonic_alone_lowercases_uppercase_keys_passes_grpc_keys_and_utf8_and_refuses_vaguely() {
    use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
    // Why src/outgoing.rs checks first: tonic would send `X-Trace` as
    // `x-trace` without a word, accept a `grpc-` key like any other...
    let key = AsciiMetadataKey::from_bytes(b"X-Trace").unwrap();
    assert_eq!(key.as_str(), "x-trace");
    assert!(AsciiMetadataKey::from_bytes(b"grpc-trace").is_ok());
    // ...send `Zürich` as its UTF-8 bytes, which gRPC's text metadata forbids
    // (our server refuses such an x-request-id)...
    let value: AsciiMetadataValue = "Zürich".parse().unwrap();
    assert_eq!(value.as_bytes(), "Zürich".as_bytes());
    // ...and refuse a control character without saying why.
    let refused = "ring\u{7}".parse::<AsciiMetadataValue>().unwrap_err();
    assert_eq!(refused.to_string(), "failed to parse metadata value");
}
