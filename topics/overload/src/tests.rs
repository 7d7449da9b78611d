//! The topic's claims, over real sockets against the topic's own server:
//! at the limit, load shedding refuses a call at once with
//! RESOURCE_EXHAUSTED, where the limit alone makes it wait; and retries
//! multiply the attempts a failing server receives, unless A6's throttle
//! stops them, within A6's bound.

use std::time::Duration;

use hello_proto::pb::HelloRequest;
use plumbing::cli::ServerArgs;
use retries::policy::Jitter;
use test_support::TestServer;
use tonic::{Code, Request, Status};

use crate::{
    client::{self, Args, Measured, Round, a6_bound, measure},
    server::{self, Strained},
};

/// The topic's server with `args` on a free port, and its service, to ask
/// what arrived.
async fn serve(args: server::Args) -> (TestServer, Strained) {
    let service = Strained::new(&args);
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

/// Server flags: `limit` calls per connection, each holding its slot
/// `delay_ms`, over the limit refused (`load_shed`) or waiting.
fn limited(limit: usize, delay_ms: u64, load_shed: bool) -> server::Args {
    server::Args {
        common: ServerArgs {
            max_calls_per_connection: limit,
            delay_ms,
            ..ServerArgs::default()
        },
        load_shed,
        ..server::Args::default()
    }
}

/// Waits until `n` `say_hello` attempts have reached the handler: the
/// server's own count, polled, so the test goes on as soon as it is true.
async fn until_arrived(service: &Strained, n: u64) {
    while service.attempts() < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Starts a `say_hello` on `server`'s stub in the background.
fn call_in_background(
    stub: &plumbing::client::Stub,
    pid: i32,
) -> tokio::task::JoinHandle<Result<String, Status>> {
    let mut stub = stub.clone();
    tokio::spawn(async move {
        let reply = stub.say_hello(Request::new(HelloRequest { pid })).await?;
        Ok(reply.into_inner().retval)
    })
}

#[tokio::test]
async fn load_shedding_refuses_a_call_over_the_limit_at_once_with_resource_exhausted() {
    // One slot, held for a minute by the first call.
    let (server, service) = serve(limited(1, 60_000, true)).await;
    let stub = client::connect(&server.client_args).await.unwrap();
    let first = call_in_background(&stub, 1);
    until_arrived(&service, 1).await;

    // The second call, on the same connection, is answered while the first
    // still holds the slot: refused, not queued.
    let refused = stub
        .clone()
        .say_hello(Request::new(HelloRequest { pid: 2 }))
        .await;
    let status = refused.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(
        status.message(),
        "Too many active requests for the connection"
    );
    assert!(!first.is_finished(), "the first call ended: {first:?}");
    // It never reached the handler.
    assert_eq!(service.attempts(), 1);
    // A retrying client with A6's defaults leaves it alone.
    assert!(
        !retries::client::Args::default()
            .policy()
            .is_retryable(status.code())
    );
    first.abort();
}

#[tokio::test]
async fn without_load_shedding_a_call_over_the_limit_waits_for_the_slot() {
    for (limit, peak) in [(1, 1), (2, 2)] {
        let (server, service) = serve(limited(limit, 300, false)).await;
        let stub = client::connect(&server.client_args).await.unwrap();
        let first = call_in_background(&stub, 1);
        until_arrived(&service, 1).await;
        let second = call_in_background(&stub, 2);

        // Both succeed: the second was not refused...
        assert_eq!(first.await.unwrap().unwrap(), "Hello, 1!");
        assert_eq!(second.await.unwrap().unwrap(), "Hello, 2!");
        // ...and with one slot, its handler ran only after the first's
        // (with two, the control, both ran together).
        assert_eq!(service.peak(), peak, "limit {limit}");
    }
}

#[tokio::test]
async fn throttling_keeps_the_attempts_near_one_per_call_where_retries_multiply_them() {
    let args = server::Args {
        fail_percent: 90,
        seed: 7,
        ..server::Args::default()
    };
    let (server, service) = serve(args).await;
    let args = Args {
        common: server.client_args.clone(),
        calls: 200,
        ..Args::default()
    };
    let mut stub = client::connect(&args.common).await.unwrap();
    let mut jitter = Jitter::seeded(1);
    let mut rounds = Vec::new();
    for round in [Round::NoRetries, Round::Retries, Round::Throttled] {
        let measured = measure(&mut stub, &args, round, &mut jitter).await.unwrap();
        // Every attempt the client counted reached the server, and only those.
        assert_eq!(measured.sent, measured.arrived, "{round:?}: {measured:?}");
        println!(
            "{round:?}: {measured:?}, {:.2} per call",
            measured.per_call()
        );
        rounds.push(measured);
    }
    let [plain, retried, throttled]: [Measured; 3] = rounds.try_into().unwrap();
    assert_eq!(
        service.attempts(),
        plain.arrived + retried.arrived + throttled.arrived
    );

    assert_eq!(plain.arrived, 200, "one attempt per call without retries");
    // 90% failing, 5 attempts: 1 + 0.9 + 0.81 + 0.729 + 0.656 = 4.1 expected.
    assert!(retried.per_call() > 3.0, "{retried:?}");
    assert!(retried.per_call() <= 5.0, "{retried:?}");
    // The throttle: fewer attempts than the retries made, within A6's bound.
    assert!(throttled.arrived < retried.arrived, "{throttled:?}");
    assert!(
        throttled.arrived as f64 <= a6_bound(&args, &throttled),
        "{throttled:?}"
    );
    assert!(
        throttled.arrived > plain.arrived,
        "the full bucket allowed no retry at all"
    );
}
