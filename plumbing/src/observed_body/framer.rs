//! Finding gRPC messages in a body's chunks, however they are split.

use super::{PREFIX_LEN, Prefix};

/// Finds the messages in a body's chunks, remembering between chunks
/// where the last one stopped: between two messages (maybe inside a
/// prefix), or inside a message.
#[derive(Debug, Default)]
pub(super) struct Framer {
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
pub(super) enum Piece<'a> {
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
    pub(super) fn next<'a>(&mut self, chunk: &mut &'a [u8]) -> Option<Piece<'a>> {
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
