//! Tests of a share directory: append, reload, torn tail, compaction into a snapshot.

use std::sync::Arc;

use super::codec::{Commit, Encoder};
use super::share::ShareDir;
use super::PersistError;
use crate::value::{Key, Row, Value};

fn temp(name: &str) -> ShareDir {
    let dir = std::env::temp_dir().join(format!("tb-share-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    ShareDir {
        dir,
        label: "orders".into(),
    }
}

fn row(n: i64) -> Row {
    Arc::from(vec![Value::Int(n)])
}

fn commit(time: u64, offset: &str, updates: &[(u128, i64, isize)]) -> Commit {
    Commit {
        time,
        offsets: Some(offset.as_bytes().to_vec()),
        updates: updates
            .iter()
            .map(|&(k, v, d)| (Key(k), row(v), d))
            .collect(),
    }
}

#[test]
fn append_reload_compact() {
    let share = temp("compact");
    let mut enc = Encoder::default();
    let mut seg = share.create_segment(1).unwrap();
    seg.append(&commit(10, "a", &[(1, 1, 1), (2, 2, 1)]), &mut enc)
        .unwrap();
    seg.sync().unwrap();
    let mut seg = share.create_segment(2).unwrap();
    seg.append(&commit(20, "b", &[(1, 1, -1), (3, 3, 1)]), &mut enc)
        .unwrap();
    seg.sync().unwrap();
    let loaded = share.load().unwrap();
    assert_eq!(loaded.commits.len(), 2);
    assert_eq!(loaded.offsets(), Some(&b"b"[..]));
    // Segment 2 holds time 20, past the frontier 15: only segment 1 may be compacted.
    assert!(!share.compact(2, 15).unwrap());
    assert!(share.compact(1, 15).unwrap());
    assert!(share.compact(2, 20).unwrap());
    let loaded = share.load().unwrap();
    assert!(loaded.commits.is_empty());
    let snap = loaded.snapshot.unwrap();
    assert_eq!(snap.time, 20);
    assert_eq!(snap.offsets.as_deref(), Some(&b"b"[..]));
    let mut live: Vec<u128> = snap.updates.iter().map(|u| u.0 .0).collect();
    live.sort();
    assert_eq!(live, vec![2, 3]);
    assert_eq!(loaded.last_seq, 2);
    // A corrupted snapshot is an error naming the source.
    let snap_file = std::fs::read_dir(&share.dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".snap"))
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&snap_file).unwrap();
    bytes.truncate(bytes.len() - 3);
    std::fs::write(&snap_file, bytes).unwrap();
    match share.load() {
        Err(PersistError::Corrupt { source_name, .. }) => assert_eq!(source_name, "orders"),
        other => panic!("expected corruption, got {:?}", other.map(|_| ())),
    }
    let _ = std::fs::remove_dir_all(&share.dir);
}

#[test]
fn torn_tail_of_last_segment_is_dropped() {
    let share = temp("torn");
    let mut enc = Encoder::default();
    let mut seg = share.create_segment(1).unwrap();
    seg.append(&commit(10, "a", &[(1, 1, 1)]), &mut enc)
        .unwrap();
    seg.append(&commit(11, "b", &[(2, 2, 1)]), &mut enc)
        .unwrap();
    seg.sync().unwrap();
    let path = seg.path().to_path_buf();
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len - 2).unwrap();
    let loaded = share.load().unwrap();
    assert_eq!(loaded.commits.len(), 1);
    assert_eq!(loaded.offsets(), Some(&b"a"[..]));
    // The torn bytes were cut off: a later segment does not make them corruption.
    let mut seg = share.create_segment(2).unwrap();
    seg.append(&commit(12, "c", &[(3, 3, 1)]), &mut enc)
        .unwrap();
    seg.sync().unwrap();
    assert_eq!(share.load().unwrap().commits.len(), 2);
    let _ = std::fs::remove_dir_all(&share.dir);
}

#[test]
fn frontier_records_sink_positions() {
    use super::frontier::{read, FrontierLog, Recorded, SinkPositions};
    let dir = std::env::temp_dir().join(format!("tb-frontier-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(read(&dir).unwrap(), Recorded::default());
    let at = |pairs: &[(u32, u64)]| pairs.iter().copied().collect::<SinkPositions>();
    let mut log = FrontierLog::open(&dir, 3, &at(&[(0, 10)])).unwrap();
    log.advance(7, &at(&[(0, 25), (2, 40)])).unwrap();
    log.advance(5, &at(&[(0, 99)])).unwrap(); // behind: ignored
    log.sync().unwrap();
    assert_eq!(
        read(&dir).unwrap(),
        Recorded {
            time: 7,
            sinks: at(&[(0, 25), (2, 40)])
        }
    );
    // Reopening keeps the recorded positions in its first frame.
    let recorded = read(&dir).unwrap();
    drop(FrontierLog::open(&dir, recorded.time, &recorded.sinks).unwrap());
    assert_eq!(read(&dir).unwrap(), recorded);
    let _ = std::fs::remove_dir_all(&dir);
}
