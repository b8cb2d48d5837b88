//! The run's view of a state directory: opened once before the workers start (fingerprint
//! check, every share's log loaded), handing each worker the replay and the log writer of its
//! shares, tracking the outputs' frontier, and compacting in a background thread.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::codec::{Commit, Encoder};
use super::fingerprint::Meta;
use super::frontier::{self, FrontierLog, SinkPositions};
use super::share::{Loaded, SegmentWriter, ShareDir};
use super::{PersistConfig, PersistError};
use crate::connector::SinkStart;
use crate::plan::{Op, Plan};
use crate::value::{Diff, Key, Row, Time};

/// One source share known to the store.
struct Share {
    dir: ShareDir,
    /// What the previous runs logged (taken by the worker that replays it).
    loaded: Mutex<Option<Loaded>>,
    /// The segment being written; every lower one is closed.
    current: AtomicU64,
    /// Segments `..=compacted` are in the snapshot.
    compacted: AtomicU64,
}

/// An opened state directory.
pub struct Store {
    config: PersistConfig,
    shares: HashMap<(usize, usize), Arc<Share>>,
    /// The latest time every output has written (this run or an earlier one).
    frontier: AtomicU64,
    /// Replayed times up to the recorded frontier: the outputs have written them already.
    written: HashSet<Time>,
    frontier_log: Mutex<Option<FrontierLog>>,
    /// Where the resumable sinks were at the recorded frontier (by output number); empty
    /// when the plan has inputs that every run feeds again ([`all_inputs_logged`]).
    sinks_at_open: SinkPositions,
    /// This run's resumable sinks: their positions at the frontier and after later times.
    sinks: Mutex<HashMap<u32, SinkTrack>>,
    done: AtomicBool,
}

/// A resumable sink's positions: at the outputs' frontier, and after each later time written.
#[derive(Default)]
struct SinkTrack {
    at_frontier: u64,
    after: VecDeque<(Time, u64)>,
}

/// The directory name of a source: its name made file-safe, plus a hash of the exact name.
fn source_dir(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!(
        "{safe}-{:08x}",
        xxhash_rust::xxh3::xxh3_64(name.as_bytes()) as u32
    )
}

/// Whether every input of `plan` is a streaming source, whose input the log replays. Static
/// tables and static sources are fed again by every run, so their changes would appear twice
/// in a change-log file continued from an earlier run: such plans start their files afresh.
fn all_inputs_logged(plan: &Plan) -> bool {
    plan.nodes.iter().all(|node| match &node.op {
        Op::Static { .. } => false,
        Op::Source { source } => source.mode == "streaming",
        _ => true,
    })
}

/// `(node index, share, shares)` of every source share of `plan` on `workers` workers.
fn shares_of(plan: &Plan, workers: usize) -> Vec<(usize, usize, usize, String)> {
    let mut out = Vec::new();
    for (index, node) in plan.nodes.iter().enumerate() {
        if let Op::Source { source } = &node.op {
            let shares = if source.primary_key.is_empty() {
                workers
            } else {
                1
            };
            for share in 0..shares {
                out.push((index, share, shares, source.name.clone()));
            }
        }
    }
    out
}

impl Store {
    /// Opens (or creates) the state directory for `plan` on `workers` workers: checks the
    /// fingerprints and loads every share's snapshot and log.
    pub fn open(config: PersistConfig, plan: &Plan, workers: usize) -> Result<Store, PersistError> {
        let mut seen = HashSet::new();
        for node in &plan.nodes {
            if let Op::Source { source } = &node.op {
                if !seen.insert(source.name.as_str()) {
                    return Err(PersistError::Plan(format!(
                        "two sources are named `{}`; give each a unique `name`",
                        source.name
                    )));
                }
            }
        }
        Meta::of(plan, workers).check_or_write(&config.dir)?;
        let recorded = frontier::read(&config.dir)?;
        let mut frontier = recorded.time;
        let mut shares = HashMap::new();
        let mut times = Vec::new();
        for (node, share, count, name) in shares_of(plan, workers) {
            let dir = ShareDir {
                dir: config
                    .dir
                    .join("sources")
                    .join(source_dir(&name))
                    .join(format!("w{share}-of-{count}")),
                label: name,
            };
            dir.clean_temporaries();
            let loaded = dir.load()?;
            frontier = frontier.max(loaded.snapshot_frontier);
            times.extend(loaded.replay().map(|c| c.time));
            let state = Share {
                current: AtomicU64::new(loaded.last_seq + 1),
                compacted: AtomicU64::new(loaded.covered),
                loaded: Mutex::new(Some(loaded)),
                dir,
            };
            shares.insert((node, share), Arc::new(state));
        }
        // A finished run records the end of time; only replayed times matter from here on.
        frontier = frontier.min(times.iter().copied().max().unwrap_or(0));
        let written = times.into_iter().filter(|&t| t <= frontier).collect();
        let frontier_log = FrontierLog::open(&config.dir, frontier, &recorded.sinks)?;
        Ok(Store {
            config,
            shares,
            frontier: AtomicU64::new(frontier),
            written,
            frontier_log: Mutex::new(Some(frontier_log)),
            sinks_at_open: if all_inputs_logged(plan) {
                recorded.sinks
            } else {
                SinkPositions::new()
            },
            sinks: Mutex::new(HashMap::new()),
            done: AtomicBool::new(false),
        })
    }

    /// Whether the outputs have written `time` in an earlier run (it is being replayed).
    pub fn already_written(&self, time: Time) -> bool {
        self.written.contains(&time)
    }

    /// The log of share `share` of source node `node`: what to replay, and a writer for this
    /// run's commits. `None` for a node the store does not know.
    pub fn source_log(
        self: &Arc<Self>,
        node: usize,
        share: usize,
    ) -> Result<Option<(Loaded, SourceLog)>, PersistError> {
        let Some(state) = self.shares.get(&(node, share)) else {
            return Ok(None);
        };
        let loaded = state
            .loaded
            .lock()
            .ok()
            .and_then(|mut l| l.take())
            .unwrap_or_default();
        let seq = state.current.load(Ordering::SeqCst);
        let writer = state.dir.create_segment(seq)?;
        let log = SourceLog {
            store: self.clone(),
            share: state.clone(),
            writer,
            pending: Vec::new(),
            last_offsets: loaded.offsets().map(<[u8]>::to_vec),
            enc: Encoder::default(),
            rotated: Instant::now(),
        };
        Ok(Some((loaded, log)))
    }

    /// Where output number `slot` starts: resumed at its recorded position, or fresh when
    /// none was recorded (a first run, or nothing written that the frontier covers).
    pub fn sink_start(&self, slot: usize) -> SinkStart {
        match self.sinks_at_open.get(&(slot as u32)) {
            Some(&position) => SinkStart::Resume(position),
            None => SinkStart::Fresh,
        }
    }

    /// Worker 0: resumable output `slot` reached `position` after writing `time` (`None`:
    /// where it starts, before writing anything).
    pub fn sink_wrote(&self, slot: usize, time: Option<Time>, position: u64) {
        let Ok(mut sinks) = self.sinks.lock() else {
            return;
        };
        let track = sinks.entry(slot as u32).or_default();
        match time {
            None => track.at_frontier = position,
            Some(time) => track.after.push_back((time, position)),
        }
    }

    /// Worker 0: every output has written every time before `frontier` (exclusive). The
    /// frame is written before the frontier moves in memory, so a snapshot never covers a
    /// time the file does not record (with the sinks' positions then).
    pub fn outputs_reached(&self, before: Time) -> Result<(), PersistError> {
        let Some(time) = before.checked_sub(1) else {
            return Ok(());
        };
        if time <= self.frontier.load(Ordering::SeqCst) {
            return Ok(());
        }
        let positions: SinkPositions = match self.sinks.lock() {
            Ok(mut sinks) => sinks
                .iter_mut()
                .map(|(&slot, track)| {
                    while let Some(&(t, position)) = track.after.front() {
                        if t > time {
                            break;
                        }
                        track.at_frontier = position;
                        track.after.pop_front();
                    }
                    (slot, track.at_frontier)
                })
                .collect(),
            Err(_) => SinkPositions::new(),
        };
        if let Some(log) = self
            .frontier_log
            .lock()
            .ok()
            .as_mut()
            .and_then(|l| l.as_mut())
        {
            log.advance(time, &positions)?;
        }
        self.frontier.store(time, Ordering::SeqCst);
        Ok(())
    }

    /// Makes the recorded frontier durable.
    pub fn sync_frontier(&self) -> Result<(), PersistError> {
        if let Some(log) = self
            .frontier_log
            .lock()
            .ok()
            .as_mut()
            .and_then(|l| l.as_mut())
        {
            log.sync()?;
        }
        Ok(())
    }

    /// Compacts every share whose closed segments are all behind the outputs' frontier.
    pub fn compact_once(&self) -> Result<(), PersistError> {
        let frontier = self.frontier.load(Ordering::SeqCst);
        // The snapshot must not outlive the frontier record (with the sinks' positions).
        self.sync_frontier()?;
        for state in self.shares.values() {
            let closed = state.current.load(Ordering::SeqCst).saturating_sub(1);
            if closed <= state.compacted.load(Ordering::SeqCst) {
                continue;
            }
            if !state.dir.worth_compacting(closed)? {
                continue;
            }
            if state.dir.compact(closed, frontier)? {
                state.compacted.store(closed, Ordering::SeqCst);
            }
        }
        Ok(())
    }

    /// Starts the background compactor: every snapshot interval, [`Store::compact_once`].
    /// Stops (after a last round) when [`Store::finish`] is called.
    pub fn spawn_compactor(self: &Arc<Self>) -> std::thread::JoinHandle<()> {
        let store = self.clone();
        std::thread::spawn(move || {
            let interval = Duration::from_millis(store.config.snapshot_interval_ms.max(1));
            let mut next = Instant::now() + interval;
            while !store.done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20).min(interval));
                if Instant::now() < next {
                    continue;
                }
                next = Instant::now() + interval;
                if let Err(e) = store.compact_once() {
                    eprintln!("tributary: snapshot failed (the log is kept): {e}");
                }
            }
        })
    }

    /// The run is over: the compactor stops.
    pub fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.config.snapshot_interval_ms.max(1))
    }

    /// The state directory.
    pub fn dir(&self) -> &PathBuf {
        &self.config.dir
    }
}

/// One worker's log of one source share.
pub struct SourceLog {
    store: Arc<Store>,
    share: Arc<Share>,
    writer: SegmentWriter,
    pending: Vec<(Key, Row, Diff)>,
    last_offsets: Option<Vec<u8>>,
    enc: Encoder,
    rotated: Instant,
}

impl SourceLog {
    /// Records an update fed at the open time.
    pub fn record(&mut self, key: Key, row: &Row, diff: Diff) {
        self.pending.push((key, row.clone(), diff));
    }

    /// Makes the updates fed at `time` and the reader's `offsets` after them durable (one
    /// commit frame and an fsync); nothing is written when neither changed. Called before the
    /// input moves past `time`, so an output never sees a time whose input is not logged.
    pub fn commit(&mut self, time: Time, offsets: Option<Vec<u8>>) -> Result<(), PersistError> {
        if self.pending.is_empty() && offsets == self.last_offsets {
            return Ok(());
        }
        let commit = Commit {
            time,
            offsets: offsets.clone(),
            updates: std::mem::take(&mut self.pending),
        };
        let io = |e: std::io::Error, path: &std::path::Path| {
            PersistError::Io(format!(
                "source `{}`: `{}`: {e}",
                self.share.dir.label,
                path.display()
            ))
        };
        self.writer
            .append(&commit, &mut self.enc)
            .and_then(|_| self.writer.sync())
            .map_err(|e| io(e, self.writer.path()))?;
        self.last_offsets = offsets;
        if self.rotated.elapsed() >= self.store.interval() {
            self.rotated = Instant::now();
            let seq = self.writer.seq + 1;
            self.writer = self.share.dir.create_segment(seq)?;
            self.share.current.store(seq, Ordering::SeqCst);
        }
        Ok(())
    }
}
