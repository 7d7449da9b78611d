//! The topic's claims, over real sockets: with no server, a fail-fast call
//! fails at once with UNAVAILABLE; a wait-for-ready call ends with
//! DEADLINE_EXCEEDED at its deadline, or succeeds once a late server is up;
//! and it never repeats a call a server has answered.
//!
//! The last tests put the `fault-proxy` crate between the client and the
//! server, with a fixed seed: a connection reset before the server said a
//! word, and a latency longer than the deadline.

use std::time::{Duration, Instant};

use fault_proxy::{After, CutKind, Directions, Faults, Which};
use hello_proto::pb::do_stuff_client::DoStuffClient;
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::{self, ClientError, Context, Stub, failed_to_connect},
};
use test_support::closed_addr;
use tokio::sync::mpsc::UnboundedReceiver;
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

// On a bad network: the fault proxy between the client and the server.

/// The seed of every proxy below: the same faults on every run.
const SEED: u64 = 6;

/// The bytes of HTTP/2's connection preface, the first a client sends.
const PREFACE: u64 = 24;

/// The wait-for-ready server on a free port, behind a fault proxy that
/// applies `faults`: the server, the proxy, and what the proxy reports.
async fn behind_proxy(
    faults: Faults,
) -> (
    plumbing::server::RunningServer,
    fault_proxy::RunningProxy,
    UnboundedReceiver<fault_proxy::Event>,
) {
    let running = server::start(&server_args("127.0.0.1:0", 0, None))
        .await
        .unwrap();
    let to = running.addr().unwrap().to_string();
    let (events, seen) = tokio::sync::mpsc::unbounded_channel();
    let proxy = fault_proxy::start("127.0.0.1:0", &to, faults, events)
        .await
        .unwrap();
    (running, proxy, seen)
}

#[tokio::test]
async fn a_connection_reset_before_the_server_spoke_is_unknown_and_not_waited_through() {
    // The network fault: the first connection is reset once the client's
    // HTTP/2 preface is through, before the server sent a byte: a load
    // balancer with no server behind it, a server crashing as we connect.
    let after = After::Bytes {
        count: PREFACE,
        counted: Directions::Up,
    };
    let faults = (Faults::none().with_cut(CutKind::Reset, after))
        .on(Which::Only(1))
        .seeded(SEED);
    let (running, proxy, mut seen) = behind_proxy(faults).await;
    let mut stub = stub(&proxy.addr().to_string(), None).await;

    // gRPC's channel would not call this connection READY before the
    // server's SETTINGS: the call would wait. tonic's counts as up once
    // the client's own preface is written; the reset then breaks the call
    // itself, and tonic says UNKNOWN. That is no failure to connect, so
    // `call_when_ready`, which cannot tell it from a call the server saw,
    // does not wait: it returns it at once.
    let mut states = Vec::new();
    let status = call_when_ready(&mut stub, 8, Some(Duration::from_secs(5)), BACKOFF, |s| {
        states.push(s)
    })
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
    assert!(!failed_to_connect(&status), "{status:?}");
    assert_eq!(states, [State::Connecting]);
    // The server never saw the call: the preface went up, nothing came down.
    let closed = loop {
        if let fault_proxy::Event::Closed { up, down, .. } = seen.recv().await.unwrap() {
            break (up, down);
        }
    };
    assert_eq!(closed, (PREFACE, 0));

    // The server was there all along: the next call, on a new connection,
    // is answered.
    let reply = call_when_ready(&mut stub, 8, Some(Duration::from_secs(5)), BACKOFF, |_| {})
        .await
        .unwrap();
    assert_eq!(reply, "Hello, 8!");
    proxy.stop().await;
    running.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_wait_for_ready_call_slower_than_its_deadline_ends_at_the_deadline() {
    // The network fault: 300 ms each way (no jitter), so a round trip
    // takes 600 ms, longer than the 400 ms deadline.
    let latency = Duration::from_millis(300);
    let deadline = Duration::from_millis(400);
    let faults = Faults::none()
        .with_latency(Directions::Both, latency, Duration::ZERO)
        .seeded(SEED);
    let (running, proxy, _) = behind_proxy(faults).await;
    let mut stub = stub(&proxy.addr().to_string(), None).await;

    let started = Instant::now();
    let mut states = Vec::new();
    let status = call_when_ready(&mut stub, 9, Some(deadline), BACKOFF, |s| states.push(s))
        .await
        .unwrap_err();
    let took = started.elapsed();

    // The connection came up at once (the proxy is near); the call went
    // out and its reply could not come back in time. DEADLINE_EXCEEDED,
    // at the deadline, not a round trip later, and never tried again.
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(states, [State::Connecting]);
    assert!(
        took >= deadline - Duration::from_millis(10),
        "took {took:?}"
    );
    assert!(took < deadline + latency, "took {took:?}");
    proxy.stop().await;
    running.shutdown(Duration::from_secs(1)).await;
}
