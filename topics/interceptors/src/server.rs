//! The server: a `DoStuff` service for all four call kinds, with two
//! layers around it, one that logs every call ([`CallLogLayer`]) and one
//! that checks tokens in an async store ([`TokenCheckLayer`]).
//!
//! The handlers below know nothing of either: that is the point. Logging
//! and authentication are written once, around all the calls.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest, HelloStreamRequest, ReplyStream,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tokio_stream::StreamExt as _;
use tonic::{Request, Response, Status, Streaming, transport::Server};
use tracing::info;

use crate::{
    TOPIC,
    call_log::CallLogLayer,
    token_check::{Caller, TokenCheckLayer, TokenStore},
};

/// The most replies one `say_hello_stream` call may ask for.
pub const MAX_COUNT: u32 = 1000;

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

/// Our `DoStuff` service: one method of each kind, and a count of the
/// handlers that ran (tests use it to prove a refused call never got here).
#[derive(Debug, Default, Clone)]
pub struct EveryKind {
    /// How many handlers have started.
    pub handled: Arc<AtomicUsize>,
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
    /// Unary: one request, one reply.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        self.arrived("say_hello", &request);
        let pid = request.into_inner().pid;
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pid}!"),
        }))
    }

    /// Server streaming: `count` replies to one request.
    async fn say_hello_stream(
        &self,
        request: Request<HelloStreamRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        self.arrived("say_hello_stream", &request);
        let HelloStreamRequest { pid, count, .. } = request.into_inner();
        if count > MAX_COUNT {
            return Err(Status::invalid_argument(format!(
                "count must be at most {MAX_COUNT}, got {count}"
            )));
        }
        let replies = (1..=count).map(move |i| {
            Ok(HelloReply {
                retval: format!("Hello #{i}, {pid}!"),
            })
        });
        Ok(Response::new(Box::pin(tokio_stream::iter(replies))))
    }

    /// Client streaming: many requests, one reply once the client is done.
    async fn say_hello_many(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<HelloReply>, Status> {
        self.arrived("say_hello_many", &request);
        let mut requests = request.into_inner();
        let (mut pids, mut sum) = (0, 0_i64);
        while let Some(request) = requests.next().await {
            pids += 1;
            sum += i64::from(request?.pid);
        }
        Ok(Response::new(HelloReply {
            retval: format!("Hello, {pids} pids (sum {sum})!"),
        }))
    }

    /// Bidirectional streaming: one reply to each request, as it arrives.
    async fn say_hello_chat(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<ReplyStream>, Status> {
        self.arrived("say_hello_chat", &request);
        let replies = request.into_inner().map(|request| {
            request.map(|HelloRequest { pid }| HelloReply {
                retval: format!("Hello, {pid}!"),
            })
        });
        Ok(Response::new(Box::pin(replies)))
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
