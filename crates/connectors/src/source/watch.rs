//! What a streaming file source knows about each watched file: how far it has read, a cheap
//! fingerprint of what it read, and a copy of the bytes it read (to retract their rows when
//! the file changes or goes away). Also the scans that find where the complete lines/records end.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::time::SystemTime;

use memchr::{memchr2, memrchr};

use super::context::FileEntry;
use super::csv_share::CsvHeader;
use super::read_copy::ReadCopy;

/// Bytes hashed at each end of the read prefix for the fingerprint.
const FINGERPRINT: u64 = 1024;
/// Buffer size of the end-of-data scans.
const SCAN: usize = 64 * 1024;

/// The metadata a change shows up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    /// File length.
    pub len: u64,
    /// Last modification.
    pub mtime: Option<SystemTime>,
    /// Inode (0 where unknown): a file replaced by a rename gets a new one.
    pub ino: u64,
}

impl Stat {
    /// The stat of `meta`.
    pub(crate) fn of(meta: &Metadata) -> Stat {
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let ino = 0;
        Stat {
            len: meta.len(),
            mtime: meta.modified().ok(),
            ino,
        }
    }
}

/// How a file differs from what was read of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Same metadata as last time.
    Same,
    /// The bytes read so far are unchanged; there may be more after them.
    Grew,
    /// The bytes read so far changed (or the file was replaced): read it again.
    Rewritten,
    /// A new mtime with the old size, seen for the first time: either a rewrite to the same
    /// length or an append caught between its mtime and size updates (the kernel sets the
    /// mtime before it copies the data and moves the size, and the writer may be descheduled
    /// in between). Decided on the next look.
    Unsettled,
    /// The file no longer exists (or is no longer a regular file).
    Gone,
}

/// One watched file of this worker.
pub(crate) struct Tracked {
    /// Path, shown name and id seed.
    pub entry: FileEntry,
    /// Bytes `[0, offset)` have been read (they end with a complete line/record).
    pub offset: u64,
    /// The metadata seen when the file was last checked (`None`: never checked).
    pub stat: Option<Stat>,
    /// `(head, tail)` hashes of the read prefix (first and last KiB before `offset`).
    pub fingerprint: (u64, u64),
    /// The bytes read from the file so far (parsed again to retract their rows on change).
    pub copy: ReadCopy,
    /// CSV only: the header, once its record is complete.
    pub header: Option<CsvHeader>,
    /// Whether the file is waiting in the read queue.
    pub queued: bool,
    /// The metadata last classified [`Change::Unsettled`]: seen again unchanged, it is a
    /// rewrite to the same length.
    pub unsettled: Option<Stat>,
}

impl Tracked {
    /// A newly discovered file, nothing read yet.
    pub(crate) fn new(entry: FileEntry) -> Tracked {
        Tracked {
            entry,
            offset: 0,
            stat: None,
            fingerprint: (0, 0),
            copy: ReadCopy::default(),
            header: None,
            queued: false,
            unsettled: None,
        }
    }

    /// Whether `stat` (from a directory scan) differs from what was seen last time.
    pub(crate) fn looks_changed(&self, stat: &Stat) -> bool {
        self.stat.as_ref() != Some(stat)
    }

    /// Classifies the file's current state against what was read. A new inode or a shorter
    /// file is a rewrite; a longer one grew if the read prefix still hashes the same (reads at
    /// most 2 KiB). Same size with a new mtime: a rewrite if the hashes differ; otherwise
    /// [`Change::Unsettled`] on the first look (an append in progress shows its new size on the
    /// next one) and, when a second look finds the same metadata, decided by comparing the
    /// file with the read copy in full (an append never changes the read prefix).
    pub(crate) fn classify(&self, file: Option<(&mut File, Stat)>) -> io::Result<Change> {
        let Some((f, now)) = file else {
            return Ok(Change::Gone);
        };
        let Some(seen) = self.stat else {
            return Ok(Change::Grew);
        };
        if now == seen {
            return Ok(Change::Same);
        }
        if now.ino != seen.ino || now.len < self.offset {
            return Ok(Change::Rewritten);
        }
        if self.offset > 0 && fingerprint(f, self.offset)? != self.fingerprint {
            return Ok(Change::Rewritten);
        }
        if now.len > seen.len {
            return Ok(Change::Grew);
        }
        if self.unsettled != Some(now) {
            return Ok(Change::Unsettled);
        }
        Ok(if self.copy.matches(f)? {
            Change::Grew
        } else {
            Change::Rewritten
        })
    }

    /// Forgets what was read (the caller takes `copy` first to retract its rows).
    pub(crate) fn reset(&mut self) {
        self.offset = 0;
        self.fingerprint = (0, 0);
        self.header = None;
        self.copy = ReadCopy::default();
    }
}

/// Hashes of the first and last KiB (at most) of `[0, offset)`.
pub(crate) fn fingerprint(f: &mut File, offset: u64) -> io::Result<(u64, u64)> {
    let n = FINGERPRINT.min(offset);
    let mut buf = vec![0u8; n as usize];
    f.seek(SeekFrom::Start(0))?;
    f.read_exact(&mut buf)?;
    let head = xxhash_rust::xxh3::xxh3_64(&buf);
    f.seek(SeekFrom::Start(offset - n))?;
    f.read_exact(&mut buf)?;
    Ok((head, xxhash_rust::xxh3::xxh3_64(&buf)))
}

/// The end of the last complete line in `[from, len)`: just past its `\n`; `from` if none.
pub(crate) fn complete_lines_end(f: &mut File, from: u64, len: u64) -> io::Result<u64> {
    let mut buf = vec![0u8; SCAN];
    let mut hi = len;
    while hi > from {
        let lo = hi.saturating_sub(SCAN as u64).max(from);
        let chunk = &mut buf[..(hi - lo) as usize];
        f.seek(SeekFrom::Start(lo))?;
        f.read_exact(chunk)?;
        if let Some(i) = memrchr(b'\n', chunk) {
            return Ok(lo + i as u64 + 1);
        }
        hi = lo;
    }
    Ok(from)
}

/// The end of the last complete CSV record in `[from, len)` (`from` a record start): just
/// past the last `\n` outside quotes; `from` if none.
pub(crate) fn complete_records_end(
    f: &mut File,
    from: u64,
    len: u64,
    quote: u8,
) -> io::Result<u64> {
    let mut buf = vec![0u8; SCAN];
    let mut inside = false;
    let mut end = from;
    let mut at = from;
    f.seek(SeekFrom::Start(from))?;
    while at < len {
        let want = SCAN.min((len - at) as usize);
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        let bytes = &buf[..n];
        let mut i = 0;
        while let Some(j) = memchr2(b'\n', quote, &bytes[i..]) {
            let k = i + j;
            if bytes[k] == quote {
                inside = !inside;
            } else if !inside {
                end = at + k as u64 + 1;
            }
            i = k + 1;
        }
        at += n as u64;
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;
    use std::time::Duration;

    #[test]
    fn complete_ends() {
        let dir = TempDir::new();
        let text = "ab\ncd\nef";
        let mut f = File::open(dir.write("a", text)).unwrap();
        assert_eq!(complete_lines_end(&mut f, 0, 8).unwrap(), 6);
        assert_eq!(complete_lines_end(&mut f, 6, 8).unwrap(), 6);
        assert_eq!(complete_lines_end(&mut f, 0, 2).unwrap(), 0);
        let long = format!("{}\n{}", "x".repeat(200_000), "y".repeat(100_000));
        let mut f = File::open(dir.write("b", &long)).unwrap();
        let len = long.len() as u64;
        assert_eq!(complete_lines_end(&mut f, 0, len).unwrap(), 200_001);
        let csv = "a,b\n\"x\ny\",1\n\"open\n";
        let mut f = File::open(dir.write("c.csv", csv)).unwrap();
        let len = csv.len() as u64;
        assert_eq!(complete_records_end(&mut f, 0, len, b'"').unwrap(), 12);
        assert_eq!(complete_records_end(&mut f, 0, 7, b'"').unwrap(), 4);
    }

    #[test]
    fn classify_appends_and_rewrites() {
        let dir = TempDir::new();
        let path = dir.write("f", "one\ntwo\n");
        let open = || {
            let f = File::open(&path).unwrap();
            let stat = Stat::of(&f.metadata().unwrap());
            (f, stat)
        };
        let mut t = Tracked::new(FileEntry::new(path.clone()));
        let (mut f, stat) = open();
        assert_eq!(t.classify(Some((&mut f, stat))).unwrap(), Change::Grew);
        t.offset = 8;
        t.stat = Some(stat);
        t.fingerprint = fingerprint(&mut f, 8).unwrap();
        assert_eq!(t.classify(Some((&mut f, stat))).unwrap(), Change::Same);
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        let (mut f, stat) = open();
        assert_eq!(t.classify(Some((&mut f, stat))).unwrap(), Change::Grew);
        std::fs::write(&path, "one\nTWO\nthree\n").unwrap();
        let (mut f, stat) = open();
        assert_eq!(t.classify(Some((&mut f, stat))).unwrap(), Change::Rewritten);
        std::fs::write(&path, "one\n").unwrap();
        let (mut f, stat) = open();
        assert_eq!(t.classify(Some((&mut f, stat))).unwrap(), Change::Rewritten);
        assert_eq!(t.classify(None).unwrap(), Change::Gone);
    }

    #[test]
    fn same_size_with_new_mtime_is_decided_on_a_second_look() {
        let dir = TempDir::new();
        // Longer than the two hashed KiB, so that a change in the middle escapes the hashes.
        let line = |c: &str| format!("{}\n", c.repeat(1499));
        let text = format!("{}{}{}", line("a"), line("b"), line("c"));
        let len = text.len() as u64;
        let path = dir.write("f", &text);
        let mut f = File::open(&path).unwrap();
        let seen = Stat::of(&f.metadata().unwrap());
        let mut t = Tracked::new(FileEntry::new(path.clone()));
        t.offset = len;
        t.stat = Some(seen);
        t.fingerprint = fingerprint(&mut f, len).unwrap();
        t.copy.extend_from(&f, len).unwrap();
        // An append caught after its mtime update and before its size update.
        let later = seen.mtime.map(|m| m + Duration::from_millis(5));
        let mid_append = Stat {
            mtime: later,
            ..seen
        };
        assert_eq!(
            t.classify(Some((&mut f, mid_append))).unwrap(),
            Change::Unsettled
        );
        t.unsettled = Some(mid_append);
        // The next look sees it grown...
        std::fs::write(&path, format!("{text}{}", line("d"))).unwrap();
        let mut f = File::open(&path).unwrap();
        let grown = Stat {
            len: len + 1500,
            ..mid_append
        };
        assert_eq!(t.classify(Some((&mut f, grown))).unwrap(), Change::Grew);
        // ...or, with the writer still held up, the same metadata: the read bytes are unchanged.
        assert_eq!(
            t.classify(Some((&mut f, mid_append))).unwrap(),
            Change::Grew
        );
        // Rewritten in place to the same length, in the middle: the hashes still match, the
        // first look waits, the second compares the bytes.
        std::fs::write(&path, format!("{}{}{}", line("a"), line("B"), line("c"))).unwrap();
        let mut f = File::open(&path).unwrap();
        assert_eq!(fingerprint(&mut f, len).unwrap(), t.fingerprint);
        t.unsettled = None;
        assert_eq!(
            t.classify(Some((&mut f, mid_append))).unwrap(),
            Change::Unsettled
        );
        t.unsettled = Some(mid_append);
        assert_eq!(
            t.classify(Some((&mut f, mid_append))).unwrap(),
            Change::Rewritten
        );
    }
}
