//! Back-pressure on commits: how many closed commits may be inside the dataflow at once.
//!
//! An iteration (`tb.iterate`) runs at `(commit time, round)`. When many commits are in
//! flight together, every operator in the loop must compute every combination of their
//! times and rounds (the lattice joins of `(t_i, r_j)`), each over an uncompacted history,
//! which grows with the square of the commits in flight: a source that had queued hundreds of
//! commits stalled the loop. Letting the next commit in only once the previous one has left
//! the dataflow keeps one outer time in the loop, whose arrangements then compact as the
//! input frontier moves on. Plans without an iteration are not held back.

use std::collections::VecDeque;

use timely::dataflow::operators::probe::Handle as ProbeHandle;

use crate::plan::{Op, Plan};
use crate::value::Time;

/// Commits in flight allowed in a dataflow that contains an iteration.
const ITERATE_WINDOW: usize = 1;

/// Tracks the closed commits that the dataflow has not finished yet.
#[derive(Debug)]
pub struct CommitGate {
    /// At most this many unfinished commits before sources stop being read; `None`: no limit.
    window: Option<usize>,
    /// Closed commit times not yet passed by the probe, oldest first.
    open: VecDeque<Time>,
}

impl CommitGate {
    /// The gate a plan needs: a window of [`ITERATE_WINDOW`] commits when it iterates,
    /// otherwise none.
    pub fn for_plan(plan: &Plan) -> CommitGate {
        let iterates = plan
            .nodes
            .iter()
            .any(|node| matches!(node.op, Op::Iterate { .. }));
        CommitGate {
            window: iterates.then_some(ITERATE_WINDOW),
            open: VecDeque::new(),
        }
    }

    /// True when this gate can hold sources back (the plan iterates).
    pub fn is_active(&self) -> bool {
        self.window.is_some()
    }

    /// Records that commit `time` closed (its updates are now complete in the dataflow).
    pub fn closed(&mut self, time: Time) {
        if self.window.is_some() {
            self.open.push_back(time);
        }
    }

    /// True while sources should not be read: the window of unfinished commits is full.
    /// Forgets the commits `probe` has passed.
    pub fn hold(&mut self, probe: &ProbeHandle<Time>) -> bool {
        self.hold_unless_passed(|time| !probe.less_equal(time))
    }

    /// [`CommitGate::hold`] with the probe as a predicate: `passed(t)` is true once every
    /// update at `t` has left the dataflow.
    fn hold_unless_passed(&mut self, passed: impl Fn(&Time) -> bool) -> bool {
        let Some(window) = self.window else {
            return false;
        };
        while self.open.front().is_some_and(&passed) {
            self.open.pop_front();
        }
        self.open.len() >= window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(window: Option<usize>) -> CommitGate {
        CommitGate {
            window,
            open: VecDeque::new(),
        }
    }

    #[test]
    fn holds_until_the_closed_commits_have_passed() {
        let mut one = gate(Some(1));
        assert!(!one.hold_unless_passed(|_| false));
        one.closed(5);
        assert!(one.hold_unless_passed(|t| *t < 5));
        assert!(!one.hold_unless_passed(|t| *t < 6));
        let mut two = gate(Some(2));
        two.closed(5);
        assert!(!two.hold_unless_passed(|_| false));
        two.closed(6);
        assert!(two.hold_unless_passed(|t| *t < 5));
        assert!(!two.hold_unless_passed(|t| *t < 6));
    }

    #[test]
    fn plans_without_iteration_are_never_held() {
        let mut none = gate(None);
        none.closed(5);
        assert!(!none.hold_unless_passed(|_| false));
    }
}
