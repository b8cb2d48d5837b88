//! When a worker's open commit closes.
//!
//! *Wall-clock* commits (runs that persist): a commit closes on every `autocommitMs` boundary of
//! the [`CommitClock`], so a persisted run logs and syncs at most once per interval.
//!
//! *Eager* commits (every other run): a commit that holds data closes as soon as every source of
//! the worker has caught up (its last poll read everything available), at the next wall-clock
//! millisecond; a busy source keeps it open for at most `autocommitMs`. Either way it waits
//! while the previous commit with data is still in the dataflow ([`IN_FLIGHT`]), so that under
//! load commits grow instead of queueing. A commit without data stays open (moving it costs a
//! progress round through the whole dataflow) until data arrives, which first moves it to the
//! current millisecond ([`CommitPolicy::reopen_at`]), until a peer worker closed a later commit
//! with data (whose outputs wait for this worker's frontier), or for at most `autocommitMs`.
//! Times stay milliseconds and strictly increase; each worker decides on its own (timely's
//! progress tracking makes every output wait for the slowest worker's time).
//!
//! Eager mode also bounds the backlog: while more than [`MAX_PENDING`] closed commits wait for the
//! outputs (commits a source closed itself), or while the open commit has taken data for
//! [`WAIT_LIMIT`] intervals and still waits for the one in flight, the worker stops reading, so a source
//! faster than the computation leaves its input where it is (in the file, the broker, the
//! channel) instead of in memory, and the next commit simply gets bigger.

use std::collections::VecDeque;
use std::time::Duration;

use super::clock::CommitClock;
use crate::value::Time;

/// Closed commits that may wait for the outputs before the worker stops reading.
pub const MAX_PENDING: usize = 4;

/// Closed commits with data that may be in the dataflow when the open one closes: a commit
/// that is ready (caught up, or open for `autocommitMs`) while the previous one is still being
/// computed stays open and takes what arrives meanwhile, so that under load commits grow
/// instead of queueing (each commit costs a progress round and an output flush), while an
/// idle pipeline still closes a commit at the next millisecond.
const IN_FLIGHT: usize = 1;

/// How many `autocommitMs` intervals an open commit may take data while it waits for the
/// commit in flight before the worker stops reading (the memory bound under overload; shorter
/// waits are normal under load, and stopping the reader then only delays the data).
const WAIT_LIMIT: Time = 10;

/// The longest a worker with only idle sources sleeps in wall-clock mode.
const IDLE_PARK: Duration = Duration::from_millis(5);

/// The longest a worker sleeps in eager mode: how soon an idle file source looks again.
const LIVE_PARK: Duration = Duration::from_millis(1);

/// Decides when the open commit closes (see the module docs).
#[derive(Debug)]
pub struct CommitPolicy {
    clock: CommitClock,
    eager: bool,
    /// Data was fed into the open commit.
    fed: bool,
    /// Every source was idle in the last poll round.
    caught_up: bool,
    /// Closed commits with data that the outputs have not finished yet, oldest first.
    pending: VecDeque<Time>,
}

impl CommitPolicy {
    /// Wall-clock commits on `clock` when `eager` is false, eager commits otherwise.
    pub fn new(clock: CommitClock, eager: bool) -> CommitPolicy {
        CommitPolicy {
            clock,
            eager,
            fed: false,
            caught_up: false,
            pending: VecDeque::new(),
        }
    }

    /// The time to move to at wall-clock `now` while `current` is open, if the commit closes;
    /// `forced` when a source closed the commit itself; `peer` the latest time a worker opened
    /// after closing a commit with data.
    pub fn next_time(&self, current: Time, now: Time, forced: bool, peer: Time) -> Option<Time> {
        if !self.eager {
            let next = self
                .clock
                .time_at(now)
                .max(if forced { current + 1 } else { 0 });
            return (next > current).then_some(next);
        }
        if forced {
            return Some(now.max(current + 1));
        }
        if now <= current {
            return None;
        }
        let late = now >= current + self.clock.interval();
        if self.fed {
            return ((self.caught_up || late) && !self.previous_in_flight()).then_some(now);
        }
        (late || peer > current).then_some(now.max(peer))
    }

    /// In eager mode, with the open commit still empty: the time its first data should get.
    pub fn reopen_at(&self, current: Time, now: Time) -> Option<Time> {
        (self.eager && !self.fed && now > current).then_some(now)
    }

    /// Records that the commit `closed` closed (the next one is open and empty); true when it
    /// held data (in eager mode).
    pub fn closed(&mut self, closed: Time) -> bool {
        let had_data = self.fed && self.eager;
        if had_data {
            self.pending.push_back(closed);
        }
        self.fed = false;
        self.caught_up = false;
        had_data
    }

    /// Records a poll round: whether any source fed data, whether every source was idle.
    pub fn polled(&mut self, fed: bool, idle: bool) {
        self.fed |= fed;
        self.caught_up = idle;
    }

    /// Records that the outputs have finished every time before `frontier`.
    pub fn outputs_at(&mut self, frontier: Time) {
        while self.pending.front().is_some_and(|&t| t < frontier) {
            self.pending.pop_front();
        }
    }

    /// Whether the worker should leave its sources unread for now: too many closed commits
    /// wait for the outputs, or the open commit `current` has been taking data for
    /// [`WAIT_LIMIT`] intervals at wall-clock `now` while it waits for the one in flight (so
    /// that a source faster than the computation does not pile up in the open commit either).
    pub fn backlogged(&self, current: Time, now: Time) -> bool {
        let waiting = self.fed
            && self.previous_in_flight()
            && now >= current + WAIT_LIMIT * self.clock.interval();
        self.eager && (self.pending.len() > MAX_PENDING || waiting)
    }

    /// Whether [`IN_FLIGHT`] closed commits with data are still in the dataflow, so the open
    /// one waits.
    fn previous_in_flight(&self) -> bool {
        self.pending.len() >= IN_FLIGHT
    }

    /// How long the worker may sleep after a poll round (`None`: step without sleeping).
    pub fn park(&self, now: Time, idle: bool) -> Option<Duration> {
        if !self.eager {
            return idle.then(|| self.clock.until_next(now).min(IDLE_PARK));
        }
        // A caught-up commit with data waits for the next millisecond at most.
        idle.then_some(LIVE_PARK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_commits_close_on_boundaries() {
        let policy = CommitPolicy::new(CommitClock::new(1_000, 100), false);
        assert_eq!(policy.next_time(1_000, 1_050, false, 0), None);
        assert_eq!(policy.next_time(1_000, 1_050, true, 0), Some(1_001));
        assert_eq!(policy.next_time(1_000, 1_130, false, 0), Some(1_100));
        assert_eq!(policy.reopen_at(1_000, 1_050), None);
    }

    #[test]
    fn eager_commits_close_when_caught_up() {
        let mut policy = CommitPolicy::new(CommitClock::new(1_000, 100), true);
        // Nothing fed: stays open, unless a peer moved on or the interval is over.
        assert_eq!(policy.next_time(1_000, 1_003, false, 0), None);
        assert_eq!(policy.next_time(1_000, 1_003, false, 1_002), Some(1_003));
        assert_eq!(policy.next_time(1_000, 1_100, false, 0), Some(1_100));
        // Data into an empty commit first moves it to the current millisecond.
        assert_eq!(policy.reopen_at(1_000, 1_003), Some(1_003));
        assert!(!policy.closed(1_000));
        // Busy: stays open until the interval is over.
        policy.polled(true, false);
        assert_eq!(policy.reopen_at(1_003, 1_004), None);
        assert_eq!(policy.next_time(1_003, 1_050, false, 0), None);
        assert_eq!(policy.next_time(1_003, 1_103, false, 0), Some(1_103));
        // Caught up: closes at the next millisecond, never twice in one.
        policy.polled(false, true);
        assert_eq!(policy.next_time(1_003, 1_003, false, 0), None);
        assert_eq!(policy.next_time(1_003, 1_004, false, 0), Some(1_004));
        assert!(policy.closed(1_003));
        // While 1_003 is still being computed, the next caught-up commit waits for it...
        policy.polled(true, true);
        assert_eq!(policy.next_time(1_004, 1_006, false, 0), None);
        // ...even past the interval (closing it would only queue it), until the outputs are
        // past it.
        assert_eq!(policy.next_time(1_004, 1_104, false, 0), None);
        policy.outputs_at(1_004);
        assert_eq!(policy.next_time(1_004, 1_006, false, 0), Some(1_006));
        // Forced commits stay strictly increasing.
        assert_eq!(policy.next_time(1_004, 1_004, true, 0), Some(1_005));
    }

    #[test]
    fn backlog_stops_reading_until_outputs_catch_up() {
        let mut policy = CommitPolicy::new(CommitClock::new(0, 20), true);
        for t in 1..=(MAX_PENDING as Time + 1) {
            policy.polled(true, true);
            policy.closed(t);
        }
        policy.outputs_at(1);
        assert!(policy.backlogged(10, 11));
        policy.outputs_at(3);
        assert!(!policy.backlogged(10, 11));
        // Empty commits never count.
        policy.closed(100);
        policy.outputs_at(3);
        assert!(!policy.backlogged(101, 102));
        // An open commit with data that waits for the one in flight stops reading once it has
        // been open for WAIT_LIMIT intervals.
        policy.polled(true, true);
        assert!(!policy.backlogged(101, 101 + 20 * WAIT_LIMIT - 1));
        assert!(policy.backlogged(101, 101 + 20 * WAIT_LIMIT));
    }
}
