//! The outputs' frontier (`outputs.frontier`): the latest time every output has written.
//! Worker 0 appends a frame whenever it advances; on restart, times up to it that are
//! replayed from the log are not written to the outputs again.
//!
//! A frame is the time (u64 LE) followed by the position of every resumable sink at that
//! time (`u32` output number, `u64` position, LE): a change-log file is cut back to it on
//! restart, so the times after the frontier are written to it exactly once.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::frame::{self, FileKind, FrameError};
use super::PersistError;
use crate::value::Time;

/// Rewrite the file (atomically, with the latest value only) past this size.
const REWRITE_AT: u64 = 1 << 20;

/// Appends the frontier as it advances.
pub struct FrontierLog {
    path: PathBuf,
    file: File,
    written: u64,
    /// The last value appended.
    pub last: Time,
    dirty: bool,
}

fn io(path: &Path, e: std::io::Error) -> PersistError {
    PersistError::Io(format!("`{}`: {e}", path.display()))
}

/// The position of each resumable sink (by output number).
pub type SinkPositions = BTreeMap<u32, u64>;

/// What `outputs.frontier` holds: the latest time every output has written, and where the
/// resumable sinks were then.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The frontier (0 if none).
    pub time: Time,
    /// The sinks' positions at `time`.
    pub sinks: SinkPositions,
}

fn encode(time: Time, sinks: &SinkPositions) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 12 * sinks.len());
    out.extend_from_slice(&time.to_le_bytes());
    for (slot, position) in sinks {
        out.extend_from_slice(&slot.to_le_bytes());
        out.extend_from_slice(&position.to_le_bytes());
    }
    out
}

fn decode(frame: &[u8]) -> Option<Recorded> {
    let time = u64::from_le_bytes(frame.get(..8)?.try_into().ok()?);
    let mut sinks = SinkPositions::new();
    for entry in frame[8..].chunks(12) {
        let slot = u32::from_le_bytes(entry.get(..4)?.try_into().ok()?);
        let position = u64::from_le_bytes(entry.get(4..12)?.try_into().ok()?);
        sinks.insert(slot, position);
    }
    Some(Recorded { time, sinks })
}

/// Reads the recorded frontier of `dir` (0 if none; a torn last frame is ignored).
pub fn read(dir: &Path) -> Result<Recorded, PersistError> {
    let path = dir.join("outputs.frontier");
    if !path.exists() {
        return Ok(Recorded::default());
    }
    let (frames, _) = frame::read_frames(&path, FileKind::Frontier).map_err(|e| match e {
        FrameError::Io(e) => io(&path, e),
        other => PersistError::Corrupt {
            source_name: "(outputs)".into(),
            file: path.display().to_string(),
            message: other.to_string(),
        },
    })?;
    let mut latest = Recorded::default();
    for frame in &frames {
        let recorded = decode(frame).ok_or_else(|| PersistError::Corrupt {
            source_name: "(outputs)".into(),
            file: path.display().to_string(),
            message: format!("a frontier frame of {} bytes", frame.len()),
        })?;
        if recorded.time >= latest.time {
            latest = recorded;
        }
    }
    Ok(latest)
}

impl FrontierLog {
    /// Opens (rewriting) the frontier file of `dir`, starting at `start` with the sinks at
    /// `sinks`.
    pub fn open(
        dir: &Path,
        start: Time,
        sinks: &SinkPositions,
    ) -> Result<FrontierLog, PersistError> {
        let path = dir.join("outputs.frontier");
        let mut bytes = frame::header(FileKind::Frontier).to_vec();
        frame::write_frame(&mut bytes, &encode(start, sinks)).map_err(|e| io(&path, e))?;
        frame::write_atomic(&path, &bytes).map_err(|e| io(&path, e))?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        Ok(FrontierLog {
            written: bytes.len() as u64,
            path,
            file,
            last: start,
            dirty: false,
        })
    }

    /// Records that every output has written every time up to `time`, the resumable sinks
    /// reaching `sinks` (durable after the next [`FrontierLog::sync`]).
    pub fn advance(&mut self, time: Time, sinks: &SinkPositions) -> Result<(), PersistError> {
        if time <= self.last {
            return Ok(());
        }
        self.last = time;
        if self.written > REWRITE_AT {
            let dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
            *self = FrontierLog::open(&dir, time, sinks)?;
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(20 + 12 * sinks.len());
        frame::write_frame(&mut bytes, &encode(time, sinks)).map_err(|e| io(&self.path, e))?;
        self.file.write_all(&bytes).map_err(|e| io(&self.path, e))?;
        self.written += bytes.len() as u64;
        self.dirty = true;
        Ok(())
    }

    /// Fsyncs what was appended.
    pub fn sync(&mut self) -> Result<(), PersistError> {
        if self.dirty {
            self.file.sync_data().map_err(|e| io(&self.path, e))?;
            self.dirty = false;
        }
        Ok(())
    }
}
