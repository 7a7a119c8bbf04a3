//! The transaction coordinator (KIP-98), Kafka's: the coordinator of transactional id T is the
//! leader of the `__transaction_state` partition T hashes to. One task owns each transactional
//! id ([`task`]); the handlers in `broker/handlers/` find it here and send it commands. Reads
//! (DescribeTransactions, ListTransactions, the verify-only AddPartitionsToTxn of KIP-890) look
//! at what each task last published.
//!
//! - [`state`]: the states and Kafka's transitions between them.
//! - [`log_record`]: `__transaction_state`'s key and value schemas.
//! - [`store`]: appending a transition to `__transaction_state`, replaying a partition.
//! - [`task`]: the owner task of one transactional id.
//! - [`markers`]: writing the commit/abort markers to the partition leaders.
//! - [`sync`]: loading the partitions this broker comes to lead, timing transactions out,
//!   expiring idle ids.

pub mod log_record;
mod markers;
pub mod state;
pub mod store;
pub mod sync;
mod task;

use std::collections::HashMap;
use std::sync::{Mutex, Weak};

use kafka_protocol::error::ResponseError;
use tokio::sync::{mpsc, oneshot, watch};

use self::state::{TopicPartition, TxnMetadata, TxnState};
use self::store::TRANSACTION_STATE_TOPIC;
use self::task::{Command, TxnTask};
use crate::broker::Broker;
use crate::coord::internal_topic::partition_for;
use crate::coord::partition_loader::wait_out_load;

/// The handle of one transactional id's task.
#[derive(Clone)]
struct TxnHandle {
    commands: mpsc::UnboundedSender<Command>,
    view: watch::Receiver<Option<TxnMetadata>>,
}

/// A partition of `__transaction_state` this broker coordinates.
struct LoadedPartition {
    coordinator_epoch: i32,
    txns: HashMap<String, TxnHandle>,
}

enum PartitionState {
    Loading,
    Loaded(LoadedPartition),
}

/// The transaction coordinator of one broker.
#[derive(Default)]
pub struct TxnCoordinator {
    partitions: Mutex<HashMap<i32, PartitionState>>,
    /// Bumped whenever a partition starts or ends loading, for requests waiting out a load.
    load_changes: watch::Sender<u64>,
}

/// What DescribeTransactions and ListTransactions show of one id.
pub type TxnView = TxnMetadata;

impl TxnCoordinator {
    fn partitions(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<i32, PartitionState>>, ResponseError> {
        self.partitions
            .lock()
            .map_err(|_| ResponseError::CoordinatorNotAvailable)
    }

    /// The partition of `__transaction_state` that `transactional_id` lives in.
    pub fn partition_for(broker: &Broker, transactional_id: &str) -> i32 {
        let count = broker
            .image()
            .topic(TRANSACTION_STATE_TOPIC)
            .map(|t| t.partitions.len() as i32)
            .filter(|n| *n > 0)
            .unwrap_or(broker.config.transaction_state_log_num_partitions);
        partition_for(transactional_id, count)
    }

    /// The id's task, spawning one when `create` (InitProducerId) and the id is unknown.
    /// NOT_COORDINATOR when this broker does not coordinate it, COORDINATOR_LOAD_IN_PROGRESS
    /// while its partition is being loaded (or is led but not taken up yet).
    fn handle(
        &self,
        broker: &Broker,
        transactional_id: &str,
        create: bool,
    ) -> Result<Option<TxnHandle>, ResponseError> {
        let partition = Self::partition_for(broker, transactional_id);
        let mut partitions = self.partitions()?;
        let loaded = match partitions.get_mut(&partition) {
            Some(PartitionState::Loaded(loaded)) => loaded,
            Some(PartitionState::Loading) => return Err(ResponseError::CoordinatorLoadInProgress),
            // Led in the image this broker applied, but not taken up yet: about to load.
            None if broker
                .image()
                .partition(TRANSACTION_STATE_TOPIC, partition)
                .is_some_and(|p| p.leader == broker.broker_id) =>
            {
                return Err(ResponseError::CoordinatorLoadInProgress)
            }
            None => return Err(ResponseError::NotCoordinator),
        };
        if let Some(handle) = loaded.txns.get(transactional_id) {
            return Ok(Some(handle.clone()));
        }
        if !create {
            return Ok(None);
        }
        let handle = spawn_task(
            broker.me.clone(),
            partition,
            loaded.coordinator_epoch,
            transactional_id.to_string(),
            None,
        );
        loaded
            .txns
            .insert(transactional_id.to_string(), handle.clone());
        Ok(Some(handle))
    }

    async fn ask<T>(
        &self,
        broker: &Broker,
        transactional_id: &str,
        create: bool,
        command: impl FnOnce(oneshot::Sender<Result<T, ResponseError>>) -> Command,
    ) -> Result<T, ResponseError> {
        // A partition that is loading (a new `__transaction_state`, or one just taken over)
        // usually loads in milliseconds: worth waiting for rather than a client's retry.
        let handle = wait_out_load(&self.load_changes, || {
            self.handle(broker, transactional_id, create)
        })
        .await?
        .ok_or(ResponseError::InvalidProducerIdMapping)?;
        let (reply, answer) = oneshot::channel();
        handle
            .commands
            .send(command(reply))
            .map_err(|_| ResponseError::NotCoordinator)?;
        answer.await.map_err(|_| ResponseError::NotCoordinator)?
    }

    /// InitProducerId with a transactional id: the producer id and epoch to use.
    pub async fn init_producer_id(
        &self,
        broker: &Broker,
        transactional_id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
    ) -> Result<(i64, i16), ResponseError> {
        if transactional_id.is_empty() {
            return Err(ResponseError::InvalidRequest);
        }
        if timeout_ms <= 0 || timeout_ms > broker.config.transaction_max_timeout_ms {
            return Err(ResponseError::InvalidTransactionTimeout);
        }
        self.ask(broker, transactional_id, true, |reply| {
            Command::InitProducerId {
                timeout_ms,
                expected,
                reply,
            }
        })
        .await
    }

    /// AddPartitionsToTxn (and AddOffsetsToTxn with the group's offsets partition).
    pub async fn add_partitions(
        &self,
        broker: &Broker,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
    ) -> Result<(), ResponseError> {
        if transactional_id.is_empty() {
            return Err(ResponseError::InvalidRequest);
        }
        self.ask(broker, transactional_id, false, |reply| {
            Command::AddPartitions {
                producer_id,
                producer_epoch,
                partitions,
                reply,
            }
        })
        .await
    }

    /// KIP-890's verify-only AddPartitionsToTxn: for each partition, whether it is in the
    /// producer's ongoing transaction (TRANSACTION_ABORTABLE when not).
    pub fn verify_partitions(
        &self,
        broker: &Broker,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        partitions: &[TopicPartition],
    ) -> Result<Vec<Option<ResponseError>>, ResponseError> {
        if transactional_id.is_empty() {
            return Err(ResponseError::InvalidRequest);
        }
        let txn = self
            .describe(broker, transactional_id)
            .map_err(|e| match e {
                ResponseError::TransactionalIdNotFound => ResponseError::InvalidProducerIdMapping,
                e => e,
            })?;
        if txn.producer_id != producer_id {
            return Err(ResponseError::InvalidProducerIdMapping);
        }
        if txn.producer_epoch != producer_epoch {
            return Err(ResponseError::ProducerFenced);
        }
        if txn.state.is_prepare() {
            return Err(ResponseError::ConcurrentTransactions);
        }
        Ok(partitions
            .iter()
            .map(|p| (!txn.partitions.contains(p)).then_some(ResponseError::TransactionAbortable))
            .collect())
    }

    /// EndTxn: the producer id and epoch the producer goes on with.
    pub async fn end_txn(
        &self,
        broker: &Broker,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
        client_transaction_version: i16,
    ) -> Result<(i64, i16), ResponseError> {
        if transactional_id.is_empty() {
            return Err(ResponseError::InvalidRequest);
        }
        self.ask(broker, transactional_id, false, |reply| Command::EndTxn {
            producer_id,
            producer_epoch,
            commit,
            client_transaction_version,
            reply,
        })
        .await
    }

    /// The id's current metadata (DescribeTransactions).
    pub fn describe(
        &self,
        broker: &Broker,
        transactional_id: &str,
    ) -> Result<TxnView, ResponseError> {
        self.handle(broker, transactional_id, false)?
            .and_then(|h| h.view.borrow().clone())
            .filter(|m| m.state != TxnState::Dead)
            .ok_or(ResponseError::TransactionalIdNotFound)
    }

    /// Every id this broker coordinates (ListTransactions), in no particular order;
    /// COORDINATOR_LOAD_IN_PROGRESS while a partition is loading, as Kafka answers.
    pub fn list(&self) -> Result<Vec<TxnView>, ResponseError> {
        let partitions = self.partitions()?;
        let mut txns = Vec::new();
        for partition in partitions.values() {
            match partition {
                PartitionState::Loading => return Err(ResponseError::CoordinatorLoadInProgress),
                PartitionState::Loaded(loaded) => {
                    txns.extend(loaded.txns.values().filter_map(|h| h.view.borrow().clone()))
                }
            }
        }
        Ok(txns)
    }

    /// Sends `command(metadata)` to every loaded id's task for which it gives one.
    fn send_each(&self, command: impl Fn(&TxnMetadata) -> Option<Command>) {
        let Ok(partitions) = self.partitions.lock() else {
            return;
        };
        for partition in partitions.values() {
            let PartitionState::Loaded(loaded) = partition else {
                continue;
            };
            for handle in loaded.txns.values() {
                let Some(command) = handle.view.borrow().as_ref().and_then(&command) else {
                    continue;
                };
                let _ = handle.commands.send(command);
            }
        }
    }

    /// Removes an expired id's handle (called by its task once the tombstone is written).
    fn forget(&self, partition: i32, transactional_id: &str) {
        if let Ok(mut partitions) = self.partitions.lock() {
            if let Some(PartitionState::Loaded(loaded)) = partitions.get_mut(&partition) {
                loaded.txns.remove(transactional_id);
            }
        }
    }

    /// Drops every partition (the broker stops): the tasks end with their channels.
    pub fn shutdown(&self) {
        if let Ok(mut partitions) = self.partitions.lock() {
            partitions.clear();
        }
    }
}

fn spawn_task(
    broker: Weak<Broker>,
    partition: i32,
    coordinator_epoch: i32,
    transactional_id: String,
    metadata: Option<TxnMetadata>,
) -> TxnHandle {
    let (commands, receiver) = mpsc::unbounded_channel();
    let (view, view_receiver) = watch::channel(metadata.clone());
    let task = TxnTask {
        broker,
        partition,
        coordinator_epoch,
        transactional_id,
        metadata,
        view,
        commands: commands.downgrade(),
        markers_in_flight: false,
        parked: Vec::new(),
        complete_due: None,
    };
    tokio::spawn(task.run(receiver));
    TxnHandle {
        commands,
        view: view_receiver,
    }
}
