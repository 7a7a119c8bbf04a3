//! The task that owns one transactional id: it alone changes the id's metadata, one command at a
//! time, writing each transition to `__transaction_state` (and waiting until the ISR has it)
//! before it makes it current and before it acts on it (Kafka's TransactionCoordinator logic, with the task in place of the metadata lock).
//! Markers are written by a helper task while this one keeps answering (with
//! CONCURRENT_TRANSACTIONS in Prepare*, as Kafka does); the helper reports back with
//! [`Command::MarkersWritten`], and the Complete* record follows.
//!
//! Differs from Kafka: the producer's next AddPartitions that arrives while the markers are
//! being written waits here (up to [`PARKED_ADD_MAX_WAIT`], then CONCURRENT_TRANSACTIONS)
//! instead of being answered CONCURRENT_TRANSACTIONS at once, which costs a client a 20 ms
//! back-off per transaction (librdkafka's and Java's). Kafka 4.0 does the same wait for a
//! `transaction.version` 2 Produce's implicit add (KAFKA-18654, retrying every 20 ms for up to
//! `add.partitions.to.txn.retry.backoff.max.ms`); here the wait ends when the Complete record
//! is written, and the first waiting AddPartitions' Ongoing record goes in the same batch as
//! the Complete one (the log keeps them in order, so the Ongoing being replicated means the
//! Complete is too: nothing is acted on before its record is replicated). And once the markers
//! are written, the Complete record itself waits up to `transaction.complete.linger.ms` for
//! that AddPartitions (any other command writes it at once): a producer that goes on with its
//! next transaction then costs one replicated write between its transactions, not two (each
//! is an append and a fetch round of every follower), and the next EndTxn does not find the
//! followers busy with the Complete record.

use std::sync::Weak;
use std::time::{Duration, Instant};

use kafka_protocol::error::ResponseError;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info};

use super::markers::write_markers;
use super::state::{
    is_epoch_exhausted, TopicPartition, TxnMetadata, TxnState, NO_PRODUCER_EPOCH, NO_PRODUCER_ID,
    TV_EPOCH_BUMP,
};
use super::store::append_transitions;
use crate::broker::Broker;
use crate::clock::now_ms;

pub(crate) type Reply<T> = oneshot::Sender<Result<T, ResponseError>>;

/// How long an AddPartitions waits for the previous transaction to complete: Kafka's default
/// `add.partitions.to.txn.retry.backoff.max.ms`.
pub(crate) const PARKED_ADD_MAX_WAIT: Duration = Duration::from_millis(100);

/// An AddPartitions of the producer whose previous transaction is completing.
pub(crate) struct ParkedAdd {
    producer_id: i64,
    producer_epoch: i16,
    partitions: Vec<TopicPartition>,
    reply: Reply<()>,
    deadline: Instant,
}

/// What a handler (or the coordinator's timers) asks of a transactional id's task.
pub(crate) enum Command {
    InitProducerId {
        timeout_ms: i32,
        /// KIP-360: the producer id and epoch the producer has, when it has one.
        expected: Option<(i64, i16)>,
        reply: Reply<(i64, i16)>,
    },
    AddPartitions {
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
        reply: Reply<()>,
    },
    EndTxn {
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
        /// 2 for EndTxn v5+ (KIP-890: the epoch goes up with every commit or abort), else 0.
        client_transaction_version: i16,
        reply: Reply<(i64, i16)>,
    },
    /// The transaction outlived its timeout: fence its producer and abort it.
    AbortTimedOut {
        producer_id: i64,
        producer_epoch: i16,
    },
    /// Every partition of the transaction has its marker.
    MarkersWritten,
    /// The Complete record waited its longest for the producer's next AddPartitions (made by
    /// the task's own timer, never sent).
    CompleteDue,
    /// A parked AddPartitions may have waited its longest.
    ParkedExpired,
    /// The id was idle past `transactional.id.expiration.ms`: remove it.
    Expire { expiration_ms: i64 },
}

pub(crate) struct TxnTask {
    pub broker: Weak<Broker>,
    pub partition: i32,
    pub coordinator_epoch: i32,
    pub transactional_id: String,
    /// `None` until the id's first record is written, and again once it expired.
    pub metadata: Option<TxnMetadata>,
    pub view: watch::Sender<Option<TxnMetadata>>,
    pub commands: mpsc::WeakUnboundedSender<Command>,
    /// The markers are being written, or the Complete record is waiting to be written (held
    /// for the producer's next AddPartitions, or retried).
    pub markers_in_flight: bool,
    /// AddPartitions waiting for the Complete record; only while `markers_in_flight`, or
    /// while the Complete record is retried.
    pub parked: Vec<ParkedAdd>,
    /// Set once the markers are written and the Complete record waits for the producer's next
    /// AddPartitions to ride with it: the latest it is written alone. Only while
    /// `markers_in_flight` and nothing is parked (a parked AddPartitions rides at once).
    pub complete_due: Option<Instant>,
}

impl TxnTask {
    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        self.resume_markers();
        loop {
            let command = match self.complete_due {
                Some(due) => tokio::select! {
                    command = commands.recv() => command,
                    () = tokio::time::sleep_until(due.into()) => Some(Command::CompleteDue),
                },
                None => commands.recv().await,
            };
            let Some(command) = command else {
                break;
            };
            let Some(broker) = self.broker.upgrade() else {
                return;
            };
            if self.handle(&broker, command).await == Flow::Expired {
                break;
            }
        }
        // Expired: whatever was queued meanwhile retries against the id's next task.
        commands.close();
        while let Ok(command) = commands.try_recv() {
            reply_retriable(command);
        }
    }

    async fn handle(&mut self, broker: &Broker, command: Command) -> Flow {
        let rides = matches!(
            &command,
            Command::AddPartitions { producer_id, producer_epoch, .. }
                if self.completing_for(*producer_id, *producer_epoch)
        );
        if self.complete_due.is_some() && !rides && !matches!(command, Command::ParkedExpired) {
            // Whatever else comes for the id sees the transaction complete, as it would have
            // without the wait.
            self.complete(broker).await;
        }
        match command {
            Command::InitProducerId {
                timeout_ms,
                expected,
                reply,
            } => {
                let _ = reply.send(self.init_producer_id(broker, timeout_ms, expected).await);
            }
            Command::AddPartitions {
                producer_id,
                producer_epoch,
                partitions,
                reply,
            } => {
                if rides {
                    let parked = ParkedAdd {
                        producer_id,
                        producer_epoch,
                        partitions,
                        reply,
                        deadline: Instant::now() + PARKED_ADD_MAX_WAIT,
                    };
                    if self.complete_due.is_some() {
                        // The markers are written: the Complete record goes now, with it.
                        self.parked.push(parked);
                        self.complete(broker).await;
                    } else {
                        self.park(parked);
                    }
                } else {
                    let added = self
                        .add_partitions(broker, producer_id, producer_epoch, partitions)
                        .await;
                    let _ = reply.send(added);
                }
            }
            Command::EndTxn {
                producer_id,
                producer_epoch,
                commit,
                client_transaction_version,
                reply,
            } => {
                let ended = self
                    .end_txn(
                        broker,
                        producer_id,
                        producer_epoch,
                        commit,
                        client_transaction_version,
                    )
                    .await;
                let _ = reply.send(ended);
            }
            Command::AbortTimedOut {
                producer_id,
                producer_epoch,
            } => {
                self.abort_timed_out(broker, producer_id, producer_epoch)
                    .await
            }
            Command::MarkersWritten => self.markers_written(broker).await,
            // Written above, as for any command but the AddPartitions that rides.
            Command::CompleteDue => {}
            Command::ParkedExpired => self.expire_parked(),
            Command::Expire { expiration_ms } => return self.expire(broker, expiration_ms).await,
        }
        Flow::Continue
    }

    /// Writes `next` and makes it current once the ISR has it.
    async fn write(&mut self, broker: &Broker, next: TxnMetadata) -> Result<(), ResponseError> {
        self.write_all(broker, vec![next]).await
    }

    /// Writes transitions that follow one another in one batch and makes the last current once
    /// the ISR has them.
    async fn write_all(
        &mut self,
        broker: &Broker,
        nexts: Vec<TxnMetadata>,
    ) -> Result<(), ResponseError> {
        let started = Instant::now();
        let written = append_transitions(
            broker,
            self.partition,
            self.coordinator_epoch,
            &self.transactional_id,
            &nexts.iter().map(Some).collect::<Vec<_>>(),
        )
        .await;
        debug!(
            transactional_id = %self.transactional_id,
            states = ?nexts.iter().map(|n| n.state.name()).collect::<Vec<_>>(),
            micros = started.elapsed().as_micros() as u64,
            ok = written.is_ok(),
            "wrote transitions"
        );
        written?;
        for next in nexts {
            match &mut self.metadata {
                Some(current) => current.complete_transition(next),
                None => self.metadata = Some(next),
            }
        }
        self.view.send_replace(self.metadata.clone());
        Ok(())
    }

    async fn init_producer_id(
        &mut self,
        broker: &Broker,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
    ) -> Result<(i64, i16), ResponseError> {
        let now = now_ms();
        let current = match self.metadata.clone() {
            Some(current) => current,
            None => {
                let producer_id = broker
                    .next_producer_id(&broker.producer_ids)
                    .await
                    .map_err(|e| e.code)?;
                TxnMetadata::new(self.transactional_id.clone(), producer_id, timeout_ms, now)
            }
        };
        let valid_expected = |(producer_id, epoch): (i64, i16)| {
            current.producer_epoch == NO_PRODUCER_EPOCH
                || producer_id == current.producer_id
                || (producer_id == current.previous_producer_id && is_epoch_exhausted(epoch))
        };
        if !expected.is_none_or(valid_expected) {
            return Err(ResponseError::ProducerFenced);
        }
        let next = match current.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort => {
                return Err(ResponseError::ConcurrentTransactions)
            }
            TxnState::Ongoing => {
                // Abort the open transaction with a bumped epoch first; the producer retries
                // and then gets the epoch after that one.
                self.fence_and_abort(broker, &current).await?;
                return Err(ResponseError::ConcurrentTransactions);
            }
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                if current.is_producer_epoch_exhausted()
                    && expected.is_none_or(|(_, e)| e == current.producer_epoch)
                {
                    let producer_id = broker
                        .next_producer_id(&broker.producer_ids)
                        .await
                        .map_err(|e| e.code)?;
                    current.prepare_producer_id_rotation(
                        producer_id,
                        timeout_ms,
                        now,
                        expected.is_some(),
                    )
                } else {
                    current.prepare_increment_producer_epoch(
                        timeout_ms,
                        expected.map(|(_, e)| e),
                        now,
                    )?
                }
            }
            TxnState::Dead | TxnState::PrepareEpochFence => {
                return Err(ResponseError::ConcurrentTransactions)
            }
        };
        if self.metadata.is_none() {
            self.metadata = Some(current);
        }
        let answer = (next.producer_id, next.producer_epoch);
        self.write(broker, next).await?;
        info!(transactional_id = %self.transactional_id, producer_id = answer.0, producer_epoch = answer.1, "initialized transactional producer");
        Ok(answer)
    }

    async fn add_partitions(
        &mut self,
        broker: &Broker,
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
    ) -> Result<(), ResponseError> {
        let current = self.current_for(producer_id, producer_epoch)?;
        if current.state.is_prepare() {
            return Err(ResponseError::ConcurrentTransactions);
        }
        if current.state == TxnState::Ongoing
            && partitions.iter().all(|p| current.partitions.contains(p))
        {
            return Ok(());
        }
        let next = current.prepare_add_partitions(partitions, now_ms());
        self.write(broker, next).await
    }

    /// EndTxn, as Kafka's `TransactionCoordinator.endTransaction`: a `transaction.version` 2
    /// client gets the bumped epoch (or, when that used up the epochs, the next producer id at
    /// epoch 0) to go on with, and its retry with the epoch before the bump is recognised.
    async fn end_txn(
        &mut self,
        broker: &Broker,
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
        client_transaction_version: i16,
    ) -> Result<(i64, i16), ResponseError> {
        let current = self
            .metadata
            .clone()
            .ok_or(ResponseError::InvalidProducerIdMapping)?;
        let current_is_tv2 = current.client_transaction_version >= TV_EPOCH_BUMP;
        let retry_on_overflow = current_is_tv2
            && current.previous_producer_id == producer_id
            && producer_epoch == i16::MAX - 1
            && current.producer_epoch == 0;
        let retry_on_epoch_bump = current.end_txn_epoch_bumped(producer_epoch);
        let valid_epoch = if current_is_tv2 {
            match current.state {
                TxnState::PrepareCommit | TxnState::PrepareAbort => retry_on_epoch_bump,
                TxnState::CompleteCommit | TxnState::CompleteAbort => {
                    retry_on_epoch_bump || retry_on_overflow
                }
                _ => producer_epoch == current.producer_epoch,
            }
        } else {
            producer_epoch == current.producer_epoch
        };
        if current.producer_id != producer_id && !retry_on_overflow {
            return Err(ResponseError::InvalidProducerIdMapping);
        }
        if !valid_epoch {
            return Err(ResponseError::ProducerFenced);
        }
        let answer = (current.producer_id, current.producer_epoch);
        match (current.state, commit) {
            (TxnState::Ongoing, _) => {
                let bumps = client_transaction_version >= TV_EPOCH_BUMP;
                let next_producer_id = if bumps && current.is_producer_epoch_exhausted() {
                    broker
                        .next_producer_id(&broker.producer_ids)
                        .await
                        .map_err(|e| e.code)?
                } else {
                    NO_PRODUCER_ID
                };
                let next = current.prepare_abort_or_commit(
                    commit,
                    client_transaction_version,
                    next_producer_id,
                    now_ms(),
                );
                let answer = if next_producer_id == NO_PRODUCER_ID {
                    (next.producer_id, next.producer_epoch)
                } else {
                    (next_producer_id, 0)
                };
                self.write(broker, next).await?;
                self.start_markers();
                Ok(answer)
            }
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => Ok(answer),
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(ResponseError::ConcurrentTransactions)
            }
            _ => Err(ResponseError::InvalidTxnState),
        }
    }

    /// The current metadata, if it belongs to this producer id and epoch.
    fn current_for(
        &self,
        producer_id: i64,
        producer_epoch: i16,
    ) -> Result<TxnMetadata, ResponseError> {
        let current = self
            .metadata
            .as_ref()
            .ok_or(ResponseError::InvalidProducerIdMapping)?;
        if current.producer_id != producer_id {
            return Err(ResponseError::InvalidProducerIdMapping);
        }
        if current.producer_epoch != producer_epoch {
            return Err(ResponseError::ProducerFenced);
        }
        Ok(current.clone())
    }

    /// Bumps the epoch (fencing the producer) and writes PrepareAbort, then sends the markers.
    async fn fence_and_abort(
        &mut self,
        broker: &Broker,
        current: &TxnMetadata,
    ) -> Result<(), ResponseError> {
        let next = current.prepare_fence_and_abort(now_ms());
        let bumped = next.producer_epoch;
        if let Err(e) = self.write(broker, next).await {
            // The bumped epoch was never given out; the next fence reuses it.
            if let Some(current) = &mut self.metadata {
                current.producer_epoch = bumped;
                current.has_failed_epoch_fence = true;
            }
            return Err(e);
        }
        self.start_markers();
        Ok(())
    }

    async fn abort_timed_out(&mut self, broker: &Broker, producer_id: i64, producer_epoch: i16) {
        let Some(current) = self.metadata.clone() else {
            return;
        };
        if current.producer_id != producer_id
            || current.producer_epoch != producer_epoch
            || current.state != TxnState::Ongoing
        {
            return;
        }
        match self.fence_and_abort(broker, &current).await {
            Ok(()) => {
                info!(transactional_id = %self.transactional_id, "aborting a transaction that outlived its timeout")
            }
            Err(e) => {
                debug!(transactional_id = %self.transactional_id, error = ?e, "timed-out abort failed")
            }
        }
    }

    /// After a Prepare* record: markers to every partition (by a helper task).
    fn start_markers(&mut self) {
        let Some(current) = &self.metadata else {
            return;
        };
        if self.markers_in_flight || !current.state.is_prepare() {
            return;
        }
        self.markers_in_flight = true;
        tokio::spawn(write_markers(
            self.broker.clone(),
            self.commands.clone(),
            self.coordinator_epoch,
            current.producer_id,
            current.producer_epoch,
            current.state == TxnState::PrepareCommit,
            current.partitions.iter().cloned().collect(),
        ));
    }

    /// A coordinator that loaded a Prepare* transaction finishes it.
    fn resume_markers(&mut self) {
        self.start_markers();
    }

    /// The markers are written: the Complete record goes now with a parked AddPartitions,
    /// else it waits up to `transaction.complete.linger.ms` for the producer's next one.
    async fn markers_written(&mut self, broker: &Broker) {
        let linger = u64::try_from(broker.config.transaction_complete_linger_ms).unwrap_or(0);
        if !self.parked.is_empty() || linger == 0 || !self.markers_in_flight {
            self.complete(broker).await;
            return;
        }
        self.complete_due = Some(Instant::now() + Duration::from_millis(linger));
        debug_assert!(self.markers_in_flight && self.parked.is_empty());
    }

    async fn complete(&mut self, broker: &Broker) {
        self.complete_due = None;
        self.markers_in_flight = false;
        let Some(current) = self.metadata.clone() else {
            return;
        };
        if !current.state.is_prepare() {
            return;
        }
        let now = now_ms();
        let complete = current.prepare_complete(now);
        // The next transaction's first AddPartitions rides in the same batch.
        let riding = match self.parked.first() {
            Some(p)
                if p.producer_id == complete.producer_id
                    && p.producer_epoch == complete.producer_epoch =>
            {
                Some(self.parked.remove(0))
            }
            _ => None,
        };
        let mut nexts = vec![complete.clone()];
        if let Some(parked) = &riding {
            let mut completed = current;
            completed.complete_transition(complete);
            nexts.push(completed.prepare_add_partitions(parked.partitions.iter().cloned(), now));
        }
        let written = self.write_all(broker, nexts).await;
        if let Some(parked) = riding {
            let _ = parked.reply.send(written);
        }
        match written {
            Ok(()) => {
                for parked in std::mem::take(&mut self.parked) {
                    let added = self
                        .add_partitions(
                            broker,
                            parked.producer_id,
                            parked.producer_epoch,
                            parked.partitions,
                        )
                        .await;
                    let _ = parked.reply.send(added);
                }
            }
            Err(ResponseError::NotCoordinator) => {
                // No longer ours: the next coordinator loads PrepareX and completes it.
                for parked in std::mem::take(&mut self.parked) {
                    let _ = parked.reply.send(Err(ResponseError::NotCoordinator));
                }
            }
            Err(e) => {
                debug!(transactional_id = %self.transactional_id, error = ?e, "retrying the Complete record");
                let commands = self.commands.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Some(commands) = commands.upgrade() {
                        let _ = commands.send(Command::MarkersWritten);
                    }
                });
                self.markers_in_flight = true;
            }
        }
    }

    /// Whether an AddPartitions of this producer should wait for the transaction completing now.
    fn completing_for(&self, producer_id: i64, producer_epoch: i16) -> bool {
        self.markers_in_flight
            && self.metadata.as_ref().is_some_and(|m| {
                m.state.is_prepare()
                    && m.producer_id == producer_id
                    && m.producer_epoch == producer_epoch
            })
    }

    fn park(&mut self, parked: ParkedAdd) {
        let wait = parked.deadline.saturating_duration_since(Instant::now());
        self.parked.push(parked);
        let commands = self.commands.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            if let Some(commands) = commands.upgrade() {
                let _ = commands.send(Command::ParkedExpired);
            }
        });
    }

    /// Parked AddPartitions past their deadline get CONCURRENT_TRANSACTIONS, as Kafka answers.
    fn expire_parked(&mut self) {
        let now = Instant::now();
        let (expired, waiting) = std::mem::take(&mut self.parked)
            .into_iter()
            .partition(|p| p.deadline <= now);
        self.parked = waiting;
        for parked in expired {
            let _ = parked
                .reply
                .send(Err(ResponseError::ConcurrentTransactions));
        }
    }

    async fn expire(&mut self, broker: &Broker, expiration_ms: i64) -> Flow {
        let Some(current) = &self.metadata else {
            return Flow::Continue;
        };
        let idle = matches!(
            current.state,
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort
        ) && !self.markers_in_flight
            && current
                .txn_last_update_timestamp_ms
                .saturating_add(expiration_ms)
                <= now_ms();
        if !idle {
            return Flow::Continue;
        }
        let dead = current.prepare_dead();
        debug_assert_eq!(dead.state, TxnState::Dead);
        let written = append_transitions(
            broker,
            self.partition,
            self.coordinator_epoch,
            &self.transactional_id,
            &[None],
        )
        .await;
        if written.is_err() {
            return Flow::Continue;
        }
        info!(transactional_id = %self.transactional_id, "transactional id expired");
        self.metadata = None;
        self.view.send_replace(None);
        broker
            .txn_coordinator
            .forget(self.partition, &self.transactional_id);
        Flow::Expired
    }
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Expired,
}

fn reply_retriable(command: Command) {
    let error = ResponseError::ConcurrentTransactions;
    match command {
        Command::InitProducerId { reply, .. } | Command::EndTxn { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Command::AddPartitions { reply, .. } => {
            let _ = reply.send(Err(error));
        }
        Command::AbortTimedOut { .. }
        | Command::MarkersWritten
        | Command::CompleteDue
        | Command::ParkedExpired
        | Command::Expire { .. } => {}
    }
}
