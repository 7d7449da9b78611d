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
//!
//! **A label's values come from a closed list, never from the client.**
//! Each distinct set of labels is one more series, kept forever and sent
//! in every scrape. The path of a call is the client's to choose: labelled
//! by it, 2,000 calls to invented methods made `/metrics` 7.1 MB (and the
//! server's memory grows with it). So only the methods this server
//! serves are counted by name; every other call (an invented method, an
//! unknown service, the health check) is counted under
//! `grpc_service="other",grpc_method="other"`, as gRPC's OpenTelemetry
//! metrics do for a method the server did not register (gRFC A66). The
//! status code is already a closed list: 17 codes.
//!
//! **The listener survives a hostile client.** A connection that has not
//! sent its request within `--handshake-timeout-ms` is closed, as the gRPC
//! port closes a silent one; and when `accept` fails (usually: out of file
//! descriptors), the loop pauses before it tries again, instead of
//! retrying at once, forever, at full speed.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
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

/// The `grpc_service` and `grpc_method` of every call to a method this
/// server does not serve.
pub const OTHER: &str = "other";

/// How long the accept loop waits after a failed `accept` before trying
/// again: the failure is usually "too many open files", which only a
/// connection closing elsewhere cures. Retried at once, it fails again at
/// once: a loop spinning on one core, and a log line each time. (The gRPC
/// port's accept loop, in the plumbing, waits the same.)
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The labels of every sample: which method, and how it ended. All three
/// are `&'static str`: names from the server's own list, never text a
/// client sent.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// The gRPC service, e.g. `hello.DoStuff`, or [`OTHER`].
    pub grpc_service: &'static str,
    /// The method, e.g. `say_hello`, or [`OTHER`].
    pub grpc_method: &'static str,
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
    /// Calls completed, per labels.
    handled: Family<CallLabels, Counter>,
    /// How long they took, per labels.
    handling_seconds: Family<CallLabels, Histogram, fn() -> Histogram>,
    /// Both, for the text of a scrape.
    registry: Arc<Registry>,
    /// The service whose methods are counted by name, e.g. `hello.DoStuff`.
    service: &'static str,
    /// Its methods that this server serves: the only method names a label
    /// takes.
    methods: &'static [&'static str],
}

impl Metrics {
    /// Both metrics, registered (with their help text) for `/metrics`;
    /// the calls to `methods` of `service` are counted by name, all others
    /// as [`OTHER`].
    pub fn new(service: &'static str, methods: &'static [&'static str]) -> Metrics {
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
            service,
            methods,
        }
    }

    /// Counts one call of `service`/`method` (as the request's path named
    /// them) that ended with `code` after `took`.
    pub fn record(&self, service: &str, method: &str, code: Code, took: Duration) {
        let (grpc_service, grpc_method) = self.known(service, method).unwrap_or((OTHER, OTHER));
        let labels = CallLabels {
            grpc_service,
            grpc_method,
            grpc_code: plumbing::code_name(code),
        };
        self.handled.get_or_create(&labels).inc();
        (self.handling_seconds.get_or_create(&labels)).observe(took.as_secs_f64());
    }

    /// Our own names for `service`/`method`, if this server serves it.
    fn known(&self, service: &str, method: &str) -> Option<(&'static str, &'static str)> {
        if service != self.service {
            return None;
        }
        let method = self.methods.iter().find(|known| **known == method)?;
        Some((self.service, method))
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
    /// /metrics` gets [`Metrics::text`], any other path 404. A connection
    /// that has not sent a request's headers within `header_timeout` (the
    /// server's `--handshake-timeout-ms`) is closed, whether it said nothing
    /// or is sending them a byte at a time.
    pub fn serve(
        self,
        listener: TcpListener,
        header_timeout: Duration,
    ) -> Result<SocketAddr, std::io::Error> {
        let addr = listener.local_addr()?;
        info!("metrics on http://{addr}/metrics (for Prometheus to scrape)");
        let mut http = http1::Builder::new();
        // hyper's timeouts need a clock to run on: tokio's. Without one, it
        // waits for the headers forever (a silent connection stays open).
        // The timeout also ends a kept-alive connection idle for as long
        // between two requests: a scraper simply connects again.
        http.timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(why) => {
                        warn!(
                            "metrics: cannot accept a connection: {why}; trying again in {} ms",
                            ACCEPT_RETRY.as_millis()
                        );
                        tokio::time::sleep(ACCEPT_RETRY).await;
                        continue;
                    }
                };
                let metrics = self.clone();
                let answer = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let response = metrics.answer(request.uri().path());
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                tokio::spawn(http.serve_connection(TokioIo::new(stream), answer));
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
