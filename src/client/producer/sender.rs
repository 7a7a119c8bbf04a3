//! The producer's background task: owns the accumulator, sequence numbers and in-flight set;
//! drains ready batches into one ProduceRequest per leader and settles the answers.
//!
//! An idempotent producer keeps up to `max.in.flight.requests.per.connection` (at most 5)
//! batches per partition in flight: the broker rejects a batch whose predecessor is missing
//! (OUT_OF_ORDER_SEQUENCE), and such batches are retried in sequence order. Without
//! idempotence one batch per partition is in flight, so retries cannot reorder a partition.

use super::accumulator::{lock, Accumulator};
use super::batch::{ProducerBatch, ProducerIdentity};
use super::transaction::{Transactions, LAST_PRODUCE_VERSION_BEFORE_V2};
use crate::client::config::Acks;
use crate::client::error::{ClientError, ClientResult};
use crate::client::kafka_client::Client;
use crate::client::wire::{str_bytes, topic_name, TopicPartition};
use futures::stream::{FuturesUnordered, StreamExt};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{ApiKey, ProduceRequest, ProduceResponse, TransactionalId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;

/// What the producer handle asks of the task besides appending records, which it does
/// straight into the shared accumulator.
#[derive(Debug)]
pub enum Command {
    Flush(oneshot::Sender<()>),
}

/// A request's batches and its answer (`None` for `acks=0`, which has none).
type Answer = (Vec<ProducerBatch>, ClientResult<Option<ProduceResponse>>);
type InFlight = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// State of the background task.
pub struct Sender {
    client: Client,
    identity: ProducerIdentity,
    accumulator: Arc<Mutex<Accumulator>>,
    /// Signalled by the handle when a batch opens or fills up.
    wake: Arc<Notify>,
    next_sequence: HashMap<TopicPartition, i32>,
    /// The sequence after the last batch the broker acknowledged, per partition.
    acked_sequence: HashMap<TopicPartition, i32>,
    in_flight_batches: HashMap<TopicPartition, usize>,
    max_in_flight: usize,
    /// Partitions at their in-flight limit.
    busy: HashSet<TopicPartition>,
    in_flight: FuturesUnordered<InFlight>,
    flush_waiters: Vec<oneshot::Sender<()>>,
    /// A transactional producer's transactions: partitions are added to the open one before
    /// their first batch, and a failed batch dooms it.
    transactions: Option<Arc<Transactions>>,
}

impl Sender {
    /// A sender for `client` stamping batches with `identity`, draining `accumulator`.
    pub fn new(
        client: Client,
        identity: ProducerIdentity,
        accumulator: Arc<Mutex<Accumulator>>,
        wake: Arc<Notify>,
        transactions: Option<Arc<Transactions>>,
    ) -> Self {
        let config = client.config();
        let max_in_flight = if identity.is_idempotent() {
            config.max_in_flight.clamp(1, 5)
        } else {
            1
        };
        Sender {
            client,
            identity,
            accumulator,
            wake,
            next_sequence: HashMap::new(),
            acked_sequence: HashMap::new(),
            in_flight_batches: HashMap::new(),
            max_in_flight,
            busy: HashSet::new(),
            in_flight: FuturesUnordered::new(),
            flush_waiters: Vec::new(),
            transactions,
        }
    }

    /// Runs until the handle is dropped and everything queued has been settled.
    pub async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut open = true;
        let wake = Arc::clone(&self.wake);
        loop {
            let flushing = !open || !self.flush_waiters.is_empty();
            self.send_ready(flushing).await;
            if self.in_flight.is_empty() && lock(&self.accumulator).is_empty() {
                self.flush_waiters.drain(..).for_each(|w| {
                    let _ = w.send(());
                });
                if !open {
                    return;
                }
            }
            let deadline = lock(&self.accumulator).next_deadline(&self.busy);
            tokio::select! {
                command = commands.recv(), if open => match command {
                    Some(Command::Flush(waiter)) => self.flush_waiters.push(waiter),
                    None => open = false,
                },
                () = wake.notified() => {}
                Some(answer) = self.in_flight.next() => self.settle(answer).await,
                () = sleep_until(deadline) => {}
            }
        }
    }

    /// Drains sendable batches and starts one request per leader.
    async fn send_ready(&mut self, flushing: bool) {
        let batches = lock(&self.accumulator).drain_ready(&self.busy, flushing, Instant::now());
        if batches.is_empty() {
            return;
        }
        self.follow_epoch();
        let Some(batches) = self.add_to_transaction(batches).await else {
            return;
        };
        let mut by_leader: BTreeMap<i32, Vec<ProducerBatch>> = BTreeMap::new();
        for mut batch in batches {
            let tp = batch.topic_partition.clone();
            let leader = match self.client.leader_id(&tp.topic, tp.partition).await {
                Ok(leader) => leader,
                Err(error) => {
                    self.retry_or_fail(batch, &error, false);
                    continue;
                }
            };
            if self.identity.is_idempotent() && batch.base_sequence.is_none() {
                let next = self.next_sequence.entry(tp.clone()).or_insert(0);
                batch.base_sequence = Some(*next);
                *next = next.wrapping_add(batch.record_count());
            }
            batch.attempts += 1;
            let count = self.in_flight_batches.entry(tp.clone()).or_insert(0);
            *count += 1;
            if *count >= self.max_in_flight {
                self.busy.insert(tp);
            }
            by_leader.entry(leader).or_default().push(batch);
        }
        // Dispatched one by one, in drain order, so each partition's batches hit the wire
        // in sequence order.
        for (leader, mut batches) in by_leader {
            let answer: InFlight = match dispatch(
                &self.client,
                self.identity,
                self.transactions.as_deref(),
                leader,
                &mut batches,
            )
            .await
            {
                Ok(Some(response)) => Box::pin(async move { (batches, response.await.map(Some)) }),
                Ok(None) => Box::pin(std::future::ready((batches, Ok(None)))),
                Err(error) => Box::pin(std::future::ready((batches, Err(error)))),
            };
            self.in_flight.push(answer);
        }
    }

    /// A `transaction.version` 2 producer's epoch goes up with every EndTxn (which comes once
    /// nothing is in flight): the batches after it carry the new epoch, sequences from 0.
    fn follow_epoch(&mut self) {
        let Some(transactions) = &self.transactions else {
            return;
        };
        let identity = transactions.identity();
        if identity != self.identity {
            debug_assert!(self.in_flight.is_empty());
            self.identity = identity;
            self.next_sequence.clear();
            self.acked_sequence.clear();
        }
    }

    /// Adds the batches' new partitions to the open transaction (AddPartitionsToTxn); when
    /// that fails, so do the batches (and the transaction can only abort).
    async fn add_to_transaction(
        &mut self,
        batches: Vec<ProducerBatch>,
    ) -> Option<Vec<ProducerBatch>> {
        let Some(transactions) = self.transactions.clone() else {
            return Some(batches);
        };
        let partitions: BTreeSet<TopicPartition> =
            batches.iter().map(|b| b.topic_partition.clone()).collect();
        let new = transactions.new_partitions(&partitions);
        match transactions.add_partitions(&new).await {
            Ok(()) => Some(batches),
            Err(error) => {
                for batch in batches {
                    self.fail(batch, &error);
                }
                None
            }
        }
    }

    /// Fails a batch for good.
    fn fail(&self, batch: ProducerBatch, error: &ClientError) {
        if let Some(transactions) = &self.transactions {
            transactions.record_failed(error);
        }
        batch.fail(error);
    }

    /// Matches each batch to its partition's answer.
    async fn settle(&mut self, (batches, result): Answer) {
        for batch in &batches {
            let tp = &batch.topic_partition;
            let count = self.in_flight_batches.entry(tp.clone()).or_insert(1);
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.in_flight_batches.remove(tp);
            }
            self.busy.remove(tp);
        }
        let response = match result {
            Ok(Some(response)) => response,
            Ok(None) => {
                batches.into_iter().for_each(|b| b.succeed(-1, -1));
                return;
            }
            Err(error) => {
                if error.invalidates_metadata() {
                    let _ = self.client.refresh_known_topics().await;
                }
                batches
                    .into_iter()
                    .for_each(|batch| self.retry_or_fail(batch, &error, false));
                return;
            }
        };
        let mut answers = HashMap::new();
        for topic in &response.responses {
            for p in &topic.partition_responses {
                answers.insert(TopicPartition::new(topic.name.0.to_string(), p.index), p);
            }
        }
        let mut stale_metadata = false;
        for batch in batches {
            let Some(answer) = answers.get(&batch.topic_partition) else {
                let error = ClientError::Protocol(format!(
                    "no produce answer for {}",
                    batch.topic_partition
                ));
                self.fail(batch, &error);
                continue;
            };
            match ResponseError::try_from_code(answer.error_code) {
                None | Some(ResponseError::DuplicateSequenceNumber) => {
                    if let Some(sequence) = batch.base_sequence {
                        let next = sequence.wrapping_add(batch.record_count());
                        self.acked_sequence
                            .insert(batch.topic_partition.clone(), next);
                    }
                    batch.succeed(answer.base_offset, answer.log_append_time_ms)
                }
                Some(ResponseError::OutOfOrderSequenceNumber)
                    if self.predecessor_pending(&batch) =>
                {
                    // An earlier batch of this partition has not landed yet (it failed or
                    // overtook us); this one goes again after it.
                    let error = ClientError::from_code(answer.error_code, "out of order")
                        .unwrap_or(ClientError::Protocol("error code vanished".into()));
                    self.retry_or_fail(batch, &error, true);
                }
                Some(_) => {
                    let context = match answer.error_message.as_deref() {
                        Some(message) => {
                            format!("producing to {}: {message}", batch.topic_partition)
                        }
                        None => format!("producing to {}", batch.topic_partition),
                    };
                    let error = ClientError::from_code(answer.error_code, context)
                        .unwrap_or(ClientError::Protocol("error code vanished".into()));
                    stale_metadata |= error.invalidates_metadata();
                    self.retry_or_fail(batch, &error, false);
                }
            }
        }
        if stale_metadata {
            let _ = self.client.refresh_known_topics().await;
        }
    }

    /// Whether batches before this one are still unacknowledged.
    fn predecessor_pending(&self, batch: &ProducerBatch) -> bool {
        let acked = self
            .acked_sequence
            .get(&batch.topic_partition)
            .copied()
            .unwrap_or(0);
        batch
            .base_sequence
            .is_some_and(|sequence| sequence != acked)
    }

    /// Requeues a batch for another attempt if `retries` and `delivery.timeout.ms` allow;
    /// `retriable` overrides the error's own classification.
    fn retry_or_fail(&mut self, mut batch: ProducerBatch, error: &ClientError, retriable: bool) {
        let config = self.client.config();
        let now = Instant::now();
        let backoff = self.client.backoff(batch.attempts.saturating_sub(1));
        let within_time = now + backoff < batch.created + config.delivery_timeout;
        if (retriable || error.is_retriable()) && batch.attempts <= config.retries && within_time {
            tracing::debug!(%error, partition = %batch.topic_partition, "retrying batch");
            batch.retry_at = Some(now + backoff);
            lock(&self.accumulator).requeue(batch);
        } else {
            self.fail(batch, error);
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Puts one ProduceRequest with the batches for one leader on the wire; returns the future
/// of its response (`None` for `acks=0`, which has none). A transactional producer's carries
/// its transactional id, at v11 at most in the classic protocol and v12 or later with
/// `transaction.version` 2 (which then adds the partitions at the leader).
async fn dispatch(
    client: &Client,
    identity: ProducerIdentity,
    transactions: Option<&Transactions>,
    leader: i32,
    batches: &mut [ProducerBatch],
) -> ClientResult<Option<impl Future<Output = ClientResult<ProduceResponse>> + Send + 'static>> {
    let config = client.config();
    let mut topics: BTreeMap<&str, Vec<PartitionProduceData>> = BTreeMap::new();
    for batch in batches.iter_mut() {
        let records = batch.seal(identity, transactions.is_some(), config.compression)?;
        let batch: &ProducerBatch = batch;
        topics
            .entry(batch.topic_partition.topic.as_str())
            .or_default()
            .push(
                PartitionProduceData::default()
                    .with_index(batch.topic_partition.partition)
                    .with_records(Some(records)),
            );
    }
    let request = ProduceRequest::default()
        .with_transactional_id(
            transactions.map(|t| TransactionalId(str_bytes(t.transactional_id()))),
        )
        .with_acks(config.acks.wire_value())
        .with_timeout_ms(i32::try_from(config.request_timeout.as_millis()).unwrap_or(i32::MAX))
        .with_topic_data(
            topics
                .into_iter()
                .map(|(topic, partitions)| {
                    TopicProduceData::default()
                        .with_name(topic_name(topic))
                        .with_partition_data(partitions)
                })
                .collect(),
        );
    let connection = client.broker(leader).await?;
    let version = connection.require_version(ApiKey::Produce)?;
    let version = match transactions {
        Some(t) if t.transaction_v2() => {
            if version <= LAST_PRODUCE_VERSION_BEFORE_V2 {
                return Err(ClientError::UnsupportedApi {
                    api: format!("Produce v{}", LAST_PRODUCE_VERSION_BEFORE_V2 + 1),
                    addr: connection.addr().to_string(),
                });
            }
            version
        }
        Some(_) => version.min(LAST_PRODUCE_VERSION_BEFORE_V2),
        None => version,
    };
    if config.acks == Acks::None {
        connection.send_without_response(&request, version).await?;
        return Ok(None);
    }
    connection.dispatch(&request, version).await.map(Some)
}
