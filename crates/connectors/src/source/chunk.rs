//! A byte range of a file read in large chunks, with the absolute offset of every byte.
//!
//! Static sources read their share `[begin, end)`; streaming sources read each new range of
//! complete lines/records (ending at a newline) with a fresh one.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

const CHUNK: usize = 1 << 20;

/// Buffered reader over `[begin, end)` of one file.
pub(crate) struct ChunkedFile {
    file: File,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    /// File offset of `buf[pos]`.
    offset: u64,
    /// File offset of the next byte to read from the file.
    read_offset: u64,
    end: u64,
    eof: bool,
}

impl ChunkedFile {
    /// Reads `file` from `begin` up to (not including) `end`.
    pub(crate) fn new(mut file: File, begin: u64, end: u64) -> io::Result<Self> {
        file.seek(SeekFrom::Start(begin))?;
        // A small range (a streaming append) gets a small buffer; `fill` grows it if needed.
        let size = usize::try_from(end.saturating_sub(begin))
            .unwrap_or(CHUNK)
            .clamp(64, CHUNK);
        Ok(ChunkedFile {
            file,
            buf: vec![0; size],
            pos: 0,
            filled: 0,
            offset: begin,
            read_offset: begin,
            end,
            eof: begin >= end,
        })
    }

    /// File offset of the first unconsumed byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The buffered, unconsumed bytes (may be empty).
    pub(crate) fn available(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// The `n` bytes consumed last (valid until the next `fill`).
    pub(crate) fn consumed_tail(&self, n: usize) -> &[u8] {
        &self.buf[self.pos - n..self.pos]
    }

    /// True once every byte of the range has been buffered.
    pub(crate) fn at_eof(&self) -> bool {
        self.eof
    }

    /// Marks `n` available bytes as consumed.
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(self.pos + n <= self.filled);
        self.pos += n;
        self.offset += n as u64;
    }

    /// Reads more of the range, keeping unconsumed bytes (growing the buffer when they fill
    /// it). Returns false when nothing more could be read (end of range or of file).
    pub(crate) fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
        }
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let room = self.buf.len() - self.filled;
        let want = room.min(usize::try_from(self.end - self.read_offset).unwrap_or(usize::MAX));
        let n = loop {
            match self
                .file
                .read(&mut self.buf[self.filled..self.filled + want])
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.filled += n;
        self.read_offset += n as u64;
        if n == 0 || self.read_offset >= self.end {
            self.eof = true;
        }
        Ok(n > 0)
    }
}
