//! One member's side of Kafka's classic group protocol: FindCoordinator, JoinGroup (the
//! leader runs the assignor), SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch.

use super::assignor::{self, Assignment, MemberSubscription};
use super::wire_format::{
    decode_assignment, decode_subscription, encode_assignment, encode_subscription,
};
use crate::client::connection::BrokerConnection;
use crate::client::error::{ClientError, ClientResult};
use crate::client::kafka_client::Client;
use crate::client::wire::{offset_commit_topics, str_bytes, topic_name, TopicPartition};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    ApiKey, FindCoordinatorRequest, GroupId, HeartbeatRequest, JoinGroupRequest, JoinGroupResponse,
    LeaveGroupRequest, OffsetCommitRequest, OffsetFetchRequest, SyncGroupRequest,
    SyncGroupResponse,
};
use kafka_protocol::protocol::Decodable;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const PROTOCOL_TYPE: &str = "consumer";

/// What a heartbeat said about the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatOutcome {
    Stable,
    /// A rebalance started, or this member fell out of the group: join again.
    Rejoin,
}

/// This member's identity in one group.
#[derive(Debug)]
pub struct GroupMembership {
    pub(super) client: Client,
    pub(super) group_id: String,
    pub(super) instance_id: Option<String>,
    pub(super) member_id: String,
    /// The generation (classic) or the member epoch (consumer protocol): what OffsetCommit
    /// carries either way.
    pub(super) generation_id: i32,
    protocol_name: Option<String>,
    coordinator: Option<Coordinator>,
}

/// The group's coordinator and this member's connection to it. The connection is the
/// member's own, not the client's shared one to that broker (Kafka's clients do the same): a
/// broker answers a connection's requests in order, and a Fetch it holds for
/// `fetch.max.wait.ms` there would hold every heartbeat, commit and leave behind it.
#[derive(Debug)]
struct Coordinator {
    node_id: i32,
    /// `None` until a connection to `node_id` is made (or after one could not be).
    connection: Option<Arc<BrokerConnection>>,
}

impl GroupMembership {
    /// A member of `group_id` that has not joined yet.
    pub fn new(client: Client, group_id: String) -> Self {
        let instance_id = client.config().group_instance_id.clone();
        GroupMembership {
            client,
            group_id,
            instance_id,
            member_id: String::new(),
            generation_id: -1,
            protocol_name: None,
            coordinator: None,
        }
    }

    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    pub fn generation_id(&self) -> i32 {
        self.generation_id
    }

    /// The assignor the group settled on in the last join.
    pub fn protocol_name(&self) -> Option<&str> {
        self.protocol_name.as_deref()
    }

    pub(super) async fn coordinator(&mut self) -> ClientResult<Arc<BrokerConnection>> {
        if let Some(known) = &self.coordinator {
            if let Some(connection) = known.connection.as_ref().filter(|c| !c.is_closed()) {
                return Ok(connection.clone());
            }
            let node_id = known.node_id;
            if let Ok(connection) = self.client.own_connection(node_id).await {
                return Ok(self.connected(node_id, connection));
            }
        }
        let request = FindCoordinatorRequest::default()
            .with_key(str_bytes(&self.group_id))
            .with_key_type(0);
        let group = self.group_id.clone();
        let node_id = self
            .client
            .retry(|| async {
                let response = self.client.any_broker().await?.send(&request).await?;
                ClientError::check(response.error_code, || format!("FindCoordinator {group}"))?;
                Ok(response.node_id.0)
            })
            .await?;
        // Known even if the connection below fails: the next call tries it before asking again.
        self.coordinator = Some(Coordinator {
            node_id,
            connection: None,
        });
        let connection = match self.client.own_connection(node_id).await {
            Ok(connection) => connection,
            // A broker this client has not heard of yet.
            Err(_) => {
                self.client.refresh_metadata(Some(&[])).await?;
                self.client.own_connection(node_id).await?
            }
        };
        Ok(self.connected(node_id, connection))
    }

    /// Keeps `connection` as this member's to coordinator `node_id`.
    fn connected(&mut self, node_id: i32, connection: BrokerConnection) -> Arc<BrokerConnection> {
        let connection = Arc::new(connection);
        self.coordinator = Some(Coordinator {
            node_id,
            connection: Some(connection.clone()),
        });
        connection
    }

    /// Whether `error` means the coordinator moved; forgets it if so.
    pub(super) fn coordinator_lost(&mut self, error: &ClientError) -> bool {
        let lost = matches!(
            error.kafka_error(),
            Some(
                ResponseError::NotCoordinator
                    | ResponseError::CoordinatorNotAvailable
                    | ResponseError::CoordinatorLoadInProgress
            )
        ) || error.is_retriable() && error.kafka_error().is_none();
        if lost {
            self.coordinator = None;
        }
        lost
    }

    /// Joins (or rejoins) and syncs; returns this member's new assignment.
    pub async fn join(
        &mut self,
        topics: &BTreeSet<String>,
        owned: &[TopicPartition],
        strategies: &[String],
    ) -> ClientResult<Vec<TopicPartition>> {
        let deadline = Instant::now() + self.client.config().default_api_timeout;
        let mut attempt = 0;
        loop {
            let error = match self.join_once(topics, owned, strategies).await {
                Ok(assignment) => return Ok(assignment),
                Err(error) => error,
            };
            let kafka = error.kafka_error();
            tracing::debug!(%error, group = %self.group_id, member = %self.member_id, "join failed");
            match kafka {
                Some(ResponseError::MemberIdRequired | ResponseError::RebalanceInProgress) => {}
                Some(ResponseError::UnknownMemberId) => self.member_id.clear(),
                Some(ResponseError::IllegalGeneration) => self.generation_id = -1,
                _ if self.coordinator_lost(&error) => {}
                _ => return Err(error),
            }
            if Instant::now() >= deadline {
                return Err(error);
            }
            if kafka != Some(ResponseError::MemberIdRequired) {
                tokio::time::sleep(self.client.backoff(attempt)).await;
                attempt += 1;
            }
        }
    }

    async fn join_once(
        &mut self,
        topics: &BTreeSet<String>,
        owned: &[TopicPartition],
        strategies: &[String],
    ) -> ClientResult<Vec<TopicPartition>> {
        let config = self.client.config().clone();
        let connection = self.coordinator().await?;
        let metadata = encode_subscription(topics, owned)?;
        let request = JoinGroupRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            .with_session_timeout_ms(millis(config.session_timeout))
            .with_rebalance_timeout_ms(millis(config.max_poll_interval))
            .with_member_id(str_bytes(&self.member_id))
            .with_group_instance_id(self.instance_id.as_deref().map(str_bytes))
            .with_protocol_type(str_bytes(PROTOCOL_TYPE))
            .with_protocols(
                strategies
                    .iter()
                    .map(|name| {
                        JoinGroupRequestProtocol::default()
                            .with_name(str_bytes(name))
                            .with_metadata(metadata.clone())
                    })
                    .collect(),
            );
        let version = connection.require_version(ApiKey::JoinGroup)?;
        // The coordinator holds JoinGroup until every member rejoined (up to the rebalance
        // timeout), so wait that long plus a margin, as the Java client does.
        let timeout = config.max_poll_interval + Duration::from_secs(5);
        let response = connection
            .send_version_with_timeout(&request, version, timeout)
            .await?;
        if response.error_code == ResponseError::MemberIdRequired.code() {
            self.member_id = response.member_id.to_string();
        }
        ClientError::check(response.error_code, || {
            format!("JoinGroup {}", self.group_id)
        })?;
        self.member_id = response.member_id.to_string();
        self.generation_id = response.generation_id;
        self.protocol_name = response.protocol_name.as_ref().map(ToString::to_string);
        let assignments = if response.leader == response.member_id {
            self.assign(&response).await?
        } else {
            Assignment::new()
        };
        self.sync(&connection, assignments).await
    }

    /// The leader's job: read every member's subscription and run the chosen assignor.
    async fn assign(&self, response: &JoinGroupResponse) -> ClientResult<Assignment> {
        let members = response
            .members
            .iter()
            .map(|m| decode_subscription(m.member_id.to_string(), m.metadata.clone()))
            .collect::<ClientResult<Vec<MemberSubscription>>>()?;
        let wanted: BTreeSet<&String> = members.iter().flat_map(|m| &m.topics).collect();
        let mut partition_counts = BTreeMap::new();
        for topic in wanted {
            // Topics that do not exist (yet) are left out, as the Java assignors do.
            if let Ok(metadata) = self.client.topic_metadata(topic).await {
                let count = i32::try_from(metadata.partitions.len()).unwrap_or(i32::MAX);
                partition_counts.insert(topic.clone(), count);
            }
        }
        match self.protocol_name.as_deref() {
            Some("range") => Ok(assignor::range(&members, &partition_counts)),
            Some("cooperative-sticky") => {
                Ok(assignor::cooperative_sticky(&members, &partition_counts))
            }
            other => Err(ClientError::InvalidArgument(format!(
                "group chose assignor {other:?}, which kf does not implement"
            ))),
        }
    }

    async fn sync(
        &mut self,
        connection: &BrokerConnection,
        assignments: Assignment,
    ) -> ClientResult<Vec<TopicPartition>> {
        let request = SyncGroupRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            .with_generation_id(self.generation_id)
            .with_member_id(str_bytes(&self.member_id))
            .with_group_instance_id(self.instance_id.as_deref().map(str_bytes))
            .with_assignments(
                assignments
                    .iter()
                    .map(|(member, partitions)| {
                        Ok(SyncGroupRequestAssignment::default()
                            .with_member_id(str_bytes(member))
                            .with_assignment(encode_assignment(partitions)?))
                    })
                    .collect::<ClientResult<_>>()?,
            );
        let version = connection.require_version(ApiKey::SyncGroup)?;
        // Protocol type and name joined SyncGroup in v5.
        let request = if version >= 5 {
            request
                .with_protocol_type(Some(str_bytes(PROTOCOL_TYPE)))
                .with_protocol_name(self.protocol_name.as_deref().map(str_bytes))
        } else {
            request
        };
        let timeout = self.client.config().request_timeout;
        let body = connection.send_raw(&request, version, timeout).await?;
        let context = || format!("SyncGroup {}", self.group_id);
        match SyncGroupResponse::decode(&mut body.clone(), version) {
            Ok(response) => {
                ClientError::check(response.error_code, context)?;
                decode_assignment(response.assignment)
            }
            Err(error) => {
                // Some brokers (librdkafka's mock) send a null assignment with an error code,
                // which the schema forbids; report the error code rather than the framing.
                let at = if version >= 1 { 4 } else { 0 };
                let code = body
                    .get(at..at + 2)
                    .map_or(0, |b| i16::from_be_bytes([b[0], b[1]]));
                ClientError::check(code, context)?;
                Err(ClientError::Protocol(format!(
                    "SyncGroup v{version} response: {error}"
                )))
            }
        }
    }

    /// One heartbeat; coordinator trouble is reported as `Rejoin` after forgetting it.
    pub async fn heartbeat(&mut self) -> ClientResult<HeartbeatOutcome> {
        let request = HeartbeatRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            .with_generation_id(self.generation_id)
            .with_member_id(str_bytes(&self.member_id))
            .with_group_instance_id(self.instance_id.as_deref().map(str_bytes));
        let result = match self.coordinator().await {
            Ok(connection) => connection.send(&request).await.and_then(|response| {
                ClientError::check(response.error_code, || {
                    format!("Heartbeat {}", self.group_id)
                })
            }),
            Err(error) => Err(error),
        };
        let Err(error) = result else {
            return Ok(HeartbeatOutcome::Stable);
        };
        match error.kafka_error() {
            Some(ResponseError::RebalanceInProgress) => Ok(HeartbeatOutcome::Rejoin),
            Some(ResponseError::UnknownMemberId | ResponseError::FencedInstanceId) => {
                self.member_id.clear();
                self.generation_id = -1;
                Ok(HeartbeatOutcome::Rejoin)
            }
            Some(ResponseError::IllegalGeneration) => {
                self.generation_id = -1;
                Ok(HeartbeatOutcome::Rejoin)
            }
            _ if self.coordinator_lost(&error) => Ok(HeartbeatOutcome::Rejoin),
            _ => Err(error),
        }
    }

    /// Commits `offsets` (the next offset to read, per partition) for this generation.
    pub async fn commit(&mut self, offsets: &BTreeMap<TopicPartition, i64>) -> ClientResult<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let request = OffsetCommitRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            .with_generation_id_or_member_epoch(self.generation_id)
            .with_member_id(str_bytes(&self.member_id))
            .with_group_instance_id(self.instance_id.as_deref().map(str_bytes))
            .with_retention_time_ms(-1)
            .with_topics(offset_commit_topics(offsets));
        let response = self.coordinator().await?.send(&request).await?;
        for topic in &response.topics {
            for p in &topic.partitions {
                let result = ClientError::check(p.error_code, || {
                    format!("OffsetCommit {}-{}", topic.name.0, p.partition_index)
                });
                if let Err(error) = result {
                    self.coordinator_lost(&error);
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// The committed offsets of `partitions`; partitions with none are absent.
    pub async fn committed(
        &mut self,
        partitions: &[TopicPartition],
    ) -> ClientResult<BTreeMap<TopicPartition, i64>> {
        let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for tp in partitions {
            topics
                .entry(tp.topic.as_str())
                .or_default()
                .push(tp.partition);
        }
        let connection = self.coordinator().await?;
        let version = connection.require_version(ApiKey::OffsetFetch)?;
        let request = OffsetFetchRequest::default()
            .with_group_id(GroupId(str_bytes(&self.group_id)))
            // Wait out pending transactional commits where the version can say so (v7+).
            .with_require_stable(version >= 7)
            .with_topics(Some(
                topics
                    .into_iter()
                    .map(|(topic, indexes)| {
                        OffsetFetchRequestTopic::default()
                            .with_name(topic_name(topic))
                            .with_partition_indexes(indexes)
                    })
                    .collect(),
            ));
        let response = connection.send_version(&request, version).await?;
        ClientError::check(response.error_code, || {
            format!("OffsetFetch {}", self.group_id)
        })?;
        let mut committed = BTreeMap::new();
        for topic in response.topics {
            for p in topic.partitions {
                let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                ClientError::check(p.error_code, || format!("OffsetFetch {tp}"))?;
                if p.committed_offset >= 0 {
                    committed.insert(tp, p.committed_offset);
                }
            }
        }
        Ok(committed)
    }

    /// Leaves the group so that its partitions move at once instead of after the session
    /// timeout. Static members (group.instance.id) stay, as in Kafka.
    pub async fn leave(&mut self) -> ClientResult<()> {
        if self.member_id.is_empty() || self.instance_id.is_some() {
            return Ok(());
        }
        let connection = self.coordinator().await?;
        let version = connection.require_version(ApiKey::LeaveGroup)?;
        let request =
            LeaveGroupRequest::default().with_group_id(GroupId(str_bytes(&self.group_id)));
        // v3 replaced the single member id with a list of members (batch leave).
        let request = if version >= 3 {
            request.with_members(vec![
                MemberIdentity::default().with_member_id(str_bytes(&self.member_id))
            ])
        } else {
            request.with_member_id(str_bytes(&self.member_id))
        };
        let response = connection.send_version(&request, version).await?;
        ClientError::check(response.error_code, || {
            format!("LeaveGroup {}", self.group_id)
        })?;
        self.member_id.clear();
        self.generation_id = -1;
        Ok(())
    }
}

pub(super) fn millis(duration: Duration) -> i32 {
    i32::try_from(duration.as_millis()).unwrap_or(i32::MAX)
}
