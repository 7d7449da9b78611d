//! The page's claims without a browser, over real sockets: the page is
//! served; gRPC-Web unary and server-streaming calls work over HTTP/1.1,
//! with the trailers in the body; an error keeps its code and details; and
//! every call, plain gRPC or gRPC-Web, reaches the `/events` feed with its
//! messages, the last calls replayed to a page that opens late.

use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use hello_proto::pb::{HelloReply, HelloRequest, HelloStreamRequest};
use http_body_util::{BodyExt, Full};
use hyper::{body::Incoming, client::conn::http1::SendRequest};
use hyper_util::rt::TokioIo;
use plumbing::cli::ServerArgs;
use prost::Message as _;
use serde_json::Value;
use test_support::{TestServer, capture_logs, captured_logs};
use tokio::net::TcpStream;
use tonic::Code;
use tonic_types::StatusExt as _;

use hello_proto::class::pb::{Progress, class_client::ClassClient};

use crate::{
    client,
    feed::{Feed, MAX_PAGES},
    server::{self, Args},
};

/// Starts the web server on a free port, keeping `keep_calls` calls.
async fn start(keep_calls: u16) -> TestServer {
    start_with(Args {
        keep_calls,
        ..Args::default()
    })
    .await
}

/// Starts the web server on a free port with `args` (its address replaced).
async fn start_with(args: Args) -> TestServer {
    capture_logs(tracing::Level::INFO);
    TestServer::start(ServerArgs::default(), async |common| {
        let args = Args {
            common: common.clone(),
            ..args
        };
        server::start(Feed::new(args.keep_calls.into()), &args).await
    })
    .await
}

/// An HTTP/1.1 connection to `server`, as a browser without HTTP/2 opens.
async fn connect(server: &TestServer) -> SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

/// Sends one HTTP/1.1 request to `server`, on a connection of its own.
async fn http1(
    server: &TestServer,
    request: http::Request<Full<Bytes>>,
) -> http::Response<Incoming> {
    send(&mut connect(server).await, request).await
}

/// Sends `request` on `connection`, and checks the reply is HTTP/1.1.
async fn send(
    connection: &mut SendRequest<Full<Bytes>>,
    request: http::Request<Full<Bytes>>,
) -> http::Response<Incoming> {
    let response = connection.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_11);
    response
}

/// `GET path` on `connection`: the content type and the body.
async fn get(connection: &mut SendRequest<Full<Bytes>>, path: &str) -> (String, String) {
    let request = http::Request::get(path)
        .header("host", "localhost")
        .body(Full::default())
        .unwrap();
    let response = send(connection, request).await;
    assert_eq!(response.status(), 200, "GET {path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (content_type, String::from_utf8(body.to_vec()).unwrap())
}

/// A gRPC-Web call, as the page's `grpc-web.js` makes it: POST, one framed
/// message in the body.
async fn grpc_web(server: &TestServer, method: &str, message: &[u8]) -> http::Response<Incoming> {
    let mut body = vec![0];
    body.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    body.extend_from_slice(message);
    let request = http::Request::post(format!("/hello.DoStuff/{method}"))
        .header("host", "localhost")
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    http1(server, request).await
}

/// What a gRPC-Web reply body holds: each message with the time it
/// arrived, then the trailers frame (flag 0x80) as text.
async fn frames(response: http::Response<Incoming>) -> (Vec<(Instant, Bytes)>, String) {
    let mut body = response.into_body();
    let mut buffer = BytesMut::new();
    let mut messages = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.unwrap().into_data() else {
            continue;
        };
        buffer.extend_from_slice(&data);
        while buffer.len() >= 5 {
            let length = u32::from_be_bytes(buffer[1..5].try_into().unwrap()) as usize;
            if buffer.len() < 5 + length {
                break;
            }
            let flag = buffer[0];
            buffer.advance(5);
            let payload = buffer.split_to(length).freeze();
            if flag & 0x80 != 0 {
                return (messages, String::from_utf8(payload.to_vec()).unwrap());
            }
            messages.push((Instant::now(), payload));
        }
    }
    panic!("the body ended without a trailers frame");
}

/// Reads the `/events` feed over HTTP/1.1: each event's JSON, as it comes.
struct Events {
    body: Incoming,
    buffer: String,
}

impl Events {
    async fn open(server: &TestServer) -> Events {
        Events::open_at(server, "/events").await
    }

    /// Opens the Server-Sent Events feed at `path` (`/events`, `/room`).
    async fn open_at(server: &TestServer, path: &str) -> Events {
        let request = http::Request::get(path)
            .header("host", "localhost")
            .body(Full::default())
            .unwrap();
        let response = http1(server, request).await;
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event (2 s at most).
    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data = event.trim().strip_prefix("data: ").unwrap();
                return serde_json::from_str(data).unwrap();
            }
            let frame = tokio::time::timeout(Duration::from_secs(2), self.body.frame())
                .await
                .expect("an event within 2 s")
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }

    /// The events up to the end of `calls` calls.
    async fn calls(&mut self, calls: usize) -> Vec<Value> {
        let mut events = Vec::new();
        while events
            .iter()
            .filter(|e: &&Value| e["type"] == "end")
            .count()
            < calls
        {
            events.push(self.next().await);
        }
        events
    }
}

/// The messages of call `id` going `dir`, as the page shows them.
fn texts(events: &[Value], id: &Value, dir: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| &e["call"] == id && e["type"] == "message" && e["dir"] == dir)
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_page_and_its_files_are_served_from_the_program_itself() {
    let server = start(10).await;
    // One connection, as a browser keeps: each request is answered after
    // the one before it is over.
    let mut connection = connect(&server).await;
    let (content_type, page) = get(&mut connection, "/").await;
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(
        page.contains(r#"<script type="module" src="/app.js">"#),
        "{page}"
    );
    assert!(page.contains("Try it") && page.contains("Live"));
    for (path, kind) in [
        ("/app.js", "text/javascript"),
        ("/grpc-web.js", "text/javascript"),
        ("/style.css", "text/css"),
        ("/room.js", "text/javascript"),
        ("/i18n.js", "text/javascript"),
    ] {
        let (content_type, body) = get(&mut connection, path).await;
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        // Offline: nothing is fetched from elsewhere.
        for outside in [
            "src=\"http",
            "href=\"http",
            "url(",
            "@import",
            "fetch(\"http",
        ] {
            assert!(!body.contains(outside), "{path} reaches out: {outside}");
        }
    }
    // Each file was sent in full before the next was asked for, and no
    // reply was taken for one its caller left half-read.
    let logs = captured_logs();
    for path in ["/", "/app.js", "/grpc-web.js"] {
        assert!(
            !logs.contains(&format!(" {path}: the caller went away")),
            "{logs}"
        );
    }
}

#[tokio::test]
async fn a_grpc_web_unary_call_over_http1_gets_its_reply_then_trailers_in_the_body() {
    let server = start(10).await;
    let response = grpc_web(
        &server,
        "say_hello",
        &HelloRequest { pid: 7 }.encode_to_vec(),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/grpc-web+proto"
    );
    let (messages, trailers) = frames(response).await;
    let replies: Vec<_> = (messages.iter())
        .map(|(_, bytes)| HelloReply::decode(bytes.clone()).unwrap().retval)
        .collect();
    assert_eq!(replies, ["Hello, 7!"]);
    assert!(trailers.contains("grpc-status:0\r\n"), "{trailers:?}");

    let response = grpc_web(
        &server,
        "say_hello_again",
        &HelloRequest { pid: 7 }.encode_to_vec(),
    )
    .await;
    let (messages, _) = frames(response).await;
    assert_eq!(
        HelloReply::decode(messages[0].1.clone()).unwrap().retval,
        "Hello again, 7!"
    );
}

#[tokio::test]
async fn a_grpc_web_stream_delivers_each_reply_when_it_is_sent() {
    let server = start(10).await;
    let request = HelloStreamRequest {
        pid: 7,
        count: 3,
        interval_ms: 150,
    };
    let response = grpc_web(&server, "say_hello_stream", &request.encode_to_vec()).await;
    let (messages, trailers) = frames(response).await;
    let replies: Vec<_> = (messages.iter())
        .map(|(_, bytes)| HelloReply::decode(bytes.clone()).unwrap().retval)
        .collect();
    assert_eq!(replies, ["Hello #1, 7!", "Hello #2, 7!", "Hello #3, 7!"]);
    // Each came when the server sent it, not all at once at the end: the
    // server waits 150 ms between them.
    for pair in messages.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= Duration::from_millis(100), "replies {gap:?} apart");
    }
    assert!(trailers.contains("grpc-status:0"), "{trailers:?}");
}

#[tokio::test]
async fn an_error_reaches_a_grpc_web_client_with_its_code_message_and_details() {
    let server = start(10).await;
    let request = HelloStreamRequest {
        pid: 7,
        count: 2_000_000,
        interval_ms: 0,
    };
    let response = grpc_web(&server, "say_hello_stream", &request.encode_to_vec()).await;
    // Refused before any message: "trailers-only", the status in the
    // headers of an HTTP 200, and an empty body.
    assert_eq!(response.status(), 200);
    let status = tonic::Status::from_header_map(response.headers()).unwrap();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "count must be at most 1000000, got 2000000"
    );
    let details = status.get_details_bad_request().unwrap();
    assert_eq!(details.field_violations[0].field, "count");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(body.is_empty(), "{body:?}");
}

#[tokio::test]
async fn every_kind_of_plain_grpc_call_reaches_the_live_feed_with_its_messages() {
    let server = start(10).await;
    let mut events = Events::open(&server).await;
    let mut common = server.client_args.clone();
    common.pid = Some(41);
    let args = client::Args {
        common,
        count: 3,
        ..client::Args::default()
    };
    client::run(&args).await.unwrap();

    let events = events.calls(4).await;
    let starts: Vec<_> = events.iter().filter(|e| e["type"] == "start").collect();
    let kinds: Vec<_> = starts.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "unary",
            "server streaming",
            "client streaming",
            "bidi streaming"
        ]
    );
    for start in &starts {
        assert_eq!(start["protocol"], "gRPC");
        assert!(start["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
    }
    let [unary, stream, many, chat] = [0, 1, 2, 3].map(|i| &starts[i]["call"]);
    assert_eq!(texts(&events, unary, "in"), ["pid 41"]);
    assert_eq!(texts(&events, unary, "out"), ["\"Hello, 41!\""]);
    assert_eq!(
        texts(&events, stream, "in"),
        ["pid 41, count 3, interval_ms 0"]
    );
    assert_eq!(texts(&events, stream, "out").len(), 3);
    assert_eq!(texts(&events, many, "in").len(), 3);
    assert_eq!(
        texts(&events, many, "out"),
        ["\"Hello, 3 pids (sum 123)!\""]
    );
    assert_eq!(texts(&events, chat, "in"), ["pid 41"; 3]);
    assert_eq!(texts(&events, chat, "out"), ["\"Hello, 41!\""; 3]);
    for end in events.iter().filter(|e| e["type"] == "end") {
        assert_eq!(end["status"], "OK", "{end}");
    }
}

#[tokio::test]
async fn a_grpc_web_call_and_its_error_show_on_the_live_feed() {
    let server = start(10).await;
    let mut events = Events::open(&server).await;
    let request = HelloStreamRequest {
        pid: 7,
        count: 2_000_000,
        interval_ms: 0,
    };
    let response = grpc_web(&server, "say_hello_stream", &request.encode_to_vec()).await;
    drop(response);
    let events = events.calls(1).await;
    assert_eq!(events[0]["protocol"], "gRPC-Web");
    assert_eq!(events[0]["http"], "HTTP/1.1");
    let end = events.last().unwrap();
    assert_eq!(end["status"], "INVALID_ARGUMENT");
    assert_eq!(end["message"], "count must be at most 1000000, got 2000000");
}

#[tokio::test]
async fn a_page_that_opens_late_is_shown_the_last_calls_kept() {
    let server = start(2).await;
    let mut stub = server.stub().await;
    for pid in 1..=3 {
        stub.say_hello(HelloRequest { pid }).await.unwrap();
    }
    let mut events = Events::open(&server).await;
    let kept = events.calls(2).await;
    let pids: Vec<_> = (kept.iter())
        .filter(|e| e["dir"] == "in")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(pids, ["pid 2", "pid 3"], "the oldest call was let go");
}

#[test]
fn the_proto_crates_table_of_lessons_says_what_each_lesson_says_of_itself() {
    // A lesson server names another lesson's command and address from
    // hello-proto's table (its `WrongKindLayer`); each lesson names itself
    // in its `PROGRAM`. This crate depends on all four: it checks they agree.
    let programs = [
        unary::PROGRAM,
        server_streaming::PROGRAM,
        client_streaming::PROGRAM,
        bidi_streaming::PROGRAM,
    ];
    let lessons = hello_proto::lessons::LESSONS;
    assert_eq!(lessons.len(), programs.len());
    for (lesson, program) in lessons.iter().zip(programs) {
        assert_eq!(lesson.name, program.name);
        assert_eq!(lesson.default_addr, program.default_addr, "{}", lesson.name);
        assert_eq!(lesson.methods, program.methods, "{}", lesson.name);
        assert!(
            program.dialled_by_default(),
            "{}: its server binary is `server`",
            lesson.name
        );
    }
}

/// `GET path` on a connection of its own, with `host`: the status and the
/// body (which must end: not for `/events` answered with the feed).
async fn get_with_host(server: &TestServer, path: &str, host: &str) -> (http::StatusCode, String) {
    let request = http::Request::get(path)
        .header("host", host)
        .body(Full::default())
        .unwrap();
    let response = http1(server, request).await;
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn one_page_over_the_cap_is_refused_with_why_and_a_closed_page_frees_its_place() {
    let server = start(10).await;
    let mut pages = Vec::new();
    for _ in 0..MAX_PAGES {
        pages.push(Events::open(&server).await);
    }
    let (status, why) = get_with_host(&server, "/events", "localhost").await;
    assert_eq!(status, http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        why.contains(&format!("already serves {MAX_PAGES} pages")) && why.contains("close a tab"),
        "{why}"
    );
    assert_eq!(why.lines().count(), 1, "{why}");
    // The page itself, and calls, are not refused.
    let mut stub = server.stub().await;
    stub.say_hello(HelloRequest { pid: 1 }).await.unwrap();

    // A page that closes frees its place: the next one is fed.
    drop(pages.pop());
    let fed = async {
        loop {
            let request = http::Request::get("/events")
                .header("host", "localhost")
                .body(Full::default())
                .unwrap();
            if http1(&server, request).await.status() == http::StatusCode::OK {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), fed)
        .await
        .expect("a closed page's place freed within 5 s");
    // A page that leaves its feed is the feed's normal end: nothing to warn
    // the instructor about (the call layer warns of gRPC calls abandoned).
    let logs = captured_logs();
    assert!(!logs.contains("/events: the caller went away"), "{logs}");
}

#[tokio::test]
async fn a_browser_asking_by_a_foreign_name_is_refused_and_by_an_address_or_allowed_name_is_served()
{
    let server = start_with(Args {
        allow_hosts: vec!["instructor.local".to_owned()],
        ..Args::default()
    })
    .await;
    let port = server.addr().port();
    // DNS rebinding: the browser asks for the attacker's name, which now
    // points here. The page, the feed and gRPC-Web are all refused.
    for (path, host) in [
        ("/", "evil.example".to_owned()),
        ("/app.js", format!("evil.example:{port}")),
        ("/events", format!("rebind.evil.example:{port}")),
    ] {
        let (status, why) = get_with_host(&server, path, &host).await;
        assert_eq!(status, http::StatusCode::FORBIDDEN, "GET {path} as {host}");
        assert!(why.contains(&host) && why.contains("--allow-host"), "{why}");
        assert_eq!(why.lines().count(), 1, "{why}");
    }
    let call = http::Request::post("/hello.DoStuff/say_hello")
        .header("host", "evil.example")
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(Full::new(Bytes::from_static(&[0, 0, 0, 0, 0])))
        .unwrap();
    assert_eq!(
        http1(&server, call).await.status(),
        http::StatusCode::FORBIDDEN
    );

    // What a rebinding page cannot forge: an IP address (the class typing
    // the instructor's LAN address), localhost; and a name allowed by flag.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("192.168.1.20:{port}"),
        format!("[::1]:{port}"),
        format!("localhost:{port}"),
        format!("instructor.local:{port}"),
    ] {
        let (status, _) = get_with_host(&server, "/", &host).await;
        assert_eq!(status, http::StatusCode::OK, "GET / as {host}");
    }

    // A CLI client speaks HTTP/2, which no browser does without TLS: the
    // name it dialled (its `:authority`) is not checked.
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr()))
        .unwrap()
        .origin("http://instructor-laptop.example:8080".parse().unwrap())
        .connect()
        .await
        .unwrap();
    let mut stub = hello_proto::pb::do_stuff_client::DoStuffClient::new(channel);
    let reply = stub.say_hello(HelloRequest { pid: 3 }).await.unwrap();
    assert_eq!(reply.into_inner().retval, "Hello, 3!");
}

#[tokio::test]
async fn a_path_that_climbs_out_of_the_page_reads_no_file() {
    let server = start(10).await;
    // The page's files are compiled into the program: no path reaches the
    // disk, however it climbs. A path the page does not know goes on to
    // gRPC, which has no such method either: UNIMPLEMENTED.
    for path in [
        "/../../../../etc/passwd",
        "/assets/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fCargo.toml",
        "//etc/passwd",
    ] {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let answer = test_support::exchange(server.addr(), &request).await;
        let unimplemented = answer.contains("grpc-status: 12");
        assert!(
            answer.starts_with("HTTP/1.1 404 Not Found") || unimplemented,
            "{path}: {answer}"
        );
        assert!(
            !answer.contains("root:") && !answer.contains("[workspace]"),
            "{path}: {answer}"
        );
    }
}

#[tokio::test]
async fn content_length_with_transfer_encoding_on_the_page_gets_one_answer_then_the_connection_closes()
 {
    let server = start(10).await;
    // The request smuggling probe (see the observability topic's test of
    // the same): read by Transfer-Encoding, answered once, then closed, so
    // `GET /smuggled` is never read as a request.
    let request = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\
                   Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
                   GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let answer = test_support::exchange(server.addr(), request).await;
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
}

// ---- The class on the projector (src/room.rs) ----

/// A gRPC client of the room on `server`, over HTTP/2, as a workshop's.
async fn class_client(server: &TestServer) -> ClassClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    ClassClient::new(channel)
}

/// Student `i`'s report: `student-07` has done exercises 1 to `i % 10`,
/// and the next; every fifth one's files do not compile.
fn student(i: u32) -> Progress {
    let done: Vec<u32> = (1..=i % 10).collect();
    let compiles = i % 5 != 4;
    Progress {
        name: format!("student-{i:02}"),
        total: 10,
        compiles,
        done: if compiles { done } else { Vec::new() },
        next: if compiles { Some(i % 10 + 1) } else { None },
    }
}

#[tokio::test]
async fn thirty_students_report_at_once_and_the_room_feed_shows_each_row() {
    let server = start(10).await;
    // A page showing the room before anyone reports: first, the empty room.
    let mut page = Events::open_at(&server, "/room").await;
    let first = page.next().await;
    assert_eq!(first["type"], "room");
    assert_eq!(first["students"], serde_json::json!([]));
    // The address students report to, for the page's command: the server's
    // own (on 127.0.0.1 here; on 0.0.0.0, this machine's network address).
    assert_eq!(first["share"], format!("http://{}", server.addr()));

    // Thirty workshops, each with its own connection, all at once.
    let reports = (0..30).map(|i| {
        let server = &server;
        async move {
            let mut client = class_client(server).await;
            client.report(student(i)).await.unwrap().into_inner()
        }
    });
    let acks = futures::future::join_all(reports).await;
    let mut counts: Vec<u32> = acks.iter().map(|ack| ack.students).collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=30).collect::<Vec<_>>(),
        "each ack counts the room"
    );

    // The page is told each student's row, as it came.
    let mut rows = std::collections::BTreeMap::new();
    while rows.len() < 30 {
        let row = page.next().await;
        assert_eq!(row["type"], "student");
        rows.insert(row["name"].as_str().unwrap().to_owned(), row);
    }
    let check = |rows: &std::collections::BTreeMap<String, Value>| {
        for i in 0..30 {
            let row = &rows[&format!("student-{i:02}")];
            let sent = student(i);
            assert_eq!(row["total"], 10);
            assert_eq!(row["compiles"], sent.compiles, "{row}");
            assert_eq!(row["done"], serde_json::json!(sent.done), "{row}");
            assert_eq!(row["next"], serde_json::json!(sent.next), "{row}");
            assert!(row["ago_ms"].as_u64().unwrap() < 60_000, "{row}");
        }
    };
    check(&rows);

    // A page opened late is shown the whole room at once.
    let mut late = Events::open_at(&server, "/room").await;
    let room = late.next().await;
    assert_eq!(room["type"], "room");
    let late_rows = (room["students"].as_array().unwrap().iter())
        .map(|row| (row["name"].as_str().unwrap().to_owned(), row.clone()))
        .collect();
    check(&late_rows);

    // A student reports again, files broken: the row keeps what was done.
    let mut client = class_client(&server).await;
    let broken = Progress {
        compiles: false,
        done: Vec::new(),
        next: None,
        ..student(3)
    };
    assert_eq!(
        client.report(broken).await.unwrap().into_inner().students,
        30
    );
    let row = late.next().await;
    assert_eq!(row["name"], "student-03");
    assert_eq!(row["compiles"], false);
    assert_eq!(row["done"], serde_json::json!([1, 2, 3]));
    assert_eq!(row["next"], 4);

    // The room's calls are not hello.DoStuff's: the Live panel does not
    // show them. A report, then a say_hello: the first event the Live feed
    // sends is the say_hello's.
    let mut live = Events::open(&server).await;
    client.report(student(5)).await.unwrap();
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    hello_proto::pb::do_stuff_client::DoStuffClient::new(channel)
        .say_hello(HelloRequest { pid: 7 })
        .await
        .unwrap();
    let first = live.next().await;
    assert_eq!(first["method"], "say_hello", "{first}");
}

#[tokio::test]
async fn a_bad_name_is_refused_with_invalid_argument_and_why() {
    let server = start(10).await;
    let mut client = class_client(&server).await;
    for (name, why) in [
        ("a".repeat(41), "longer than 40 characters"),
        ("ana\nbob".to_owned(), "control character"),
        ("ana\u{1b}[2J".to_owned(), "control character"),
        ("   ".to_owned(), "the name is empty"),
    ] {
        let refused = client
            .report(Progress {
                name: name.clone(),
                ..student(1)
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{name:?}");
        assert!(refused.message().contains(why), "{name:?}: {refused:?}");
        assert!(refused.message().contains("--name"), "{refused:?}");
    }
    // A report bigger than the room reads is refused before it is kept.
    let huge = Progress {
        done: vec![1; 5000],
        ..student(1)
    };
    let refused = client.report(huge).await.unwrap_err();
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
    // And nothing of them is in the room.
    let mut page = Events::open_at(&server, "/room").await;
    assert_eq!(page.next().await["students"], serde_json::json!([]));
}

#[tokio::test]
async fn a_call_through_the_proxy_reaches_the_frames_feed_as_headers_data_and_trailers() {
    let server = start_with(Args {
        proxy: Some("127.0.0.1:0".to_owned()),
        ..Args::default()
    })
    .await;
    let mut page = Events::open_at(&server, "/frames").await;
    // The first event names the proxy, for the page's hint (and for us).
    let first = page.next().await;
    assert_eq!(first["type"], "proxy");
    let mut through = server.client_args.clone();
    through.addr = vec![first["addr"].as_str().unwrap().to_owned()];
    let mut stub = test_support::stub(&through).await.unwrap();
    let reply = test_support::say_hello(&mut stub, 7, Some(Duration::from_secs(5))).await;
    assert_eq!(reply.unwrap(), "Hello, 7!");

    // Every frame up to the call's trailers (the last of the call).
    let field = |frame: &Value, name: &str| -> Option<String> {
        let fields = frame["fields"].as_array()?;
        let pair = fields.iter().find(|pair| pair[0] == name)?;
        Some(pair[1].as_str()?.to_owned())
    };
    let mut frames = Vec::new();
    loop {
        let event = page.next().await;
        if event["type"] != "frame" {
            continue;
        }
        let last = event["dir"] == "down" && field(&event, "grpc-status").is_some();
        frames.push(event);
        if last {
            break;
        }
    }
    let call: Vec<&Value> = frames.iter().filter(|f| f["stream"] == 1).collect();
    let kinds: Vec<(&str, &str)> = (call.iter())
        .filter(|f| f["kind"] != "DATA" || f["length"] != 0)
        .map(|f| (f["dir"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("up", "HEADERS"),
            ("up", "DATA"),
            ("down", "HEADERS"),
            ("down", "DATA"),
            ("down", "HEADERS")
        ]
    );
    assert_eq!(
        field(call[0], ":path").as_deref(),
        Some("/hello.DoStuff/say_hello")
    );
    let request = call.iter().find(|f| f["kind"] == "DATA").unwrap();
    // pid 7: one field, tag and varint, 2 bytes, behind its 5-byte prefix.
    assert_eq!(
        request["messages"],
        serde_json::json!([{"compressed": false, "length": 2}])
    );
    assert_eq!(request["length"], 7);
    let trailers = call.last().unwrap();
    assert_eq!(field(trailers, "grpc-status").as_deref(), Some("0"));
    assert!(
        trailers["flags"]
            .as_array()
            .unwrap()
            .contains(&"END_STREAM".into())
    );
    // The connection's own frames are on stream 0: SETTINGS first, up.
    assert_eq!(frames[0]["kind"], "SETTINGS");
    assert_eq!(frames[0]["stream"], 0);
}

#[tokio::test]
async fn a_proxy_port_in_use_stops_the_server_with_one_line_naming_the_proxy_flag() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let args = Args {
        common: ServerArgs {
            addr: Some("127.0.0.1:0".to_owned()),
            ..ServerArgs::default()
        },
        proxy: Some(taken.local_addr().unwrap().to_string()),
        ..Args::default()
    };
    let Err(error) = server::start(Feed::new(1), &args).await else {
        panic!("the server started with its proxy's port taken");
    };
    let line = error.to_string();
    assert!(line.contains("--proxy") && !line.contains('\n'), "{line}");
}

#[tokio::test]
async fn one_frames_page_over_the_cap_is_refused_with_why() {
    let server = start(10).await;
    let mut pages = Vec::new();
    for _ in 0..MAX_PAGES {
        pages.push(Events::open_at(&server, "/frames").await);
    }
    let (status, why) = get_with_host(&server, "/frames", "localhost").await;
    assert_eq!(status, http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        why.contains(&format!("already serves {MAX_PAGES} pages")),
        "{why}"
    );
    assert_eq!(why.lines().count(), 1, "{why}");
}
