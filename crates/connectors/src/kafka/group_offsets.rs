//! Where a streaming reader starts in each partition: the consumer group's committed offset,
//! else the `startFrom` end. The committed offsets are asked for explicitly (retrying until the
//! connect timeout) instead of assigning `Offset::Stored`: with a stored-offset assignment,
//! librdkafka fetches the offsets itself, and a request-level error of that fetch (a group
//! coordinator that is still loading, as on a broker that has just started) leaves the partition
//! waiting forever without an error (librdkafka issue #5586).

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::connect::retry_until;
use super::options::StartFrom;

/// The longest single offset request while retrying (see [`retry_until`]).
const ATTEMPT: Duration = Duration::from_millis(2_000);

/// The start offset of each of `partitions` of `topic` for the consumer's group. Retries for
/// up to `timeout_ms`; the error names the brokers and the last failure.
pub(super) fn start_offsets(
    consumer: &BaseConsumer,
    (topic, partitions): (&str, &[i32]),
    start_from: StartFrom,
    brokers: &str,
    timeout_ms: u64,
) -> Result<BTreeMap<i32, Offset>, String> {
    if partitions.is_empty() {
        return Ok(BTreeMap::new());
    }
    let committed = retry_until(timeout_ms, ATTEMPT, |wait| {
        committed(consumer, topic, partitions, wait)
    })
    .map_err(|(failure, _)| {
        format!(
            "cannot read the committed offsets of `{topic}` from {brokers}: {failure} \
             (gave up after {timeout_ms} ms)"
        )
    })?;
    Ok(partitions
        .iter()
        .map(|&p| (p, start_of(committed.get(&p).copied(), start_from)))
        .collect())
}

/// Where a partition starts: after its committed offset, else at the `startFrom` end.
fn start_of(committed: Option<i64>, start_from: StartFrom) -> Offset {
    match (committed, start_from) {
        (Some(next), _) => Offset::Offset(next),
        (None, StartFrom::Earliest) => Offset::Beginning,
        (None, StartFrom::Latest) => Offset::End,
    }
}

/// One request for the committed offsets: the next offset per partition that has one.
fn committed(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    wait: Duration,
) -> Result<BTreeMap<i32, i64>, String> {
    let mut list = TopicPartitionList::new();
    for &partition in partitions {
        list.add_partition(topic, partition);
    }
    let answer = consumer
        .committed_offsets(list, wait)
        .map_err(|e| e.to_string())?;
    let mut found = BTreeMap::new();
    for element in answer.elements_for_topic(topic) {
        element
            .error()
            .map_err(|e| format!("partition {}: {e}", element.partition()))?;
        if let Offset::Offset(next) = element.offset() {
            found.insert(element.partition(), next);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_offset_wins_over_start_from() {
        assert_eq!(start_of(Some(7), StartFrom::Latest), Offset::Offset(7));
        assert_eq!(start_of(None, StartFrom::Earliest), Offset::Beginning);
        assert_eq!(start_of(None, StartFrom::Latest), Offset::End);
    }
}
