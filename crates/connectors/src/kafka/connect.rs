//! Reaching the brokers at start: fetch a topic's partitions, retrying with backoff until a
//! deadline, then fail with a message that names the addresses.

use std::time::{Duration, Instant};

use rdkafka::client::{Client, ClientContext};
use rdkafka::util::Timeout;

/// The longest single metadata request while retrying.
const ATTEMPT: Duration = Duration::from_millis(1_000);
/// The first pause between attempts (doubled each time, up to one second).
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// The partition ids of `topic`, sorted (with `topic` `None`: an empty list once the brokers
/// answered). Retries until `timeout_ms` has passed; an error names the brokers (and the
/// topic when the brokers answered but it does not exist).
pub(crate) fn topic_partitions<C: ClientContext>(
    client: &Client<C>,
    brokers: &str,
    topic: Option<&str>,
    timeout_ms: u64,
) -> Result<Vec<i32>, String> {
    retry_until(timeout_ms, ATTEMPT, |wait| {
        match client.fetch_metadata(topic, Timeout::After(wait)) {
            Ok(_) if topic.is_none() => Ok(Vec::new()),
            Ok(metadata) => match metadata.topics().iter().find(|t| Some(t.name()) == topic) {
                Some(found) if found.error().is_none() && !found.partitions().is_empty() => {
                    let mut ids: Vec<i32> = found.partitions().iter().map(|p| p.id()).collect();
                    ids.sort_unstable();
                    Ok(ids)
                }
                _ => Err(format!(
                    "Kafka topic `{}` does not exist on {brokers}",
                    topic.unwrap_or_default()
                )),
            },
            Err(e) => Err(format!("cannot reach Kafka broker(s) {brokers}: {e}")),
        }
    })
    .map_err(|(message, attempts)| {
        format!("{message} (gave up after {attempts} attempts in {timeout_ms} ms)")
    })
}

/// Calls `attempt` (with how long that attempt may wait: what is left of `timeout_ms`, between
/// 50 ms and `longest`) until it succeeds or the time is up, sleeping 100 ms, then twice as
/// long each time up to one second, between attempts. The error is the last failure and the
/// number of attempts.
pub(crate) fn retry_until<T>(
    timeout_ms: u64,
    longest: Duration,
    mut attempt: impl FnMut(Duration) -> Result<T, String>,
) -> Result<T, (String, u32)> {
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let failure = match attempt(left.clamp(Duration::from_millis(50), longest)) {
            Ok(done) => return Ok(done),
            Err(failure) => failure,
        };
        let now = Instant::now();
        if now >= deadline {
            return Err((failure, attempts));
        }
        std::thread::sleep(backoff.min(deadline - now));
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}
