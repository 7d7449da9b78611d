//! Where the spans go: one readable line each on stdout, a test's channel,
//! and, with `--otlp URL`, an OpenTelemetry collector.
//!
//! OpenTelemetry splits the work in two. The *API* (`opentelemetry`) is
//! what instrumented code calls: start a span, set an attribute, end it.
//! The *SDK* (`opentelemetry_sdk`) decides what becomes of an ended span:
//! a [`SdkTracerProvider`] hands it to *span processors*, each with an
//! *exporter*. Ours:
//!
//! - [`SpanPrinter`], our own small exporter: one line per span, with the
//!   ids that tie a trace together and the `rpc.*` attributes:
//!
//!   ```text
//!   observability-server: span hello.DoStuff/say_hello (server) trace 8f4e...2b1c span 3a9d...e210 parent 77c1...04af (remote) 0.3 ms rpc.system=grpc rpc.service=hello.DoStuff rpc.method=say_hello rpc.grpc.status_code=0
//!   ```
//!
//!   It prints as each span ends (a *simple* processor): printing is fast.
//! - OpenTelemetry's OTLP exporter, over gRPC with our own tonic, for
//!   Jaeger, Tempo, an OpenTelemetry Collector... Sending takes a network
//!   round trip, so it goes through a *batch* processor: spans queue up
//!   and a thread of its own sends them every few seconds, never holding
//!   up a call.

use std::{fmt, time::Duration};

use opentelemetry::{Value, trace::TracerProvider as _};
use opentelemetry_otlp::{ExporterBuildError, WithExportConfig as _};
use opentelemetry_sdk::{
    error::OTelSdkResult,
    trace::{BatchSpanProcessor, SdkTracer, SdkTracerProvider, SpanData, SpanExporter},
};
use tokio::sync::mpsc::UnboundedSender;
use tracing::warn;

/// Where ended spans are written, beside the collector of `--otlp`.
#[derive(Debug, Clone)]
pub enum Sink {
    /// One line per span on stdout: what the programs do.
    Stdout,
    /// Each span sent whole on a channel: what the tests do, to look at
    /// the spans of each process (and print nothing).
    Channel(UnboundedSender<SpanData>),
}

/// The tracing of one process: its tracer, and the provider behind it.
#[derive(Debug, Clone)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Telemetry {
    /// Sets up the tracing of the process named `process` (its lines start
    /// with it): spans go to `sink`, and also to the OTLP collector at
    /// `otlp` (e.g. `http://127.0.0.1:4317`) if given.
    ///
    /// The OTLP exporter opens its channel on tokio, so this must run
    /// inside the runtime.
    pub fn new(
        process: &'static str,
        sink: Sink,
        otlp: Option<&str>,
    ) -> Result<Telemetry, ExporterBuildError> {
        let mut provider =
            SdkTracerProvider::builder().with_simple_exporter(SpanPrinter { process, sink });
        if let Some(url) = otlp {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(url)
                .with_timeout(Duration::from_secs(5))
                .build()?;
            provider = provider.with_span_processor(BatchSpanProcessor::builder(exporter).build());
        }
        let provider = provider.build();
        // The tracer's name says which code made the spans (the
        // "instrumentation scope"), here: this crate.
        let tracer = provider.tracer(env!("CARGO_PKG_NAME"));
        Ok(Telemetry { provider, tracer })
    }

    /// The tracer that starts this process's spans.
    pub fn tracer(&self) -> &SdkTracer {
        &self.tracer
    }

    /// Sends the spans still queued for the collector, before the process
    /// exits. Sending waits for the network, which runs on the tokio
    /// runtime: so the waiting is done on a thread set aside for blocking,
    /// never on one of the runtime's workers.
    pub async fn shutdown(self) {
        let provider = self.provider;
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(why)) = flushed {
            warn!("some spans may not have reached the collector: {why}");
        }
    }
}

/// Our exporter: each span as one [`SpanLine`] on stdout, or whole on a
/// test's channel.
#[derive(Debug)]
pub struct SpanPrinter {
    process: &'static str,
    sink: Sink,
}

impl SpanExporter for SpanPrinter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        for span in batch {
            match &self.sink {
                Sink::Stdout => println!("{}", SpanLine(self.process, &span)),
                // A test that stopped listening no longer cares.
                Sink::Channel(spans) => drop(spans.send(span)),
            }
        }
        Ok(())
    }
}

/// A span as one line: the process, the span's name and kind, the trace
/// id, its own id, its parent's (`(remote)`: in the process that called
/// us), how long it took, and its attributes.
pub struct SpanLine<'a>(pub &'static str, pub &'a SpanData);

impl fmt::Display for SpanLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let SpanLine(process, span) = self;
        let context = &span.span_context;
        let kind = format!("{:?}", span.span_kind).to_lowercase();
        write!(
            f,
            "{process}: span {} ({kind}) trace {} span {}",
            span.name,
            context.trace_id(),
            context.span_id()
        )?;
        if span.parent_span_id == opentelemetry::trace::SpanId::INVALID {
            write!(f, " parent none")?;
        } else {
            let remote = if span.parent_span_is_remote {
                " (remote)"
            } else {
                ""
            };
            write!(f, " parent {}{remote}", span.parent_span_id)?;
        }
        let took = (span.end_time.duration_since(span.start_time)).unwrap_or_default();
        write!(f, " {:.1} ms", took.as_secs_f64() * 1000.0)?;
        if let opentelemetry::trace::Status::Error { description } = &span.status {
            write!(f, " error {description:?}")?;
        }
        for attribute in &span.attributes {
            match &attribute.value {
                Value::String(text) => write!(f, " {}={text}", attribute.key)?,
                value => write!(f, " {}={value}", attribute.key)?,
            }
        }
        Ok(())
    }
}
