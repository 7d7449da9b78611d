//! The client: `get_report` with gzip and without, each call measured on
//! the wire.
//!
//! Compression is switched on the stub, per direction, as on the server:
//! `send_compressed(Gzip)` compresses our requests (and says so in
//! `grpc-encoding`); `accept_compressed(Gzip)` adds gzip to the
//! `grpc-accept-encoding` we send, so the server may compress its reply.
//! Each measured call gets its own connection that counts its bytes
//! ([`crate::wire`]): the difference on the wire is measured, not assumed.
//!
//! A server that does not take gzip answers UNIMPLEMENTED. The plumbing's
//! advice for UNIMPLEMENTED ("it is not a compression server") would be
//! wrong here, so that case is recognised first, by the
//! `grpc-accept-encoding` the refusal carries, as its own error,
//! [`Error::GzipRefused`], with its own advice.

use std::{
    fmt,
    process::ExitCode,
    time::{Duration, Instant},
};

use clap::{Parser, ValueEnum};
use plumbing::{
    cli::{ClientArgs, DEFAULT_MAX_MESSAGE_BYTES},
    client::{self, ClientError, Context},
    code_name,
};
use prost::Message as _;
use tonic::{
    Code, Request, Response, Status, codec::CompressionEncoding, metadata::MetadataMap,
    transport::Endpoint,
};

use crate::{
    TOPIC,
    pb::{Report, ReportRequest, compression_client::CompressionClient},
    wire::{self, ByteCount},
};

/// How long to wait for a TCP connection before failing the call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Flags of the compression client.
#[derive(Parser, Debug, Clone)]
#[command(about = "Calls get_report with and without gzip and shows the bytes on the wire")]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Compress requests and accept compressed replies (gzip), or not (none) [default: both, one after the other, compared]
    #[arg(long, value_name = "HOW")]
    pub compress: Option<Compress>,

    /// How many lines the report has (the server allows 0 to 50000)
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub lines: u32,
}

/// Whether a call is compressed (`--compress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Compress {
    /// gzip both ways: requests compressed, compressed replies accepted.
    Gzip,
    /// No compression either way.
    None,
}

impl fmt::Display for Compress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compress::Gzip => "gzip",
            Compress::None => "none",
        })
    }
}

/// One measured `get_report` call.
#[derive(Debug, Clone)]
pub struct Measured {
    /// How it was compressed.
    pub compress: Compress,
    /// The lines of the report received.
    pub lines: usize,
    /// The reply's size as a protobuf message, before any compression.
    pub message_bytes: usize,
    /// The reply's `grpc-encoding` header: how the server compressed it
    /// ("identity" when the header is absent: not at all).
    pub reply_encoding: String,
    /// Bytes that came from the server during the call, on the wire.
    pub received: u64,
    /// Bytes that went to the server during the call, on the wire.
    pub sent: u64,
    /// From the request's start to the last line decoded.
    pub took: Duration,
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} lines, {} bytes received on the wire ({} bytes of message, reply grpc-encoding: {}), {} bytes sent, {:.1} ms",
            self.compress,
            self.lines,
            grouped(self.received),
            grouped(self.message_bytes as u64),
            self.reply_encoding,
            grouped(self.sent),
            self.took.as_secs_f64() * 1000.0
        )
    }
}

/// Why the client stopped.
#[derive(Debug)]
pub enum Error {
    /// The server does not take gzip-compressed requests: it answered
    /// UNIMPLEMENTED, with the encodings it does take.
    GzipRefused {
        /// Its `grpc-accept-encoding`, e.g. `identity`.
        accepts: String,
        /// The status it answered with.
        status: Status,
    },
    /// Anything else, which the plumbing explains as for every client.
    Client(ClientError),
}

impl From<ClientError> for Error {
    fn from(error: ClientError) -> Self {
        Error::Client(error)
    }
}

/// Calls `get_report` as `--compress` says (default: without, then with
/// gzip, and compares the two), printing one line per call.
pub async fn run(args: &Args) -> Result<(), Error> {
    let modes = match args.compress {
        Some(compress) => vec![compress],
        None => vec![Compress::None, Compress::Gzip],
    };
    let mut calls = Vec::new();
    for compress in modes {
        let measured = get_report(&args.common, compress, args.lines).await?;
        println!("{measured}");
        calls.push(measured);
    }
    if let [plain, gzip] = calls.as_slice() {
        println!("{}", compare(plain, gzip));
    }
    Ok(())
}

/// One line that compares a call without compression and one with.
pub fn compare(plain: &Measured, gzip: &Measured) -> String {
    let factor = plain.received as f64 / gzip.received.max(1) as f64;
    format!(
        "gzip: {factor:.1} times fewer bytes received ({} instead of {}); the call took {:.1} ms instead of {:.1} ms",
        grouped(gzip.received),
        grouped(plain.received),
        gzip.took.as_secs_f64() * 1000.0,
        plain.took.as_secs_f64() * 1000.0
    )
}

/// Calls `get_report` for `lines` lines, compressed as `compress` says, on
/// a connection of its own, and measures the call.
pub async fn get_report(
    args: &ClientArgs,
    compress: Compress,
    lines: u32,
) -> Result<Measured, Error> {
    let count = ByteCount::default();
    let channel = wire::counted_channel(&endpoint(args)?, &count);
    let mut stub = CompressionClient::with_interceptor(channel, client::attach_token(args)?)
        .max_decoding_message_size(DEFAULT_MAX_MESSAGE_BYTES);
    if compress == Compress::Gzip {
        stub = stub
            .send_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Gzip);
    }
    let pid = args.pid();
    let timeout = args.timeout();
    let mut call = async |lines| {
        let mut request = Request::new(ReportRequest { pid, lines });
        if let Some(timeout) = timeout {
            request.set_timeout(timeout);
        }
        (stub.get_report(request).await)
            .map_err(client::deadline_named)
            .map_err(|status| refused_gzip_or_other(status, compress))
    };

    // First an empty report: it opens the connection (TCP, the HTTP/2
    // preface and settings), so that what we measure next is the call
    // alone, its bytes and its time.
    call(0).await?;
    let (received, sent) = (count.received(), count.sent());
    let started = Instant::now();
    let response: Response<Report> = call(lines).await?;
    let took = started.elapsed();

    let reply_encoding = header(response.metadata(), "grpc-encoding").unwrap_or("identity");
    let reply_encoding = reply_encoding.to_owned();
    let report = response.into_inner();
    Ok(Measured {
        compress,
        lines: report.lines.len(),
        message_bytes: report.encoded_len(),
        reply_encoding,
        received: count.received() - received,
        sent: count.sent() - sent,
        took,
    })
}

/// The endpoint of the one server this client measures: `--addr`, over TLS
/// with `--tls` (the bytes counted are then TLS records).
fn endpoint(args: &ClientArgs) -> Result<Endpoint, ClientError> {
    let one_server = "this client measures one connection to one server";
    if args.registry().is_some() {
        return Err(ClientError::Flag(format!(
            "--registry: {one_server}; name it with --addr"
        )));
    }
    let addrs = args.addrs(TOPIC);
    let [addr] = addrs.as_slice() else {
        return Err(ClientError::Flag(format!(
            "--addr: {one_server}; give one address"
        )));
    };
    plumbing::addr::check(addr, false).map_err(|bad| ClientError::Flag(bad.to_string()))?;
    let scheme = if args.speaks_tls() { "https" } else { "http" };
    let endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
        .map_err(|e| ClientError::Flag(format!("--addr {addr} is not HOST:PORT ({e})")))?
        .connect_timeout(CONNECT_TIMEOUT);
    if !args.speaks_tls() {
        return Ok(endpoint);
    }
    let tls = plumbing::tls::client_config(&args.ca(), args.ca.is_some(), args.mtls)
        .map_err(ClientError::File)?;
    endpoint
        .tls_config(tls)
        .map_err(|e| ClientError::File(format!("TLS setup failed: {e}")))
}

/// Names a failed call's case before any advice is given: UNIMPLEMENTED
/// with a `grpc-accept-encoding` that lacks gzip, in answer to a gzip
/// request, is a refusal of compression; a server that does not serve
/// `get_report` at all sends no such header, and is another case.
fn refused_gzip_or_other(status: Status, compress: Compress) -> Error {
    let accepts = header(status.metadata(), "grpc-accept-encoding").map(str::to_owned);
    match accepts {
        Some(accepts)
            if status.code() == Code::Unimplemented
                && compress == Compress::Gzip
                && !accepts.split(',').any(|encoding| encoding.trim() == "gzip") =>
        {
            Error::GzipRefused { accepts, status }
        }
        _ => Error::Client(ClientError::Call(status)),
    }
}

/// The value of the header `name`, if present and readable.
fn header<'a>(metadata: &'a MetadataMap, name: &str) -> Option<&'a str> {
    metadata.get(name).and_then(|value| value.to_str().ok())
}

/// The two lines this topic words itself, in English and Portuguese.
pub mod words {
    lang::texts! {
        GZIP_REFUSED:
            "the server at {addr} does not accept gzip-compressed requests ({code}: {message}; it accepts: {accepts}); call it with --compress none, or start it without --no-compression"
            "o servidor em {addr} não aceita pedidos comprimidos com gzip ({code}: {message}; ele aceita: {accepts}); chame-o com --compress none, ou inicie-o sem --no-compression";
        CHANGE_LINES:
            "the server refused the request ({code}: {message}); change --lines"
            "o servidor recusou o pedido ({code}: {message}); mude --lines";
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn both_languages_take_the_same_placeholders() {
            let wrong = lang::problems(super::ALL, &[]);
            assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        }
    }
}

/// One line that says what went wrong and what to do, in the student's
/// language (the workspace's one setting; see the `lang` crate).
pub fn explain(error: &Error, context: &Context<'_>) -> String {
    match error {
        Error::GzipRefused { accepts, status } => words::GZIP_REFUSED.with(&[
            ("addr", &context.args.addrs(context.program).join(", ")),
            ("code", &code_name(status.code())),
            ("message", &status.message()),
            ("accepts", accepts),
        ]),
        // The plumbing's advice for INVALID_ARGUMENT knows the lesson
        // crates' flags, not ours: name `--lines` here.
        Error::Client(ClientError::Call(status))
            if status.code() == Code::InvalidArgument && status.message().starts_with("lines ") =>
        {
            words::CHANGE_LINES.with(&[
                ("code", &code_name(status.code())),
                ("message", &status.message()),
            ])
        }
        Error::Client(error) => client::explain(error, context),
    }
}

/// Ends the client: exit code 0, or one line on stderr and exit code 1.
pub fn report(outcome: Result<(), Error>, context: &Context<'_>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let line = explain(&error, context);
            eprintln!("{}", plumbing::words::ERROR.with(&[("line", &line)]));
            ExitCode::FAILURE
        }
    }
}

/// `1234567` → `1,234,567`: big byte counts, readable.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
