//! The client: one traced `say_hello`, its trace id printed.
//!
//! The call starts a new trace: its client span has no parent. The span's
//! id travels in the request's `traceparent`, and every server the call
//! reaches (the relay, the backend) prints a span with the same trace id.

use std::time::Duration;

use clap::Parser;
use hello_proto::pb::{HelloRequest, do_stuff_client::DoStuffClient};
use opentelemetry::{Context, trace::TraceId};
use opentelemetry_sdk::trace::SdkTracer;
use plumbing::{
    cli::ClientArgs,
    client::{self, ClientError, Stub},
};
use tonic::{Request, Status};

use crate::{
    TOPIC,
    client_side::ClientSpan,
    server::parse_otlp,
    telemetry::{Sink, Telemetry},
};

/// Flags of the client.
#[derive(Parser, Debug, Clone, Default)]
#[command(about = "Calls say_hello in a new trace, and prints the trace id")]
pub struct Args {
    /// The flags every client has: --addr (default 127.0.0.1:8909), --pid, --timeout-ms, --token, --tls.
    #[command(flatten)]
    pub common: ClientArgs,

    /// Also send the spans to an OpenTelemetry collector over OTLP/gRPC, e.g. http://127.0.0.1:4317
    #[arg(long, value_name = "URL", value_parser = parse_otlp)]
    pub otlp: Option<String>,
}

/// The channel to the server, and the stub on it.
pub async fn connect(args: &ClientArgs) -> Result<Stub, ClientError> {
    let channel = unary::client::channel(TOPIC, args).await?;
    Ok(DoStuffClient::with_interceptor(
        channel,
        client::attach_token(args)?,
    ))
}

/// Calls `say_hello` in a new trace, within `timeout` if any; returns the
/// trace's id, and the reply or the status.
pub async fn say_hello(
    tracer: &SdkTracer,
    stub: &mut Stub,
    pid: i32,
    timeout: Option<Duration>,
) -> (TraceId, Result<String, Status>) {
    // An empty parent context: this call is the root of a new trace.
    let span = ClientSpan::start(tracer, &Context::new(), "say_hello");
    let mut request = Request::new(HelloRequest { pid });
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    // The trace context travels as metadata: the `traceparent` header.
    span.inject(request.metadata_mut());
    let answer = (stub.say_hello(request).await)
        .map(|response| response.into_inner().retval)
        .map_err(client::deadline_named);
    let trace_id = span.trace_id();
    span.end(&answer);
    (trace_id, answer)
}

/// Runs the client as the `client` binary does: one call, its span, its
/// reply and its trace id printed.
pub async fn run(args: &Args) -> Result<(), ClientError> {
    let telemetry = Telemetry::new("observability-client", Sink::Stdout, args.otlp.as_deref())
        .map_err(|why| ClientError::Flag(format!("--otlp: {why}")))?;
    let mut stub = connect(&args.common).await?;
    let (trace_id, answer) = say_hello(
        telemetry.tracer(),
        &mut stub,
        args.common.pid(),
        args.common.timeout(),
    )
    .await;
    // The span was printed as it ended; send it to the collector too.
    telemetry.shutdown().await;
    println!("GRPC client received: {}", answer?);
    println!("GRPC client: trace id {trace_id}, as in every span of this call, in every process");
    Ok(())
}
