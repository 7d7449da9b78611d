//! Metrics: how many calls, how they ended, how long they took, served as
//! Prometheus text on `/metrics`.
//!
//! A trace tells the story of one call; metrics add up all of them, cheaply
//! enough to keep forever: "how many say_hello failed with UNAVAILABLE in
//! the last hour?", "what is the 99th percentile of its latency?". The
//! server keeps two, named as the Go world's go-grpc-prometheus names them
//! (so existing dashboards fit), each per service, method and status code:
//!
//! ```text
//! grpc_server_handled_total{grpc_service="hello.DoStuff",grpc_method="say_hello",grpc_code="OK"} 3
//! grpc_server_handling_seconds_bucket{grpc_service="hello.DoStuff",grpc_method="say_hello",grpc_code="OK",le="0.0004"} 3
//! grpc_server_handling_seconds_count{...} 3
//! grpc_server_handling_seconds_sum{...} 0.00061
//! ```
//!
//! Prometheus *pulls*: it fetches `http://HOST:PORT/metrics` every few
//! seconds, and the server only has to answer with the current values.
//! `prometheus-client` (the Prometheus project's Rust client) keeps them
//! and writes the text; a few lines of hyper serve it.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use tokio::net::TcpListener;
use tonic::Code;
use tracing::{info, warn};

/// The labels of every sample: which method, and how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// The gRPC service, e.g. `hello.DoStuff`.
    pub grpc_service: String,
    /// The method, e.g. `say_hello`.
    pub grpc_method: String,
    /// The status code's name, e.g. `OK` or `INVALID_ARGUMENT`.
    pub grpc_code: &'static str,
}

/// A histogram whose buckets go from 0.1 ms to 26 s, each 4 times the last.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 4.0, 10))
}

/// The server's metrics. Cloning shares them: the layer counts, the
/// `/metrics` server reads.
#[derive(Clone, Debug)]
pub struct Metrics {
    handled: Family<CallLabels, Counter>,
    handling_seconds: Family<CallLabels, Histogram, fn() -> Histogram>,
    registry: Arc<Registry>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Both metrics, registered (with their help text) for `/metrics`.
    pub fn new() -> Metrics {
        let handled = Family::<CallLabels, Counter>::default();
        let handling_seconds: Family<CallLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let mut registry = Registry::default();
        // A counter's name gets `_total` in the text, as the format wants.
        registry.register(
            "grpc_server_handled",
            "Calls completed by the server, by method and status code",
            handled.clone(),
        );
        registry.register(
            "grpc_server_handling_seconds",
            "How long the server took to complete a call, in seconds",
            handling_seconds.clone(),
        );
        Metrics {
            handled,
            handling_seconds,
            registry: Arc::new(registry),
        }
    }

    /// Counts one call of `service`/`method` that ended with `code` after
    /// `took`.
    pub fn record(&self, service: &str, method: &str, code: Code, took: Duration) {
        let labels = CallLabels {
            grpc_service: service.to_owned(),
            grpc_method: method.to_owned(),
            grpc_code: plumbing::code_name(code),
        };
        self.handled.get_or_create(&labels).inc();
        (self.handling_seconds.get_or_create(&labels)).observe(took.as_secs_f64());
    }

    /// The text a scrape gets: every metric, in the Prometheus (OpenMetrics)
    /// text format.
    pub fn text(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }

    /// Serves the metrics on `listener` in a background task: `GET
    /// /metrics` gets [`Metrics::text`], any other path 404.
    pub fn serve(self, listener: TcpListener) -> Result<SocketAddr, std::io::Error> {
        let addr = listener.local_addr()?;
        info!("metrics on http://{addr}/metrics (for Prometheus to scrape)");
        tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(why) => {
                        warn!("metrics: could not accept a connection: {why}");
                        continue;
                    }
                };
                let metrics = self.clone();
                let answer = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let response = metrics.answer(request.uri().path());
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), answer));
            }
        });
        Ok(addr)
    }

    /// The HTTP response for `path`.
    fn answer(&self, path: &str) -> http::Response<Full<Bytes>> {
        let (status, content_type, body) = if path == "/metrics" {
            (
                http::StatusCode::OK,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                self.text(),
            )
        } else {
            (
                http::StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "not found: the metrics are on /metrics\n".to_owned(),
            )
        };
        let mut response = http::Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        if let Ok(value) = http::HeaderValue::from_str(content_type) {
            response
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, value);
        }
        response
    }
}
