//! Figures for streaming file sources: latency from an appended line to its row coming out
//! of `poll`, and the cost of watching an idle directory of 1000 files.
//!
//! `cargo run --release -p tributary-connectors --example stream_watch`

use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;
use tributary_connectors::open_file_source;
use tributary_engine::connector::{SourceReader, SourceStatus};
use tributary_engine::plan::SourceSpec;
use tributary_engine::DType;

fn spec(path: &str) -> SourceSpec {
    SourceSpec {
        name: "watch".into(),
        kind: "plaintext".into(),
        path: path.into(),
        mode: "streaming".into(),
        primary_key: vec![],
        options: json!(null),
        autocommit_ms: None,
    }
}

fn open(path: &str) -> Box<dyn SourceReader> {
    open_file_source(&spec(path), &["data".to_string()], &[DType::Str], 0, 1).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Polls like the engine's loop does (a short sleep when idle) until `want` rows came.
fn drain(reader: &mut dyn SourceReader, want: usize) {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    while out.len() < want {
        if reader.poll(&mut out, &mut errors, 10_000).unwrap() == SourceStatus::Idle {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

fn latency(dir: &Path) {
    let path = dir.join("live.txt");
    std::fs::write(&path, "").unwrap();
    let mut reader = open(path.to_str().unwrap());
    drain(reader.as_mut(), 0);
    let (tx, rx) = mpsc::channel::<Instant>();
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(writer_path)
            .unwrap();
        for i in 0..300 {
            std::thread::sleep(Duration::from_millis(7));
            tx.send(Instant::now()).unwrap();
            writeln!(f, "line {i}").unwrap();
        }
    });
    let mut lat = Vec::new();
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    while lat.len() < 300 {
        out.clear();
        if reader.poll(&mut out, &mut errors, 10_000).unwrap() == SourceStatus::Idle {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        let now = Instant::now();
        for _ in &out {
            lat.push(now - rx.recv().unwrap());
        }
    }
    writer.join().unwrap();
    lat.sort();
    println!(
        "append -> row: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms (300 appends, 7 ms apart)",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.95).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn idle_directory(dir: &Path) {
    let root = dir.join("many");
    std::fs::create_dir_all(&root).unwrap();
    for i in 0..1000 {
        std::fs::write(root.join(format!("f{i:04}.txt")), format!("row {i}\n")).unwrap();
    }
    let mut reader = open(root.to_str().unwrap());
    drain(reader.as_mut(), 1000);
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let mut times = Vec::new();
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        let status = reader.poll(&mut out, &mut errors, 10_000).unwrap();
        times.push(t.elapsed());
        assert_eq!(status, SourceStatus::Idle);
        std::thread::sleep(Duration::from_micros(200));
    }
    let wall = began.elapsed();
    let busy: Duration = times.iter().sum();
    let scans: Vec<Duration> = times
        .iter()
        .copied()
        .filter(|d| *d > Duration::from_micros(50))
        .collect();
    times.sort();
    let mut scans_sorted = scans.clone();
    scans_sorted.sort();
    println!(
        "idle dir of 1000 files: {} polls in {:.1} s, {:.2}% of a core in poll; \
         {} scans ({:.0}/s), scan p50 {:.2} ms, max {:.2} ms; other polls p50 {:.2} µs",
        times.len(),
        wall.as_secs_f64(),
        busy.as_secs_f64() / wall.as_secs_f64() * 100.0,
        scans.len(),
        scans.len() as f64 / wall.as_secs_f64(),
        scans_sorted
            .get(scans_sorted.len() / 2)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3),
        scans_sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        percentile(&times, 0.5).as_secs_f64() * 1e6,
    );
}

/// Reads a 1M-line JSON-lines file in static and in streaming mode (rows/s of the first read).
fn initial_read(dir: &Path) {
    let path = dir.join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..1_000_000 {
        writeln!(f, "{{\"word\": \"w{}\", \"n\": {i}}}", i % 1000).unwrap();
    }
    drop(f);
    let columns = ["word".to_string(), "n".to_string()];
    let dtypes = [DType::Str, DType::Int];
    for mode in ["static", "streaming"] {
        let mut s = spec(path.to_str().unwrap());
        s.kind = "jsonlines".into();
        s.mode = mode.into();
        let mut reader = open_file_source(&s, &columns, &dtypes, 0, 1).unwrap();
        let began = Instant::now();
        let (mut out, mut errors, mut rows) = (Vec::new(), Vec::new(), 0);
        loop {
            out.clear();
            let status = reader.poll(&mut out, &mut errors, 10_000).unwrap();
            rows += out.len();
            if rows == 1_000_000 || status == SourceStatus::Finished {
                break;
            }
        }
        let secs = began.elapsed().as_secs_f64();
        println!(
            "1M JSON lines, {mode}: {:.2} M rows/s",
            rows as f64 / secs / 1e6
        );
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("tributary-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    latency(&dir);
    idle_directory(&dir);
    initial_read(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}
