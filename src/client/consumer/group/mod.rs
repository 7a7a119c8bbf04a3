//! The consumer in group mode (classic protocol): the group decides the assignment, positions
//! start from committed offsets (else `auto.offset.reset`), heartbeats and auto-commits ride
//! on `poll`, and rebalances are eager for `range` and incremental for `cooperative-sticky`.

pub mod assignor;
mod membership;
pub(crate) mod wire_format;

pub use membership::HeartbeatOutcome;

use self::membership::GroupMembership;
use super::{Consumer, ConsumerRecord, StartOffset};
use crate::client::config::AutoOffsetReset;
use crate::client::error::{ClientError, ClientResult};
use crate::client::kafka_client::Client;
use crate::client::wire::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};
use tokio::time::Instant;

/// A consumer whose partitions are assigned by its group.
#[derive(Debug)]
pub struct GroupConsumer {
    client: Client,
    consumer: Consumer,
    membership: GroupMembership,
    topics: BTreeSet<String>,
    strategies: Vec<String>,
    needs_rejoin: bool,
    last_heartbeat: Instant,
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
            needs_rejoin: true,
            last_heartbeat: Instant::now(),
            last_commit: Instant::now(),
            client,
        };
        consumer.rebalance().await?;
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
        if self.last_heartbeat.elapsed() >= config.heartbeat_interval {
            self.last_heartbeat = Instant::now();
            if self.membership.heartbeat().await? == HeartbeatOutcome::Rejoin {
                self.needs_rejoin = true;
            }
        }
        if self.needs_rejoin {
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
        self.membership.leave().await
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
