//! A private copy of the bytes a streaming reader has turned into rows, kept in an unlinked
//! temporary file rather than as rows in memory. When the watched file is rewritten or deleted,
//! the copy is parsed again to retract exactly the rows read before (ids are byte offsets, so
//! parsing the same bytes gives the same ids): memory stays flat however long a file grows.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes copied per read from the watched file.
const STEP: usize = 256 * 1024;

/// Numbers the temporary files of this process.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Bytes `[0, len)` of a watched file as they were read.
#[derive(Default)]
pub(crate) struct ReadCopy {
    file: Option<File>,
    len: u64,
}

impl ReadCopy {
    /// Appends bytes `[self.len(), to)` of `src` (read at their offsets: `src`'s position does
    /// not move).
    pub(crate) fn extend_from(&mut self, src: &File, to: u64) -> io::Result<()> {
        if to <= self.len {
            return Ok(());
        }
        if self.file.is_none() {
            self.file = Some(temp_file()?);
        }
        let Some(dst) = self.file.as_mut() else {
            unreachable!("just created");
        };
        // Written from `len` on: bytes left by a failed earlier copy are overwritten.
        dst.seek(SeekFrom::Start(self.len))?;
        let mut buf = vec![0u8; STEP.min((to - self.len) as usize)];
        let mut at = self.len;
        while at < to {
            let want = buf.len().min((to - at) as usize);
            let n = read_at(src, &mut buf[..want], at)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file shrank while being copied",
                ));
            }
            dst.write_all(&buf[..n])?;
            at += n as u64;
        }
        self.len = to;
        Ok(())
    }

    /// Whether `src` still holds the copied bytes at their offsets (reads both in full, so it is
    /// for the rare case that metadata cannot decide).
    pub(crate) fn matches(&self, src: &File) -> io::Result<bool> {
        let Some(copy) = self.file.as_ref() else {
            return Ok(true);
        };
        let step = STEP.min(self.len as usize).max(1);
        let (mut ours, mut theirs) = (vec![0u8; step], vec![0u8; step]);
        let mut at = 0;
        while at < self.len {
            let want = step.min((self.len - at) as usize);
            let n = read_at(copy, &mut ours[..want], at)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the read copy is shorter than recorded",
                ));
            }
            if !read_exact_at(src, &mut theirs[..n], at)? || ours[..n] != theirs[..n] {
                return Ok(false);
            }
            at += n as u64;
        }
        Ok(true)
    }

    /// Takes the copy (its file and length), leaving this one empty; `None` when nothing was
    /// copied.
    pub(crate) fn take(&mut self) -> Option<(File, u64)> {
        let len = std::mem::take(&mut self.len);
        self.file.take().filter(|_| len > 0).map(|f| (f, len))
    }
}

/// A new read-write file that is already unlinked (it lives as long as the handle).
fn temp_file() -> io::Result<File> {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path: PathBuf =
        std::env::temp_dir().join(format!("tributary-read-{}-{n}", std::process::id()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    // Unlinking an open file keeps its data until the handle closes (Unix); elsewhere the
    // removal may fail while it is open, and the file is left for the OS to clean up.
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// Fills `buf` from `offset` on; false when the file ends first.
fn read_exact_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = read_at(f, &mut buf[filled..], offset + filled as u64)?;
        if n == 0 {
            return Ok(false);
        }
        filled += n;
    }
    Ok(true)
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}

#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn copies_appended_ranges_and_hands_them_over() {
        let dir = crate::testutil::TempDir::new();
        let path = dir.write("f", "one\ntwo\n");
        let mut copy = ReadCopy::default();
        assert!(copy.take().is_none());
        copy.extend_from(&File::open(&path).unwrap(), 4).unwrap();
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        copy.extend_from(&File::open(&path).unwrap(), 14).unwrap();
        let (mut f, len) = copy.take().unwrap();
        assert_eq!(len, 14);
        assert!(copy.take().is_none());
        let mut text = String::new();
        f.seek(SeekFrom::Start(0)).unwrap();
        f.read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\ntwo\nthree\n");
    }

    #[test]
    fn matches_only_the_same_bytes() {
        let dir = crate::testutil::TempDir::new();
        let path = dir.write("f", "one\ntwo\n");
        let mut copy = ReadCopy::default();
        assert!(copy.matches(&File::open(&path).unwrap()).unwrap());
        copy.extend_from(&File::open(&path).unwrap(), 8).unwrap();
        assert!(copy.matches(&File::open(&path).unwrap()).unwrap());
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        assert!(copy.matches(&File::open(&path).unwrap()).unwrap());
        std::fs::write(&path, "one\nTWO\n").unwrap();
        assert!(!copy.matches(&File::open(&path).unwrap()).unwrap());
        std::fs::write(&path, "one\n").unwrap();
        assert!(!copy.matches(&File::open(&path).unwrap()).unwrap());
    }
}
