//! The controller: one task per quorum node that serves [`ControllerRequest`]s one at a time, and
//! only while its node is the Raft leader (the active controller), as KRaft's `QuorumController`.
//! Each request is decided against the leader's own image by a pure function (one file per
//! request kind) that yields the response and the records to write; the records of one request
//! are appended as a single Raft entry, so they apply atomically on every broker.

pub mod alter_configs;
pub mod brokers;
pub mod cluster_id;
pub mod create_partitions;
pub mod create_topics;
pub mod delete_topics;
pub mod manual_assignment;
pub mod placement;
pub mod request;
pub mod topic_name;

use std::sync::Arc;
use std::time::Duration;

use openraft::error::{CheckIsLeaderError, ClientWriteError, RaftError};
use openraft::EmptyNode;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use request::{
    AlterConfigOp, AlterConfigOpType, ApiError, ConfigValidator, ControllerRequest,
    ControllerResponse, ControllerSettings, CreateTopicResult, CreatedTopic, DeleteTopicResult,
    NewTopic, ProducerIdBlock, TopicRef,
};

use super::image::MetadataImage;
use super::raft::types::{broker_id, raft_node_id};
use super::raft::{MetadataBatch, MetadataRaft};
use super::records::MetadataRecord;

/// The largest replication factor kf accepts until partition replication arrives.
pub const MAX_SUPPORTED_REPLICATION_FACTOR: usize = 1;

/// How long the controller waits to confirm it still leads before serving a request; an
/// isolated leader cannot confirm and answers NotController.
const LEADERSHIP_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// How long one write may take to commit before the request is answered with an error.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

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
}

impl Controller {
    pub fn new(
        raft: MetadataRaft,
        image: watch::Receiver<Arc<MetadataImage>>,
        settings: ControllerSettings,
    ) -> Self {
        let seed: u64 = rand::random();
        tracing::debug!(seed, "controller placement seed");
        Self {
            raft,
            image,
            settings,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Serves the mailbox until every sender is gone or the task is aborted.
    pub fn spawn(mut self, mut mailbox: mpsc::Receiver<ControllerEnvelope>) -> JoinHandle<()> {
        tokio::spawn(async move {
            while let Some(envelope) = mailbox.recv().await {
                let reply = self.serve(envelope.request).await;
                // The caller may have given up waiting; nothing to do then.
                let _ = envelope.reply.send(reply);
            }
        })
    }

    async fn serve(&mut self, request: ControllerRequest) -> Result<Committed, ControllerError> {
        self.ensure_leader().await?;
        let image = self.image.borrow().clone();
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
                brokers::fence_broker(&image, broker_id)
            }
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
            ControllerRequest::AllocateProducerIds { broker_id } => {
                brokers::allocate_producer_ids(&image, broker_id)
            }
        };
        let log_index = match decision.records.is_empty() {
            true => None,
            false => Some(self.write(&image, decision.records).await?),
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
        let records = match brokers::register_broker(image, broker, registration) {
            Ok(records) => records,
            Err(error) => {
                return Ok(Committed {
                    response: ControllerResponse::RegisterBroker(Err(error)),
                    log_index: None,
                })
            }
        };
        self.add_learner_if_new(raft_node_id(broker)).await?;
        let log_index = self.write(image, records).await?;
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

    /// Appends `records` as one entry (after a ClusterId record if the cluster has none yet) and
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
        }
        let written = tokio::time::timeout(
            WRITE_TIMEOUT,
            self.raft.client_write(MetadataBatch { records }),
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
