//! The controller: one task per quorum node that serves [`ControllerRequest`]s one at a time, and
//! only while its node is the Raft leader (the active controller), as KRaft's `QuorumController`.
//! Each request is decided against the leader's own image by a pure function (one file per
//! request kind) that yields the response and the records to write; the records of one request
//! are appended as a single Raft entry, so they apply atomically on every broker.
//!
//! The active controller also keeps each broker's session (Kafka's `BrokerHeartbeatManager`, in
//! memory only): a broker whose heartbeats stop for `broker.session.timeout.ms` is fenced, and a
//! controller that becomes active starts every unfenced broker's session afresh. Differs from
//! Kafka: time the controller itself did not run (its process stalled: every broker of a
//! `kf cluster up` shares it) is credited to every session, so a stall does not fence them all
//! (`brokers::credit_controller_stall`). With
//! `auto.leader.rebalance.enable` it moves leadership back to preferred replicas every
//! `leader.imbalance.check.interval.seconds`, and elects leaders for leaderless partitions that
//! became electable (a topic whose `unclean.leader.election.enable` was turned on).

pub mod alter_configs;
pub mod alter_partition;
pub mod brokers;
pub mod cluster_id;
pub mod create_partitions;
pub mod create_topics;
pub mod delete_topics;
pub mod manual_assignment;
pub mod partition_change;
pub mod placement;
pub mod reassignment;
pub mod request;
pub mod topic_name;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::error::{CheckIsLeaderError, ClientWriteError, RaftError};
use openraft::{EmptyNode, ServerState};
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use alter_partition::AlterPartitionRequest;
pub use partition_change::Election;
pub use request::{
    AlterConfigOp, AlterConfigOpType, AlteredPartition, ApiError, ConfigValidator,
    ControllerRequest, ControllerResponse, ControllerSettings, CreateTopicResult, CreatedTopic,
    DeleteTopicResult, ElectionResults, NewTopic, OngoingReassignment, ProducerIdBlock,
    ReassignmentResults, TopicRef,
};

use super::image::MetadataImage;
use super::raft::types::{broker_id, raft_node_id};
use super::raft::{MetadataBatch, MetadataRaft};
use super::records::MetadataRecord;

/// How long the controller waits to confirm it still leads before serving a request; an
/// isolated leader cannot confirm and answers NotController.
const LEADERSHIP_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The most records a non-atomic write puts in one Raft entry (Kafka's `MAX_RECORDS_PER_BATCH`
/// is 10,000; kf's entries are JSON, larger): with `max_payload_entries`, this bounds what one
/// AppendEntries carries (about 1 MB), which a follower must persist within Raft's heartbeat
/// interval.
pub const MAX_RECORDS_PER_ENTRY: usize = 2000;

/// How long one write may take to commit before the request is answered with an error.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the active controller looks for expired sessions and due leader rebalances, at
/// most; a short session timeout is checked more often.
const MAX_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// What a request decides: the response and the records that make it true.
#[derive(Debug)]
pub struct Decision {
    pub response: ControllerResponse,
    pub records: Vec<MetadataRecord>,
}

/// A served request: the response and the log index of its records (`None` if none were written).
#[derive(Debug)]
pub struct Committed {
    pub response: ControllerResponse,
    pub log_index: Option<u64>,
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ControllerError {
    #[error("not the active controller (leader: {leader:?})")]
    NotController { leader: Option<i32> },
    #[error("metadata write failed: {0}")]
    WriteFailed(String),
}

/// A request in a controller's mailbox, with where to send the answer.
pub struct ControllerEnvelope {
    pub request: ControllerRequest,
    pub reply: oneshot::Sender<Result<Committed, ControllerError>>,
}

/// One node's controller.
pub struct Controller {
    raft: MetadataRaft,
    image: watch::Receiver<Arc<MetadataImage>>,
    settings: ControllerSettings,
    rng: StdRng,
    /// Broker id -> when its last heartbeat arrived, in milliseconds since `started`; kept only
    /// while this node is the active controller.
    sessions: BTreeMap<i32, u64>,
    started: Instant,
    /// When leaders were last balanced (ms since `started`).
    last_balance_ms: u64,
    /// When the active controller last checked sessions (ms since `started`); `None` while it
    /// is not active.
    last_session_check_ms: Option<u64>,
    /// How often sessions are checked.
    check_period: Duration,
    /// The last image the periodic check found no leaderless partition to elect in.
    settled_image: Option<Arc<MetadataImage>>,
}

impl Controller {
    pub fn new(
        raft: MetadataRaft,
        image: watch::Receiver<Arc<MetadataImage>>,
        settings: ControllerSettings,
    ) -> Self {
        let check_period = Duration::from_millis(settings.broker_session_timeout_ms / 4)
            .clamp(Duration::from_millis(10), MAX_CHECK_INTERVAL);
        let seed: u64 = rand::random();
        tracing::debug!(seed, "controller placement seed");
        Self {
            raft,
            image,
            settings,
            rng: StdRng::seed_from_u64(seed),
            sessions: BTreeMap::new(),
            started: Instant::now(),
            last_balance_ms: 0,
            last_session_check_ms: None,
            check_period,
            settled_image: None,
        }
    }

    /// Serves the mailbox until every sender is gone or the task is aborted, and checks sessions
    /// and leader balance between requests.
    pub fn spawn(mut self, mut mailbox: mpsc::Receiver<ControllerEnvelope>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut checks = tokio::time::interval(self.check_period);
            checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    envelope = mailbox.recv() => {
                        let Some(envelope) = envelope else { return };
                        let reply = self.serve(envelope.request).await;
                        // The caller may have given up waiting; nothing to do then.
                        let _ = envelope.reply.send(reply);
                    }
                    _ = checks.tick() => {
                        // Requests that arrived before the check are served first: a heartbeat
                        // queued behind a long write (a restart's fencing of 100,000 partitions)
                        // reached the controller, and its broker must not be fenced for the wait.
                        for _ in 0..mailbox.len() {
                            let Ok(envelope) = mailbox.try_recv() else { break };
                            let reply = self.serve(envelope.request).await;
                            let _ = envelope.reply.send(reply);
                        }
                        self.periodic_checks().await
                    }
                }
            }
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Fences the brokers whose sessions expired and, when due, balances leaders. Only the
    /// active controller acts; another node forgets the sessions it kept.
    async fn periodic_checks(&mut self) {
        if self.raft.metrics().borrow().state != ServerState::Leader {
            self.sessions.clear();
            self.last_session_check_ms = None;
            self.settled_image = None;
            return;
        }
        let now = self.now_ms();
        if let Some(last_check) = self.last_session_check_ms {
            let period = u64::try_from(self.check_period.as_millis()).unwrap_or(u64::MAX);
            brokers::credit_controller_stall(&mut self.sessions, last_check, now, period);
        }
        self.last_session_check_ms = Some(now);
        let image = self.image.borrow().clone();
        for broker in image.alive_brokers() {
            self.sessions.entry(broker.broker_id).or_insert(now);
        }
        let expired = brokers::expired_sessions(
            &image,
            &self.sessions,
            now,
            self.settings.broker_session_timeout_ms,
        );
        for broker_id in expired {
            tracing::info!(broker = broker_id, "broker session expired: fencing it");
            self.sessions.remove(&broker_id);
            let request = ControllerRequest::FenceBroker { broker_id };
            if let Err(error) = self.serve(request).await {
                tracing::debug!(broker = broker_id, %error, "could not fence");
            }
        }
        // A partition left without a leader may have become electable without a broker event:
        // its topic now allows unclean elections (Kafka elects when that config changes).
        let image = self.image.borrow().clone();
        // An image that had no electable partition still has none: the walk of every
        // partition is skipped until the image changes.
        let settled = self
            .settled_image
            .as_ref()
            .is_some_and(|settled| Arc::ptr_eq(settled, &image));
        if !settled {
            let elected =
                brokers::elect_leaderless(&image, self.settings.unclean_leader_election_enable);
            if elected.is_empty() {
                self.settled_image = Some(image);
            } else if let Err(error) = self.write_in_batches(&image, elected).await {
                tracing::debug!(%error, "could not elect leaders");
            }
        }
        let interval = self.settings.leader_imbalance_check_interval_ms;
        if self.settings.auto_leader_rebalance_enable
            && now.saturating_sub(self.last_balance_ms) >= interval
        {
            self.last_balance_ms = now;
            let image = self.image.borrow().clone();
            let records = brokers::balance_leaders(&image);
            if !records.is_empty() {
                tracing::info!(
                    partitions = records.len(),
                    "moving leaders back to preferred replicas"
                );
                if let Err(error) = self.write_in_batches(&image, records).await {
                    tracing::debug!(%error, "could not balance leaders");
                }
            }
        }
    }

    async fn serve(&mut self, request: ControllerRequest) -> Result<Committed, ControllerError> {
        self.ensure_leader().await?;
        let image = self.image.borrow().clone();
        let unclean = self.settings.unclean_leader_election_enable;
        // Broker lifecycle and elections may touch every partition; Kafka writes their results
        // non-atomically, in batches (`ControllerResult.of`), and so does kf.
        let atomic = !matches!(
            request,
            ControllerRequest::FenceBroker { .. }
                | ControllerRequest::BrokerHeartbeat { .. }
                | ControllerRequest::ElectLeaders { .. }
        );
        let decision = match request {
            ControllerRequest::RegisterBroker {
                broker_id,
                host,
                port,
                rack,
                listeners,
            } => {
                let record = MetadataRecord::RegisterBroker {
                    broker_id,
                    host,
                    port,
                    rack,
                    listeners,
                };
                return self.register(&image, broker_id, record).await;
            }
            ControllerRequest::FenceBroker { broker_id } => {
                self.sessions.remove(&broker_id);
                brokers::fence_broker(&image, broker_id, unclean)
            }
            ControllerRequest::BrokerHeartbeat {
                broker_id,
                offline_replicas,
            } => {
                let now = self.now_ms();
                self.sessions.insert(broker_id, now);
                brokers::heartbeat(&image, broker_id, &offline_replicas, unclean)
            }
            ControllerRequest::AlterPartition(request) => {
                alter_partition::alter_partition(&image, &request)
            }
            ControllerRequest::ElectLeaders {
                election,
                partitions,
            } => brokers::elect_leaders(&image, election, partitions.as_deref()),
            ControllerRequest::CreateTopics {
                topics,
                validate_only,
            } => create_topics::create_topics(
                &image,
                &self.settings,
                &topics,
                validate_only,
                &mut self.rng,
            ),
            ControllerRequest::DeleteTopics { topics } => {
                delete_topics::delete_topics(&image, &topics)
            }
            ControllerRequest::CreatePartitions {
                topic,
                count,
                assignments,
                validate_only,
            } => create_partitions::create_partitions(
                &image,
                &topic,
                count,
                assignments.as_deref(),
                validate_only,
                &mut self.rng,
            ),
            ControllerRequest::AlterConfigs {
                resource,
                ops,
                validate_only,
            } => {
                alter_configs::alter_configs(&image, &self.settings, &resource, &ops, validate_only)
            }
            ControllerRequest::ReplaceConfigs {
                resource,
                configs,
                validate_only,
            } => alter_configs::replace_configs(
                &image,
                &self.settings,
                &resource,
                &configs,
                validate_only,
            ),
            ControllerRequest::AllocateProducerIds { broker_id } => {
                brokers::allocate_producer_ids(&image, broker_id)
            }
            ControllerRequest::AlterPartitionReassignments { topics } => {
                reassignment::alter_partition_reassignments(&image, unclean, &topics)
            }
            ControllerRequest::ListPartitionReassignments { topics } => {
                reassignment::list_partition_reassignments(&image, topics.as_deref())
            }
        };
        let log_index = match decision.records.is_empty() {
            true => None,
            false if atomic => Some(self.write(&image, decision.records).await?),
            false => Some(self.write_in_batches(&image, decision.records).await?),
        };
        Ok(Committed {
            response: decision.response,
            log_index,
        })
    }

    /// Registers a broker; a broker that is not a voter first joins the quorum as a learner, so
    /// that it replicates the metadata log and builds its own image.
    async fn register(
        &mut self,
        image: &MetadataImage,
        broker: i32,
        registration: MetadataRecord,
    ) -> Result<Committed, ControllerError> {
        let unclean = self.settings.unclean_leader_election_enable;
        let records = match brokers::register_broker(image, broker, registration, unclean) {
            Ok(records) => records,
            Err(error) => {
                return Ok(Committed {
                    response: ControllerResponse::RegisterBroker(Err(error)),
                    log_index: None,
                })
            }
        };
        self.add_learner_if_new(raft_node_id(broker)).await?;
        let log_index = self.write_in_batches(image, records).await?;
        let now = self.now_ms();
        self.sessions.insert(broker, now);
        Ok(Committed {
            response: ControllerResponse::RegisterBroker(Ok(
                i64::try_from(log_index).unwrap_or(i64::MAX)
            )),
            log_index: Some(log_index),
        })
    }

    async fn add_learner_if_new(&self, node_id: u64) -> Result<(), ControllerError> {
        let known = self
            .raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .get_node(&node_id)
            .is_some();
        if known {
            return Ok(());
        }
        let added = tokio::time::timeout(
            WRITE_TIMEOUT,
            self.raft.add_learner(node_id, EmptyNode {}, false),
        )
        .await
        .map_err(|_| ControllerError::WriteFailed("adding a learner timed out".into()))?;
        added.map(|_| ()).map_err(client_write_error)
    }

    async fn ensure_leader(&self) -> Result<(), ControllerError> {
        let checked =
            tokio::time::timeout(LEADERSHIP_CHECK_TIMEOUT, self.raft.ensure_linearizable()).await;
        match checked {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(RaftError::APIError(CheckIsLeaderError::ForwardToLeader(forward)))) => {
                Err(ControllerError::NotController {
                    leader: forward.leader_id.map(broker_id),
                })
            }
            _ => Err(ControllerError::NotController { leader: None }),
        }
    }

    /// Appends `records` as entries of at most [`MAX_RECORDS_PER_ENTRY`] records, in order, and
    /// returns the log index of the last once every one is committed and applied here. Not
    /// atomic: a reader may see the first entries applied before the last (as Kafka's
    /// non-atomic controller results, split at `MAX_RECORDS_PER_BATCH`).
    async fn write_in_batches(
        &self,
        image: &MetadataImage,
        mut records: Vec<MetadataRecord>,
    ) -> Result<u64, ControllerError> {
        if records.len() <= MAX_RECORDS_PER_ENTRY || image.cluster_id.is_none() {
            return self.write(image, records).await;
        }
        let mut entries = Vec::with_capacity(records.len() / MAX_RECORDS_PER_ENTRY + 1);
        while !records.is_empty() {
            let rest = records.split_off(records.len().min(MAX_RECORDS_PER_ENTRY));
            entries.push(std::mem::replace(&mut records, rest));
        }
        // Submitted together, so that the leader appends and replicates them without waiting
        // for each one's commit; each answer comes once its entry is applied here.
        let mut pending = Vec::with_capacity(entries.len());
        for records in entries {
            let batch = MetadataBatch {
                records: Arc::new(records),
            };
            let submitted = self.raft.client_write_ff(batch).await.map_err(|fatal| {
                ControllerError::WriteFailed(format!("the metadata quorum stopped: {fatal}"))
            })?;
            pending.push(submitted);
        }
        // Each entry has its own bound, counted from the previous one's commit.
        let mut last = 0;
        for answer in pending {
            let written = tokio::time::timeout(WRITE_TIMEOUT, answer)
                .await
                .map_err(|_| {
                    ControllerError::WriteFailed("the write did not commit in time".into())
                })?
                .map_err(|_| ControllerError::WriteFailed("the metadata quorum stopped".into()))?;
            last = written
                .map(|response| response.log_id.index)
                .map_err(|error| client_write_error(RaftError::APIError(error)))?;
        }
        Ok(last)
    }

    /// Appends `records` as one entry (after a ClusterId record and the finalized features if
    /// the cluster has none yet) and
    /// returns its log index once committed and applied here.
    async fn write(
        &self,
        image: &MetadataImage,
        mut records: Vec<MetadataRecord>,
    ) -> Result<u64, ControllerError> {
        if image.cluster_id.is_none() {
            records.insert(
                0,
                MetadataRecord::ClusterId {
                    cluster_id: cluster_id::random_cluster_id(),
                },
            );
            records.insert(
                1,
                MetadataRecord::FeatureLevel {
                    name: crate::metadata::TRANSACTION_VERSION_FEATURE.to_string(),
                    level: self.settings.transaction_version,
                },
            );
        }
        let written = tokio::time::timeout(
            WRITE_TIMEOUT,
            self.raft.client_write(MetadataBatch {
                records: Arc::new(records),
            }),
        )
        .await
        .map_err(|_| ControllerError::WriteFailed("the write did not commit in time".into()))?;
        written
            .map(|response| response.log_id.index)
            .map_err(client_write_error)
    }
}

fn client_write_error(error: RaftError<u64, ClientWriteError<u64, EmptyNode>>) -> ControllerError {
    match error {
        RaftError::APIError(ClientWriteError::ForwardToLeader(forward)) => {
            ControllerError::NotController {
                leader: forward.leader_id.map(broker_id),
            }
        }
        other => ControllerError::WriteFailed(other.to_string()),
    }
}
