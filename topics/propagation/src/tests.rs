//! The topic's claims, over real sockets: a client, the relay and the
//! backend, each a real server on its own port, as in the README.
//!
//! The last test puts the `fault-proxy` crate between the relay and the
//! backend, with a fixed seed: a latency on that hop, and what it does to
//! the deadline passed on.

use std::time::{Duration, Instant};

use clap::Parser;
use fault_proxy::{Directions, Faults, RunningProxy};
use plumbing::{
    cli::ServerArgs,
    client::{ClientError, Context, explain},
};
use test_support::{TestServer, closed_addr};
use tokio::sync::mpsc::UnboundedReceiver;
use tonic::Code;

use crate::{
    RELAY,
    backend::{self, Backend, BackendEvent},
    client::{Outcome, connect, say_hello},
    events::Events,
    relay::{self, Relay, RelayEvent},
};

/// How long a test waits for an event before it fails.
const PATIENCE: Duration = Duration::from_secs(5);

/// The two servers of the topic, and what each reports.
struct Hops {
    relay: TestServer,
    relay_events: UnboundedReceiver<RelayEvent>,
    backend_events: UnboundedReceiver<BackendEvent>,
    /// Kept to keep the backend serving.
    _backend: TestServer,
    /// Kept to keep the proxy between the relay and the backend, if any,
    /// relaying.
    _proxy: Option<RunningProxy>,
}

/// A backend whose calls work `work_ms`, and a relay in front of it that
/// waits `delay_ms`, passing the deadline on unless `no_propagation`.
async fn hops(delay_ms: u64, work_ms: u64, no_propagation: bool) -> Hops {
    hops_through(delay_ms, work_ms, no_propagation, None).await
}

/// As [`hops`], with a fault proxy applying `faults` between the relay and
/// the backend, if given.
async fn hops_through(
    delay_ms: u64,
    work_ms: u64,
    no_propagation: bool,
    faults: Option<Faults>,
) -> Hops {
    let (events, backend_events) = Events::observed();
    let service = Backend {
        work: Duration::from_millis(work_ms),
        events,
    };
    let backend = TestServer::start(ServerArgs::default(), async |args| {
        backend::start(service, args).await
    })
    .await;
    let mut backend_addr = backend.addr().to_string();
    let mut proxy = None;
    if let Some(faults) = faults {
        // The proxy's events, printed: a failing test shows them.
        let started = fault_proxy::start("127.0.0.1:0", &backend_addr, faults, fault_proxy::Print);
        let started = started.await.unwrap();
        backend_addr = started.addr().to_string();
        proxy = Some(started);
    }
    let relay_args = relay::Args {
        common: ServerArgs {
            delay_ms,
            ..ServerArgs::default()
        },
        backend: backend_addr,
        no_propagation,
    };
    let (relay, relay_events) = relay_with(relay_args).await;
    Hops {
        relay,
        relay_events,
        backend_events,
        _backend: backend,
        _proxy: proxy,
    }
}

/// A relay with `args` (its `addr` replaced by a free port).
async fn relay_with(args: relay::Args) -> (TestServer, UnboundedReceiver<RelayEvent>) {
    let (events, seen) = Events::observed();
    let relay = TestServer::start(args.common.clone(), async |common| {
        let args = relay::Args {
            common: common.clone(),
            ..args
        };
        relay::start(Relay::new(&args, events)?, common).await
    })
    .await;
    (relay, seen)
}

/// The next event on `events`; fails the test if none comes in time.
async fn next<E>(events: &mut UnboundedReceiver<E>) -> E {
    tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("no event in time")
        .expect("the server stopped reporting")
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn the_backend_receives_the_clients_deadline_less_the_relays_delay() {
    let mut hops = hops(300, 0, false).await;
    let mut stub = connect(&hops.relay.client_args).await.unwrap();

    let outcome = say_hello(&mut stub, 42, Some(ms(1000)), None).await;
    assert_eq!(outcome.unwrap(), Outcome::Replied("Hello, 42!".to_owned()));

    // The relay read 1000 ms and passed on what its 300 ms left.
    let RelayEvent::Calling {
        timeout: Some(passed_on),
        received: Some(received),
    } = next(&mut hops.relay_events).await
    else {
        panic!("the relay did not pass a deadline on");
    };
    assert_eq!(received, ms(1000));
    assert!(passed_on <= ms(700), "{passed_on:?}");

    // The backend received at most the client's 1000 ms less the 300 ms,
    // and not much less: a deadline, not a default.
    let received = next(&mut hops.backend_events).await;
    let BackendEvent::Received {
        timeout: Some(timeout),
        header: Some(_),
    } = received
    else {
        panic!("the backend received no deadline: {received:?}");
    };
    assert!(timeout <= ms(700), "{timeout:?}");
    assert!(timeout >= ms(600), "{timeout:?}");
    assert!(
        (received.to_string()).starts_with("backend: received grpc-timeout "),
        "{received}"
    );
    assert!(matches!(
        next(&mut hops.backend_events).await,
        BackendEvent::Finished { .. }
    ));
}

#[tokio::test]
async fn when_the_clients_deadline_passes_every_hop_ends_with_deadline_exceeded() {
    let mut hops = hops(100, 5000, false).await;
    let mut stub = connect(&hops.relay.client_args).await.unwrap();

    // The client's call.
    let started = Instant::now();
    let status = say_hello(&mut stub, 1, Some(ms(500)), None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() < ms(1000), "{:?}", started.elapsed());

    // The relay's call to the backend.
    assert!(matches!(
        next(&mut hops.relay_events).await,
        RelayEvent::Calling { .. }
    ));
    let answered = next(&mut hops.relay_events).await;
    let RelayEvent::BackendAnswered { code, awaited, .. } = answered else {
        panic!("the relay's backend call did not end: {answered:?}");
    };
    assert_eq!((code, awaited), (Code::DeadlineExceeded, true));

    // The backend's handler, stopped by the deadline it received, long
    // before its 5 s of work.
    assert!(matches!(
        next(&mut hops.backend_events).await,
        BackendEvent::Received {
            timeout: Some(_),
            ..
        }
    ));
    let ended = next(&mut hops.backend_events).await;
    let BackendEvent::DeadlineExceeded { after } = ended else {
        panic!("the backend was not stopped by its deadline: {ended:?}");
    };
    assert!(after < ms(500), "{after:?}");
}

#[tokio::test]
async fn a_client_that_leaves_stops_the_backends_handler_within_100_ms() {
    let mut hops = hops(0, 5000, false).await;
    let mut stub = connect(&hops.relay.client_args).await.unwrap();

    // The call, with no deadline, runs until the backend has started on it.
    let mut call = Box::pin(say_hello(&mut stub, 2, None, None));
    tokio::select! {
        outcome = call.as_mut() => panic!("the call ended first: {outcome:?}"),
        received = next(&mut hops.backend_events) => assert_eq!(
            received,
            BackendEvent::Received { header: None, timeout: None }
        ),
    }

    // The client goes away: it drops the call.
    drop(call);
    let left = Instant::now();
    let ended = next(&mut hops.backend_events).await;
    let stopped_after = left.elapsed();
    assert!(
        matches!(ended, BackendEvent::Cancelled { .. }),
        "the backend's handler was not cancelled: {ended:?}"
    );
    assert!(
        stopped_after < ms(100),
        "the backend stopped {stopped_after:?} after the client left"
    );

    // The relay's handler was dropped on the way, with its backend call.
    assert!(matches!(
        next(&mut hops.relay_events).await,
        RelayEvent::Calling { timeout: None, .. }
    ));
    assert!(matches!(
        next(&mut hops.relay_events).await,
        RelayEvent::Dropped {
            detached: false,
            ..
        }
    ));
}

#[tokio::test]
async fn a_client_that_gives_up_before_its_deadline_cancels_the_backend() {
    let mut hops = hops(0, 5000, false).await;
    let mut stub = connect(&hops.relay.client_args).await.unwrap();

    // `--timeout-ms 5000 --cancel-after-ms 200`: the client leaves long
    // before its deadline, and the backend tells the two apart.
    let outcome = say_hello(&mut stub, 3, Some(ms(5000)), Some(ms(200))).await;
    assert_eq!(outcome.unwrap(), Outcome::GaveUp(ms(200)));
    assert!(matches!(
        next(&mut hops.backend_events).await,
        BackendEvent::Received {
            timeout: Some(_),
            ..
        }
    ));
    let ended = next(&mut hops.backend_events).await;
    let BackendEvent::Cancelled { after } = ended else {
        panic!("the backend was not cancelled: {ended:?}");
    };
    assert!(after < ms(1000), "{after:?}");
}

#[tokio::test]
async fn without_propagation_the_backend_works_on_for_nobody() {
    let mut hops = hops(0, 300, true).await;
    let mut stub = connect(&hops.relay.client_args).await.unwrap();

    let status = say_hello(&mut stub, 4, Some(ms(100)), None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");

    // The backend was told of no deadline, and finished its whole work
    // after the client had gone.
    let received = next(&mut hops.backend_events).await;
    assert_eq!(
        received.to_string(),
        "backend: no grpc-timeout: no deadline"
    );
    let ended = next(&mut hops.backend_events).await;
    let BackendEvent::Finished { after } = ended else {
        panic!("the backend did not finish: {ended:?}");
    };
    assert!(after >= ms(300), "{after:?}");

    // The relay's handler was dropped at the deadline; its detached call
    // got an answer that nobody waited for.
    assert_eq!(
        next(&mut hops.relay_events).await,
        RelayEvent::Calling {
            timeout: None,
            received: Some(ms(100)),
        }
    );
    assert!(matches!(
        next(&mut hops.relay_events).await,
        RelayEvent::Dropped { detached: true, .. }
    ));
    let answered = next(&mut hops.relay_events).await;
    assert!(
        matches!(
            answered,
            RelayEvent::BackendAnswered {
                code: Code::Ok,
                awaited: false,
                ..
            }
        ),
        "{answered:?}"
    );
    assert!(
        (answered.to_string()).ends_with("but nobody was waiting for it any more"),
        "{answered}"
    );
}

#[tokio::test]
async fn a_relay_whose_backend_is_down_says_to_start_the_backend() {
    let backend = closed_addr().to_string();
    let (relay, _) = relay_with(relay::Args {
        common: ServerArgs::default(),
        backend: backend.clone(),
        no_propagation: false,
    })
    .await;
    let mut stub = connect(&relay.client_args).await.unwrap();
    let status = say_hello(&mut stub, 5, Some(ms(2000)), None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");

    // What the client prints: the backend is named, not the relay.
    let line = explain(
        &ClientError::Call(status),
        &Context::new(RELAY, &relay.client_args),
    );
    assert!(line.contains(&backend), "{line}");
    assert!(
        line.contains("start it with: cargo run -p propagation --bin backend"),
        "{line}"
    );
}

#[test]
fn the_relays_flags_default_to_the_backends_port_and_check_the_address() {
    let args = relay::Args::try_parse_from(["server"]).unwrap();
    assert_eq!(args.backend, "127.0.0.1:8908");
    assert!(!args.no_propagation);
    let error = relay::Args::try_parse_from(["server", "--backend", "localhost"]).unwrap_err();
    assert!(error.to_string().contains("it has no port"), "{error}");
}

#[tokio::test]
async fn latency_to_the_backend_is_not_subtracted_from_the_deadline_it_receives() {
    // The network fault: 200 ms each way between the relay and the backend
    // (no jitter, seed fixed): a backend in another region.
    let latency = ms(200);
    let faults = Faults::none()
        .with_latency(Directions::Both, latency, Duration::ZERO)
        .seeded(6);
    let mut hops = hops_through(100, 5000, false, Some(faults)).await;
    let mut stub = connect(&hops.relay.client_args).await.unwrap();

    // The client's call ends with DEADLINE_EXCEEDED at its deadline, not
    // a round trip to the backend later.
    let deadline = ms(1000);
    let started = Instant::now();
    let status = say_hello(&mut stub, 6, Some(deadline), None)
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(took >= deadline - ms(50), "took {took:?}");
    assert!(took < deadline + latency, "took {took:?}");

    // The relay passed on what its 100 ms left. (How its own call then
    // ends, its timer or its handler dropped at its deadline, is the test
    // above's subject.)
    let RelayEvent::Calling {
        timeout: Some(passed_on),
        ..
    } = next(&mut hops.relay_events).await
    else {
        panic!("the relay did not pass a deadline on");
    };

    // The backend received the header 200 ms after it was written, and
    // yet the very number the relay wrote (to the microsecond it is sent
    // in): a grpc-timeout is "from now", and nobody counts the trip.
    let received = next(&mut hops.backend_events).await;
    let BackendEvent::Received {
        timeout: Some(timeout),
        ..
    } = received
    else {
        panic!("the backend received no deadline: {received:?}");
    };
    assert!(timeout <= passed_on, "{timeout:?} > {passed_on:?}");
    assert!(passed_on - timeout < ms(1), "{timeout:?} vs {passed_on:?}");

    // So the backend's deadline falls 200 ms after the relay's: its work is
    // stopped (long before its 5 s), but only once its whole budget is
    // spent on its own clock, a one-way trip after the relay gave up. Had
    // the trip been counted, it would have stopped 200 ms sooner.
    let ended = next(&mut hops.backend_events).await;
    let (BackendEvent::DeadlineExceeded { after } | BackendEvent::Cancelled { after }) = ended
    else {
        panic!("the backend's work was not stopped: {ended:?}");
    };
    assert!(
        after >= passed_on - latency / 2,
        "{ended:?}, passed on {passed_on:?}"
    );
    assert!(after < ms(5000), "{ended:?}");
}
