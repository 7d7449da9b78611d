//! The topic's claims, over real sockets against the topic's own server:
//! a retried call makes exactly the attempts its policy allows, numbered
//! on the wire; a non-retryable code is never retried; the server's
//! pushback sets the wait; all attempts share one deadline; a hedged call
//! takes the first success and the server sees the other copies cancelled.
//! And what the server survives: an attempt header at its largest value,
//! and a long run (it remembers only the last attempts).

use std::time::{Duration, Instant};

use clap::Parser as _;
use hello_proto::pb::HelloRequest;
use plumbing::client::{ClientError, Context, Stub, explain};
use test_support::{TestServer, capture_logs, captured_logs, wait_for_log};
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
    let mut stub = client::connect(&server.client_args).await.unwrap();
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
