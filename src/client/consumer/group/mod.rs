//! The consumer in group mode: the group decides the assignment, positions start from committed
//! offsets (else `auto.offset.reset`), heartbeats and auto-commits ride on `poll`. With the
//! classic protocol rebalances are eager for `range` and incremental for `cooperative-sticky`;
//! with the consumer protocol (KIP-848) the coordinator assigns and every change is
//! incremental: a member gives up what it lost, says so, and is then given what it gained.

pub mod assignor;
mod consumer_protocol;
mod membership;
pub(crate) mod wire_format;

pub use membership::HeartbeatOutcome;

use self::consumer_protocol::ConsumerBeat;
use self::membership::GroupMembership;
use super::{Consumer, ConsumerRecord, StartOffset};
use crate::client::config::{AutoOffsetReset, GroupProtocol};
use crate::client::error::{ClientError, ClientResult};
use crate::client::kafka_client::Client;
use crate::client::wire::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

/// A consumer whose partitions are assigned by its group.
#[derive(Debug)]
pub struct GroupConsumer {
    client: Client,
    consumer: Consumer,
    membership: GroupMembership,
    topics: BTreeSet<String>,
    strategies: Vec<String>,
    protocol: GroupProtocol,
    needs_rejoin: bool,
    last_heartbeat: Instant,
    /// Consumer protocol: the interval the coordinator asks for.
    heartbeat_interval: Duration,
    /// Consumer protocol: the topics' ids, which its heartbeats speak in.
    topic_ids: BTreeMap<String, Uuid>,
    last_commit: Instant,
}

impl GroupConsumer {
    /// Joins `group.id` subscribed to `topics` and waits for the first assignment.
    pub async fn subscribe(client: Client, topics: &[String]) -> ClientResult<GroupConsumer> {
        let config = client.config();
        let group_id = config
            .group_id
            .clone()
            .ok_or_else(|| ClientError::InvalidConfig {
                key: "group.id".into(),
                value: String::new(),
                reason: "group mode needs a group id".into(),
            })?;
        let mut consumer = GroupConsumer {
            consumer: Consumer::new(client.clone()),
            membership: GroupMembership::new(client.clone(), group_id),
            topics: topics.iter().cloned().collect(),
            strategies: config.partition_assignment_strategy.clone(),
            protocol: config.group_protocol,
            needs_rejoin: true,
            last_heartbeat: Instant::now(),
            heartbeat_interval: config.heartbeat_interval,
            topic_ids: BTreeMap::new(),
            last_commit: Instant::now(),
            client,
        };
        match consumer.protocol {
            GroupProtocol::Classic => consumer.rebalance().await?,
            GroupProtocol::Consumer => consumer.join_consumer_group().await?,
        }
        Ok(consumer)
    }

    /// The partitions this member holds now.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.consumer.partitions().keys().cloned().collect()
    }

    /// The member id the coordinator gave this member.
    pub fn member_id(&self) -> &str {
        self.membership.member_id()
    }

    /// The group generation of the current assignment.
    pub fn generation_id(&self) -> i32 {
        self.membership.generation_id()
    }

    /// The assignor the group chose in the last rebalance.
    pub fn assignor(&self) -> Option<&str> {
        self.membership.protocol_name()
    }

    /// The assignment-side consumer (positions, end offsets).
    pub fn consumer(&self) -> &Consumer {
        &self.consumer
    }

    /// Also hand out transaction markers (flagged `is_control`); off by default.
    pub fn set_include_control_records(&mut self, include: bool) {
        self.consumer.set_include_control_records(include);
    }

    /// Moves one assigned partition's position (what the next commit stores).
    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> ClientResult<()> {
        self.consumer.seek(tp, offset)
    }

    /// Heartbeats, rebalances and auto-commits as due, then fetches once.
    pub async fn poll(&mut self) -> ClientResult<Vec<ConsumerRecord>> {
        let config = self.client.config().clone();
        if self.protocol == GroupProtocol::Consumer {
            if self.needs_rejoin || self.last_heartbeat.elapsed() >= self.heartbeat_interval {
                self.consumer_heartbeat().await?;
            }
        } else if self.last_heartbeat.elapsed() >= config.heartbeat_interval {
            self.last_heartbeat = Instant::now();
            if self.membership.heartbeat().await? == HeartbeatOutcome::Rejoin {
                self.needs_rejoin = true;
            }
        }
        if self.needs_rejoin && self.protocol == GroupProtocol::Classic {
            self.rebalance().await?;
        }
        if config.enable_auto_commit && self.last_commit.elapsed() >= config.auto_commit_interval {
            self.commit().await?;
        }
        if self.consumer.partitions().is_empty() {
            // Nothing assigned: wait as a fetch would, so callers can loop on poll.
            tokio::time::sleep(config.fetch_max_wait).await;
            return Ok(Vec::new());
        }
        self.consumer.poll().await
    }

    /// Commits every assigned partition's position.
    pub async fn commit(&mut self) -> ClientResult<()> {
        let positions = self.positions(None);
        self.membership.commit(&positions).await?;
        self.last_commit = Instant::now();
        Ok(())
    }

    /// Commits (when auto-commit is on) and leaves the group.
    pub async fn close(mut self) -> ClientResult<()> {
        if self.client.config().enable_auto_commit {
            self.commit().await?;
        }
        let left = match self.protocol {
            GroupProtocol::Classic => self.membership.leave().await,
            GroupProtocol::Consumer => self.membership.consumer_leave().await,
        };
        self.consumer.close_fetch_sessions().await;
        left
    }

    /// Consumer protocol: heartbeats until the coordinator has taken this member in.
    async fn join_consumer_group(&mut self) -> ClientResult<()> {
        let deadline = Instant::now() + self.client.config().default_api_timeout;
        let mut attempt = 0;
        while !self.consumer_heartbeat().await? {
            if Instant::now() >= deadline {
                return Err(ClientError::Kafka {
                    error: kafka_protocol::error::ResponseError::CoordinatorNotAvailable,
                    context: format!(
                        "joining group {} with the consumer protocol",
                        self.membership.group_id
                    ),
                });
            }
            tokio::time::sleep(self.client.backoff(attempt)).await;
            attempt += 1;
        }
        Ok(())
    }

    /// Consumer protocol: one heartbeat, and the assignment it brings. Partitions the member
    /// lost are committed (with auto-commit) and dropped; gained ones start from their
    /// commits. Any change is acknowledged by the next heartbeat at once. Returns whether the
    /// coordinator answered.
    async fn consumer_heartbeat(&mut self) -> ClientResult<bool> {
        let owned = self.assignment();
        self.last_heartbeat = Instant::now();
        let beat = self
            .membership
            .consumer_heartbeat(&self.topics, &owned, &mut self.topic_ids)
            .await?;
        let (assigned, interval) = match beat {
            ConsumerBeat::Retry => {
                self.needs_rejoin = true;
                return Ok(false);
            }
            ConsumerBeat::Fenced => {
                // Fenced: what it owned is someone else's now; nothing to commit.
                self.consumer.assign(&[]).await?;
                self.needs_rejoin = true;
                return Ok(false);
            }
            ConsumerBeat::Assigned(assigned, interval) => (assigned, interval),
        };
        self.heartbeat_interval = interval;
        let owned_set: BTreeSet<TopicPartition> = owned.iter().cloned().collect();
        let assigned_set: BTreeSet<TopicPartition> = assigned.iter().cloned().collect();
        self.needs_rejoin = owned_set != assigned_set;
        if !self.needs_rejoin {
            return Ok(true);
        }
        let revoked: BTreeSet<TopicPartition> =
            owned_set.difference(&assigned_set).cloned().collect();
        if self.client.config().enable_auto_commit && !revoked.is_empty() {
            // A failed commit only means records may be read again by the next owner.
            let _ = self
                .membership
                .commit(&self.positions(Some(&revoked)))
                .await;
        }
        let start = self.start_offsets(&assigned).await?;
        self.consumer.assign(&start).await?;
        tracing::debug!(
            member = %self.membership.member_id(),
            epoch = self.membership.generation_id(),
            ?assigned,
            "assignment changed"
        );
        Ok(true)
    }

    fn positions(&self, only: Option<&BTreeSet<TopicPartition>>) -> BTreeMap<TopicPartition, i64> {
        self.consumer
            .partitions()
            .iter()
            .filter(|(tp, _)| only.is_none_or(|set| set.contains(*tp)))
            .map(|(tp, state)| (tp.clone(), state.position))
            .collect()
    }

    fn is_cooperative(&self) -> bool {
        self.strategies.iter().all(|s| s == "cooperative-sticky")
    }

    /// Joins and syncs, then moves the local assignment to the group's decision. Eager
    /// members give up everything before joining; cooperative members keep what they own
    /// and rejoin once more if they had to revoke something.
    async fn rebalance(&mut self) -> ClientResult<()> {
        let auto_commit = self.client.config().enable_auto_commit;
        let owned: Vec<TopicPartition> = self.assignment();
        let cooperative = self.is_cooperative();
        if !cooperative && !owned.is_empty() {
            if auto_commit {
                // A failed commit only means records may be read again after the rebalance.
                let _ = self.membership.commit(&self.positions(None)).await;
            }
            self.consumer.assign(&[]).await?;
        }
        let owned_now = if cooperative {
            owned.clone()
        } else {
            Vec::new()
        };
        let assigned = self
            .membership
            .join(&self.topics, &owned_now, &self.strategies)
            .await?;
        self.last_heartbeat = Instant::now();
        tracing::debug!(
            member = %self.membership.member_id(),
            generation = self.membership.generation_id(),
            ?assigned,
            "joined"
        );
        let assigned_set: BTreeSet<TopicPartition> = assigned.iter().cloned().collect();
        let revoked: BTreeSet<TopicPartition> = owned_now
            .iter()
            .filter(|tp| !assigned_set.contains(*tp))
            .cloned()
            .collect();
        if auto_commit && !revoked.is_empty() {
            let _ = self
                .membership
                .commit(&self.positions(Some(&revoked)))
                .await;
        }
        let start = self.start_offsets(&assigned).await?;
        self.consumer.assign(&start).await?;
        self.needs_rejoin = cooperative && !revoked.is_empty();
        Ok(())
    }

    /// Kept partitions continue where they were; new ones start at the committed offset,
    /// else where `auto.offset.reset` says.
    async fn start_offsets(
        &mut self,
        assigned: &[TopicPartition],
    ) -> ClientResult<Vec<(TopicPartition, StartOffset)>> {
        let current = self.positions(None);
        let new: Vec<TopicPartition> = assigned
            .iter()
            .filter(|tp| !current.contains_key(*tp))
            .cloned()
            .collect();
        let committed = if new.is_empty() {
            BTreeMap::new()
        } else {
            self.membership.committed(&new).await?
        };
        let reset = match self.client.config().auto_offset_reset {
            AutoOffsetReset::Earliest => Some(StartOffset::Beginning),
            AutoOffsetReset::Latest => Some(StartOffset::End),
            AutoOffsetReset::None => None,
        };
        assigned
            .iter()
            .map(|tp| {
                let start = match (current.get(tp), committed.get(tp)) {
                    (Some(position), _) | (None, Some(position)) => StartOffset::Offset(*position),
                    (None, None) => reset.ok_or_else(|| {
                        ClientError::InvalidArgument(format!(
                            "{tp} has no committed offset and auto.offset.reset is none"
                        ))
                    })?,
                };
                Ok((tp.clone(), start))
            })
            .collect()
    }
}
