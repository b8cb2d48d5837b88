//! One source share's directory (`sources/<source>/w<share>-of-<shares>/`): its log segments
//! (`seg-<seq>.log`, one frame per commit), its snapshot (`snap-<seq>.snap`, everything up to
//! segment `seq` consolidated) and how they are loaded, appended to and compacted.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use differential_dataflow::consolidation::consolidate;

use super::codec::{Commit, Decoder, Encoder};
use super::frame::{self, FileKind, FrameError, Tail};
use super::PersistError;
use crate::value::{Key, Row, Time};

/// Updates per commit frame of a snapshot.
const SNAPSHOT_CHUNK: usize = 64 * 1024;

/// A file name's sequence number: `seg-00000012.log` → 12.
fn seq_of(name: &str, prefix: &str, ext: &str) -> Option<u64> {
    name.strip_prefix(prefix)?.strip_suffix(ext)?.parse().ok()
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("seg-{seq:08}.log"))
}

fn snapshot_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("snap-{seq:08}.snap"))
}

/// What a share directory holds.
#[derive(Default)]
pub struct Loaded {
    /// The snapshot's consolidated commit (time = the latest time it covers), if any.
    pub snapshot: Option<Commit>,
    /// The outputs' frontier recorded by the snapshot (0 if none).
    pub snapshot_frontier: Time,
    /// The segment sequence numbers covered by the snapshot (`..=covered`).
    pub covered: u64,
    /// The logged commits after the snapshot, in order, with their segment.
    pub commits: Vec<(u64, Commit)>,
    /// The highest segment number present.
    pub last_seq: u64,
}

impl Loaded {
    /// The commits to replay, snapshot first.
    pub fn replay(&self) -> impl Iterator<Item = &Commit> {
        self.snapshot
            .iter()
            .chain(self.commits.iter().map(|(_, c)| c))
    }

    /// The reader's last logged offsets.
    pub fn offsets(&self) -> Option<&[u8]> {
        self.replay().filter_map(|c| c.offsets.as_deref()).last()
    }
}

/// A share directory: `label` names the source in errors.
#[derive(Clone, Debug)]
pub struct ShareDir {
    /// The directory.
    pub dir: PathBuf,
    /// `source `name`` for messages.
    pub label: String,
}

impl ShareDir {
    fn fail(&self, path: &Path, message: impl std::fmt::Display) -> PersistError {
        PersistError::Corrupt {
            source_name: self.label.clone(),
            file: path.display().to_string(),
            message: message.to_string(),
        }
    }

    fn io(&self, path: &Path, e: std::io::Error) -> PersistError {
        PersistError::Io(format!(
            "source `{}`: `{}`: {e}",
            self.label,
            path.display()
        ))
    }

    /// Lists `(seq, path)` of the files `prefix<seq>ext`, in order.
    fn list(&self, prefix: &str, ext: &str) -> Result<Vec<(u64, PathBuf)>, PersistError> {
        let mut found = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(self.io(&self.dir, e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(seq) = seq_of(&name, prefix, ext) {
                found.push((seq, entry.path()));
            }
        }
        found.sort();
        Ok(found)
    }

    /// Loads the newest snapshot and the segments after it. A torn last frame of the last
    /// segment (a commit cut short by a crash) is dropped and cut off the file; any other
    /// damage is an error naming the source and the file.
    pub fn load(&self) -> Result<Loaded, PersistError> {
        let mut loaded = Loaded::default();
        if let Some((seq, path)) = self.list("snap-", ".snap")?.pop() {
            let (snapshot, frontier) = self.read_snapshot(&path)?;
            loaded.snapshot = Some(snapshot);
            loaded.snapshot_frontier = frontier;
            loaded.covered = seq;
            loaded.last_seq = seq;
        }
        let segments = self.list("seg-", ".log")?;
        let count = segments.len();
        for (i, (seq, path)) in segments.into_iter().enumerate() {
            loaded.last_seq = loaded.last_seq.max(seq);
            if loaded.snapshot.is_some() && seq <= loaded.covered {
                continue; // compacted already; deletion was cut short by a crash
            }
            let (frames, tail) =
                frame::read_frames(&path, FileKind::Segment).map_err(|e| match e {
                    FrameError::Io(e) => self.io(&path, e),
                    other => self.fail(&path, other),
                })?;
            if let Tail::Torn(at) = tail {
                if i + 1 != count {
                    return Err(self.fail(&path, "truncated (a later segment exists)"));
                }
                let f = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| self.io(&path, e))?;
                f.set_len(at)
                    .and_then(|_| f.sync_all())
                    .map_err(|e| self.io(&path, e))?;
            }
            for payload in frames {
                let commit = Commit::decode(&payload).map_err(|e| self.fail(&path, e))?;
                loaded.commits.push((seq, commit));
            }
        }
        Ok(loaded)
    }

    fn read_snapshot(&self, path: &Path) -> Result<(Commit, Time), PersistError> {
        let (frames, tail) = frame::read_frames(path, FileKind::Snapshot).map_err(|e| match e {
            FrameError::Io(e) => self.io(path, e),
            other => self.fail(path, other),
        })?;
        if tail != Tail::Clean || frames.len() < 2 {
            return Err(self.fail(path, "truncated snapshot"));
        }
        let mut info = Decoder::new(&frames[0]);
        let frontier = info.u64().map_err(|e| self.fail(path, e))?;
        let parts = info.u64().map_err(|e| self.fail(path, e))?;
        if parts as usize != frames.len() - 1 {
            return Err(self.fail(path, "truncated snapshot (parts missing)"));
        }
        let mut whole = Commit::default();
        for (i, payload) in frames[1..].iter().enumerate() {
            let part = Commit::decode(payload).map_err(|e| self.fail(path, e))?;
            if i == 0 {
                whole.time = part.time;
                whole.offsets = part.offsets;
            }
            whole.updates.extend(part.updates);
        }
        Ok((whole, frontier))
    }

    /// Opens a new segment `seq` for appending.
    pub fn create_segment(&self, seq: u64) -> Result<SegmentWriter, PersistError> {
        fs::create_dir_all(&self.dir).map_err(|e| self.io(&self.dir, e))?;
        let path = segment_path(&self.dir, seq);
        let mut file = File::create(&path).map_err(|e| self.io(&path, e))?;
        file.write_all(&frame::header(FileKind::Segment))
            .and_then(|_| file.sync_all())
            .and_then(|_| frame::sync_dir(&self.dir))
            .map_err(|e| self.io(&path, e))?;
        Ok(SegmentWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            seq,
            dirty: false,
        })
    }

    /// Whether compacting segments `..=upto` is worth it: their bytes reach a quarter of the
    /// snapshot's (so rewriting the snapshot costs at most about 4x what the log grew), or
    /// there is no snapshot yet.
    pub fn worth_compacting(&self, upto: u64) -> Result<bool, PersistError> {
        let size = |p: &Path| fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let snapshot: u64 = self
            .list("snap-", ".snap")?
            .iter()
            .map(|(_, p)| size(p))
            .sum();
        let log: u64 = self
            .list("seg-", ".log")?
            .iter()
            .filter(|(seq, _)| *seq <= upto)
            .map(|(_, p)| size(p))
            .sum();
        Ok(snapshot == 0 || log * 4 >= snapshot)
    }

    /// Consolidates the snapshot and the segments `..=upto` (all closed, every time in them
    /// at most `frontier`) into a new snapshot, written atomically, then deletes what it
    /// replaces. Returns false when there was nothing to compact.
    pub fn compact(&self, upto: u64, frontier: Time) -> Result<bool, PersistError> {
        let loaded = self.load_upto(upto)?;
        if loaded.commits.is_empty() {
            // Closed segments without a commit (runs that read nothing) hold nothing.
            let mut removed = false;
            for (seq, old) in self.list("seg-", ".log")? {
                if seq <= upto && seq > loaded.covered {
                    removed |= fs::remove_file(old).is_ok();
                }
            }
            return Ok(removed);
        }
        let time = loaded.replay().map(|c| c.time).max().unwrap_or(0);
        if time > frontier {
            return Ok(false);
        }
        let offsets = loaded.offsets().map(<[u8]>::to_vec);
        let mut updates: Vec<((Key, Row), isize)> = Vec::new();
        for commit in loaded.replay() {
            updates.extend(commit.updates.iter().map(|(k, r, d)| ((*k, r.clone()), *d)));
        }
        consolidate(&mut updates);
        let mut bytes = frame::header(FileKind::Snapshot).to_vec();
        let chunks: Vec<&[((Key, Row), isize)]> = if updates.is_empty() {
            vec![&[]]
        } else {
            updates.chunks(SNAPSHOT_CHUNK).collect()
        };
        let mut info = Encoder::default();
        info.u64(frontier);
        info.u64(chunks.len() as u64);
        frame::write_frame(&mut bytes, &info.buf).map_err(|e| self.io(&self.dir, e))?;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let part = Commit {
                time,
                offsets: if i == 0 { offsets.clone() } else { None },
                updates: chunk
                    .iter()
                    .map(|((k, r), d)| (*k, r.clone(), *d))
                    .collect(),
            };
            let mut enc = Encoder::default();
            part.encode(&mut enc);
            frame::write_frame(&mut bytes, &enc.buf).map_err(|e| self.io(&self.dir, e))?;
        }
        let last = loaded
            .commits
            .last()
            .map_or(upto, |(seq, _)| *seq)
            .max(upto);
        let path = snapshot_path(&self.dir, last);
        frame::write_atomic(&path, &bytes).map_err(|e| self.io(&path, e))?;
        // The new snapshot is durable: what it replaces can go.
        for (seq, old) in self.list("snap-", ".snap")? {
            if seq < last {
                let _ = fs::remove_file(old);
            }
        }
        for (seq, old) in self.list("seg-", ".log")? {
            if seq <= last {
                let _ = fs::remove_file(old);
            }
        }
        frame::sync_dir(&self.dir).map_err(|e| self.io(&self.dir, e))?;
        Ok(true)
    }

    /// Like [`ShareDir::load`] but only segments `..=upto` (closed ones: never torn).
    fn load_upto(&self, upto: u64) -> Result<Loaded, PersistError> {
        let mut loaded = Loaded::default();
        if let Some((seq, path)) = self.list("snap-", ".snap")?.pop() {
            let (snapshot, frontier) = self.read_snapshot(&path)?;
            loaded.snapshot = Some(snapshot);
            loaded.snapshot_frontier = frontier;
            loaded.covered = seq;
        }
        for (seq, path) in self.list("seg-", ".log")? {
            if seq > upto || (loaded.snapshot.is_some() && seq <= loaded.covered) {
                continue;
            }
            let (frames, _) =
                frame::read_frames(&path, FileKind::Segment).map_err(|e| self.fail(&path, e))?;
            for payload in frames {
                let commit = Commit::decode(&payload).map_err(|e| self.fail(&path, e))?;
                loaded.commits.push((seq, commit));
            }
        }
        Ok(loaded)
    }

    /// Removes leftover temporary files of an interrupted snapshot.
    pub fn clean_temporaries(&self) {
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().ends_with(".tmp") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }
}

/// Appends commits to one segment.
pub struct SegmentWriter {
    out: BufWriter<File>,
    path: PathBuf,
    /// The segment's number.
    pub seq: u64,
    dirty: bool,
}

impl SegmentWriter {
    /// Appends a commit (durable after [`SegmentWriter::sync`]).
    pub fn append(&mut self, commit: &Commit, scratch: &mut Encoder) -> std::io::Result<()> {
        scratch.buf.clear();
        commit.encode(scratch);
        frame::write_frame(&mut self.out, &scratch.buf)?;
        self.dirty = true;
        Ok(())
    }

    /// Flushes and fsyncs what was appended.
    pub fn sync(&mut self) -> std::io::Result<()> {
        if self.dirty {
            self.out.flush()?;
            self.out.get_ref().sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }

    /// The segment's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
