//! The relay: a server built from v1.proto that passes each call on to a
//! server of either version, as a proxy, a gateway or an older service in
//! the middle of a chain does. It is upgraded last, or never.
//!
//! A v2 client calls it; the v2 server behind it answers with `language`
//! (field 5), which v1.proto does not have. Does `language` reach the
//! client? It depends on what the relay does with the reply:
//!
//! - [`NaiveRelay`] (`--naive`) is what the generated code invites: its
//!   handler takes a `v1::Greeting` from the server's stub and returns it.
//!   In between, the reply was *decoded* into v1's struct and *encoded*
//!   again from it; prost (unlike protobuf for Go, C++, Java or Python)
//!   keeps no unknown fields, so field 5 was dropped at the decoding and
//!   the client gets `language ""`. (The mood 3 survives: prost keeps an
//!   unknown enum value, as an `i32`.)
//! - [`ByteRelay`] (the default) never re-encodes: its messages are the
//!   `bytes::Bytes` they arrived as, through [`RawCodec`], a codec that
//!   passes them through. Every field reaches the client, known to v1 or
//!   not. The relay may still read what it needs, by decoding a *copy* as
//!   v1 (it logs the text), as long as it passes on the original bytes.
//!
//! (Neither passes its caller's deadline on to the server behind: that is
//! the propagation topic's lesson, left out here to keep to this one.)

use bytes::{Buf, BufMut, Bytes};
use clap::Parser;
use plumbing::{
    addr::{self, AddrProblem, BadAddr},
    cli::ServerArgs,
    client::failed_to_connect,
    server::{self, Lifecycle, RunningServer, StartError},
};
use prost::Message;
use tonic::{
    Request, Response, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint, Server},
};
use tracing::{info, warn};

use crate::{
    RELAY, TOPIC,
    pb::{raw, v1},
};

/// Flags of the relay.
#[derive(Parser, Debug, Clone)]
#[command(about = "A relay built from v1.proto: passes upgrade.Greeter calls on to a server")]
pub struct Args {
    /// The flags every server has (--addr, default 127.0.0.1:8916; --token, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// The server to pass calls on to, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = TOPIC.default_addr, value_parser = parse_to)]
    pub to: String,

    /// Decode each message as v1 and encode it again (and lose what v1 does not know)
    #[arg(long)]
    pub naive: bool,
}

/// `--to`'s value, checked as `--addr`'s are.
fn parse_to(text: &str) -> Result<String, String> {
    match addr::check(text, false) {
        Ok(_) => Ok(text.to_owned()),
        Err(BadAddr { problem, .. }) => Err(format!("not HOST:PORT: {problem}")),
    }
}

/// A codec that neither decodes nor encodes: a message is the bytes of its
/// protobuf encoding, passed through as they are. (tonic's frames, the
/// 5-byte prefix of each message, are tonic's business, not the codec's.)
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    /// The message's bytes go out as they are.
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    /// tonic hands the decoder exactly one message's bytes: keep them all.
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// The relay that passes messages on as bytes, and loses nothing.
#[derive(Debug, Clone)]
pub struct ByteRelay {
    /// The stub of the server behind, over bytes.
    server: raw::greeter_client::GreeterClient<Channel>,
    /// Its address, for the advice when it cannot be reached.
    to: String,
}

#[tonic::async_trait]
impl raw::greeter_server::Greeter for ByteRelay {
    async fn greet(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Status> {
        let mut server = self.server.clone();
        let reply = (server.greet(Request::new(request.into_inner())).await)
            .map_err(|status| cannot_reach(status, &self.to))?
            .into_inner();
        // What v1 reads of it, from a copy: cloning `Bytes` copies no
        // bytes, and decoding the copy leaves the original as it came.
        match v1::Greeting::decode(reply.clone()) {
            Ok(greeting) => info!(
                "relayed {:?} from {}: its {} bytes passed on as they came (v1 would re-encode {})",
                greeting.text,
                greeting.version,
                reply.len(),
                greeting.encoded_len()
            ),
            Err(e) => warn!("relayed a reply that v1 cannot read ({e}), as it came"),
        }
        Ok(Response::new(reply))
    }
}

/// The relay that decodes each message as v1 and encodes it again: what
/// v1 does not know is lost on the way.
#[derive(Debug, Clone)]
pub struct NaiveRelay {
    /// The stub of the server behind, as v1.proto makes it.
    server: v1::greeter_client::GreeterClient<Channel>,
    /// Its address, for the advice when it cannot be reached.
    to: String,
}

#[tonic::async_trait]
impl v1::greeter_server::Greeter for NaiveRelay {
    async fn greet(
        &self,
        request: Request<v1::GreetRequest>,
    ) -> Result<Response<v1::Greeting>, Status> {
        let mut server = self.server.clone();
        let reply = (server.greet(Request::new(request.into_inner())).await)
            .map_err(|status| cannot_reach(status, &self.to))?
            .into_inner();
        info!(
            "relayed {:?} from {}: decoded as v1 and encoded again ({} bytes)",
            reply.text,
            reply.version,
            reply.encoded_len()
        );
        Ok(Response::new(reply))
    }
}

/// A failure of the call to the server behind, as the relay answers it: a
/// server that cannot be reached is named, with the command that starts it.
fn cannot_reach(status: Status, to: &str) -> Status {
    if !failed_to_connect(&status) {
        return status;
    }
    Status::unavailable(format!(
        "the relay cannot reach its server at {to} ({}); start it with: {} -- --version v2",
        status.message(),
        TOPIC.server_command()
    ))
}

/// Assembles and starts the relay, either kind as `--naive` says; returns
/// once it is listening (on 127.0.0.1:8916 by default).
pub async fn start(args: &Args) -> Result<RunningServer, StartError> {
    // A lazy channel to the server behind: it connects on the first call,
    // so the relay and the server may start in any order.
    let endpoint = Endpoint::from_shared(format!("http://{}", args.to)).map_err(|_| {
        StartError::BadAddr(BadAddr {
            addr: args.to.clone(),
            problem: AddrProblem::Other("not a valid address for the server behind the relay"),
        })
    })?;
    let channel = plumbing::client::dial_settings(endpoint).connect_lazy();
    let to = args.to.clone();

    let common = &args.common;
    let lifecycle = Lifecycle::new();
    let routes = server::configure(Server::builder(), common, &lifecycle)?
        .add_routes(lifecycle.health_and_reflection_describing(&[v1::FILE_DESCRIPTOR_SET])?);
    let limit = common.max_message_bytes;
    let router = if args.naive {
        let server = v1::greeter_client::GreeterClient::new(channel);
        let relay = v1::greeter_server::GreeterServer::new(NaiveRelay { server, to })
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
        routes.add_service(InterceptedService::new(relay, server::token_check(common)))
    } else {
        let server = raw::greeter_client::GreeterClient::new(channel);
        let relay = raw::greeter_server::GreeterServer::new(ByteRelay { server, to })
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
        routes.add_service(InterceptedService::new(relay, server::token_check(common)))
    };
    let listener = server::bind(RELAY, common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(common), lifecycle.stop_signal()),
    );
    lifecycle.started(serving, listening, RELAY, common).await
}
