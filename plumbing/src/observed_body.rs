//! Watching a call's messages and its final status as they pass, without
//! touching them: [`ObservedBody`] wraps a request's or a reply's body and
//! tells an [`Observer`] what goes through it.
//!
//! A tower layer sees a call as HTTP: a request with a body, a response
//! with a body. What gRPC puts in them:
//!
//! - each **message** is a 5-byte prefix (a flag saying whether it is
//!   compressed, then its length as 4 bytes, big endian) followed by that
//!   many bytes. HTTP/2 delivers the body in chunks that can end anywhere,
//!   even inside a prefix, so reading messages means remembering where the
//!   last chunk stopped (the `Framer`, in `framer.rs`);
//! - the **final status** (`grpc-status`, `grpc-message`) comes in the
//!   reply's *trailers*, after the last message; or, for a reply that fails
//!   before any message ("trailers-only", such as UNIMPLEMENTED or a refused
//!   token), in its headers, with an empty body ([`observe_response`]).
//!
//! Every layer of this workspace that reads what a body carries does it
//! through this one wrapper: the plumbing's call layer (a request message
//! over the size limit), the interceptors topic's call log and timing
//! (messages each way, the status), the observability topic's spans and
//! metrics (the status), the web crate's live feed (each message decoded,
//! the status).
//!
//! A body that is dropped, or fails, before its status never calls
//! [`Observer::status`]: the caller went away, or the connection broke.
//! An observer that must report every call does it when it is dropped,
//! which is when tonic lets go of the body.

use std::{
    pin::Pin,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use framer::{Framer, Piece};
use http::HeaderMap;
use http_body::Frame;
use tonic::{Code, Status, body::Body};

/// How many bytes a message's prefix takes: the flag, then the length.
const PREFIX_LEN: usize = 5;

/// The prefix of one gRPC message, as it travels before the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// The message is compressed (with the call's `grpc-encoding`).
    pub compressed: bool,
    /// The message's length in bytes, as sent (compressed, if it is).
    pub len: u32,
}

/// What an [`ObservedBody`] tells as its body passes. Every method does
/// nothing by default: an observer writes only the ones it needs.
pub trait Observer {
    /// Whether to read the messages at all. Reading them costs a few
    /// instructions per chunk of the body; an observer that wants only the
    /// status says `false`, and its chunks pass unread.
    fn reads_messages(&self) -> bool {
        true
    }

    /// A message is about to begin, and its prefix says how long it is:
    /// an `Err` refuses it. The body then ends with that status, and the
    /// reader never learns the message's length. Meant for a *request*'s
    /// body: tonic hands the error on as the call's status (the answer of a
    /// unary call; `Err` from the stream a streaming handler reads).
    fn admit(&mut self, _prefix: Prefix) -> Result<(), Status> {
        Ok(())
    }

    /// A message begins.
    fn message_started(&mut self, _prefix: Prefix) {}

    /// Some bytes of the current message: a message may come in many
    /// pieces, as the chunks of the body split it.
    fn message_bytes(&mut self, _bytes: &[u8]) {}

    /// The current message is complete.
    fn message_ended(&mut self) {}

    /// The call's final status arrived: in the trailers, or in the headers
    /// of a trailers-only reply.
    fn status(&mut self, _status: FinalStatus<'_>) {}
}

/// The headers (or trailers) that carry a call's final status. Read its
/// [`code`](Self::code) (cheap: no allocation), or the whole
/// [`status`](Self::status) with its message and details.
#[derive(Clone, Copy, Debug)]
pub struct FinalStatus<'a>(&'a HeaderMap);

impl FinalStatus<'_> {
    /// The status code, if `grpc-status` is there.
    pub fn code(self) -> Option<Code> {
        let value = self.0.get(Status::GRPC_STATUS)?;
        Some(Code::from_bytes(value.as_bytes()))
    }

    /// The whole status (code, message, details), if `grpc-status` is there.
    pub fn status(self) -> Option<Status> {
        Status::from_header_map(self.0)
    }
}

/// The request `request`, its body watched by `observer`.
pub fn observe_request<O>(request: http::Request<Body>, observer: O) -> http::Request<Body>
where
    O: Observer + Send + 'static,
{
    request.map(|body| Body::new(ObservedBody::new(body, observer)))
}

/// The reply `response`, watched by `observer`: the status of a
/// trailers-only reply at once (it is in the headers, and no trailers will
/// follow), the rest as the body passes.
pub fn observe_response<O>(response: http::Response<Body>, mut observer: O) -> http::Response<Body>
where
    O: Observer + Send + 'static,
{
    if response.headers().contains_key(Status::GRPC_STATUS) {
        observer.status(FinalStatus(response.headers()));
    }
    response.map(|body| Body::new(ObservedBody::new(body, observer)))
}

pin_project_lite::pin_project! {
    /// A body (a request's or a reply's) that tells its [`Observer`] about
    /// each message and the final status as they pass, and passes them on
    /// unchanged (unless the observer refuses a message).
    pub struct ObservedBody<O> {
        // The body as it arrived, or as the handler produced it.
        #[pin]
        inner: Body,
        // Told what passes.
        observer: O,
        // Where the last chunk left off, between messages or inside one.
        framer: Framer,
        // A message the observer refused: the body's next frame is this error.
        refused: Option<Status>,
        // Set once the refusal is sent: the body is over.
        over: bool,
    }
}

impl<O: Observer> ObservedBody<O> {
    /// `inner`, watched by `observer`.
    pub fn new(inner: Body, observer: O) -> Self {
        Self {
            inner,
            observer,
            framer: Framer::default(),
            refused: None,
            over: false,
        }
    }
}

impl<O: Observer> http_body::Body for ObservedBody<O> {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.project();
        if let Some(status) = this.refused.take() {
            *this.over = true;
            return Poll::Ready(Some(Err(status)));
        }
        if *this.over {
            return Poll::Ready(None);
        }
        let mut frame = match ready!(this.inner.poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            // The end, or an error: nothing to read.
            other => return Poll::Ready(other),
        };
        if let Some(data) = frame.data_mut() {
            if !this.observer.reads_messages() {
                return Poll::Ready(Some(Ok(frame)));
            }
            if let Some((cut, status)) = read(this.framer, this.observer, data) {
                // Pass on what came before the refused message; the error
                // comes next (now, if nothing came before it).
                data.truncate(cut);
                if data.is_empty() {
                    *this.over = true;
                    return Poll::Ready(Some(Err(status)));
                }
                *this.refused = Some(status);
            }
        } else if let Some(trailers) = frame.trailers_ref() {
            this.observer.status(FinalStatus(trailers));
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.over || (self.refused.is_none() && self.inner.is_end_stream())
    }
}

/// Tells `observer` about the messages in the chunk `data`. If it refuses
/// one, returns where to cut the chunk and the status to end the body
/// with: the cut keeps back the last byte of that message's prefix, so
/// that the reader never learns its length.
fn read<O: Observer>(
    framer: &mut Framer,
    observer: &mut O,
    data: &[u8],
) -> Option<(usize, Status)> {
    let mut rest = data;
    while let Some(piece) = framer.next(&mut rest) {
        match piece {
            Piece::Started(prefix) => {
                if let Err(status) = observer.admit(prefix) {
                    let prefix_ended = data.len() - rest.len();
                    return Some((prefix_ended - 1, status));
                }
                observer.message_started(prefix);
            }
            Piece::Bytes(bytes) => observer.message_bytes(bytes),
            Piece::Ended => observer.message_ended(),
        }
    }
    None
}

mod framer;
#[cfg(test)]
mod tests;
