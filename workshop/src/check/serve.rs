//! `serve N`: your implementation of exercise N, served for a classmate to
//! call (`call N` on their machine), and the server builder the checks use
//! too, so that what a classmate calls is what the check checked.
//!
//! A server that others call must survive what they send. Bad input your
//! handler refuses gets a status (INVALID_ARGUMENT, say); and should your
//! code panic (a `todo!()` not done yet, an `unwrap` on a classmate's odd
//! input), [`CatchPanic`] answers that one call with INTERNAL instead of
//! dropping the connection, and the server goes on.

use std::{
    panic::AssertUnwindSafe,
    path::PathBuf,
    process::ExitCode,
    task::{Context, Poll},
    time::Duration,
};

use futures::{FutureExt, future::BoxFuture};
use plumbing::call_layer::CallLayer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{
    Status,
    body::Body,
    codegen::http,
    service::Routes,
    transport::{Channel, Server, server::TcpConnectInfo},
};
use tower::{
    Layer, Service,
    layer::util::{Identity, Stack},
};
use workshop::{
    catalog,
    text::{Text, ui},
};

use crate::{
    e01_unary::GreeterService,
    e02_status::PidsService,
    e03_countdown::CountdownService,
    e04_stats::StatsService,
    e05_chat_room::ChatRoomService,
    e06_futures::SlowService,
    e07_deadlines::WorkerService,
    e08_metadata::TracedService,
    e09_auth::{VaultService, check_token},
    e10_tls::{make_certificates, serve_tls},
    e11_rich_errors::SignupService,
    e12_request_ids::{StampedService, require_request_id},
    e13_retries::FlakyService,
    e14_propagation::{Backend, RelayService},
    e16_trace_context::{LastHop, TraceRelay},
    pb::{
        chat_room_server::ChatRoomServer, countdown_server::CountdownServer,
        greeter_server::GreeterServer, pids_server::PidsServer, slow_server::SlowServer,
        stats_server::StatsServer, traced_server::TracedServer, vault_server::VaultServer,
        worker_server::WorkerServer,
    },
    pb::{
        flaky_server::FlakyServer, relay_server::RelayServer, signup_server::SignupServer,
        stamped_server::StampedServer, worker_client::WorkerClient,
    },
    pb::{hop_client::HopClient, hop_server::HopServer},
};

/// Exercise N is served on port `BASE_PORT + N` unless `--addr` says
/// otherwise: 50051 for exercise 1, 50055 for the chat room.
pub const BASE_PORT: u16 = 50050;

/// The exercise whose server is your own `serve_tls`, over TLS.
const TLS_EXERCISE: u8 = 10;

/// The exercise whose servers and clients meet through etcd, with no
/// `--addr` to give a classmate: `serve` and `call` say what to run instead.
pub const REGISTRY_EXERCISE: u8 = 15;

/// At Ctrl-C, how long the calls still open get to finish: as long as the
/// lesson servers give them (`--grace-ms`'s default).
const GRACE: Duration = Duration::from_secs(5);

/// Once the calls still open are told to end, how long their connections
/// get to close before the program ends anyway.
const CLOSING: Duration = Duration::from_secs(1);

/// A server builder with the panic net, and (for `serve`) a line per call.
pub fn builder(log_calls: bool) -> Server<Stack<CatchPanicLayer, Identity>> {
    Server::builder().layer(CatchPanicLayer { log_calls })
}

/// The services of exercise `number` as your files implement them; `None`
/// for exercise 10, whose server is your `serve_tls`, and for an exercise
/// with no classmate mode.
pub fn routes(number: u8) -> Option<Routes> {
    let routes = match number {
        1 => Routes::new(GreeterServer::new(GreeterService)),
        2 => Routes::new(PidsServer::new(PidsService)),
        3 => Routes::new(CountdownServer::new(CountdownService)),
        4 => Routes::new(StatsServer::new(StatsService)),
        5 => Routes::new(ChatRoomServer::new(ChatRoomService::default())),
        6 => Routes::new(SlowServer::new(SlowService)),
        7 => Routes::new(WorkerServer::new(WorkerService::default())),
        8 => Routes::new(TracedServer::new(TracedService)),
        9 => Routes::new(VaultServer::with_interceptor(VaultService, check_token)),
        11 => Routes::new(SignupServer::new(SignupService)),
        12 => Routes::new(StampedServer::with_interceptor(
            StampedService,
            require_request_id,
        )),
        // Two of every three calls fail: what a retrying client is for.
        13 => Routes::new(FlakyServer::new(FlakyService::failing(2))),
        14 => Routes::new(RelayServer::new(RelayService::new(backend()?))),
        16 => Routes::new(HopServer::new(TraceRelay::new(next_hop()?))),
        _ => return None,
    };
    Some(routes)
}

/// Exercise 14's backend, the given `Backend`, served in this process on a
/// port of its own, for your relay to call: a client to it.
fn backend() -> Option<WorkerClient<Channel>> {
    let routes = Routes::new(crate::pb::worker_server::WorkerServer::new(Backend));
    serve_in_process(routes).map(WorkerClient::new)
}

/// Exercise 16's next hop, the given `LastHop` (which answers with the
/// traceparent it received), served in this process on a port of its own,
/// for your relay to call: a client to it.
fn next_hop() -> Option<HopClient<Channel>> {
    serve_in_process(Routes::new(HopServer::new(LastHop))).map(HopClient::new)
}

/// Serves `routes` in this process on a free loopback port, and returns a
/// channel to them (lazy: it connects on the first call).
fn serve_in_process(routes: Routes) -> Option<Channel> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
    listener.set_nonblocking(true).ok()?;
    let addr = listener.local_addr().ok()?;
    let incoming = TcpListenerStream::new(TcpListener::from_std(listener).ok()?);
    tokio::spawn(
        Server::builder()
            .add_routes(routes)
            .serve_with_incoming(incoming),
    );
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).ok()?;
    Some(endpoint.connect_lazy())
}

/// `serve N [--addr HOST:PORT] [--ca-out FILE]`: serves exercise `number`
/// until Ctrl-C.
pub fn serve(number: u8, addr: Option<String>, ca_out: Option<PathBuf>) -> ExitCode {
    let Some(exercise) = catalog::find(number) else {
        eprintln!("{}", ui::NO_SUCH_EXERCISE.with(&[("number", &number)]));
        return ExitCode::FAILURE;
    };
    if number == REGISTRY_EXERCISE {
        eprintln!("{}", ui::SERVE_NOT_FOR_REGISTRY);
        return ExitCode::FAILURE;
    }
    let addr = addr.unwrap_or_else(|| format!("127.0.0.1:{}", BASE_PORT + u16::from(number)));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // Exercise 10's server is your serve_tls: a panic there ends it.
    print_panics_as_one_line(if number == TLS_EXERCISE {
        ui::SERVE_TLS_PANIC
    } else {
        ui::SERVE_PANIC
    });
    // The same reading of HOST:PORT as `call`'s and the lessons', so that
    // `localhost` or a `;` is named for what it is.
    if let Err(bad) = plumbing::addr::check(&addr, true) {
        let why = workshop::text::address_problem(bad.problem);
        let port = BASE_PORT + u16::from(number);
        eprintln!(
            "{}",
            ui::SERVE_BAD_ADDR.with(&[("addr", &addr), ("why", &why), ("port", &port)])
        );
        return ExitCode::FAILURE;
    }
    runtime.block_on(async move {
        let listener = match TcpListener::bind(&addr).await {
            Ok(listener) => listener,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                eprintln!("{}", ui::SERVE_PORT_IN_USE.with(&[("addr", &addr)]));
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    ui::SERVE_CANNOT_LISTEN
                        .with(&[("addr", &addr), ("error", &workshop::text::os_error(&e))])
                );
                return ExitCode::FAILURE;
            }
        };
        let bound = match listener.local_addr() {
            Ok(bound) => bound,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let title = exercise.title.to_string();
        println!(
            "{}",
            ui::SERVING.with(&[("number", &number), ("title", &title), ("addr", &bound)])
        );
        let reach = plumbing::addr::reachable(bound);
        println!(
            "{}",
            ui::SERVE_CALL_IT.with(&[
                ("number", &number),
                ("addr", &reach),
                ("args", &exercise.call_args)
            ])
        );
        if bound.ip().is_loopback() {
            println!("{}", ui::SERVE_ONLY_HERE.with(&[("port", &bound.port())]));
        }
        let served = match number {
            TLS_EXERCISE => serve_over_tls(listener, ca_out).await,
            _ => serve_plain(number, listener).await,
        };
        match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                if !e.is_empty() {
                    eprintln!("{e}");
                }
                ExitCode::FAILURE
            }
        }
    })
}

/// Serves every exercise but 10: your service, behind the panic net, until
/// Ctrl-C.
///
/// Ctrl-C stops it as the lesson servers stop: no new calls, and the calls
/// still open get [`GRACE`] to finish. A chat or a countdown may never
/// finish by itself, so when the grace is over (or at a second Ctrl-C)
/// each call still open ends with UNAVAILABLE, a status its caller can act
/// on, and the program ends: no server is left behind in the background.
async fn serve_plain(number: u8, listener: TcpListener) -> Result<(), String> {
    let routes = routes(number).ok_or_else(|| ui::NO_SUCH_EXERCISE.with(&[("number", &number)]))?;
    println!("{}", ui::SERVE_STOP);
    // Two signals: `stop` makes tonic stop accepting and tell each
    // connection (an HTTP/2 GOAWAY) to start no new call; `cutoff` makes
    // the shared call layer end every call still open with UNAVAILABLE.
    let stop = CancellationToken::new();
    let cutoff = CancellationToken::new();
    let server = builder(true)
        .layer(CallLayer::new(cutoff.clone()))
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            TcpListenerStream::new(listener),
            stop.clone().cancelled_owned(),
        );
    let mut serving = tokio::spawn(server);
    tokio::select! {
        served = &mut serving => return ended(served),
        () = ctrl_c() => {}
    }
    println!(
        "{}",
        ui::SERVE_STOPPING.with(&[("seconds", &GRACE.as_secs())])
    );
    stop.cancel();
    tokio::select! {
        served = &mut serving => {
            println!("{}", ui::SERVE_STOPPED);
            return ended(served);
        }
        () = tokio::time::sleep(GRACE) => println!("{}", ui::SERVE_GRACE_OVER),
        () = ctrl_c() => println!("{}", ui::SERVE_STOP_NOW),
    }
    cutoff.cancel();
    // The callers are told; their connections close a moment later. One
    // that does not is left to the system, which closes it as we exit.
    if let Ok(served) = tokio::time::timeout(CLOSING, &mut serving).await {
        ended(served)?;
    }
    println!("{}", ui::SERVE_STOPPED);
    Ok(())
}

/// What the serving task came to, as `serve`'s result.
fn ended(
    served: Result<Result<(), tonic::transport::Error>, tokio::task::JoinError>,
) -> Result<(), String> {
    match served {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(error_chain(&e)),
        Err(e) => Err(e.to_string()),
    }
}

/// Serves exercise 10 with your `serve_tls`, after writing the CA that
/// callers must trust where they can be given it. Your `serve_tls` has no
/// shutdown signal to be given, so Ctrl-C ends it at once.
async fn serve_over_tls(listener: TcpListener, ca_out: Option<PathBuf>) -> Result<(), String> {
    let certs = make_certificates().map_err(|e| e.to_string())?;
    let ca_file = ca_out.unwrap_or_else(|| std::env::temp_dir().join("workshop-ca.pem"));
    std::fs::write(&ca_file, &certs.ca_cert).map_err(|e| format!("{}: {e}", ca_file.display()))?;
    println!(
        "{}",
        ui::SERVE_CA_WRITTEN.with(&[("file", &ca_file.display())])
    );
    println!("{}", ui::SERVE_STOP);
    let served = tokio::spawn(async move { serve_tls(listener, &certs).await });
    tokio::select! {
        served = served => match served {
            Ok(served) => served.map_err(|e| error_chain(&e)),
            // Its one line is printed already.
            Err(_panicked) => Err(String::new()),
        },
        () = ctrl_c() => {
            println!("{}", ui::SERVE_STOPPED);
            Ok(())
        }
    }
}

/// Resolves at Ctrl-C (or at once, should the signal be unavailable).
async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

/// From now on, a panic in your code prints one line, `text` with the
/// panic's place and message, rather than a backtrace into tonic and tokio:
/// for `serve` (which goes on) and `call`.
pub fn print_panics_as_one_line(text: Text) {
    std::panic::set_hook(Box::new(move |info| {
        let panic = crate::harness::describe_panic(info);
        eprintln!("{}", text.with(&[("panic", &panic)]));
    }));
}

/// An error and its causes, on one line; a cause whose words the line
/// already has (some errors print their cause themselves) is left out.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let words = error.to_string();
        if !text.contains(&words) {
            text = format!("{text}: {words}");
        }
        cause = error.source();
    }
    text
}

/// Wraps each call in [`CatchPanic`].
#[derive(Debug, Clone, Copy)]
pub struct CatchPanicLayer {
    /// Print a line for each call: who called which method.
    log_calls: bool,
}

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CatchPanic {
            inner,
            log_calls: self.log_calls,
        }
    }
}

/// A service that answers INTERNAL for a call whose handler panicked.
///
/// Without it, a panic in a handler ends the task that runs the caller's
/// connection: the caller sees the connection break, not a status, and
/// every other call on that connection breaks with it.
#[derive(Debug, Clone)]
pub struct CatchPanic<S> {
    /// The services it protects.
    inner: S,
    /// Print a line for each call.
    log_calls: bool,
}

impl<S> Service<http::Request<Body>> for CatchPanic<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        if self.log_calls {
            let from = (request.extensions().get::<TcpConnectInfo>())
                .and_then(TcpConnectInfo::remote_addr)
                .map_or_else(|| "?".to_owned(), |addr| addr.to_string());
            let method = request.uri().path().to_owned();
            println!(
                "{}",
                ui::SERVE_CALL.with(&[("method", &method), ("from", &from)])
            );
        }
        let answer = self.inner.call(request);
        // Your handler runs when this future is polled: a panic there comes
        // out of `catch_unwind` as an Err, and becomes a status.
        Box::pin(async move {
            match AssertUnwindSafe(answer).catch_unwind().await {
                Ok(answer) => answer,
                Err(_panic) => {
                    Ok(Status::internal(ui::SERVE_PANICKED_STATUS.to_string()).into_http())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use tonic::{Code, Request, Response};

    use super::*;
    use crate::{
        harness::{self, Outcome},
        pb::{
            HelloReply, HelloRequest,
            greeter_client::GreeterClient,
            greeter_server::{Greeter, GreeterServer},
        },
    };

    /// A greeter that panics on a name it did not expect.
    struct Fragile;

    #[tonic::async_trait]
    impl Greeter for Fragile {
        async fn say_hello(
            &self,
            request: Request<HelloRequest>,
        ) -> Result<Response<HelloReply>, Status> {
            let name = request.into_inner().name;
            assert!(!name.is_empty(), "no name");
            Ok(Response::new(HelloReply { message: name }))
        }
    }

    #[test]
    fn a_panicking_handler_answers_internal_and_the_server_goes_on() {
        let outcome = harness::run(|| async {
            let server = harness::serve(Routes::new(GreeterServer::new(Fragile))).await?;
            let mut client = GreeterClient::new(harness::channel(server.addr).await?);
            for _ in 0..2 {
                let status = client
                    .say_hello(HelloRequest::default())
                    .await
                    .err()
                    .ok_or("a panicking handler answered OK")?;
                if status.code() != Code::Internal {
                    return Err(format!("expected INTERNAL, received {status:?}"));
                }
            }
            let reply = client
                .say_hello(HelloRequest {
                    name: "Ada".to_owned(),
                })
                .await
                .map_err(|status| format!("after two panics: {status:?}"))?;
            if reply.into_inner().message == "Ada" {
                Ok(())
            } else {
                Err("a wrong reply after two panics".to_owned())
            }
        });
        assert_eq!(outcome, Outcome::Done);
    }
}
