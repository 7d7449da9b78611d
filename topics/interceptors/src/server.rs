//! The server: a `DoStuff` service for all four call kinds, with two
//! layers around it, one that logs every call ([`CallLogLayer`]) and one
//! that checks tokens in an async store ([`TokenCheckLayer`]).
//!
//! The handlers below know nothing of either: that is the point. Logging
//! and authentication are written once, around all the calls. Each handler
//! counts the call, then hands it to the lesson crate that teaches its kind.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use bidi_streaming::server::BidiStreamingService;
use clap::Parser;
use client_streaming::server::ClientStreamingService;
use hello_proto::pb::{
    HelloReply, HelloRequest, HelloStreamRequest, ReplyStream,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use server_streaming::server::ServerStreamingService;
use tonic::{Request, Response, Status, Streaming, transport::Server};
use tracing::info;
use unary::server::UnaryService;

use crate::{
    TOPIC,
    call_log::CallLogLayer,
    token_check::{Caller, TokenCheckLayer, TokenStore},
};

/// Flags of the interceptors server.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "A hello.DoStuff server for all four call kinds, with a call log and an async token check"
)]
pub struct Args {
    /// The flags every server has (--addr, --tls, --token for the plain interceptor, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// A user of the token store, NAME=TOKEN (repeat it); with any, every hello.DoStuff call needs a known token
    #[arg(long = "user", value_name = "NAME=TOKEN", value_parser = parse_user)]
    pub users: Vec<(String, String)>,

    /// How long the stand-in token store takes to answer, like a network round trip
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pub store_delay_ms: u64,
}

/// `alice=secret` → `("alice", "secret")`.
fn parse_user(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, token)) if !name.is_empty() && !token.is_empty() => {
            Ok((name.to_owned(), token.to_owned()))
        }
        _ => Err(format!(
            "expected NAME=TOKEN, e.g. alice=secret, got {text:?}"
        )),
    }
}

/// Our `DoStuff` service: one method of each kind, each answered by the
/// lesson crate that teaches it, and a count of the handlers that ran
/// (tests use it to prove a refused call never got here).
#[derive(Debug, Default, Clone)]
pub struct EveryKind {
    /// How many handlers have started.
    pub handled: Arc<AtomicUsize>,
    /// The lessons' services, which answer each call once it is counted.
    /// With no `--delay-ms`: this topic is about the layers, not the work.
    unary: UnaryService,
    /// `say_hello_stream`, with its limits.
    server_streaming: ServerStreamingService,
    /// `say_hello_many`.
    client_streaming: ClientStreamingService,
    /// `say_hello_chat`.
    bidi_streaming: BidiStreamingService,
}

impl EveryKind {
    /// Counts a handler that starts, and says who called, if the token
    /// check put a [`Caller`] in the request's extensions.
    fn arrived<T>(&self, method: &str, request: &Request<T>) {
        self.handled.fetch_add(1, Ordering::Relaxed);
        match request.extensions().get::<Caller>() {
            Some(Caller(user)) => info!("{method}: called by {user}"),
            None => info!("{method}: called"),
        }
    }
}

#[tonic::async_trait]
impl DoStuff for EveryKind {
    /// Unary: one request, one reply (unary/src/server.rs).
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        self.arrived("say_hello", &request);
        self.unary.say_hello(request).await
    }

    /// Server streaming: `count` replies to one request
    /// (server-streaming/src/server.rs).
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        self.arrived("say_hello_stream", &request);
        self.server_streaming.say_hello_stream(request).await
    }

    /// Client streaming: many requests, one reply once the client is done
    /// (client-streaming/src/server.rs).
    async fn say_hello_many(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<HelloReply>, Status> {
        self.arrived("say_hello_many", &request);
        self.client_streaming.say_hello_many(request).await
    }

    /// Bidirectional streaming: one reply to each request, as it arrives
    /// (bidi-streaming/src/server.rs).
    async fn say_hello_chat(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<ReplyStream>, Status> {
        self.arrived("say_hello_chat", &request);
        self.bidi_streaming.say_hello_chat(request).await
    }
}

/// Assembles and starts the server, the layers first, and returns once it
/// is listening.
pub async fn start(service: EveryKind, args: &Args) -> Result<RunningServer, StartError> {
    let lifecycle = Lifecycle::new();

    // The stand-in store, if any `--user` was given.
    let store = (!args.users.is_empty()).then(|| {
        info!(
            "calls to hello.DoStuff need the token of a --user (the store answers in {} ms)",
            args.store_delay_ms
        );
        TokenStore::new(
            args.users.clone(),
            Duration::from_millis(args.store_delay_ms),
        )
    });

    // Layers wrap the whole server, every service in it, and the first one
    // added is the outermost: a call meets the plumbing's own layer
    // (deadlines, shutdown), then the call log, then the token check, and
    // only then the router and a handler. So the log also sees the calls
    // the token check refuses, and their status.
    let mut builder = server::configure(Server::builder(), &args.common, &lifecycle)?
        .layer(CallLogLayer)
        .layer(TokenCheckLayer::new(store));

    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service),
            &args.common,
        ));
    let listener = server::bind(TOPIC, &args.common).await?;
    let listening = listener.listening();
    let serving = tokio::spawn(
        router
            .serve_with_incoming_shutdown(listener.incoming(&args.common), lifecycle.stop_signal()),
    );
    lifecycle
        .started(serving, listening, TOPIC, &args.common)
        .await
}
