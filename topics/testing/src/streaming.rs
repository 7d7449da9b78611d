//! A `tonic::Streaming` made by hand, for level 1.
//!
//! A client-streaming or bidirectional method takes a
//! `Request<Streaming<HelloRequest>>`. tonic makes a `Streaming` from the
//! HTTP/2 body of a call, as it arrives: there is no
//! `Streaming::from(vec![...])`. But its constructor is public, and it
//! decodes any HTTP body: so we write the body ourselves, in gRPC's
//! framing, and let tonic's own decoder read it back.
//!
//! gRPC's framing is simple: each message goes out as
//!
//! ```text
//! | 0 (not compressed) | length, 4 bytes big-endian | the protobuf bytes |
//! ```
//!
//! This is the one place where level 1 writes wire bytes. It writes them
//! well enough for a handler to read; how a real client writes them
//! (flow control, compression, the end of the stream as HTTP/2 sends it)
//! is level 2's.

// Test-support code, like the workspace's `test-support` crate: a helper
// that cannot do its job fails the test that called it, with the reason.
#![allow(clippy::expect_used)]

use bytes::{BufMut, BytesMut};
use http_body_util::Full;
use tonic::Streaming;
use tonic_prost::ProstDecoder;

/// The stream a client would send: `messages`, in gRPC's framing, then the
/// end of the stream (the client's half-close). Reading it yields each
/// message, then `None`.
pub fn streaming<M>(messages: impl IntoIterator<Item = M>) -> Streaming<M>
where
    M: prost::Message + Default + Send + 'static,
{
    let mut body = BytesMut::new();
    for message in messages {
        let bytes = message.encode_to_vec();
        let length = u32::try_from(bytes.len()).expect("a message under 4 GiB");
        body.put_u8(0);
        body.put_u32(length);
        body.put_slice(&bytes);
    }
    // `Full`: a body that is all there at once. tonic's decoder reads it
    // as it would read a network's: frame by frame.
    Streaming::new_request(
        ProstDecoder::<M>::default(),
        Full::new(body.freeze()),
        None,
        None,
    )
}
