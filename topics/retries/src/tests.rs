//! The topic's claims, over real sockets against the topic's own server:
//! a retried call makes exactly the attempts its policy allows, numbered
//! on the wire; a non-retryable code is never retried; the server's
//! pushback sets the wait; all attempts share one deadline; a hedged call
//! takes the first success and the server sees the other copies cancelled.
//! And what the server survives: an attempt header at its largest value,
//! and a long run (it remembers only the last attempts).
//!
//! The last tests put the `fault-proxy` crate between the client and the
//! server, with a fixed seed, so the claims are seen on a bad network:
//! a connection reset before the server saw the call, or in the middle of
//! its reply, and a latency that eats the one deadline.

use std::time::{Duration, Instant};

use clap::Parser as _;
use fault_proxy::{After, CutKind, Directions, Faults, RunningProxy, Which};
use hello_proto::pb::HelloRequest;
use plumbing::{
    cli::ClientArgs,
    client::{ClientError, Context, Stub, explain},
};
use test_support::{TestServer, capture_logs, captured_logs, wait_for_log};
use tokio::sync::mpsc::UnboundedReceiver;
use tonic::{Code, Status};

use crate::{
    TOPIC,
    attempt::Event,
    client::{self, Args, call_with_retries},
    hedging::call_hedged,
    policy::{Jitter, Next, RetryPolicy, Stop, Wait},
    server::{self, Arrival, Flaky},
    throttle::Throttle,
};

/// The topic's server with `args` on a free port, and its service, to ask
/// what arrived.
async fn serve(args: server::Args) -> (TestServer, Flaky) {
    capture_logs(tracing::Level::INFO);
    let service = Flaky::new(&args);
    let handler = service.clone();
    let server = TestServer::start(args.common.clone(), async |common| {
        let args = server::Args {
            common: common.clone(),
            ..args
        };
        server::start(handler, &args).await
    })
    .await;
    (server, service)
}

/// Server flags: fail the first `fail_attempts` attempts with `fail_code`.
fn failing(fail_attempts: u32, fail_code: Code) -> server::Args {
    server::Args {
        fail_attempts,
        fail_code,
        ..server::Args::default()
    }
}

/// The client's default policy with `max_attempts`, and short backoffs so
/// the tests are quick.
fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..Args::default().policy()
    }
}

/// Calls `server` once with retries; returns the outcome and the events.
async fn retried(
    server: &TestServer,
    pid: i32,
    policy: &RetryPolicy,
    timeout: Option<Duration>,
) -> (Result<String, Status>, Vec<Event>) {
    retried_at(&server.client_args, pid, policy, timeout).await
}

/// Calls the server `args` point at (directly, or through a proxy) once
/// with retries, on a new channel; returns the outcome and the events.
async fn retried_at(
    args: &ClientArgs,
    pid: i32,
    policy: &RetryPolicy,
    timeout: Option<Duration>,
) -> (Result<String, Status>, Vec<Event>) {
    let mut stub = client::connect(args).await.unwrap();
    let mut events = Vec::new();
    let outcome = call_with_retries(
        &mut stub,
        &HelloRequest { pid },
        policy,
        timeout,
        &mut Jitter::seeded(1),
        None,
        |event| events.push(event),
    )
    .await;
    (outcome, events)
}

/// Calls `server` once, hedged; returns the outcome and the events.
async fn hedged(
    server: &TestServer,
    pid: i32,
    policy: &RetryPolicy,
    hedge_after_ms: u64,
    timeout: Duration,
) -> (Result<String, Status>, Vec<Event>) {
    let stub: Stub = client::connect(&server.client_args).await.unwrap();
    let mut events = Vec::new();
    let outcome = call_hedged(
        &stub,
        &HelloRequest { pid },
        policy,
        Duration::from_millis(hedge_after_ms),
        Some(timeout),
        |event| events.push(event),
    )
    .await;
    (outcome, events)
}

/// The `grpc-previous-rpc-attempts` of each attempt that reached the server.
fn previous_attempts(service: &Flaky) -> Vec<Option<u32>> {
    let arrivals = service.arrivals();
    arrivals.iter().map(|a| a.previous_attempts).collect()
}

/// The deadline of the hedged calls that should not meet it.
const SECONDS_5: Duration = Duration::from_secs(5);

/// The events as their printed lines, for messages.
fn lines(events: &[Event]) -> String {
    let lines: Vec<_> = events.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

#[tokio::test]
async fn a_retried_call_succeeds_on_the_attempt_the_server_lets_through() {
    let (server, service) = serve(failing(2, Code::Unavailable)).await;
    let (outcome, events) = retried(&server, 101, &policy(5), None).await;
    assert_eq!(outcome.unwrap(), "Hello, 101!");

    // Three attempts: the header absent on the first, then 1, then 2.
    assert_eq!(previous_attempts(&service), [None, Some(1), Some(2)]);
    // Two failures, each followed by a random wait below the limit, which
    // doubles; then the success.
    let [first, second, third] = events.as_slice() else {
        panic!("{}", lines(&events));
    };
    for (event, attempt, limit) in [(first, 1, 10), (second, 2, 20)] {
        let Event::Failed {
            attempt: n,
            status,
            next: Next::RetryAfter(wait, Wait::Backoff { limit: l }),
        } = event
        else {
            panic!("{event}");
        };
        assert_eq!((*n, status.code()), (attempt, Code::Unavailable));
        assert_eq!(*l, Duration::from_millis(limit));
        assert!(wait < l, "{event}");
    }
    assert_eq!(third.to_string(), "attempt 3: OK: Hello, 101!");

    // The server's log numbers the attempts as the header does.
    for line in [
        "say_hello pid 101, attempt 1 (grpc-previous-rpc-attempts: none): UNAVAILABLE",
        "say_hello pid 101, attempt 2 (grpc-previous-rpc-attempts: 1): UNAVAILABLE",
        "say_hello pid 101, attempt 3 (grpc-previous-rpc-attempts: 2): OK",
    ] {
        assert!(wait_for_log(&[line]).await.is_some(), "{}", captured_logs());
    }
}

#[tokio::test]
async fn a_call_makes_exactly_max_attempts_and_fails_with_the_last_status() {
    let (server, service) = serve(failing(10, Code::Unavailable)).await;
    let (outcome, events) = retried(&server, 102, &policy(3), None).await;

    let status = outcome.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status.message().starts_with("attempt 3 fails"),
        "{status:?}"
    );
    assert_eq!(service.arrivals().len(), 3);
    let last = events.last().unwrap().to_string();
    assert!(
        last.ends_with("; no attempts left (--max-attempts 3)"),
        "{last}"
    );

    // The one-line report: the last attempt's status, no wrong advice.
    let args = server.client_args.clone();
    let line = explain(&ClientError::Call(status), &Context::new(TOPIC, &args));
    assert_eq!(
        line,
        "the call failed (UNAVAILABLE: attempt 3 fails on purpose: the server runs with --fail-attempts 10)"
    );
}

#[tokio::test]
async fn a_throttle_shared_by_the_calls_stops_retrying_when_half_its_tokens_are_spent() {
    let (server, service) = serve(failing(10, Code::Unavailable)).await;
    let mut stub = client::connect(&server.client_args).await.unwrap();
    // 4 tokens: retries while above 2, so two failures spend what may go.
    let mut throttle = Throttle::new(4, 0.1).unwrap();
    let mut events = Vec::new();
    for pid in [111, 112] {
        let outcome = call_with_retries(
            &mut stub,
            &HelloRequest { pid },
            &policy(5),
            None,
            &mut Jitter::seeded(1),
            Some(&mut throttle),
            |event| events.push(event),
        )
        .await;
        assert_eq!(outcome.unwrap_err().code(), Code::Unavailable);
    }
    // Call 111: attempt 1 fails (3 tokens), retried; attempt 2 fails (2
    // tokens): throttled. Call 112: its first attempt is always sent (1
    // token left), and not retried.
    let pids: Vec<_> = service.arrivals().iter().map(|a| a.pid).collect();
    assert_eq!(pids, [111, 111, 112], "{}", lines(&events));
    let last = events.last().unwrap().to_string();
    assert!(
        last.ends_with("not retried: throttled, too many failures lately (--max-tokens)"),
        "{last}"
    );
    assert_eq!(throttle.tokens(), 1.0);
}

#[tokio::test]
async fn a_non_retryable_code_is_never_retried() {
    let (server, service) = serve(failing(1, Code::InvalidArgument)).await;
    let (outcome, events) = retried(&server, 103, &policy(5), None).await;

    assert_eq!(outcome.unwrap_err().code(), Code::InvalidArgument);
    assert_eq!(service.arrivals().len(), 1, "{}", lines(&events));
    let [Event::Failed { next, .. }] = events.as_slice() else {
        panic!("{}", lines(&events));
    };
    assert_eq!(*next, Next::Stop(Stop::NotRetryable(Code::InvalidArgument)));
}

#[tokio::test]
async fn retry_on_makes_another_code_retryable() {
    let (server, service) = serve(failing(2, Code::ResourceExhausted)).await;
    // The default retries UNAVAILABLE only: one attempt.
    let (outcome, _) = retried(&server, 104, &policy(5), None).await;
    assert_eq!(outcome.unwrap_err().code(), Code::ResourceExhausted);
    assert_eq!(service.arrivals().len(), 1);

    let flags = [
        "client",
        "--retry-on",
        "UNAVAILABLE",
        "--retry-on",
        "resource_exhausted",
    ];
    let args = Args::try_parse_from(flags).unwrap();
    let policy = RetryPolicy {
        retryable: args.retry_on,
        ..policy(5)
    };
    let (outcome, events) = retried(&server, 105, &policy, None).await;
    assert_eq!(outcome.unwrap(), "Hello, 105!", "{}", lines(&events));
    assert_eq!(service.arrivals().len(), 1 + 3);
}

#[tokio::test]
async fn the_servers_pushback_sets_the_wait_or_forbids_the_retry() {
    let mut args = failing(1, Code::Unavailable);
    args.pushback_ms = Some(150);
    let (server, service) = serve(args).await;
    let started = Instant::now();
    let (outcome, events) = retried(&server, 106, &policy(5), None).await;
    assert_eq!(outcome.unwrap(), "Hello, 106!");
    // Not the backoff's wait (below 10 ms): the server's 150 ms.
    assert!(started.elapsed() >= Duration::from_millis(150));
    let Event::Failed { next, .. } = &events[0] else {
        panic!("{}", lines(&events));
    };
    assert_eq!(
        *next,
        Next::RetryAfter(Duration::from_millis(150), Wait::Pushback)
    );
    assert_eq!(service.arrivals().len(), 2);

    let mut args = failing(1, Code::Unavailable);
    args.pushback_ms = Some(-1);
    let (server, service) = serve(args).await;
    let (outcome, events) = retried(&server, 107, &policy(5), None).await;
    assert_eq!(outcome.unwrap_err().code(), Code::Unavailable);
    assert_eq!(service.arrivals().len(), 1);
    assert!(
        events[0]
            .to_string()
            .ends_with("not retried: the server's pushback says not to"),
        "{}",
        lines(&events)
    );
}

#[tokio::test]
async fn all_attempts_share_one_deadline() {
    // Every attempt fails and asks for 150 ms; the deadline is 400 ms: the
    // attempts at 0, 150 and 300 ms fit, the one at 450 ms does not.
    let mut args = failing(10, Code::Unavailable);
    args.pushback_ms = Some(150);
    let (server, service) = serve(args).await;
    let deadline = Duration::from_millis(400);
    let started = Instant::now();
    let (outcome, events) = retried(&server, 108, &policy(5), Some(deadline)).await;
    let took = started.elapsed();

    // Stopped as soon as the next attempt could not fit, with the last
    // attempt's status.
    let status = outcome.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().starts_with("attempt 3 fails"),
        "{status:?}"
    );
    assert!(took < deadline, "took {took:?}");
    let last = events.last().unwrap();
    assert!(
        matches!(
            last,
            Event::Failed {
                next: Next::Stop(Stop::DeadlineFirst(_)),
                ..
            }
        ),
        "{}",
        lines(&events)
    );

    // Each attempt told the server what was left of the one deadline: less
    // and less, never the whole 400 ms again.
    let arrivals = service.arrivals();
    let timeouts: Vec<_> = arrivals
        .iter()
        .map(|a: &Arrival| a.timeout.unwrap())
        .collect();
    assert_eq!(timeouts.len(), 3, "{timeouts:?}");
    assert!(timeouts[0] <= deadline, "{timeouts:?}");
    assert!(
        timeouts[1] <= deadline - Duration::from_millis(150),
        "{timeouts:?}"
    );
    assert!(
        timeouts[2] <= deadline - Duration::from_millis(300),
        "{timeouts:?}"
    );
}

#[tokio::test]
async fn a_hedged_call_takes_the_first_success_and_the_server_sees_the_slow_copy_cancelled() {
    // Calls 1, 3, 5... take 3 s: the first copy is slow, the second is not.
    let args = server::Args {
        common: plumbing::cli::ServerArgs {
            delay_ms: 3000,
            ..Default::default()
        },
        slow_every: Some(2),
        ..server::Args::default()
    };
    let (server, service) = serve(args).await;
    let started = Instant::now();
    let (outcome, events) = hedged(&server, 109, &policy(3), 100, SECONDS_5).await;

    assert_eq!(outcome.unwrap(), "Hello, 109!");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let printed: Vec<_> = events
        .iter()
        .filter(|event| !matches!(event, Event::Sent { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        printed,
        ["attempt 2: OK: Hello, 109!", "attempt 1: cancelled"]
    );
    // The third copy was never needed.
    assert_eq!(previous_attempts(&service), [None, Some(1)]);

    // The server saw the cancellation: the slow copy's handler was dropped.
    let line = [
        "say_hello pid 109, attempt 1 (grpc-previous-rpc-attempts: none, grpc-timeout: ",
        "CANCELLED before the reply",
    ];
    assert!(wait_for_log(&line).await.is_some(), "{}", captured_logs());
}

#[tokio::test]
async fn a_non_fatal_failure_sends_the_next_copy_at_once() {
    let (server, _) = serve(failing(1, Code::Unavailable)).await;
    let started = Instant::now();
    // Copies every 3 s; yet the failure of the first sends the second now.
    let (outcome, events) = hedged(&server, 110, &policy(3), 3000, SECONDS_5).await;
    assert_eq!(outcome.unwrap(), "Hello, 110!");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{}",
        lines(&events)
    );
    let Event::Failed { next, .. } = &events[1] else {
        panic!("{}", lines(&events));
    };
    assert_eq!(*next, Next::RetryAfter(Duration::ZERO, Wait::AtOnce));
}

#[tokio::test]
async fn a_fatal_failure_ends_a_hedged_call_and_cancels_the_other_copies() {
    // The first copy is slow; the second fails at once, fatally.
    let args = server::Args {
        common: plumbing::cli::ServerArgs {
            delay_ms: 3000,
            ..Default::default()
        },
        slow_every: Some(2),
        ..failing(5, Code::InvalidArgument)
    };
    let (server, _) = serve(args).await;
    let started = Instant::now();
    let (outcome, events) = hedged(&server, 111, &policy(3), 100, SECONDS_5).await;

    assert_eq!(outcome.unwrap_err().code(), Code::InvalidArgument);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{}",
        lines(&events)
    );
    assert_eq!(events.last().unwrap().to_string(), "attempt 1: cancelled");
    let line = [
        "say_hello pid 111, attempt 1 (grpc-previous-rpc-attempts: none, grpc-timeout: ",
        "CANCELLED before the reply",
    ];
    assert!(wait_for_log(&line).await.is_some(), "{}", captured_logs());
}

#[tokio::test]
async fn a_hedged_call_ends_at_its_one_deadline_and_cancels_every_copy() {
    // Every call takes 3 s; copies every 100 ms; the deadline is 400 ms.
    let args = server::Args {
        common: plumbing::cli::ServerArgs {
            delay_ms: 3000,
            ..Default::default()
        },
        ..server::Args::default()
    };
    let (server, service) = serve(args).await;
    let deadline = Duration::from_millis(400);
    let started = Instant::now();
    let (outcome, events) = hedged(&server, 112, &policy(3), 100, deadline).await;

    assert_eq!(outcome.unwrap_err().code(), Code::DeadlineExceeded);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{}",
        lines(&events)
    );
    let cancelled = events
        .iter()
        .filter(|event| matches!(event, Event::Cancelled { .. }))
        .count();
    assert!(cancelled >= 2, "{}", lines(&events));
    // Three copies, each told what was left of the one deadline.
    let timeouts: Vec<_> = (service.arrivals().iter())
        .map(|a| a.timeout.unwrap())
        .collect();
    assert_eq!(timeouts.len(), 3, "{timeouts:?}");
    assert!(
        timeouts[2] <= deadline - Duration::from_millis(200),
        "{timeouts:?}"
    );
    for copy in 1..=3 {
        let line = format!("say_hello pid 112, attempt {copy} (");
        let seen = wait_for_log(&[&line, "CANCELLED before the reply"]).await;
        assert!(seen.is_some(), "{}", captured_logs());
    }
}

#[test]
fn the_client_flags_keep_to_a6s_limits() {
    let parse = |flags: &[&str]| Args::try_parse_from([&["client"], flags].concat());
    assert!(
        parse(&["--max-attempts", "6"]).is_err(),
        "A6 caps attempts at 5"
    );
    assert!(parse(&["--max-attempts", "0"]).is_err());
    assert!(parse(&["--backoff-multiplier", "0"]).is_err());
    assert!(parse(&["--retry-on", "UNAVAILABEL"]).is_err());
    let defaults = parse(&[]).unwrap();
    assert_eq!(defaults.policy(), Args::default().policy());
}

#[tokio::test]
async fn an_attempt_header_at_u32_max_is_answered_not_a_panic() {
    let (server, service) = serve(failing(2, Code::Unavailable)).await;
    let mut stub = client::connect(&server.client_args).await.unwrap();
    // What a hostile (or broken) client may send: the largest number the
    // header can hold. The attempt after it, 4,294,967,296, is past
    // --fail-attempts: answered.
    let mut request = tonic::Request::new(HelloRequest { pid: 113 });
    (request.metadata_mut()).insert(server::PREVIOUS_ATTEMPTS, "4294967295".parse().unwrap());
    let reply = stub.say_hello(request).await.unwrap().into_inner();
    assert_eq!(reply.retval, "Hello, 113!");
    assert_eq!(previous_attempts(&service), [Some(u32::MAX)]);
    let line = "say_hello pid 113, attempt 4294967296 (grpc-previous-rpc-attempts: 4294967295): OK";
    assert!(wait_for_log(&[line]).await.is_some(), "{}", captured_logs());

    // And the next call is served as any other.
    let (outcome, _) = retried(&server, 114, &policy(5), None).await;
    assert_eq!(outcome.unwrap(), "Hello, 114!");
}

#[tokio::test]
async fn the_server_remembers_only_its_last_arrivals() {
    let (server, service) = serve(server::Args::default()).await;
    let mut stub = client::connect(&server.client_args).await.unwrap();
    let calls = server::KEPT_ARRIVALS + 20;
    for pid in 0..calls {
        let pid = i32::try_from(pid).unwrap();
        stub.say_hello(HelloRequest { pid }).await.unwrap();
    }
    // The oldest 20 were dropped as the newer ones came: what it keeps is
    // bounded, however long it runs.
    let pids: Vec<i32> = service.arrivals().iter().map(|a| a.pid).collect();
    let expected: Vec<i32> = (20..i32::try_from(calls).unwrap()).collect();
    assert_eq!(pids, expected);
}

// On a bad network: the fault proxy between the client and the server.

/// The seed of every proxy below: the same faults on every run.
const SEED: u64 = 6;

/// A fault proxy in front of `server`, applying `faults`; the client flags
/// that reach the server through it, and what the proxy reports.
async fn behind_proxy(
    server: &TestServer,
    faults: Faults,
) -> (
    RunningProxy,
    ClientArgs,
    UnboundedReceiver<fault_proxy::Event>,
) {
    let (events, seen) = tokio::sync::mpsc::unbounded_channel();
    let to = server.addr().to_string();
    let proxy = fault_proxy::start("127.0.0.1:0", &to, faults, events)
        .await
        .unwrap();
    let args = ClientArgs {
        addr: vec![proxy.addr().to_string()],
        ..server.client_args.clone()
    };
    (proxy, args, seen)
}

/// The connections the proxy accepted so far, by number, and whether the
/// faults applied to each. (The proxy reports a connection as accepted
/// before it relays a byte of it, so every connection a finished call
/// used is among them.)
fn accepted(seen: &mut UnboundedReceiver<fault_proxy::Event>) -> Vec<(u64, bool)> {
    let mut connections = Vec::new();
    while let Ok(event) = seen.try_recv() {
        if let fault_proxy::Event::Accepted {
            connection, faulty, ..
        } = event
        {
            connections.push((connection, faulty));
        }
    }
    connections
}

/// The bytes of HTTP/2's connection preface, the first a client sends.
const PREFACE: u64 = 24;

/// Reset (RST both ways) the first connection once `count` bytes went
/// `counted`; every later connection passes untouched.
fn first_connection_reset(count: u64, counted: Directions) -> Faults {
    let after = After::Bytes { count, counted };
    Faults::none()
        .with_cut(CutKind::Reset, after)
        .on(Which::Only(1))
        .seeded(SEED)
}

#[tokio::test]
async fn a_connection_reset_before_the_call_reached_the_server_is_unknown_too_and_not_retried() {
    // The network fault: the first connection is reset as soon as the
    // client's first 24 bytes (HTTP/2's preface) are through: a server
    // crashing as we connect, a load balancer with nothing behind it.
    let (server, service) = serve(server::Args::default()).await;
    let (proxy, args, mut seen) =
        behind_proxy(&server, first_connection_reset(PREFACE, Directions::Up)).await;
    let (outcome, events) = retried_at(&args, 120, &policy(5), None).await;

    // The call never reached the server: gRPC would call this UNAVAILABLE
    // (A6 even retries such a call "transparently", with no policy).
    // tonic 0.14 says UNKNOWN, which the default policy does not retry.
    let status = outcome.unwrap_err();
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
    let [Event::Failed { next, .. }] = events.as_slice() else {
        panic!("{}", lines(&events));
    };
    assert_eq!(*next, Next::Stop(Stop::NotRetryable(Code::Unknown)));
    assert!(service.arrivals().is_empty());
    assert_eq!(accepted(&mut seen), [(1, true)]);
    proxy.stop().await;
}

#[tokio::test]
async fn a_connection_reset_mid_reply_is_unknown_in_tonic_and_not_retried_by_default() {
    // The network fault: the first connection is reset in the middle of
    // the reply (after 100 bytes from the server: its HTTP/2 SETTINGS and
    // the start of the reply; a whole call takes about 150), as when a
    // load balancer or a crashing proxy kills a connection in use.
    let (server, service) = serve(server::Args::default()).await;
    let (proxy, args, mut seen) =
        behind_proxy(&server, first_connection_reset(100, Directions::Down)).await;
    let (outcome, events) = retried_at(&args, 121, &policy(5), None).await;

    // grpcio says UNAVAILABLE here; tonic 0.14 says UNKNOWN, which the
    // default policy (UNAVAILABLE only) does not retry.
    let status = outcome.unwrap_err();
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
    let [Event::Failed { next, .. }] = events.as_slice() else {
        panic!("{}", lines(&events));
    };
    assert_eq!(*next, Next::Stop(Stop::NotRetryable(Code::Unknown)));
    assert_eq!(accepted(&mut seen), [(1, true)]);
    // And yet the server did the work: it answered, the reply was lost.
    assert_eq!(previous_attempts(&service), [None]);
    proxy.stop().await;
}

#[tokio::test]
async fn retrying_unknown_recovers_a_reply_lost_mid_call_but_the_server_runs_the_call_twice() {
    // The same fault as above: the first connection reset mid-reply.
    let (server, service) = serve(server::Args::default()).await;
    let (proxy, args, mut seen) =
        behind_proxy(&server, first_connection_reset(100, Directions::Down)).await;
    // `--retry-on UNAVAILABLE --retry-on UNKNOWN`.
    let policy = RetryPolicy {
        retryable: vec![Code::Unavailable, Code::Unknown],
        ..policy(5)
    };
    let (outcome, events) = retried_at(&args, 122, &policy, None).await;

    // The retry goes out on a new connection, and succeeds...
    assert_eq!(outcome.unwrap(), "Hello, 122!", "{}", lines(&events));
    assert_eq!(accepted(&mut seen), [(1, true), (2, false)]);
    // ... but the server ran the call twice: safe for say_hello, not for
    // a call that charges a card.
    assert_eq!(previous_attempts(&service), [None, Some(1)]);
    proxy.stop().await;
}

#[tokio::test]
async fn latency_eats_the_one_deadline_fewer_attempts_and_deadline_exceeded() {
    // The network fault: 150 ms each way (a long path), no jitter, so each
    // attempt costs at least a round trip of 300 ms. The server fails
    // every attempt; the policy allows 5 within a deadline of 800 ms.
    let latency = Duration::from_millis(150);
    let deadline = Duration::from_millis(800);
    let (server, service) = serve(failing(10, Code::Unavailable)).await;
    let faults = Faults::none()
        .with_latency(Directions::Both, latency, Duration::ZERO)
        .seeded(SEED);
    let (proxy, args, _) = behind_proxy(&server, faults).await;
    let started = Instant::now();
    let (outcome, events) = retried_at(&args, 123, &policy(5), Some(deadline)).await;
    let took = started.elapsed();

    // An answered attempt takes a round trip: at most 800 / 300 of them,
    // 2, fit in the deadline. The next one is sent, and the deadline ends
    // it in flight: the call fails with DEADLINE_EXCEEDED, after fewer
    // than the 5 attempts the policy allows.
    let status = outcome.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{}", lines(&events));
    let answered = (events.iter())
        .filter(|event| matches!(event, Event::Failed { status, .. } if status.code() == Code::Unavailable))
        .count();
    let round_trip = latency * 2;
    let fit = deadline.as_millis() / round_trip.as_millis();
    assert!(answered as u128 <= fit, "{}", lines(&events));
    assert_eq!(events.len(), answered + 1, "{}", lines(&events));
    assert!(service.arrivals().len() <= answered + 1);
    // It ends at the deadline, not a round trip after it: no attempt is
    // waited for past it. (A bound with a margin of a one-way trip.)
    assert!(
        took >= deadline - Duration::from_millis(10),
        "took {took:?}"
    );
    assert!(took < deadline + latency, "took {took:?}");
    proxy.stop().await;
}
