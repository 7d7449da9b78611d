//! Starting a server: everything around the handlers, written once.
//!
//! A lesson crate writes the methods of its kind (`impl DoStuff for ...`)
//! and a three-line `main` that calls [`main`]. This module then does what
//! the note's `serve()` does in Python, and what a real server needs besides:
//!
//! 1. build the *runtime*, tokio's pool of worker threads ([`main`]);
//! 2. bind the listening socket, so a busy port is reported at once ([`start`]);
//! 3. stack the services: `hello.DoStuff` behind the token check, plus health
//!    and reflection, which tools use to ask "are you up?" and "what do you serve?";
//! 4. serve until Ctrl-C or SIGTERM, then shut down gracefully ([`RunningServer::shutdown`]).

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use tonic::transport::{Server, server::TcpIncoming};
use tonic_health::{ServingStatus, server::HealthReporter};
use tracing::{error, info, warn};

use crate::{
    Kind,
    auth::RequireToken,
    cli::ServerArgs,
    lifecycle::CallLayer,
    pb::{
        self,
        do_stuff_server::{DoStuff, DoStuffServer, SERVICE_NAME},
    },
};

/// Runs a server of `kind` until Ctrl-C: what every `server` binary's `main` calls.
///
/// `make_service` receives the parsed flags and returns the lesson's
/// `DoStuff` implementation. Every failure becomes one line on stderr and
/// exit code 1.
pub fn main<S: DoStuff>(kind: Kind, make_service: impl FnOnce(&ServerArgs) -> S) -> ExitCode {
    use clap::Parser;
    let args = ServerArgs::parse();
    crate::init_logging("info");

    // The note's server runs each call on a thread from a pool of 10
    // (`ThreadPoolExecutor(max_workers=10)`): ten slow calls fill it. tokio
    // runs each call as a *task*, a small state machine, and a few worker
    // threads (one per CPU by default) take turns polling thousands of
    // tasks. A task gives its thread back at every `.await`, so a handler
    // must never block (no `std::thread::sleep`, no heavy loop): that would
    // stall every call sharing the thread. Blocking work goes to
    // `tokio::task::spawn_blocking`, which has a separate pool for it.
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(workers) = args.workers {
        runtime.worker_threads(workers.into());
    }
    let runtime = match runtime.build() {
        Ok(runtime) => runtime,
        Err(e) => {
            error!("cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    info!(
        "{kind} server: {} worker threads run the calls as tasks",
        runtime.metrics().num_workers()
    );

    let service = make_service(&args);
    runtime.block_on(async move {
        let server = match start(kind, service, &args).await {
            Ok(server) => server,
            Err(message) => {
                error!("{message}");
                return ExitCode::FAILURE;
            }
        };
        let scheme = if args.tls { "https" } else { "http" };
        info!(
            "{kind} server listening on {scheme}://{} (Ctrl-C to stop); try: cargo run -p {kind} --bin client{}",
            server.addr(),
            if server.addr().to_string() == kind.default_addr() {
                String::new()
            } else {
                format!(" -- --addr {}", server.addr())
            }
        );
        let signal = shutdown_signal().await;
        info!("{signal} received: shutting down");
        server.shutdown(Duration::from_millis(args.grace_ms)).await;
        ExitCode::SUCCESS
    })
}

/// A server started by [`start`], serving in a background task.
#[derive(Debug)]
pub struct RunningServer {
    /// The address actually bound: with port 0 the system picks a free one.
    addr: SocketAddr,
    /// Where we tell health checkers that we are going away.
    health: HealthReporter,
    /// Dropping or firing this begins the graceful shutdown.
    stop: oneshot::Sender<()>,
    /// The accept loop; it ends once every connection has closed.
    task: JoinHandle<Result<(), tonic::transport::Error>>,
    /// Fired when the grace period is over: calls still open end with UNAVAILABLE.
    cutoff: CancellationToken,
}

/// Binds `args.addr` (or the kind's default) and starts serving `service` in a
/// background task. Returns once the socket is bound: clients can connect
/// as soon as this returns, which is what tests wait for.
///
/// An error is one line that says what to do, e.g. for a port in use.
pub async fn start<S: DoStuff>(
    kind: Kind,
    service: S,
    args: &ServerArgs,
) -> Result<RunningServer, String> {
    let addr = args.addr.as_deref().unwrap_or(kind.default_addr());
    let listener = TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the port is already in use (is another server running?); stop it, or pick another port with --addr HOST:PORT"
        ),
        _ => format!("cannot listen on {addr}: {e}; pick another address with --addr HOST:PORT"),
    })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;

    // Health checking (grpc.health.v1): load balancers and orchestrators ask
    // "is hello.DoStuff serving?". We answer SERVING now, NOT_SERVING when
    // shutting down, so they stop sending new calls before we stop listening.
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status(SERVICE_NAME, ServingStatus::Serving)
        .await;

    // Reflection lets tools such as grpcurl list our services and call them
    // without the .proto file: we serve the descriptors build.rs produced.
    // Both versions of the protocol are served: newer tools speak v1,
    // many deployed ones still only v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1().map_err(|e| e.to_string())?;
    let reflection_v1alpha = reflection().build_v1alpha().map_err(|e| e.to_string())?;

    // The lesson's service, behind the token check when --token is given.
    // Health and reflection are added without it: tools may always ask.
    if args.token.is_some() {
        info!("calls to {SERVICE_NAME} need `authorization: Bearer <token>`");
    }
    let hello = DoStuffServer::with_interceptor(service, RequireToken::new(args.token.as_deref()));

    let mut builder = Server::builder();
    if args.tls {
        let dir = args.certs.clone().unwrap_or_else(crate::tls::default_dir);
        let (tls, created) = crate::tls::server_config(&dir)?;
        let verb = if created { "created" } else { "using" };
        info!(
            "TLS: {verb} development certificates in {}; clients trust {}",
            dir.display(),
            dir.join("ca.pem").display()
        );
        builder = builder
            .tls_config(tls)
            .map_err(|e| format!("TLS setup failed: {e}"))?;
    }

    // Every call goes through our CallLayer: deadlines, departed callers,
    // and the end of calls still open when the grace period is over.
    let cutoff = CancellationToken::new();
    let router = builder
        .layer(CallLayer::new(cutoff.clone()))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(hello);

    let (stop, stopped) = oneshot::channel::<()>();
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        // Fires when `stop` is used or dropped.
        let _ = stopped.await;
    }));

    Ok(RunningServer {
        addr,
        health,
        stop,
        task,
        cutoff,
    })
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Graceful shutdown: report NOT_SERVING, stop accepting connections,
    /// give calls in flight up to `grace` to finish, then end those still
    /// open with UNAVAILABLE. Returns when every connection has closed.
    pub async fn shutdown(mut self, grace: Duration) {
        // First tell health watchers, so balancers stop sending us calls.
        for service in ["", SERVICE_NAME] {
            self.health
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        // Stop accepting; open connections are told (HTTP/2 GOAWAY) to
        // start no new calls, while the calls already running go on.
        let _ = self.stop.send(());
        let finished = tokio::time::timeout(grace, &mut self.task).await;
        let result = match finished {
            Ok(result) => {
                info!("every call finished within the grace period");
                result
            }
            Err(_) => {
                warn!(
                    "grace period of {} ms over: ending the calls still open with UNAVAILABLE",
                    grace.as_millis()
                );
                self.cutoff.cancel();
                match tokio::time::timeout(Duration::from_secs(1), &mut self.task).await {
                    Ok(result) => result,
                    Err(_) => {
                        self.task.abort();
                        return warn!("some connections did not close; left them behind");
                    }
                }
            }
        };
        match result {
            Ok(Ok(())) => info!("server stopped"),
            Ok(Err(e)) => error!("the server stopped with an error: {e}"),
            Err(e) => error!("the server task failed: {e}"),
        }
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix (what `kill` and service managers send).
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = terminate.recv() => "SIGTERM",
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}
