//! The pieces each lesson's server is assembled from, named by what they do.
//!
//! The note's `serve()` takes four steps, and each lesson crate's
//! `server::start` takes them in its own file, in this order:
//!
//! 1. `grpc.server(futures.ThreadPoolExecutor(max_workers=10))`: the pool
//!    is the tokio [`runtime`] the `server` binary builds; the server is
//!    tonic's `Server::builder()`, [`configure`]d with the limits,
//!    keepalive and TLS that the flags ask for;
//! 2. `add_DoStuffServicer_to_server(DoStuff(), server)`:
//!    `.add_service(DoStuffServer::new(...))`, behind the token check and
//!    the message-size limits ([`with_token_check_and_limits`]), beside the [`health_and_reflection`]
//!    services that tools use;
//! 3. `server.add_insecure_port('[::]:8888')`: [`bind`] the port;
//! 4. `server.start()`: [`serve_in_background`] (and, with
//!    `--registry`, announce the server in etcd); then the note's
//!    `server.wait_for_termination()` is [`RunningServer::wait_for_termination`].
//!
//! Each `server` binary hands its lesson's `start` to [`run_until_stopped`],
//! which builds the runtime, runs `start` on it, and waits for Ctrl-C.
//!
//! What lasts the server's whole life (the health it reports, the signal
//! that ends calls at shutdown) is kept in a [`Lifecycle`].

mod accept;
mod addresses;
mod configure;
mod error;
mod listener;
mod running;

use std::{process::ExitCode, time::Duration};

use bytes::Bytes;
use etcd_registry::{Entry, Gateway};
use hello_proto::pb::{
    self,
    do_stuff_server::{DoStuff, DoStuffServer, SERVICE_NAME},
};
use tokio::{net::TcpListener, sync::oneshot};
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::{
    service::{Routes, interceptor::InterceptedService},
    transport::{Server, server::Router},
};
use tonic_health::{ServingStatus, server::HealthReporter};
use tower::{
    BoxError, Layer, Service,
    layer::util::{Identity, Stack},
};
use tracing::{error, info};

pub use configure::{configure, with_keepalive, with_limits_per_connection};
pub use error::StartError;
pub use listener::{Listener, Listening, SocketFile};
pub use running::RunningServer;

use crate::{Kind, addr, auth::RequireToken, call_layer::CallLayer, cli::ServerArgs};

/// A server builder with every call going through our [`CallLayer`], as
/// [`configure`] returns it.
pub type Builder = Server<Stack<CallLayer, Identity>>;

/// What a server keeps for its whole life: the health it reports to
/// checkers, and the signal that ends the calls still open at shutdown.
#[derive(Debug, Default)]
pub struct Lifecycle {
    /// Where we say SERVING, then NOT_SERVING at shutdown.
    health: HealthReporter,
    /// Fired when the shutdown's grace period is over.
    cutoff: CancellationToken,
}

impl Lifecycle {
    /// A lifecycle for a server about to be assembled.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Runs a server until Ctrl-C or SIGTERM, what every `server` binary does:
/// builds the [`runtime`] (the note's thread pool), runs `start` on it (the
/// lesson's `server::start`, which assembles and starts the server), then
/// [`RunningServer::wait_for_termination`]. A server that cannot start
/// says why in one line, and the exit code is 1.
pub fn run_until_stopped(
    kind: Kind,
    args: &ServerArgs,
    start: impl AsyncFnOnce(&ServerArgs) -> Result<RunningServer, StartError>,
) -> ExitCode {
    let outcome = runtime(kind, args).and_then(|runtime| {
        runtime.block_on(async {
            let server = start(args).await?;
            server.wait_for_termination(args.grace()).await;
            Ok(())
        })
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// The tokio runtime a server runs on: `--workers` threads (default: one
/// per CPU) that take turns running every call as a task.
pub fn runtime(kind: Kind, args: &ServerArgs) -> Result<tokio::runtime::Runtime, StartError> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(workers) = args.workers {
        runtime.worker_threads(workers.into());
    }
    let runtime = runtime.build().map_err(StartError::Runtime)?;
    let workers = runtime.metrics().num_workers();
    let threads = if workers == 1 {
        "thread runs"
    } else {
        "threads run"
    };
    info!("{kind} server: {workers} worker {threads} the calls as tasks");
    Ok(runtime)
}

/// The services every server offers beside its own, which tools use:
/// health (`grpc.health.v1`: "is hello.DoStuff serving?") and reflection
/// (v1 and v1alpha: "what do you serve?", so that grpcurl needs no
/// `.proto` file; newer tools speak v1, many deployed ones only v1alpha).
/// Neither is behind the token check: tools may always ask.
pub fn health_and_reflection(lifecycle: &Lifecycle) -> Result<Routes, StartError> {
    let health =
        tonic_health::server::HealthService::from_health_reporter(lifecycle.health.clone());
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let failed = |e: tonic_reflection::server::Error| StartError::Reflection(e.to_string());
    Ok(
        Routes::new(tonic_health::pb::health_server::HealthServer::new(health))
            .add_service(reflection().build_v1().map_err(failed)?)
            .add_service(reflection().build_v1alpha().map_err(failed)?),
    )
}

/// Puts the lesson's service behind the message-size limits and the token
/// check the flags ask for.
///
/// The limits (`--max-message-bytes`, 4 MiB by default) apply both ways:
/// a server that accepted any size would let one request take all its
/// memory. With `--token`, a call without `authorization: Bearer <token>`
/// is refused before it reaches the handler.
pub fn with_token_check_and_limits<S: DoStuff>(
    hello: DoStuffServer<S>,
    args: &ServerArgs,
) -> InterceptedService<DoStuffServer<S>, RequireToken> {
    if args.token.is_some() {
        info!("calls to {SERVICE_NAME} need `authorization: Bearer <token>`");
    }
    let hello = hello
        .max_decoding_message_size(args.max_message_bytes)
        .max_encoding_message_size(args.max_message_bytes);
    InterceptedService::new(hello, RequireToken::new(args.token.as_deref()))
}

/// Binds the listening socket: `--addr`, or `kind`'s default address; or
/// with `--addr unix:PATH`, a unix domain socket. A busy port is reported
/// now, in one line, before anything is served.
pub async fn bind(kind: Kind, args: &ServerArgs) -> Result<Listener, StartError> {
    let addr = args.addr.as_deref().unwrap_or(kind.default_addr());
    addr::check(addr, true).map_err(StartError::BadAddr)?;
    if let Some(path) = addr::unix_path(addr) {
        listener::check_unix_flags(args)?;
        return listener::bind_unix(std::path::Path::new(path));
    }
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|why| match why.kind() {
            std::io::ErrorKind::AddrInUse => StartError::PortInUse(addr.to_owned()),
            _ => StartError::CannotListen(addr.to_owned(), why),
        })?;
    Ok(Listener::Tcp(listener))
}

/// Serves `router` on `listener` in a background task, reports SERVING,
/// registers in etcd with `--registry`, and logs the client command that
/// reaches this server. Returns once all that is done: clients can call.
///
/// `router` comes from the [`Builder`] that [`configure`] returns, with any
/// layers a lesson adds on top (`.layer(...)`): hence the generic `L`, and
/// the bounds tonic itself puts on a layer's service.
pub async fn serve_in_background<L, ResBody>(
    router: Router<L>,
    listener: Listener,
    lifecycle: Lifecycle,
    kind: Kind,
    args: &ServerArgs,
) -> Result<RunningServer, StartError>
where
    L: Layer<Routes> + Send + 'static,
    L::Service:
        Service<http::Request<Body>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    <L::Service as Service<http::Request<Body>>>::Future: Send,
    <L::Service as Service<http::Request<Body>>>::Error: Into<BoxError> + Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let Lifecycle { health, cutoff } = lifecycle;
    health
        .set_service_status(SERVICE_NAME, ServingStatus::Serving)
        .await;

    let (stop, stopped) = oneshot::channel::<()>();
    let stopped = async {
        // Fires when `stop` is used or dropped.
        let _ = stopped.await;
    };
    let (listening, task, socket_file) = match listener {
        Listener::Tcp(listener) => {
            let addr = listener.local_addr().map_err(StartError::Runtime)?;
            let incoming = accept::accept_speaking(listener, args.handshake_timeout());
            let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, stopped));
            (Listening::Tcp(addr), task, None)
        }
        // A local socket: no Nagle, no keepalive probes, no silent
        // strangers from the network to drop; tonic takes each connection.
        #[cfg(unix)]
        Listener::Unix(listener, file) => {
            let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
            let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, stopped));
            (Listening::Unix(file.path().to_owned()), task, Some(file))
        }
    };

    // Serving: now tell the registry, so clients following it come. If
    // that fails we return the error, and dropping `stop` ends the server.
    let registration = match (&args.registry, &listening) {
        (Some(url), Listening::Tcp(addr)) => {
            let gateway = Gateway::new(url).map_err(StartError::Registry)?;
            let entry = Entry {
                addr: addresses::advertised(*addr),
                kind: kind.to_string(),
                tls: args.speaks_tls(),
            };
            let prefix = kind.registry_prefix();
            let registered = etcd_registry::register(gateway, &prefix, entry, args.registry_ttl());
            Some(registered.await.map_err(StartError::Registry)?)
        }
        _ => None,
    };

    let scheme = if args.speaks_tls() {
        "https://"
    } else {
        "http://"
    };
    let (scheme, shown) = match &listening {
        Listening::Tcp(addr) => (scheme, addr.to_string()),
        Listening::Unix(_) => ("", listening.to_string()),
    };
    info!(
        "{kind} server listening on {scheme}{shown} (Ctrl-C to stop); try: {}{}",
        kind.client_command(),
        addresses::client_flags(kind, args, &listening),
    );
    Ok(RunningServer {
        listening,
        socket_file,
        health,
        stop,
        task,
        cutoff,
        registration,
    })
}

/// Who is calling, for a log line: the caller's address as tonic records
/// it in a request's extensions (over TCP, with or without TLS), or "a
/// process on this machine" for a unix socket, whose callers have none.
pub fn caller(extensions: &http::Extensions) -> String {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    let tcp = (extensions.get::<TcpConnectInfo>()).or_else(|| {
        (extensions.get::<TlsConnectInfo<TcpConnectInfo>>()).map(TlsConnectInfo::get_ref)
    });
    match tcp.and_then(TcpConnectInfo::remote_addr) {
        Some(addr) => addr.to_string(),
        None => "a process on this machine (unix socket)".to_owned(),
    }
}

/// Waits `delay` (the server's `--delay-ms`): a stand-in for real work, so
/// that deadlines and concurrency can be watched. Zero means no wait at all:
/// even `tokio::time::sleep(Duration::ZERO)` would wait for the timer's
/// next tick, about a millisecond, on every call.
pub async fn simulate_work(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}
