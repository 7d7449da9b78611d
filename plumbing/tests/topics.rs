//! The note's other topics, as the plumbing gives them to every server
//! and client: authentication, encryption, health, reflection, several
//! servers, deadlines seen from the server, and graceful shutdown. Each
//! over real sockets.

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{ClientError, Context, explain},
};
use test_support::{Event, observed, say_hello, start, stub};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tonic::{Code, Status, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// What a client of the unary kind with `args` would print for `status`.
fn line_for(status: Status, args: &ClientArgs) -> String {
    explain(
        &ClientError::Call(status),
        &Context::new(unary::PROGRAM, args),
    )
}

/// `n` `say_hello` calls at once on `stub`; their replies.
async fn call_concurrently(stub: &plumbing::client::Stub, n: usize) -> Vec<String> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let mut stub = stub.clone();
            tokio::spawn(async move { say_hello(&mut stub, 9, None).await })
        })
        .collect();
    let mut replies = Vec::new();
    for call in calls {
        replies.push(
            call.await
                .expect("the call's task ran")
                .expect("the call succeeded"),
        );
    }
    replies
}

async fn health_of(channel: Channel, service: &str) -> Result<ServingStatus, Status> {
    let request = HealthCheckRequest {
        service: service.to_owned(),
    };
    let response = HealthClient::new(channel).check(request).await?;
    Ok(response.into_inner().status())
}

fn token_args(token: &str) -> ServerArgs {
    ServerArgs {
        token: Some(token.to_owned()),
        ..ServerArgs::default()
    }
}

#[tokio::test]
async fn a_token_is_demanded_and_checked() {
    let server = start(token_args("s3cret")).await;

    let with = |token: Option<&str>| ClientArgs {
        token: token.map(str::to_owned),
        ..server.client_args.clone()
    };
    let mut right = stub(&with(Some("s3cret"))).await.unwrap();
    assert_eq!(say_hello(&mut right, 1, None).await.unwrap(), "Hello, 1!");

    let mut none = stub(&with(None)).await.unwrap();
    let status = say_hello(&mut none, 1, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().starts_with("no token"),
        "{}",
        status.message()
    );
    let line = line_for(status, &with(None));
    assert!(
        line.contains("UNAUTHENTICATED") && line.contains("--token"),
        "{line}"
    );

    let mut wrong = stub(&with(Some("guess"))).await.unwrap();
    let status = say_hello(&mut wrong, 1, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().starts_with("wrong token"),
        "{}",
        status.message()
    );
    assert!(!status.message().contains("guess"));
}

#[tokio::test]
async fn health_and_reflection_stay_open_behind_a_token() {
    let server = start(token_args("s3cret")).await;
    let channel = server.channel().await;
    assert_eq!(
        health_of(channel.clone(), "hello.DoStuff").await.unwrap(),
        ServingStatus::Serving
    );
    assert_eq!(
        health_of(channel.clone(), "").await.unwrap(),
        ServingStatus::Serving
    );

    // Reflection, v1: "which services do you serve?"
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let ask = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = ServerReflectionClient::new(channel.clone())
        .server_reflection_info(tokio_stream::once(ask))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        replies.next().await.unwrap().unwrap().message_response
    else {
        panic!("not a list of services");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    // Each version lists both: a tool that asks v1alpha (grpcurl 1.8)
    // learns that v1 is served too.
    let served = [
        "hello.DoStuff",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ];
    for name in served {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }

    // And v1alpha, which many deployed tools still speak.
    use tonic_reflection::pb::v1alpha::{
        ServerReflectionRequest as AlphaRequest,
        server_reflection_client::ServerReflectionClient as AlphaClient,
        server_reflection_request::MessageRequest as AlphaMessage,
    };
    let ask = AlphaRequest {
        host: String::new(),
        message_request: Some(AlphaMessage::ListServices(String::new())),
    };
    let mut replies = AlphaClient::new(channel)
        .server_reflection_info(tokio_stream::once(ask))
        .await
        .unwrap()
        .into_inner();
    let reply = format!("{:?}", replies.next().await.unwrap().unwrap());
    for name in served {
        assert!(
            reply.contains(&format!("\"{name}\"")),
            "{name} missing from {reply}"
        );
    }
}

#[tokio::test]
async fn tls_works_and_a_mismatch_is_one_clear_line() {
    let certs = std::env::temp_dir().join(format!("hello-unary-tls-{}", std::process::id()));
    let args = ServerArgs {
        tls: true,
        certs: Some(certs.clone()),
        ..ServerArgs::default()
    };
    let server = start(args).await;

    let mut client = server.stub().await;
    assert_eq!(say_hello(&mut client, 3, None).await.unwrap(), "Hello, 3!");

    // A plaintext client against the TLS server.
    let plain = ClientArgs {
        tls: false,
        ca: None,
        ..server.client_args.clone()
    };
    let mut client = stub(&plain).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), say_hello(&mut client, 3, None))
        .await
        .expect("a plaintext client must not hang on a TLS server")
        .unwrap_err();
    let line = line_for(status, &plain);
    assert!(!line.contains('\n') && line.contains("--tls"), "{line}");

    // A TLS client against a plaintext server.
    let plain_server = start(ServerArgs::default()).await;
    let tls = ClientArgs {
        tls: true,
        ..plain_server.client_args.clone()
    };
    let tls = ClientArgs {
        ca: Some(certs.join("ca.pem")),
        ..tls
    };
    let mut client = stub(&tls).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), say_hello(&mut client, 3, None))
        .await
        .expect("a TLS client must not hang on a plaintext server")
        .unwrap_err();
    let line = line_for(status, &tls);
    assert!(!line.contains('\n') && line.contains("--tls"), "{line}");
    let _ = std::fs::remove_dir_all(certs);
}

#[tokio::test]
async fn calls_spread_over_several_addresses() {
    let (first, mut first_calls) = observed(0, ServerArgs::default()).await;
    let (second, mut second_calls) = observed(0, ServerArgs::default()).await;
    let args = ClientArgs {
        addr: vec![first.addr().to_string(), second.addr().to_string()],
        ..ClientArgs::default()
    };
    let client = stub(&args).await.unwrap();

    // The balancer sends calls to the servers it has connected to; the
    // second connection may take a moment. So: rounds of 40 concurrent
    // calls until both servers have had some (at most 20 rounds).
    let count = |events: &mut mpsc::UnboundedReceiver<Event>| {
        std::iter::from_fn(|| events.try_recv().ok())
            .filter(|e| *e == Event::Started)
            .count()
    };
    let (mut a, mut b) = (0, 0);
    for _ in 0..20 {
        let replies = call_concurrently(&client, 40).await;
        assert_eq!(replies.len(), 40);
        a += count(&mut first_calls);
        b += count(&mut second_calls);
        if a > 0 && b > 0 {
            break;
        }
    }
    assert!(a > 0 && b > 0, "one server got every call: {a} and {b}");
}

#[tokio::test]
async fn the_server_drops_the_work_of_a_call_whose_deadline_passed() {
    let (server, mut events) = observed(2_000, ServerArgs::default()).await;
    let mut client = server.stub().await;
    let status = say_hello(&mut client, 1, Some(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded);

    assert_eq!(events.recv().await, Some(Event::Started));
    // Dropped long before the handler's 2 s of work would have finished.
    let next = tokio::time::timeout(Duration::from_secs(1), events.recv()).await;
    assert_eq!(
        next.expect("the handler was not dropped"),
        Some(Event::Dropped)
    );
}

#[tokio::test]
async fn shutdown_lets_a_call_in_flight_finish_and_reports_not_serving() {
    let (server, mut events) = observed(300, ServerArgs::default()).await;
    let mut client = server.stub().await;
    let mut health = HealthClient::new(server.channel().await)
        .watch(HealthCheckRequest {
            service: "hello.DoStuff".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        health.message().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    let call = tokio::spawn(async move { say_hello(&mut client, 8, None).await });
    assert_eq!(events.recv().await, Some(Event::Started));
    let shutdown = tokio::spawn(server.into_server().shutdown(Duration::from_secs(5)));

    // Health watchers hear of it first, while the call is still running.
    assert_eq!(
        health.message().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );
    // A watch never ends by itself: hang up, so that it does not hold the
    // shutdown for the whole grace period.
    drop(health);
    assert_eq!(call.await.unwrap().unwrap(), "Hello, 8!");
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("shutdown did not finish")
        .unwrap();
}

/// A service whose `say_hello` answers with the name in the caller's
/// client certificate, as a handler reads it: `request.peer_certs()`.
struct WhoCalls;

#[tonic::async_trait]
impl hello_proto::pb::do_stuff_server::DoStuff for WhoCalls {
    async fn say_hello(
        &self,
        request: tonic::Request<hello_proto::pb::HelloRequest>,
    ) -> Result<tonic::Response<hello_proto::pb::HelloReply>, Status> {
        let certs = request.peer_certs().unwrap_or_default();
        Ok(tonic::Response::new(hello_proto::pb::HelloReply {
            retval: plumbing::tls::client_name(&certs),
        }))
    }
}

#[tokio::test]
async fn mutual_tls_tells_the_server_and_its_handler_who_calls() {
    test_support::capture_logs(tracing::Level::INFO);
    let server = test_support::TestServer::start(test_support::mutual_tls(), async |args| {
        test_support::serve(WhoCalls, args).await
    })
    .await;
    let mut client = server.stub().await;
    assert_eq!(
        say_hello(&mut client, 1, None).await.unwrap(),
        plumbing::tls::CLIENT_NAME
    );
    let logged = test_support::wait_for_log(&[
        "/hello.DoStuff/say_hello: called by hello-client (client certificate)",
    ]);
    assert!(logged.await.is_some(), "the server did not log who called");
}

/// The socket file of a server started with `args` (a unix socket's).
fn socket_path(args: &ServerArgs) -> std::path::PathBuf {
    let addr = args.addr.as_deref().unwrap();
    addr.strip_prefix("unix:").unwrap().into()
}

/// The names in directory `dir`, sorted.
#[cfg(unix)]
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap();
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The socket is made 0600 before it has its name (in a directory of its
/// own, mode 0700, that nobody else can enter; then linked to its path:
/// see `bind_private` in `plumbing/src/server/listener.rs`), so no other
/// user can connect in the moment between `bind` and the mode being set.
/// What a test can see: the mode at the path, and nothing left beside it.
#[cfg(unix)]
#[tokio::test]
async fn a_unix_socket_is_private_and_removed_at_shutdown() {
    use std::os::unix::fs::PermissionsExt;

    let dir = std::env::temp_dir().join(format!("hello-private-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hello.sock");
    let args = ServerArgs {
        addr: Some(format!("unix:{}", path.display())),
        ..ServerArgs::default()
    };
    let server = test_support::TestServer::start(args, async |args| {
        test_support::serve(test_support::Observed::new(Duration::ZERO).0, args).await
    })
    .await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the socket file is not private");
    // The private directory it was made in, and its name there, are gone.
    assert_eq!(names_in(&dir), ["hello.sock"]);
    let mut client = server.stub().await;
    assert_eq!(say_hello(&mut client, 2, None).await.unwrap(), "Hello, 2!");

    server.into_server().shutdown(Duration::from_secs(1)).await;
    assert!(!path.exists(), "the socket file was left behind");
    std::fs::remove_dir(&dir).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn a_stale_unix_socket_is_replaced_and_a_live_one_refused() {
    test_support::capture_logs(tracing::Level::INFO);
    let args = test_support::unix_socket("stale");
    let path = socket_path(&args);
    // A socket file nobody answers on: what a killed server leaves.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());

    let started = test_support::serve(test_support::Observed::new(Duration::ZERO).0, &args).await;
    let server = started.expect("a stale socket file must not stop a server");
    let logged = test_support::wait_for_log(&["removed a stale socket file"]).await;
    assert!(logged.is_some());

    // While it runs, a second server on the same path is refused.
    let second = test_support::serve(test_support::Observed::new(Duration::ZERO).0, &args).await;
    let error = second.unwrap_err().to_string();
    assert!(
        error.contains("a running server answers on that socket"),
        "{error}"
    );
    server.shutdown(Duration::from_secs(1)).await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_unix_socket_path_that_cannot_be_used_is_one_clear_line() {
    let not_a_socket = std::env::temp_dir().join(format!("hello-plain-{}", std::process::id()));
    std::fs::write(&not_a_socket, b"").unwrap();
    for (addr, expected) in [
        (
            "unix:/nonexistent-dir/hello.sock".to_owned(),
            "pick a path in a directory you can write",
        ),
        (
            format!("unix:{}", not_a_socket.display()),
            "the file exists and is not a socket",
        ),
    ] {
        let args = ServerArgs {
            addr: Some(addr.clone()),
            ..ServerArgs::default()
        };
        let observed = test_support::Observed::new(Duration::ZERO).0;
        let error = test_support::serve(observed, &args)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{addr}: {error}");
        assert!(!error.contains('\n'));
    }
    std::fs::remove_file(not_a_socket).unwrap();
}

#[tokio::test]
async fn a_health_watch_hears_not_serving_then_ends_when_the_shutdown_begins() {
    // Balancers and clients following the registry keep a watch open on
    // every server. It must not hold the shutdown's grace period: it hears
    // NOT_SERVING, then ends, and the server stops with nothing in flight.
    test_support::capture_logs(tracing::Level::INFO);
    let server = start(ServerArgs::default()).await;
    let mut health = HealthClient::new(server.channel().await);
    let request = HealthCheckRequest {
        service: "hello.DoStuff".to_owned(),
    };
    let mut statuses = health.watch(request).await.unwrap().into_inner();
    let first = statuses.message().await.unwrap().unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);

    // A grace far longer than the test may take: if the watch held it,
    // the bound below would fail.
    let stopping = tokio::spawn(server.into_server().shutdown(Duration::from_secs(600)));
    let heard = async {
        let next = statuses.message().await.unwrap().unwrap();
        assert_eq!(next.status(), ServingStatus::NotServing);
        let end = statuses.message().await.unwrap_err();
        assert_eq!(end.code(), Code::Unavailable, "{end:?}");
        stopping.await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(30), heard)
        .await
        .expect("the health watch held the shutdown's grace period");
    // Its normal end: said, not warned of as a grace period over.
    let logs = test_support::captured_logs();
    assert!(
        logs.contains("Watch: the server is stopping; the health watch, told NOT_SERVING, ended"),
        "{logs}"
    );
    assert!(
        !logs.contains("Watch: the shutdown's grace period is over"),
        "{logs}"
    );
}
