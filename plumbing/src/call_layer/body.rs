//! The reply body of every call: it ends with the status a limit calls for
//! (DEADLINE_EXCEEDED, or UNAVAILABLE at shutdown) if the limit is reached
//! before the reply is complete.

use std::{
    pin::Pin,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body as _, Frame};
use tonic::{Status, body::Body};

use super::{Limits, Watch};

pin_project_lite::pin_project! {
    /// A reply body (one message, or a stream of them) that ends with
    /// DEADLINE_EXCEEDED or UNAVAILABLE trailers if a limit is reached first.
    pub(super) struct GuardedBody {
        // The reply as the handler produces it.
        #[pin]
        inner: Body,
        // The call's deadline and the shutdown cutoff.
        limits: Option<Limits>,
        // Set once we have ended the body ourselves.
        ended: bool,
        // Notices if the reply is dropped before its end.
        watch: Option<Watch>,
    }
}

impl GuardedBody {
    /// The reply `inner`, ended early if one of `limits` is reached first;
    /// if `watched`, a reply dropped before its end is logged.
    pub(super) fn new(inner: Body, limits: Option<Limits>, watched: bool) -> Self {
        // A reply that is over before it starts (a "trailers-only" error,
        // its status in the headers) is never read, and that is no loss.
        let over = inner.is_end_stream();
        let watch = limits.as_ref().filter(|_| watched && !over).map(|limits| {
            let when = "during the reply; the rest of it was dropped";
            Watch::new(limits.method.clone(), when)
        });
        Self {
            inner,
            limits,
            ended: false,
            watch,
        }
    }
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let mut this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = this.inner.as_mut().poll_frame(cx) {
            let last = match &frame {
                Some(Ok(frame)) => frame.is_trailers(),
                _ => true,
            };
            // A body that knows it is complete (a page's file, served
            // beside gRPC over HTTP/1.1) is never polled to its end.
            let last = last || this.inner.is_end_stream();
            if last && let Some(watch) = this.watch {
                watch.finished = true;
            }
            return Poll::Ready(frame);
        }
        let Some(limits) = this.limits else {
            return Poll::Pending;
        };
        let status = ready!(limits.poll_reached(cx));
        // Ending the body drops the handler's stream: its producer stops.
        *this.ended = true;
        if let Some(watch) = this.watch {
            watch.finished = true;
        }
        Poll::Ready(Some(Ok(Frame::trailers(trailers_of(status)))))
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }
}

/// The trailers that end a call with `status`: `grpc-status`, `grpc-message`.
fn trailers_of(status: Status) -> HeaderMap {
    let (parts, ()) = status.into_http::<()>().into_parts();
    let mut trailers = parts.headers;
    // A status sent as a whole response also carries the content type; in
    // trailers it does not belong.
    trailers.remove(http::header::CONTENT_TYPE);
    trailers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call_layer::SHUTTING_DOWN;

    #[test]
    fn shutdown_trailers_carry_unavailable() {
        let trailers = trailers_of(Status::unavailable(SHUTTING_DOWN));
        assert_eq!(trailers["grpc-status"], "14");
        assert!(!trailers.contains_key("content-type"));
    }
}
