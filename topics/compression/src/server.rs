//! The server: `topics.Compression/get_report`, a long report of almost
//! identical lines, and the server assembled around it, with gzip turned on
//! both ways (or, with `--no-compression`, off).
//!
//! Compression is not the handler's business: it builds a `Report`, and
//! tonic's generated `CompressionServer` compresses it on the way out when
//! it was told it may ([`start`]) and the client said it can read gzip.

use clap::Parser;
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tonic::{
    Request, Response, Status, codec::CompressionEncoding, metadata::MetadataMap,
    service::interceptor::InterceptedService, transport::Server,
};
use tracing::info;

use crate::{
    TOPIC,
    pb::{
        FILE_DESCRIPTOR_SET, Report, ReportRequest,
        compression_server::{Compression, CompressionServer},
    },
};

/// The most lines one report may have. The largest report (about 3.3 MB)
/// then stays under the default 4 MiB message limit uncompressed, so that
/// `--compress none` works for every size that gzip does.
pub const MAX_LINES: u32 = 50_000;

/// Flags of the compression server.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "A topics.Compression server: a long, repetitive report, gzip-compressed for clients that accept it"
)]
pub struct Args {
    /// The flags every server has (--addr, --tls, --token, --max-message-bytes, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// Accept no compressed request and compress no reply: a gzip request gets UNIMPLEMENTED
    #[arg(long)]
    pub no_compression: bool,
}

/// Our `Compression` service. It holds nothing: each report is made anew.
#[derive(Debug, Default, Clone)]
pub struct Reports;

#[tonic::async_trait]
impl Compression for Reports {
    /// A report of `lines` lines. By the time we run, tonic has already
    /// decompressed the request, if it came compressed.
    async fn get_report(
        &self,
        request: Request<ReportRequest>,
    ) -> Result<Response<Report>, Status> {
        // The headers that negotiate compression are ordinary metadata:
        // what the request was compressed with, and what the client reads.
        let (encoding, accepts) = negotiation(request.metadata());
        let &ReportRequest { pid, lines } = request.get_ref();
        info!(
            "get_report: {lines} lines for pid {pid}; grpc-encoding: {encoding}, grpc-accept-encoding: {accepts}"
        );
        if lines > MAX_LINES {
            return Err(Status::invalid_argument(format!(
                "lines must be at most {MAX_LINES}, got {lines}"
            )));
        }
        Ok(Response::new(report(pid, lines)))
    }
}

/// The request's `grpc-encoding` and `grpc-accept-encoding`, for the log
/// ("(none)" when absent: no compression).
fn negotiation(metadata: &MetadataMap) -> (&str, &str) {
    let header = |name| {
        metadata
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("(none)")
    };
    (header("grpc-encoding"), header("grpc-accept-encoding"))
}

/// A report of `lines` lines that differ only in their number: as
/// repetitive as a log, and as compressible.
pub fn report(pid: i32, lines: u32) -> Report {
    let lines = (1..=lines)
        .map(|n| format!("{n:>6} pid {pid}: all quiet on the server, nothing to report"))
        .collect();
    Report { lines }
}

/// Assembles and starts the server, and returns once it is listening.
pub async fn start(args: &Args) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();
    let common = &args.common;
    let mut builder = server::configure(Server::builder(), common, &lifecycle)?;

    // The generated server, with the message limits every server of ours
    // has (`--max-message-bytes`). A compressed message is checked twice:
    // its bytes as they arrive, and again as it is decompressed, so that a
    // small message that inflates to gigabytes (a "zip bomb") is stopped.
    let mut reports = CompressionServer::new(Reports)
        .max_decoding_message_size(common.max_message_bytes)
        .max_encoding_message_size(common.max_message_bytes);

    // The two halves of compression are separate switches:
    // - `accept_compressed`: decompress requests that come with
    //   `grpc-encoding: gzip`, and say so in `grpc-accept-encoding`;
    // - `send_compressed`: compress replies with gzip, but only for a
    //   client whose `grpc-accept-encoding` lists gzip; others get them
    //   uncompressed. A server never sends what its client cannot read.
    // Without `accept_compressed`, tonic answers a gzip request with
    // UNIMPLEMENTED and `grpc-accept-encoding: identity`, before our handler.
    if args.no_compression {
        info!("--no-compression: gzip requests get UNIMPLEMENTED, replies are never compressed");
    } else {
        reports = reports
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip);
    }

    // `--token`: the check the lesson crates' servers have, as an interceptor.
    let reports = InterceptedService::new(reports, server::token_check(common));

    // Health and reflection as every server of ours has them, reflection
    // also describing topics.Compression (from hello-proto's `topics`), so that grpcurl
    // calls get_report with no `-proto proto/topics.proto`.
    let router = builder
        .add_routes(lifecycle.health_and_reflection_describing(&[FILE_DESCRIPTOR_SET])?)
        .add_service(reports);

    let listener = server::bind(TOPIC, common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(common), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, TOPIC, common).await
}
