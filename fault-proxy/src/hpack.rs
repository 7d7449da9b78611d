//! HPACK (RFC 7541), the decoding half: how HTTP/2 writes header fields.
//!
//! A HEADERS frame does not carry `:path: /hello.DoStuff/say_hello` as text.
//! Each side keeps a **table** of fields it has seen: 61 fixed ones (the
//! static table: `:method: POST` is entry 3) and a **dynamic** one that
//! the sender fills as it goes. A field already in a table is sent as one
//! index byte; a new one as a literal, often Huffman-coded, that the
//! sender may add to the table. So the second call's HEADERS are a few
//! bytes: that is why the decoder must see *every* header block of a
//! direction, in order, and why there is one [`Decoder`] per direction of a
//! connection (each direction has its own dynamic table).
//!
//! Written here (h2's decoder is private to it): integers with an N-bit
//! prefix (§5.1), strings (§5.2), the static and dynamic tables (§2.3) and
//! Huffman (Appendix B), checked against the RFC's Appendix C examples.

use std::{collections::HashMap, collections::VecDeque, sync::OnceLock};

/// Why a header block could not be decoded: the bytes are not HPACK, or
/// the decoder missed part of the direction (its tables then disagree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpackError(pub &'static str);

impl std::fmt::Display for HpackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// The table size both sides start with (`SETTINGS_HEADER_TABLE_SIZE`'s
/// default, RFC 7540 §6.5.2).
const DEFAULT_TABLE_SIZE: usize = 4096;

/// Each dynamic entry costs its name and value plus 32 bytes (§4.1).
const ENTRY_OVERHEAD: usize = 32;

/// One direction's decoding state: its dynamic table.
#[derive(Debug)]
pub struct Decoder {
    /// Newest first: index 62 is the front (§2.3.3).
    dynamic: VecDeque<(String, String)>,
    /// The table's size now, by §4.1's count.
    size: usize,
    /// The most it may hold, as the last size update said.
    max: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            dynamic: VecDeque::new(),
            size: 0,
            max: DEFAULT_TABLE_SIZE,
        }
    }
}

impl Decoder {
    /// Decodes a whole header block (HEADERS + its CONTINUATIONs) into
    /// its fields, in order, updating the dynamic table as it goes.
    pub fn decode(&mut self, mut block: &[u8]) -> Result<Vec<(String, String)>, HpackError> {
        let mut fields = Vec::new();
        while let Some(&first) = block.first() {
            if first & 0x80 != 0 {
                // 1xxxxxxx: a field from a table, by index (§6.1).
                let index = integer(&mut block, 7)?;
                fields.push(self.entry(index)?);
            } else if first & 0x40 != 0 {
                // 01xxxxxx: a literal the receiver adds to its table (§6.2.1).
                let field = self.literal(&mut block, 6)?;
                self.insert(field.clone());
                fields.push(field);
            } else if first & 0x20 != 0 {
                // 001xxxxx: the table's new maximum size (§6.3).
                self.max = integer(&mut block, 5)?;
                self.evict();
            } else {
                // 0000xxxx / 0001xxxx: a literal not added (never-indexed
                // asks proxies to keep it out of their tables too).
                fields.push(self.literal(&mut block, 4)?);
            }
        }
        Ok(fields)
    }

    /// A literal field: a name (by index, or a string when the index is 0),
    /// then a value string.
    fn literal(&self, block: &mut &[u8], prefix: u8) -> Result<(String, String), HpackError> {
        let index = integer(block, prefix)?;
        let name = if index == 0 {
            string(block)?
        } else {
            self.entry(index)?.0
        };
        Ok((name, string(block)?))
    }

    /// Entry `index`: 1 to 61 the static table, above it the dynamic one.
    fn entry(&self, index: usize) -> Result<(String, String), HpackError> {
        if index == 0 {
            return Err(HpackError("index 0 is not a table entry"));
        }
        if let Some((name, value)) = STATIC_TABLE.get(index - 1) {
            return Ok(((*name).to_owned(), (*value).to_owned()));
        }
        self.dynamic
            .get(index - 1 - STATIC_TABLE.len())
            .cloned()
            .ok_or(HpackError(
                "index past the end of the tables (a header block was missed?)",
            ))
    }

    /// Adds a field at the front, evicting the oldest past the maximum.
    fn insert(&mut self, field: (String, String)) {
        self.size += field.0.len() + field.1.len() + ENTRY_OVERHEAD;
        self.dynamic.push_front(field);
        self.evict();
    }

    /// Drops the oldest entries until the table fits its maximum (§4.4).
    fn evict(&mut self) {
        while self.size > self.max {
            match self.dynamic.pop_back() {
                Some((name, value)) => self.size -= name.len() + value.len() + ENTRY_OVERHEAD,
                None => break,
            }
        }
    }
}

/// An integer with an N-bit prefix (§5.1): the prefix's bits if they are
/// not all ones, else more bytes, 7 bits each, low first.
fn integer(block: &mut &[u8], prefix: u8) -> Result<usize, HpackError> {
    let (&first, rest) = block
        .split_first()
        .ok_or(HpackError("a header block ends mid-integer"))?;
    *block = rest;
    let mask = (1u16 << prefix) as usize - 1;
    let mut value = usize::from(first) & mask;
    if value < mask {
        return Ok(value);
    }
    let mut shift = 0u32;
    loop {
        let (&byte, rest) = block
            .split_first()
            .ok_or(HpackError("a header block ends mid-integer"))?;
        *block = rest;
        value = (usize::from(byte & 0x7f))
            .checked_shl(shift)
            .and_then(|more| value.checked_add(more))
            .filter(|_| shift < 28)
            .ok_or(HpackError("an integer too large"))?;
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
}

/// A string (§5.2): a Huffman bit, a 7-bit-prefix length, the bytes.
fn string(block: &mut &[u8]) -> Result<String, HpackError> {
    let huffman = block.first().is_some_and(|first| first & 0x80 != 0);
    let length = integer(block, 7)?;
    if block.len() < length {
        return Err(HpackError("a header block ends mid-string"));
    }
    let (bytes, rest) = block.split_at(length);
    *block = rest;
    let bytes = if huffman {
        huffman_decode(bytes)?
    } else {
        bytes.to_vec()
    };
    // Header values are bytes; the page shows them as text, lossily.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Huffman-decodes (Appendix B), a bit at a time: codes are prefix-free,
/// so the first (length, bits) that is a code is the symbol.
fn huffman_decode(bytes: &[u8]) -> Result<Vec<u8>, HpackError> {
    let codes = huffman_codes();
    let mut out = Vec::with_capacity(bytes.len() * 8 / 5);
    let (mut code, mut length) = (0u32, 0u8);
    for byte in bytes {
        for bit in (0..8).rev() {
            code = (code << 1) | u32::from((byte >> bit) & 1);
            length += 1;
            if let Some(&symbol) = codes.get(&(length, code)) {
                out.push(symbol);
                (code, length) = (0, 0);
            } else if length >= 30 {
                return Err(HpackError("not a Huffman code"));
            }
        }
    }
    // What is left must be padding: fewer than 8 bits, all ones (§5.2).
    if length >= 8 || code != (1 << length) - 1 {
        return Err(HpackError("bad Huffman padding"));
    }
    Ok(out)
}

/// The Huffman table as (length, code) -> byte, built once.
fn huffman_codes() -> &'static HashMap<(u8, u32), u8> {
    static CODES: OnceLock<HashMap<(u8, u32), u8>> = OnceLock::new();
    CODES.get_or_init(|| {
        (0..=255u8)
            .map(|symbol| {
                let i = usize::from(symbol);
                ((HUFFMAN_LENGTHS[i], HUFFMAN_CODES[i]), symbol)
            })
            .collect()
    })
}

/// The static table (Appendix A): entries 1 to 61.
const STATIC_TABLE: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

// The Huffman code of each byte, and its length in bits (Appendix B; the
// EOS symbol is never sent, so it is left out).
#[rustfmt::skip]
const HUFFMAN_CODES: [u32; 256] = [
    0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7, 0xfffffe8,
    0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea, 0x3ffffffd, 0xfffffeb, 0xfffffec, 0xfffffed,
    0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3, 0xffffff4,
    0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb, 0x14, 0x3f8,
    0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa, 0x3fa, 0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18,
    0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb,
    0x3fc, 0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0,
    0x1ffc, 0x3ffc, 0x22, 0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26, 0x27, 0x6, 0x74, 0x75,
    0x28, 0x29, 0x2a, 0x7, 0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7ffe,
    0x7fc, 0x3ffd, 0x1ffd, 0xffffffc, 0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4,
    0x3fffd5, 0x7fffd9, 0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde, 0xffffeb,
    0x7fffdf, 0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3,
    0x7fffe4, 0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef, 0x3fffda,
    0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde, 0x7fffea, 0x3fffdd,
    0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec, 0x1fffe0, 0x1fffe1, 0x3fffe0,
    0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef, 0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4,
    0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1, 0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7,
    0x7ffff2, 0x3fffe8, 0x1ffffec, 0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf,
    0x3ffffe5, 0xfffff1, 0x1ffffed, 0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7,
    0x7ffffe2, 0xfffff2, 0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4,
    0x7ffffe5, 0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3,
    0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4, 0x3ffffeb,
    0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea, 0x7ffffeb,
    0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
];

#[rustfmt::skip]
const HUFFMAN_LENGTHS: [u8; 256] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5,
    5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6,
    6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22,
    23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22,
    21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20,
    22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19,
    21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22,
    22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
];
