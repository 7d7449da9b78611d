//! Every kind of advice a client gives, each produced over a real socket:
//! the failure is classified first, and the line must fit the case at hand.

// Test code: a helper that cannot do its job fails the test, with the
// reason in the panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, time::Duration};

use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{Advice, ClientError, Context, classify, explain},
};
use test_support::{
    Event, Observed, TestServer, captured_logs, closed_addr, say_hello, serve, start, stub,
    wait_for_log,
};
use tonic::Status;

/// A TLS server with its certificates in a directory of its own.
async fn tls_server(name: &str) -> (TestServer, PathBuf) {
    let certs = std::env::temp_dir().join(format!("hello-advice-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&certs);
    let args = ServerArgs {
        tls: true,
        certs: Some(certs.clone()),
        ..ServerArgs::default()
    };
    (start(args).await, certs)
}

/// Makes one call with `args`; returns its status, its advice, and the line
/// the unary client would print.
async fn fail(args: &ClientArgs) -> (Status, Advice, String) {
    let mut stub = stub(args).await.expect("the flags are valid");
    let call = say_hello(&mut stub, 1, None);
    let status = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("a failing call must not hang")
        .expect_err("the call was meant to fail");
    let context = Context::new(unary::PROGRAM, args);
    let advice = classify(&status, &context);
    let line = explain(&ClientError::Call(status.clone()), &context);
    assert!(!line.contains('\n'), "not one line: {line}");
    (status, advice, line)
}

/// Client flags that dial `addr` and nothing else.
fn dialling(addr: &str) -> ClientArgs {
    ClientArgs {
        addr: vec![addr.to_owned()],
        ..ClientArgs::default()
    }
}

#[tokio::test]
async fn nothing_listening_is_told_to_start_the_server_at_that_address() {
    let addr = closed_addr().to_string();
    let (_, advice, line) = fail(&dialling(&addr)).await;
    assert_eq!(advice, Advice::StartServer);
    assert!(
        line.starts_with(&format!("nothing listens at {addr} (UNAVAILABLE: ")),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "is the unary server running? start it with: cargo run -p unary --bin server -- --addr {addr}"
        )),
        "{line}"
    );
}

#[tokio::test]
async fn nothing_listening_on_a_unix_socket_is_told_to_start_the_server_there() {
    let path = std::env::temp_dir().join(format!("hello-nobody-{}.sock", std::process::id()));
    let addr = format!("unix:{}", path.display());
    let (_, advice, line) = fail(&dialling(&addr)).await;
    assert_eq!(advice, Advice::StartServer);
    assert!(
        line.starts_with(&format!("nothing listens at {addr}")),
        "{line}"
    );
    assert!(
        line.ends_with(&format!("--bin server -- --addr {addr}")),
        "{line}"
    );
}

#[tokio::test]
async fn a_host_that_does_not_exist_is_told_to_check_the_address() {
    // `.invalid` is reserved: it never resolves, anywhere.
    let (_, advice, line) = fail(&dialling("no-such-host.invalid:8888")).await;
    assert_eq!(advice, Advice::CheckAddress);
    assert!(line.contains("(UNAVAILABLE: "), "{line}");
    assert!(
        line.starts_with(
            "cannot reach the unary server at no-such-host.invalid:8888 (UNAVAILABLE: "
        ),
        "{line}"
    );
    assert!(line.contains("check the address in --addr"), "{line}");
    assert!(!line.contains("running"), "{line}");
}

#[tokio::test]
async fn an_address_without_a_port_or_with_an_impossible_one_is_refused_before_dialling() {
    for (addr, why) in [
        ("localhost", "it has no port"),
        (
            "127.0.0.1:99999",
            "its port must be a number from 1 to 65535",
        ),
    ] {
        let error = stub(&dialling(addr)).await.expect_err("refused");
        let line = explain(&error, &Context::new(unary::PROGRAM, &dialling(addr)));
        assert_eq!(
            line,
            format!("--addr {addr} is not HOST:PORT: {why}; e.g. --addr 127.0.0.1:8888")
        );
    }
    // The servers refuse them with the same words.
    let args = ServerArgs {
        addr: Some("localhost".to_owned()),
        ..ServerArgs::default()
    };
    let (service, _) = Observed::new(Duration::ZERO);
    let error = serve(service, &args).await.unwrap_err().to_string();
    assert!(
        error.starts_with("--addr localhost is not HOST:PORT: it has no port"),
        "{error}"
    );
}

#[tokio::test]
async fn a_plaintext_client_of_a_tls_server_is_told_to_add_tls() {
    let (server, certs) = tls_server("add").await;
    let plain = ClientArgs {
        tls: false,
        ca: None,
        ..server.client_args.clone()
    };
    let (_, advice, line) = fail(&plain).await;
    assert_eq!(advice, Advice::AddTls);
    assert!(line.ends_with("; add --tls"), "{line}");
    let _ = std::fs::remove_dir_all(certs);
}

#[tokio::test]
async fn a_client_without_a_certificate_is_told_to_add_mtls() {
    let server = start(test_support::mutual_tls()).await;
    let tls_only = ClientArgs {
        mtls: false,
        ..server.client_args.clone()
    };
    let (_, advice, line) = fail(&tls_only).await;
    assert_eq!(advice, Advice::AddMtls);
    assert!(line.contains("requires a client certificate"), "{line}");
    assert!(line.ends_with(": add --mtls"), "{line}");
}

#[tokio::test]
async fn a_tls_client_of_a_plaintext_server_is_told_to_drop_tls() {
    let (tls_server, certs) = tls_server("drop").await;
    let plain_server = start(ServerArgs::default()).await;
    let tls = ClientArgs {
        tls: true,
        ..plain_server.client_args.clone()
    };
    let tls = ClientArgs {
        ca: tls_server.client_args.ca.clone(),
        ..tls
    };
    let (_, advice, line) = fail(&tls).await;
    assert_eq!(advice, Advice::DropTls);
    assert!(
        line.contains("does not speak TLS") && line.contains("drop --tls"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(certs);
}

#[tokio::test]
async fn a_tls_client_trusting_another_ca_is_told_which_ca_to_pass() {
    captured_logs();
    let (server_a, certs_a) = tls_server("ca-a").await;
    let (server_b, certs_b) = tls_server("ca-b").await;
    // The server's own "try:" line names the CA a client must pass.
    let addr_b = server_b.addr().to_string();
    let ca_b = format!("--tls --ca {}", certs_b.join("ca.pem").display());
    let try_line = wait_for_log(&["listening on https://", &addr_b, "try:"]).await;
    assert!(
        try_line.is_some_and(|line| line.ends_with(&ca_b)),
        "no {ca_b}"
    );
    // Server B's address, server A's CA.
    let args = ClientArgs {
        ca: server_a.client_args.ca.clone(),
        ..server_b.client_args.clone()
    };
    let (_, advice, line) = fail(&args).await;
    assert_eq!(advice, Advice::TrustServersCa);
    assert!(
        line.contains("--ca DIR/ca.pem, where DIR is the server's --certs"),
        "{line}"
    );
    assert!(!line.contains("drop --tls"), "{line}");
    let _ = std::fs::remove_dir_all(certs_a);
    let _ = std::fs::remove_dir_all(certs_b);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_tls_server_dialled_by_a_name_its_certificate_lacks_is_explained() {
    // Every 127.x.y.z address is this machine on Linux, but the development
    // certificate names only 127.0.0.1 (and localhost, ::1).
    let certs = std::env::temp_dir().join(format!("hello-advice-name-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&certs);
    let args = ServerArgs {
        addr: Some("0.0.0.0:0".to_owned()),
        tls: true,
        certs: Some(certs.clone()),
        ..ServerArgs::default()
    };
    let (service, _) = Observed::new(Duration::ZERO);
    let server = serve(service, &args).await.unwrap();
    let client = ClientArgs {
        addr: vec![format!("127.0.0.2:{}", server.addr().unwrap().port())],
        tls: true,
        ca: Some(certs.join("ca.pem")),
        ..ClientArgs::default()
    };
    let (_, advice, line) = fail(&client).await;
    assert_eq!(advice, Advice::CertificateNotForHost);
    assert!(
        line.contains("names only localhost, 127.0.0.1 and ::1"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(certs);
}

// Two threads: the advice asks the address, in TLS and blocking, whether
// it speaks TLS, and the listener below must be free to answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_as_it_opens_is_not_an_address_to_check_nor_tls() {
    // What a proxy whose server is down does (the fault proxy resets the
    // client): the address is right and its machine is up. Ten tries, as
    // the reset can meet the client while connecting or just after.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            // Linger zero: the close is a reset (RST), not a FIN.
            let _ = connection.set_zero_linger();
            drop(connection);
        }
    });
    for _ in 0..10 {
        let (_, advice, line) = fail(&dialling(&addr)).await;
        assert!(
            matches!(advice, Advice::ResetAsItOpened | Advice::ConnectionLost),
            "{advice:?}: {line}"
        );
        assert!(!line.contains("check the address"), "{line}");
        assert!(!line.contains("TLS"), "{line}");
    }
}

#[tokio::test]
async fn a_tls_server_says_so_when_asked_in_tls_and_a_plaintext_one_does_not() {
    // What decides "add --tls" for a connection that broke: the question
    // asked in TLS, which only a TLS server answers with a certificate.
    let (tls, certs) = tls_server("probe").await;
    let plain = start(ServerArgs::default()).await;
    let (tls_addr, plain_addr) = (tls.addr().to_string(), plain.addr().to_string());
    let within = Duration::from_secs(2);
    let asked = tokio::task::spawn_blocking(move || {
        (
            plumbing::client::speaks_tls(&tls_addr, within),
            plumbing::client::speaks_tls(&plain_addr, within),
        )
    });
    assert_eq!(asked.await.unwrap(), (true, false));
    let _ = std::fs::remove_dir_all(certs);
}

#[tokio::test]
async fn a_connection_that_breaks_during_the_call_says_so() {
    // Something that accepts the connection, then hangs up mid-call.
    let impostor = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = impostor.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let (connection, _) = impostor.accept().await.unwrap();
        let mut buffer = [0; 64];
        let _ = connection.readable().await;
        let _ = connection.try_read(&mut buffer);
        drop(connection);
    });
    let (_, advice, line) = fail(&dialling(&addr)).await;
    assert_eq!(advice, Advice::ConnectionLost);
    assert!(line.contains("broke during the call"), "{line}");
    // Asked in TLS, the impostor does not answer it: so not "add --tls".
    assert!(
        line.contains("if the server stopped, start it again with: "),
        "{line}"
    );
    assert!(!line.contains("TLS"), "{line}");
}

#[tokio::test]
async fn a_call_cut_off_by_shutdown_is_told_the_server_shut_down() {
    let (service, mut events) = Observed::new(Duration::from_secs(5));
    let server = TestServer::start(ServerArgs::default(), async |args| {
        serve(service, args).await
    })
    .await;
    let args = server.client_args.clone();
    let mut stub = server.stub().await;
    let call = tokio::spawn(async move { say_hello(&mut stub, 1, None).await });
    // Once the call runs, a 100 ms grace period ends it.
    assert_eq!(events.recv().await, Some(Event::Started));
    server
        .into_server()
        .shutdown(Duration::from_millis(100))
        .await;
    let status = call.await.unwrap().unwrap_err();
    let context = Context::new(unary::PROGRAM, &args);
    assert_eq!(classify(&status, &context), Advice::ServerShutDown);
    let line = explain(&ClientError::Call(status), &context);
    assert!(
        line.contains(
            "shut down before the call finished (UNAVAILABLE: the server is shutting down)"
        ),
        "{line}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_told_apart_from_a_missing_one() {
    let args = ServerArgs {
        token: Some("s3cret".to_owned()),
        ..ServerArgs::default()
    };
    let server = start(args).await;
    let with = |token: Option<&str>| ClientArgs {
        token: token.map(str::to_owned),
        ..server.client_args.clone()
    };
    let (_, advice, line) = fail(&with(None)).await;
    assert_eq!(advice, Advice::AddToken);
    assert!(
        line.starts_with("the server wants a token (UNAUTHENTICATED: no token"),
        "{line}"
    );
    let (_, advice, line) = fail(&with(Some("guess"))).await;
    assert_eq!(advice, Advice::FixToken);
    assert!(
        line.starts_with("the server refused the token (UNAUTHENTICATED: wrong token"),
        "{line}"
    );
    assert!(!line.contains("guess"), "the token was echoed: {line}");
}

#[tokio::test]
async fn a_missing_ca_file_is_a_setup_error_that_names_the_file() {
    let args = ClientArgs {
        tls: true,
        ca: Some(PathBuf::from("no/such/dir/ca.pem")),
        ..dialling("127.0.0.1:8888")
    };
    let error = stub(&args).await.expect_err("no CA, no client");
    assert!(matches!(error, ClientError::File(_)), "{error:?}");
    let line = explain(&error, &Context::new(unary::PROGRAM, &args));
    assert!(
        line.starts_with("cannot read no/such/dir/ca.pem: "),
        "{line}"
    );
    assert!(line.ends_with("; check the path given to --ca"), "{line}");
}

/// `client::deadline_named` relies on how tonic reports its own client
/// timer: CANCELLED, with tonic's `TimeoutExpired` error as the status's
/// source. If this test fails, tonic has changed that, and the correction
/// must change with it (or go, if tonic now says DEADLINE_EXCEEDED itself).
#[tokio::test]
async fn tonic_reports_its_own_expired_timer_as_cancelled_and_we_name_it() {
    // An HTTP/2 server that takes the call and never answers: only the
    // client's timer can end it (a gRPC server would answer at the deadline).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut connection = h2::server::handshake(socket).await.unwrap();
        let mut unanswered = Vec::new();
        while let Some(Ok(call)) = connection.accept().await {
            unanswered.push(call);
        }
    });
    let mut stub = stub(&dialling(&addr.to_string())).await.unwrap();
    let mut request = tonic::Request::new(hello_proto::pb::HelloRequest { pid: 1 });
    request.set_timeout(Duration::from_millis(100));

    let tonic_says = stub.say_hello(request).await.unwrap_err();
    assert_eq!(tonic_says.code(), tonic::Code::Cancelled, "{tonic_says:?}");
    let named = plumbing::client::deadline_named(tonic_says);
    assert_eq!(named.code(), tonic::Code::DeadlineExceeded, "{named:?}");

    // Decided by the error's type, not its text: a CANCELLED of any other
    // origin, with the same words, stays CANCELLED.
    let lookalike = plumbing::client::deadline_named(Status::cancelled("Timeout expired"));
    assert_eq!(lookalike.code(), tonic::Code::Cancelled);
}
