//! A caller's deadline: how it arrives, and how much of it to pass on.
//!
//! gRPC sends no clock time over the wire. A client with a deadline sends,
//! with its call, how long it will still wait: the `grpc-timeout` header,
//! e.g. `1000000u` (a million microseconds, 1 s). The server turns that
//! back into a moment on its own clock: *now* plus the timeout.
//!
//! A server that calls another server during the call (our relay) must do
//! the same in the other direction: when it makes its own call, it sets the
//! time that is *left*, which is less than it received, since its own work
//! took some. tonic's `Request::set_timeout` writes that header. In grpc-go
//! and grpc-java this happens by itself (the deadline rides in the
//! `context.Context` / `io.grpc.Context` that the server hands the handler,
//! and the next call made with it carries it on); tonic has no such context
//! (its issue #2316), so the relay does it in three lines: [`of`] when the
//! call arrives, [`left`] when it calls on.

use std::time::{Duration, Instant};

use plumbing::grpc_timeout::parse_grpc_timeout;
use tonic::Request;

/// The header a deadline travels in.
pub const GRPC_TIMEOUT: &str = "grpc-timeout";

/// The `grpc-timeout` header `request` arrived with, as sent (`696873u`),
/// if it has one that can be read.
pub fn header<T>(request: &Request<T>) -> Option<&str> {
    request.metadata().get(GRPC_TIMEOUT)?.to_str().ok()
}

/// How long the caller said it would wait, from its `grpc-timeout`; `None`
/// for no header or one that cannot be read, which gRPC says to treat as
/// no deadline.
pub fn timeout<T>(request: &Request<T>) -> Option<Duration> {
    let value = request.metadata().get(GRPC_TIMEOUT)?;
    parse_grpc_timeout(value.as_bytes())
}

/// The caller's deadline as a moment on our clock: now (the call has just
/// arrived) plus its timeout. `None` if it set none, or one so far away
/// (`99999999H` is allowed) that the clock cannot hold it: no deadline either.
pub fn of<T>(request: &Request<T>) -> Option<Instant> {
    Instant::now().checked_add(timeout(request)?)
}

/// What is left until `deadline`, keeping `margin` back: the timeout to
/// set on the next call. Zero once that time has passed.
pub fn left(deadline: Instant, margin: Duration) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_without_a_readable_timeout_has_no_deadline() {
        let mut request = Request::new(());
        assert_eq!(of(&request), None);
        request
            .metadata_mut()
            .insert(GRPC_TIMEOUT, "soon".parse().unwrap());
        assert_eq!(header(&request), Some("soon"));
        assert_eq!(of(&request), None);
        // The largest timeout gRPC allows is about 11 000 years: no panic.
        request
            .metadata_mut()
            .insert(GRPC_TIMEOUT, "99999999H".parse().unwrap());
        assert!(timeout(&request).is_some());
    }

    #[test]
    fn set_timeout_writes_what_timeout_reads() {
        let mut request = Request::new(());
        request.set_timeout(Duration::from_millis(700));
        assert_eq!(header(&request), Some("700000u"));
        assert_eq!(timeout(&request), Some(Duration::from_millis(700)));
    }

    #[test]
    fn what_is_left_shrinks_by_the_margin_and_stops_at_zero() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let passed_on = left(deadline, Duration::from_secs(1));
        assert!(passed_on <= Duration::from_secs(9), "{passed_on:?}");
        assert!(passed_on > Duration::from_secs(8), "{passed_on:?}");
        assert_eq!(left(Instant::now(), Duration::ZERO), Duration::ZERO);
    }
}
