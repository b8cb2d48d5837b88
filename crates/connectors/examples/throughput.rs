//! Throughput check of the file sources: writes N lines (default 2,000,000) of
//! `{"word":"abcdefg"}` (jsonlines), `word,n` (csv) and plain words, reads them back with 1
//! and 2 workers (threads), and prints MB/s and rows/s by wall time and by CPU time (the
//! machine is shared, so CPU time is the steadier figure).
//!
//! Run: `cargo run --release -p tributary-connectors --example throughput [-- LINES [FORMAT]]`

use std::io::Write;
use std::time::Instant;

use serde_json::json;
use tributary_connectors::open_file_source;
use tributary_engine::connector::SourceStatus;
use tributary_engine::plan::SourceSpec;
use tributary_engine::DType;

fn word(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 5000;
    (0..7)
        .map(|_| {
            let c = (b'a' + (x % 26) as u8) as char;
            x /= 3;
            c
        })
        .collect()
}

fn write_file(path: &str, lines: u64, line: impl Fn(u64) -> String, header: Option<&str>) -> u64 {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    if let Some(h) = header {
        writeln!(out, "{h}").unwrap();
    }
    for i in 0..lines {
        writeln!(out, "{}", line(i)).unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// CPU time of the calling thread in seconds (Linux schedstat; 0 elsewhere).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<f64>().ok())
        })
        .map_or(0.0, |ns| ns / 1e9)
}

/// Reads one share; returns (rows, CPU seconds of the reading thread).
fn read_share(
    spec: &SourceSpec,
    columns: &[String],
    dtypes: &[DType],
    worker: usize,
    peers: usize,
) -> (usize, f64) {
    let cpu = thread_cpu_seconds();
    let mut reader = open_file_source(spec, columns, dtypes, worker, peers).unwrap();
    let (mut out, mut errors) = (Vec::with_capacity(10_000), Vec::new());
    let mut rows = 0;
    loop {
        let status = reader.poll(&mut out, &mut errors, 10_000).unwrap();
        rows += out.len();
        out.clear();
        if status == SourceStatus::Finished {
            return (rows, thread_cpu_seconds() - cpu);
        }
    }
}

fn measure(label: &str, spec: &SourceSpec, columns: &[String], dtypes: &[DType], bytes: u64) {
    if std::env::args().nth(2).is_some_and(|only| only != label) {
        return;
    }
    for peers in [1usize, 2] {
        // Warm the page cache and the allocator once, then time the best of three.
        let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
        let mut rows = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let results: Vec<(usize, f64)> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..peers)
                    .map(|w| s.spawn(move || read_share(spec, columns, dtypes, w, peers)))
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            best = best.min(start.elapsed().as_secs_f64());
            rows = results.iter().map(|r| r.0).sum();
            best_cpu = best_cpu.min(results.iter().map(|r| r.1).sum());
        }
        println!(
            "{label:<10} workers={peers} rows={rows} wall={best:.3}s ({:.0} MB/s, {:.2} M rows/s) \
             cpu={best_cpu:.3}s ({:.0} MB/s, {:.2} M rows/s per core)",
            bytes as f64 / 1e6 / best,
            rows as f64 / 1e6 / best,
            bytes as f64 / 1e6 / best_cpu,
            rows as f64 / 1e6 / best_cpu,
        );
    }
}

fn main() {
    let lines: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(2_000_000);
    let dir = std::env::temp_dir().join(format!("tributary-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let spec = |kind: &str, path: &str| SourceSpec {
        name: "bench".into(),
        kind: kind.into(),
        path: path.into(),
        mode: "static".into(),
        primary_key: vec![],
        options: json!(null),
        autocommit_ms: None,
    };

    let jsonl = file("words.jsonl");
    let bytes = write_file(
        &jsonl,
        lines,
        |i| format!("{{\"word\":\"{}\"}}", word(i)),
        None,
    );
    measure(
        "jsonlines",
        &spec("jsonlines", &jsonl),
        &["word".into()],
        &[DType::Str],
        bytes,
    );

    let csv = file("words.csv");
    let bytes = write_file(&csv, lines, |i| format!("{},{i}", word(i)), Some("word,n"));
    measure(
        "csv",
        &spec("csv", &csv),
        &["word".into(), "n".into()],
        &[DType::Str, DType::Int],
        bytes,
    );

    let txt = file("words.txt");
    let bytes = write_file(&txt, lines, word, None);
    measure(
        "plaintext",
        &spec("plaintext", &txt),
        &["data".into()],
        &[DType::Str],
        bytes,
    );

    std::fs::remove_dir_all(&dir).unwrap();
}
