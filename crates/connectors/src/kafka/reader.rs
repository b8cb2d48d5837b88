//! The Kafka source reader: one consumer per worker for its share of the partitions; offsets
//! are committed to the group once the engine has finished the time that holds them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Time, Value};

use super::connect::topic_partitions;
use super::decode::{Decoder, MessageAt};
use super::group_offsets::start_offsets;
use super::options::{KafkaSourceOptions, StartFrom};
use super::resume;

/// Reads worker `worker`'s share (of `peers`) of the partitions of the topic `spec.path`.
///
/// Waits up to the `connectTimeoutMs` option for the brokers to answer; then fails with a
/// message naming them. A worker whose share is empty reads nothing (and never fails).
pub fn open_kafka_source(
    spec: &SourceSpec,
    columns: &[String],
    dtypes: &[DType],
    worker: usize,
    peers: usize,
) -> Result<Box<dyn SourceReader>, SourceError> {
    let fail = |message: String| SourceError {
        source_name: spec.name.clone(),
        message,
    };
    let options = KafkaSourceOptions::from_json(&spec.options).map_err(fail)?;
    let topic = spec.path.clone();
    let delimiter = match options.delimiter.as_deref() {
        None => b',',
        Some(d) if d.len() == 1 => d.as_bytes()[0],
        Some(d) => {
            return Err(fail(format!(
                "the CSV delimiter must be one byte, got `{d}`"
            )))
        }
    };
    let operator = format!("kafka:{}", spec.name);
    let decoder =
        Decoder::new(operator, columns, dtypes, options.format, delimiter).map_err(fail)?;
    let consumer: BaseConsumer = options.consumer_config().create().map_err(|e| {
        fail(format!(
            "cannot create a Kafka consumer for {}: {e}",
            options.brokers
        ))
    })?;
    let partitions = topic_partitions(
        consumer.client(),
        &options.brokers,
        Some(&topic),
        options.connect_timeout_ms,
    )
    .map_err(fail)?;
    let peers = peers.max(1);
    let mine: Vec<i32> = partitions
        .into_iter()
        .filter(|p| (*p as usize) % peers == worker)
        .collect();
    let streaming = spec.mode == "streaming";
    let starts = if streaming {
        start_offsets(
            &consumer,
            (&topic, &mine),
            options.start_from,
            &options.brokers,
            options.connect_timeout_ms,
        )
        .map_err(fail)?
    } else {
        BTreeMap::new()
    };
    // A static read takes everything up to the current end of each partition.
    let mut ends = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for &partition in &mine {
        let start = if let Some(&start) = starts.get(&partition) {
            start
        } else {
            let (low, high) = consumer
                .fetch_watermarks(
                    &topic,
                    partition,
                    Duration::from_millis(options.connect_timeout_ms),
                )
                .map_err(|e| {
                    fail(format!(
                        "cannot read the offsets of `{topic}` on {}: {e}",
                        options.brokers
                    ))
                })?;
            if high <= low || options.start_from == StartFrom::Latest {
                continue;
            }
            ends.insert(partition, high);
            Offset::Beginning
        };
        assignment
            .add_partition_offset(&topic, partition, start)
            .map_err(|e| fail(e.to_string()))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|e| fail(format!("cannot assign partitions of `{topic}`: {e}")))?;
    Ok(Box::new(KafkaReader {
        source_name: spec.name.clone(),
        mine: mine.clone(),
        seeds: mine
            .iter()
            .map(|p| {
                (
                    *p,
                    xxhash_rust::xxh3::xxh3_64(format!("{topic}:{p}").as_bytes()),
                )
            })
            .collect(),
        topic,
        consumer,
        group_start: (
            options.brokers.clone(),
            options.start_from,
            options.connect_timeout_ms,
        ),
        decoder,
        primary_key: spec.primary_key.clone(),
        streaming,
        ends,
        next: BTreeMap::new(),
        sealed_next: BTreeMap::new(),
        sealed: VecDeque::new(),
        unsent: None,
        last_commit: None,
        cells: Vec::new(),
        pk: Vec::new(),
    }))
}

/// The shortest time between two offset commits to the consumer group (the last one, when the
/// run ends, is always sent).
const GROUP_COMMIT_EVERY: Duration = Duration::from_millis(100);

/// One worker's consumer of its partitions.
///
/// Offsets that were read but not yet committed are read again by the next run with the same
/// group (at-least-once).
pub(super) struct KafkaReader {
    /// The source's name (in errors).
    pub(super) source_name: String,
    /// The partitions of this worker's share.
    pub(super) mine: Vec<i32>,
    pub(super) topic: String,
    pub(super) consumer: BaseConsumer,
    /// Brokers, start position without a committed offset and connect timeout (for a resume).
    pub(super) group_start: (String, StartFrom, u64),
    decoder: Decoder,
    primary_key: Vec<usize>,
    pub(super) streaming: bool,
    /// Seed of the position ids of each partition.
    seeds: HashMap<i32, u64>,
    /// Static reads: the end offset of each partition not yet read to its end.
    ends: HashMap<i32, i64>,
    /// The next offset to read in each partition that produced messages.
    pub(super) next: BTreeMap<i32, i64>,
    /// `next` at the last seal.
    pub(super) sealed_next: BTreeMap<i32, i64>,
    /// Positions to commit once their time is committed: (time, next offsets).
    sealed: VecDeque<(Time, BTreeMap<i32, i64>)>,
    /// Committed positions not yet sent to the group (commits are sent at most every
    /// [`GROUP_COMMIT_EVERY`]: the engine may close a commit every millisecond).
    unsent: Option<BTreeMap<i32, i64>>,
    /// When positions were last sent to the group.
    last_commit: Option<Instant>,
    cells: Vec<Value>,
    pk: Vec<Value>,
}

impl KafkaReader {
    fn key(&mut self, partition: i32, offset: i64) -> Key {
        let by_position = self.primary_key.is_empty()
            || self.primary_key.iter().any(|&i| self.cells[i].is_error());
        if by_position {
            let seed = self
                .seeds
                .get(&partition)
                .copied()
                .unwrap_or(partition as u64);
            return Key::for_position(seed, offset as u64);
        }
        self.pk.clear();
        self.pk
            .extend(self.primary_key.iter().map(|&i| self.cells[i].clone()));
        Key::for_values(&self.pk)
    }

    fn commit(&self, offsets: &BTreeMap<i32, i64>, mode: CommitMode) {
        let mut list = TopicPartitionList::new();
        for (&partition, &next) in offsets {
            if list
                .add_partition_offset(&self.topic, partition, Offset::Offset(next))
                .is_err()
            {
                return;
            }
        }
        // A failed commit is retried with the next one; the data is already in the outputs.
        let _ = self.consumer.commit(&list, mode);
    }
}

impl SourceReader for KafkaReader {
    fn offsets(&self) -> Option<Vec<u8>> {
        // A static read is not persisted: it reads what the topic holds on every run.
        self.streaming.then(|| resume::encode(&self.next))
    }

    fn resume(&mut self, offsets: &[u8], _live: &[(Key, Row)]) -> Result<(), SourceError> {
        self.resume_at(offsets)
    }

    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        if !self.streaming && self.ends.is_empty() {
            return Ok(SourceStatus::Finished);
        }
        let mut produced = 0;
        let mut drained = false;
        while produced < max.max(1) {
            let message = match self.consumer.poll(Duration::ZERO) {
                None => {
                    drained = true;
                    break;
                }
                Some(Ok(message)) => message,
                // Broker/transport trouble: librdkafka reconnects and resumes on its own.
                Some(Err(KafkaError::PartitionEOF(_))) | Some(Err(_)) => continue,
            };
            let (partition, offset) = (message.partition(), message.offset());
            // Never read an offset twice (e.g. a message fetched before a resume's seek).
            if self.next.get(&partition).is_some_and(|&next| offset < next) {
                continue;
            }
            if let Some(&end) = self.ends.get(&partition) {
                if offset >= end {
                    continue;
                }
            } else if !self.streaming {
                continue;
            }
            let at = MessageAt {
                topic: &self.topic,
                partition,
                offset,
                key: message.key(),
                timestamp: message.timestamp().to_millis(),
            };
            let payload = message.payload().unwrap_or_default();
            let mut cells = std::mem::take(&mut self.cells);
            self.decoder.decode(payload, &at, &mut cells, errors);
            self.cells = cells;
            let key = self.key(partition, offset);
            out.push((key, self.cells.drain(..).collect(), 1));
            self.next.insert(partition, offset + 1);
            produced += 1;
            if !self.streaming && offset + 1 >= self.ends[&partition] {
                self.ends.remove(&partition);
                if self.ends.is_empty() {
                    break;
                }
            }
        }
        Ok(if produced > 0 && drained && self.streaming {
            SourceStatus::CaughtUp
        } else if produced > 0 {
            SourceStatus::Data
        } else if !self.streaming && self.ends.is_empty() {
            SourceStatus::Finished
        } else {
            SourceStatus::Idle
        })
    }

    fn seal(&mut self, time: Time) {
        // A static read does not touch the group's offsets.
        if self.streaming && self.next != self.sealed_next {
            self.sealed_next.clone_from(&self.next);
            self.sealed.push_back((time, self.next.clone()));
        }
    }

    fn committed(&mut self, time: Time) {
        let mut latest = None;
        while self.sealed.front().is_some_and(|(t, _)| *t <= time) {
            latest = self.sealed.pop_front().map(|(_, offsets)| offsets);
        }
        if latest.is_some() {
            self.unsent = latest;
        }
        let due = self
            .last_commit
            .is_none_or(|at| at.elapsed() >= GROUP_COMMIT_EVERY);
        if time != Time::MAX && !due {
            return;
        }
        if let Some(offsets) = self.unsent.take() {
            let mode = if time == Time::MAX {
                CommitMode::Sync
            } else {
                CommitMode::Async
            };
            self.commit(&offsets, mode);
            self.last_commit = Some(Instant::now());
        }
    }
}
