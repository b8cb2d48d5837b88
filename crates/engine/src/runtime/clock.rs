//! The commit clock: cuts live input into commits. Every worker of a process derives the same
//! commit times from the wall clock, so they close the same times without talking.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::value::Time;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> Time {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Time)
        .unwrap_or(1)
}

/// Commit times: `start + k * interval` for the k-th commit.
#[derive(Clone, Copy, Debug)]
pub struct CommitClock {
    start: Time,
    interval: Time,
}

impl CommitClock {
    /// A clock starting at `start` (ms) that closes a commit every `interval_ms`.
    pub fn new(start: Time, interval_ms: Time) -> CommitClock {
        CommitClock {
            start,
            interval: interval_ms.max(1),
        }
    }

    /// The time of the commit open at wall-clock `now`.
    pub fn time_at(&self, now: Time) -> Time {
        let elapsed = now.saturating_sub(self.start);
        self.start + elapsed - elapsed % self.interval
    }

    /// The interval between two commits (ms).
    pub fn interval(&self) -> Time {
        self.interval
    }

    /// How long until the commit open at `now` closes.
    pub fn until_next(&self, now: Time) -> Duration {
        let next = self.time_at(now) + self.interval;
        Duration::from_millis(next.saturating_sub(now).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_times_are_aligned_and_increasing() {
        let clock = CommitClock::new(1_000, 100);
        assert_eq!(clock.time_at(1_000), 1_000);
        assert_eq!(clock.time_at(1_099), 1_000);
        assert_eq!(clock.time_at(1_100), 1_100);
        assert_eq!(clock.time_at(1_250), 1_200);
        assert_eq!(clock.until_next(1_250), Duration::from_millis(50));
    }
}
