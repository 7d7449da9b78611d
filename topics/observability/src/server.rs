//! The server: `say_hello` and `say_hello_again`, traced and counted by
//! the [`ObserveLayer`] around them, with metrics on `--metrics-addr`.
//!
//! With `--backend HOST:PORT` the server is also a *relay*: its
//! `say_hello` calls the `say_hello` of another server (another of ours,
//! or any gRPC server) and answers with its reply. The outgoing call's
//! client span is a child of the incoming call's server span, which the
//! layer left in the request's extensions: so the backend continues the
//! same trace, and one trace id is seen in all three processes:
//!
//! ```text
//! client ──traceparent──▶ relay (server span → client span) ──traceparent──▶ backend (server span)
//! ```
//!
//! The handlers know nothing of metrics, and of tracing only what a relay
//! must: which trace the call it makes belongs to.

use std::{net::SocketAddr, process::ExitCode};

use clap::Parser;
use hello_proto::pb::{
    HelloReply, HelloRequest,
    do_stuff_client::DoStuffClient,
    do_stuff_server::{DoStuff, DoStuffServer},
};
use opentelemetry::Context;
use opentelemetry_sdk::trace::SdkTracer;
use plumbing::{
    addr::{self, AddrProblem, BadAddr},
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tokio::net::TcpListener;
use tonic::{
    Code, Request, Response, Status,
    server::NamedService as _,
    transport::{Channel, Endpoint, Server},
};
use tracing::error;
use unary::server::UnaryService;

use crate::{
    TOPIC,
    client_side::ClientSpan,
    metrics::Metrics,
    server_side::ObserveLayer,
    telemetry::{Sink, Telemetry},
};

/// Where the metrics are served by default: the port OpenTelemetry's and
/// Prometheus's examples use for an application's `/metrics`.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

/// Flags of the observability server.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "A traced hello.DoStuff server with Prometheus metrics; with --backend, a relay that carries the trace on"
)]
pub struct Args {
    /// The flags every server has (--addr, default 127.0.0.1:8909; --tls, --token, ...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// Serve Prometheus metrics on http://HOST:PORT/metrics
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_METRICS_ADDR, value_parser = parse_addr)]
    pub metrics_addr: String,

    /// Also send the spans to an OpenTelemetry collector over OTLP/gRPC, e.g. http://127.0.0.1:4317
    #[arg(long, value_name = "URL", value_parser = parse_otlp)]
    pub otlp: Option<String>,

    /// Be a relay: answer say_hello by calling say_hello on the server at HOST:PORT
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_addr)]
    pub backend: Option<String>,
}

/// A HOST:PORT flag's value, checked as `--addr`'s is.
fn parse_addr(text: &str) -> Result<String, String> {
    match addr::check(text, false) {
        Ok(_) => Ok(text.to_owned()),
        Err(BadAddr { problem, .. }) => Err(format!("not HOST:PORT: {problem}")),
    }
}

/// `--otlp`'s value: an http:// or https:// URL.
pub fn parse_otlp(text: &str) -> Result<String, String> {
    match text.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => {
            Ok(text.to_owned())
        }
        _ => Err("expected an http:// URL, e.g. http://127.0.0.1:4317".to_owned()),
    }
}

/// Our `DoStuff` service.
#[derive(Debug, Clone)]
pub struct Greeter {
    /// For the spans of the calls a relay makes.
    tracer: SdkTracer,
    /// With `--backend`: the server to relay `say_hello` to, and its address.
    backend: Option<(DoStuffClient<Channel>, String)>,
    /// The unary lesson's service, which answers the calls not relayed,
    /// at once (no delay): the spans show the layers' and the relay's time.
    unary: UnaryService,
}

impl Greeter {
    /// A greeter that relays `say_hello` to `backend`, if any. The channel
    /// is lazy: it connects on the first call, so the servers may start in
    /// any order.
    pub fn new(tracer: SdkTracer, backend: Option<&str>) -> Result<Greeter, StartError> {
        let backend = match backend {
            Some(addr) => {
                let endpoint = Endpoint::from_shared(format!("http://{addr}")).map_err(|_| {
                    StartError::BadAddr(BadAddr {
                        addr: addr.to_owned(),
                        problem: AddrProblem::Other("not a valid address for the backend"),
                    })
                })?;
                Some((DoStuffClient::new(endpoint.connect_lazy()), addr.to_owned()))
            }
            None => None,
        };
        Ok(Greeter {
            tracer,
            backend,
            unary: UnaryService::default(),
        })
    }

    /// Calls the backend's `say_hello` within the trace of `parent` (the
    /// call being handled): a client span, and its `traceparent` on the
    /// outgoing request.
    async fn relay(&self, parent: &Context, pid: i32) -> Result<HelloReply, Status> {
        let Some((backend, addr)) = &self.backend else {
            return Err(Status::internal("no backend to relay to"));
        };
        let span = ClientSpan::start(&self.tracer, parent, "say_hello");
        let mut request = Request::new(HelloRequest { pid });
        span.inject(request.metadata_mut());
        let answer = backend.clone().say_hello(request).await;
        span.end(&answer);
        answer.map(Response::into_inner).map_err(|status| {
            if status.code() != Code::Unavailable {
                return status;
            }
            Status::unavailable(format!(
                "the relay cannot reach its backend at {addr} ({})",
                status.message()
            ))
        })
    }
}

/// A pid must not be negative: a call that fails, for the metrics to count.
fn check(pid: i32) -> Result<(), Status> {
    if pid < 0 {
        return Err(Status::invalid_argument(format!(
            "pid must not be negative, got {pid}"
        )));
    }
    Ok(())
}

#[tonic::async_trait]
impl DoStuff for Greeter {
    /// Answers, or with `--backend`, relays to the backend.
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        // The server span the layer started for this call.
        let parent = request.extensions().get::<Context>().cloned();
        let pid = request.get_ref().pid;
        check(pid)?;
        if self.backend.is_some() {
            let parent = parent.unwrap_or_default();
            return self.relay(&parent, pid).await.map(Response::new);
        }
        // Answered here: by the unary lesson's handler.
        self.unary.say_hello(request).await
    }

    /// Always answers here, by the unary lesson's handler.
    async fn say_hello_again(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        check(request.get_ref().pid)?;
        self.unary.say_hello_again(request).await
    }
}

/// A started server: the gRPC server, and where its metrics are served.
#[derive(Debug)]
pub struct Started {
    /// The gRPC server, serving in the background.
    pub server: RunningServer,
    /// The address of `/metrics` (the port chosen, for `--metrics-addr HOST:0`).
    pub metrics_addr: SocketAddr,
}

/// Assembles and starts the server with the [`ObserveLayer`] around it,
/// and its metrics on `--metrics-addr`; returns once both listen.
pub async fn start(args: &Args, telemetry: &Telemetry) -> Result<Started, StartError> {
    // Counted by name: our service's own methods, as tonic's generated
    // code names the service. Any other path a client sends is "other".
    let metrics = Metrics::new(DoStuffServer::<Greeter>::NAME, TOPIC.methods);
    let metrics_listener = TcpListener::bind(&args.metrics_addr)
        .await
        .map_err(|why| match why.kind() {
            std::io::ErrorKind::AddrInUse => StartError::PortInUse(args.metrics_addr.clone()),
            _ => StartError::CannotListen(args.metrics_addr.clone(), why),
        })?;
    // A connection that sends no request is closed as the gRPC port's are.
    let header_timeout = args.common.handshake_timeout();
    let metrics_addr = (metrics.clone().serve(metrics_listener, header_timeout))
        .map_err(|why| StartError::CannotListen(args.metrics_addr.clone(), why))?;

    let greeter = Greeter::new(telemetry.tracer().clone(), args.backend.as_deref())?;
    let lifecycle = Lifecycle::new();
    let router = server::configure(Server::builder(), &args.common, &lifecycle)?
        .layer(ObserveLayer::new(telemetry.tracer().clone(), metrics))
        .add_routes(lifecycle.health_and_reflection()?)
        .add_service(server::with_token_check_and_limits(
            DoStuffServer::new(greeter),
            &args.common,
        ));
    let listener = server::bind(TOPIC, &args.common).await?;
    let listening = listener.listening();
    let incoming = listener.incoming(&args.common);
    let serving =
        tokio::spawn(router.serve_with_incoming_shutdown(incoming, lifecycle.stop_signal()));
    let server = (lifecycle.started(serving, listening, TOPIC, &args.common)).await?;
    Ok(Started {
        server,
        metrics_addr,
    })
}

/// Runs the server as the `server` binary does, until Ctrl-C: plumbing's
/// `run_until_stopped`, plus one step at the end: the spans still queued
/// for the OTLP collector are sent before the process exits.
pub fn run(args: &Args) -> ExitCode {
    let outcome = server::runtime(TOPIC, &args.common).and_then(|runtime| {
        runtime.block_on(async {
            // The name that starts each span line: which process printed it.
            let process = match args.backend {
                Some(_) => "observability-relay",
                None => "observability-server",
            };
            let telemetry =
                Telemetry::new(process, Sink::Stdout, args.otlp.as_deref()).map_err(|_| {
                    StartError::BadAddr(BadAddr {
                        addr: args.otlp.clone().unwrap_or_default(),
                        problem: AddrProblem::Other("not a URL the OTLP exporter accepts"),
                    })
                })?;
            let started = start(args, &telemetry).await?;
            started
                .server
                .wait_for_termination(args.common.grace())
                .await;
            telemetry.shutdown().await;
            Ok(())
        })
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            error!("{why}");
            ExitCode::FAILURE
        }
    }
}
