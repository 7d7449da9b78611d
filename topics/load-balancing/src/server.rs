//! The server: the unary lesson's `say_hello`, which also says who served
//! it, counts its calls, can go NOT_SERVING on purpose, and can recycle its
//! connections (`max_connection_age`).
//!
//! Three of these run side by side (8911, 8912, 8913), so that a client
//! has something to balance over. Each reply carries the server's name in
//! its metadata, `x-served-by`: the one thing a client cannot learn from
//! the address it dialled when a proxy stands in between.
//!
//! The assembly is the unary lesson's, step by step, with two changes:
//!
//! 1. tonic's builder gets `max_connection_age` (and its grace) before the
//!    plumbing sets the rest, when the flags ask for it;
//! 2. the service keeps the lifecycle's health reporter
//!    (`lifecycle.health()`), because this server changes its status while
//!    it runs (`--not-serving-after`), which is the lesson: a balancing
//!    client that watches health stops sending to it. The lifecycle still
//!    says SERVING at start, and NOT_SERVING when the shutdown begins.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_server::{DoStuff, DoStuffServer, SERVICE_NAME},
};
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tonic::{Request, Response, Status, metadata::MetadataValue, transport::Server};
use tonic_health::{ServingStatus, server::HealthReporter};
use tracing::{info, warn};
use unary::server::UnaryService;

use crate::{SERVED_BY, TOPIC};

/// Flags of the load-balancing server.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    about = "A hello.DoStuff server that names itself in each reply (x-served-by), for a client to balance over three of them"
)]
pub struct Args {
    /// The flags every server has (--addr, --delay-ms, --grace-ms, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// The name this server puts in x-served-by [default: the address it listens on]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Close each connection this long after it opened (HTTP/2 GOAWAY, then the calls in flight finish): clients reconnect, through a proxy to another server
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connection_age_ms: Option<u64>,

    /// After --max-connection-age-ms, how long the calls still open may take before the connection is cut [default: no limit]. tonic 0.14.9 then sends no GOAWAY at the age: it cuts at age + grace (README)
    #[arg(long, value_name = "MS", requires = "max_connection_age_ms")]
    pub max_connection_age_grace_ms: Option<u64>,

    /// Report NOT_SERVING through health after the N-th call (the server keeps answering whoever still calls)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub not_serving_after: Option<u64>,
}

/// Our `DoStuff` service: the unary lesson's, plus the name and the count.
#[derive(Debug, Clone)]
pub struct NamedService {
    /// Who we are, as `x-served-by` says it.
    name: String,
    /// The lesson's service, which answers `say_hello` here.
    lesson: UnaryService,
    /// Calls served so far, shared by all clones of the service (tonic
    /// clones it for each connection). An atomic: one number, no lock.
    calls: Arc<AtomicU64>,
    /// Where we say SERVING or NOT_SERVING; health watchers hear at once.
    health: HealthReporter,
    /// `--not-serving-after`.
    not_serving_after: Option<u64>,
}

impl NamedService {
    /// How many calls this server has served.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Says SERVING or NOT_SERVING for `hello.DoStuff` to every health
    /// watcher: what a balancing client decides by.
    pub async fn set_serving(&self, serving: bool) {
        let status = if serving {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        self.health.set_service_status(SERVICE_NAME, status).await;
    }
}

#[tonic::async_trait]
impl DoStuff for NamedService {
    /// The lesson's reply, with `x-served-by: <name>` in its headers.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let mut response = self.lesson.say_hello(request).await?;
        // `fetch_add` returns the count before ours: this call's number is one more.
        let call = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        info!("{}: call {call} served here", self.name);
        if let Ok(name) = MetadataValue::try_from(self.name.as_str()) {
            response.metadata_mut().insert(SERVED_BY, name);
        }
        if self.not_serving_after == Some(call) {
            // Before the reply leaves: the watchers hear it about as soon
            // as this caller hears the reply.
            self.set_serving(false).await;
            warn!(
                "{}: NOT_SERVING now (--not-serving-after {call}); health watchers stop sending calls here",
                self.name
            );
        }
        Ok(response)
    }
}

/// Assembles and starts the server, as the unary lesson's `start` does,
/// step by step; returns it with its service, whose count tests read. The
/// port is bound before the service is made: its default name is the
/// address bound.
pub async fn start(args: &Args) -> Result<(RunningServer, NamedService), StartError> {
    let lifecycle = Lifecycle::new();
    // tonic's own connection age: after it, the connection gets a GOAWAY
    // ("finish what you have, start nothing new here") and closes when its
    // calls are done. With a grace, it is cut when the grace runs out; but
    // tonic 0.14.9 then sends no GOAWAY at the age at all (README).
    let mut builder = Server::builder();
    if let Some(ms) = args.max_connection_age_ms {
        builder = builder.max_connection_age(Duration::from_millis(ms));
    }
    if let Some(ms) = args.max_connection_age_grace_ms {
        builder = builder.max_connection_age_grace(Duration::from_millis(ms));
    }
    let mut builder = server::configure(builder, &args.common, &lifecycle)?;

    let listener = server::bind(TOPIC, &args.common).await?;
    let listening = listener.listening();
    let name = args.name.clone().unwrap_or_else(|| listening.to_string());

    // The reporter behind the health service the lifecycle serves below:
    // what this service says there, health watchers hear at once.
    let health = lifecycle.health();
    let service = NamedService {
        name,
        lesson: UnaryService {
            delay: args.common.delay(),
        },
        calls: Arc::default(),
        health,
        not_serving_after: args.not_serving_after,
    };

    let router = builder
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(service.clone()),
            &args.common,
        ));
    if let Some(ms) = args.max_connection_age_ms {
        info!("each connection is closed {ms} ms after it opened (max_connection_age)");
    }
    let serving = tokio::spawn(
        router
            .serve_with_incoming_shutdown(listener.incoming(&args.common), lifecycle.stop_signal()),
    );
    let running = lifecycle
        .started(serving, listening, TOPIC, &args.common)
        .await?;
    Ok((running, service))
}
