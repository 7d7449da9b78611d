//! The topic's claims, over real sockets against the real server: a slow
//! reader makes the producer wait, a bounded distance ahead; a download
//! broken by the proxy resumes from the byte where it broke and ends with
//! the whole file's checksum; a small fixed window on a 50 ms link allows
//! one window per round trip (and the other windows' figures, printed).

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use fault_proxy::{After, CutKind, Directions, Faults, RunningProxy, Which};
use plumbing::{
    cli::{ClientArgs, ServerArgs},
    client::ClientError,
};
use test_support::TestServer;
use tonic::{Code, Request};

use crate::{
    client::{self, Args, Downloaded, Sink, Windows, connect, download},
    pb::{DownloadRequest, chunk::Piece},
    server::{self, CHANNEL_CHUNKS, CHUNK_BYTES, Files, checksum},
};

/// 8 MiB: large enough to need many windows, quick in a debug build.
const SIZE: u64 = 8 << 20;

/// The topic's server on a free port, counting into `files`.
async fn serve(files: &Files) -> TestServer {
    TestServer::start(ServerArgs::default(), async |common| {
        server::start(
            files.clone(),
            &server::Args {
                common: common.clone(),
            },
        )
        .await
    })
    .await
}

/// The client's flags for `common` (pointing at a server or a proxy).
fn client_args(common: ClientArgs) -> Args {
    Args {
        common,
        size_mib: SIZE >> 20,
        out: None,
        window_kib: None,
        adaptive: false,
        read_delay_ms: 0,
        max_resumes: 3,
    }
}

/// A proxy in front of `server` with `faults`.
async fn proxy(server: &TestServer, faults: Faults) -> RunningProxy {
    fault_proxy::start(
        "127.0.0.1:0",
        &server.addr().to_string(),
        faults,
        fault_proxy::Print,
    )
    .await
    .expect("the proxy starts")
}

/// `common` pointed at `proxy` instead.
fn through(proxy: &RunningProxy, common: &ClientArgs) -> ClientArgs {
    ClientArgs {
        addr: vec![proxy.addr().to_string()],
        ..common.clone()
    }
}

/// Downloads `size` bytes with `windows` as `args` say, discarding them.
async fn fetch(args: &Args, windows: Windows, size: u64) -> Downloaded {
    let stub = connect(&args.common, windows).await.unwrap();
    download(stub, size, args, &mut Sink::Discard)
        .await
        .unwrap()
}

/// Polls `value` until it has not changed for 300 ms (at most 20 s): the
/// producer has stopped, waiting for us. Returns the settled value.
async fn settled(value: impl Fn() -> u64) -> u64 {
    let give_up = Instant::now() + Duration::from_secs(20);
    let mut last = value();
    let mut since = Instant::now();
    while Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = value();
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() > Duration::from_millis(300) {
            break;
        }
    }
    last
}

#[tokio::test]
async fn a_reader_that_stops_stops_the_producer_a_bounded_distance_ahead() {
    let files = Files::default();
    let server = serve(&files).await;
    // A 64 KiB window: the server may have one chunk in flight unread.
    let window = 64 * 1024;
    let mut stub = connect(&server.client_args, Windows::Fixed(window))
        .await
        .unwrap();
    let mut stream = stub
        .download(Request::new(DownloadRequest {
            size: SIZE,
            offset: 0,
        }))
        .await
        .unwrap()
        .into_inner();

    // We read one chunk, then nothing: the producer runs until the window,
    // hyper's send buffer and the channel are full, then waits.
    let first = stream.message().await.unwrap().unwrap();
    assert_eq!(first.offset, 0);
    let produced = settled(|| files.produced.load(Ordering::Relaxed)).await;
    let waits = files.waits.load(Ordering::Relaxed);
    // What may be ahead of our one chunk: the window (held by our HTTP/2
    // connection, unread), the server's HTTP/2 send buffer (hyper's
    // default, 400 KiB), the channel, and one chunk in tonic's encoder.
    let send_buffer = 400 * 1024;
    let bound =
        CHUNK_BYTES as u64 * (1 + CHANNEL_CHUNKS as u64 + 1) + u64::from(window) + send_buffer;
    println!(
        "the reader took 1 chunk and stopped: the producer made {produced} bytes ({} chunks) of {SIZE} and waited {waits} times; bound {bound}",
        produced / CHUNK_BYTES as u64
    );
    assert!(
        produced <= bound,
        "the producer got {produced} bytes ahead, more than {bound}"
    );
    assert!(produced < SIZE / 4, "{produced}");
    assert!(waits >= 1, "the producer's send never waited");

    // Reading again, the producer goes on, to the end and the checksum.
    let mut received = first.piece.map_or(0, |piece| match piece {
        Piece::Data(data) => data.len() as u64,
        Piece::Fnv1a64(_) => 0,
    });
    let mut sum = None;
    while let Some(chunk) = stream.message().await.unwrap() {
        match chunk.piece.unwrap() {
            Piece::Data(data) => received += data.len() as u64,
            Piece::Fnv1a64(value) => sum = Some(value),
        }
    }
    assert_eq!(received, SIZE);
    assert_eq!(sum, Some(checksum(SIZE).value()));
    assert_eq!(files.produced.load(Ordering::Relaxed), SIZE);
}

#[tokio::test]
async fn a_download_cut_by_the_proxy_resumes_where_it_broke_and_checks_out() {
    let files = Files::default();
    let server = serve(&files).await;
    // The first connection is dropped (FIN) after 3,000,000 bytes towards
    // the client; the second goes through.
    let cut_at = 3_000_000;
    let faults = Faults::none()
        .with_cut(
            CutKind::Drop,
            After::Bytes {
                count: cut_at,
                counted: Directions::Down,
            },
        )
        .on(Which::Only(1));
    let proxy = proxy(&server, faults).await;
    let args = client_args(through(&proxy, &server.client_args));

    let done = fetch(&args, Windows::Default, SIZE).await;
    println!("{done:?}");
    assert_eq!(done.bytes, SIZE);
    assert_eq!(done.fnv1a64, checksum(SIZE).value());
    // Once, from a whole number of chunks just short of the cut: the
    // bytes on the wire beyond it were the HTTP/2 and gRPC framing
    // (under 100 bytes a chunk) and the chunk that was cut in half.
    let [resumed] = done.resumed_from[..] else {
        panic!("{done:?}")
    };
    assert_eq!(resumed % CHUNK_BYTES as u64, 0);
    assert!(
        resumed < cut_at
            && cut_at - resumed < CHUNK_BYTES as u64 + 100 * resumed / CHUNK_BYTES as u64,
        "{resumed}"
    );
    assert_eq!(resumed, 2_949_120, "45 chunks of 64 KiB");
    proxy.stop().await;
}

#[tokio::test]
async fn a_64_kib_window_on_a_50_ms_link_carries_one_window_per_round_trip() {
    let server = serve(&Files::default()).await;
    let latency = Duration::from_millis(50);
    let faults = Faults::none().with_latency(Directions::Both, latency, Duration::ZERO);
    let proxy = proxy(&server, faults).await;
    let args = client_args(through(&proxy, &server.client_args));
    let size = 2 << 20;

    // 2 MiB through a 64 KiB window: 32 windows, each waiting for the
    // WINDOW_UPDATE that opens the next one, a round trip (100 ms) each.
    let small = fetch(&args, Windows::Fixed(64 * 1024), size).await;
    let large = fetch(&args, Windows::Fixed(8 << 20), size).await;
    let adaptive = fetch(&args, Windows::Adaptive, size).await;
    for (name, done) in [
        ("64 KiB", &small),
        ("8 MiB", &large),
        ("adaptive", &adaptive),
    ] {
        println!(
            "{name}: {:.2} s, {:.1} MB/s",
            done.took.as_secs_f64(),
            done.mb_per_s()
        );
    }
    // A floor that physics sets, not a speed: at most one window in flight
    // per round trip, so at least 31 round trips after the first window.
    let round_trip = 2 * latency;
    assert!(small.took >= 31 * round_trip, "{:?}", small.took);
    // The ordering of the three is printed, not asserted: on a busy
    // two-core machine the large and adaptive figures move with the load.
    proxy.stop().await;
}

#[tokio::test]
async fn a_download_from_no_server_fails_without_resuming() {
    let common = ClientArgs {
        addr: vec![test_support::closed_addr().to_string()],
        ..ClientArgs::default()
    };
    let args = client_args(common);
    let stub = connect(&args.common, Windows::Default).await.unwrap();
    let outcome = download(stub, SIZE, &args, &mut Sink::Discard).await;
    let Err(ClientError::Call(status)) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

#[tokio::test]
async fn an_offset_past_the_end_is_refused_before_any_work() {
    let files = Files::default();
    let server = serve(&files).await;
    let mut stub = connect(&server.client_args, Windows::Default)
        .await
        .unwrap();
    let status = stub
        .download(Request::new(DownloadRequest {
            size: 10,
            offset: 11,
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "offset 11 is past the end of a file of 10 bytes"
    );
    assert_eq!(files.produced.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_download_written_to_a_file_is_the_generated_content() {
    let server = serve(&Files::default()).await;
    let path = std::env::temp_dir().join(format!("flow-control-test-{}.bin", std::process::id()));
    let args = Args {
        out: Some(path.clone()),
        size_mib: 1,
        ..client_args(server.client_args.clone())
    };
    client::run(&args).await.unwrap();
    let written = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut expected = vec![0; 1 << 20];
    crate::content::fill(0, &mut expected);
    assert!(
        written == expected,
        "the file differs from the generated content"
    );
}
