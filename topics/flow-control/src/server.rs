//! The server: `topics.Transfer/Download`, a generated file streamed in
//! chunks from any offset, and the server assembled around it.
//!
//! Backpressure is the lesson here. The handler does not write into the
//! network: it spawns a *producer* that makes chunks and hands them to a
//! bounded channel of [`CHANNEL_CHUNKS`] places; tonic takes them out of
//! the channel only as fast as HTTP/2 lets it send, and HTTP/2 sends only
//! as much as the client's window allows, which the client opens again
//! (WINDOW_UPDATE) only as its application reads. So a slow reader makes
//! `tx.send(..).await` wait, and the producer holds at most the channel's
//! chunks, whatever the file's size. [`Files`] counts what it produced
//! and how often its send had to wait, for the log and the tests.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use clap::Parser;
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::{
    Request, Response, Status, service::interceptor::InterceptedService, transport::Server,
};
use tracing::info;

use crate::{
    TOPIC,
    content::{self, Fnv1a},
    pb::{
        Chunk, DownloadRequest, FILE_DESCRIPTOR_SET,
        chunk::Piece,
        transfer_server::{Transfer, TransferServer},
    },
};

/// The bytes of one chunk: 64 KiB, a common choice (grpc-go's examples
/// and most file services use 16 KiB to 1 MiB): large enough that the
/// 5-byte gRPC prefix and the HTTP/2 frame headers are noise, small
/// enough that memory stays small and progress is fine-grained.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// The places in the channel between the producer and tonic: how far the
/// producer may get ahead of the network, in chunks. 4 × 64 KiB.
pub const CHANNEL_CHUNKS: usize = 4;

/// The largest file a client may ask for: 16 GiB, so a typo is refused.
pub const MAX_SIZE: u64 = 16 << 30;

/// Flags of the flow-control server.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "A topics.Transfer server: a generated file of any size, streamed in chunks from any offset"
)]
pub struct Args {
    /// The flags every server has (--addr, --tls, --token, ...).
    #[command(flatten)]
    pub common: ServerArgs,
}

/// Our `Transfer` service: what its producers did, counted across calls.
#[derive(Debug, Default, Clone)]
pub struct Files {
    /// Bytes the producers handed to their channels.
    pub produced: Arc<AtomicU64>,
    /// How many times a producer found its channel full and waited: the
    /// backpressure, counted.
    pub waits: Arc<AtomicU64>,
}

/// The response stream: the channel's receiving end, as tonic wants it.
type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, Status>> + Send>>;

#[tonic::async_trait]
impl Transfer for Files {
    type DownloadStream = ChunkStream;

    /// Checks the request, then starts a producer and returns at once:
    /// tonic sends the headers and then whatever the channel yields.
    async fn download(
        &self,
        request: Request<DownloadRequest>,
    ) -> Result<Response<Self::DownloadStream>, Status> {
        let DownloadRequest { size, offset } = request.into_inner();
        // Validation before any work, as INVALID_ARGUMENT.
        if size > MAX_SIZE {
            return Err(Status::invalid_argument(format!(
                "size must be at most {MAX_SIZE} bytes, got {size}"
            )));
        }
        if offset > size {
            return Err(Status::invalid_argument(format!(
                "offset {offset} is past the end of a file of {size} bytes"
            )));
        }
        info!("download: {size} bytes from offset {offset}");
        let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
        tokio::spawn(self.clone().produce(size, offset, tx));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

impl Files {
    /// Makes the chunks from `offset` to `size` and sends them, then the
    /// checksum of the whole file. Stops when the client has gone (a send
    /// fails: the stream was dropped).
    async fn produce(self, size: u64, offset: u64, tx: mpsc::Sender<Result<Chunk, Status>>) {
        // A resumed download: the bytes before `offset` went in an earlier
        // call, but the final checksum covers the whole file. They are
        // made again and hashed (not sent), off the async threads.
        let start =
            tokio::task::spawn_blocking(move || content::checksum_of_first(offset, CHUNK_BYTES));
        let Ok(mut hasher) = start.await else { return };
        let (mut at, mut chunks, mut waits) = (offset, 0, 0);
        while at < size {
            let mut data = vec![0; CHUNK_BYTES.min((size - at) as usize)];
            content::fill(at, &mut data);
            hasher.update(&data);
            let len = data.len() as u64;
            let chunk = Chunk {
                offset: at,
                piece: Some(Piece::Data(data)),
            };
            match self.send(&tx, chunk).await {
                Ok(waited) => waits += u64::from(waited),
                Err(()) => {
                    info!("download: the client left at byte {at}");
                    return;
                }
            }
            chunks += 1;
            self.produced.fetch_add(len, Ordering::Relaxed);
            at += len;
        }
        let last = Chunk {
            offset: size,
            piece: Some(Piece::Fnv1a64(hasher.value())),
        };
        if self.send(&tx, last).await.is_ok() {
            info!(
                "download: sent bytes {offset} to {size}, fnv1a64 {:016x}; the send waited for room {waits} times in {chunks} chunks",
                hasher.value(),
            );
        }
    }

    /// Sends one chunk: at once if the channel has room, else counted as a
    /// wait and then waited for. `Ok(true)`: it waited. The `.await` is the backpressure: this
    /// task sleeps until tonic took a chunk out, which it does only when
    /// HTTP/2's window lets it send.
    async fn send(
        &self,
        tx: &mpsc::Sender<Result<Chunk, Status>>,
        chunk: Chunk,
    ) -> Result<bool, ()> {
        match tx.try_send(Ok(chunk)) {
            Ok(()) => Ok(false),
            Err(TrySendError::Full(chunk)) => {
                self.waits.fetch_add(1, Ordering::Relaxed);
                tx.send(chunk).await.map(|()| true).map_err(|_| ())
            }
            Err(TrySendError::Closed(_)) => Err(()),
        }
    }
}

/// The checksum a client should see at the end of a file of `size` bytes.
pub fn checksum(size: u64) -> Fnv1a {
    content::checksum_of_first(size, CHUNK_BYTES)
}

/// Assembles and starts the server with `files`, and returns once it is
/// listening.
pub async fn start(files: Files, args: &Args) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let common = &args.common;
    let mut builder = server::configure(Server::builder(), common, &lifecycle)?;
    // The server's own windows (`initial_stream_window_size`, ...) govern
    // what clients may send it; a download is governed by the *client's*
    // windows, which the client sets (see `client.rs`). tonic's defaults
    // stay here.
    let transfer = InterceptedService::new(TransferServer::new(files), server::token_check(common));
    let router = builder
        .add_routes(lifecycle.health_and_reflection_describing(&[FILE_DESCRIPTOR_SET])?)
        .add_service(transfer);

    let listener = server::bind(TOPIC, common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(common), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, TOPIC, common).await
}
