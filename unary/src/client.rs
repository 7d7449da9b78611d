//! The unary client: the note's `run()`.
//!
//! Open a channel (an `Endpoint`, then `connect_lazy`), put the stub on it,
//! call `say_hello` and `say_hello_again`, each a `Request` with its
//! deadline. Then the note's other lesson: `stub.say_hello.future(request)`
//! starts a call without waiting for it. In Rust *every* call is a future
//! already: nothing happens until it is awaited, and many can be awaited
//! together.

use std::time::{Duration, Instant};

use clap::Parser;
use futures::stream::{FuturesUnordered, StreamExt};
use hello_proto::pb::{HelloRequest, do_stuff_client::DoStuffClient};
use plumbing::{
    Program,
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::{
    Request, Status,
    transport::{Channel, Endpoint},
};

use crate::PROGRAM;

/// Flags of the unary client.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "Calls say_hello and say_hello_again on a unary server")]
pub struct Args {
    /// The flags every client has: --addr or --registry, --pid, --timeout-ms, --token, --tls, --mtls, --ca.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Also start N say_hello calls at once, then the same N one after another, and compare the times
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrent: Option<u32>,

    /// Instead, call say_hello N times, --every-ms apart, reporting each call: watch a server restart (src/repeat.rs)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: Option<u32>,

    /// The pause between --repeat calls
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub every_ms: u64,
}

/// The note's first two lines: `channel = grpc.insecure_channel('localhost:8888')`
/// and `stub = hello_pb2_grpc.DoStuffStub(channel)`.
///
/// Without our flags, tonic's generated code does both in one line:
/// `DoStuffClient::connect("http://127.0.0.1:8888").await?`, which dials at
/// once (and fails there if no server listens). We take the steps one by
/// one, each with what the flags ask for, and dial lazily, as the note's
/// channel does.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = channel(PROGRAM, args).await?;
    // The stub: generated code that turns method calls into gRPC requests.
    // The interceptor adds `--token`, if any, to each of them. (`Stub` is
    // plumbing's short name for the type this makes:
    // `DoStuffClient<InterceptedService<Channel, AttachToken>>`.)
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// The channel to `program`'s server: at `--addr` (127.0.0.1:8888, the
/// note's port, for this crate), or the servers `--registry` names. (The
/// topics under `topics/` open theirs with this function too.)
pub async fn channel(program: Program, args: &ClientArgs) -> Result<Channel, ClientError> {
    let channel = match args.registry() {
        // `--addr`: the server's address (or several).
        None => {
            let mut endpoints = Vec::new();
            for addr in args.addrs(program) {
                endpoints.push(endpoint(&addr, args.speaks_tls(), args)?);
            }
            match endpoints.as_slice() {
                // Lazy, like the note's `insecure_channel`: nothing is
                // dialled until the first call, and the channel reconnects
                // by itself if the server restarts. A server that is down
                // then shows up as a failed call (UNAVAILABLE), which the
                // client explains. (`endpoint.connect().await` would dial
                // now, and fail here instead.)
                [endpoint] => endpoint.connect_lazy(),
                // Several `--addr`: one channel, calls spread over all.
                _ => Channel::balance_list(endpoints.into_iter()),
            }
        }
        // `--registry URL`: the servers registered in etcd. A channel that
        // spreads calls over them and follows them as they come and go,
        // each dialled with an `Endpoint` made as below.
        Some(url) => {
            let args = args.clone();
            let endpoint = move |addr: &str, tls| endpoint(addr, tls, &args);
            client::follow_registry(program, url, endpoint).await?
        }
    };
    Ok(channel)
}

/// The `Endpoint` for the server at `addr` (HOST:PORT, or unix:PATH), to
/// be spoken to over TLS if `tls`: where and how to connect.
pub fn endpoint(addr: &str, tls: bool, args: &ClientArgs) -> Result<Endpoint, ClientError> {
    // `http://127.0.0.1:8888` (`https://` with TLS); tonic dials a
    // `unix:PATH` socket itself.
    let endpoint = Endpoint::from_shared(client::uri(addr, tls, args)?)?;
    // What every client of ours sets on it: a connect timeout (5 s) and
    // HTTP/2 keepalive pings, so a server that vanished is noticed.
    let endpoint = client::dial_settings(endpoint);
    if !tls {
        return Ok(endpoint);
    }
    // Trust the CA of `--ca` (and with `--mtls`, show our certificate).
    Ok(endpoint.tls_config(client::tls_config(args)?)?)
}

/// Runs the client as the `client` binary does (unless `--repeat` asks for
/// `repeat::run`), printing what it receives.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let mut stub = connect(&args.common).await?;
    let pid = args.common.pid();
    let timeout = args.common.timeout();

    // First call: we hand the stub a plain struct; it serializes it,
    // sends it, and deserializes the reply for us.
    let reply = say_hello(&mut stub, pid, timeout).await?;
    println!("GRPC client received: {reply}");

    // Second call: same principle.
    let reply = say_hello_again(&mut stub, pid, timeout).await?;
    println!("GRPC client received: {reply}");

    if let Some(n) = args.concurrent {
        compare_concurrent_and_sequential(&stub, pid, timeout, n).await?;
    }
    // No `channel.close()` as in the note: the channel closes when the last
    // stub using it is dropped, at the end of this function.
    Ok(())
}

/// The request for `pid`, with the deadline `timeout` if given: the note's
/// `hello_pb2.HelloRequest(pid=pid)`, plus its `timeout=` argument.
fn request(pid: i32, timeout: Option<Duration>) -> Request<HelloRequest> {
    let mut request = Request::new(HelloRequest { pid });
    // The deadline travels with the call, as the `grpc-timeout` header:
    // the server too knows when to give up (its call layer answers
    // DEADLINE_EXCEEDED then). tonic's client times it too, until the
    // reply's headers arrive: for a unary call, that is the whole reply.
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    request
}

/// Calls `say_hello` once, within `timeout` if given, and returns the reply's text.
pub async fn say_hello(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
) -> Result<String, Status> {
    // We hand the stub a plain struct; it serializes it, sends it, and
    // deserializes the reply. When tonic's own timer expires, tonic says
    // CANCELLED ("Timeout expired"), where gRPC (and every other language's
    // client) says DEADLINE_EXCEEDED: `deadline_named` gives it gRPC's
    // name, recognising tonic's timer by its error's type (`TimeoutExpired`).
    let response = (stub.say_hello(request(pid, timeout)).await).map_err(client::deadline_named)?;
    Ok(response.into_inner().retval)
}

/// Calls `say_hello_again` once, within `timeout` if given, and returns the reply's text.
pub async fn say_hello_again(
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
) -> Result<String, Status> {
    let response =
        (stub.say_hello_again(request(pid, timeout)).await).map_err(client::deadline_named)?;
    Ok(response.into_inner().retval)
}

/// Starts `n` calls at once and prints each reply as it completes, then
/// makes the same `n` calls one after another; prints both times.
pub async fn compare_concurrent_and_sequential(
    stub: &Stub,
    pid: i32,
    timeout: Option<Duration>,
    n: u32,
) -> Result<(), Status> {
    let started = Instant::now();
    let replies = call_concurrently(stub, pid, timeout, n, |reply| {
        println!("GRPC client received (concurrent): {reply}");
    })
    .await?;
    let concurrent = started.elapsed();

    let started = Instant::now();
    for _ in 0..n {
        say_hello(&mut stub.clone(), pid, timeout).await?;
    }
    let sequential = started.elapsed();

    let calls = if replies.len() == 1 { "call" } else { "calls" };
    println!(
        "{} {calls} at once took {} ms; one after another they took {} ms",
        replies.len(),
        concurrent.as_millis(),
        sequential.as_millis()
    );
    Ok(())
}

/// Starts `n` `say_hello` calls at once and collects their replies in the
/// order they complete, calling `on_reply` as each arrives.
pub async fn call_concurrently(
    stub: &Stub,
    pid: i32,
    timeout: Option<Duration>,
    n: u32,
    mut on_reply: impl FnMut(&str),
) -> Result<Vec<String>, Status> {
    // Creating a future starts nothing: these are n calls waiting to be
    // driven. A stub is cheap to clone (it shares one channel), and each
    // call needs its own because a call borrows its stub mutably.
    let mut calls: FuturesUnordered<_> = (0..n)
        .map(|_| {
            let mut stub = stub.clone();
            async move { say_hello(&mut stub, pid, timeout).await }
        })
        .collect();

    // `FuturesUnordered` drives them all at once (over one HTTP/2
    // connection) and yields each result as soon as it is ready.
    let mut replies = Vec::new();
    while let Some(reply) = calls.next().await {
        let reply = reply?;
        on_reply(&reply);
        replies.push(reply);
    }
    Ok(replies)
}
