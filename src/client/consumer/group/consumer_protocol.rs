//! One member's side of KIP-848's consumer protocol (`group.protocol=consumer`): the
//! coordinator assigns, and the member only heartbeats (ConsumerGroupHeartbeat v1, its member
//! id chosen here as KIP-1082 asks) with what it owns, giving up what the answer no longer
//! lists before it is given anything new. Every heartbeat is a full one (subscription,
//! rebalance timeout, owned partitions), so every answer carries the assignment.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::consumer_group_heartbeat_request::TopicPartitions;
use kafka_protocol::messages::{ApiKey, ConsumerGroupHeartbeatRequest, GroupId};
use uuid::Uuid;

use super::membership::{millis, GroupMembership};
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{str_bytes, topic_name, TopicPartition};

/// Kafka's epochs for leaving: for good, or (a static member) for a restart.
const LEAVE_EPOCH: i32 = -1;
const LEAVE_STATIC_EPOCH: i32 = -2;

/// What one consumer-protocol heartbeat said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumerBeat {
    /// The partitions this member may own now, and when to heartbeat next.
    Assigned(Vec<TopicPartition>, Duration),
    /// The coordinator fenced this member: it owns nothing and joins again.
    Fenced,
    /// The coordinator could not be reached or moved: try again soon.
    Retry,
}

impl GroupMembership {
    /// One ConsumerGroupHeartbeat for `topics`, reporting `owned`; joins first when needed.
    pub async fn consumer_heartbeat(
        &mut self,
        topics: &BTreeSet<String>,
        owned: &[TopicPartition],
        topic_ids: &mut BTreeMap<String, Uuid>,
    ) -> ClientResult<ConsumerBeat> {
        if self.member_id.is_empty() {
            self.member_id = Uuid::new_v4().to_string();
            self.generation_id = 0;
        }
        for topic in topics.iter().chain(owned.iter().map(|tp| &tp.topic)) {
            if !topic_ids.contains_key(topic) {
                // A topic that does not exist yet is subscribed to all the same.
                if let Ok(metadata) = self.client.topic_metadata(topic).await {
                    topic_ids.insert(topic.clone(), metadata.topic_id);
                }
            }
        }
        let mut by_topic: BTreeMap<Uuid, Vec<i32>> = BTreeMap::new();
        for tp in owned {
            if let Some(id) = topic_ids.get(&tp.topic) {
                by_topic.entry(*id).or_default().push(tp.partition);
            }
        }
        let config = self.client.config().clone();
        let request = ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            .with_member_id(str_bytes(&self.member_id))
            .with_member_epoch(self.generation_id)
            .with_instance_id(self.instance_id.as_deref().map(str_bytes))
            .with_rebalance_timeout_ms(millis(config.max_poll_interval))
            .with_subscribed_topic_names(Some(topics.iter().map(|t| topic_name(t)).collect()))
            .with_server_assignor(config.group_remote_assignor.as_deref().map(str_bytes))
            .with_topic_partitions(Some(
                by_topic
                    .into_iter()
                    .map(|(id, partitions)| {
                        TopicPartitions::default()
                            .with_topic_id(id)
                            .with_partitions(partitions)
                    })
                    .collect(),
            ));
        let result = match self.coordinator().await {
            Ok(connection) => {
                let version = connection
                    .require_version(ApiKey::ConsumerGroupHeartbeat)
                    .map_err(|_| {
                        ClientError::InvalidArgument(format!(
                            "{} does not speak the consumer group protocol (KIP-848, Kafka 4.0+): use --group-protocol classic",
                            connection.addr()
                        ))
                    })?;
                connection.send_version(&request, version).await
            }
            Err(error) => Err(error),
        };
        let response = match result.and_then(|r| {
            ClientError::check(r.error_code, || {
                let message = r.error_message.as_deref().unwrap_or_default();
                format!("ConsumerGroupHeartbeat {} {message}", self.group_id)
            })
            .map(|()| r)
        }) {
            Ok(response) => response,
            Err(error) => {
                return match error.kafka_error() {
                    Some(ResponseError::UnknownMemberId | ResponseError::FencedMemberEpoch) => {
                        self.generation_id = 0;
                        Ok(ConsumerBeat::Fenced)
                    }
                    _ if self.coordinator_lost(&error) => Ok(ConsumerBeat::Retry),
                    _ => Err(error),
                };
            }
        };
        self.generation_id = response.member_epoch;
        let interval =
            Duration::from_millis(u64::try_from(response.heartbeat_interval_ms).unwrap_or(0));
        let Some(assignment) = response.assignment else {
            return Ok(ConsumerBeat::Assigned(owned.to_vec(), interval));
        };
        let mut assigned = Vec::new();
        for t in assignment.topic_partitions {
            let name = match topic_ids.iter().find(|(_, id)| **id == t.topic_id) {
                Some((name, _)) => name.clone(),
                None => {
                    // Assigned a topic it never looked up: learn its name from the metadata.
                    self.client.refresh_metadata(None).await?;
                    let metadata = self.client.metadata();
                    let Some(topic) = metadata.topics.values().find(|m| m.topic_id == t.topic_id)
                    else {
                        continue;
                    };
                    topic_ids.insert(topic.name.clone(), topic.topic_id);
                    topic.name.clone()
                }
            };
            assigned.extend(
                t.partitions
                    .iter()
                    .map(|p| TopicPartition::new(name.clone(), *p)),
            );
        }
        assigned.sort();
        Ok(ConsumerBeat::Assigned(assigned, interval))
    }

    /// Leaves with epoch -1 (a static member with -2, keeping its partitions for a restart
    /// within the session timeout).
    pub async fn consumer_leave(&mut self) -> ClientResult<()> {
        if self.member_id.is_empty() {
            return Ok(());
        }
        let epoch = if self.instance_id.is_some() {
            LEAVE_STATIC_EPOCH
        } else {
            LEAVE_EPOCH
        };
        let request = ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            .with_member_id(str_bytes(&self.member_id))
            .with_member_epoch(epoch)
            .with_instance_id(self.instance_id.as_deref().map(str_bytes));
        let connection = self.coordinator().await?;
        let response = connection.send(&request).await?;
        ClientError::check(response.error_code, || {
            format!("ConsumerGroupHeartbeat {} (leave)", self.group_id)
        })?;
        self.generation_id = -1;
        Ok(())
    }
}
