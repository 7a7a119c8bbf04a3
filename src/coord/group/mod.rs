//! The group coordinator: each broker coordinates the groups that hash to the partitions of
//! `__consumer_offsets` it leads. One task owns each group (`task.rs`); handlers call the
//! methods of [`GroupCoordinator`], which route to that task and wait for its answer.
//!
//! - `api.rs`: what handlers ask and get back; `classic.rs`: a classic group's state;
//!   `join.rs`, `membership.rs`: the rebalance protocol; `commit.rs`: offsets, deletion and
//!   expiry; `txn_offsets.rs`: TxnOffsetCommit's offsets pending in transactions;
//!   `records.rs`: Kafka's record schemas; `store.rs`: writing them; `task.rs`: the owner task;
//!   `consumer/`: consumer-protocol groups (KIP-848).
//!
//! A request that may write records is answered once the partition's high watermark passed
//! them (else COORDINATOR_NOT_AVAILABLE after `offsets.commit.timeout.ms`), as Kafka's
//! coordinator runtime. Committed offsets (and their deletions) take effect once the high
//! watermark passes their records (`offsets.rs`), so OffsetFetch reads at the high watermark as
//! Kafka's does. Differs from Kafka: a group's membership takes a write when it is appended,
//! not when it is replicated, so DescribeGroups may show a rebalance's outcome whose write is
//! still waiting or failed (its members' answers wait, and fail with it).

pub mod api;
pub mod classic;
pub mod commit;
pub mod consumer;
pub mod join;
pub mod membership;
pub mod offsets;
pub mod records;
pub mod store;
pub mod task;
pub mod txn_offsets;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use crate::broker::Broker;
use crate::clock::now_ms;
use crate::config::BrokerConfig;
use crate::coord::internal_topic::{partition_for, InternalTopic};
use crate::coord::partition_loader::{
    CoordinatorAcks, CoordinatorPartitions, PartitionCoordinator, StoredRecord,
};
use crate::log::TxnMarker;
use api::*;
use classic::ClassicGroup;
use commit::DeleteOffsetsResult;
use consumer::heartbeat::{ConsumerHeartbeat, HeartbeatAnswer};
use consumer::records::{is_consumer_key, ConsumerRecordKey};
use consumer::route::LoadedConsumerGroup;
use consumer::{ConsumerConfig, ConsumerGroup, ConsumerGroupDescription};
use offsets::Offsets;
use records::{GroupMetadataValue, GroupRecordKey, OffsetCommitValue};
use store::PartitionGroupLog;
use task::{run_group, GroupMessage};

pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The producer id of a record written outside any producer (Kafka's NO_PRODUCER_ID).
const NO_PRODUCER_ID: i64 = -1;

/// Kafka's `offsets.topic.segment.bytes` default, which `__consumer_offsets` is created with.
const OFFSETS_TOPIC_SEGMENT_BYTES: &str = "104857600";

/// The broker configs a group follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupConfig {
    pub initial_rebalance_delay_ms: i32,
    pub min_session_timeout_ms: i32,
    pub max_session_timeout_ms: i32,
    pub max_size: i32,
    pub offsets_retention_ms: i64,
    pub offsets_retention_check_interval_ms: i64,
    pub offset_metadata_max_bytes: usize,
}

impl GroupConfig {
    pub fn from_broker(config: &BrokerConfig) -> Self {
        GroupConfig {
            initial_rebalance_delay_ms: config.group_initial_rebalance_delay_ms,
            min_session_timeout_ms: config.group_min_session_timeout_ms,
            max_session_timeout_ms: config.group_max_session_timeout_ms,
            max_size: config.group_max_size,
            offsets_retention_ms: i64::from(config.offsets_retention_minutes) * 60_000,
            offsets_retention_check_interval_ms: config.offsets_retention_check_interval_ms,
            offset_metadata_max_bytes: usize::try_from(config.offset_metadata_max_bytes)
                .unwrap_or(0),
        }
    }
}

struct GroupHandle {
    partition: i32,
    messages: mpsc::UnboundedSender<GroupMessage>,
}

/// This broker's group coordinator.
pub struct GroupCoordinator {
    broker: Weak<Broker>,
    broker_id: i32,
    config: GroupConfig,
    consumer_config: ConsumerConfig,
    offsets_topic: InternalTopic,
    /// The `__consumer_offsets` partitions this broker serves.
    pub partitions: Arc<CoordinatorPartitions>,
    groups: Mutex<HashMap<String, GroupHandle>>,
}

impl GroupCoordinator {
    pub fn new(broker: Weak<Broker>, broker_id: i32, config: &BrokerConfig) -> Self {
        GroupCoordinator {
            broker,
            broker_id,
            config: GroupConfig::from_broker(config),
            consumer_config: ConsumerConfig::from_broker(config),
            offsets_topic: InternalTopic {
                name: OFFSETS_TOPIC,
                num_partitions: config.offsets_topic_num_partitions,
                replication_factor: config.offsets_topic_replication_factor,
                configs: BTreeMap::from([
                    ("cleanup.policy".to_string(), "compact".to_string()),
                    (
                        "segment.bytes".to_string(),
                        OFFSETS_TOPIC_SEGMENT_BYTES.to_string(),
                    ),
                ]),
            },
            partitions: Arc::new(CoordinatorPartitions::default()),
            groups: Mutex::new(HashMap::new()),
        }
    }

    /// How `__consumer_offsets` is created.
    pub fn offsets_topic(&self) -> &InternalTopic {
        &self.offsets_topic
    }

    fn groups(&self) -> MutexGuard<'_, HashMap<String, GroupHandle>> {
        self.groups.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops every group task (the broker is stopping).
    pub fn shutdown(&self) {
        self.groups().clear();
    }

    /// The `__consumer_offsets` partition of `group_id`, and the leader epoch this broker serves
    /// it in (else NOT_COORDINATOR, or COORDINATOR_LOAD_IN_PROGRESS once
    /// [`crate::coord::partition_loader::COORDINATOR_LOAD_WAIT`] has passed with the partition still loading).
    async fn shard(&self, group_id: &str) -> Result<(i32, i32), ResponseError> {
        let broker = self
            .broker
            .upgrade()
            .ok_or(ResponseError::CoordinatorNotAvailable)?;
        let image = broker.image();
        let count = image
            .topic(OFFSETS_TOPIC)
            .map(|t| i32::try_from(t.partitions.len()).unwrap_or(i32::MAX))
            .filter(|n| *n > 0)
            .ok_or(ResponseError::NotCoordinator)?;
        let partition = partition_for(group_id, count);
        let epoch = self
            .partitions
            .check_waiting_for_load(&broker, OFFSETS_TOPIC, partition)
            .await?;
        Ok((partition, epoch))
    }

    fn spawn_group(
        &self,
        group: ClassicGroup,
        consumer: Option<ConsumerGroup>,
        partition: i32,
        leader_epoch: i32,
    ) -> GroupHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        let log = Box::new(PartitionGroupLog {
            broker: self.broker.clone(),
            partition,
            leader_epoch,
        });
        tokio::spawn(run_group(group, consumer, log, rx));
        GroupHandle {
            partition,
            messages: tx,
        }
    }

    /// Sends a message to the group's task, creating the group first when `create`; `None`
    /// when the group does not exist and was not created.
    async fn call<T>(
        &self,
        group_id: &str,
        create: bool,
        message: impl FnOnce(oneshot::Sender<T>) -> GroupMessage,
    ) -> Result<Option<T>, ResponseError> {
        let (partition, leader_epoch) = self.shard(group_id).await?;
        let sender = {
            let mut groups = self.groups();
            match groups.get(group_id) {
                Some(handle) if !handle.messages.is_closed() => handle.messages.clone(),
                _ if !create => return Ok(None),
                _ => {
                    let group = ClassicGroup::new(group_id.to_string(), self.config, now_ms());
                    let handle = self.spawn_group(group, None, partition, leader_epoch);
                    let sender = handle.messages.clone();
                    groups.insert(group_id.to_string(), handle);
                    sender
                }
            }
        };
        let (tx, rx) = oneshot::channel();
        let message = message(tx);
        let writes = message.may_write();
        sender
            .send(message)
            .map_err(|_| ResponseError::NotCoordinator)?;
        // The task dropped the request: the partition was unloaded meanwhile.
        let answer = rx.await.map_err(|_| ResponseError::NotCoordinator)?;
        if writes {
            // Answered only once the ISR holds what the task wrote, as Kafka's runtime does.
            let broker = self
                .broker
                .upgrade()
                .ok_or(ResponseError::CoordinatorNotAvailable)?;
            let timeout = Duration::from_millis(
                u64::try_from(broker.config.offsets_commit_timeout_ms).unwrap_or(0),
            );
            broker
                .wait_coordinator_records_replicated(
                    OFFSETS_TOPIC,
                    partition,
                    leader_epoch,
                    CoordinatorAcks::HighWatermark,
                    None,
                    timeout,
                )
                .await?;
        }
        Ok(Some(answer))
    }

    pub async fn join_group(&self, group_id: &str, request: JoinGroup) -> JoinResult {
        let member_id = request.member_id.clone();
        if group_id.is_empty() {
            return JoinResult::error(ResponseError::InvalidGroupId, &member_id);
        }
        // Checked before the group is looked up, as Kafka's GroupCoordinatorService does.
        let session = request.session_timeout_ms;
        if session < self.config.min_session_timeout_ms
            || session > self.config.max_session_timeout_ms
        {
            return JoinResult::error(ResponseError::InvalidSessionTimeout, &member_id);
        }
        // Only a member without an id may create the group.
        let create = member_id == UNKNOWN_MEMBER_ID;
        let Some(broker) = self.broker.upgrade() else {
            return JoinResult::error(ResponseError::CoordinatorNotAvailable, &member_id);
        };
        let image = broker.image();
        match self
            .call(group_id, create, |tx| {
                GroupMessage::Join(request, image, tx)
            })
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => JoinResult::error(ResponseError::UnknownMemberId, &member_id),
            Err(e) => JoinResult::error(e, &member_id),
        }
    }

    pub async fn sync_group(&self, group_id: &str, request: SyncGroup) -> SyncResult {
        if group_id.is_empty() {
            return SyncResult::error(ResponseError::InvalidGroupId);
        }
        match self
            .call(group_id, false, |tx| GroupMessage::Sync(request, tx))
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => SyncResult::error(ResponseError::UnknownMemberId),
            Err(e) => SyncResult::error(e),
        }
    }

    pub async fn heartbeat(&self, group_id: &str, request: Heartbeat) -> Option<ResponseError> {
        if group_id.is_empty() {
            return Some(ResponseError::InvalidGroupId);
        }
        match self
            .call(group_id, false, |tx| GroupMessage::Heartbeat(request, tx))
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => Some(ResponseError::UnknownMemberId),
            Err(e) => Some(e),
        }
    }

    pub async fn leave_group(&self, group_id: &str, members: Vec<LeavingMember>) -> LeaveResult {
        if group_id.is_empty() {
            return Err(ResponseError::InvalidGroupId);
        }
        match self
            .call(group_id, false, |tx| GroupMessage::Leave(members, tx))
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => Err(ResponseError::UnknownMemberId),
            Err(e) => Err(e),
        }
    }

    /// Commits offsets for `group_id`, the generation and member checked first. A group that
    /// does not exist is created only by a commit from outside group management (generation
    /// -1), as Kafka does.
    pub async fn commit_offsets(&self, group_id: &str, request: CommitOffsets) -> CommitResult {
        if group_id.is_empty() {
            return Err(ResponseError::InvalidGroupId);
        }
        let create = request.generation_id < 0;
        let unknown = request.unknown_group_error;
        match self
            .call(group_id, create, |tx| GroupMessage::Commit(request, tx))
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => Err(unknown),
            Err(e) => Err(e),
        }
    }

    /// TxnOffsetCommit: the producer's offsets for `group_id`, pending in its transaction. A
    /// group that does not exist is created only by a commit without a generation (-1);
    /// otherwise it is ILLEGAL_GENERATION, as in Kafka.
    pub async fn commit_transactional_offsets(
        &self,
        group_id: &str,
        request: TxnCommitOffsets,
    ) -> CommitResult {
        if group_id.is_empty() {
            return Err(ResponseError::InvalidGroupId);
        }
        let create = request.generation_id < 0;
        match self
            .call(group_id, create, |tx| GroupMessage::TxnCommit(request, tx))
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => Err(ResponseError::IllegalGeneration),
            Err(e) => Err(e),
        }
    }

    /// Whether this broker serves `partition` of `__consumer_offsets` now (a transaction
    /// marker for it may be written), else the error WriteTxnMarkers answers.
    pub fn check_partition(&self, partition: i32) -> Result<(), ResponseError> {
        let broker = self
            .broker
            .upgrade()
            .ok_or(ResponseError::CoordinatorNotAvailable)?;
        self.partitions
            .check(&broker.image(), self.broker_id, OFFSETS_TOPIC, partition)
            .map(|_| ())
    }

    /// A transaction marker of `producer_id` was written to `partition`: every group of that
    /// partition materializes (`commit`) or drops the producer's pending offsets. Groups
    /// without any ignore it; the message is queued behind the group's earlier requests.
    pub fn complete_transaction(&self, partition: i32, producer_id: i64, commit: bool) {
        for handle in self.groups().values().filter(|h| h.partition == partition) {
            // A closed task is a group that is gone: nothing pending to complete.
            let _ = handle
                .messages
                .send(GroupMessage::CompleteTransaction(producer_id, commit));
        }
    }

    /// Committed offsets of `group_id`; an unknown group has none. With `require_stable`
    /// (OffsetFetch v7+), UNSTABLE_OFFSET_COMMIT for partitions with transactional offsets
    /// pending. A consumer group checks the `fetcher`'s member id and epoch (v9+).
    pub async fn fetch_offsets(
        &self,
        group_id: &str,
        topics: FetchOffsets,
        require_stable: bool,
        fetcher: OffsetFetcher,
    ) -> Result<FetchedOffsets, ResponseError> {
        let asked = topics.clone();
        match self
            .call(group_id, false, |tx| {
                GroupMessage::Fetch(topics, require_stable, fetcher, tx)
            })
            .await?
        {
            Some(fetched) => fetched,
            None => Ok(asked
                .unwrap_or_default()
                .into_iter()
                .flat_map(|(t, ps)| ps.into_iter().map(move |p| (t.clone(), p, Ok(None))))
                .collect()),
        }
    }

    /// `None` when the group does not exist or is not a classic group.
    pub async fn describe_group(
        &self,
        group_id: &str,
    ) -> Result<Option<GroupDescription>, ResponseError> {
        Ok(self
            .call(group_id, false, GroupMessage::Describe)
            .await?
            .filter(|d| d.state != "Dead"))
    }

    /// ConsumerGroupHeartbeat: checked as Kafka does before any group is looked up; only a
    /// join (epoch 0) may create the group.
    pub async fn consumer_group_heartbeat(
        &self,
        group_id: &str,
        request: ConsumerHeartbeat,
    ) -> HeartbeatAnswer {
        if let Err((error, message)) =
            consumer::heartbeat::validate(group_id, &request, &self.consumer_config)
        {
            return HeartbeatAnswer::error(error, message);
        }
        let create = request.member_epoch == 0;
        let config = self.consumer_config.clone();
        match self
            .call(group_id, create, |tx| {
                GroupMessage::ConsumerHeartbeat(Box::new(request), config, tx)
            })
            .await
        {
            Ok(Some(answer)) => answer,
            Ok(None) => HeartbeatAnswer::error(
                ResponseError::GroupIdNotFound,
                format!("Consumer group {group_id} not found."),
            ),
            Err(e) => HeartbeatAnswer::error(e, None),
        }
    }

    /// ConsumerGroupDescribe: `None` when the group does not exist or is not a consumer group.
    pub async fn describe_consumer_group(
        &self,
        group_id: &str,
    ) -> Result<Option<ConsumerGroupDescription>, ResponseError> {
        Ok(self
            .call(group_id, false, GroupMessage::ConsumerDescribe)
            .await?
            .flatten())
    }

    /// Every group this broker coordinates.
    pub async fn list_groups(&self) -> Result<Vec<GroupListing>, ResponseError> {
        let senders: Vec<_> = self
            .groups()
            .values()
            .filter(|h| !h.messages.is_closed())
            .map(|h| h.messages.clone())
            .collect();
        let mut listings = Vec::with_capacity(senders.len());
        for sender in senders {
            let (tx, rx) = oneshot::channel();
            if sender.send(GroupMessage::Listing(tx)).is_ok() {
                if let Ok(listing) = rx.await {
                    if listing.state != "Dead" {
                        listings.push(listing);
                    }
                }
            }
        }
        Ok(listings)
    }

    pub async fn delete_group(&self, group_id: &str) -> Option<ResponseError> {
        match self.call(group_id, false, GroupMessage::Delete).await {
            Ok(Some(result)) => result,
            Ok(None) => Some(ResponseError::GroupIdNotFound),
            Err(e) => Some(e),
        }
    }

    pub async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: Vec<(String, i32)>,
    ) -> DeleteOffsetsResult {
        match self
            .call(group_id, false, |tx| {
                GroupMessage::DeleteOffsets(partitions, tx)
            })
            .await
        {
            Ok(Some(result)) => result,
            Ok(None) => Err(ResponseError::GroupIdNotFound),
            Err(e) => Err(e),
        }
    }
}

/// What a partition's records leave of each group.
#[derive(Default)]
struct LoadedGroup {
    metadata: Option<GroupMetadataValue>,
    offsets: Offsets,
    /// Transactional offsets by producer id whose marker is not in the partition (yet).
    pending_transactional: BTreeMap<i64, Offsets>,
    consumer: LoadedConsumerGroup,
}

fn replay_group_records(records: Vec<StoredRecord>) -> BTreeMap<String, LoadedGroup> {
    let mut groups: BTreeMap<String, LoadedGroup> = BTreeMap::new();
    for record in records {
        if record.is_control {
            // A transaction marker ends the producer's pending offsets in every group.
            let marker = match (record.key.as_deref(), record.value.as_deref()) {
                (Some(key), Some(value)) => TxnMarker::from_record(key, value),
                _ => None,
            };
            if let Some(TxnMarker { commit, .. }) = marker {
                for group in groups.values_mut() {
                    txn_offsets::complete_transaction(
                        &mut group.offsets,
                        &mut group.pending_transactional,
                        record.producer_id,
                        commit,
                    );
                }
            }
            continue;
        }
        let Some(key) = record.key.as_deref() else {
            continue;
        };
        if is_consumer_key(key) {
            match ConsumerRecordKey::decode(key) {
                Ok(key) => groups
                    .entry(key.group().to_string())
                    .or_default()
                    .consumer
                    .replay(&key, record.value.as_deref()),
                Err(e) => {
                    warn!(offset = record.offset, error = %e, "skipping unreadable __consumer_offsets key")
                }
            }
            continue;
        }
        let key = match GroupRecordKey::decode(key) {
            Ok(key) => key,
            Err(e) => {
                warn!(offset = record.offset, error = %e, "skipping unreadable __consumer_offsets key");
                continue;
            }
        };
        let entry = groups.entry(key.group().to_string()).or_default();
        match key {
            GroupRecordKey::OffsetCommit {
                topic, partition, ..
            } => match record.value.as_deref() {
                None => {
                    entry.offsets.remove(&topic, partition);
                    for pending in entry.pending_transactional.values_mut() {
                        pending.remove(&topic, partition);
                    }
                }
                Some(value) => match OffsetCommitValue::decode(value) {
                    Ok(v) => {
                        let offset = CommittedOffset {
                            offset: v.offset,
                            leader_epoch: v.leader_epoch,
                            metadata: v.metadata,
                            commit_timestamp_ms: v.commit_timestamp,
                            expire_timestamp_ms: v.expire_timestamp,
                        };
                        // A producer's record is a TxnOffsetCommit, pending until its marker.
                        let offsets = if record.producer_id == NO_PRODUCER_ID {
                            &mut entry.offsets
                        } else {
                            entry
                                .pending_transactional
                                .entry(record.producer_id)
                                .or_default()
                        };
                        offsets.put(topic, partition, offset, record.offset);
                    }
                    Err(e) => {
                        warn!(offset = record.offset, error = %e, "skipping unreadable offset commit")
                    }
                },
            },
            GroupRecordKey::GroupMetadata { .. } => {
                entry.metadata = match record.value.as_deref().map(GroupMetadataValue::decode) {
                    None => None,
                    Some(Ok(v)) => Some(v),
                    Some(Err(e)) => {
                        warn!(offset = record.offset, error = %e, "skipping unreadable group metadata");
                        entry.metadata.take()
                    }
                };
            }
        }
    }
    groups
}

impl PartitionCoordinator for GroupCoordinator {
    fn topic(&self) -> &'static str {
        OFFSETS_TOPIC
    }

    fn load(&self, partition: i32, leader_epoch: i32, records: Vec<StoredRecord>) {
        let now = now_ms();
        let loaded = replay_group_records(records);
        let mut groups = self.groups();
        for (group_id, state) in loaded {
            let consumer =
                state
                    .consumer
                    .build(group_id.clone(), self.consumer_config.clone(), now);
            let mut group = match state.metadata {
                Some(value) => ClassicGroup::from_record(group_id.clone(), self.config, value, now),
                None if !state.offsets.is_empty()
                    || !state.pending_transactional.is_empty()
                    || consumer.is_some() =>
                {
                    ClassicGroup::new(group_id.clone(), self.config, now)
                }
                None => continue,
            };
            group.offsets = state.offsets;
            group.pending_transactional = state.pending_transactional;
            let handle = self.spawn_group(group, consumer, partition, leader_epoch);
            groups.insert(group_id, handle);
        }
    }

    fn unload(&self, partition: i32) {
        self.groups().retain(|_, h| h.partition != partition);
    }
}
