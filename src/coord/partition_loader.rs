//! The partitions of an internal topic a coordinator serves: this broker serves partition P
//! while it leads P and has replayed it. A loader task follows the metadata image; when this
//! broker comes to lead a partition (or leads it in a new leader epoch) the partition is read
//! back from log start to log end and handed to the coordinator, which rebuilds its state from
//! the records; when the broker stops leading it, the coordinator drops that state.
//!
//! Requests for a key whose partition this broker does not lead get NOT_COORDINATOR, for a key
//! whose partition is loading COORDINATOR_LOAD_IN_PROGRESS, as in Kafka; but a group request
//! first waits a moment for the load ([`CoordinatorPartitions::check_waiting_for_load`]): a new
//! or small partition loads in milliseconds, while a client told to wait asks again much later
//! (librdkafka joins again 3 s after it, so the first group of a new cluster took 3 s). State changes are
//! appended through the broker's ordinary append path, fenced by the leader epoch they were
//! loaded in, and answered only once the ISR has them
//! ([`Broker::wait_coordinator_records_replicated`]), as Kafka's coordinators do.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use kafka_protocol::records::Compression;
use tracing::{debug, warn};

use crate::broker::Broker;
use crate::clock::now_ms;
use crate::log::AppendOrigin;
use crate::metadata::MetadataImage;
use crate::protocol::batch::{
    batches, parse_batch_header, BatchHeader, MAGIC_V2, TRANSACTIONAL_BIT,
};
use crate::protocol::batch_builder::{RecordBatchBuilder, RecordParts};
use crate::protocol::batch_reader::read_records;
use crate::replica::{AppendError, Offsets};

/// Bytes read from the log per step of a replay.
const REPLAY_READ_BYTES: usize = 1 << 20;

/// A record read back from an internal topic's partition, with the batch fields a coordinator
/// may need (transactional offset commits are kept or dropped by their markers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Bytes>,
    /// `None` for a tombstone.
    pub value: Option<Bytes>,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub is_transactional: bool,
    pub is_control: bool,
}

/// A coordinator whose state lives in the partitions of one internal topic.
pub trait PartitionCoordinator: Send + Sync + 'static {
    /// The internal topic.
    fn topic(&self) -> &'static str;
    /// This broker now leads `partition` in `leader_epoch`; `records` is the whole partition in
    /// log order. The partition counts as loading until this returns.
    fn load(&self, partition: i32, leader_epoch: i32, records: Vec<StoredRecord>);
    /// This broker no longer leads `partition` (or leads it in a newer epoch and reloads it).
    fn unload(&self, partition: i32);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoadState {
    Loading { leader_epoch: i32 },
    Active { leader_epoch: i32 },
}

/// How long a coordinator request waits for its partition to load before it is answered
/// COORDINATOR_LOAD_IN_PROGRESS.
pub const COORDINATOR_LOAD_WAIT: Duration = Duration::from_secs(2);

/// Asks `check` again after each change `changes` announces while it answers
/// COORDINATOR_LOAD_IN_PROGRESS, for at most [`COORDINATOR_LOAD_WAIT`].
pub async fn wait_out_load<T>(
    changes: &watch::Sender<u64>,
    mut check: impl FnMut() -> Result<T, ResponseError>,
) -> Result<T, ResponseError> {
    let deadline = Instant::now() + COORDINATOR_LOAD_WAIT;
    let mut seen = changes.subscribe();
    loop {
        // Marked seen before the check, so a change made after it ends the wait below.
        seen.borrow_and_update();
        match check() {
            Err(ResponseError::CoordinatorLoadInProgress) => {}
            checked => return checked,
        }
        match tokio::time::timeout_at(deadline, seen.changed()).await {
            Ok(Ok(())) => {}
            _ => return Err(ResponseError::CoordinatorLoadInProgress),
        }
    }
}

/// Which partitions of the topic this broker serves, and in which leader epoch.
#[derive(Debug, Default)]
pub struct CoordinatorPartitions {
    states: Mutex<HashMap<i32, LoadState>>,
    /// Bumped on every change of `states`, for requests waiting out a load.
    changes: watch::Sender<u64>,
}

impl CoordinatorPartitions {
    /// The leader epoch this broker serves `partition` of `topic` in, or the error a client gets.
    pub fn check(
        &self,
        image: &MetadataImage,
        broker_id: i32,
        topic: &str,
        partition: i32,
    ) -> Result<i32, ResponseError> {
        let Some(state) = image.partition(topic, partition) else {
            return Err(ResponseError::NotCoordinator);
        };
        if state.leader != broker_id {
            return Err(ResponseError::NotCoordinator);
        }
        let states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        match states.get(&partition) {
            Some(LoadState::Active { leader_epoch }) if *leader_epoch == state.leader_epoch => {
                Ok(*leader_epoch)
            }
            // Led by this broker, but not replayed in this epoch yet.
            _ => Err(ResponseError::CoordinatorLoadInProgress),
        }
    }

    /// [`Self::check`], waiting up to [`COORDINATOR_LOAD_WAIT`] while the partition loads (or
    /// until this broker stops leading it).
    pub async fn check_waiting_for_load(
        &self,
        broker: &Broker,
        topic: &str,
        partition: i32,
    ) -> Result<i32, ResponseError> {
        wait_out_load(&self.changes, || {
            self.check(&broker.image(), broker.broker_id, topic, partition)
        })
        .await
    }

    fn set(&self, partition: i32, state: Option<LoadState>) {
        let mut states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        match state {
            Some(state) => states.insert(partition, state),
            None => states.remove(&partition),
        };
        drop(states);
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn snapshot(&self) -> HashMap<i32, LoadState> {
        self.states
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The partitions of `topic` this broker leads in `image`, with their leader epochs.
fn led_partitions(image: &MetadataImage, broker_id: i32, topic: &str) -> BTreeMap<i32, i32> {
    image
        .topic(topic)
        .map(|t| {
            t.partitions
                .values()
                .filter(|p| p.leader == broker_id)
                .map(|p| (p.partition, p.leader_epoch))
                .collect()
        })
        .unwrap_or_default()
}

/// Follows this broker's image and loads or unloads the partitions of the coordinator's topic,
/// until the image sender closes.
pub async fn run_partition_loader(
    broker: Arc<Broker>,
    coordinator: Arc<dyn PartitionCoordinator>,
    partitions: Arc<CoordinatorPartitions>,
) {
    let mut images = broker.quorum.subscribe();
    loop {
        let image = images.borrow_and_update().clone();
        let topic = coordinator.topic();
        let led = led_partitions(&image, broker.broker_id, topic);
        for (partition, state) in partitions.snapshot() {
            let epoch = match state {
                LoadState::Loading { leader_epoch } | LoadState::Active { leader_epoch } => {
                    leader_epoch
                }
            };
            if led.get(&partition) != Some(&epoch) {
                debug!(topic, partition, "unloading coordinator partition");
                partitions.set(partition, None);
                coordinator.unload(partition);
            }
        }
        // The partitions new to this image load side by side (a group waits for its own
        // partition, not for those before it), and all of them before the next image is seen,
        // so that an unload never races the load it undoes.
        let mut loads = Vec::new();
        for (&partition, &leader_epoch) in &led {
            if partitions.snapshot().contains_key(&partition) {
                continue;
            }
            partitions.set(partition, Some(LoadState::Loading { leader_epoch }));
            let (broker, image, coordinator_task, partitions_task) = (
                broker.clone(),
                image.clone(),
                coordinator.clone(),
                partitions.clone(),
            );
            let loading = tokio::task::spawn_blocking(move || {
                let records = match replay(&broker, &image, topic, partition) {
                    Ok(records) => records,
                    Err(e) => {
                        warn!(topic, partition, error = ?e, "cannot replay coordinator partition");
                        return;
                    }
                };
                debug!(
                    topic,
                    partition,
                    records = records.len(),
                    "loaded coordinator partition"
                );
                coordinator_task.load(partition, leader_epoch, records);
                partitions_task.set(partition, Some(LoadState::Active { leader_epoch }));
            });
            loads.push(async move { (partition, loading.await) });
        }
        for (partition, loaded) in futures::future::join_all(loads).await {
            if loaded.is_err() {
                partitions.set(partition, None);
            }
        }
        if images.changed().await.is_err() {
            return;
        }
    }
}

/// Every record of `partition`, from log start to log end.
fn replay(
    broker: &Broker,
    image: &MetadataImage,
    topic: &str,
    partition: i32,
) -> Result<Vec<StoredRecord>, ResponseError> {
    let (replica, _) = broker.replicas.leader(image, topic, partition, -1)?;
    let Offsets {
        log_start: mut offset,
        log_end: end,
        ..
    } = replica.offsets()?;
    let mut records = Vec::new();
    while offset < end {
        let chunk = replica
            .log()?
            .read(offset, REPLAY_READ_BYTES, end)
            .map_err(|e| e.error())?;
        if chunk.is_empty() {
            break;
        }
        for batch in batches(&chunk) {
            let batch = batch.map_err(|e| e.error())?;
            let header = parse_batch_header(batch.bytes).map_err(|e| e.error())?;
            offset = header.last_offset() + 1;
            let bytes = chunk.slice(batch.position..batch.position + batch.bytes.len());
            let entries =
                read_records(&bytes, &header).map_err(|_| ResponseError::CorruptMessage)?;
            records.extend(entries.into_iter().map(|r| StoredRecord {
                offset: header.base_offset + i64::from(r.offset_delta),
                timestamp: header.base_timestamp.wrapping_add(r.timestamp_delta),
                key: r.key,
                value: r.value,
                producer_id: header.producer_id,
                producer_epoch: header.producer_epoch,
                is_transactional: header.is_transactional(),
                is_control: header.is_control(),
            }));
        }
    }
    Ok(records)
}

/// One record a coordinator appends: key and value (`None`: a tombstone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinatorRecord {
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// The producer of a coordinator's transactional batch (TxnOffsetCommit's offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnProducer {
    pub producer_id: i64,
    pub producer_epoch: i16,
}

/// How a coordinator's write waits for replication. Kafka's group coordinator runtime appends
/// with acks=1 and then waits for the high watermark; its transaction coordinator appends with
/// acks=all (`transaction.state.log.min.isr` checked before the append and after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinatorAcks {
    /// The answer waits for the high watermark only.
    HighWatermark,
    /// acks=all: NOT_ENOUGH_REPLICAS before the append and NOT_ENOUGH_REPLICAS_AFTER_APPEND
    /// after it while the ISR is below the effective `min.insync.replicas`.
    All,
}

impl Broker {
    /// Appends `records` as one batch to `partition` of the internal `topic`, which this broker
    /// must still lead in `leader_epoch` (else NOT_COORDINATOR: the state was loaded by a leader
    /// that has since lost the partition). With `producer` the batch is transactional, as
    /// Kafka's coordinator writes it (sequence 0, checked by producer epoch only). Returns the
    /// offsets of the first record and after the last. Errors are the coordinator's
    /// ([`coordinator_error`]).
    pub fn append_coordinator_records(
        &self,
        topic: &str,
        partition: i32,
        leader_epoch: i32,
        acks: CoordinatorAcks,
        producer: Option<TxnProducer>,
        records: &[CoordinatorRecord],
    ) -> Result<AppendedRecords, ResponseError> {
        debug_assert!(
            !records.is_empty(),
            "a coordinator appends at least one record"
        );
        let image = self.image();
        let (replica, _) = self
            .replicas
            .leader(&image, topic, partition, leader_epoch)
            .map_err(|e| match e {
                // The partition is not (yet) in this broker's image: Kafka's helper.
                ResponseError::UnknownTopicOrPartition => ResponseError::CoordinatorNotAvailable,
                _ => ResponseError::NotCoordinator,
            })?;
        let now = now_ms();
        let mut builder = RecordBatchBuilder::with_capacity(
            records
                .iter()
                .map(|r| r.key.len() + r.value.as_ref().map_or(0, Vec::len) + 16)
                .sum(),
        );
        for record in records {
            builder.append(&RecordParts {
                timestamp: now,
                key: Some(&record.key),
                value: record.value.as_deref(),
                headers: &[],
            });
        }
        let count = i32::try_from(records.len()).map_err(|_| ResponseError::RecordListTooLarge)?;
        let (producer_id, producer_epoch, base_sequence, attributes) = match producer {
            Some(p) => (p.producer_id, p.producer_epoch, 0, TRANSACTIONAL_BIT),
            None => (-1, -1, -1, 0),
        };
        let template = BatchHeader {
            base_offset: 0,
            batch_length: 0,
            partition_leader_epoch: -1,
            magic: MAGIC_V2,
            crc: 0,
            attributes,
            last_offset_delta: count - 1,
            base_timestamp: now,
            max_timestamp: now,
            producer_id,
            producer_epoch,
            base_sequence,
            records_count: count,
        };
        let batch = builder
            .seal_as(&template, Compression::None)
            .map_err(|_| ResponseError::RecordListTooLarge)?;
        if acks == CoordinatorAcks::All {
            replica.check_min_isr().map_err(coordinator_error)?;
        }
        let info = replica
            .append_with(leader_epoch, |log| {
                log.append_from(&batch, leader_epoch, now, AppendOrigin::Coordinator)
            })
            .map_err(|e| {
                warn!(topic, partition, error = %e, "cannot append coordinator records");
                match e {
                    AppendError::Replica(_) => ResponseError::NotCoordinator,
                    AppendError::Log(e) => coordinator_error(e.error()),
                }
            })?;
        Ok(AppendedRecords {
            first_offset: info.first_offset,
            next_offset: info.last_offset + 1,
        })
    }

    /// Waits until the high watermark of `partition` of the internal `topic` passes
    /// `next_offset` (the end of the caller's records; `None`: everything appended so far),
    /// as Kafka's coordinators hold a write's
    /// answer until the partition's high watermark reaches it. Errors are the coordinator's
    /// ([`coordinator_error`]): REQUEST_TIMED_OUT after `timeout` (the ISR lacks the records;
    /// below `min.insync.replicas` the high watermark does not move) becomes
    /// COORDINATOR_NOT_AVAILABLE, a lost leadership NOT_COORDINATOR.
    pub async fn wait_coordinator_records_replicated(
        &self,
        topic: &str,
        partition: i32,
        leader_epoch: i32,
        acks: CoordinatorAcks,
        next_offset: Option<i64>,
        timeout: Duration,
    ) -> Result<(), ResponseError> {
        let image = self.image();
        let (replica, _) = self
            .replicas
            .leader(&image, topic, partition, leader_epoch)
            .map_err(|_| ResponseError::NotCoordinator)?;
        let next_offset = match next_offset {
            Some(offset) => offset,
            None => {
                replica
                    .offsets()
                    .map_err(|_| ResponseError::NotCoordinator)?
                    .log_end
            }
        };
        match replica
            .wait_replicated(next_offset, leader_epoch, timeout)
            .await
        {
            Ok(()) => Ok(()),
            // The group runtime waits for the high watermark only, not for the ISR's size.
            Err(ResponseError::NotEnoughReplicasAfterAppend)
                if acks == CoordinatorAcks::HighWatermark =>
            {
                Ok(())
            }
            Err(e) => Err(coordinator_error(e)),
        }
    }
}

/// Where a coordinator's batch went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendedRecords {
    pub first_offset: i64,
    /// The offset after the batch's last record: replicated once the high watermark reaches it.
    pub next_offset: i64,
}

/// The error a coordinator answers for a failed write of its records (Kafka's
/// `CoordinatorOperationExceptionHelper` and `TransactionStateManager.appendTransactionToLog`).
pub fn coordinator_error(error: ResponseError) -> ResponseError {
    match error {
        ResponseError::UnknownTopicOrPartition
        | ResponseError::NotEnoughReplicas
        | ResponseError::NotEnoughReplicasAfterAppend
        | ResponseError::RequestTimedOut => ResponseError::CoordinatorNotAvailable,
        ResponseError::NotLeaderOrFollower | ResponseError::KafkaStorageError => {
            ResponseError::NotCoordinator
        }
        ResponseError::MessageTooLarge | ResponseError::RecordListTooLarge => {
            ResponseError::UnknownServerError
        }
        other => other,
    }
}
