//! The topic's claims, over real sockets, with the fault proxy in-process
//! between client and server: its black hole is a connection gone silent,
//! no FIN, no RST. Keepalive intervals of 200 ms keep the run short; the
//! claims are orders (noticed before the deadline), the times printed.

use std::time::Duration;

use fault_proxy::{After, CutKind, Event, Faults, RunningProxy, Which};
use hello_proto::pb::HelloStreamRequest;
use plumbing::cli::{ClientArgs, ServerArgs};
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tonic::Code;

use crate::{
    client::{Ending, Keepalive, connect, watch_stream},
    server::{self, KeepaliveService, StreamEnd},
};

/// The keepalive of the tests' clients and servers: a PING after 200 ms
/// of silence, 200 ms for its answer.
const PING_AFTER: Duration = Duration::from_millis(200);
const PING_TIMEOUT: Duration = Duration::from_millis(200);
/// The black hole opens this long after the proxy accepted the connection.
const BLACK_HOLE_AFTER: Duration = Duration::from_millis(300);
/// A deadline long beside interval + timeout.
const LONG_DEADLINE: Duration = Duration::from_secs(10);

/// A stream far longer than any test: 1000 replies, 100 ms apart.
fn long_stream() -> HelloStreamRequest {
    HelloStreamRequest {
        pid: 1,
        count: 1000,
        interval_ms: 100,
    }
}

/// The topic's server on a free port, with keepalive or not; and where it
/// tells how each stream ended.
async fn server(
    keepalive: bool,
) -> (
    plumbing::server::RunningServer,
    UnboundedReceiver<StreamEnd>,
) {
    let args = server::Args {
        common: ServerArgs {
            addr: Some("127.0.0.1:0".to_owned()),
            keepalive_ms: PING_AFTER.as_millis() as u64,
            ..ServerArgs::default()
        },
        keepalive_timeout_ms: PING_TIMEOUT.as_millis() as u64,
        no_keepalive: !keepalive,
    };
    let (ends, ended) = mpsc::unbounded_channel();
    let service = KeepaliveService {
        ends: Some(ends),
        ..KeepaliveService::default()
    };
    (server::start(service, &args).await.unwrap(), ended)
}

/// A proxy to `server` that black-holes `which` connections
/// [`BLACK_HOLE_AFTER`] they were accepted; and its events.
async fn black_hole(
    server: &plumbing::server::RunningServer,
    which: Which,
) -> (RunningProxy, UnboundedReceiver<Event>) {
    let (events, seen) = mpsc::unbounded_channel();
    let faults = Faults::none()
        .with_cut(CutKind::BlackHole, After::Elapsed(BLACK_HOLE_AFTER))
        .on(which);
    let to = server.addr().unwrap().to_string();
    let proxy = fault_proxy::start("127.0.0.1:0", &to, faults, events)
        .await
        .unwrap();
    (proxy, seen)
}

/// A client's flags for `proxy`.
fn through(proxy: &RunningProxy) -> ClientArgs {
    ClientArgs {
        addr: vec![proxy.addr().to_string()],
        ..ClientArgs::default()
    }
}

/// The tests' client keepalive: [`PING_AFTER`], [`PING_TIMEOUT`].
fn keepalive(while_idle: bool) -> Option<Keepalive> {
    Some(Keepalive {
        interval: PING_AFTER,
        timeout: PING_TIMEOUT,
        while_idle,
    })
}

/// Waits for the proxy to say it black-holed a connection.
async fn black_hole_opened(seen: &mut UnboundedReceiver<Event>) {
    while let Some(event) = seen.recv().await {
        if event.cut() == Some(CutKind::BlackHole) {
            return;
        }
    }
    panic!("the proxy stopped before its black hole opened");
}

/// Prints how a call ended: the figures the assertions do not pin down.
fn print(label: &str, ending: &Ending) {
    let status = match &ending.outcome {
        Ok(()) => "OK".to_owned(),
        Err(status) => format!("{:?}: {}", status.code(), status.message()),
    };
    println!(
        "{label}: {} replies, the last at {} ms; ended at {} ms ({status}), {} ms of silence",
        ending.received,
        ending.last_reply.as_millis(),
        ending.at.as_millis(),
        ending.silence().as_millis()
    );
}

#[tokio::test]
async fn with_keepalive_the_client_notices_a_black_hole_long_before_its_deadline() {
    let (server, _) = server(false).await;
    let (proxy, mut seen) = black_hole(&server, Which::All).await;
    let mut stub = connect(&through(&proxy), keepalive(false)).await.unwrap();

    let ending = watch_stream(&mut stub, long_stream(), Some(LONG_DEADLINE), |_, _| {}).await;
    print("keepalive 200 + 200 ms", &ending);
    black_hole_opened(&mut seen).await;

    assert!(ending.received > 0, "no reply came before the black hole");
    let status = ending.outcome.as_ref().unwrap_err();
    // What tonic 0.14 says of a connection keepalive closed: UNKNOWN, "h2
    // protocol error" (grpcio says UNAVAILABLE). Not DEADLINE_EXCEEDED:
    // the deadline is far off.
    assert_eq!(status.code(), Code::Unknown, "{status:?}");
    assert!(ending.at < LONG_DEADLINE / 4, "{ending:?}");
    // The PING goes out only after PING_AFTER of silence, and the
    // connection is given up PING_TIMEOUT later: never sooner.
    assert!(ending.silence() >= PING_TIMEOUT, "{ending:?}");
    proxy.stop().await;
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn without_keepalive_the_client_waits_for_its_deadline_and_the_server_with_keepalive_notices_first()
 {
    let (server, mut ended) = server(true).await;
    let (proxy, mut seen) = black_hole(&server, Which::All).await;
    let mut stub = connect(&through(&proxy), None).await.unwrap();
    let deadline = Duration::from_millis(2000);

    let client = tokio::spawn(async move {
        watch_stream(&mut stub, long_stream(), Some(deadline), |_, _| {}).await
    });
    black_hole_opened(&mut seen).await;
    // The server's stream ends (tonic dropped it: keepalive closed the
    // connection) while the client is still waiting.
    let end = ended.recv().await.unwrap();
    let client_waiting = !client.is_finished();
    println!(
        "server (keepalive 200 + 200 ms): stream dropped after {} ms, {} replies sent",
        end.after.as_millis(),
        end.sent
    );
    assert!(!end.finished, "{end:?}");
    assert!(
        client_waiting,
        "the client gave up before the server noticed"
    );

    let ending = client.await.unwrap();
    print("no keepalive, deadline 2000 ms", &ending);
    let status = ending.outcome.as_ref().unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(ending.at >= deadline, "{ending:?}");
    proxy.stop().await;
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_server_without_keepalive_holds_a_vanished_clients_stream_until_the_deadline() {
    let (server, mut ended) = server(false).await;
    let (proxy, mut seen) = black_hole(&server, Which::All).await;
    let mut stub = connect(&through(&proxy), None).await.unwrap();
    let deadline = Duration::from_millis(3000);

    let client = tokio::spawn(async move {
        watch_stream(&mut stub, long_stream(), Some(deadline), |_, _| {}).await
    });
    black_hole_opened(&mut seen).await;
    // Nothing reaches the server any more, not even the client's
    // RST_STREAM at its deadline: only the deadline the server was given
    // (`grpc-timeout`) ends the stream, where a server with keepalive ends
    // it within interval + timeout of the silence (the test above).
    let end = ended.recv().await.unwrap();
    println!(
        "server (no keepalive): stream dropped after {} ms, {} replies sent",
        end.after.as_millis(),
        end.sent
    );
    assert!(!end.finished, "{end:?}");
    assert!(
        end.after >= deadline * 2 / 3,
        "it ended before its deadline: {end:?}"
    );
    let ending = client.await.unwrap();
    print("no keepalive anywhere, deadline 3000 ms", &ending);
    assert_eq!(ending.outcome.unwrap_err().code(), Code::DeadlineExceeded);
    proxy.stop().await;
    server.shutdown(Duration::from_secs(1)).await;
}

/// Makes a one-reply call, waits `idle` with no call open (the black hole
/// opens meanwhile, on the first connection only), then another.
async fn call_after_idle(while_idle: bool, idle: Duration) -> (Ending, Vec<Event>) {
    let (server, _) = server(false).await;
    let (proxy, mut seen) = black_hole(&server, Which::Only(1)).await;
    let mut stub = connect(&through(&proxy), keepalive(while_idle))
        .await
        .unwrap();
    let one = HelloStreamRequest {
        count: 1,
        ..long_stream()
    };
    let first = watch_stream(&mut stub, one, Some(LONG_DEADLINE), |_, _| {}).await;
    assert!(first.outcome.is_ok(), "{first:?}");
    black_hole_opened(&mut seen).await;
    // A quiet spell, on purpose: what `while_idle` is about.
    tokio::time::sleep(idle).await;
    let second = watch_stream(&mut stub, one, Some(LONG_DEADLINE), |_, _| {}).await;
    proxy.stop().await;
    let mut events = Vec::new();
    while let Ok(event) = seen.try_recv() {
        events.push(event);
    }
    server.shutdown(Duration::from_secs(1)).await;
    (second, events)
}

#[tokio::test]
async fn while_idle_a_dead_idle_connection_is_replaced_before_the_next_call() {
    // Five times interval + timeout: the PING has long timed out.
    let idle = (PING_AFTER + PING_TIMEOUT) * 5;
    let (second, events) = call_after_idle(true, idle).await;
    print("while idle: the call after the quiet spell", &second);
    assert!(second.outcome.is_ok(), "{second:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Accepted { connection: 2, .. })),
        "the call did not go on a new connection: {events:?}"
    );
}

#[tokio::test]
async fn without_while_idle_the_next_call_meets_the_dead_connection() {
    let idle = (PING_AFTER + PING_TIMEOUT) * 5;
    let (second, events) = call_after_idle(false, idle).await;
    print("not while idle: the call after the quiet spell", &second);
    // Nobody PINGed while idle: the call went into the dead connection,
    // whose last frame is long past, so the PING went out at once and the
    // call failed its timeout later, long before the deadline. Before any
    // reply's headers came, tonic says UNAVAILABLE (mid-stream, UNKNOWN).
    assert_eq!(
        second.outcome.as_ref().unwrap_err().code(),
        Code::Unavailable
    );
    assert!(
        second.at >= PING_TIMEOUT && second.at < LONG_DEADLINE / 4,
        "{second:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Accepted { connection: 2, .. })),
        "{events:?}"
    );
}
