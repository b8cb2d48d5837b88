//! Monitoring of a run from Node: a log line per second, a live terminal dashboard, and a
//! Prometheus text endpoint — all read from the engine's live counters on their own threads.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tributary_engine::runtime::RunStats;

/// How a run reports progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nothing.
    None,
    /// One line per second on stderr.
    Log,
    /// A live table on stderr (a log line per second when stderr is not a terminal).
    Dashboard,
}

impl Mode {
    /// Parses the `monitoring` option.
    pub fn parse(text: Option<&str>) -> Result<Mode, String> {
        match text.unwrap_or("none") {
            "none" => Ok(Mode::None),
            "log" => Ok(Mode::Log),
            "dashboard" => Ok(Mode::Dashboard),
            other => Err(format!(
                "monitoring must be \"dashboard\", \"log\" or \"none\", got \"{other}\""
            )),
        }
    }
}

/// Stops the monitor threads when dropped (the run has ended).
pub struct Monitor {
    done: Arc<AtomicBool>,
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Starts the reporting threads the options ask for.
pub fn start(
    stats: Arc<RunStats>,
    mode: Mode,
    metrics_port: Option<u16>,
) -> std::io::Result<Monitor> {
    let done = Arc::new(AtomicBool::new(false));
    if mode != Mode::None {
        let (stats, done) = (stats.clone(), done.clone());
        std::thread::Builder::new()
            .name("tributary-monitor".into())
            .spawn(move || report(&stats, mode, &done))?;
    }
    if let Some(port) = metrics_port {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let done = done.clone();
        std::thread::Builder::new()
            .name("tributary-metrics".into())
            .spawn(move || serve(&listener, &stats, &done))?;
    }
    Ok(Monitor { done })
}

fn report(stats: &RunStats, mode: Mode, done: &AtomicBool) {
    let started = Instant::now();
    let dashboard = mode == Mode::Dashboard && std::io::stderr().is_terminal();
    let mut previous: Vec<u64> = stats
        .sources
        .iter()
        .map(|s| s.rows.load(Ordering::Relaxed))
        .collect();
    let mut drawn_lines = 0;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(250));
        if started.elapsed().as_millis() % 1000 >= 250 && !done.load(Ordering::SeqCst) {
            continue;
        }
        let rates: Vec<u64> = stats
            .sources
            .iter()
            .zip(previous.iter_mut())
            .map(|(source, before)| {
                let now = source.rows.load(Ordering::Relaxed);
                let rate = now.saturating_sub(*before);
                *before = now;
                rate
            })
            .collect();
        let mut stderr = std::io::stderr().lock();
        if dashboard {
            let text = dashboard_text(stats, &rates, started.elapsed());
            // Move up over the previous drawing and redraw it.
            let _ = write!(stderr, "\x1b[{drawn_lines}A\x1b[J{text}");
            drawn_lines = text.lines().count();
        } else {
            let _ = writeln!(stderr, "{}", log_line(stats, &rates, started.elapsed()));
        }
    }
}

fn log_line(stats: &RunStats, rates: &[u64], elapsed: Duration) -> String {
    let mut line = format!("tributary: {:>5.1}s", elapsed.as_secs_f64());
    for (source, rate) in stats.sources.iter().zip(rates) {
        let _ = write!(
            line,
            " | {} {} rows ({rate}/s)",
            source.name,
            source.rows.load(Ordering::Relaxed)
        );
    }
    for output in &stats.outputs {
        let _ = write!(
            line,
            " | {} {} changes, latency {} ms",
            output.name,
            output.changes.load(Ordering::Relaxed),
            output.latency_ms.load(Ordering::Relaxed)
        );
    }
    let _ = write!(line, " | errors {}", stats.errors.load(Ordering::Relaxed));
    let late = stats.late_rows.load(Ordering::Relaxed);
    if late > 0 {
        let _ = write!(line, " | late rows {late}");
    }
    line
}

fn dashboard_text(stats: &RunStats, rates: &[u64], elapsed: Duration) -> String {
    let mut text = format!(
        "── tributary ── running {:.0}s ──────────────────────────────\n",
        elapsed.as_secs_f64()
    );
    text.push_str(&format!(
        "{:<36} {:>12} {:>10} {:>10}\n",
        "source", "rows", "rows/s", "lag ms"
    ));
    let now = tributary_engine::runtime::now_ms();
    for (source, rate) in stats.sources.iter().zip(rates) {
        let last = source.last_time.load(Ordering::Relaxed);
        let lag = if last > 1_000_000_000_000 {
            now.saturating_sub(last).to_string()
        } else {
            "-".into()
        };
        text.push_str(&format!(
            "{:<36} {:>12} {:>10} {:>10}\n",
            truncate(&source.name, 36),
            source.rows.load(Ordering::Relaxed),
            rate,
            lag
        ));
    }
    text.push_str(&format!(
        "{:<36} {:>12} {:>10} {:>10}\n",
        "output", "changes", "latency", "last time"
    ));
    for output in &stats.outputs {
        text.push_str(&format!(
            "{:<36} {:>12} {:>8}ms {:>10}\n",
            truncate(&output.name, 36),
            output.changes.load(Ordering::Relaxed),
            output.latency_ms.load(Ordering::Relaxed),
            output.last_time.load(Ordering::Relaxed)
        ));
    }
    text.push_str(&format!(
        "data errors: {}   late rows dropped: {}\n",
        stats.errors.load(Ordering::Relaxed),
        stats.late_rows.load(Ordering::Relaxed)
    ));
    text
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let tail: String = text
        .chars()
        .rev()
        .take(width - 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// The Prometheus text exposition of the counters.
pub fn metrics_text(stats: &RunStats) -> String {
    let mut text = String::new();
    text.push_str("# HELP tributary_source_rows_total Updates read per source.\n# TYPE tributary_source_rows_total counter\n");
    for source in &stats.sources {
        let _ = writeln!(
            text,
            "tributary_source_rows_total{{source=\"{}\"}} {}",
            escape(&source.name),
            source.rows.load(Ordering::Relaxed)
        );
    }
    text.push_str("# HELP tributary_output_changes_total Changes written per output.\n# TYPE tributary_output_changes_total counter\n");
    for output in &stats.outputs {
        let _ = writeln!(
            text,
            "tributary_output_changes_total{{output=\"{}\"}} {}",
            escape(&output.name),
            output.changes.load(Ordering::Relaxed)
        );
    }
    text.push_str("# HELP tributary_output_latency_ms Wall-clock delay of the last commit written per output.\n# TYPE tributary_output_latency_ms gauge\n");
    for output in &stats.outputs {
        let _ = writeln!(
            text,
            "tributary_output_latency_ms{{output=\"{}\"}} {}",
            escape(&output.name),
            output.latency_ms.load(Ordering::Relaxed)
        );
    }
    text.push_str("# HELP tributary_data_errors_total Data errors met (error-log entries).\n# TYPE tributary_data_errors_total counter\n");
    let _ = writeln!(
        text,
        "tributary_data_errors_total {}",
        stats.errors.load(Ordering::Relaxed)
    );
    text.push_str("# HELP tributary_late_rows_total Rows dropped by windows for arriving after their cutoff.\n# TYPE tributary_late_rows_total counter\n");
    let _ = writeln!(
        text,
        "tributary_late_rows_total {}",
        stats.late_rows.load(Ordering::Relaxed)
    );
    text
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn serve(listener: &TcpListener, stats: &RunStats, done: &AtomicBool) {
    while !done.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut request = [0u8; 1024];
                let read = stream.read(&mut request).unwrap_or(0);
                let first = String::from_utf8_lossy(&request[..read]);
                let response = if first.starts_with("GET /metrics") {
                    let body = metrics_text(stats);
                    format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                };
                let _ = stream.write_all(response.as_bytes());
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
