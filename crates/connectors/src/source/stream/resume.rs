//! Persistence of a streaming file source: its offsets are, per file of this worker, how far
//! it has read plus a fingerprint of the bytes read; resuming re-checks each file. A file
//! whose read prefix is unchanged continues after its offset (its earlier rows are re-parsed
//! to know their ids, and its prefix is copied for a later retraction); a file rewritten or deleted while the pipeline was
//! down has its logged rows retracted (and a rewritten one is read again from the start).

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;

use serde::{Deserialize, Serialize};
use tributary_engine::connector::SourceError;
use tributary_engine::{Key, Row};

use super::super::csv_share::{CsvHeader, CsvShare};
use super::super::line_share::LineShare;
use super::super::watch::{fingerprint, Tracked};
use super::super::{Format, Share};
use super::{Slot, StreamSource};

/// What is recorded of one file.
#[derive(Serialize, Deserialize)]
struct FileState {
    /// The file's name in the watched directory (empty for a watched single file).
    name: String,
    /// The path as shown (ids derive from it).
    shown: String,
    /// Bytes `[0, done)` have been turned into rows.
    done: u64,
    /// Bytes `[0, checked)` are covered by `fingerprint`.
    checked: u64,
    /// Head and tail hashes of `[0, checked)`.
    fingerprint: (u64, u64),
}

/// The offsets blob: format tag and files.
#[derive(Serialize, Deserialize)]
struct State {
    version: u32,
    files: Vec<FileState>,
}

impl StreamSource {
    /// The reader's offsets (see the module docs).
    pub(crate) fn offsets_state(&self) -> Vec<u8> {
        let mut files = Vec::new();
        for (name, slot) in &self.files {
            let Slot::Mine(t) = slot else { continue };
            // The file being read: only its rows returned so far count.
            let done = match &self.current {
                Some((current, share)) if current == name => match share {
                    Share::Csv(s) => s.position(),
                    Share::Lines(s) => s.position(),
                },
                _ => t.offset,
            };
            if done == 0 || t.stat.is_none() {
                continue;
            }
            files.push(FileState {
                name: name.to_string_lossy().into_owned(),
                shown: t.entry.shown.clone(),
                done,
                checked: t.offset,
                fingerprint: t.fingerprint,
            });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        serde_json::to_vec(&State { version: 1, files }).unwrap_or_default()
    }

    /// Resumes after `offsets` given the `live` rows the log replayed (see the module docs).
    pub(crate) fn resume_state(
        &mut self,
        offsets: &[u8],
        live: &[(Key, Row)],
    ) -> Result<(), SourceError> {
        let state: State = serde_json::from_slice(offsets).map_err(|e| SourceError {
            source_name: self.name.clone(),
            message: format!("the persisted offsets cannot be read: {e}"),
        })?;
        let mut known = HashSet::new();
        for file in state.files {
            let name = OsString::from(&file.name);
            let mut t = match Self::slot_for(file.shown.clone(), self.worker, self.peers) {
                Slot::Mine(t) => t,
                Slot::Other => continue,
            };
            let Some(produced) = self.reread(&mut t, &file) else {
                continue; // changed or gone: its rows are retracted below
            };
            known.extend(produced.iter().map(|(k, _)| *k));
            t.offset = file.done;
            // Unknown metadata: the first scan queues the file and reads on from `done`.
            t.stat = None;
            self.files.insert(name, Slot::Mine(t));
        }
        self.retract.extend(
            live.iter()
                .filter(|(k, _)| !known.contains(k))
                .map(|(k, r)| (*k, r.clone())),
        );
        Ok(())
    }

    /// Checks that the file still starts with what was read and re-parses `[0, done)`;
    /// `None` when it changed or cannot be read.
    fn reread(&self, t: &mut Tracked, file: &FileState) -> Option<Vec<(Key, Row)>> {
        let mut f = File::open(&t.entry.path).ok()?;
        let len = f.metadata().ok().filter(|m| m.is_file())?.len();
        if len < file.checked || fingerprint(&mut f, file.checked).ok()? != file.fingerprint {
            return None;
        }
        t.fingerprint = fingerprint(&mut f, file.done).ok()?;
        t.copy.extend_from(&f, file.done).ok()?;
        let mut share = match &self.format {
            Format::Lines(_) => Share::Lines(Box::new(
                LineShare::range(f, t.entry.clone(), 0, file.done).ok()?,
            )),
            Format::Csv(opts) => {
                let header = CsvHeader::read(&self.ctx, opts, &f, file.done).ok()?;
                let fields = header.fields.clone();
                let begin = header.end.min(file.done);
                t.header = Some(header);
                Share::Csv(Box::new(
                    CsvShare::range(opts, f, t.entry.clone(), begin, file.done, fields).ok()?,
                ))
            }
        };
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        loop {
            let done = match (&mut share, &self.format) {
                (Share::Csv(s), _) => s.poll(&self.ctx, &mut out, &mut errors, usize::MAX),
                (Share::Lines(s), Format::Lines(format)) => {
                    s.poll(&self.ctx, format, &mut out, &mut errors, usize::MAX)
                }
                _ => return None,
            };
            if done.ok()? {
                break;
            }
        }
        Some(out.into_iter().map(|(k, r, _)| (k, r)).collect())
    }
}
