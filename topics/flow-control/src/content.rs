//! The file both sides agree on, without a file: its bytes are a function
//! of their offset, so the server makes any piece of a 1 GiB "file" on the
//! fly, in any order, from any offset, and keeps none of it; and the
//! checksum both sides compute over it.
//!
//! Byte `i` is byte `i % 8` of `splitmix64(i / 8)`: pseudo-random (so no
//! compression or pattern hides a mistake), deterministic (the same on
//! every machine, in Python too: `interop/topics/flow_control_client.py`
//! writes the same ten lines).

/// One step of SplitMix64 (Steele, Lea and Flood, 2014): a well-known
/// mixer that turns 0, 1, 2, ... into 64 bits that look random.
fn splitmix64(n: u64) -> u64 {
    let mut z = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fills `buf` with the file's bytes from `offset` on.
pub fn fill(offset: u64, buf: &mut [u8]) {
    // The word holding byte `at`, little-endian: made once per 8 bytes.
    let mut word = splitmix64(offset / 8).to_le_bytes();
    for (i, byte) in buf.iter_mut().enumerate() {
        let at = offset + i as u64;
        if at.is_multiple_of(8) {
            word = splitmix64(at / 8).to_le_bytes();
        }
        *byte = word[(at % 8) as usize];
    }
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo): the simplest well-known checksum
/// that can be computed piece by piece, one byte at a time, in three
/// lines. Not a cryptographic hash: it catches a lost, repeated or
/// corrupted piece, not an attacker. (No CRC crate is in this crate's
/// dependency tree; FNV-1a needs none, and Python writes it as easily.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        // The 64-bit offset basis, from the FNV specification.
        Fnv1a(0xCBF2_9CE4_8422_2325)
    }
}

impl Fnv1a {
    /// Adds `bytes`, which follow the bytes added before.
    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    /// The checksum of everything added so far.
    pub fn value(self) -> u64 {
        self.0
    }
}

/// The checksum of the file's first `size` bytes, made in pieces of
/// `piece` bytes: what the server does before a resumed download, so that
/// its final checksum is still the whole file's.
pub fn checksum_of_first(size: u64, piece: usize) -> Fnv1a {
    let mut hasher = Fnv1a::default();
    let mut buf = vec![0; piece];
    let mut at = 0;
    while at < size {
        let len = piece.min((size - at) as usize);
        fill(at, &mut buf[..len]);
        hasher.update(&buf[..len]);
        at += len as u64;
    }
    hasher
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_specifications_test_vectors() {
        // From the FNV reference test suite: "" and "a".
        assert_eq!(Fnv1a::default().value(), 0xcbf2_9ce4_8422_2325);
        let mut a = Fnv1a::default();
        a.update(b"a");
        assert_eq!(a.value(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn any_piece_is_the_same_bytes_as_the_whole() {
        let mut whole = vec![0; 100];
        fill(0, &mut whole);
        let mut piece = vec![0; 13];
        fill(37, &mut piece);
        assert_eq!(piece, whole[37..50]);
        // And in pieces the checksum is the same as in one go.
        let mut one = Fnv1a::default();
        one.update(&whole);
        assert_eq!(checksum_of_first(100, 7), one);
    }
}
