//! The README's claims, over real sockets: one trace id in client, relay
//! and backend; a `traceparent` from elsewhere continued; the `rpc.*`
//! attributes and status codes on the spans; `/metrics` in the Prometheus
//! text format, counting exactly the calls made; spans reaching an OTLP
//! collector. And what the metrics listener survives: 2,000 invented
//! method names (counted as "other"), connections that send nothing,
//! paths that climb out, a request smuggled behind Transfer-Encoding.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use futures::StreamExt as _;
use hello_proto::pb::{HelloReply, HelloRequest, HelloStreamRequest};
use opentelemetry::{
    Value,
    trace::{SpanId, SpanKind, Status as SpanStatus, TraceId},
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
    trace_service_server::{TraceService, TraceServiceServer},
};
use opentelemetry_sdk::trace::SpanData;
use plumbing::cli::{ClientArgs, ServerArgs};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel},
};
use tonic::{Code, Request, Response, Status, codegen::http::uri::PathAndQuery};

use crate::{
    client::{self, connect},
    server::{self, Args, Started},
    telemetry::{Sink, SpanLine, Telemetry},
};

/// A process's telemetry whose spans the test receives.
fn recorded(process: &'static str) -> (Telemetry, UnboundedReceiver<SpanData>) {
    let (spans, received) = unbounded_channel();
    let telemetry = Telemetry::new(process, Sink::Channel(spans), None).unwrap();
    (telemetry, received)
}

/// Our server on free ports (gRPC and metrics), relaying to `backend` if given.
async fn server(backend: Option<SocketAddr>) -> (Started, UnboundedReceiver<SpanData>) {
    let (telemetry, spans) = recorded("server");
    (server_with(&telemetry, backend).await, spans)
}

/// Our server on free ports, with the given telemetry.
async fn server_with(telemetry: &Telemetry, backend: Option<SocketAddr>) -> Started {
    let args = Args {
        common: ServerArgs {
            addr: Some("127.0.0.1:0".to_owned()),
            ..ServerArgs::default()
        },
        metrics_addr: "127.0.0.1:0".to_owned(),
        otlp: None,
        backend: backend.map(|addr| addr.to_string()),
    };
    server::start(&args, telemetry).await.unwrap()
}

fn client_args(server: &Started) -> ClientArgs {
    ClientArgs {
        addr: vec![server.server.listening().to_string()],
        ..ClientArgs::default()
    }
}

/// The spans a process has ended so far: a process's spans are all ended
/// (and sent) before the call's status leaves it, so none is still to come.
fn ended(spans: &mut UnboundedReceiver<SpanData>) -> Vec<SpanData> {
    std::iter::from_fn(|| spans.try_recv().ok()).collect()
}

/// A span's attribute, as text.
fn attribute(span: &SpanData, key: &str) -> Option<String> {
    let found = span.attributes.iter().find(|a| a.key.as_str() == key)?;
    Some(match &found.value {
        Value::String(text) => text.to_string(),
        other => other.to_string(),
    })
}

#[tokio::test]
async fn one_trace_id_is_seen_at_the_client_the_relay_and_the_backend() {
    let (backend, mut backend_spans) = server(None).await;
    let (relay, mut relay_spans) = server(backend.server.addr()).await;
    let (client, mut client_spans) = recorded("client");

    let mut stub = connect(&client_args(&relay)).await.unwrap();
    let (trace_id, answer) = client::say_hello(client.tracer(), &mut stub, 42, None).await;
    assert_eq!(answer.unwrap(), "Hello, 42!");

    let [client_span] = <[SpanData; 1]>::try_from(ended(&mut client_spans)).unwrap();
    // The relay's client span ends first (inside its handler), then its server span.
    let [relay_out, relay_in] = <[SpanData; 2]>::try_from(ended(&mut relay_spans)).unwrap();
    let [backend_span] = <[SpanData; 1]>::try_from(ended(&mut backend_spans)).unwrap();

    // One trace id in all three processes: the client's.
    for span in [&client_span, &relay_in, &relay_out, &backend_span] {
        assert_eq!(span.span_context.trace_id(), trace_id, "{}", span.name);
    }
    // And the spans form a chain: each hop's parent is the caller's span,
    // known from `traceparent` (remote) or from the relay's own context.
    assert_eq!(client_span.parent_span_id, SpanId::INVALID);
    assert_eq!(relay_in.parent_span_id, client_span.span_context.span_id());
    assert!(relay_in.parent_span_is_remote);
    assert_eq!(relay_out.parent_span_id, relay_in.span_context.span_id());
    assert!(!relay_out.parent_span_is_remote);
    assert_eq!(
        backend_span.parent_span_id,
        relay_out.span_context.span_id()
    );
    assert!(backend_span.parent_span_is_remote);

    let kinds = [&client_span, &relay_in, &relay_out, &backend_span].map(|s| s.span_kind.clone());
    use SpanKind::{Client, Server};
    assert_eq!(kinds, [Client, Server, Client, Server]);
    for span in [&client_span, &relay_in, &relay_out, &backend_span] {
        assert_eq!(span.name, "hello.DoStuff/say_hello");
        assert_eq!(attribute(span, "rpc.system").as_deref(), Some("grpc"));
        assert_eq!(
            attribute(span, "rpc.service").as_deref(),
            Some("hello.DoStuff")
        );
        assert_eq!(attribute(span, "rpc.method").as_deref(), Some("say_hello"));
        assert_eq!(
            attribute(span, "rpc.grpc.status_code").as_deref(),
            Some("0")
        );
    }
}

#[tokio::test]
async fn a_traceparent_from_another_program_is_continued() {
    let (server, mut spans) = server(None).await;
    let mut stub = connect(&client_args(&server)).await.unwrap();

    // What a grpcio client (or any other) sends, written by hand.
    let mut request = Request::new(HelloRequest { pid: 7 });
    request.metadata_mut().insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    stub.say_hello(request).await.unwrap();

    let [span] = <[SpanData; 1]>::try_from(ended(&mut spans)).unwrap();
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
    );
    assert_eq!(
        span.parent_span_id,
        SpanId::from_hex("00f067aa0ba902b7").unwrap()
    );
    // The line the server prints has the caller's trace id in it.
    let line = SpanLine("observability-server", &span).to_string();
    assert!(
        line.starts_with("observability-server: span hello.DoStuff/say_hello (server) trace 4bf92f3577b34da6a3ce929d0e0e4736 span "),
        "{line}"
    );
    assert!(
        line.contains(" parent 00f067aa0ba902b7 (remote) "),
        "{line}"
    );
    assert!(
        line.ends_with(
            " rpc.system=grpc rpc.service=hello.DoStuff rpc.method=say_hello rpc.grpc.status_code=0"
        ),
        "{line}"
    );
}

#[tokio::test]
async fn a_call_without_traceparent_starts_a_new_trace_at_the_server() {
    let (server, mut spans) = server(None).await;
    let mut stub = connect(&client_args(&server)).await.unwrap();
    stub.say_hello_again(HelloRequest { pid: 7 }).await.unwrap();

    let [span] = <[SpanData; 1]>::try_from(ended(&mut spans)).unwrap();
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert_ne!(span.span_context.trace_id(), TraceId::INVALID);
    assert_eq!(
        attribute(&span, "rpc.method").as_deref(),
        Some("say_hello_again")
    );
}

#[tokio::test]
async fn failed_calls_carry_their_status_code_on_both_sides() {
    let (server, mut server_spans) = server(None).await;
    let (client, mut client_spans) = recorded("client");
    let mut stub = connect(&client_args(&server)).await.unwrap();

    let (_, answer) = client::say_hello(client.tracer(), &mut stub, -1, None).await;
    assert_eq!(answer.unwrap_err().code(), Code::InvalidArgument);

    let [client_span] = <[SpanData; 1]>::try_from(ended(&mut client_spans)).unwrap();
    let [server_span] = <[SpanData; 1]>::try_from(ended(&mut server_spans)).unwrap();
    for span in [&client_span, &server_span] {
        assert_eq!(
            attribute(span, "rpc.grpc.status_code").as_deref(),
            Some("3")
        );
    }
    // For the client any code but OK is an error; for the server, a bad
    // request is the caller's mistake, not the server's.
    assert!(matches!(client_span.status, SpanStatus::Error { .. }));
    assert_eq!(server_span.status, SpanStatus::Unset);

    // UNIMPLEMENTED comes "trailers-only": its status in the headers.
    stub.say_hello_stream(HelloStreamRequest::default())
        .await
        .unwrap_err();
    let [span] = <[SpanData; 1]>::try_from(ended(&mut server_spans)).unwrap();
    assert_eq!(
        attribute(&span, "rpc.grpc.status_code").as_deref(),
        Some("12")
    );
    assert!(matches!(span.status, SpanStatus::Error { .. }));
}

/// `GET path` on the metrics server: the status line, the content type and the body.
async fn http_get(addr: SocketAddr, path: &str) -> (String, String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.lines().next().unwrap().to_owned();
    let content_type = (head.lines())
        .find_map(|line| line.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

/// A sample of the text format: `name{label="value",...} number`.
type Samples = HashMap<(String, Vec<(String, String)>), f64>;

/// Parses the Prometheus/OpenMetrics text format strictly enough to fail
/// on anything malformed: comments (`# HELP`, `# TYPE`, `# EOF` last), and
/// samples whose labels are sorted here, so a test can look them up.
fn parse_metrics(text: &str) -> Samples {
    let mut samples = Samples::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"# EOF"),
        "OpenMetrics text ends with # EOF"
    );
    for line in lines {
        if let Some(comment) = line.strip_prefix("# ") {
            let word = comment.split(' ').next().unwrap();
            assert!(["HELP", "TYPE", "UNIT", "EOF"].contains(&word), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.strip_suffix('}').unwrap()),
            None => (series, ""),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        let mut labels: Vec<(String, String)> = (labels.split(',').filter(|l| !l.is_empty()))
            .map(|label| {
                let (key, value) = label.split_once('=').unwrap();
                let value = value.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
                (key.to_owned(), value.to_owned())
            })
            .collect();
        labels.sort();
        samples.insert((name.to_owned(), labels), value);
    }
    samples
}

/// The labels of one method and code, plus `extra` (a bucket's `le`).
fn labels(method: &str, code: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = [
        ("grpc_service", "hello.DoStuff"),
        ("grpc_method", method),
        ("grpc_code", code),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    labels.sort();
    labels
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_count_every_call() {
    let (server, _spans) = server(None).await;
    let mut stub = connect(&client_args(&server)).await.unwrap();
    for pid in [1, 2, 3] {
        stub.say_hello(HelloRequest { pid }).await.unwrap();
    }
    stub.say_hello(HelloRequest { pid: -1 }).await.unwrap_err();
    stub.say_hello_again(HelloRequest { pid: 1 }).await.unwrap();
    stub.say_hello_again(HelloRequest { pid: 2 }).await.unwrap();

    let (status, content_type, body) = http_get(server.metrics_addr, "/metrics").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let samples = parse_metrics(&body);

    let expected = [
        ("say_hello", "OK", 3.0),
        ("say_hello", "INVALID_ARGUMENT", 1.0),
        ("say_hello_again", "OK", 2.0),
    ];
    for (method, code, calls) in expected {
        let counter = (
            "grpc_server_handled_total".to_owned(),
            labels(method, code, &[]),
        );
        assert_eq!(samples.get(&counter), Some(&calls), "{method} {code}");
        let count = (
            "grpc_server_handling_seconds_count".to_owned(),
            labels(method, code, &[]),
        );
        assert_eq!(samples.get(&count), Some(&calls), "{method} {code}");
        // Every call is in the last bucket, the one without an upper limit.
        let inf = labels(method, code, &[("le", "+Inf")]);
        let all = ("grpc_server_handling_seconds_bucket".to_owned(), inf);
        assert_eq!(samples.get(&all), Some(&calls), "{method} {code}");
    }
    // Nothing else was counted.
    let counted: f64 = (samples.iter())
        .filter(|((name, _), _)| name == "grpc_server_handled_total")
        .map(|(_, value)| value)
        .sum();
    assert_eq!(counted, 6.0);

    let (status, _, _) = http_get(server.metrics_addr, "/").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
}

/// Calls that `/metrics` must not name: 2,000 invented paths, half of
/// them invented methods of our own service, half invented services, some
/// with long names (as an attacker would make them, to make each series
/// cost more).
fn invented_paths() -> impl Iterator<Item = String> {
    (0..2_000).map(|i| {
        if i % 2 == 0 {
            format!("/hello.DoStuff/invented_{i}")
        } else {
            format!("/invented{i}.Service/{}", "x".repeat(i % 500))
        }
    })
}

/// `/metrics` may not be larger than this after the 2,000 invented names:
/// it is 3.5 KB; labelled by the path, as it was, 7.1 MB.
const METRICS_LIMIT: usize = 100_000;

#[tokio::test]
async fn invented_method_names_are_counted_as_other_and_metrics_stay_small() {
    let (server, _spans) = server(None).await;
    let mut stub = connect(&client_args(&server)).await.unwrap();
    stub.say_hello(HelloRequest { pid: 1 }).await.unwrap();

    // Raw calls, to paths no generated stub has; 50 at a time on one channel.
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", server.server.listening()))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let codes: Vec<Code> = futures::stream::iter(invented_paths())
        .map(|path| {
            let mut grpc = tonic::client::Grpc::new(channel.clone());
            async move {
                grpc.ready().await.unwrap();
                let codec = tonic_prost::ProstCodec::<HelloRequest, HelloReply>::default();
                let path = PathAndQuery::try_from(path).unwrap();
                let answer = grpc.unary(Request::new(HelloRequest { pid: 1 }), path, codec);
                answer.await.unwrap_err().code()
            }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    assert!(codes.iter().all(|code| *code == Code::Unimplemented));

    let (status, _, body) = http_get(server.metrics_addr, "/metrics").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        body.len() < METRICS_LIMIT,
        "/metrics is {} bytes",
        body.len()
    );
    assert!(!body.contains("invented"));
    let samples = parse_metrics(&body);
    // Our own method, by name; every invented one, under "other".
    let say_hello = labels("say_hello", "OK", &[]);
    let other: Vec<(String, String)> = [
        ("grpc_code", "UNIMPLEMENTED"),
        ("grpc_method", "other"),
        ("grpc_service", "other"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .into();
    let handled = |labels| samples.get(&("grpc_server_handled_total".to_owned(), labels));
    assert_eq!(handled(say_hello), Some(&1.0));
    assert_eq!(handled(other), Some(&2_000.0));
}

/// How long the read of a connection to `addr` that sent `bytes` took to
/// end (the server closed it), or `None` if it was still open after 5 s.
async fn closed_after_sending(addr: SocketAddr, bytes: &[u8]) -> Option<Duration> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer));
    // An error (the connection reset) is closed too.
    read.await.ok().map(|_| started.elapsed())
}

#[tokio::test]
async fn a_metrics_connection_that_sends_no_request_is_closed_after_the_handshake_timeout() {
    let (telemetry, _spans) = recorded("server");
    let args = Args {
        common: ServerArgs {
            addr: Some("127.0.0.1:0".to_owned()),
            handshake_timeout_ms: 300,
            ..ServerArgs::default()
        },
        metrics_addr: "127.0.0.1:0".to_owned(),
        otlp: None,
        backend: None,
    };
    let server = server::start(&args, &telemetry).await.unwrap();
    // Silent; and a request line sent, its headers never finished.
    for bytes in [&b""[..], b"GET /metrics HTTP/1.1\r\nHost: x\r\n"] {
        let took = closed_after_sending(server.metrics_addr, bytes).await;
        let took = took.unwrap_or_else(|| panic!("{bytes:?}: still open after 5 s"));
        assert!(
            took < Duration::from_secs(3),
            "{bytes:?}: closed after {took:?}"
        );
    }
    // And the metrics are still served.
    let (status, _, _) = http_get(server.metrics_addr, "/metrics").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn a_path_that_climbs_out_is_just_another_404() {
    let (server, _spans) = server(None).await;
    // The server reads no files: only the path `/metrics` has an answer.
    for path in [
        "/../../../../etc/passwd",
        "/metrics/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
    ] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let answer = test_support::exchange(server.metrics_addr, &request).await;
        assert!(
            answer.starts_with("HTTP/1.1 404 Not Found"),
            "{path}: {answer}"
        );
        assert!(!answer.contains("root:"), "{path}: {answer}");
    }
}

#[tokio::test]
async fn content_length_with_transfer_encoding_gets_one_answer_then_the_connection_closes() {
    let (server, _spans) = server(None).await;
    // The request smuggling probe: a proxy that goes by Content-Length
    // would see one request; a server that goes by Transfer-Encoding, two
    // (the chunked body ends at once, and `GET /smuggled` follows). hyper
    // goes by Transfer-Encoding, as RFC 9112 says, and then closes the
    // connection, as it also says: the bytes after the body are never read
    // as a request.
    let request = "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\
                   Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
                   GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    let answer = test_support::exchange(server.metrics_addr, request).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
}

/// A fake OpenTelemetry collector: hands each export it receives to the test.
struct Collector(UnboundedSender<ExportTraceServiceRequest>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let _ = self.0.send(request.into_inner());
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tokio::test]
async fn with_otlp_the_spans_of_client_and_server_reach_a_collector() {
    let (exports, mut received) = unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(Collector(exports)))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let with_otlp = |process| {
        let (spans, printed) = unbounded_channel();
        let telemetry = Telemetry::new(process, Sink::Channel(spans), Some(&url)).unwrap();
        (telemetry, printed)
    };
    let (server_telemetry, _printed) = with_otlp("server");
    let (client, _printed) = with_otlp("client");
    let server = server_with(&server_telemetry, None).await;
    let mut stub = connect(&client_args(&server)).await.unwrap();
    let (trace_id, answer) = client::say_hello(client.tracer(), &mut stub, 5, None).await;
    answer.unwrap();
    // Spans are sent in batches, every 5 s, and what is left at shutdown:
    // what the client does before it exits, and the server when it stops.
    client.shutdown().await;
    server_telemetry.shutdown().await;

    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let export = tokio::time::timeout(Duration::from_secs(5), received.recv())
            .await
            .unwrap()
            .unwrap();
        for span in (export.resource_spans.iter())
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
        {
            assert_eq!(span.name, "hello.DoStuff/say_hello");
            assert_eq!(span.trace_id, trace_id.to_bytes().to_vec());
            kinds.push(span.kind);
        }
    }
    kinds.sort();
    // OTLP's span kinds: 2 = server, 3 = client.
    assert_eq!(kinds, [2, 3]);
}
