//! Streaming file sources: read what exists, then keep watching the file or directory.
//!
//! Each worker owns whole files (`xxh3(path) % peers`, stable as files come and go; byte
//! ranges of a growing file would not be). A scan (`readdir` + one `stat` per own file, at
//! most every [`MIN_SCAN`], further apart when scans get expensive) queues the files whose
//! metadata changed, new ones in name order. Reading a queued file first classifies it
//! ([`Change`]): appended data is read from the known offset up to the last complete
//! line/record (a partial last line waits for its newline); a rewritten file has its earlier
//! rows retracted (diff -1) and is read again from the start; a deleted file has its rows
//! retracted (rows are not kept in memory: a copy of the bytes read is parsed again, see
//! [`retract`]). Ids are the same position- or key-derived ids as in static mode, so a re-read
//! file's unchanged rows get their old ids back. Nothing new: [`SourceStatus::Idle`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tributary_engine::connector::{SourceError, SourceStatus};
use tributary_engine::{Diff, ErrorEntry, Key, Row};

use super::context::{Ctx, FileEntry};
use super::csv_share::{CsvHeader, CsvShare};
use super::line_share::LineShare;
use super::watch::{complete_lines_end, complete_records_end, fingerprint, Change, Stat, Tracked};
use super::{Format, Share};

mod resume;
mod retract;

/// The shortest time between two scans of the watched path.
pub(crate) const MIN_SCAN: Duration = Duration::from_millis(1);
/// The longest time between two scans, however slow they are.
const MAX_SCAN: Duration = Duration::from_secs(1);
/// Scans may take at most 1/SCAN_SHARE of the time.
const SCAN_SHARE: u32 = 20;

/// A directory entry: one of this worker's files, or someone else's.
enum Slot {
    Mine(Box<Tracked>),
    Other,
}

/// What a scan found under one name.
enum Listed {
    /// Another worker's file.
    Other,
    /// This worker's file: its metadata, `None` when it is missing or not a regular file.
    Mine(Option<Stat>),
}

/// One worker's streaming reader of a file source.
pub(crate) struct StreamSource {
    name: String,
    ctx: Ctx,
    format: Format,
    root: PathBuf,
    /// The path as given (file names are joined to it for display and ids).
    shown_root: String,
    is_dir: bool,
    worker: usize,
    peers: usize,
    files: HashMap<OsString, Slot>,
    queue: VecDeque<OsString>,
    /// The file being read: its name and share.
    current: Option<(OsString, Share)>,
    /// Rows to emit with diff -1.
    retract: Vec<(Key, Row)>,
    /// Copies of changed files whose rows are to be emitted with diff -1, oldest first.
    retracting: VecDeque<Share>,
    next_scan: Instant,
}

impl StreamSource {
    /// A streaming reader of `path` for worker `worker` of `peers` (nothing read yet).
    pub(crate) fn new(
        name: String,
        ctx: Ctx,
        format: Format,
        path: &str,
        worker: usize,
        peers: usize,
    ) -> std::io::Result<StreamSource> {
        let is_dir = std::fs::metadata(path)?.is_dir();
        Ok(StreamSource {
            name,
            ctx,
            format,
            root: PathBuf::from(path),
            shown_root: path.to_string(),
            is_dir,
            worker,
            peers: peers.max(1),
            files: HashMap::new(),
            queue: VecDeque::new(),
            current: None,
            retract: Vec::new(),
            retracting: VecDeque::new(),
            next_scan: Instant::now(),
        })
    }

    /// Lists the watched path and queues every own file whose metadata changed (new files in
    /// name order) and every own file that disappeared. Cheap: no file is opened.
    fn scan(&mut self) {
        let listed = if self.is_dir {
            self.list_dir()
        } else {
            self.list_file()
        };
        let mut present = HashSet::with_capacity(listed.len());
        let mut fresh = Vec::new();
        for (name, listed) in listed {
            let stat = match listed {
                Listed::Other => {
                    present.insert(name);
                    continue;
                }
                Listed::Mine(stat) => stat,
            };
            let Some(Slot::Mine(t)) = self.files.get_mut(&name) else {
                continue;
            };
            if stat.is_none() && t.stat.is_none() {
                // Never read and not a regular file (yet): forget it until it is one.
                self.files.remove(&name);
                continue;
            }
            let changed = stat.is_none_or(|stat| t.looks_changed(&stat));
            if stat.is_some() {
                present.insert(name.clone());
            }
            if changed && !t.queued {
                t.queued = true;
                if t.stat.is_none() {
                    fresh.push(name);
                } else {
                    self.queue.push_back(name);
                }
            }
        }
        fresh.sort();
        self.queue.extend(fresh);
        // Own files not listed any more: queue them so that reading finds them gone.
        let mut gone = Vec::new();
        self.files.retain(|name, slot| match slot {
            Slot::Other => present.contains(name),
            Slot::Mine(t) => {
                if present.contains(name) || t.queued {
                    return true;
                }
                if t.stat.is_none() {
                    return false;
                }
                t.queued = true;
                gone.push(name.clone());
                true
            }
        });
        self.queue.extend(gone);
    }

    /// The slot of a file first seen as `shown`.
    fn slot_for(shown: String, worker: usize, peers: usize) -> Slot {
        let entry = FileEntry::new(shown);
        if entry.seed % peers as u64 == worker as u64 {
            Slot::Mine(Box::new(Tracked::new(entry)))
        } else {
            Slot::Other
        }
    }

    /// The watched single file (under the empty name), with its metadata if it is this
    /// worker's.
    fn list_file(&mut self) -> Vec<(OsString, Listed)> {
        let (worker, peers) = (self.worker, self.peers);
        let name = OsString::new();
        let slot = self
            .files
            .entry(name.clone())
            .or_insert_with(|| Self::slot_for(self.shown_root.clone(), worker, peers));
        let listed = match slot {
            Slot::Other => Listed::Other,
            Slot::Mine(_) => Listed::Mine(regular_file_stat(&self.root)),
        };
        vec![(name, listed)]
    }

    /// The directory's non-hidden entries that are not directories, with the metadata of
    /// this worker's ones (other workers' files are not stat'ed).
    fn list_dir(&mut self) -> Vec<(OsString, Listed)> {
        let Ok(dir) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let (worker, peers) = (self.worker, self.peers);
        let mut listed = Vec::new();
        for entry in dir.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.')
                || entry.file_type().is_ok_and(|t| t.is_dir())
            {
                continue;
            }
            let slot = self.files.entry(name.clone()).or_insert_with(|| {
                let shown = Path::new(&self.shown_root).join(&name);
                Self::slot_for(shown.to_string_lossy().into_owned(), worker, peers)
            });
            let item = match slot {
                Slot::Other => Listed::Other,
                Slot::Mine(t) => Listed::Mine(regular_file_stat(&t.entry.path)),
            };
            listed.push((name, item));
        }
        listed
    }

    /// Takes the next queued file: retracts its rows if it changed or vanished and opens the
    /// share of its new complete lines/records, if any. An I/O error (say, the file shrank
    /// while being looked at) leaves it for the next scan to queue again.
    fn start_next(&mut self, errors: &mut Vec<ErrorEntry>) {
        let Some(name) = self.queue.pop_front() else {
            return;
        };
        let Some(Slot::Mine(t)) = self.files.get_mut(&name) else {
            return;
        };
        t.queued = false;
        let before = t.stat;
        let mut opened = File::open(&t.entry.path).ok().and_then(|f| {
            let meta = f.metadata().ok().filter(|m| m.is_file())?;
            Some((f, Stat::of(&meta)))
        });
        let change = match opened.as_mut() {
            Some((f, stat)) => t.classify(Some((f, *stat))),
            None => t.classify(None),
        };
        let Ok(change) = change else {
            return;
        };
        if change == Change::Unsettled {
            // Looked at again by the next scan, which finds the stat still differing.
            t.unsettled = opened.map(|(_, stat)| stat);
            return;
        }
        t.unsettled = None;
        if matches!(change, Change::Rewritten | Change::Gone) {
            if let Some(share) = retract::copy_share(t, &self.format) {
                self.retracting.push_back(share);
            }
            t.reset();
        }
        let Some((f, stat)) = opened.filter(|_| change != Change::Gone) else {
            self.files.remove(&name);
            return;
        };
        t.stat = Some(stat);
        if change == Change::Same {
            return;
        }
        match open_range(t, &self.ctx, &self.format, f, stat.len, errors) {
            Ok(Some(share)) => self.current = Some((name, share)),
            Ok(None) => {}
            Err(_) => t.stat = if t.offset == 0 { None } else { before },
        }
    }

    /// Polls the current share into `out`.
    fn read_current(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        budget: usize,
    ) -> Result<(), SourceError> {
        let Some((name, share)) = self.current.as_mut() else {
            return Ok(());
        };
        let done = match (share, &self.format) {
            (Share::Csv(share), _) => share.poll(&self.ctx, out, errors, budget),
            (Share::Lines(share), Format::Lines(format)) => {
                share.poll(&self.ctx, format, out, errors, budget)
            }
            _ => unreachable!("share and format kinds always match"),
        };
        let Some(Slot::Mine(t)) = self.files.get_mut(name) else {
            unreachable!("the file being read is tracked");
        };
        let done = done.map_err(|e| io_fail(&self.name, &t.entry, e))?;
        if done {
            self.current = None;
        }
        Ok(())
    }

    /// Appends up to `max` updates: pending retractions, then the file being read, then the
    /// queued files; scans the path when all is read and the scan interval has passed.
    pub(crate) fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        let max = max.max(1);
        let start = out.len();
        let mut scanned = false;
        loop {
            let produced = out.len() - start;
            if produced >= max {
                return Ok(SourceStatus::Data);
            }
            let budget = max - produced;
            if !self.retract.is_empty() {
                let from = self.retract.len().saturating_sub(budget);
                out.extend(self.retract.drain(from..).map(|(k, r)| (k, r, -1)));
            } else if !self.retracting.is_empty() {
                self.poll_retractions(out, budget)?;
            } else if self.current.is_some() {
                self.read_current(out, errors, budget)?;
            } else if !self.queue.is_empty() {
                self.start_next(errors);
            } else if !scanned && Instant::now() >= self.next_scan {
                // The scan's own CPU time, not wall time: on a busy machine a preempted scan
                // must not stretch the interval (and the source's latency) to a second.
                let began = thread_cpu_time();
                self.scan();
                let cost = thread_cpu_time().saturating_sub(began);
                let wait = (cost * SCAN_SHARE).clamp(MIN_SCAN, MAX_SCAN);
                self.next_scan = Instant::now() + wait;
                scanned = true;
            } else {
                return Ok(if produced > 0 {
                    SourceStatus::CaughtUp
                } else {
                    SourceStatus::Idle
                });
            }
        }
    }
}

/// CPU time consumed by the calling thread so far.
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Wall time since the first call (no per-thread CPU clock on this platform).
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Opens the share of `t`'s complete lines/records after its offset in the first `len` bytes
/// of `f` (reading the CSV header first if not done yet); `None` when there are none.
fn open_range(
    t: &mut Tracked,
    ctx: &Ctx,
    format: &Format,
    mut f: File,
    len: u64,
    errors: &mut Vec<ErrorEntry>,
) -> std::io::Result<Option<Share>> {
    let end = match format {
        Format::Lines(_) => complete_lines_end(&mut f, t.offset, len)?,
        Format::Csv(opts) => complete_records_end(&mut f, t.offset, len, opts.quote)?,
    };
    if end == t.offset {
        return Ok(None);
    }
    // Fingerprint the prefix about to be read, for telling appends from rewrites later (a
    // rewrite during the read changes the mtime, so the next scan checks again).
    t.fingerprint = fingerprint(&mut f, end)?;
    // Keep the bytes about to be read, to retract their rows if the file changes later.
    t.copy.extend_from(&f, end)?;
    let share = match format {
        Format::Lines(_) => Share::Lines(Box::new(LineShare::range(
            f,
            t.entry.clone(),
            t.offset,
            end,
        )?)),
        Format::Csv(opts) => {
            let header = match t.header.take() {
                Some(header) => header,
                None => {
                    let header = CsvHeader::read(ctx, opts, &f, end)?;
                    header.log_missing(ctx, &t.entry, errors);
                    t.offset = header.end;
                    header
                }
            };
            let fields = header.fields.clone();
            t.header = Some(header);
            let begin = t.offset.min(end);
            Share::Csv(Box::new(CsvShare::range(
                opts,
                f,
                t.entry.clone(),
                begin,
                end,
                fields,
            )?))
        }
    };
    t.offset = end;
    Ok(Some(share))
}

/// The metadata of `path` if it is a regular file.
fn regular_file_stat(path: &Path) -> Option<Stat> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| Stat::of(&m))
}

/// A fatal read error of `file`.
fn io_fail(source: &str, file: &FileEntry, e: std::io::Error) -> SourceError {
    SourceError {
        source_name: source.to_string(),
        message: format!("error reading `{}`: {e}", file.shown),
    }
}
