//! The task that owns one group: requests arrive as messages, timers fire between them, and
//! nothing else touches the group's state. The task ends when the group is deleted or expires
//! (Dead), or when the coordinator drops its handle (the partition was unloaded).

use std::sync::Arc;

use kafka_protocol::error::ResponseError;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::api::{
    CommitOffsets, CommitResult, FetchOffsets, FetchedOffsets, GroupDescription, GroupListing,
    Heartbeat, JoinGroup, JoinResult, LeaveResult, LeavingMember, OffsetFetcher, SyncGroup,
    SyncResult, TxnCommitOffsets,
};
use super::classic::{ClassicGroup, GroupState};
use super::commit::DeleteOffsetsResult;
use super::consumer::heartbeat::{ConsumerHeartbeat, HeartbeatAnswer};
use super::consumer::{self, ConsumerConfig, ConsumerGroup, ConsumerGroupDescription};
use super::store::{group_metadata_record, GroupLog};
use crate::clock::now_ms;
use crate::metadata::image::MetadataImage;

pub enum GroupMessage {
    /// With the broker's metadata: a consumer group resolves a classic member's topics in it.
    Join(JoinGroup, Arc<MetadataImage>, oneshot::Sender<JoinResult>),
    Sync(SyncGroup, oneshot::Sender<SyncResult>),
    Heartbeat(Heartbeat, oneshot::Sender<Option<ResponseError>>),
    Leave(Vec<LeavingMember>, oneshot::Sender<LeaveResult>),
    Commit(CommitOffsets, oneshot::Sender<CommitResult>),
    TxnCommit(TxnCommitOffsets, oneshot::Sender<CommitResult>),
    /// A transaction's marker was written to the group's partition: (producer id, commit).
    CompleteTransaction(i64, bool),
    /// The offsets, whether pending transactional ones make a partition unstable, and who asks
    /// (a group-level error for a consumer-protocol member unknown or at another epoch).
    Fetch(
        FetchOffsets,
        bool,
        OffsetFetcher,
        oneshot::Sender<Result<FetchedOffsets, ResponseError>>,
    ),
    Describe(oneshot::Sender<GroupDescription>),
    Listing(oneshot::Sender<GroupListing>),
    Delete(oneshot::Sender<Option<ResponseError>>),
    DeleteOffsets(Vec<(String, i32)>, oneshot::Sender<DeleteOffsetsResult>),
    ConsumerHeartbeat(
        Box<ConsumerHeartbeat>,
        ConsumerConfig,
        oneshot::Sender<HeartbeatAnswer>,
    ),
    /// `None` when the group is not a consumer group.
    ConsumerDescribe(oneshot::Sender<Option<ConsumerGroupDescription>>),
}

impl GroupMessage {
    /// Whether handling the message may append records (its answer then waits for them to
    /// be replicated); reads and timers' messages never do.
    pub fn may_write(&self) -> bool {
        match self {
            Self::Join(..)
            | Self::Sync(..)
            | Self::Leave(..)
            | Self::Commit(..)
            | Self::TxnCommit(..)
            | Self::Delete(..)
            | Self::DeleteOffsets(..)
            | Self::ConsumerHeartbeat(..) => true,
            Self::Heartbeat(..)
            | Self::CompleteTransaction(..)
            | Self::Fetch(..)
            | Self::Describe(..)
            | Self::Listing(..)
            | Self::ConsumerDescribe(..) => false,
        }
    }
}

/// Runs `group` (and its consumer-protocol side, once it has one) until it is Dead or its handle
/// is dropped.
pub async fn run_group(
    mut group: ClassicGroup,
    mut consumer: Option<ConsumerGroup>,
    mut log: Box<dyn GroupLog>,
    mut messages: mpsc::UnboundedReceiver<GroupMessage>,
) {
    let check_interval = group.config.offsets_retention_check_interval_ms.max(1);
    let mut next_expiry_check = now_ms() + check_interval;
    loop {
        let deadline = group
            .next_deadline_ms()
            .into_iter()
            .chain(consumer.as_ref().and_then(ConsumerGroup::next_deadline_ms))
            .fold(next_expiry_check, i64::min);
        let wait = u64::try_from(deadline - now_ms()).unwrap_or(0);
        tokio::select! {
            message = messages.recv() => match message {
                Some(message) => {
                    apply_replicated(&mut group, log.as_ref());
                    if let Some(message) = consumer_side(&mut group, &mut consumer, message, log.as_mut()) {
                        handle(&mut group, message, log.as_mut());
                    }
                }
                None => return,
            },
            () = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {
                apply_replicated(&mut group, log.as_ref());
                let now = now_ms();
                group.on_timers(now);
                consumer::route::on_timers(&mut group, &mut consumer, now, log.as_mut());
                if now >= next_expiry_check {
                    consumer::route::expire_offsets(&mut group, &mut consumer, now, log.as_mut());
                    next_expiry_check = now + check_interval;
                }
            }
        }
        if group.needs_store {
            group.needs_store = false;
            if let Err(e) = log.append(vec![group_metadata_record(&group)]) {
                warn!(group = %group.group_id, error = ?e, "cannot write group metadata");
            }
        }
        if group.state == GroupState::Dead {
            return;
        }
    }
}

/// The group's offset changes the partition's high watermark has passed take effect, before
/// anything reads or writes the group.
fn apply_replicated(group: &mut ClassicGroup, log: &dyn GroupLog) {
    if group.offsets.has_unreplicated() {
        group.offsets.apply_replicated(log.high_watermark());
    }
}

/// The consumer-protocol APIs, and whatever a consumer group handles differently; the rest
/// goes back to the classic side.
fn consumer_side(
    group: &mut ClassicGroup,
    consumer: &mut Option<ConsumerGroup>,
    message: GroupMessage,
    log: &mut dyn GroupLog,
) -> Option<GroupMessage> {
    match message {
        GroupMessage::ConsumerHeartbeat(request, config, reply) => {
            let answer =
                consumer::route::heartbeat(group, consumer, &config, *request, now_ms(), log);
            let _ = reply.send(answer);
            None
        }
        GroupMessage::ConsumerDescribe(reply) => {
            let _ = reply.send(consumer.as_ref().map(ConsumerGroup::describe));
            None
        }
        message => consumer::route::route(group, consumer, message, now_ms(), log),
    }
}

fn handle(group: &mut ClassicGroup, message: GroupMessage, log: &mut dyn GroupLog) {
    let now = now_ms();
    // A send fails only when the asking handler is gone: nobody to answer.
    match message {
        GroupMessage::Join(request, _, reply) => group.join(request, reply, now, log),
        GroupMessage::Sync(request, reply) => group.sync(request, reply, now, log),
        GroupMessage::Heartbeat(request, reply) => {
            let _ = reply.send(group.heartbeat(request, now));
        }
        GroupMessage::Leave(members, reply) => {
            let _ = reply.send(group.leave(members, now));
        }
        GroupMessage::Commit(request, reply) => {
            let _ = reply.send(group.commit_offsets(request, now, log));
        }
        GroupMessage::TxnCommit(request, reply) => {
            let _ = reply.send(group.commit_transactional_offsets(request, now, log));
        }
        GroupMessage::CompleteTransaction(producer_id, commit) => {
            group.complete_transaction(producer_id, commit);
        }
        // A classic group checks nobody's member id or generation (Kafka's
        // `ClassicGroup.validateOffsetFetch`).
        GroupMessage::Fetch(topics, require_stable, _, reply) => {
            let _ = reply.send(Ok(group.fetch_offsets(topics, require_stable)));
        }
        GroupMessage::Describe(reply) => {
            let _ = reply.send(group.describe());
        }
        GroupMessage::Listing(reply) => {
            let _ = reply.send(GroupListing {
                group_id: group.group_id.clone(),
                protocol_type: group.protocol_type.clone().unwrap_or_default(),
                state: group.state.name(),
                group_type: "classic",
            });
        }
        GroupMessage::Delete(reply) => {
            let _ = reply.send(group.delete(now, log));
        }
        GroupMessage::DeleteOffsets(partitions, reply) => {
            let _ = reply.send(group.delete_offsets(partitions, log));
        }
        GroupMessage::ConsumerHeartbeat(..) | GroupMessage::ConsumerDescribe(_) => {
            debug_assert!(
                false,
                "consumer-protocol messages are handled by consumer_side"
            );
        }
    }
}
