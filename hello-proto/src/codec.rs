//! How the generated code turns messages into bytes and back: prost's
//! codec, with smaller buffers than tonic's default.
//!
//! tonic gives every call a buffer to encode its replies into and one to
//! decode its requests from, each allocated when the call starts and grown
//! in steps of the same size when a message needs more. Its default, 8 KiB
//! each, is there for large messages; ours are a few bytes, and a server
//! holding 10,000 open streams (a bidi chat each) would allocate 160 MiB
//! for them. With 1 KiB steps a call starts small, and a large message (up
//! to `--max-message-bytes`) still fits: the buffer grows. Measured
//! (`bench/streams.sh`): an open stream costs our bidi server 6.0 KiB of
//! memory with these buffers, 12.1 KiB with tonic's; the instructions per
//! message are the same. A tuning, not something a gRPC program needs:
//! tonic's default works, and costs more memory only when many streams
//! are open at once.

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{BufferSettings, Codec};
use tonic_prost::{ProstDecoder, ProstEncoder};

/// The buffer every call starts with, and the step it grows by.
const BUFFER_SIZE: usize = 1024;

/// How many bytes of ready replies tonic gathers into one write: its
/// default (32 KiB), which keeps a fast stream's writes large. Restated
/// only because `BufferSettings::new` takes both values.
const YIELD_THRESHOLD: usize = 32 * 1024;

/// prost's codec for `T` (sent) and `U` (received), with 1 KiB buffers.
/// `build.rs` names it to the code generator (`codec_path`).
#[derive(Debug, Clone)]
pub struct SmallBuffers<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for SmallBuffers<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T, U> Codec for SmallBuffers<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ProstDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(BufferSettings::new(BUFFER_SIZE, YIELD_THRESHOLD))
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::new(BufferSettings::new(BUFFER_SIZE, YIELD_THRESHOLD))
    }
}
