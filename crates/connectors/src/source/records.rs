//! CSV records of a byte range (csv-core), each with its exact start offset and line.

use std::fs::File;
use std::io;

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::chunk::ChunkedFile;

/// Where a record came from.
pub(crate) struct RecordAt {
    /// Absolute offset of the record's first byte.
    pub offset: u64,
    /// 0-based index of the record's first line within this reader's range.
    pub line: u64,
}

/// Reads the CSV records of `[begin, end)`; the range must start at a record boundary.
pub(crate) struct RecordReader {
    chunk: ChunkedFile,
    core: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    fields: usize,
    skipped_newlines: u64,
    done: bool,
}

impl RecordReader {
    /// Reads the records of `file` in `[begin, end)`.
    pub(crate) fn new(
        file: File,
        begin: u64,
        end: u64,
        delimiter: u8,
        quote: u8,
    ) -> io::Result<Self> {
        Ok(RecordReader {
            chunk: ChunkedFile::new(file, begin, end)?,
            core: ReaderBuilder::new()
                .delimiter(delimiter)
                .quote(quote)
                .build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            fields: 0,
            skipped_newlines: 0,
            done: false,
        })
    }

    /// File offset just past the bytes consumed so far.
    pub(crate) fn offset(&self) -> u64 {
        self.chunk.offset()
    }

    /// The number of fields of the current record.
    pub(crate) fn len(&self) -> usize {
        self.fields
    }

    /// Field `i` of the current record (unquoted bytes).
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.out[start..self.ends[i]]
    }

    /// Skips blank lines (and the `\n` of a `\r\n` the core left behind) before a record.
    fn skip_blank(&mut self) -> io::Result<()> {
        loop {
            let avail = self.chunk.available();
            let blank = avail
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            self.skipped_newlines += avail[..blank].iter().filter(|&&b| b == b'\n').count() as u64;
            self.chunk.consume(blank);
            if !self.chunk.available().is_empty() || !self.chunk.fill()? {
                return Ok(());
            }
        }
    }

    /// Reads the next record; `None` at the end of the range.
    pub(crate) fn next_record(&mut self) -> io::Result<Option<RecordAt>> {
        if self.done {
            return Ok(None);
        }
        self.skip_blank()?;
        let at = RecordAt {
            offset: self.chunk.offset(),
            line: self.core.line() - 1 + self.skipped_newlines,
        };
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            if self.chunk.available().is_empty() && !self.chunk.at_eof() {
                self.chunk.fill()?;
            }
            let (res, nin, nout, nend) = self.core.read_record(
                self.chunk.available(),
                &mut self.out[outlen..],
                &mut self.ends[endlen..],
            );
            self.chunk.consume(nin);
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    self.fields = endlen;
                    return Ok(Some(at));
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn records(text: &str, delimiter: u8) -> Vec<(u64, u64, Vec<String>)> {
        let dir = TempDir::new();
        let path = dir.write("f.csv", text);
        let mut r = RecordReader::new(
            File::open(path).unwrap(),
            0,
            text.len() as u64,
            delimiter,
            b'"',
        )
        .unwrap();
        let mut out = vec![];
        while let Some(at) = r.next_record().unwrap() {
            let fields = (0..r.len())
                .map(|i| String::from_utf8(r.field(i).to_vec()).unwrap())
                .collect();
            out.push((at.offset, at.line, fields));
        }
        out
    }

    #[test]
    fn quotes_and_embedded_newlines() {
        let got = records("a,b\r\n\"x,\"\"1\"\"\ny\",2\r\n\r\nlast,3", b',');
        assert_eq!(
            got,
            vec![
                (0, 0, vec!["a".into(), "b".into()]),
                (5, 1, vec!["x,\"1\"\ny".into(), "2".into()]),
                (22, 4, vec!["last".into(), "3".into()]),
            ]
        );
    }

    #[test]
    fn other_delimiter() {
        let got = records("a;b\n1;\"2;3\"\n", b';');
        assert_eq!(got[1].2, vec!["1".to_string(), "2;3".to_string()]);
    }
}
