//! Values each lesson's server plugs in: never the serving itself.
//!
//! The note's `serve()` takes four steps, and each lesson crate's
//! `server::start` takes them in its own file, calling tonic itself:
//!
//! 1. `grpc.server(futures.ThreadPoolExecutor(max_workers=10))`: the pool
//!    is the tokio [`runtime`] the `server` binary builds; the server is
//!    tonic's `Server::builder()`, on which [`configure`] sets the limits
//!    and keepalive that the flags ask for;
//! 2. `add_DoStuffServicer_to_server(DoStuff(), server)`:
//!    `.add_service(DoStuffServer::new(...))`, behind the [`token_check`]
//!    interceptor, beside [`Lifecycle::health_and_reflection`], which tools use;
//!    a lesson's service inside the [`WrongKindLayer`], which answers a call
//!    of another lesson's method with the lesson to start;
//! 3. `server.add_insecure_port('[::]:PORT')` (with `--tls`,
//!    `add_secure_port`): [`bind`] the port with its TLS, which gives the
//!    [`Port::incoming`] connections;
//! 4. `server.start()`: the lesson spawns tonic's
//!    serving call on those connections, with `lifecycle.stop_signal()`,
//!    then [`Lifecycle::started`] reports SERVING, announces the server in
//!    etcd with `--registry`, and logs the client command that reaches it.
//!    The note's `server.wait_for_termination()` is
//!    [`RunningServer::wait_for_termination`].
//!
//! Each `server` binary hands its lesson's `start` to [`run_until_stopped`],
//! which builds the runtime, runs `start` on it, and waits for Ctrl-C.

mod accept;
mod addresses;
mod configure;
mod error;
mod handshake;
mod incoming;
mod lifecycle;
mod listener;
mod port;
mod refusal;
mod running;
mod wrong_kind;

use std::{process::ExitCode, time::Duration};

use hello_proto::pb::do_stuff_server::{DoStuff, DoStuffServer};
use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tracing::{error, info};

pub use configure::{configure, with_keepalive, with_limits_per_connection};
pub use error::StartError;
pub use handshake::Handshake;
pub use incoming::{Connection, ConnectionInfo, Incoming};
pub use lifecycle::Lifecycle;
pub use listener::{Listener, Listening};
pub use port::Port;
pub use refusal::Refusal;
pub use running::RunningServer;
pub use wrong_kind::{Answer, WrongKind, WrongKindLayer};

use crate::{Program, addr, auth::RequireToken, call_layer::CallLayer, cli::ServerArgs};

/// A server builder with every call going through our [`CallLayer`], as
/// [`configure`] returns it.
pub type Builder =
    tonic::transport::Server<tower::layer::util::Stack<CallLayer, tower::layer::util::Identity>>;

/// Runs a server until Ctrl-C or SIGTERM, what every `server` binary does:
/// builds the [`runtime`] (the note's thread pool), runs `start` on it (the
/// lesson's `server::start`, which assembles and starts the server), then
/// [`RunningServer::wait_for_termination`]. A server that cannot start
/// says why in one line, and the exit code is 1.
pub fn run_until_stopped(
    program: Program,
    args: &ServerArgs,
    start: impl AsyncFnOnce(&ServerArgs) -> Result<RunningServer, StartError>,
) -> ExitCode {
    let outcome = runtime(program, args).and_then(|runtime| {
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
pub fn runtime(program: Program, args: &ServerArgs) -> Result<tokio::runtime::Runtime, StartError> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(workers) = args.workers {
        runtime.worker_threads(workers.into());
    }
    let runtime = runtime.build().map_err(StartError::Runtime)?;
    let workers = runtime.metrics().num_workers();
    let text = if workers == 1 {
        crate::words::ONE_WORKER
    } else {
        crate::words::WORKERS
    };
    info!(
        "{}",
        text.with(&[("program", &program), ("workers", &workers)])
    );
    Ok(runtime)
}

/// The interceptor that lets a call through only with `--token`'s
/// `authorization: Bearer <token>` (every call, without `--token`), for
/// `InterceptedService::new(service, token_check(args))`. It runs before
/// the handler: a refused call never reaches it.
pub fn token_check(args: &ServerArgs) -> RequireToken {
    RequireToken::new(args.token.as_deref())
}

/// The lesson's service behind the message-size limits and the token
/// check, as each lesson's `start` writes out in full: for the topics and
/// the page, whose lesson is elsewhere.
///
/// The limits (`--max-message-bytes`, 4 MiB by default) apply both ways:
/// a server that accepted any size would let one request take all its
/// memory. With `--token`, a call without `authorization: Bearer <token>`
/// is refused before it reaches the handler.
pub fn with_token_check_and_limits<S: DoStuff>(
    hello: DoStuffServer<S>,
    args: &ServerArgs,
) -> InterceptedService<DoStuffServer<S>, RequireToken> {
    let hello = hello
        .max_decoding_message_size(args.max_message_bytes)
        .max_encoding_message_size(args.max_message_bytes);
    InterceptedService::new(hello, token_check(args))
}

/// Binds the listening socket: `--addr`, or `program`'s default address; or
/// with `--addr unix:PATH`, a unix domain socket. A busy port is reported
/// now, in one line, before anything is served. With `--tls`, the port
/// speaks TLS: the certificates are made or read now.
pub async fn bind(program: Program, args: &ServerArgs) -> Result<Port, StartError> {
    port::with_tls(bind_socket(program, args).await?, args)
}

/// The socket alone, TCP or unix, for [`bind`].
async fn bind_socket(program: Program, args: &ServerArgs) -> Result<Listener, StartError> {
    let addr = args.addr.as_deref().unwrap_or(program.default_addr);
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
    let local = listener.local_addr().map_err(StartError::Runtime)?;
    Ok(Listener::Tcp(listener, local))
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
