//! The reader acknowledgement hook: `SourceReader::seal` marks what a reader produced up to a
//! time, and `SourceReader::committed(t)` comes only after every output has written the times
//! up to `t` — and once more with `Time::MAX` after the run stops.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tributary_engine::connector::{Sink, SinkError, SourceError, SourceReader, SourceStatus};
use tributary_engine::plan::{Node, Op, Output, Plan, SinkSpec, SourceSpec};
use tributary_engine::runtime::{run, Environment, RunOptions};
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Time, Value};

/// What the test observes.
#[derive(Default)]
struct Log {
    /// Times the sink has written.
    written: BTreeSet<Time>,
    /// Rows produced (by value) and rows acknowledged through `committed`.
    produced: BTreeSet<i64>,
    acknowledged: BTreeSet<i64>,
    /// `committed` calls that came before the sink wrote a sealed time they cover.
    violations: Vec<String>,
    /// Whether the final `committed(Time::MAX)` came.
    finals: usize,
}

type Shared = Arc<Mutex<Log>>;

/// Produces rows `worker*100 + i` for i in 0..5, one every 15 ms, then idles.
struct Ticker {
    worker: i64,
    next: i64,
    last: Instant,
    log: Shared,
    /// Rows produced since the last seal.
    pending: Vec<i64>,
    /// (time, rows) sealed and not yet acknowledged.
    sealed: Vec<(Time, Vec<i64>)>,
}

impl SourceReader for Ticker {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        _errors: &mut Vec<ErrorEntry>,
        _max: usize,
    ) -> Result<SourceStatus, SourceError> {
        if self.next >= 5 || self.last.elapsed() < Duration::from_millis(15) {
            return Ok(SourceStatus::Idle);
        }
        self.last = Instant::now();
        let value = self.worker * 100 + self.next;
        self.next += 1;
        out.push((
            Key::for_position(7, value as u64),
            Row::from(vec![Value::Int(value)]),
            1,
        ));
        self.pending.push(value);
        self.log.lock().unwrap().produced.insert(value);
        Ok(SourceStatus::Data)
    }

    fn seal(&mut self, time: Time) {
        if !self.pending.is_empty() {
            self.sealed.push((time, std::mem::take(&mut self.pending)));
        }
    }

    fn committed(&mut self, time: Time) {
        let mut log = self.log.lock().unwrap();
        if time == Time::MAX {
            log.finals += 1;
        }
        let (done, rest): (Vec<_>, Vec<_>) = self.sealed.drain(..).partition(|(t, _)| *t <= time);
        self.sealed = rest;
        for (t, rows) in done {
            if !log.written.contains(&t) {
                log.violations
                    .push(format!("time {t} acknowledged before it was written"));
            }
            log.acknowledged.extend(rows);
        }
    }
}

struct Recorder {
    log: Shared,
}

impl Sink for Recorder {
    fn write_time(&mut self, time: Time, _changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        // A slow sink: acknowledging before it returns would be caught.
        std::thread::sleep(Duration::from_millis(5));
        self.log.lock().unwrap().written.insert(time);
        Ok(())
    }
    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

struct Env {
    log: Shared,
}

impl Environment for Env {
    fn open_source(
        &self,
        _node: &Node,
        _spec: &SourceSpec,
        worker: usize,
        _peers: usize,
    ) -> Result<Box<dyn SourceReader>, SourceError> {
        Ok(Box::new(Ticker {
            worker: worker as i64,
            next: 0,
            last: Instant::now(),
            log: self.log.clone(),
            pending: Vec::new(),
            sealed: Vec::new(),
        }))
    }
    fn open_sink(&self, _: usize, _: &Output, _: &Node) -> Result<Box<dyn Sink>, SinkError> {
        Ok(Box::new(Recorder {
            log: self.log.clone(),
        }))
    }
}

fn plan() -> Plan {
    let source = SourceSpec {
        name: "ticker".into(),
        kind: "ticker".into(),
        path: String::new(),
        mode: "streaming".into(),
        primary_key: Vec::new(),
        options: serde_json::Value::Null,
        autocommit_ms: Some(10),
    };
    Plan {
        nodes: vec![Node {
            op: Op::Source { source },
            columns: vec!["v".into()],
            dtypes: vec![DType::Int],
            trace: None,
        }],
        outputs: vec![Output {
            node: 0,
            sink: SinkSpec::Collect {
                id: 0,
                snapshot: false,
            },
        }],
    }
}

#[test]
fn readers_learn_what_the_outputs_have_written() {
    for threads in [1, 2] {
        let log = Shared::default();
        let stop = Arc::new(AtomicBool::new(false));
        let stopper = {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                while log.lock().unwrap().produced.len() < 5 * threads && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(50));
                stop.store(true, Ordering::SeqCst);
            })
        };
        let options = RunOptions {
            threads,
            stop,
            ..RunOptions::default()
        };
        run(
            Arc::new(plan()),
            options,
            Arc::new(Env { log: log.clone() }),
        )
        .unwrap();
        stopper.join().unwrap();
        let log = log.lock().unwrap();
        assert!(log.violations.is_empty(), "{:?}", log.violations);
        assert_eq!(log.produced.len(), 5 * threads);
        assert_eq!(log.acknowledged, log.produced, "threads={threads}");
        assert_eq!(log.finals, threads, "one final acknowledgement per reader");
    }
}
