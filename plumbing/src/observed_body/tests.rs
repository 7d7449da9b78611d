//! The observed body, frame by frame, with every way a chunk can split.

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
