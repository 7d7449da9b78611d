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
//!   last chunk stopped (the `Framer` below);
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

/// Finds the messages in a body's chunks, remembering between chunks
/// where the last one stopped: between two messages (maybe inside a
/// prefix), or inside a message.
#[derive(Debug, Default)]
struct Framer {
    /// The bytes of the current prefix seen so far.
    prefix: [u8; PREFIX_LEN],
    /// How many of them: 0 to 4 between chunks.
    prefix_len: usize,
    /// Inside a message: how many of its bytes are still to come. `None`
    /// between messages, where the next byte belongs to a prefix.
    remaining: Option<usize>,
}

/// What a [`Framer`] finds next in a chunk.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    /// A prefix is complete: a message begins.
    Started(Prefix),
    /// Bytes of the current message.
    Bytes(&'a [u8]),
    /// The current message is complete.
    Ended,
}

impl Framer {
    /// The next piece of `chunk`, which is advanced past the bytes read;
    /// `None` once the chunk is used up.
    fn next<'a>(&mut self, chunk: &mut &'a [u8]) -> Option<Piece<'a>> {
        if let Some(remaining) = self.remaining {
            if remaining == 0 {
                self.remaining = None;
                return Some(Piece::Ended);
            }
            if chunk.is_empty() {
                return None;
            }
            let (bytes, rest) = chunk.split_at(remaining.min(chunk.len()));
            *chunk = rest;
            self.remaining = Some(remaining - bytes.len());
            return Some(Piece::Bytes(bytes));
        }
        // Between messages: a prefix, maybe split across chunks.
        let take = (PREFIX_LEN - self.prefix_len).min(chunk.len());
        let (bytes, rest) = chunk.split_at(take);
        *chunk = rest;
        self.prefix[self.prefix_len..][..take].copy_from_slice(bytes);
        self.prefix_len += take;
        if self.prefix_len < PREFIX_LEN {
            // The chunk ended inside the prefix (or was empty).
            return None;
        }
        self.prefix_len = 0;
        let [flag, length @ ..] = self.prefix;
        let prefix = Prefix {
            compressed: flag & 1 == 1,
            len: u32::from_be_bytes(length),
        };
        self.remaining = Some(usize::try_from(prefix.len).unwrap_or(usize::MAX));
        Some(Piece::Started(prefix))
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::VecDeque, sync::mpsc, task::Waker};

    use super::*;

    /// Two messages, of 3 and 0 bytes, as they travel: prefix, then payload.
    const TWO_MESSAGES: [u8; 13] = [0, 0, 0, 0, 3, 8, 7, 0, 0, 0, 0, 0, 0];

    /// Keeps what it is told, to compare.
    #[derive(Debug, Default)]
    struct Seen {
        /// Each message: its prefix and its bytes, once complete.
        messages: Vec<(Prefix, Vec<u8>)>,
        current: Option<(Prefix, Vec<u8>)>,
        codes: Vec<Option<Code>>,
        /// Refuse messages longer than this.
        limit: Option<u32>,
    }

    impl Observer for &mut Seen {
        fn admit(&mut self, prefix: Prefix) -> Result<(), Status> {
            match self.limit {
                Some(limit) if prefix.len > limit => Err(Status::resource_exhausted("too long")),
                _ => Ok(()),
            }
        }
        fn message_started(&mut self, prefix: Prefix) {
            self.current = Some((prefix, Vec::new()));
        }
        fn message_bytes(&mut self, bytes: &[u8]) {
            self.current.as_mut().unwrap().1.extend_from_slice(bytes);
        }
        fn message_ended(&mut self) {
            let message = self.current.take().unwrap();
            self.messages.push(message);
        }
        fn status(&mut self, status: FinalStatus<'_>) {
            self.codes.push(status.code());
        }
    }

    /// A body of ready frames.
    struct Frames(VecDeque<Frame<Bytes>>);

    impl http_body::Body for Frames {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    /// Every frame `observer`'s body gives for `frames`, until its end.
    fn pass(frames: Vec<Frame<Bytes>>, observer: &mut Seen) -> Vec<Result<Frame<Bytes>, Status>> {
        let body = Body::new(Frames(frames.into()));
        let mut body = std::pin::pin!(ObservedBody::new(body, observer));
        let mut cx = Context::from_waker(Waker::noop());
        let mut out = Vec::new();
        while let Poll::Ready(Some(frame)) = http_body::Body::poll_frame(body.as_mut(), &mut cx) {
            out.push(frame);
        }
        out
    }

    fn data(bytes: &[u8]) -> Frame<Bytes> {
        Frame::data(Bytes::copy_from_slice(bytes))
    }

    #[test]
    fn messages_are_read_wherever_the_chunks_split_them() {
        let expected = [
            (
                Prefix {
                    compressed: false,
                    len: 3,
                },
                vec![8, 7, 0],
            ),
            (
                Prefix {
                    compressed: false,
                    len: 0,
                },
                vec![],
            ),
        ];
        // Every way of cutting the bytes into three chunks (some empty).
        for first in 0..=TWO_MESSAGES.len() {
            for second in first..=TWO_MESSAGES.len() {
                let chunks = [
                    &TWO_MESSAGES[..first],
                    &TWO_MESSAGES[first..second],
                    &TWO_MESSAGES[second..],
                ];
                let mut seen = Seen::default();
                let frames = pass(chunks.map(data).into(), &mut seen);
                assert_eq!(frames.len(), 3);
                assert_eq!(seen.messages, expected, "cut at {first} and {second}");
            }
        }
    }

    #[test]
    fn the_status_comes_from_the_trailers_or_the_headers_of_a_trailers_only_reply() {
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "5".parse().unwrap());
        let mut seen = Seen::default();
        pass(
            vec![data(&TWO_MESSAGES), Frame::trailers(trailers)],
            &mut seen,
        );
        assert_eq!(seen.codes, [Some(Code::NotFound)]);

        // An observer that must live as long as the body it watches.
        struct Codes(mpsc::Sender<Option<Code>>);
        impl Observer for Codes {
            fn status(&mut self, status: FinalStatus<'_>) {
                self.0.send(status.code()).unwrap();
            }
        }
        let (codes, seen) = mpsc::channel();
        let response = Status::unimplemented("no such method").into_http::<Body>();
        drop(observe_response(response, Codes(codes)));
        assert_eq!(
            seen.try_iter().collect::<Vec<_>>(),
            [Some(Code::Unimplemented)]
        );
    }

    #[test]
    fn a_refused_message_never_shows_its_length_and_ends_the_body_with_the_status() {
        // A message of 3 bytes, then the prefix of one of 1000.
        let mut chunk = TWO_MESSAGES[..8].to_vec();
        chunk.extend_from_slice(&[0, 0, 0, 3, 232, 1, 2]);
        let mut seen = Seen {
            limit: Some(100),
            ..Seen::default()
        };
        let frames = pass(vec![data(&chunk), data(&[3, 4])], &mut seen);
        let [Ok(passed), Err(status)] = &frames[..] else {
            panic!("not a chunk then an error: {frames:?}");
        };
        // The first message and 4 bytes of the refused one's prefix.
        assert_eq!(passed.data_ref().unwrap()[..], chunk[..12]);
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert_eq!(seen.messages.len(), 1);

        // Refused by a prefix that ends a chunk's first byte: only the error.
        let mut seen = Seen {
            limit: Some(100),
            ..Seen::default()
        };
        let frames = pass(vec![data(&[0, 0, 0, 3]), data(&[232, 1])], &mut seen);
        assert!(
            matches!(&frames[..], [Ok(_), Err(_)]),
            "the prefix's first 4 bytes, then the error: {frames:?}"
        );
    }
}
