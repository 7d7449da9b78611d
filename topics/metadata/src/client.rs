//! The metadata client: the note's client, with metadata both ways.
//!
//! Python passes metadata as `stub.say_hello.with_call(request,
//! metadata=(('x-request-id', 'py-1'), ...))` and reads the answer's with
//! `call.initial_metadata()` (headers) and `call.trailing_metadata()`. In
//! tonic the request's metadata is `request.metadata_mut()`; the answer's:
//!
//! - **unary**: `response.metadata()`. tonic's unary client reads the
//!   trailers too and *merges* them into that one map (its `client::Grpc::unary`
//!   calls `parts.merge(trailers)`), so headers and trailers cannot be told
//!   apart by where they are. We tell them apart by the keys our server
//!   sends in each ([`HEADER_KEYS`], [`TRAILER_KEYS`]).
//! - **server streaming**: `response.metadata()` holds the headers alone,
//!   and it is there as soon as the call is answered, before the first
//!   message. The trailers come after the last message, from
//!   `Streaming::trailers()`.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest, HelloStreamRequest, do_stuff_client::DoStuffClient,
};
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::{Request, Response, Status, metadata::MetadataMap};

use crate::{
    CLIENT_BIN_LEN, ELAPSED_US, REQUEST_ID, TOPIC,
    outgoing::{Outgoing, fresh_request_id, parse_hex},
};

/// The keys our server sends in its headers.
pub const HEADER_KEYS: [&str; 1] = [REQUEST_ID];
/// The keys our server sends in its trailers.
pub const TRAILER_KEYS: [&str; 2] = [ELAPSED_US, CLIENT_BIN_LEN];

/// Flags of the metadata client.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Sends metadata to the metadata server and prints the headers and trailers it answers with"
)]
pub struct Args {
    /// The flags every client has: --addr, --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// The x-request-id to send, printable ASCII [default: a fresh one, rust-<pid>-<time>]
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,

    /// The bytes to send as x-client-bin, in hex: bytes that are not text, which is why -bin keys exist
    #[arg(long, value_name = "HEX", default_value = "cafe00ff")]
    pub client_bin: String,

    /// Also make a say_hello_stream call of N replies, to watch its headers come before them and its trailers after
    #[arg(long, value_name = "N")]
    pub stream: Option<u32>,

    /// With --stream: the pause between replies
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub interval_ms: u32,

    /// More metadata to send, KEY=VALUE (repeat it): lowercase keys of 0-9 a-z _ . -, printable ASCII values; a KEY ending in -bin takes hex bytes
    #[arg(long = "header", value_name = "KEY=VALUE")]
    pub headers: Vec<String>,
}

impl Default for Args {
    /// The defaults of the flags, as `--help` shows them.
    fn default() -> Self {
        Self {
            common: ClientArgs::default(),
            request_id: None,
            client_bin: "cafe00ff".to_owned(),
            stream: None,
            interval_ms: 300,
            headers: Vec::new(),
        }
    }
}

/// The metadata the flags ask for, checked: a bad one is a
/// [`ClientError::Flag`] naming the rule it breaks, before any call.
pub fn outgoing(args: &Args) -> Result<Outgoing, ClientError> {
    let request_id = args.request_id.clone().unwrap_or_else(fresh_request_id);
    let client_bin = parse_hex(&args.client_bin)
        .map_err(|why| ClientError::Flag(format!("--client-bin: {why}")))?;
    Outgoing::new(&request_id, &client_bin, &args.headers).map_err(ClientError::Flag)
}

/// The note's `insecure_channel` and `DoStuffStub`, to this topic's server.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(TOPIC, args).await?;
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Runs the client as the `client` binary does, printing what it sends and
/// what comes back, as it arrives.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    // Check the metadata first: a bad --header must not cost a connection.
    let outgoing = outgoing(args)?;
    println!("sending metadata:");
    for line in outgoing.lines() {
        println!("  {line}");
    }
    let mut stub = connect(&args.common).await?;
    let (pid, timeout) = (args.common.pid(), args.common.timeout());

    let response = say_hello(&mut stub, pid, timeout, &outgoing).await?;
    println!("GRPC client received: {}", response.get_ref().retval);
    // One map for both (see the module doc): we split it by key.
    let metadata = response.metadata();
    println!("say_hello headers:  {}", show(metadata, &HEADER_KEYS));
    println!("say_hello trailers: {}", show(metadata, &TRAILER_KEYS));

    if let Some(count) = args.stream {
        let ask = HelloStreamRequest {
            pid,
            count,
            interval_ms: args.interval_ms,
        };
        say_hello_stream(&mut stub, ask, timeout, &outgoing, print_event).await?;
    }
    Ok(())
}

/// Prints what a stream delivered, as it arrives.
fn print_event(event: StreamEvent) {
    match event {
        StreamEvent::Headers(headers) => println!(
            "say_hello_stream headers (before any message): {}",
            show(&headers, &HEADER_KEYS)
        ),
        StreamEvent::Message(reply) => println!("GRPC client received: {reply}"),
        StreamEvent::Trailers(trailers) => println!(
            "say_hello_stream trailers (after the last message): {}",
            show(&trailers, &TRAILER_KEYS)
        ),
    }
}

/// Calls `say_hello` with `outgoing`'s metadata; the response's metadata
/// holds the server's headers *and* trailers.
pub async fn say_hello(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
    outgoing: &Outgoing,
) -> Result<Response<HelloReply>, Status> {
    let mut request = Request::new(HelloRequest { pid });
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    outgoing.add_to(&mut request);
    (stub.say_hello(request).await).map_err(client::deadline_named)
}

/// What a server-streaming call delivers, in the order it arrives.
#[derive(Debug, Clone)]
pub enum StreamEvent {
    /// The server's headers: the call is answered, no message yet.
    Headers(MetadataMap),
    /// One reply's text.
    Message(String),
    /// The server's trailers, after the last message.
    Trailers(MetadataMap),
}

/// Calls `say_hello_stream` with `outgoing`'s metadata, handing `on_event`
/// the headers, each message, then the trailers, as each arrives.
pub async fn say_hello_stream(
    stub: &mut Stub,
    ask: HelloStreamRequest,
    timeout: Option<Duration>,
    outgoing: &Outgoing,
    mut on_event: impl FnMut(StreamEvent),
) -> Result<(), Status> {
    let mut request = Request::new(ask);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    outgoing.add_to(&mut request);
    // The deadline covers the whole stream, to its trailers.
    client::within_deadline(timeout, async {
        // This returns when the server's headers arrive: the server has
        // answered, and the messages will follow.
        let response = stub.say_hello_stream(request).await?;
        on_event(StreamEvent::Headers(response.metadata().clone()));
        let mut replies = response.into_inner();
        while let Some(reply) = replies.message().await? {
            on_event(StreamEvent::Message(reply.retval));
        }
        // After the last message: the trailers (`grpc-status` among them,
        // which tonic has already checked; an error would have come above).
        let trailers = replies.trailers().await?.unwrap_or_default();
        on_event(StreamEvent::Trailers(trailers));
        Ok(())
    })
    .await
}

/// `key: value, ...` for each of `keys` present in `metadata` (text keys).
pub fn show(metadata: &MetadataMap, keys: &[&str]) -> String {
    let shown: Vec<String> = keys
        .iter()
        .filter_map(|key| {
            let value = metadata.get(*key)?;
            Some(format!("{key}: {}", value.to_str().unwrap_or("(not text)")))
        })
        .collect();
    if shown.is_empty() {
        "(none of ours)".to_owned()
    } else {
        shown.join(", ")
    }
}
