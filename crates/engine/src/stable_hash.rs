//! A hasher for the stable byte form of values (row ids, group ids): xxh3 over the bytes,
//! computed in one shot from a stack buffer for the short inputs ids are made of.
//!
//! xxh3 of a byte string does not depend on how it was fed, so this gives exactly what a
//! streaming `Xxh3` fed the same pieces gives (ids stay stable across versions and runs), without
//! the streaming state's set-up and per-piece copies, which cost more than the hash of a word.

use xxhash_rust::xxh3::{xxh3_128, xxh3_64, Xxh3};

/// Bytes held on the stack before the hasher switches to streaming.
const INLINE: usize = 256;

/// Collects bytes and hashes them with xxh3 (64 or 128 bits).
pub struct StableHasher {
    inline: [u8; INLINE],
    len: usize,
    /// Set once the input outgrew `inline`; it then holds everything fed so far.
    stream: Option<Box<Xxh3>>,
}

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher::new()
    }
}

impl StableHasher {
    /// An empty hasher.
    #[inline]
    pub fn new() -> StableHasher {
        StableHasher {
            inline: [0; INLINE],
            len: 0,
            stream: None,
        }
    }

    /// Appends `bytes` to the hashed input.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        if let Some(stream) = self.stream.as_mut() {
            stream.update(bytes);
        } else if let Some(room) = self.inline.get_mut(self.len..self.len + bytes.len()) {
            room.copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            let mut stream = Box::new(Xxh3::new());
            stream.update(&self.inline[..self.len]);
            stream.update(bytes);
            self.stream = Some(stream);
        }
    }

    /// The 128-bit xxh3 of everything appended.
    #[inline]
    pub fn digest128(&self) -> u128 {
        match &self.stream {
            Some(stream) => stream.digest128(),
            None => xxh3_128(&self.inline[..self.len]),
        }
    }

    /// The 64-bit xxh3 of everything appended.
    #[inline]
    pub fn digest(&self) -> u64 {
        match &self.stream {
            Some(stream) => stream.digest(),
            None => xxh3_64(&self.inline[..self.len]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_equal_streaming_xxh3_for_short_and_long_inputs() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i * 31 % 251) as u8).collect();
        for total in [0, 1, 16, 100, 255, 256, 257, 700, 2000] {
            for piece in [1, 7, 64, 300] {
                let mut ours = StableHasher::new();
                let mut reference = Xxh3::new();
                for chunk in data[..total].chunks(piece) {
                    ours.update(chunk);
                    reference.update(chunk);
                }
                assert_eq!(ours.digest128(), reference.digest128(), "{total}/{piece}");
                assert_eq!(ours.digest(), reference.digest(), "{total}/{piece}");
            }
        }
    }
}
