//! The errors contract, checked over real sockets against a real server.

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use plumbing::{
    cli::ServerArgs,
    client::{ClientError, Context, explain},
};
use prost::Message;
use test_support::{TestServer, capture_logs, captured_logs};
use tonic::{Code, Status, metadata::AsciiMetadataValue};
use tonic_types::StatusExt;

use crate::{
    TOPIC,
    client::{Ask, Event, connect, lines, say_hello, say_hello_retrying},
    details::describe,
    rate::WINDOW,
    server::{ErrorsService, start},
};

/// An errors server on a free port, admitting `max_calls_per_second`.
async fn serve(max_calls_per_second: Option<u32>) -> TestServer {
    TestServer::start(ServerArgs::default(), async |args| {
        start(ErrorsService::new(max_calls_per_second), args).await
    })
    .await
}

/// What the client sends with `--pid pid` and `--lang lang`.
fn ask(pid: i32, lang: Option<&'static str>) -> Ask {
    Ask {
        pid,
        timeout: None,
        lang: lang.map(AsciiMetadataValue::from_static),
    }
}

/// The status of a `say_hello` that must fail.
async fn refused(server: &TestServer, ask: &Ask) -> Status {
    let mut stub = connect(&server.client_args).await.unwrap();
    say_hello(&mut stub, ask).await.unwrap_err()
}

#[tokio::test]
async fn a_positive_pid_is_greeted() {
    let server = serve(None).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    assert_eq!(
        say_hello(&mut stub, &ask(42, None)).await.unwrap(),
        "Hello, 42!"
    );
}

#[tokio::test]
async fn a_pid_of_zero_is_invalid_argument_with_a_bad_request_on_field_pid() {
    let server = serve(None).await;
    let status = refused(&server, &ask(0, None)).await;
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "pid must be greater than 0, got 0");

    let bad = status.get_details_bad_request().unwrap();
    let [violation] = bad.field_violations.as_slice() else {
        panic!("not one violation: {bad:?}");
    };
    assert_eq!(violation.field, "pid");
    assert_eq!(
        violation.description,
        "must be greater than 0, as process ids are; got 0"
    );

    // What the client prints, before the one-line report.
    let lines = describe(&status);
    assert_eq!(
        lines[1..],
        [
            "  BadRequest: field pid: must be greater than 0, as process ids are; got 0",
            "  LocalizedMessage (en-US): The pid must be a positive number; 0 is not.",
        ]
    );
    // The report's advice holds: the server refused a value.
    let line = explain(
        &ClientError::Call(status),
        &Context::new(TOPIC, &server.client_args),
    );
    assert_eq!(
        line,
        "the server refused the request (INVALID_ARGUMENT: pid must be greater than 0, got 0); change the value it names"
    );
}

#[tokio::test]
async fn the_localized_message_is_in_the_language_asked_for() {
    let server = serve(None).await;
    let localized = async |lang| {
        let status = refused(&server, &ask(-3, lang)).await;
        let message = status.get_details_localized_message().unwrap();
        (message.locale, message.message)
    };
    let english = (
        "en-US".to_owned(),
        "The pid must be a positive number; -3 is not.".to_owned(),
    );
    let portuguese = (
        "pt-BR".to_owned(),
        "O pid deve ser um número positivo; -3 não é.".to_owned(),
    );
    assert_eq!(localized(None).await, english);
    assert_eq!(localized(Some("pt-BR")).await, portuguese);
    // As a browser sends it: the first language we speak wins.
    assert_eq!(
        localized(Some("fr-FR, pt;q=0.9, en;q=0.8")).await,
        portuguese
    );
    assert_eq!(localized(Some("en-GB,pt-BR;q=0.5")).await, english);
}

#[tokio::test]
async fn a_call_over_the_rate_is_resource_exhausted_with_retry_info_and_quota_failure() {
    let server = serve(Some(2)).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    say_hello(&mut stub, &ask(1, None)).await.unwrap();
    // Invalid calls count too: the limit comes first.
    say_hello(&mut stub, &ask(0, None)).await.unwrap_err();

    let status = say_hello(&mut stub, &ask(1, None)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let delay = status
        .get_details_retry_info()
        .unwrap()
        .retry_delay
        .unwrap();
    assert!(delay > Duration::ZERO && delay <= WINDOW, "{delay:?}");

    let quota = status.get_details_quota_failure().unwrap();
    let [violation] = quota.violations.as_slice() else {
        panic!("not one violation: {quota:?}");
    };
    assert_eq!(violation.subject, "calls per second");
    assert_eq!(violation.description, "at most 2 calls per second");

    let lines = describe(&status);
    let ms = delay.as_micros().div_ceil(1000);
    assert_eq!(
        lines[1..],
        [
            format!("  RetryInfo: retry in {ms} ms"),
            "  QuotaFailure: calls per second: at most 2 calls per second".to_owned(),
        ]
    );
}

#[tokio::test]
async fn retry_on_quota_waits_the_delay_and_succeeds_on_the_second_try() {
    let server = serve(Some(1)).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    say_hello(&mut stub, &ask(5, None)).await.unwrap();

    // Without --retry-on-quota: one try, refused; the client says what the
    // flag would do.
    let mut failures = Vec::new();
    let refused = say_hello_retrying(&mut stub, &ask(5, None), false, |event| {
        failures.push(lines(&event, false));
    })
    .await
    .unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted);
    let [printed] = failures.as_slice() else {
        panic!("not one failure: {failures:?}");
    };
    assert_eq!(
        printed.last().unwrap(),
        "(pass --retry-on-quota to wait that long and try once more)"
    );

    // With it: refused, a wait as long as RetryInfo gave, then a reply.
    let mut events = Vec::new();
    let started = Instant::now();
    let reply = say_hello_retrying(&mut stub, &ask(5, None), true, |event| {
        events.push(match event {
            Event::Failed(status) => Err(status.clone()),
            Event::Waiting(delay) => Ok(delay),
        });
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(reply, "Hello, 5!");
    let [Err(first_try), Ok(waited)] = events.as_slice() else {
        panic!("not a failure then a wait: {events:?}");
    };
    let delay = first_try
        .get_details_retry_info()
        .unwrap()
        .retry_delay
        .unwrap();
    assert!(delay > Duration::ZERO);
    assert_eq!(*waited, delay);
    assert!(
        elapsed >= delay,
        "took {elapsed:?}, RetryInfo asked {delay:?}"
    );
    let ms = delay.as_micros().div_ceil(1000);
    assert_eq!(
        lines(&Event::Waiting(delay), true),
        [format!(
            "waiting {ms} ms, as RetryInfo asks, then trying once more"
        )]
    );
}

#[tokio::test]
async fn the_trailer_on_the_wire_is_a_google_rpc_status() {
    let server = serve(None).await;
    let status = refused(&server, &ask(0, Some("pt-BR"))).await;

    // `status.details()` is the trailer's value, base64-decoded by tonic:
    // decoded here with prost alone, it is a google.rpc.Status whose code
    // and message repeat grpc-status and grpc-message.
    let wire = tonic_types::Status::decode(status.details()).unwrap();
    assert_eq!(wire.code, Code::InvalidArgument as i32);
    assert_eq!(wire.message, status.message());
    let types: Vec<&str> = wire
        .details
        .iter()
        .map(|any| any.type_url.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "type.googleapis.com/google.rpc.BadRequest",
            "type.googleapis.com/google.rpc.LocalizedMessage",
        ]
    );

    // The client's first line is that trailer as it travelled: base64,
    // without padding, as gRPC sends binary metadata.
    let first = describe(&status).remove(0);
    let base64 = first.strip_prefix("grpc-status-details-bin: ").unwrap();
    assert_eq!(STANDARD_NO_PAD.decode(base64).unwrap(), status.details());
}

#[tokio::test]
async fn a_failure_without_details_prints_no_detail_lines() {
    let server = serve(None).await;
    let mut stub = connect(&server.client_args).await.unwrap();
    // Not this server's method: UNIMPLEMENTED, a plain status.
    let request = hello_proto::pb::HelloRequest { pid: 1 };
    let status = stub.say_hello_again(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(describe(&status).is_empty());
}

#[tokio::test]
async fn a_refused_call_is_not_logged_as_a_caller_that_went_away() {
    // A failed call's reply is its status alone ("trailers-only"): no body
    // follows, and the server must not mistake that for a caller leaving.
    capture_logs(tracing::Level::INFO);
    let server = serve(None).await;
    let status = refused(&server, &ask(-4711, None)).await;
    assert_eq!(status.code(), Code::InvalidArgument);
    let logs = captured_logs();
    assert!(logs.contains("say_hello refused pid -4711"), "{logs}");
    assert!(!logs.contains("went away"), "{logs}");
}

#[test]
fn a_lang_that_cannot_be_metadata_is_a_flag_error() {
    let args = crate::client::Args {
        lang: Some("português".to_owned()),
        ..crate::client::Args::default()
    };
    let Err(ClientError::Flag(message)) = Ask::from_args(&args) else {
        panic!("accepted a non-ASCII --lang");
    };
    assert!(
        message.starts_with("--lang must be a language tag"),
        "{message}"
    );
}

#[tokio::test]
async fn reflection_describes_every_detail_the_server_sends() {
    // What grpcurl does on meeting a detail's type name in the trailer: it
    // asks reflection for the file that declares it, then decodes the bytes.
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let server = serve(None).await;
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    for detail in [
        "google.rpc.BadRequest",
        "google.rpc.LocalizedMessage",
        "google.rpc.RetryInfo",
        "google.rpc.QuotaFailure",
    ] {
        let ask = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(detail.to_owned())),
        };
        let mut replies = reflection
            .server_reflection_info(tokio_stream::once(ask))
            .await
            .unwrap()
            .into_inner();
        let reply = replies.message().await.unwrap().unwrap();
        let Some(MessageResponse::FileDescriptorResponse(files)) = reply.message_response else {
            panic!("{detail}: no file describes it: {reply:?}");
        };
        assert!(!files.file_descriptor_proto.is_empty(), "{detail}");
    }
}
