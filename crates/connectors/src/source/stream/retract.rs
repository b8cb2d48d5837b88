//! Retracting the rows of a rewritten or deleted file: the copy of the bytes read from it is
//! parsed again (same offsets, so same ids and rows) and every row comes out with diff -1.

use tributary_engine::connector::SourceError;
use tributary_engine::{Diff, Key, Row};

use super::super::csv_share::CsvShare;
use super::super::line_share::LineShare;
use super::super::watch::Tracked;
use super::super::{Format, Share};
use super::StreamSource;

/// A share over the copy of what was read from `t` (taking the copy and the header), `None`
/// when nothing was read. An unreadable copy retracts nothing (an I/O error of the temp dir).
pub(super) fn copy_share(t: &mut Tracked, format: &Format) -> Option<Share> {
    let (file, len) = t.copy.take()?;
    let share = match format {
        Format::Lines(_) => Share::Lines(Box::new(
            LineShare::range(file, t.entry.clone(), 0, len).ok()?,
        )),
        Format::Csv(opts) => {
            let header = t.header.as_ref()?;
            let begin = header.end.min(len);
            Share::Csv(Box::new(
                CsvShare::range(
                    opts,
                    file,
                    t.entry.clone(),
                    begin,
                    len,
                    header.fields.clone(),
                )
                .ok()?,
            ))
        }
    };
    Some(share)
}

impl StreamSource {
    /// Appends up to `budget` retractions from the oldest pending copy; drops copies once read.
    pub(super) fn poll_retractions(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        budget: usize,
    ) -> Result<(), SourceError> {
        let Some(share) = self.retracting.front_mut() else {
            return Ok(());
        };
        let start = out.len();
        // Bad lines or cells were logged when first read: stay quiet the second time.
        let mut ignored = Vec::new();
        let done = match (share, &self.format) {
            (Share::Csv(share), _) => share.poll(&self.ctx, out, &mut ignored, budget),
            (Share::Lines(share), Format::Lines(format)) => {
                share.poll(&self.ctx, format, out, &mut ignored, budget)
            }
            _ => unreachable!("share and format kinds always match"),
        };
        for update in &mut out[start..] {
            update.2 = -1;
        }
        // An unreadable copy (the temp dir failed) ends its retraction where it stands.
        if done.unwrap_or(true) {
            self.retracting.pop_front();
        }
        Ok(())
    }
}
