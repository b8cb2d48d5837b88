//! Persistence of the Kafka source: the offsets blob is the next offset to read in each
//! partition of the worker's share that has produced messages (little-endian `i32` partition,
//! `i64` offset pairs after a format byte); resuming seeks those partitions to the logged
//! offsets, while the others start at the group's committed offset (else `startFrom`).

use std::collections::BTreeMap;

use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};
use tributary_engine::connector::SourceError;

use super::group_offsets::start_offsets;
use super::reader::KafkaReader;

/// The format byte at the start of the blob.
const VERSION: u8 = 1;
/// Bytes per (partition, offset) pair.
const PAIR: usize = 12;

/// Encodes the next offset to read per partition.
pub(super) fn encode(next: &BTreeMap<i32, i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + next.len() * PAIR);
    out.push(VERSION);
    for (&partition, &offset) in next {
        out.extend_from_slice(&partition.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
    }
    out
}

/// Decodes [`encode`]'s blob; `None` when it is not one.
pub(super) fn decode(blob: &[u8]) -> Option<BTreeMap<i32, i64>> {
    let (&version, pairs) = blob.split_first()?;
    if version != VERSION || pairs.len() % PAIR != 0 {
        return None;
    }
    let mut next = BTreeMap::new();
    for pair in pairs.chunks_exact(PAIR) {
        let partition = i32::from_le_bytes(pair[..4].try_into().ok()?);
        let offset = i64::from_le_bytes(pair[4..].try_into().ok()?);
        next.insert(partition, offset);
    }
    Some(next)
}

impl KafkaReader {
    /// Reassigns the share: logged partitions at their logged offsets, the others where the
    /// group (or `startFrom`) puts them.
    pub(super) fn resume_at(&mut self, blob: &[u8]) -> Result<(), SourceError> {
        let fail = |message: String| SourceError {
            source_name: self.source_name.clone(),
            message,
        };
        if !self.streaming {
            return Ok(());
        }
        let logged = decode(blob)
            .ok_or_else(|| fail("the persisted Kafka offsets cannot be read".to_string()))?;
        let unlogged: Vec<i32> = self
            .mine
            .iter()
            .copied()
            .filter(|p| !logged.contains_key(p))
            .collect();
        let (brokers, start_from, timeout_ms) = &self.group_start;
        let group = start_offsets(
            &self.consumer,
            (&self.topic, &unlogged),
            *start_from,
            brokers,
            *timeout_ms,
        )
        .map_err(fail)?;
        let mut assignment = TopicPartitionList::new();
        let mut next = BTreeMap::new();
        for &partition in &self.mine {
            let start = match logged.get(&partition) {
                Some(&offset) => {
                    next.insert(partition, offset);
                    Offset::Offset(offset)
                }
                None => group[&partition],
            };
            assignment
                .add_partition_offset(&self.topic, partition, start)
                .map_err(|e| fail(e.to_string()))?;
        }
        self.consumer
            .assign(&assignment)
            .map_err(|e| fail(format!("cannot assign partitions of `{}`: {e}", self.topic)))?;
        self.sealed_next.clone_from(&next);
        self.next = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_round_trips() {
        let next = BTreeMap::from([(0, 5), (3, 1 << 40)]);
        let blob = encode(&next);
        assert_eq!(blob.len(), 1 + 2 * PAIR);
        assert_eq!(decode(&blob), Some(next));
        assert_eq!(decode(&encode(&BTreeMap::new())), Some(BTreeMap::new()));
        assert_eq!(decode(b"{}"), None);
        assert_eq!(decode(&[]), None);
    }
}
