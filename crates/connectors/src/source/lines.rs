//! Lines of a byte range, each with its absolute start offset and its number within the range.

use std::fs::File;
use std::io;

use memchr::memchr;

use super::chunk::ChunkedFile;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line: where it starts, its 0-based index within the share, and its bytes (without the
/// `\n`, a trailing `\r`, or a UTF-8 byte-order mark at file start).
pub(crate) struct Line<'a> {
    /// Absolute byte offset of the line's first byte.
    pub offset: u64,
    /// Index of the line within this reader's range (0 for the first).
    pub index: u64,
    /// The line's content.
    pub bytes: &'a [u8],
}

/// Reads the lines of `[begin, end)`; the range must start at a line start.
pub(crate) struct LineReader {
    chunk: ChunkedFile,
    lines: u64,
    scanned: usize,
}

impl LineReader {
    /// Reads the lines of `file` in `[begin, end)`.
    pub(crate) fn new(file: File, begin: u64, end: u64) -> io::Result<Self> {
        Ok(LineReader {
            chunk: ChunkedFile::new(file, begin, end)?,
            lines: 0,
            scanned: 0,
        })
    }

    /// File offset of the first byte not yet returned in a line.
    pub(crate) fn position(&self) -> u64 {
        self.chunk.offset()
    }

    /// The next line, or `None` at the end of the range. A last line without a newline
    /// counts (streaming readers end their ranges after a newline, so never see one).
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            let avail = self.chunk.available();
            if let Some(i) = memchr(b'\n', &avail[self.scanned..]) {
                let len = self.scanned + i;
                self.scanned = 0;
                return Ok(Some(self.take(len, len + 1)));
            }
            self.scanned = avail.len();
            if !self.chunk.fill()? {
                let len = self.chunk.available().len();
                self.scanned = 0;
                if len == 0 {
                    return Ok(None);
                }
                return Ok(Some(self.take(len, len)));
            }
        }
    }

    fn take(&mut self, len: usize, consumed: usize) -> Line<'_> {
        let offset = self.chunk.offset();
        let index = self.lines;
        self.lines += 1;
        self.chunk.consume(consumed);
        // `consume` only moves the cursor; the bytes stay in the buffer until the next fill.
        let avail = self.chunk.consumed_tail(consumed);
        let mut bytes = &avail[..len];
        if bytes.last() == Some(&b'\r') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if offset == 0 && bytes.starts_with(BOM) {
            bytes = &bytes[BOM.len()..];
        }
        Line {
            offset,
            index,
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn lines(text: &str, begin: u64, end: u64) -> Vec<(u64, u64, String)> {
        let dir = TempDir::new();
        let path = dir.write("f", text);
        let mut r = LineReader::new(File::open(path).unwrap(), begin, end).unwrap();
        let mut out = vec![];
        while let Some(l) = r.next_line().unwrap() {
            out.push((
                l.offset,
                l.index,
                String::from_utf8(l.bytes.to_vec()).unwrap(),
            ));
        }
        out
    }

    #[test]
    fn splits_lines_with_offsets() {
        let got = lines("\u{feff}ab\r\n\ncd", 0, 10);
        assert_eq!(
            got,
            vec![(0, 0, "ab".into()), (7, 1, "".into()), (8, 2, "cd".into())]
        );
        assert_eq!(lines("ab\ncd\nef\n", 3, 6), vec![(3, 0, "cd".into())]);
        assert_eq!(lines("", 0, 0), vec![]);
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let long = "x".repeat(3 << 20);
        let text = format!("{long}\nshort\n");
        let got = lines(&text, 0, text.len() as u64);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].2.len(), 3 << 20);
        assert_eq!(got[1], ((3 << 20) + 1, 1, "short".into()));
    }
}
