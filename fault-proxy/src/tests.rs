//! The proxy's claims, over real sockets: a round trip through a latency
//! takes at least twice the latency; a bandwidth limit sets a lower bound
//! on a transfer's time; a drop delivers exactly N bytes and then an end
//! of stream; a reset is a reset; a black hole is silence, neither end nor
//! reset; the same seed draws the same jitter and chooses the same
//! connections. And on the unary lesson itself: a call through a latency
//! succeeds, a call into a black hole hits its deadline.
//!
//! Times are asserted as lower bounds only (a claim about the fault, not
//! a speed target), and printed.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use plumbing::cli::{ClientArgs, ServerArgs};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::{mpsc, oneshot},
    time::timeout,
};
use tonic::Code;

use crate::{
    After, Chunk, CutKind, Direction, Directions, Event, Faults, Observer, RunningProxy, Which,
    pipe::Schedule,
    rng::{Purpose, SplitMix64},
};

/// The longest a test waits for something that should happen: long enough
/// for a loaded machine, short enough that a bug fails the test rather
/// than hanging it.
const PATIENCE: Duration = Duration::from_secs(10);

/// The silence that counts as "nothing came": what a black hole gives.
const SILENCE: Duration = Duration::from_millis(300);

/// Milliseconds, shorter.
fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// An echo server on a free port: writes back every byte it reads, on
/// every connection, until the client closes.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = socket.split();
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
            });
        }
    });
    addr
}

/// A server on a free port that reads its first connection to the end
/// and hands over what it received (or the error that ended it).
async fn sink_server() -> (SocketAddr, oneshot::Receiver<std::io::Result<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (sender, received) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut bytes = Vec::new();
        let result = socket.read_to_end(&mut bytes).await.map(|_| bytes);
        let _ = sender.send(result);
    });
    (addr, received)
}

/// A proxy to `to` with `faults`, and its events.
async fn proxy(to: SocketAddr, faults: Faults) -> (RunningProxy, mpsc::UnboundedReceiver<Event>) {
    let (events, seen) = mpsc::unbounded_channel();
    let proxy = crate::start("127.0.0.1:0", &to.to_string(), faults, events)
        .await
        .unwrap();
    (proxy, seen)
}

/// Waits for the first event `wanted` accepts, skipping the others.
async fn wait_for(
    events: &mut mpsc::UnboundedReceiver<Event>,
    wanted: impl Fn(&Event) -> bool,
) -> Event {
    timeout(PATIENCE, async {
        loop {
            let event = events.recv().await.expect("the proxy is running");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event came in time")
}

/// Writes `message` and reads back as many bytes: one round trip.
async fn round_trip(socket: &mut TcpStream, message: &[u8]) -> Vec<u8> {
    socket.write_all(message).await.unwrap();
    let mut back = vec![0; message.len()];
    timeout(PATIENCE, socket.read_exact(&mut back))
        .await
        .expect("the echo came back in time")
        .unwrap();
    back
}

/// Reads until the end of the stream or an error, whichever comes: what
/// a client would see of a connection's end.
async fn read_until_the_end(socket: &mut TcpStream) -> (Vec<u8>, std::io::Result<()>) {
    let mut bytes = Vec::new();
    let mut buffer = [0; 1024];
    let ended = timeout(PATIENCE, async {
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) => return Ok(()),
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
                Err(error) => return Err(error),
            }
        }
    })
    .await
    .expect("the connection ended in time");
    (bytes, ended)
}

#[tokio::test]
async fn a_round_trip_through_a_latency_takes_at_least_twice_the_latency() {
    let latency = ms(100);
    let faults = Faults::none().with_latency(Directions::Both, latency, Duration::ZERO);
    let (proxy, _events) = proxy(echo_server().await, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();

    let started = Instant::now();
    assert_eq!(round_trip(&mut client, b"ping").await, b"ping");
    let took = started.elapsed();
    println!(
        "round trip through 100 ms each way: {} ms",
        took.as_millis()
    );
    assert!(took >= 2 * latency, "took {took:?}");
}

#[test]
fn latency_is_pipelined_each_chunk_due_its_own_delay_after_it_was_read() {
    // Two chunks read 10 ms apart under 100 ms of latency arrive 10 ms
    // apart, 100 ms after each was read: not 100 ms after the one before.
    let shaping = Faults::none()
        .with_latency(Directions::Up, ms(100), Duration::ZERO)
        .up;
    let mut schedule = Schedule::new(shaping, SplitMix64::new(1));
    let read_at = tokio::time::Instant::now();
    assert_eq!(schedule.due(read_at).0, read_at + ms(100));
    assert_eq!(schedule.due(read_at + ms(10)).0, read_at + ms(110));
}

#[test]
fn jitter_never_reorders_and_stays_within_latency_plus_or_minus_jitter() {
    let shaping = Faults::none()
        .with_latency(Directions::Up, ms(50), ms(40))
        .up;
    let mut schedule = Schedule::new(shaping, SplitMix64::new(9));
    let start = tokio::time::Instant::now();
    let mut last_due = start;
    for i in 0..1000 {
        // A chunk every millisecond: far less than the jitter, so a later
        // chunk often draws a shorter delay than the one before it.
        let (due, delay) = schedule.due(start + ms(i));
        assert!((ms(10)..=ms(90)).contains(&delay), "{delay:?}");
        assert!(due >= last_due, "chunk {i} would overtake the one before");
        last_due = due;
    }
}

#[test]
fn the_same_seed_draws_the_same_numbers_and_another_seed_others() {
    let draws = |seed| {
        let mut rng = SplitMix64::stream(seed, 1, Purpose::JitterUp);
        (0..100).map(|_| rng.next_u64()).collect::<Vec<_>>()
    };
    assert_eq!(draws(7), draws(7));
    assert_ne!(draws(7), draws(8));
    // Each connection, each purpose, a stream of its own.
    let first = |connection, purpose| SplitMix64::stream(7, connection, purpose).next_u64();
    assert_ne!(first(1, Purpose::JitterUp), first(2, Purpose::JitterUp));
    assert_ne!(first(1, Purpose::JitterUp), first(1, Purpose::JitterDown));
}

/// An observer that keeps the delay of every chunk delivered.
#[derive(Clone, Default)]
struct Delays(Arc<Mutex<Vec<(Direction, Duration)>>>);

impl Observer for Delays {
    fn event(&self, _: &Event) {}

    fn chunk(&self, chunk: &Chunk) {
        self.0.lock().unwrap().push((chunk.direction, chunk.delay));
    }
}

/// The delays drawn for five round trips through a proxy seeded `seed`.
async fn jitter_on_the_wire(seed: u64) -> Vec<(Direction, Duration)> {
    let faults = Faults::none()
        .with_latency(Directions::Both, ms(20), ms(15))
        .seeded(seed);
    let delays = Delays::default();
    let proxy = crate::start(
        "127.0.0.1:0",
        &echo_server().await.to_string(),
        faults,
        delays.clone(),
    )
    .await
    .unwrap();
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    // One message at a time, each waiting for its echo: one chunk each way.
    for i in 0..5u8 {
        round_trip(&mut client, &[i; 10]).await;
    }
    proxy.stop().await;
    delays.0.lock().unwrap().clone()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_jitter_on_the_wire() {
    let first = jitter_on_the_wire(7).await;
    let again = jitter_on_the_wire(7).await;
    let other = jitter_on_the_wire(8).await;
    println!("seed 7: {first:?}");
    assert_eq!(first.len(), 10, "five chunks each way");
    assert_eq!(first, again);
    assert_ne!(first, other);
}

/// Which of 8 connections a proxy with `--chance 0.5 --seed seed` chooses.
async fn chosen_connections(seed: u64) -> Vec<bool> {
    let faults = Faults::none()
        .with_latency(Directions::Both, ms(1), Duration::ZERO)
        .on(Which::Chance(0.5))
        .seeded(seed);
    let (proxy, mut events) = proxy(echo_server().await, faults).await;
    let mut chosen = Vec::new();
    for _ in 0..8 {
        let _client = TcpStream::connect(proxy.addr()).await.unwrap();
        match wait_for(&mut events, |event| matches!(event, Event::Accepted { .. })).await {
            Event::Accepted { faulty, .. } => chosen.push(faulty),
            _ => unreachable!("waited for an Accepted"),
        }
    }
    chosen
}

#[tokio::test]
async fn the_same_seed_chooses_the_same_connections() {
    let first = chosen_connections(3).await;
    println!("--chance 0.5 --seed 3 chooses: {first:?}");
    assert_eq!(first, chosen_connections(3).await);
    // A chance, not all or none.
    assert!(first.contains(&true) && first.contains(&false));
}

#[test]
fn the_flags_describe_the_faults_and_allow_one_cut() {
    use clap::Parser as _;

    use crate::cli::Args;

    let args = Args::try_parse_from([
        "fault-proxy",
        "--latency-ms",
        "50",
        "--jitter-ms",
        "10",
        "--direction",
        "down",
        "--black-hole-after-bytes",
        "1024",
        "--only-connection",
        "2",
    ])
    .unwrap();
    let expected = Faults::none()
        .with_latency(Directions::Down, ms(50), ms(10))
        .with_cut(
            CutKind::BlackHole,
            After::Bytes {
                count: 1024,
                counted: Directions::Down,
            },
        )
        .on(Which::Only(2))
        .seeded(7);
    assert_eq!(args.faults(7), expected);
    assert_eq!(
        expected.to_string(),
        "down: latency 50 ms ± 10 ms; black hole after 1024 bytes down (no FIN, no RST); on connection 2 only; seed 7"
    );
    // One cut at a time, one choice of connections.
    for refused in [
        ["--drop-after-bytes", "1", "--reset-after-ms", "2"],
        ["--only-connection", "1", "--chance", "0.5"],
    ] {
        let refused = Args::try_parse_from(std::iter::once("fault-proxy").chain(refused));
        assert!(refused.is_err());
    }
}

#[tokio::test]
async fn only_the_kth_connection_gets_the_faults() {
    let faults = Faults::none()
        .with_cut(
            CutKind::Drop,
            After::Bytes {
                count: 0,
                counted: Directions::Both,
            },
        )
        .on(Which::Only(1));
    let (proxy, _events) = proxy(echo_server().await, faults).await;
    // The first connection is dropped before a byte passes...
    let mut first = TcpStream::connect(proxy.addr()).await.unwrap();
    let (bytes, ended) = read_until_the_end(&mut first).await;
    assert!(bytes.is_empty() && ended.is_ok(), "{bytes:?} {ended:?}");
    // ...the second, a retry, gets through.
    let mut second = TcpStream::connect(proxy.addr()).await.unwrap();
    assert_eq!(round_trip(&mut second, b"again").await, b"again");
}

#[tokio::test]
async fn a_bandwidth_limit_sets_a_lower_bound_on_a_transfer() {
    // 10 000 bytes back at 20 000 bytes/s: at least half a second (less
    // one slice, sent at once).
    let faults = Faults::none().with_bandwidth(Directions::Down, 20_000);
    let (proxy, _events) = proxy(echo_server().await, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    let message = vec![7; 10_000];

    let started = Instant::now();
    assert_eq!(round_trip(&mut client, &message).await, message);
    let took = started.elapsed();
    println!("10000 bytes at 20000 bytes/s: {} ms", took.as_millis());
    assert!(took >= ms(450), "took {took:?}");
}

#[tokio::test]
async fn a_drop_after_n_bytes_down_delivers_exactly_n_then_the_end() {
    let faults = Faults::none().with_cut(
        CutKind::Drop,
        After::Bytes {
            count: 5,
            counted: Directions::Down,
        },
    );
    let (proxy, mut events) = proxy(echo_server().await, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    client.write_all(b"hello, world").await.unwrap();

    let (bytes, ended) = read_until_the_end(&mut client).await;
    assert_eq!(bytes, b"hello");
    assert!(ended.is_ok(), "an end of stream (FIN), not {ended:?}");
    let cut = wait_for(&mut events, |event| event.cut().is_some()).await;
    assert_eq!(
        cut.to_string(),
        "conn 1: drop after 5 bytes down (FIN both ways)"
    );
}

#[tokio::test]
async fn a_drop_after_n_bytes_up_delivers_exactly_n_to_the_server_then_the_end() {
    let (server, received) = sink_server().await;
    let faults = Faults::none().with_cut(
        CutKind::Drop,
        After::Bytes {
            count: 8,
            counted: Directions::Up,
        },
    );
    let (proxy, _events) = proxy(server, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    client.write_all(b"0123456789abcdef").await.unwrap();

    let received = timeout(PATIENCE, received).await.unwrap().unwrap();
    assert_eq!(received.unwrap(), b"01234567", "exactly 8 bytes, then FIN");
    // The client, too, sees a clean end.
    let (bytes, ended) = read_until_the_end(&mut client).await;
    assert!(bytes.is_empty() && ended.is_ok(), "{bytes:?} {ended:?}");
}

#[tokio::test]
async fn a_drop_after_a_time_ends_an_idle_connection_cleanly() {
    let faults = Faults::none().with_cut(CutKind::Drop, After::Elapsed(ms(100)));
    let (proxy, _events) = proxy(echo_server().await, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    let started = Instant::now();
    let (bytes, ended) = read_until_the_end(&mut client).await;
    assert!(bytes.is_empty() && ended.is_ok(), "{bytes:?} {ended:?}");
    assert!(started.elapsed() >= ms(50), "not before its time");
}

#[tokio::test]
async fn a_reset_gives_the_client_connection_reset() {
    let faults = Faults::none().with_cut(
        CutKind::Reset,
        After::Bytes {
            count: 5,
            counted: Directions::Down,
        },
    );
    let (proxy, mut events) = proxy(echo_server().await, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    client.write_all(b"hello, world").await.unwrap();

    let (bytes, ended) = read_until_the_end(&mut client).await;
    // The 5 bytes may or may not be read before the RST discards them.
    assert!(b"hello".starts_with(&bytes), "{bytes:?}");
    let error = ended.expect_err("a reset, not an end of stream");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    let cut = wait_for(&mut events, |event| event.cut().is_some()).await;
    assert_eq!(
        cut.to_string(),
        "conn 1: reset after 5 bytes down (RST both ways)"
    );
}

#[tokio::test]
async fn a_black_hole_is_silence_neither_an_end_nor_a_reset() {
    let faults = Faults::none().with_cut(
        CutKind::BlackHole,
        After::Bytes {
            count: 5,
            counted: Directions::Down,
        },
    );
    let (proxy, mut events) = proxy(echo_server().await, faults).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    client.write_all(b"hello, world").await.unwrap();
    let mut hello = [0; 5];
    client.read_exact(&mut hello).await.unwrap();
    assert_eq!(&hello, b"hello");
    let cut = wait_for(&mut events, |event| event.cut().is_some()).await;
    assert_eq!(
        cut.to_string(),
        "conn 1: black hole after 5 bytes down (no FIN, no RST)"
    );

    // Nothing comes: no more bytes, no end of stream (a read of 0), no
    // reset (an error). The read is still waiting when we stop watching.
    let mut buffer = [0; 64];
    let read = timeout(SILENCE, client.read(&mut buffer)).await;
    assert!(read.is_err(), "silence, not {read:?}");
    // And the socket is still open: writing is accepted (into buffers
    // nobody reads), and there is still nothing to read.
    client.write_all(b"anyone there?").await.unwrap();
    let peek = client.try_read(&mut buffer);
    assert!(
        peek.as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "still open and silent, not {peek:?}"
    );

    // Only when the proxy stops do the held sockets close.
    proxy.stop().await;
    let (bytes, _ended) = read_until_the_end(&mut client).await;
    assert!(bytes.is_empty());
}

#[tokio::test]
async fn an_unreachable_server_resets_the_client() {
    let (proxy, mut events) = proxy(test_support::closed_addr(), Faults::none()).await;
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    let (bytes, ended) = read_until_the_end(&mut client).await;
    assert!(bytes.is_empty());
    assert_eq!(
        ended.expect_err("a reset").kind(),
        std::io::ErrorKind::ConnectionReset
    );
    let event = wait_for(&mut events, |event| {
        matches!(event, Event::Unreachable { .. })
    })
    .await;
    assert!(event.to_string().contains("cannot reach"), "{event}");
}

/// Client flags that reach the lesson's server through `proxy`.
fn through(proxy: &RunningProxy) -> ClientArgs {
    ClientArgs {
        addr: vec![proxy.addr().to_string()],
        ..ClientArgs::default()
    }
}

#[tokio::test]
async fn a_unary_call_through_a_latency_succeeds_and_takes_at_least_a_round_trip() {
    let server = test_support::start(ServerArgs::default()).await;
    let latency = ms(50);
    let faults = Faults::none().with_latency(Directions::Both, latency, Duration::ZERO);
    let (proxy, _events) = proxy(server.addr(), faults).await;
    let mut stub = test_support::stub(&through(&proxy)).await.unwrap();

    let started = Instant::now();
    let reply = test_support::say_hello(&mut stub, 42, Some(ms(5000))).await;
    let took = started.elapsed();
    assert_eq!(reply.unwrap(), "Hello, 42!");
    println!("say_hello through 50 ms each way: {} ms", took.as_millis());
    assert!(took >= 2 * latency, "took {took:?}");
}

#[tokio::test]
async fn a_unary_call_into_a_black_hole_hits_its_deadline() {
    let server = test_support::start(ServerArgs::default()).await;
    // Silent from the first byte: the TCP connection is accepted, and
    // then nothing, either way.
    let faults = Faults::none().with_cut(
        CutKind::BlackHole,
        After::Bytes {
            count: 0,
            counted: Directions::Both,
        },
    );
    let (proxy, _events) = proxy(server.addr(), faults).await;
    let mut stub = test_support::stub(&through(&proxy)).await.unwrap();

    let started = Instant::now();
    let failed = test_support::say_hello(&mut stub, 1, Some(ms(500))).await;
    assert_eq!(failed.unwrap_err().code(), Code::DeadlineExceeded);
    assert!(started.elapsed() >= ms(500));
}

#[tokio::test]
async fn a_connection_gone_silent_between_calls_fails_the_next_call_at_its_deadline() {
    let server = test_support::start(ServerArgs::default()).await;
    // The first call's bytes pass (a second is 20 times what it takes on
    // a loaded machine); then the connection goes silent.
    let faults = Faults::none().with_cut(CutKind::BlackHole, After::Elapsed(ms(1000)));
    let (proxy, mut events) = proxy(server.addr(), faults).await;
    let mut stub = test_support::stub(&through(&proxy)).await.unwrap();
    let reply = test_support::say_hello(&mut stub, 1, Some(ms(5000))).await;
    assert_eq!(reply.unwrap(), "Hello, 1!");
    wait_for(&mut events, |event| event.cut() == Some(CutKind::BlackHole)).await;

    // The channel still believes in its connection: no FIN, no RST told
    // it otherwise. It sends the call into it, and only the deadline ends
    // the call.
    let failed = test_support::say_hello(&mut stub, 2, Some(ms(500))).await;
    assert_eq!(failed.unwrap_err().code(), Code::DeadlineExceeded);
}
