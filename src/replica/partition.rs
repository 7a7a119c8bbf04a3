//! One partition this broker hosts, as leader or follower: its place in the metadata image
//! (leader, leader epoch, replicas, ISR), the followers' positions when it leads, its high
//! watermark and last stable offset, and the signal a waiting fetch or produce wakes on.
//!
//! The log itself stays in the `LogManager` (opened at first use; the partition keeps the log
//! it last opened, so that a lookup skips the manager's broker-wide map); a [`Replica`] is a
//! partition with its log open, which is what appends and reads go through. Lock order: the log's mutex
//! first, then the partition's state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use kafka_protocol::error::ResponseError;
use tokio::sync::watch;
use uuid::Uuid;

use super::TopicPartition;
use crate::log::PartitionLog;
use crate::metadata::PartitionImage;

/// What the leader knows of one follower, from its fetches (Kafka's `Replica` state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowerPosition {
    /// The follower's log end offset, as its last fetch offset states; -1 before its first
    /// fetch in this leader epoch.
    pub log_end_offset: i64,
    /// The follower's log start offset, as its last fetch states; -1 before its first fetch.
    pub log_start_offset: i64,
    /// When the follower was last caught up to the leader's log end (ISR shrink uses it).
    pub last_caught_up_ms: i64,
    /// The leader's log end offset at the follower's previous fetch (Kafka's
    /// `lastFetchLeaderLogEndOffset`): reaching it counts as caught up.
    pub last_fetch_leader_log_end: i64,
    pub last_fetch_ms: i64,
}

impl FollowerPosition {
    /// The follower fetched from `fetch_offset` at `now_ms`, the leader's log end being
    /// `leader_log_end`: caught up if it reached it now or the one of its previous fetch.
    fn fetched(&mut self, fetch_offset: i64, leader_log_end: i64, now_ms: i64) {
        if fetch_offset >= leader_log_end {
            self.last_caught_up_ms = now_ms;
        } else if fetch_offset >= self.last_fetch_leader_log_end {
            self.last_caught_up_ms = self.last_caught_up_ms.max(self.last_fetch_ms);
        }
        self.log_end_offset = fetch_offset;
        self.last_fetch_leader_log_end = leader_log_end;
        self.last_fetch_ms = now_ms;
    }
}

/// The replication state of a partition, as this broker sees it. The last stable offset is not
/// kept: it is derived from the high watermark and the log's open transactions when asked for
/// ([`Partition::offsets`]), so it cannot go stale when a marker closes a transaction.
#[derive(Debug)]
pub(super) struct ReplicaState {
    pub leader: i32,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    /// Leader only: every other replica's position; reset when leadership changes.
    pub followers: BTreeMap<i32, FollowerPosition>,
    /// `log_start <= high_watermark <= log_end`: the offset below which every in-sync replica
    /// holds the records, the most consumers may read.
    pub high_watermark: i64,
    /// An ISR change this leader sent to the controller and has not seen applied yet (Kafka's
    /// pending AlterPartition): no other change is sent meanwhile.
    pub pending_isr: Option<Vec<i32>>,
    /// The topic's `min.insync.replicas` (its override, else the broker's), >= 1.
    pub min_insync_replicas: i32,
    /// Leader only: the log end offset when this broker started leading in `leader_epoch`
    /// (Kafka's `leaderEpochStartOffsetOpt`), recorded in the log's leader-epoch cache at the
    /// partition's first use in the epoch; `None` before that and on followers.
    pub leader_epoch_start_offset: Option<i64>,
}

impl ReplicaState {
    fn new() -> Self {
        Self {
            leader: -1,
            leader_epoch: -1,
            partition_epoch: -1,
            replicas: Vec::new(),
            isr: Vec::new(),
            followers: BTreeMap::new(),
            high_watermark: 0,
            pending_isr: None,
            min_insync_replicas: 1,
            leader_epoch_start_offset: None,
        }
    }

    /// Kafka's `effectiveMinIsr`: `min.insync.replicas`, but never more than the replicas.
    pub fn effective_min_isr(&self) -> usize {
        usize::try_from(self.min_insync_replicas)
            .unwrap_or(1)
            .min(self.replicas.len())
            .max(1)
    }

    /// Kafka's `isUnderMinIsr` for a leader: fewer in the ISR than the effective minimum.
    pub fn is_under_min_isr(&self) -> bool {
        self.isr.len() < self.effective_min_isr()
    }

    /// Whether `follower`, out of the ISR, fetching from `fetch_offset`, has caught up to the
    /// high watermark with no ISR change pending: the ISR should grow with it.
    fn isr_may_grow_with(&self, follower: i32, fetch_offset: i64) -> bool {
        !self.isr.contains(&follower)
            && self.pending_isr.is_none()
            && fetch_offset >= self.high_watermark
    }
}

/// How a partition's role changed when an image was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Unchanged,
    /// Only the replicas or the ISR changed.
    Changed,
    BecameLeader,
    /// This broker follows `leader` (or no leader is known: -1) in a new leader epoch.
    BecameFollower {
        leader: i32,
    },
}

pub struct Partition {
    pub tp: TopicPartition,
    broker_id: i32,
    state: Mutex<ReplicaState>,
    /// Bumped whenever the log end, the high watermark or the leadership moves: what
    /// consumers' fetches and acks=all produces of this partition wait on. Made at the first
    /// subscription (a channel is about 350 bytes, the largest part of an idle hosted
    /// partition's state): a move before it has no one to wake, since a waiter subscribes
    /// before it checks the state.
    moved: OnceLock<watch::Sender<u64>>,
    /// Bumped with `moved`, except when only the high watermark moved (a follower's fetch
    /// moved it): what followers' fetches wait on, which read to the log end. Each follower's
    /// report would otherwise wake the other followers' waiting fetches for nothing to send
    /// (Kafka's DelayedFetch of a follower is not completed by the high watermark either).
    /// Made at the first subscription, as `moved`.
    log_moved: OnceLock<watch::Sender<u64>>,
    /// The log last opened for this partition and its topic's id, so that a lookup skips the
    /// `LogManager`'s broker-wide map (the leader looks up every partition of a follower's
    /// fetch session in every fetch). A log once open leaves the `LogManager` only deleted,
    /// which its holders see: [`Self::open_log`] then answers `None`.
    open_log: Mutex<Option<(Uuid, Arc<Mutex<PartitionLog>>)>>,
}

impl Partition {
    pub fn new(tp: TopicPartition, broker_id: i32) -> Self {
        Self {
            tp,
            broker_id,
            state: Mutex::new(ReplicaState::new()),
            moved: OnceLock::new(),
            log_moved: OnceLock::new(),
            open_log: Mutex::new(None),
        }
    }

    /// The log last opened for this partition, if it belongs to topic id `topic_id` and was
    /// not deleted since.
    pub(super) fn open_log(&self, topic_id: Uuid) -> Option<Arc<Mutex<PartitionLog>>> {
        let cached = self.open_log.lock().unwrap_or_else(PoisonError::into_inner);
        let (_, log) = cached.as_ref().filter(|(id, _)| *id == topic_id)?;
        // Never waits for the log (its holder may be the caller, and its mutex comes before
        // this one): a busy or poisoned log is found through the `LogManager` as before.
        let usable = log.try_lock().is_ok_and(|l| !l.is_deleted());
        usable.then(|| Arc::clone(log))
    }

    /// Remembers the log just opened for this partition of topic id `topic_id`.
    pub(super) fn set_open_log(&self, topic_id: Uuid, log: &Arc<Mutex<PartitionLog>>) {
        *self.open_log.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((topic_id, Arc::clone(log)));
    }

    /// A partition whose high watermark starts at `high_watermark`, as the broker's
    /// `replication-offset-checkpoint` had it (bounded by the log once opened), as Kafka's
    /// `Partition.createLog` does, rather than at the log start.
    pub fn with_high_watermark(tp: TopicPartition, broker_id: i32, high_watermark: i64) -> Self {
        let partition = Self::new(tp, broker_id);
        partition.state().high_watermark = high_watermark.max(0);
        partition
    }

    /// The high watermark as last settled (without the log: for the checkpoint).
    pub fn high_watermark(&self) -> i64 {
        self.state().high_watermark
    }

    /// Leader only: records where this broker's leadership in its current epoch starts (the
    /// log end offset now) in the log's leader-epoch cache, once per epoch, as Kafka's
    /// `makeLeader` does, so that OffsetForLeaderEpoch answers the current epoch before its
    /// first append and ListOffsets knows whether the high watermark has caught up with it.
    pub fn start_leader_epoch(&self, log: &mut PartitionLog) -> Result<(), crate::log::LogError> {
        let mut state = self.state();
        if state.leader != self.broker_id || state.leader_epoch_start_offset.is_some() {
            return Ok(());
        }
        let start = log.log_end_offset();
        log.assign_leader_epoch(state.leader_epoch, start)?;
        state.leader_epoch_start_offset = Some(start);
        Ok(())
    }

    /// Whether this broker leads without having recorded its epoch's start yet (cheap check
    /// before taking the log's lock for [`Self::start_leader_epoch`]).
    pub fn leader_epoch_unstarted(&self) -> bool {
        let state = self.state();
        state.leader == self.broker_id && state.leader_epoch_start_offset.is_none()
    }

    /// Kafka's lagging high watermark after an election: this leader's high watermark has not
    /// reached the log end offset its epoch started at, so the latest offset it could answer a
    /// consumer may be below what the previous leader already exposed.
    pub fn high_watermark_behind_epoch_start(&self) -> bool {
        let state = self.state();
        state
            .leader_epoch_start_offset
            .is_some_and(|start| start > state.high_watermark)
    }

    pub fn broker_id(&self) -> i32 {
        self.broker_id
    }

    pub(super) fn state(&self) -> MutexGuard<'_, ReplicaState> {
        // The state is plain values, each change made whole under the lock: usable after a panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The leader the image names (-1: none).
    pub fn leader(&self) -> i32 {
        self.state().leader
    }

    pub fn leader_epoch(&self) -> i32 {
        self.state().leader_epoch
    }

    /// Kafka's `isUnderMinIsr`: fewer in the ISR than the effective `min.insync.replicas`.
    pub fn is_under_min_isr(&self) -> bool {
        self.state().is_under_min_isr()
    }

    /// Where an acks=all produce that needs the high watermark at `required_offset` stands
    /// (Kafka's DelayedProduce check): `None` while it must wait; NOT_LEADER_OR_FOLLOWER when
    /// this broker no longer leads in `leader_epoch`; NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
    /// batch is replicated but the ISR is below the effective `min.insync.replicas`.
    pub fn replicated(
        &self,
        required_offset: i64,
        leader_epoch: i32,
    ) -> Option<Result<(), ResponseError>> {
        let state = self.state();
        if state.leader != self.broker_id || state.leader_epoch != leader_epoch {
            return Some(Err(ResponseError::NotLeaderOrFollower));
        }
        if state.high_watermark < required_offset {
            return None;
        }
        Some(if state.is_under_min_isr() {
            Err(ResponseError::NotEnoughReplicasAfterAppend)
        } else {
            Ok(())
        })
    }

    /// A receiver that sees every later move of this partition.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.moved.get_or_init(|| watch::channel(0).0).subscribe()
    }

    /// How many times the partition moved since this was first asked (what [`Self::subscribe`]
    /// sees): every change a read answers (log start and end, high watermark, last stable
    /// offset, leadership, deletion) is followed by a move, so the same count before two reads
    /// means the second would answer as the first.
    pub fn moves(&self) -> u64 {
        *self.moved.get_or_init(|| watch::channel(0).0).borrow()
    }

    /// A receiver that sees every later move of this partition but those of its high
    /// watermark alone: a follower's fetch, which reads to the log end.
    pub fn subscribe_log(&self) -> watch::Receiver<u64> {
        self.log_moved
            .get_or_init(|| watch::channel(0).0)
            .subscribe()
    }

    pub(super) fn notify_moved(&self) {
        self.notify_high_watermark_moved();
        if let Some(log_moved) = self.log_moved.get() {
            log_moved.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Wakes the waiters of a high watermark that moved alone (not followers' fetches).
    fn notify_high_watermark_moved(&self) {
        if let Some(moved) = self.moved.get() {
            moved.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    pub fn is_leader(&self) -> bool {
        self.state().leader == self.broker_id
    }

    /// Whether this broker leads the partition and it has other replicas (which fetch from it).
    pub fn has_followers(&self) -> bool {
        let state = self.state();
        state.leader == self.broker_id && !state.followers.is_empty()
    }

    /// Whether this broker leads the partition with a follower in its ISR: only then can the
    /// ISR shrink (an RF=1 partition never can).
    pub fn leads_in_sync_followers(&self) -> bool {
        let state = self.state();
        state.leader == self.broker_id && state.isr.iter().any(|r| *r != self.broker_id)
    }

    /// Takes the topic's `min.insync.replicas` (on every image: its config may change).
    pub fn set_min_insync_replicas(&self, min_insync_replicas: i32) {
        debug_assert!(min_insync_replicas >= 1, "validated as at least 1");
        self.state().min_insync_replicas = min_insync_replicas.max(1);
    }

    /// Takes the image's view of the partition when it is newer than the one held (a handler
    /// may carry an older image than the partition sync has applied, never the other way).
    pub fn apply_image(&self, image: &PartitionImage, now_ms: i64) -> Transition {
        let mut state = self.state();
        let newer = (image.leader_epoch, image.partition_epoch)
            > (state.leader_epoch, state.partition_epoch);
        if !newer {
            return Transition::Unchanged;
        }
        let new_epoch = image.leader_epoch != state.leader_epoch || image.leader != state.leader;
        state.leader = image.leader;
        state.leader_epoch = image.leader_epoch;
        state.partition_epoch = image.partition_epoch;
        if new_epoch {
            state.leader_epoch_start_offset = None;
        }
        state.replicas = image.replicas.clone();
        state.isr = image.isr.clone();
        state.pending_isr = None;
        let transition = if !new_epoch {
            Transition::Changed
        } else if image.leader == self.broker_id {
            // As Kafka's makeLeader: every follower starts unknown but counted as caught up now,
            // so none is dropped from the ISR before it had the time to fetch.
            state.followers = image
                .replicas
                .iter()
                .filter(|&&r| r != self.broker_id)
                .map(|&r| {
                    let position = FollowerPosition {
                        log_end_offset: -1,
                        log_start_offset: -1,
                        last_caught_up_ms: now_ms,
                        last_fetch_leader_log_end: -1,
                        last_fetch_ms: now_ms,
                    };
                    (r, position)
                })
                .collect();
            Transition::BecameLeader
        } else {
            state.followers.clear();
            Transition::BecameFollower {
                leader: image.leader,
            }
        };
        if state.leader == self.broker_id {
            // Followers added to the replicas (reassignment) start unknown too.
            for &r in &image.replicas {
                if r != self.broker_id {
                    state.followers.entry(r).or_insert(FollowerPosition {
                        log_end_offset: -1,
                        log_start_offset: -1,
                        last_caught_up_ms: now_ms,
                        last_fetch_leader_log_end: -1,
                        last_fetch_ms: now_ms,
                    });
                }
            }
            state.followers.retain(|r, _| image.replicas.contains(r));
        }
        drop(state);
        self.notify_moved();
        transition
    }

    /// The leader's epoch when this broker leads the partition, else NOT_LEADER_OR_FOLLOWER;
    /// `current_leader_epoch` (>= 0 when the client states it) must match it (KIP-320):
    /// older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
    pub fn check_leader(&self, current_leader_epoch: i32) -> Result<i32, ResponseError> {
        let state = self.state();
        check_epoch(current_leader_epoch, state.leader_epoch)?;
        if state.leader != self.broker_id {
            return Err(ResponseError::NotLeaderOrFollower);
        }
        Ok(state.leader_epoch)
    }

    /// Any replica's check of the leader epoch a request states (KIP-320), as Kafka's
    /// `checkCurrentLeaderEpoch`: older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH;
    /// answers the partition's leader epoch.
    pub fn check_current_leader_epoch(
        &self,
        current_leader_epoch: i32,
    ) -> Result<i32, ResponseError> {
        let leader_epoch = self.state().leader_epoch;
        check_epoch(current_leader_epoch, leader_epoch)?;
        Ok(leader_epoch)
    }

    /// Recomputes the high watermark and the last stable offset from the log and the ISR's
    /// positions, after the log or a follower moved, and wakes the waiters. A follower's high
    /// watermark is set by [`Self::set_follower_high_watermark`].
    pub fn update_offsets(&self, log: &PartitionLog) {
        self.settle_offsets(log);
        self.notify_moved();
    }

    /// [`Self::update_offsets`] without the wake, for a caller that wakes the waiters itself.
    pub(super) fn settle_offsets(&self, log: &PartitionLog) {
        settle(&mut self.state(), log, self.broker_id);
    }

    /// A follower's fetch reached the leader (Kafka's `updateFollowerFetchState`): its fetch
    /// offset is its log end; it counts as caught up when it reached the leader's log end now or
    /// as of its previous fetch. The high watermark may move (waiters wake only if it did).
    /// Answers whether the follower is out of the ISR but has caught up (to the high watermark),
    /// so the ISR should grow.
    pub fn follower_fetched(
        &self,
        log: &PartitionLog,
        follower: i32,
        fetch_offset: i64,
        log_start_offset: i64,
        now_ms: i64,
    ) -> bool {
        let leader_log_end = log.log_end_offset();
        let mut state = self.state();
        let Some(position) = state.followers.get_mut(&follower) else {
            return false;
        };
        position.fetched(fetch_offset, leader_log_end, now_ms);
        position.log_start_offset = log_start_offset;
        let before = state.high_watermark;
        settle(&mut state, log, self.broker_id);
        // The last stable offset derives from the high watermark: it moves only with it here.
        let moved = before != state.high_watermark;
        let expand = state.isr_may_grow_with(follower, fetch_offset);
        drop(state);
        if moved {
            self.notify_high_watermark_moved();
        }
        expand
    }

    /// [`Self::follower_fetched`] for a fetch that did not read the partition: the follower
    /// asked again from `fetch_offset`, its position, which had reached `leader_log_end`, the
    /// log end, and the partition has not moved since. No offset moves; the follower counts as
    /// caught up now, as Kafka's every fetch records, so an idle partition's follower is not
    /// taken for lagging at its next append.
    pub fn follower_fetched_again(
        &self,
        follower: i32,
        fetch_offset: i64,
        leader_log_end: i64,
        now_ms: i64,
    ) -> bool {
        let mut state = self.state();
        let Some(position) = state.followers.get_mut(&follower) else {
            return false;
        };
        debug_assert_eq!(position.log_end_offset, fetch_offset);
        debug_assert!(fetch_offset >= leader_log_end);
        position.fetched(fetch_offset, leader_log_end, now_ms);
        state.isr_may_grow_with(follower, fetch_offset)
    }

    /// Leader only: the in-sync followers whose logs hold `fetch_offset`, with their positions
    /// (KIP-392's candidates for a consumer's preferred read replica).
    pub fn in_sync_followers_holding(&self, fetch_offset: i64) -> Vec<(i32, FollowerPosition)> {
        let state = self.state();
        state
            .followers
            .iter()
            .filter(|(id, p)| {
                state.isr.contains(id)
                    && p.log_end_offset >= fetch_offset
                    && p.log_start_offset <= fetch_offset
            })
            .map(|(&id, &p)| (id, p))
            .collect()
    }

    /// The ISR with `follower` added, when this broker leads and `follower` is not in it.
    pub fn isr_with(&self, follower: i32) -> Option<Vec<i32>> {
        let state = self.state();
        if state.leader != self.broker_id || state.isr.contains(&follower) {
            return None;
        }
        let mut isr = state.isr.clone();
        isr.push(follower);
        Some(isr)
    }

    /// When this leader has no ISR change pending and some in-sync followers have not caught up
    /// with `leader_log_end` for more than `max_lag_ms`: (the ISR, the ISR without them).
    pub fn isr_without_lagging(
        &self,
        leader_log_end: i64,
        now_ms: i64,
        max_lag_ms: i64,
    ) -> Option<(Vec<i32>, Vec<i32>)> {
        let state = self.state();
        if state.leader != self.broker_id || state.pending_isr.is_some() {
            return None;
        }
        let lagging = |r: &i32| {
            state.followers.get(r).is_some_and(|f| {
                f.log_end_offset != leader_log_end && now_ms - f.last_caught_up_ms > max_lag_ms
            })
        };
        if !state.isr.iter().any(lagging) {
            return None;
        }
        let kept = state.isr.iter().copied().filter(|r| !lagging(r)).collect();
        Some((state.isr.clone(), kept))
    }

    /// Marks an ISR change as sent to the controller: the (leader epoch, partition epoch) it is
    /// based on, or `None` when one is already pending.
    pub fn begin_isr_change(&self, new_isr: &[i32]) -> Option<(i32, i32)> {
        let mut state = self.state();
        if state.pending_isr.is_some() {
            return None;
        }
        state.pending_isr = Some(new_isr.to_vec());
        Some((state.leader_epoch, state.partition_epoch))
    }

    /// The controller refused or never answered an ISR change: another may be tried.
    pub fn abort_isr_change(&self) {
        let pending = self.state().pending_isr.take();
        // The wider ISR held the high watermark back: it may move at the next settle, which a
        // fetch that reads only moved partitions must hear of.
        if pending.is_some() {
            self.notify_moved();
        }
    }

    /// A follower takes the leader's high watermark, bounded by its own log end.
    pub fn set_follower_high_watermark(&self, log: &PartitionLog, leader_high_watermark: i64) {
        let mut state = self.state();
        state.high_watermark = leader_high_watermark.min(log.log_end_offset());
        settle(&mut state, log, self.broker_id);
        drop(state);
        self.notify_moved();
    }

    /// The offsets as seen with the log locked. The last stable offset is the first offset of
    /// the oldest open transaction, or the high watermark when none is open (or it is above).
    pub fn offsets(&self, log: &PartitionLog) -> Offsets {
        let mut state = self.state();
        settle(&mut state, log, self.broker_id);
        let high_watermark = state.high_watermark;
        drop(state);
        let log_start = log.log_start_offset();
        let last_stable = log
            .first_unstable_offset()
            .map_or(high_watermark, |first| first.min(high_watermark))
            .max(log_start);
        debug_assert!(
            log_start <= last_stable && last_stable <= high_watermark,
            "log_start {log_start} <= last_stable {last_stable} <= high_watermark {high_watermark}"
        );
        Offsets {
            log_start,
            last_stable,
            high_watermark,
            log_end: log.log_end_offset(),
        }
    }
}

/// A partition's offsets at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offsets {
    pub log_start: i64,
    pub last_stable: i64,
    pub high_watermark: i64,
    pub log_end: i64,
}

/// Brings the high watermark up to date (a leader's: the least log end offset of the ISR,
/// never going back, and not moving at all while the ISR is below the effective
/// `min.insync.replicas`, as Kafka's `maybeIncrementLeaderHW` since KIP-966's strict min ISR)
/// and keeps it within the log (a truncation or a log start moved past it).
fn settle(state: &mut ReplicaState, log: &PartitionLog, broker_id: i32) {
    let log_start = log.log_start_offset();
    let log_end = log.log_end_offset();
    if state.leader == broker_id && !state.is_under_min_isr() {
        // While an expansion is pending the wider ISR counts (Kafka's maximal ISR), so the
        // high watermark never passes what a member-to-be lacks.
        let pending = state.pending_isr.as_deref().unwrap_or(&[]);
        let isr_min = state
            .isr
            .iter()
            .chain(pending)
            .filter(|&&r| r != broker_id)
            .map(|r| state.followers.get(r).map_or(-1, |f| f.log_end_offset))
            .fold(log_end, i64::min);
        state.high_watermark = state.high_watermark.max(isr_min);
    }
    state.high_watermark = state
        .high_watermark
        .clamp(log_start, log_end.max(log_start));
    debug_assert!(
        log_start <= state.high_watermark && state.high_watermark <= log_end.max(log_start),
        "log_start {log_start} <= high_watermark {} <= log_end {log_end}",
        state.high_watermark
    );
}

/// KIP-320's check of the epoch a request states (`-1`: none) against the partition's.
pub fn check_epoch(requested: i32, current: i32) -> Result<(), ResponseError> {
    if requested < 0 || requested == current {
        Ok(())
    } else if requested > current {
        Err(ResponseError::UnknownLeaderEpoch)
    } else {
        Err(ResponseError::FencedLeaderEpoch)
    }
}
