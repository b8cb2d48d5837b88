//! The outputs' frontier (`outputs.frontier`): the latest time every output has written.
//! Worker 0 appends a frame whenever it advances; on restart, times up to it that are
//! replayed from the log are not written to the outputs again.

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

/// Reads the recorded frontier of `dir` (0 if none; a torn last frame is ignored).
pub fn read(dir: &Path) -> Result<Time, PersistError> {
    let path = dir.join("outputs.frontier");
    if !path.exists() {
        return Ok(0);
    }
    let (frames, _) = frame::read_frames(&path, FileKind::Frontier).map_err(|e| match e {
        FrameError::Io(e) => io(&path, e),
        other => PersistError::Corrupt {
            source_name: "(outputs)".into(),
            file: path.display().to_string(),
            message: other.to_string(),
        },
    })?;
    Ok(frames
        .iter()
        .filter_map(|f| {
            f.get(..8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8")))
        })
        .max()
        .unwrap_or(0))
}

impl FrontierLog {
    /// Opens (rewriting) the frontier file of `dir`, starting at `start`.
    pub fn open(dir: &Path, start: Time) -> Result<FrontierLog, PersistError> {
        let path = dir.join("outputs.frontier");
        let mut bytes = frame::header(FileKind::Frontier).to_vec();
        frame::write_frame(&mut bytes, &start.to_le_bytes()).map_err(|e| io(&path, e))?;
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

    /// Records that every output has written every time up to `time` (durable after the
    /// next [`FrontierLog::sync`]).
    pub fn advance(&mut self, time: Time) -> Result<(), PersistError> {
        if time <= self.last {
            return Ok(());
        }
        self.last = time;
        if self.written > REWRITE_AT {
            let dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
            *self = FrontierLog::open(&dir, time)?;
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(20);
        frame::write_frame(&mut bytes, &time.to_le_bytes()).map_err(|e| io(&self.path, e))?;
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
