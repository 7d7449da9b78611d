//! The topic's claims, over real sockets: one log line per call of every
//! kind, trailers-only statuses included; a refused token never reaches a
//! handler; the client's interceptors stamp ids and time every call.

use std::{
    sync::{Arc, Mutex, atomic::Ordering},
    time::Duration,
};

use hello_proto::pb::{HelloReply, HelloRequest};
use plumbing::cli::ServerArgs;
use test_support::{TestServer, capture_logs, captured_logs, wait_for_log};
use tonic::{Code, client::Grpc, codegen::http::uri::PathAndQuery};
use tonic_prost::ProstCodec;

use crate::{
    client::{self, Args},
    client_side::{CallTime, OnCallTime},
    server::{self, EveryKind},
};

/// Starts the topic's server with `users` in its token store.
async fn start(users: &[(&str, &str)]) -> (TestServer, EveryKind) {
    capture_logs(tracing::Level::INFO);
    let service = EveryKind::default();
    let args = server::Args {
        users: (users.iter())
            .map(|(user, token)| ((*user).to_owned(), (*token).to_owned()))
            .collect(),
        store_delay_ms: 20,
        ..server::Args::default()
    };
    let handler = service.clone();
    let server = TestServer::start(ServerArgs::default(), async |common| {
        let args = server::Args {
            common: common.clone(),
            ..args
        };
        server::start(handler, &args).await
    })
    .await;
    (server, service)
}

/// Client flags for `server`, with request ids `<prefix>-1`, `<prefix>-2`...
fn client_args(server: &TestServer, prefix: &str, token: Option<&str>) -> Args {
    let mut common = server.client_args.clone();
    common.token = token.map(str::to_owned);
    common.pid = Some(7);
    Args {
        common,
        request_id_prefix: Some(prefix.to_owned()),
        count: 3,
    }
}

/// What the timing layer reported, kept for the test to read.
fn collector() -> (OnCallTime, Arc<Mutex<Vec<CallTime>>>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let kept = times.clone();
    let sink: OnCallTime = Arc::new(move |time| kept.lock().unwrap().push(time));
    (sink, times)
}

#[tokio::test]
async fn every_kind_of_call_is_logged_once_with_its_status_and_messages() {
    let (server, _) = start(&[]).await;
    client::run(&client_args(&server, "kinds", None))
        .await
        .unwrap();

    let expected = [
        (
            "kinds-1",
            "/hello.DoStuff/say_hello ",
            "OK",
            "1 message in, 1 out",
        ),
        (
            "kinds-2",
            "/hello.DoStuff/say_hello_stream ",
            "OK",
            "1 message in, 3 out",
        ),
        (
            "kinds-3",
            "/hello.DoStuff/say_hello_many ",
            "OK",
            "3 messages in, 1 out",
        ),
        (
            "kinds-4",
            "/hello.DoStuff/say_hello_chat ",
            "OK",
            "3 messages in, 3 out",
        ),
    ];
    for (id, method, status, messages) in expected {
        let line = wait_for_log(&[method, &format!("[x-request-id {id}]: {status} in")]).await;
        let line = line.unwrap_or_else(|| panic!("no log line for {method}"));
        assert!(line.contains(messages), "{line}");
        assert!(line.contains("from 127.0.0.1:"), "no peer in: {line}");
    }
    let logs = captured_logs();
    assert_eq!(logs.matches("[x-request-id kinds-").count(), 4, "{logs}");
}

#[tokio::test]
async fn a_trailers_only_unimplemented_is_logged_with_its_code() {
    let (server, _) = start(&[]).await;
    let mut grpc = Grpc::new(server.channel().await);
    grpc.ready().await.unwrap();
    let status = grpc
        .unary(
            tonic::Request::new(HelloRequest { pid: 1 }),
            PathAndQuery::from_static("/hello.DoStuff/say_goodbye"),
            ProstCodec::<HelloRequest, HelloReply>::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);

    let line = wait_for_log(&["/hello.DoStuff/say_goodbye from", ": UNIMPLEMENTED in"]).await;
    assert!(line.is_some(), "{}", captured_logs());
}

#[tokio::test]
async fn a_token_the_store_does_not_know_never_reaches_the_handler() {
    let (server, service) = start(&[("alice", "s3cret")]).await;

    let (sink, times) = collector();
    let refused = client_args(&server, "refused", Some("wrong"));
    let mut stub = client::connect(&refused, sink).await.unwrap();
    let status = stub.say_hello(HelloRequest { pid: 1 }).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(service.handled.load(Ordering::Relaxed), 0, "a handler ran");
    // The log shows the refusal, as an ended call, not a caller leaving.
    let line = wait_for_log(&["[x-request-id refused-1]: UNAUTHENTICATED in"]).await;
    assert!(line.is_some(), "{}", captured_logs());
    assert!(
        !captured_logs().contains("went away"),
        "{}",
        captured_logs()
    );
    // The client's timing layer read the status from the headers.
    drop(stub);
    assert_eq!(times.lock().unwrap()[0].status, Some(Code::Unauthenticated));

    let (sink, _) = collector();
    let known = client_args(&server, "known", Some("s3cret"));
    let mut stub = client::connect(&known, sink).await.unwrap();
    let reply = stub.say_hello(HelloRequest { pid: 2 }).await.unwrap();
    assert_eq!(reply.into_inner().retval, "Hello, 2!");
    assert_eq!(service.handled.load(Ordering::Relaxed), 1);
    assert!(
        wait_for_log(&["say_hello: called by alice"])
            .await
            .is_some()
    );
}

#[tokio::test]
async fn health_checks_need_no_token() {
    let (server, _) = start(&[("alice", "s3cret")]).await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel().await);
    let request = tonic_health::pb::HealthCheckRequest {
        service: "hello.DoStuff".to_owned(),
    };
    let reply = health.check(request).await.unwrap().into_inner();
    assert_eq!(reply.status, 1, "not SERVING");
}

#[tokio::test]
async fn the_client_stamps_an_id_on_each_call_and_times_it() {
    let (server, _) = start(&[]).await;
    let (sink, times) = collector();
    let mut stub = client::connect(&client_args(&server, "timed", None), sink)
        .await
        .unwrap();
    for pid in [1, 2] {
        stub.say_hello(HelloRequest { pid }).await.unwrap();
    }

    let times = times.lock().unwrap().clone();
    let ids: Vec<_> = times.iter().map(|t| t.request_id.as_deref()).collect();
    assert_eq!(ids, [Some("timed-1"), Some("timed-2")]);
    for time in &times {
        assert_eq!(time.method, "/hello.DoStuff/say_hello");
        assert_eq!(time.status, Some(Code::Ok));
        assert!(time.took > Duration::ZERO && time.took < Duration::from_secs(5));
    }
    // The server saw the same ids.
    assert!(
        wait_for_log(&["[x-request-id timed-2]: OK"])
            .await
            .is_some()
    );
}
