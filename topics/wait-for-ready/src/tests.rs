//! The topic's claims, over real sockets: with no server, a fail-fast call
//! fails at once with UNAVAILABLE; a wait-for-ready call ends with
//! DEADLINE_EXCEEDED at its deadline, or succeeds once a late server is up;
//! and it never repeats a call a server has answered.

use std::time::{Duration, Instant};

use hello_proto::pb::do_stuff_client::DoStuffClient;
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{self, ClientError, Context, Stub, failed_to_connect},
};
use test_support::closed_addr;
use tonic::Code;

use crate::{
    TOPIC,
    client::{State, call_when_ready},
    server,
};

/// A stub for `addr`, with `token` if any; nothing is dialled yet.
async fn stub(addr: &str, token: Option<&str>) -> Stub {
    let args = ClientArgs {
        addr: vec![addr.to_owned()],
        token: token.map(str::to_owned),
        ..ClientArgs::default()
    };
    let channel = unary::client::channel(TOPIC, &args).await.unwrap();
    DoStuffClient::with_interceptor(channel, client::attach_token(&args).unwrap())
}

/// Server flags for `addr`, started `start_after_ms` late.
fn server_args(addr: &str, start_after_ms: u64, token: Option<&str>) -> server::Args {
    server::Args {
        common: ServerArgs {
            addr: Some(addr.to_owned()),
            token: token.map(str::to_owned),
            ..ServerArgs::default()
        },
        start_after_ms,
    }
}

const BACKOFF: Duration = Duration::from_millis(50);

#[tokio::test]
async fn with_no_server_a_fail_fast_call_fails_at_once() {
    let addr = closed_addr().to_string();
    let started = Instant::now();
    let status = unary::client::say_hello(&mut stub(&addr, None).await, 1, None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(failed_to_connect(&status), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn with_no_server_a_wait_for_ready_call_waits_until_its_deadline() {
    let addr = closed_addr().to_string();
    let mut states = Vec::new();
    let started = Instant::now();
    let deadline = Duration::from_millis(400);
    let status = call_when_ready(
        &mut stub(&addr, None).await,
        1,
        Some(deadline),
        BACKOFF,
        |s| states.push(s),
    )
    .await
    .unwrap_err();
    let waited = started.elapsed();

    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(waited >= deadline && waited < deadline * 3, "{waited:?}");
    // The advice is about the server that never came, not a slow one.
    let args = ClientArgs {
        addr: vec![addr.clone()],
        ..ClientArgs::default()
    };
    let line = client::explain(&ClientError::Call(status), &Context::new(TOPIC, &args));
    assert!(
        line.starts_with(&format!("nothing listens at {addr}")),
        "{line}"
    );
    assert!(
        line.contains("start it with: cargo run -p wait-for-ready --bin server"),
        "{line}"
    );
    // It went round CONNECTING → TRANSIENT_FAILURE more than once, the
    // waits growing.
    let waits: Vec<_> = (states.iter())
        .filter_map(|state| match state {
            State::TransientFailure { wait, .. } => Some(*wait),
            _ => None,
        })
        .collect();
    assert!(waits.len() >= 3, "{states:?}");
    assert!(waits[2] > waits[0], "the backoff did not grow: {waits:?}");
    assert!(!states.contains(&State::Ready));
}

#[tokio::test]
async fn a_wait_for_ready_call_succeeds_once_a_late_server_is_up() {
    let addr = closed_addr().to_string();
    // The server binds only after 300 ms; the call starts now.
    let late = server_args(&addr, 300, None);
    let server = tokio::spawn(async move { server::start(&late).await.unwrap() });

    let started = Instant::now();
    let mut states = Vec::new();
    let reply = call_when_ready(
        &mut stub(&addr, None).await,
        7,
        Some(Duration::from_secs(5)),
        BACKOFF,
        |s| states.push(s),
    )
    .await
    .unwrap();

    assert_eq!(reply, "Hello, 7!");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(states.first(), Some(State::Connecting)));
    assert!(
        states
            .iter()
            .any(|s| matches!(s, State::TransientFailure { .. }))
    );
    assert_eq!(states.last(), Some(&State::Ready));
    server.await.unwrap().shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_call_the_server_answered_is_never_repeated() {
    // A server that wants a token, and a call without one: the server
    // answers UNAUTHENTICATED, which waiting would not change.
    let addr = closed_addr().to_string();
    let running = server::start(&server_args(&addr, 0, Some("s3cret")))
        .await
        .unwrap();

    let mut states = Vec::new();
    let status = call_when_ready(
        &mut stub(&addr, None).await,
        1,
        Some(Duration::from_secs(5)),
        BACKOFF,
        |s| states.push(s),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(states, [State::Connecting], "it tried again: {states:?}");
    running.shutdown(Duration::from_secs(1)).await;
}
