//! How workers share a file: worker `w` of `p` reads the lines (CSV: records) whose first
//! byte lies in `[w*len/p, (w+1)*len/p)`. Each bound is moved to the next line start, so
//! adjacent workers agree on the boundary and together read every line exactly once.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use memchr::{memchr, memchr2};

const SCAN: usize = 256 * 1024;

/// The raw byte bounds of worker `worker`'s share of `len` bytes.
pub(crate) fn raw_bounds(len: u64, worker: usize, peers: usize) -> (u64, u64) {
    let peers = peers.max(1) as u128;
    let at = |w: u128| (w * len as u128 / peers) as u64;
    (at(worker as u128), at(worker as u128 + 1))
}

/// Visits the bytes of `file` in `[from, to)` chunk by chunk; `visit(offset, bytes)` returns
/// `Some(result)` to stop early.
fn scan<T>(
    file: &mut File,
    from: u64,
    to: u64,
    mut visit: impl FnMut(u64, &[u8]) -> Option<T>,
) -> io::Result<Option<T>> {
    file.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; SCAN];
    let mut at = from;
    while at < to {
        let want = SCAN.min((to - at) as usize);
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        if let Some(found) = visit(at, &buf[..n]) {
            return Ok(Some(found));
        }
        at += n as u64;
    }
    Ok(None)
}

/// The first line start at or after `at` (a line starts at 0 or after a `\n`); `len` if none.
pub(crate) fn next_line_start(file: &mut File, at: u64, len: u64) -> io::Result<u64> {
    if at == 0 || at >= len {
        return Ok(at.min(len));
    }
    let found = scan(file, at - 1, len, |offset, bytes| {
        memchr(b'\n', bytes).map(|i| offset + i as u64 + 1)
    })?;
    Ok(found.unwrap_or(len))
}

/// The first CSV record start at or after `at`: a line start outside quoted fields. Quote
/// parity is counted from the beginning of the file (a doubled quote keeps parity), so a
/// newline inside a quoted field never splits a record.
pub(crate) fn next_record_start(file: &mut File, at: u64, len: u64, quote: u8) -> io::Result<u64> {
    if at == 0 || at >= len {
        return Ok(at.min(len));
    }
    let mut quotes: u64 = 0;
    scan(file, 0, at - 1, |_, bytes| {
        quotes += bytes.iter().filter(|&&b| b == quote).count() as u64;
        None::<()>
    })?;
    let mut inside = quotes % 2 == 1;
    let found = scan(file, at - 1, len, |offset, bytes| {
        let mut i = 0;
        while let Some(j) = memchr2(b'\n', quote, &bytes[i..]) {
            let k = i + j;
            if bytes[k] == quote {
                inside = !inside;
            } else if !inside {
                return Some(offset + k as u64 + 1);
            }
            i = k + 1;
        }
        None
    })?;
    Ok(found.unwrap_or(len))
}

/// The number of `\n` bytes before `upto` (to turn share-relative line numbers absolute).
pub(crate) fn count_newlines(file: &mut File, upto: u64) -> io::Result<u64> {
    let mut lines = 0u64;
    scan(file, 0, upto, |_, bytes| {
        lines += memchr::memchr_iter(b'\n', bytes).count() as u64;
        None::<()>
    })?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn raw_bounds_cover_everything() {
        for len in [0u64, 1, 7, 100] {
            for peers in 1..5 {
                let mut prev = 0;
                for w in 0..peers {
                    let (lo, hi) = raw_bounds(len, w, peers);
                    assert_eq!(lo, prev);
                    prev = hi;
                }
                assert_eq!(prev, len);
            }
        }
    }

    #[test]
    fn line_starts() {
        let dir = TempDir::new();
        let path = dir.write("a.txt", "ab\ncd\n\nef");
        let mut f = File::open(&path).unwrap();
        let len = 9;
        let starts: Vec<u64> = (0..=len)
            .map(|at| next_line_start(&mut f, at, len).unwrap())
            .collect();
        assert_eq!(starts, vec![0, 3, 3, 3, 6, 6, 6, 7, 9, 9]);
    }

    #[test]
    fn record_starts_skip_quoted_newlines() {
        let dir = TempDir::new();
        let text = "a,b\n\"x\ny\",1\nz,2\n";
        let path = dir.write("a.csv", text);
        let mut f = File::open(&path).unwrap();
        let len = text.len() as u64;
        // The newline inside the quotes (offset 6) is not a record boundary.
        assert_eq!(next_record_start(&mut f, 5, len, b'"').unwrap(), 12);
        assert_eq!(next_record_start(&mut f, 4, len, b'"').unwrap(), 4);
        assert_eq!(next_record_start(&mut f, 13, len, b'"').unwrap(), len);
        assert_eq!(count_newlines(&mut f, 12).unwrap(), 3);
    }
}
