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
//! 4. with `--registry`, announce the server in etcd ([`crate::registry`]);
//! 5. serve until Ctrl-C or SIGTERM, then shut down gracefully ([`RunningServer::shutdown`]).

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use tokio::net::TcpStream;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{service::interceptor::InterceptedService, transport::Server};
use tonic_health::{ServingStatus, server::HealthReporter};
use tracing::{debug, error, info, warn};

use crate::{
    Kind,
    auth::RequireToken,
    cli::ServerArgs,
    lifecycle::CallLayer,
    pb::{
        self,
        do_stuff_server::{DoStuff, DoStuffServer, SERVICE_NAME},
    },
    registry::{self, Entry, Registration},
};

/// How long a registered server keeps taking calls after leaving the
/// registry, while the clients that follow it take it off their lists.
const DEREGISTERED_PAUSE: Duration = Duration::from_millis(500);

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
        // The client flags that reach this server: a student can paste them.
        let mut flags = match (&args.registry, server.addr().to_string()) {
            (Some(url), _) => format!(" --registry {url}"),
            (None, addr) if addr == kind.default_addr() => String::new(),
            (None, addr) => format!(" --addr {addr}"),
        };
        if args.tls && args.registry.is_none() {
            flags.push_str(" --tls");
        }
        let client_flags = if flags.is_empty() { flags } else { format!(" --{flags}") };
        info!(
            "{kind} server listening on {scheme}://{} (Ctrl-C to stop); try: cargo run -p {kind} --bin client{client_flags}",
            server.addr(),
        );
        let signal = shutdown_signal().await;
        info!("{signal} received: shutting down");
        server.shutdown(Duration::from_millis(args.grace_ms)).await;
        ExitCode::SUCCESS
    })
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
    /// Our entry in etcd, with `--registry`.
    registration: Option<Registration>,
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

    // Explicit message limits (`--max-message-bytes`, 4 MiB by default),
    // both ways: a server that accepted any size would let one request take
    // all its memory.
    let hello = DoStuffServer::new(service)
        .max_decoding_message_size(args.max_message_bytes)
        .max_encoding_message_size(args.max_message_bytes);
    let hello = InterceptedService::new(hello, RequireToken::new(args.token.as_deref()));

    // Limits that keep one client from taking the whole server, as when a
    // workshop's thirty laptops share the instructor's:
    // - at most `max_concurrent_streams` calls open per connection (HTTP/2
    //   tells the client, which queues the rest itself);
    // - at most `max_calls_per_connection` handlers running per connection;
    //   further calls wait for a free slot.
    // HTTP/2 keepalive: a connection quiet for `keepalive` gets a PING, and is
    // closed if no answer comes within 10 s (or `keepalive`, if shorter).
    // That is how a peer that vanished without a word (a laptop closed, a
    // cable pulled) is noticed; TCP alone may take hours.
    let keepalive = Duration::from_millis(args.keepalive_ms);
    let handshake_timeout = Duration::from_millis(args.handshake_timeout_ms);
    let mut builder = Server::builder()
        .max_concurrent_streams(args.max_concurrent_streams)
        .concurrency_limit_per_connection(args.max_calls_per_connection)
        .http2_keepalive_interval(Some(keepalive))
        .http2_keepalive_timeout(Some(keepalive.min(Duration::from_secs(10))));
    if args.tls {
        let dir = args.certs.clone().unwrap_or_else(crate::tls::default_dir);
        let (tls, created) = crate::tls::server_config(&dir)?;
        let verb = if created { "created" } else { "using" };
        info!(
            "TLS: {verb} development certificates in {}; clients trust {}",
            dir.display(),
            dir.join("ca.pem").display()
        );
        // The handshake timeout covers TLS too: a client that starts a TLS
        // handshake and stalls is dropped like a silent one.
        builder = builder
            .tls_config(tls.timeout(handshake_timeout))
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
    let incoming = accept_speaking(listener, handshake_timeout);
    let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        // Fires when `stop` is used or dropped.
        let _ = stopped.await;
    }));

    // Serving: now tell the registry, so clients following it come. If
    // that fails we return the error, and dropping `stop` ends the server.
    let registration = match &args.registry {
        Some(url) => {
            let entry = Entry {
                addr: registry::advertised(addr),
                kind: kind.to_string(),
                tls: args.tls,
            };
            Some(registry::register(url, entry, args.registry_ttl()).await?)
        }
        None => None,
    };

    Ok(RunningServer {
        addr,
        health,
        stop,
        task,
        cutoff,
        registration,
    })
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and abandons the registration without
    /// telling etcd, so our entry stays there until its lease expires: a
    /// crash, as far as the registry can tell. (Connections already open
    /// are closed gracefully by tonic; a real `kill -9` is played by
    /// `.ci/registry.sh`.) Tests use it to check the lease.
    pub fn kill(self) {
        if let Some(registration) = self.registration {
            registration.abandon();
        }
        self.task.abort();
    }

    /// Graceful shutdown: report NOT_SERVING, stop accepting connections,
    /// give calls in flight up to `grace` to finish, then end those still
    /// open with UNAVAILABLE. Returns when every connection has closed.
    pub async fn shutdown(mut self, grace: Duration) {
        // First leave the registry: clients following it drop us from
        // their list, and send their next calls to the servers that stay.
        if let Some(registration) = self.registration.take() {
            registration.deregister().await;
            // Clients hear of it through their watch on etcd within
            // milliseconds; give them a moment before we stop taking calls.
            let pause = grace.min(DEREGISTERED_PAUSE);
            info!(
                "waiting {} ms for clients following the registry to stop sending calls here",
                pause.as_millis()
            );
            tokio::time::sleep(pause).await;
        }
        // Then tell health watchers, so balancers stop sending us calls.
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

/// The accept loop: hands tonic each new connection once it has started
/// speaking, and closes those that say nothing within `timeout`.
///
/// tonic would otherwise keep a connection that never sends a byte open
/// forever: a few hundred of those (a port scanner, a half-open socket, a
/// "slowloris" attack) use up the server's file descriptors.
fn accept_speaking(
    listener: TcpListener,
    timeout: Duration,
) -> ReceiverStream<std::io::Result<TcpStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                // tonic stopped accepting (shutdown): drop the listener,
                // which frees the port at once.
                () = tx.closed() => return,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Usually out of file descriptors: wait, then try again.
                    warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // Send each small gRPC message at once, rather than waiting to
            // batch it with the next (Nagle's algorithm).
            let _ = stream.set_nodelay(true);
            let tx = tx.clone();
            tokio::spawn(async move {
                if starts_speaking(&stream, timeout).await {
                    let _ = tx.send(Ok(stream)).await;
                } else {
                    debug!(
                        "{peer}: sent nothing within {} ms; closed",
                        timeout.as_millis()
                    );
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// Whether a new connection sends its first 24 bytes within `timeout`:
/// the length of the HTTP/2 preface (`PRI * HTTP/2.0...`) that starts every
/// gRPC connection; a TLS hello is longer still. tonic checks the bytes.
async fn starts_speaking(stream: &TcpStream, timeout: Duration) -> bool {
    const PREFACE_LEN: usize = 24;
    let mut buffer = [0; PREFACE_LEN];
    let wait = async {
        loop {
            // `peek` looks without consuming: tonic will read these bytes.
            match stream.peek(&mut buffer).await {
                Ok(PREFACE_LEN) => return true,
                Ok(0) | Err(_) => return false,
                // Only part of it so far: look again shortly.
                Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    };
    tokio::time::timeout(timeout, wait).await.unwrap_or(false)
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
