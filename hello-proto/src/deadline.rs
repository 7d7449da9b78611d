//! Deadlines on the server side: the note's "execução pode ser temporizada".
//!
//! A client that sets a deadline sends it with the call as the `grpc-timeout`
//! header ("how long I will wait", e.g. `200m` for 200 ms). gRPC says that a
//! call whose deadline passes ends with DEADLINE_EXCEEDED. tonic's server does
//! enforce the header, but answers CANCELLED ("Timeout expired") from a layer
//! we cannot remove, and that answer can reach a client before the client's
//! own timer fires: the client then reports the wrong code.
//!
//! [`DeadlineLayer`] sits just inside tonic's timer and fires a moment
//! earlier, answering DEADLINE_EXCEEDED. Either way the handler's future is
//! *dropped*: in async Rust that is how work is cancelled, and it is the
//! moment we log that the call was abandoned.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use http::Uri;
use tokio::time::Sleep;
use tower::{Layer, Service};

/// How much earlier than tonic's own timer ours fires. Both timers round to
/// whole milliseconds, so one millisecond keeps ours first.
const MARGIN: Duration = Duration::from_millis(1);

/// Reads a `grpc-timeout` header value: 1 to 8 digits and a unit, `H`ours,
/// `M`inutes, `S`econds, `m`illis, `u` micros or `n`anos (e.g. `250m`).
///
/// Returns `None` for anything else, which gRPC says to treat as no deadline.
pub fn parse_grpc_timeout(value: &[u8]) -> Option<Duration> {
    let (unit, digits) = value.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // At most 8 digits, so this neither fails nor overflows below.
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

/// A tower layer that answers DEADLINE_EXCEEDED when a call's `grpc-timeout`
/// passes, and logs calls whose caller went away before the reply.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeadlineLayer;

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline { inner }
    }
}

/// The service [`DeadlineLayer`] wraps around the server's routes.
#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for Deadline<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let timeout = request
            .headers()
            .get("grpc-timeout")
            .and_then(|value| parse_grpc_timeout(value.as_bytes()));
        DeadlineFuture {
            watch: Watch {
                method: request.uri().clone(),
                finished: false,
            },
            sleep: timeout.map(|t| Box::pin(tokio::time::sleep(t.saturating_sub(MARGIN)))),
            inner: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// A call in progress: the handler's future, raced against the deadline.
    pub struct DeadlineFuture<F> {
        #[pin]
        inner: F,
        sleep: Option<Pin<Box<Sleep>>>,
        watch: Watch,
    }
}

impl<F, E> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<http::Response<tonic::body::Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(response) = this.inner.poll(cx) {
            this.watch.finished = true;
            return Poll::Ready(response);
        }
        if let Some(sleep) = this.sleep {
            ready!(sleep.as_mut().poll(cx));
            this.watch.finished = true;
            tracing::warn!(
                "{}: the caller's deadline passed; stopped the handler, answering DEADLINE_EXCEEDED",
                this.watch.method.path()
            );
            let status =
                tonic::Status::deadline_exceeded("the deadline passed before the reply was ready");
            return Poll::Ready(Ok(status.into_http()));
        }
        Poll::Pending
    }
}

/// Logs, when a call is dropped unfinished, that its caller gave up on it.
struct Watch {
    method: Uri,
    finished: bool,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.finished {
            tracing::warn!(
                "{}: the caller went away before the reply; the call was abandoned",
                self.method.path()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_unit_and_rejects_the_rest() {
        assert_eq!(
            parse_grpc_timeout(b"250m"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_grpc_timeout(b"1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout(b"2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_grpc_timeout(b"3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout(b"4u"), Some(Duration::from_micros(4)));
        assert_eq!(
            parse_grpc_timeout(b"99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        for bad in [
            &b""[..],
            b"m",
            b"10",
            b"123456789m",
            b"-1m",
            b"1x",
            b"1.5S",
            "1é".as_bytes(),
        ] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
    }
}
