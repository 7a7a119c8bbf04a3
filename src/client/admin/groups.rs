//! Consumer groups: FindCoordinator, ListGroups, DescribeGroups and ConsumerGroupDescribe,
//! OffsetFetch, OffsetCommit, DeleteGroups and OffsetDelete, as Kafka's admin client uses them.
//! Group requests go to the group's coordinator; ListGroups goes to every broker.

use super::Admin;
use crate::client::connection::BrokerConnection;
use crate::client::consumer::group::wire_format::decode_assignment;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{offset_commit_topics, str_bytes, topic_name, TopicPartition};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{
    ApiKey, ConsumerGroupDescribeRequest, DeleteGroupsRequest, DescribeGroupsRequest,
    FindCoordinatorRequest, GroupId, ListGroupsRequest, OffsetCommitRequest, OffsetDeleteRequest,
    OffsetFetchRequest,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A group as ListGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedGroup {
    pub group_id: String,
    /// `consumer` for consumer groups of either protocol; empty for groups with no members yet.
    pub protocol_type: String,
    pub state: String,
    /// `classic` or `consumer` (ListGroups v5+); `classic` from older brokers.
    pub group_type: String,
}

/// The broker that coordinates a group or a transactional id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCoordinator {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
}

/// One member of a group and the partitions assigned to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub host: String,
    pub assignment: Vec<TopicPartition>,
}

/// A group as DescribeGroups (classic) or ConsumerGroupDescribe (KIP-848) reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupDescription {
    pub group_id: String,
    /// Kafka's state names: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead,
    /// Assigning, Reconciling.
    pub state: String,
    /// `classic` or `consumer`.
    pub group_type: String,
    /// `consumer` for consumer groups; other classic protocol types (connect, ...) as named.
    pub protocol_type: String,
    /// The assignor the group uses (classic: the protocol the members agreed on).
    pub assignor: String,
    pub coordinator: GroupCoordinator,
    pub members: Vec<GroupMember>,
}

impl GroupDescription {
    /// Whether any member is in the group: offsets of such a group must not be changed.
    pub fn is_active(&self) -> bool {
        !self.members.is_empty() || !matches!(self.state.as_str(), "Empty" | "Dead")
    }
}

/// A committed offset as OffsetFetch reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommittedOffset {
    pub offset: i64,
    /// -1 when the committer did not know it.
    pub leader_epoch: i32,
    pub metadata: Option<String>,
}

fn by_topic(partitions: &[TopicPartition]) -> BTreeMap<&str, Vec<i32>> {
    let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        topics
            .entry(tp.topic.as_str())
            .or_default()
            .push(tp.partition);
    }
    topics
}

impl Admin {
    /// The coordinator of `group` (FindCoordinator, key type 0).
    pub async fn find_group_coordinator(&self, group: &str) -> ClientResult<GroupCoordinator> {
        self.find_coordinator(group, 0).await
    }

    /// The coordinator of `key`: a group (key type 0) or a transactional id (key type 1).
    pub(crate) async fn find_coordinator(
        &self,
        key: &str,
        key_type: i8,
    ) -> ClientResult<GroupCoordinator> {
        let request = FindCoordinatorRequest::default()
            .with_key(str_bytes(key))
            .with_key_type(key_type);
        self.client
            .retry(|| async {
                let connection = self.client.any_broker().await?;
                let version = connection.require_version(ApiKey::FindCoordinator)?;
                if key_type != 0 && version == 0 {
                    return Err(ClientError::UnsupportedApi {
                        api: "FindCoordinator for transactional ids".to_string(),
                        addr: connection.addr().to_string(),
                    });
                }
                let response = connection.send_version(&request, version).await?;
                ClientError::check(response.error_code, || format!("FindCoordinator {key}"))?;
                Ok(GroupCoordinator {
                    node_id: response.node_id.0,
                    host: response.host.to_string(),
                    port: response.port,
                })
            })
            .await
    }

    pub(crate) async fn coordinator_connection(
        &self,
        coordinator: &GroupCoordinator,
    ) -> ClientResult<Arc<BrokerConnection>> {
        if let Ok(connection) = self.client.broker(coordinator.node_id).await {
            return Ok(connection);
        }
        self.client.refresh_metadata(Some(&[])).await?;
        self.client.broker(coordinator.node_id).await
    }

    /// Runs `operation` against the group's coordinator, looking it up again when it moved.
    async fn with_coordinator<T, F, Fut>(&self, group: &str, operation: F) -> ClientResult<T>
    where
        F: Fn(GroupCoordinator, Arc<BrokerConnection>) -> Fut,
        Fut: std::future::Future<Output = ClientResult<T>>,
    {
        self.client
            .retry(|| async {
                let coordinator = self.find_group_coordinator(group).await?;
                let connection = self.coordinator_connection(&coordinator).await?;
                operation(coordinator, connection).await
            })
            .await
    }

    /// Every group on every broker, filtered by state and type (case-insensitive; empty
    /// filters match all). Filters are sent where the broker's version takes them.
    pub async fn list_groups(
        &self,
        states: &[String],
        types: &[String],
    ) -> ClientResult<Vec<ListedGroup>> {
        self.client.refresh_metadata(Some(&[])).await?;
        let brokers: Vec<i32> = self.client.metadata().brokers.keys().copied().collect();
        let mut groups = BTreeMap::new();
        for node_id in brokers {
            let response = self
                .client
                .retry(|| async {
                    let connection = self.client.broker(node_id).await?;
                    let version = connection.require_version(ApiKey::ListGroups)?;
                    let request = ListGroupsRequest::default()
                        .with_states_filter(if version >= 4 {
                            states.iter().map(|s| str_bytes(s)).collect()
                        } else {
                            Vec::new()
                        })
                        .with_types_filter(if version >= 5 {
                            types.iter().map(|t| str_bytes(t)).collect()
                        } else {
                            Vec::new()
                        });
                    let response = connection.send_version(&request, version).await?;
                    ClientError::check(response.error_code, || {
                        format!("ListGroups on broker {node_id}")
                    })?;
                    Ok((response, version))
                })
                .await?;
            let (response, version) = response;
            for g in response.groups {
                let listed = ListedGroup {
                    group_id: g.group_id.0.to_string(),
                    protocol_type: g.protocol_type.to_string(),
                    state: g.group_state.to_string(),
                    group_type: if version >= 5 && !g.group_type.is_empty() {
                        g.group_type.to_lowercase()
                    } else {
                        "classic".to_string()
                    },
                };
                groups.insert(listed.group_id.clone(), listed);
            }
        }
        let matches = |filter: &[String], value: &str| {
            filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(value))
        };
        Ok(groups
            .into_values()
            .filter(|g| {
                // Brokers before ListGroups v4 report no state: keep their groups.
                (g.state.is_empty() || matches(states, &g.state)) && matches(types, &g.group_type)
            })
            .collect())
    }

    /// Describes one group. A group the coordinator does not know fails with
    /// GROUP_ID_NOT_FOUND (older brokers answer state Dead, which is mapped to it).
    pub async fn describe_group(&self, group: &str) -> ClientResult<GroupDescription> {
        self.with_coordinator(group, |coordinator, connection| async move {
            if connection.version(ApiKey::ConsumerGroupDescribe).is_some() {
                match consumer_group_describe(group, &coordinator, &connection).await {
                    // A classic group: Kafka's admin client falls back to DescribeGroups too.
                    Err(e) if e.kafka_error() == Some(ResponseError::GroupIdNotFound) => {}
                    other => return other,
                }
            }
            describe_classic(group, coordinator, &connection).await
        })
        .await
    }

    /// The group's committed offsets: of `partitions`, or of every partition it has one
    /// for when `None`. Partitions without a committed offset are absent.
    pub async fn list_group_offsets(
        &self,
        group: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> ClientResult<BTreeMap<TopicPartition, CommittedOffset>> {
        self.with_coordinator(group, |_, connection| async move {
            let version = connection.require_version(ApiKey::OffsetFetch)?;
            let topics = partitions.map(|partitions| {
                by_topic(partitions)
                    .into_iter()
                    .map(|(topic, indexes)| {
                        OffsetFetchRequestTopic::default()
                            .with_name(topic_name(topic))
                            .with_partition_indexes(indexes)
                    })
                    .collect()
            });
            let request = OffsetFetchRequest::default()
                .with_group_id(GroupId(str_bytes(group)))
                .with_require_stable(version >= 7)
                .with_topics(topics);
            let response = connection.send_version(&request, version).await?;
            ClientError::check(response.error_code, || format!("OffsetFetch {group}"))?;
            let mut committed = BTreeMap::new();
            for topic in response.topics {
                for p in topic.partitions {
                    let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                    ClientError::check(p.error_code, || format!("OffsetFetch {group} {tp}"))?;
                    if p.committed_offset >= 0 {
                        committed.insert(
                            tp,
                            CommittedOffset {
                                offset: p.committed_offset,
                                leader_epoch: p.committed_leader_epoch,
                                metadata: p.metadata.map(|m| m.to_string()),
                            },
                        );
                    }
                }
            }
            Ok(committed)
        })
        .await
    }

    /// Commits `offsets` for the group as an admin (no member, generation -1): the coordinator
    /// accepts this only while the group has no active members.
    pub async fn alter_group_offsets(
        &self,
        group: &str,
        offsets: &[(TopicPartition, i64)],
    ) -> ClientResult<()> {
        let request = OffsetCommitRequest::default()
            .with_group_id(GroupId(str_bytes(group)))
            .with_generation_id_or_member_epoch(-1)
            .with_member_id(str_bytes(""))
            .with_retention_time_ms(-1)
            .with_topics(offset_commit_topics(
                offsets.iter().map(|(tp, offset)| (tp, offset)),
            ));
        self.with_coordinator(group, |_, connection| {
            let request = &request;
            async move {
                let version = connection.require_version(ApiKey::OffsetCommit)?;
                let response = connection.send_version(request, version).await?;
                for topic in response.topics {
                    for p in topic.partitions {
                        ClientError::check(p.error_code, || {
                            format!(
                                "OffsetCommit {group} {}-{}",
                                topic.name.0, p.partition_index
                            )
                        })?;
                    }
                }
                Ok(())
            }
        })
        .await
    }

    /// Deletes empty groups and their offsets; one result per group (NON_EMPTY_GROUP,
    /// GROUP_ID_NOT_FOUND, ...).
    pub async fn delete_groups(&self, groups: &[String]) -> BTreeMap<String, ClientResult<()>> {
        let mut results = BTreeMap::new();
        for group in groups {
            let result = self
                .with_coordinator(group, |_, connection| async move {
                    let version = connection.require_version(ApiKey::DeleteGroups)?;
                    let request = DeleteGroupsRequest::default()
                        .with_groups_names(vec![GroupId(str_bytes(group))]);
                    let response = connection.send_version(&request, version).await?;
                    response
                        .results
                        .iter()
                        .filter(|r| r.group_id.0.as_str() == group.as_str())
                        .try_for_each(|r| {
                            ClientError::check(r.error_code, || format!("DeleteGroups {group}"))
                        })
                })
                .await;
            results.insert(group.clone(), result);
        }
        results
    }

    /// Deletes the group's committed offsets of `partitions` (OffsetDelete); the call fails
    /// as a whole on a group error, else one result per partition (GROUP_SUBSCRIBED_TO_TOPIC
    /// while members consume the topic).
    pub async fn delete_group_offsets(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> ClientResult<BTreeMap<TopicPartition, ClientResult<()>>> {
        let request = OffsetDeleteRequest::default()
            .with_group_id(GroupId(str_bytes(group)))
            .with_topics(
                by_topic(partitions)
                    .into_iter()
                    .map(|(topic, indexes)| {
                        OffsetDeleteRequestTopic::default()
                            .with_name(topic_name(topic))
                            .with_partitions(
                                indexes
                                    .into_iter()
                                    .map(|p| {
                                        OffsetDeleteRequestPartition::default()
                                            .with_partition_index(p)
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
        self.with_coordinator(group, |_, connection| {
            let request = &request;
            async move {
                let version = connection.require_version(ApiKey::OffsetDelete)?;
                let response = connection.send_version(request, version).await?;
                ClientError::check(response.error_code, || format!("OffsetDelete {group}"))?;
                let mut results = BTreeMap::new();
                for topic in response.topics {
                    for p in topic.partitions {
                        let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                        let result =
                            ClientError::check(p.error_code, || format!("OffsetDelete {tp}"));
                        results.insert(tp, result);
                    }
                }
                Ok(results)
            }
        })
        .await
    }
}

async fn describe_classic(
    group: &str,
    coordinator: GroupCoordinator,
    connection: &BrokerConnection,
) -> ClientResult<GroupDescription> {
    let version = connection.require_version(ApiKey::DescribeGroups)?;
    let request = DescribeGroupsRequest::default().with_groups(vec![GroupId(str_bytes(group))]);
    let response = connection.send_version(&request, version).await?;
    let described = response
        .groups
        .into_iter()
        .find(|g| g.group_id.0.as_str() == group)
        .ok_or_else(|| {
            ClientError::Protocol(format!("DescribeGroups did not answer for {group}"))
        })?;
    ClientError::check(described.error_code, || format!("DescribeGroups {group}"))?;
    if described.group_state.as_str() == "Dead" {
        return Err(not_found(group));
    }
    let protocol_type = described.protocol_type.to_string();
    let members = described
        .members
        .into_iter()
        .map(|m| GroupMember {
            // Only consumer groups carry the consumer protocol's assignment; an assignment
            // that does not decode is shown as none rather than failing the description.
            assignment: if protocol_type == "consumer" {
                decode_assignment(m.member_assignment).unwrap_or_default()
            } else {
                Vec::new()
            },
            member_id: m.member_id.to_string(),
            instance_id: m.group_instance_id.map(|i| i.to_string()),
            client_id: m.client_id.to_string(),
            host: m.client_host.to_string(),
        })
        .collect();
    Ok(GroupDescription {
        group_id: group.to_string(),
        state: described.group_state.to_string(),
        group_type: "classic".to_string(),
        protocol_type,
        assignor: described.protocol_data.to_string(),
        coordinator,
        members,
    })
}

async fn consumer_group_describe(
    group: &str,
    coordinator: &GroupCoordinator,
    connection: &BrokerConnection,
) -> ClientResult<GroupDescription> {
    let version = connection.require_version(ApiKey::ConsumerGroupDescribe)?;
    let request =
        ConsumerGroupDescribeRequest::default().with_group_ids(vec![GroupId(str_bytes(group))]);
    let response = connection.send_version(&request, version).await?;
    let described = response
        .groups
        .into_iter()
        .find(|g| g.group_id.0.as_str() == group)
        .ok_or_else(|| {
            ClientError::Protocol(format!("ConsumerGroupDescribe did not answer for {group}"))
        })?;
    ClientError::check(described.error_code, || {
        format!("ConsumerGroupDescribe {group}")
    })?;
    let members = described
        .members
        .into_iter()
        .map(|m| {
            let assignment: BTreeSet<TopicPartition> = m
                .assignment
                .topic_partitions
                .iter()
                .flat_map(|t| {
                    t.partitions
                        .iter()
                        .map(|p| TopicPartition::new(t.topic_name.0.to_string(), *p))
                })
                .collect();
            GroupMember {
                member_id: m.member_id.to_string(),
                instance_id: m.instance_id.map(|i| i.to_string()),
                client_id: m.client_id.to_string(),
                host: m.client_host.to_string(),
                assignment: assignment.into_iter().collect(),
            }
        })
        .collect();
    Ok(GroupDescription {
        group_id: group.to_string(),
        state: described.group_state.to_string(),
        group_type: "consumer".to_string(),
        protocol_type: "consumer".to_string(),
        assignor: described.assignor_name.to_string(),
        coordinator: coordinator.clone(),
        members,
    })
}

fn not_found(group: &str) -> ClientError {
    ClientError::Kafka {
        error: ResponseError::GroupIdNotFound,
        context: format!("group {group}"),
    }
}
