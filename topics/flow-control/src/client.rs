//! The client: one download, however large, in bounded memory, resumed
//! from where it stopped when the connection breaks, and checked.
//!
//! Three things to see here:
//! 1. **The windows** ([`endpoint`]): the client's HTTP/2 receive windows
//!    say how many bytes the server may send before we read them. A fixed
//!    window (`--window-kib`) caps the speed at one window per round trip;
//!    tonic's adaptive window (`--adaptive`) measures the round trip with
//!    PINGs and grows the window to the link (the bandwidth-delay product).
//! 2. **The reader sets the pace** ([`download_from`]): each
//!    `stream.message().await` takes one chunk; until we ask, the bytes
//!    wait in the window and the server's producer waits behind them.
//!    `--read-delay-ms` makes a slow reader on purpose.
//! 3. **Resuming** ([`download`]): we keep the offset and the checksum so
//!    far; when the call fails because the connection broke, we call again
//!    with that offset, on a new connection. The last message's checksum
//!    covers the whole file, so a lost or repeated piece is caught.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::PathBuf,
    time::{Duration, Instant},
};

use clap::Parser;
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError},
};
use tonic::{Code, Request, Status, transport::Channel};

use crate::{
    TOPIC,
    content::Fnv1a,
    pb::{DownloadRequest, chunk::Piece, transfer_client::TransferClient},
};

/// The stub with `--token` attached, as every client of ours has it.
pub type Stub = TransferClient<
    tonic::service::interceptor::InterceptedService<Channel, plumbing::auth::AttachToken>,
>;

/// Flags of the flow-control client.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Downloads a generated file in chunks, resuming after a broken connection, and checks it"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// The file's size, in MiB (1 GiB = 1024; the server allows up to 16 GiB)
    #[arg(long, value_name = "MIB", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(0..=16 * 1024))]
    pub size_mib: u64,

    /// Write the file here [default: count and check the bytes, keep none]
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Fixed HTTP/2 receive windows of this many KiB, per stream and per connection [default: tonic's, 2 MiB per stream]
    // HTTP/2 allows windows up to 2^31 - 1 bytes: 2,097,151 KiB.
    #[arg(long, value_name = "KIB", conflicts_with = "adaptive",
          value_parser = clap::value_parser!(u32).range(1..=2_097_151))]
    pub window_kib: Option<u32>,

    /// tonic's adaptive window: grown to the link's bandwidth × round trip, measured with PINGs
    #[arg(long)]
    pub adaptive: bool,

    /// Read one chunk every this many ms: a slow reader, to see the server wait
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub read_delay_ms: u64,

    /// How many times to resume after a broken connection before giving up
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_resumes: u32,
}

impl Args {
    /// The windows these flags ask for.
    pub fn windows(&self) -> Windows {
        match (self.window_kib, self.adaptive) {
            (Some(kib), _) => Windows::Fixed(kib * 1024),
            (None, true) => Windows::Adaptive,
            (None, false) => Windows::Default,
        }
    }
}

/// The client's HTTP/2 receive windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Windows {
    /// tonic's (hyper's) defaults: 2 MiB per stream, 5 MiB per connection.
    Default,
    /// This many bytes, per stream and per connection, never grown.
    Fixed(u32),
    /// Grown as BDP probing measures the link.
    Adaptive,
}

impl std::fmt::Display for Windows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Windows::Default => {
                f.write_str("tonic's default windows: 2 MiB per stream, 5 MiB per connection")
            }
            Windows::Fixed(bytes) => write!(f, "fixed windows of {} KiB", bytes / 1024),
            Windows::Adaptive => f.write_str("adaptive windows"),
        }
    }
}

/// What a finished download did.
#[derive(Debug, Clone, PartialEq)]
pub struct Downloaded {
    /// Bytes received and checked: the file's size.
    pub bytes: u64,
    /// The offsets the download resumed from, one per broken connection.
    pub resumed_from: Vec<u64>,
    /// The checksum, ours and the server's (equal, or it is an error).
    pub fnv1a64: u64,
    /// From the first request to the checksum.
    pub took: Duration,
}

impl Downloaded {
    /// Megabytes (10^6 bytes) per second.
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.took.as_secs_f64().max(1e-9)
    }
}

/// Where the bytes go: a file, or nowhere (counted and checked only).
/// A plain `std` file behind a buffer: each write is a copy into memory,
/// and one system call per 8 KiB, quick enough not to need `tokio::fs`
/// (which would hand each write to a thread of its own anyway).
pub enum Sink {
    /// `--out PATH`.
    File(BufWriter<File>),
    /// No `--out`.
    Discard,
}

/// Downloads as the flags say and prints what happened.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let size = args.size_mib * 1024 * 1024;
    let mut sink = match &args.out {
        Some(path) => Sink::File(BufWriter::new(File::create(path).map_err(|e| {
            ClientError::File(format!("--out {}: cannot create it ({e})", path.display()))
        })?)),
        None => Sink::Discard,
    };
    let stub = connect(&args.common, args.windows()).await?;
    println!(
        "downloading {size} bytes from {} ({})",
        args.common.addrs(TOPIC).join(", "),
        args.windows()
    );
    let done = download(stub, size, args, &mut sink).await?;
    if let Sink::File(file) = &mut sink {
        file.flush()
            .map_err(|e| ClientError::File(format!("--out: cannot write ({e})")))?;
    }
    println!(
        "received {} bytes in {:.2} s: {:.1} MB/s; fnv1a64 {:016x}, the same as the server's; resumed {} times",
        done.bytes,
        done.took.as_secs_f64(),
        done.mb_per_s(),
        done.fnv1a64,
        done.resumed_from.len()
    );
    if let Some(peak) = peak_memory_kib() {
        println!("this client's peak memory (VmHWM): {} MiB", peak / 1024);
    }
    Ok(())
}

/// The stub for `--addr`, its connection with `windows`.
pub async fn connect(args: &ClientArgs, windows: Windows) -> Result<Stub, ClientError> {
    let addrs = args.addrs(TOPIC);
    let [addr] = addrs.as_slice() else {
        return Err(ClientError::Flag(
            "--addr: a download comes from one server; give one address".into(),
        ));
    };
    let endpoint = endpoint(
        unary::client::endpoint(addr, args.speaks_tls(), args)?,
        windows,
    );
    // Lazy: connected on the first call, and again after a broken one.
    Ok(TransferClient::with_interceptor(
        endpoint.connect_lazy(),
        client::attach_token(args)?,
    ))
}

/// Sets the receive windows on `endpoint`. These are HTTP/2 SETTINGS the
/// client sends when it connects (SETTINGS_INITIAL_WINDOW_SIZE for each
/// stream, and a WINDOW_UPDATE on stream 0 for the connection): the
/// server may have that many bytes unread by us in flight, no more.
pub fn endpoint(
    endpoint: tonic::transport::Endpoint,
    windows: Windows,
) -> tonic::transport::Endpoint {
    match windows {
        Windows::Default => endpoint,
        Windows::Fixed(bytes) => endpoint
            .initial_stream_window_size(bytes)
            .initial_connection_window_size(bytes)
            .http2_adaptive_window(false),
        Windows::Adaptive => endpoint.http2_adaptive_window(true),
    }
}

/// The whole download: calls from offset 0, and again from where it
/// stopped each time the connection broke (at most `--max-resumes`).
pub async fn download(
    mut stub: Stub,
    size: u64,
    args: &Args,
    sink: &mut Sink,
) -> Result<Downloaded, ClientError> {
    let started = Instant::now();
    let mut progress = Progress {
        offset: 0,
        hasher: Fnv1a::default(),
    };
    let mut resumed_from = Vec::new();
    loop {
        let before = progress.offset;
        match download_from(&mut stub, size, args, &mut progress, sink).await {
            Ok(fnv1a64) => {
                return Ok(Downloaded {
                    bytes: progress.offset,
                    resumed_from,
                    fnv1a64,
                    took: started.elapsed(),
                });
            }
            // Resumed only if this call got somewhere: a call that got no
            // byte (no server there, say) would only fail again.
            Err(status)
                if broken(&status)
                    && progress.offset > before
                    && resumed_from.len() < args.max_resumes as usize =>
            {
                println!(
                    "the connection broke at byte {} ({}: {}); resuming from byte {}",
                    progress.offset,
                    plumbing::code_name(status.code()),
                    status.message(),
                    progress.offset
                );
                resumed_from.push(progress.offset);
            }
            Err(status) => return Err(ClientError::Call(status)),
        }
    }
}

/// How far the download got: kept across calls, so a new call resumes.
struct Progress {
    /// The next byte we need: everything before it was received and written.
    offset: u64,
    /// The checksum of bytes 0 to `offset`.
    hasher: Fnv1a,
}

/// One call, from `progress.offset` to the end. Returns the server's
/// checksum once it matched ours.
async fn download_from(
    stub: &mut Stub,
    size: u64,
    args: &Args,
    progress: &mut Progress,
    sink: &mut Sink,
) -> Result<u64, Status> {
    let mut request = Request::new(DownloadRequest {
        size,
        offset: progress.offset,
    });
    if let Some(timeout) = args.common.timeout() {
        request.set_timeout(timeout);
    }
    let mut stream = stub
        .download(request)
        .await
        .map_err(client::deadline_named)?
        .into_inner();
    let read_delay = Duration::from_millis(args.read_delay_ms);
    // One chunk at a time: memory holds one chunk (and what HTTP/2 holds
    // for us: at most the window), however large the file.
    while let Some(chunk) = stream.message().await.map_err(client::deadline_named)? {
        if chunk.offset != progress.offset {
            return Err(Status::data_loss(format!(
                "expected the chunk at byte {}, got one at byte {}",
                progress.offset, chunk.offset
            )));
        }
        match chunk.piece {
            Some(Piece::Data(data)) => {
                progress.hasher.update(&data);
                if let Sink::File(file) = sink {
                    file.write_all(&data)
                        .map_err(|e| Status::aborted(format!("cannot write --out: {e}")))?;
                }
                progress.offset += data.len() as u64;
                if !read_delay.is_zero() {
                    tokio::time::sleep(read_delay).await;
                }
            }
            Some(Piece::Fnv1a64(theirs)) => {
                let ours = progress.hasher.value();
                if theirs != ours || progress.offset != size {
                    return Err(Status::data_loss(format!(
                        "checksum mismatch after {} bytes: ours {ours:016x}, the server's {theirs:016x}",
                        progress.offset
                    )));
                }
                return Ok(theirs);
            }
            None => return Err(Status::internal("a chunk with neither data nor checksum")),
        }
    }
    Err(Status::data_loss(format!(
        "the stream ended at byte {} without a checksum",
        progress.offset
    )))
}

/// Whether a failed call failed because its connection broke (the server
/// went away, the proxy dropped it): worth resuming. A refusal (an
/// invalid request, a wrong token) or a checksum mismatch is not.
fn broken(status: &Status) -> bool {
    matches!(
        status.code(),
        Code::Unavailable | Code::Unknown | Code::Internal | Code::Cancelled
    )
}

/// This process's peak resident memory in KiB (Linux only), to show that
/// a 1 GiB download does not need 1 GiB of memory.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
